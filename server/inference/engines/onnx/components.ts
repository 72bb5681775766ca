// What the annotator's prompts say about where the object is, applied to the network's mask:
// only the parts positive clicks reach are kept, and nothing outside a box.
//
// The network sometimes lights up a second, separate blob (a look-alike elsewhere in the view);
// under the protocol each such blob costs a negative click, and an annotator pays the same. A part
// of the object that is really separate (an occluded limb) comes back the moment it gets a positive
// click of its own. On the 240 dev objects this took tandem-click-v3 from NoC@90 4.35 to 4.22
// (server/inference/CONTEXT.md, "Only the parts a positive click reaches are kept").

import { IntList } from '../../../../shared/geometry/intList';
import type { Click } from '../../../../shared/protocol/inference';

/** Where the annotator said something about the object, in the mask's pixels: a click's shape. */
export type Seed = Click;

/**
 * Clears every 8-connected foreground component of `mask` (width×height, 0/1, in place) that has
 * no pixel within `radius` px of a positive seed. Seeds outside the mask's frame are ignored; when
 * no positive seed lands on foreground the mask is left as it is (a box- or scribble-only request).
 */
export function keepSeededComponents(mask: Uint8Array, width: number, height: number, seeds: ReadonlyArray<Seed>, radius = 2): void {
  // A scanline flood: reached runs are marked 2 in place (native fills), and only run starts go on
  // the stack. A view can be a whole 24-64 megapixel photo: a flood that pushed every pixel's eight
  // neighbours took ~180 ms per click on a 24 MP object, and a second full-size array per click
  // would cost 64-256 MB.
  const stack = new IntList();
  for (const s of seeds) {
    if (!s.positive) continue;
    const cx = Math.floor(s.x);
    const cy = Math.floor(s.y);
    for (let y = Math.max(0, cy - radius); y <= Math.min(height - 1, cy + radius); y++) {
      for (let x = Math.max(0, cx - radius); x <= Math.min(width - 1, cx + radius); x++) {
        if ((x - cx) ** 2 + (y - cy) ** 2 <= radius * radius && mask[y * width + x] === 1) stack.push(y * width + x);
      }
    }
  }
  if (stack.size === 0) return; // nothing reached: the mask stays as it is (the pass below would clear it)
  while (stack.size > 0) {
    const p = stack.pop();
    if (mask[p] !== 1) continue; // reached through another run since it was pushed
    const x = p % width;
    const row = p - x;
    const line = mask.subarray(row, row + width);
    let x0 = x;
    while (x0 > 0 && line[x0 - 1] === 1) x0--;
    const x1 = runEnd(line, x); // end-exclusive
    line.fill(2, x0, x1);
    // 8-connected: the rows above and below, one pixel wider on each side.
    const a = Math.max(0, x0 - 1);
    const b = Math.min(width, x1 + 1);
    if (row > 0) pushRunStarts(mask.subarray(row - width, row), a, b, row - width, stack);
    if (row + width < mask.length) pushRunStarts(mask.subarray(row + width, row + 2 * width), a, b, row + width, stack);
  }
  halve(mask);
}

/** The end (exclusive) of the run of 1s in `line` that holds x. A run of 1s always ends at a 0 or
 *  the row's end, never at a 2: a fill takes a whole run of 1s, so filled runs border 0s too. */
function runEnd(line: Uint8Array, x: number): number {
  const zero = line.indexOf(0, x);
  return zero < 0 ? line.length : zero;
}

/** Pushes the first pixel of every run of 1s in `line` that meets [a, b). Searched within [a, b)
 *  only: a row with many runs would otherwise be scanned to its end once per run. */
function pushRunStarts(line: Uint8Array, a: number, b: number, offset: number, stack: IntList): void {
  const seg = line.subarray(a, b);
  for (let x = 0; x < seg.length; ) {
    const first = seg.indexOf(1, x);
    if (first < 0) return;
    stack.push(offset + a + first);
    x = runEnd(seg, first);
  }
}

/** 2 (reached) -> 1, 1 (not reached) -> 0, 0 -> 0: a shift right by one, four bytes at a time
 *  where the mask is aligned (the mask of a 24 MP view is 24 MB). */
function halve(mask: Uint8Array): void {
  const head = Math.min(mask.length, (4 - (mask.byteOffset % 4)) % 4);
  const words = Math.floor((mask.length - head) / 4);
  for (let p = 0; p < head; p++) mask[p] >>= 1;
  if (words > 0) {
    const w = new Uint32Array(mask.buffer, mask.byteOffset + head, words);
    for (let i = 0; i < words; i++) if (w[i]) w[i] = (w[i] >>> 1) & 0x7f7f7f7f;
  }
  for (let p = head + 4 * words; p < mask.length; p++) mask[p] >>= 1;
}

/** How far past the box the mask may reach, px. At 0 a box drawn 2 px too tight cost more clicks
 *  than no clip at all (dev, box first: NoC@90 4.66 against 4.36); at 1 every case measured beats
 *  no clip (figures: server/inference/CONTEXT.md, "A box bounds the object"). */
export const BOX_MARGIN = 1;

/**
 * Clears `mask` (width×height, in place) outside `box` ([x0, y0, x1, y1], end-exclusive, in the
 * mask's pixels) grown by BOX_MARGIN and to take in every positive seed: a box is drawn around the
 * object (GrabCut treats its outside as background too), and a positive click outside it moves
 * that edge out. Without the clip the network's spill past the box cost clicks.
 */
export function clearOutside(mask: Uint8Array, width: number, height: number, box: readonly [number, number, number, number], seeds: ReadonlyArray<Seed>): void {
  let [x0, y0, x1, y1] = [box[0] - BOX_MARGIN, box[1] - BOX_MARGIN, box[2] + BOX_MARGIN, box[3] + BOX_MARGIN];
  for (const s of seeds) {
    if (!s.positive) continue;
    x0 = Math.min(x0, Math.floor(s.x));
    y0 = Math.min(y0, Math.floor(s.y));
    x1 = Math.max(x1, Math.floor(s.x) + 1);
    y1 = Math.max(y1, Math.floor(s.y) + 1);
  }
  const cx0 = Math.max(0, Math.min(width, Math.floor(x0)));
  const cx1 = Math.max(cx0, Math.min(width, Math.ceil(x1)));
  const cy0 = Math.max(0, Math.min(height, Math.floor(y0)));
  const cy1 = Math.max(cy0, Math.min(height, Math.ceil(y1)));
  for (let y = 0; y < height; y++) {
    const row = y * width;
    if (y < cy0 || y >= cy1) mask.fill(0, row, row + width);
    else {
      mask.fill(0, row, row + cx0);
      mask.fill(0, row + cx1, row + width);
    }
  }
}
