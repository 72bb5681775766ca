// A filled rectangle as an RLE mask, for tests that score or compare masks by their overlap.
import { encodeRle, type Rle } from '../../shared/codecs/rle';

/** The rectangle [x0, x1) x [y0, y1) in a `width` x `height` image. */
export function rectRle(width: number, height: number, x0: number, y0: number, x1: number, y1: number): Rle {
  const d = new Uint8Array(width * height);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) d[y * width + x] = 1;
  return encodeRle(d, width, height);
}
