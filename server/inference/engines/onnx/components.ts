// Keeps only the parts of a mask that the annotator's positive clicks reach.
//
// The network sometimes lights up a second, separate blob (a look-alike elsewhere in the view);
// under the protocol each such blob costs a negative click, and an annotator pays the same. A part
// of the object that is really separate (an occluded limb) comes back the moment it gets a positive
// click of its own. On the 240 dev objects this took tandem-click-v3 from NoC@90 4.35 to 4.22
// (models/train/CONTEXT.md, "Connected components").

export interface Seed {
  x: number;
  y: number;
  positive: boolean;
}

/**
 * Clears every 8-connected foreground component of `mask` (width×height, 0/1, in place) that has
 * no pixel within `radius` px of a positive seed. Seeds outside the mask's frame are ignored; when
 * no positive seed lands on foreground the mask is left as it is (a box- or scribble-only request).
 */
export function keepSeededComponents(mask: Uint8Array, width: number, height: number, seeds: ReadonlyArray<Seed>, radius = 2): void {
  const kept = new Uint8Array(mask.length);
  const stack = new Int32Array(mask.length);
  let top = 0;
  const push = (p: number) => {
    if (mask[p] && !kept[p]) {
      kept[p] = 1;
      stack[top++] = p;
    }
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
  if (top === 0) return;
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
  for (let p = 0; p < mask.length; p++) if (!kept[p]) mask[p] = 0;
}
