// Thumbnails for the project's task list: the image in its displayed frame (EXIF orientation, as
// the editor shows it), fitted inside THUMB_SIDE px, as WebP. The list used to load the originals:
// a project of camera photos downloaded and decoded every 24 MP JPEG to draw a 180 px card.
// Made on the first request and kept beside the original in the ImageStore.
import sharp from 'sharp';
import { ErrorCode, isTandemError, TandemError } from '../../../shared/protocol/errors';
import type { ImageStore } from '../types';

/** Longest side of a thumbnail: a 180 px card on a 2x screen, with room to spare. */
export const THUMB_SIDE = 384;

/** The thumbnail's key: the original's key with a suffix (a valid key whenever the original's is). */
export function thumbnailKey(imageKey: string): string {
  return `${imageKey}.thumb.webp`;
}

export async function makeThumbnail(bytes: Uint8Array, maxPixels: number): Promise<Uint8Array> {
  const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    const out = await sharp(input, { limitInputPixels: maxPixels })
      .autoOrient()
      .resize(THUMB_SIDE, THUMB_SIDE, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 75 })
      .toBuffer();
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (e) {
    throw new TandemError(ErrorCode.InvalidImage, 'the image cannot be decoded', { cause: e });
  }
}

/** The stored thumbnail of `imageKey`, made and stored first when there is none yet. */
export async function thumbnailOf(images: ImageStore, imageKey: string, maxPixels: number): Promise<Uint8Array> {
  const key = thumbnailKey(imageKey);
  try {
    return await images.get(key);
  } catch (e) {
    if (!isTandemError(e) || e.code !== ErrorCode.NotFound) throw e;
  }
  const thumb = await makeThumbnail(await images.get(imageKey), maxPixels);
  await images.put(key, thumb);
  return thumb;
}
