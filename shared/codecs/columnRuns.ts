// COCO's runs are column-major (see rle.ts) and Tandem's masks row-major; walking a mask column
// by column reads or writes it with a stride of a whole row, which on a 24 MP photo's mask cost
// ~50 ms to encode and ~20 ms to decode (the worker does both per click, the editor per stroke).
// Both directions here touch the mask row by row and handle only where the runs change.
import { IntList } from '../geometry/intList';
import type { PixelBox } from '../geometry/maskBbox';

/**
 * The column-major run lengths of a row-major mask, read row by row.
 *
 * The runs only change where a pixel differs from the one above it, or, at the top of a
 * column, from the bottom of the column before; so the rows are compared with the row above
 * (four bytes at a time where rows are word-aligned), the changes are bucketed by column, and the
 * runs are the gaps between the changes' column-major positions. With `box` (null: no ones) only
 * the rows and columns it spans are compared: the worker's mask of a zoomed object on a photo is
 * a fresh array whose pages outside the object were never touched, and reading them costs more
 * than the encoding (a 64 MP mask: 126-152 ms fresh against 32-42 ms once its pages are in).
 */
export function columnRuns(mask: Uint8Array, w: number, h: number, box?: PixelBox | null): number[] {
  const n = w * h;
  if (n === 0) return [0];
  if (box === null) return [n];
  const changes = new Changes();
  const on = (p: number) => mask[p] !== 0;
  const aligned = w % 4 === 0 && mask.byteOffset % 4 === 0;
  const words = aligned ? new Uint32Array(mask.buffer, mask.byteOffset, n >> 2) : null;
  const wq = w >> 2;
  // The columns compared (whole words where aligned) and the rows: a change can sit on the row
  // just below the box, where its last row ends.
  const [xa, xb] = box ? [box.x0 & ~3, Math.min(w, (box.x1 + 3) & ~3)] : [0, w];
  const [ya, yb] = box ? [Math.max(1, box.y0), Math.min(h - 1, box.y1)] : [1, h - 1];
  for (let y = ya; y <= yb; y++) {
    const row = y * w;
    if (words) {
      for (let j = xa >> 2; j < xb >> 2; j++) {
        if (words[y * wq + j] === words[(y - 1) * wq + j]) continue;
        for (let x = 4 * j; x < 4 * j + 4; x++) if (on(row + x) !== on(row + x - w)) changes.add(x, y);
      }
    } else {
      for (let x = xa; x < xb; x++) if (on(row + x) !== on(row + x - w)) changes.add(x, y);
    }
  }
  const { start, values: rows } = bucket(changes.xs.values(), changes.ys.values(), w); // each column's rows, in order
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

/**
 * The row-major 0/1 mask of column-major run lengths (which must cover w × h), or of its window
 * `crop` (the editor draws a mask cropped to its box). Each column's value is tracked down the
 * rows: its value in row 0, then the rows where a run boundary toggles it, bucketed by row; each
 * row of the ones' bounding box is then one native copy. Only that box is written: a fresh 24 MB
 * array costs little until its pages are first touched (~85 ms for all of them here), so an
 * object's mask costs its box, not the photo.
 */
export function rowsFromRuns(
  counts: ArrayLike<number>,
  w: number,
  h: number,
  crop = { x: 0, y: 0, width: w, height: h },
  into?: Uint8Array, // zeros, crop.width × crop.height: written instead of a fresh array
): Uint8Array {
  const data = into ?? new Uint8Array(crop.width * crop.height);
  if (w === 0 || h === 0) return data;
  const state = new Uint8Array(w); // the value of each column in the current row
  const toggles = new Changes();
  let [xa, xb, ya, yb] = [w, 0, h, -1]; // the ones' bounding box: columns [xa, xb), rows [ya, yb]
  let p = 0;
  for (let i = 0; i < counts.length; i++) {
    const end = p + counts[i];
    if (i % 2 === 1 && end > p) {
      // A run of ones from p to end: it sets row 0 of every column whose top it covers, and
      // toggles a column where it starts or stops below that column's top.
      const x0 = Math.floor(p / h);
      const y0 = p - x0 * h;
      if (y0 > 0) toggles.add(x0, y0);
      else state[x0] = 1;
      for (let x = x0 + 1; x * h < end; x++) state[x] = 1;
      const x1 = Math.floor(end / h);
      const y1 = end - x1 * h;
      if (y1 > 0) toggles.add(x1, y1);
      const xl = Math.floor((end - 1) / h); // the run's last pixel's column
      xa = Math.min(xa, x0);
      xb = Math.max(xb, xl + 1);
      ya = Math.min(ya, xl > x0 ? 0 : y0);
      yb = Math.max(yb, xl > x0 ? h - 1 : end - 1 - xl * h);
    }
    p = end;
  }
  const { start, values: cols } = bucket(toggles.ys.values(), toggles.xs.values(), h); // each row's columns
  const c0 = Math.max(xa, crop.x);
  const span = state.subarray(c0, Math.max(c0, Math.min(xb, crop.x + crop.width)));
  const last = Math.min(yb, crop.y + crop.height - 1);
  for (let y = 0; y <= last; y++) {
    for (let t = start[y]; t < start[y + 1]; t++) state[cols[t]] ^= 1;
    if (y >= ya && y >= crop.y && span.length) data.set(span, (y - crop.y) * crop.width + c0 - crop.x);
  }
  return data;
}

/** A stable counting sort of (key, value) pairs by key in [0, keys): key k's values are
 *  values[start[k]] .. values[start[k + 1] - 1], in the order they were added. */
function bucket(key: Int32Array, value: Int32Array, keys: number): { start: Int32Array; values: Int32Array } {
  const n = key.length;
  const start = new Int32Array(keys + 1);
  for (let t = 0; t < n; t++) start[key[t] + 1]++;
  for (let k = 0; k < keys; k++) start[k + 1] += start[k];
  const values = new Int32Array(n);
  const fill = start.slice(0, keys);
  for (let t = 0; t < n; t++) values[fill[key[t]]++] = value[t];
  return { start, values };
}

/** (x, y) positions where a mask's runs change. */
class Changes {
  readonly xs = new IntList();
  readonly ys = new IntList();
  get size(): number {
    return this.xs.size;
  }
  add(x: number, y: number): void {
    this.xs.push(x);
    this.ys.push(y);
  }
}
