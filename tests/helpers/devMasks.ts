// The dev set beside the checkout (../shared/datasets/dev/COCO_MVal_dev), as the detector tests read it.
import path from 'node:path';
import sharp from 'sharp';
import { encodeRle, type Rle } from '../../shared/codecs/rle';

export const DEV = path.resolve('../shared/datasets/dev/COCO_MVal_dev');

/** The bounding box [x0, y0, x1, y1] (end-exclusive) of a dev object's mask (255 = object). */
export async function devMaskBox(id: string): Promise<number[]> {
  const { data, info } = await sharp(path.join(DEV, 'masks', `${id}.png`)).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  const b = [Infinity, Infinity, -1, -1];
  for (let i = 0; i < data.length; i++) {
    if (data[i] !== 255) continue;
    const x = i % info.width;
    const y = Math.floor(i / info.width);
    b[0] = Math.min(b[0], x);
    b[1] = Math.min(b[1], y);
    b[2] = Math.max(b[2], x + 1);
    b[3] = Math.max(b[3], y + 1);
  }
  return b;
}

/** A dev object's ground-truth mask (255 = object) as the RLE a task stores. */
export async function devMaskRle(id: string): Promise<Rle> {
  const { data, info } = await sharp(path.join(DEV, 'masks', `${id}.png`)).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  return encodeRle(Uint8Array.from(data, (v) => (v === 255 ? 1 : 0)), info.width, info.height);
}
