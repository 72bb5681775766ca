/**
 * The column-major run lengths of a row-major mask (COCO's order, see rle.ts), read row by row.
 *
 * Walking the mask column by column reads it with a stride of a whole row: on a 24-megapixel
 * photo's mask that cost ~50-60 ms per mask (the worker encodes one per click, the editor one per
 * stroke). The runs only change where a pixel differs from the one above it, or, at the top of a
 * column, from the bottom of the column before; so the rows are compared with the row above
 * (four bytes at a time where rows are word-aligned), the changes are bucketed by column, and the
 * runs are the gaps between the changes' column-major positions.
 */
export function columnRuns(mask: Uint8Array, w: number, h: number): number[] {
  const n = w * h;
  if (n === 0) return [0];
  const changes = new Changes();
  const on = (p: number) => mask[p] !== 0;
  const aligned = w % 4 === 0 && mask.byteOffset % 4 === 0;
  const words = aligned ? new Uint32Array(mask.buffer, mask.byteOffset, n >> 2) : null;
  const wq = w >> 2;
  for (let y = 1; y < h; y++) {
    const row = y * w;
    if (words) {
      for (let j = 0; j < wq; j++) {
        if (words[y * wq + j] === words[(y - 1) * wq + j]) continue;
        for (let x = 4 * j; x < 4 * j + 4; x++) if (on(row + x) !== on(row + x - w)) changes.add(x, y);
      }
    } else {
      for (let x = 0; x < w; x++) if (on(row + x) !== on(row + x - w)) changes.add(x, y);
    }
  }
  // Bucket the changes by column (a stable counting sort keeps each column's rows in order).
  const start = new Int32Array(w + 1);
  for (let t = 0; t < changes.size; t++) start[changes.xs[t] + 1]++;
  for (let x = 0; x < w; x++) start[x + 1] += start[x];
  const rows = new Int32Array(changes.size);
  const fill = start.slice(0, w);
  for (let t = 0; t < changes.size; t++) rows[fill[changes.xs[t]]++] = changes.ys[t];
  // The runs: gaps between consecutive changes in column-major order, starting with zeros.
  const counts: number[] = [];
  let last = 0; // position of the last change
  let above = false; // the pixel before the top of this column in the flattened order
  for (let x = 0; x < w; x++) {
    if (on(x) !== above) {
      counts.push(x * h - last);
      last = x * h;
    }
    for (let t = start[x]; t < start[x + 1]; t++) {
      const p = x * h + rows[t];
      counts.push(p - last);
      last = p;
    }
    above = on((h - 1) * w + x);
  }
  counts.push(n - last);
  return counts;
}

/** A growable list of (x, y) change positions. */
class Changes {
  xs = new Int32Array(1024);
  ys = new Int32Array(1024);
  size = 0;
  add(x: number, y: number): void {
    if (this.size === this.xs.length) {
      const xs = new Int32Array(this.size * 2);
      const ys = new Int32Array(this.size * 2);
      xs.set(this.xs);
      ys.set(this.ys);
      this.xs = xs;
      this.ys = ys;
    }
    this.xs[this.size] = x;
    this.ys[this.size++] = y;
  }
}
