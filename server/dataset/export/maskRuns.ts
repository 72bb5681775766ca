// Work on a mask in time proportional to its area, not the image's: exports handle thousands of
// small objects on large images, and decoding each to a full frame dominated the export time.
import { encodeRle, rleBbox, rleCounts, type Rle } from '../../../shared/codecs/rle';
import { rleToPolygons } from '../../../shared/codecs/polygon';

/** Calls `fn(i)` with the row-major index of every object pixel (runs are column-major). */
export function forEachPixel(rle: Rle, fn: (i: number) => void): void {
  const counts = rleCounts(rle);
  const [h, w] = rle.size;
  let q = 0;
  for (let k = 0; k < counts.length; k++) {
    const n = counts[k];
    if (k % 2 === 1) {
      for (let p = q; p < q + n; p++) {
        const x = (p / h) | 0;
        fn((p - x * h) * w + x);
      }
    }
    q += n;
  }
}

/**
 * Outer rings of the mask in image pixels, as rleToPolygons gives them, traced on a crop around
 * the object (one pixel of margin) and shifted back: same rings, a fraction of the work.
 */
export function maskPolygons(rle: Rle, tolerance: number): number[][] {
  const [bx, by, bw, bh] = rleBbox(rle);
  if (bw === 0 || bh === 0) return [];
  const x0 = bx - 1;
  const y0 = by - 1;
  const cw = bw + 2;
  const ch = bh + 2;
  const w = rle.size[1];
  const crop = new Uint8Array(cw * ch);
  forEachPixel(rle, (i) => {
    const x = i % w;
    const y = (i - x) / w;
    crop[(y - y0) * cw + (x - x0)] = 1;
  });
  return rleToPolygons(encodeRle(crop, cw, ch), { tolerance }).map((ring) => ring.map((v, k) => v + (k % 2 === 0 ? x0 : y0)));
}
