import { describe, expect, it } from 'vitest';
import { refineMask } from './refine';

const W = 40;
const H = 20;

/** Object = the bright right part from column `edge` on; the rest dark. */
function image(edge: number | null): { width: number; height: number; data: Uint8Array } {
  const data = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data.fill(edge !== null && x >= edge ? 200 : 40, 3 * (y * W + x), 3 * (y * W + x) + 3);
  return { width: W, height: H, data };
}

/** A blurry network prediction: logit rises 0.5 per px and crosses 0 between columns 22 and 23. */
function ramp(): Float32Array {
  const l = new Float32Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) l[y * W + x] = 0.5 * (x - 22.5);
  return l;
}

const firstObjectColumn = (mask: Uint8Array, y: number) => {
  for (let x = 0; x < W; x++) if (mask[y * W + x]) return x;
  return -1;
};

describe('refineMask', () => {
  const params = { margin: 2, grow: 2, lambda: 50 };

  it('moves an uncertain boundary onto the image edge nearby', () => {
    const out = refineMask(image(20), ramp(), [], params);
    for (let y = 0; y < H; y++) expect(firstObjectColumn(out, y)).toBe(20);
  });

  it("keeps the network's boundary where the image has no edge", () => {
    const out = refineMask(image(null), ramp(), [], params);
    for (let y = 0; y < H; y++) expect(firstObjectColumn(out, y)).toBe(23);
  });

  it('leaves confident pixels alone, even across an edge far from the boundary', () => {
    const out = refineMask(image(5), ramp(), [], params);
    expect(out[10 * W + 5]).toBe(0); // logit -8.75: far outside the band
    expect(firstObjectColumn(out, 10)).toBe(23);
  });

  it("honours a click against the network's opinion", () => {
    const out = refineMask(image(null), ramp(), [{ x: 10, y: 10, positive: true }], params);
    expect(out[10 * W + 10]).toBe(1);
    expect(out[10 * W + 15]).toBe(0);
  });
});
