// Point queries on COCO RLE without decoding to pixels: the runs are cached per mask string.
// Runs are column-major: pixel (x, y) of an h-row mask is linear index x * h + y.
import { rleCounts, type Rle } from '../../../shared/codecs/rle';

export class MaskIndex {
  private cache = new Map<string, { counts: string; starts: Float64Array }>();

  /** Whether image pixel (x, y) (ptImage, floored) is inside `rle`. O(log runs). */
  contains(key: string, rle: Rle, x: number, y: number): boolean {
    const [h, w] = rle.size;
    const px = Math.floor(x);
    const py = Math.floor(y);
    if (px < 0 || py < 0 || px >= w || py >= h) return false;
    let e = this.cache.get(key);
    if (!e || e.counts !== rle.counts) {
      const counts = rleCounts(rle);
      const starts = new Float64Array(counts.length + 1);
      for (let i = 0; i < counts.length; i++) starts[i + 1] = starts[i] + counts[i];
      e = { counts: rle.counts, starts };
      this.cache.set(key, e);
    }
    const q = px * h + py;
    // Largest run i with starts[i] <= q; odd runs are object pixels.
    let lo = 0;
    let hi = e.starts.length - 2;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (e.starts[mid] <= q) lo = mid;
      else hi = mid - 1;
    }
    return lo % 2 === 1;
  }

  forget(key: string): void {
    this.cache.delete(key);
  }
}
