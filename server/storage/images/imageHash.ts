// A perceptual hash of an image (a difference hash, "dHash", both ways): the image in its displayed
// frame, shrunk to a grid of grey pixels, one bit per pair of neighbours (is the first brighter):
// 64 bits across (a 9x8 grid) and 64 down (8x9). The same photo re-encoded, resized, brightened or
// cropped a little keeps nearly all 128; different photos differ in about half. The project's task
// list finds an image that looks like one uploaded before, turned or mirrored, by the bits that
// differ (http/nearDuplicates.ts).
import sharp from 'sharp';
import { ErrorCode, TandemError } from '../../../shared/protocol/errors';

/**
 * Bits (of 128) that may differ between two images that look the same. Measured on the 240 dev
 * photos (`npm run bench -- imageHash`): a JPEG re-encode at quality 40, a resize to 320 px, a PNG
 * copy stay within it for 240/240, brightened by 20% 232, cropped by 8 px 228, mirrored (against
 * `mirroredHash`) 234, turned 90 / 180 degrees (against `rotatedHash`) 238 / 229, turned 270 and
 * mirrored 240; of the 28,676 pairs of different photos none, as they are or one in any of the
 * eight orientations (`orientedHashes`), the closest 13 apart (20 as they are or mirrored only).
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

/** The hash's two 8x8 bit grids, [row][column]: across (bit x of row y: grid(x, y) > grid(x + 1, y))
 *  and down (bit x of row y: grid(x, y) > grid(x, y + 1)). */
function grids(hex: string): [number[][], number[][]] {
  const rows = Array.from({ length: 16 }, (_, r) => parseInt(hex.slice(r * 2, r * 2 + 2), 16));
  const bits = (byte: number) => Array.from({ length: 8 }, (_, x) => (byte >> (7 - x)) & 1);
  return [rows.slice(0, 8).map(bits), rows.slice(8).map(bits)];
}

function fromGrids(across: number[][], down: number[][]): string {
  return [...across, ...down].map((row) => row.reduce((b, bit) => (b << 1) | bit, 0).toString(16).padStart(2, '0')).join('');
}

/**
 * The hash of the image turned 90 degrees clockwise, from the hash alone. The image is squeezed to
 * a square before the grids are taken, so turning commutes with it: the turned image's across
 * grid (9x8) is the original's down grid (8x9) turned, and its down grid the original's across
 * grid. Across, the turned pair (x, x+1) of row y is the original's down pair (column y, rows
 * 8-x and 7-x), the other way round: the down bit (y, 7-x) flipped. Down, the turned pair (y, y+1)
 * of column x is the original's across pair (row 7-x, columns y and y+1): the across bit (y, 7-x).
 * So a photo saved turned (a scan fed sideways, a phone that lost its EXIF tag) is found too.
 */
export function rotatedHash(hex: string): string {
  const [a, d] = grids(hex);
  const across = Array.from({ length: 8 }, (_, y) => Array.from({ length: 8 }, (_, x) => 1 - d[7 - x][y]));
  const down = Array.from({ length: 8 }, (_, y) => Array.from({ length: 8 }, (_, x) => a[7 - x][y]));
  return fromGrids(across, down);
}

/** The hashes of the image as it is, turned 90, 180 and 270 degrees clockwise, and each of those
 *  mirrored left to right: every way a copy of it may have been saved (as it is first). */
export function orientedHashes(hex: string): string[] {
  const turns = [hex];
  for (let i = 0; i < 3; i++) turns.push(rotatedHash(turns[i]));
  return [...turns, ...turns.map(mirroredHash)];
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
