import { describe, expect, it } from 'vitest';
import { logitsToMask } from './logitsToMask';

/** A deterministic pseudo-random stream in [0, 1). */
function stream(seed: number): () => number {
  return () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
}

/** L×L logits: a smooth blob (a few signed bumps) plus per-cell noise, with exact zeros and
 *  tiny values sprinkled in, where a sign decision is easiest to get wrong. */
function logitGrid(L: number, rand: () => number): Float32Array {
  const bumps = Array.from({ length: 4 }, () => ({ x: rand() * L, y: rand() * L, r: 2 + rand() * L * 0.4, a: rand() < 0.7 ? 8 : -8 }));
  const out = new Float32Array(L * L);
  for (let y = 0; y < L; y++) {
    for (let x = 0; x < L; x++) {
      let v = -4 + (rand() - 0.5) * 3;
      for (const b of bumps) v += b.a * Math.exp(-((x - b.x) ** 2 + (y - b.y) ** 2) / (2 * b.r * b.r));
      const r = rand();
      out[y * L + x] = r < 0.02 ? 0 : r < 0.04 ? 1e-30 * Math.sign(v) : v;
    }
  }
  return out;
}

describe('logitsToMask on views larger than a frame', () => {
  it('gives the per-pixel mask bit for bit, and its confidence to within sampling', () => {
    const rand = stream(11);
    // Views over the per-pixel limit (2^18 px), long side along either axis, frames padded or not.
    for (const [w, h, S] of [
      [900, 600, 384],
      [640, 1300, 384],
      [1024, 1024, 256],
    ]) {
      const L = S / 4;
      const logits = logitGrid(L, rand);
      const scale = S / Math.max(w, h);
      const fast = logitsToMask(logits, L, S, scale, w, h);
      const exact = logitsToMask(logits, L, S, scale, w, h, { logits: new Float32Array(w * h) }); // every pixel
      let diff = 0;
      let on = 0;
      for (let p = 0; p < w * h; p++) {
        diff += fast.mask[p] !== exact.mask[p] ? 1 : 0;
        on += exact.mask[p];
      }
      expect(diff).toBe(0);
      expect(on).toBeGreaterThan(0.05 * w * h); // the case has a real foreground
      expect(on).toBeLessThan(0.95 * w * h);
      expect(Math.abs(fast.score - exact.score)).toBeLessThan(0.01);
    }
  });

  it('still reads a confidence for a foreground smaller than the sampling grid', () => {
    const L = 96;
    const logits = new Float32Array(L * L).fill(-5);
    logits[40 * L + 40] = 5; // one positive cell: a few pixels in a 3000×2000 view
    const out = logitsToMask(logits, L, 384, 384 / 3000, 3000, 2000);
    expect(out.mask.some((v) => v === 1)).toBe(true);
    expect(out.score).toBeGreaterThan(0.5);
  });
});
