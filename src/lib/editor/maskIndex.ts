// Point and box queries on COCO RLE without decoding to pixels: the runs (and the box, once
// asked) are cached per mask string, so hit tests and the selection boxes the canvas redraws with
// every cursor move cost no decoding. Runs are column-major: pixel (x, y) of an h-row mask is
// linear index x * h + y.
import { rleBbox, rleCounts, type Bbox, type Rle } from '../../../shared/codecs/rle';

interface Entry {
  counts: string;
  starts: Float64Array;
  box?: Bbox;
}

export class MaskIndex {
  private cache = new Map<string, Entry>();

  private entry(key: string, rle: Rle): Entry {
    let e = this.cache.get(key);
    if (!e || e.counts !== rle.counts) {
      const counts = rleCounts(rle);
      const starts = new Float64Array(counts.length + 1);
      for (let i = 0; i < counts.length; i++) starts[i + 1] = starts[i] + counts[i];
      e = { counts: rle.counts, starts };
      this.cache.set(key, e);
    }
    return e;
  }

  /** The mask's [x, y, w, h] box, computed once per mask string. */
  box(key: string, rle: Rle): Bbox {
    const e = this.entry(key, rle);
    return (e.box ??= rleBbox(rle));
  }

  /** Whether image pixel (x, y) (ptImage, floored) is inside `rle`. O(log runs). */
  contains(key: string, rle: Rle, x: number, y: number): boolean {
    const [h, w] = rle.size;
    const px = Math.floor(x);
    const py = Math.floor(y);
    if (px < 0 || py < 0 || px >= w || py >= h) return false;
    const e = this.entry(key, rle);
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
