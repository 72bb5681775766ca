// What the annotator's prompts say about where the object is, applied to the network's mask:
// only the parts positive clicks reach are kept, and nothing outside a box.
//
// The network sometimes lights up a second, separate blob (a look-alike elsewhere in the view);
// under the protocol each such blob costs a negative click, and an annotator pays the same. A part
// of the object that is really separate (an occluded limb) comes back the moment it gets a positive
// click of its own. On the 240 dev objects this took tandem-click-v3 from NoC@90 4.35 to 4.22
// (server/inference/CONTEXT.md, "Only the parts a positive click reaches are kept").

import type { Click } from '../../../../shared/protocol/inference';

/** Where the annotator said something about the object, in the mask's pixels: a click's shape. */
export type Seed = Click;

/**
 * Clears every 8-connected foreground component of `mask` (width×height, 0/1, in place) that has
 * no pixel within `radius` px of a positive seed. Seeds outside the mask's frame are ignored; when
 * no positive seed lands on foreground the mask is left as it is (a box- or scribble-only request).
 */
export function keepSeededComponents(mask: Uint8Array, width: number, height: number, seeds: ReadonlyArray<Seed>, radius = 2): void {
  // Reached pixels are marked 2 in place and the flood's stack grows as needed: a view can be a
  // whole 64-megapixel image, where a second full-size array per click would cost 64-256 MB.
  let stack = new Int32Array(4096);
  let top = 0;
  const push = (p: number) => {
    if (mask[p] !== 1) return;
    mask[p] = 2;
    if (top === stack.length) {
      const grown = new Int32Array(stack.length * 2);
      grown.set(stack);
      stack = grown;
    }
    stack[top++] = p;
  };
  for (const s of seeds) {
    if (!s.positive) continue;
    const cx = Math.floor(s.x);
    const cy = Math.floor(s.y);
    for (let y = Math.max(0, cy - radius); y <= Math.min(height - 1, cy + radius); y++) {
      for (let x = Math.max(0, cx - radius); x <= Math.min(width - 1, cx + radius); x++) {
        if ((x - cx) ** 2 + (y - cy) ** 2 <= radius * radius) push(y * width + x);
      }
    }
  }
  if (top === 0) return; // nothing reached: the mask stays as it is (the pass below would clear it)
  while (top > 0) {
    const p = stack[--top];
    const x = p % width;
    const y = (p - x) / width;
    const left = x > 0;
    const right = x < width - 1;
    if (left) push(p - 1);
    if (right) push(p + 1);
    if (y > 0) {
      const q = p - width;
      push(q);
      if (left) push(q - 1);
      if (right) push(q + 1);
    }
    if (y < height - 1) {
      const q = p + width;
      push(q);
      if (left) push(q - 1);
      if (right) push(q + 1);
    }
  }
  for (let p = 0; p < mask.length; p++) mask[p] = mask[p] === 2 ? 1 : 0;
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
