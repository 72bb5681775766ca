// A perceptual hash of an image (a difference hash, "dHash", both ways): the image in its displayed
// frame, shrunk to a grid of grey pixels, one bit per pair of neighbours (is the first brighter):
// 64 bits across (a 9x8 grid) and 64 down (8x9). The same photo re-encoded, resized, brightened or
// cropped a little keeps nearly all 128; different photos differ in about half. The project's task
// list finds an image that looks like one uploaded before, or its mirror image, by the bits that
// differ (http/nearDuplicates.ts).
import sharp from 'sharp';
import { ErrorCode, TandemError } from '../../../shared/protocol/errors';

/**
 * Bits (of 128) that may differ between two images that look the same. Measured on the 240 dev
 * photos (`npm run bench -- imageHash`): a JPEG re-encode at quality 40, a resize to 320 px, a PNG
 * copy stay within it for 240/240, brightened by 20% 232, cropped by 8 px 228, mirrored (against
 * `mirroredHash`) 234; of the 28,676 pairs of different photos none, as they are or one mirrored,
 * the closest 20 apart.
 */
export const NEAR_DUPLICATE_BITS = 10;

/** The grey grid `w`x`h` of the image, as a pixel reader. */
async function greyGrid(small: { data: Buffer; info: sharp.OutputInfo }, w: number, h: number): Promise<(x: number, y: number) => number> {
  const { data, info } = await sharp(small.data, { raw: { width: small.info.width, height: small.info.height, channels: small.info.channels } })
    .blur(1)
    .resize(w, h, { fit: 'fill', kernel: 'cubic' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return (x, y) => data[(y * w + x) * info.channels];
}

/** The image's hash as 32 hex digits. Throws invalid_image when it cannot be decoded. */
export async function imageHash(bytes: Uint8Array, maxPixels: number): Promise<string> {
  const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let across: (x: number, y: number) => number;
  let down: (x: number, y: number) => number;
  try {
    // Two steps, so that how the file was encoded does not matter: a 128 px grey thumbnail (JPEG
    // and WebP shrink on load, cheap for a camera photo but not the same pixels as a PNG of the
    // same picture), blurred, then the small grids.
    const small = await sharp(input, { limitInputPixels: maxPixels }).autoOrient().flatten({ background: '#000000' }).greyscale().resize(128, 128, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
    across = await greyGrid(small, 9, 8);
    down = await greyGrid(small, 8, 9);
  } catch (e) {
    throw new TandemError(ErrorCode.InvalidImage, 'the image cannot be decoded', { cause: e });
  }
  let hex = '';
  for (const [grid, dx, dy] of [[across, 1, 0], [down, 0, 1]] as const) {
    for (let y = 0; y < 8; y++) {
      let byte = 0;
      for (let x = 0; x < 8; x++) byte = (byte << 1) | (grid(x, y) > grid(x + dx, y + dy) ? 1 : 0);
      hex += byte.toString(16).padStart(2, '0');
    }
  }
  return hex;
}

/**
 * The hash of the image mirrored left to right, from the hash alone. Across, the mirror's pair
 * (x, x+1) is the original's (7-x, 8-x) the other way round: the bit reversed in its row and
 * flipped (a tie, rare after the blur, would not flip). Down, the mirror's column x is the
 * original's 7-x: the bit reversed in its row. So a mirrored copy (a flipped augmentation, a
 * selfie camera's) is found without hashing it again.
 */
export function mirroredHash(hex: string): string {
  let out = '';
  for (let row = 0; row < 16; row++) {
    const byte = parseInt(hex.slice(row * 2, row * 2 + 2), 16);
    let rev = 0;
    for (let b = 0; b < 8; b++) rev = (rev << 1) | ((byte >> b) & 1);
    out += (row < 8 ? rev ^ 0xff : rev).toString(16).padStart(2, '0');
  }
  return out;
}

/** How many bits two hashes (of the same length) differ in. */
export function hashDistance(a: string, b: string): number {
  let d = 0;
  for (let i = 0; i < a.length; i += 4) {
    let x = parseInt(a.slice(i, i + 4), 16) ^ parseInt(b.slice(i, i + 4), 16);
    while (x) {
      x &= x - 1;
      d++;
    }
  }
  return d;
}
