import { describe, expect, it } from 'vitest';
import { createPrng } from '../../../shared/schema/prng';
import { fitGmm, gmmLogLikelihood, type Gmm } from './gmm';
import type { WorkImage } from './grid';
import type { RgbImage } from './types';
import { upsampleLabels } from './upsample';

/** The definition: every image pixel interpolated from its four working pixels, the band by colour. */
function perPixel(wi: WorkImage, labels: Uint8Array, img: RgbImage, fg: Gmm | null, bg: Gmm | null): Uint8Array {
  const { width, height, data } = img;
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const fy = Math.min(wi.h - 1, Math.max(0, (y + 0.5) * wi.scale - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(wi.h - 1, y0 + 1);
    for (let x = 0; x < width; x++) {
      const fx = Math.min(wi.w - 1, Math.max(0, (x + 0.5) * wi.scale - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(wi.w - 1, x0 + 1);
      const [tx, ty] = [fx - x0, fy - y0];
      const v = (labels[y0 * wi.w + x0] * (1 - tx) + labels[y0 * wi.w + x1] * tx) * (1 - ty) + (labels[y1 * wi.w + x0] * (1 - tx) + labels[y1 * wi.w + x1] * tx) * ty;
      const p = y * width + x;
      if (v <= 0.05 || v >= 0.95 || !fg || !bg) out[p] = v >= 0.5 ? 1 : 0;
      else {
        const d = gmmLogLikelihood(fg, data[3 * p], data[3 * p + 1], data[3 * p + 2]) - gmmLogLikelihood(bg, data[3 * p], data[3 * p + 1], data[3 * p + 2]);
        out[p] = 4 * (v - 0.5) + Math.max(-3, Math.min(3, d)) > 0 ? 1 : 0;
      }
    }
  }
  return out;
}

describe('upsampleLabels', () => {
  it('gives the per-pixel answer bit for bit, band pixels decided by colour', () => {
    const rng = createPrng(9);
    for (let trial = 0; trial < 12; trial++) {
      const width = rng.int(40, 300);
      const height = rng.int(40, 300);
      const scale = [0.5, 0.37, 0.25, 0.8][trial % 4]; // working pixels per image pixel
      const w = Math.max(1, Math.round(width * scale));
      const h = Math.max(1, Math.round(height * scale));
      const data = new Uint8Array(width * height * 3);
      for (let i = 0; i < data.length; i++) data[i] = rng.int(0, 255);
      // Blobs of object on the working grid, so there are both uniform stretches and a boundary.
      const labels = new Uint8Array(w * h);
      for (let k = rng.int(1, 3); k > 0; k--) {
        const [cx, cy, r] = [rng.int(0, w), rng.int(0, h), rng.int(2, Math.max(3, w / 3))];
        for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if ((x - cx) ** 2 + (y - cy) ** 2 < r * r) labels[y * w + x] = 1;
      }
      const wi = { w, h, scale } as WorkImage;
      const img = { width, height, data };
      const fg = trial % 3 === 0 ? null : fitGmm(data.subarray(0, 3 * 500), 500, 3);
      const bg = trial % 3 === 0 ? null : fitGmm(data.subarray(3 * 500, 3 * 1000), 500, 3);
      const got = upsampleLabels(wi, labels, img, fg, bg);
      expect(Buffer.compare(Buffer.from(got), Buffer.from(perPixel(wi, labels, img, fg, bg)))).toBe(0);
      expect(got.some((v) => v === 1) && got.some((v) => v === 0)).toBe(true);
    }
  });
});
