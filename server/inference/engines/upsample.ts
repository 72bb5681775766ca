// Working labels back to image pixels for the classical engines: bilinear, then pixels in the
// uncertain band along the boundary are decided by their own full-resolution colour under the two
// models, so the edge follows the image rather than the working grid.
//
// On a 24 MP photo the per-pixel loop cost ~200 ms a click although almost every pixel lies
// between four working pixels of one label, where the answer is that label. Each image row is
// walked a working column at a time: a uniform column fills its span of image pixels natively
// (or leaves it empty), and only the columns on the boundary are computed per pixel, exactly as
// before (upsample.test.ts checks the two agree bit for bit).
import { gmmLogLikelihood, type Gmm } from './gmm';
import type { WorkImage } from './grid';
import { linearTaps } from './linearTaps';
import type { RgbImage } from './types';

export function upsampleLabels(wi: WorkImage, labels: Uint8Array, img: RgbImage, fg: Gmm | null, bg: Gmm | null, into?: Uint8Array): Uint8Array {
  const { width, height, data } = img;
  const out = into ?? new Uint8Array(width * height); // into: zeros, width × height
  if (wi.scale === 1) {
    out.set(labels);
    return out;
  }
  const cx = linearTaps(width, wi.w, (x) => (x + 0.5) * wi.scale - 0.5);
  const cy = linearTaps(height, wi.h, (y) => (y + 0.5) * wi.scale - 0.5);
  // The image columns of each working column: [span[c], span[c + 1]) (i0 never decreases).
  const span = new Int32Array(wi.w + 1).fill(width);
  for (let x = width - 1; x >= 0; x--) span[cx.i0[x]] = x;
  for (let c = wi.w - 1; c >= 0; c--) span[c] = Math.min(span[c], span[c + 1]);
  const pixel = (p: number, v: number) => {
    if (v <= 0.05 || v >= 0.95 || !fg || !bg) return v >= 0.5 ? 1 : 0;
    const d = gmmLogLikelihood(fg, data[3 * p], data[3 * p + 1], data[3 * p + 2]) - gmmLogLikelihood(bg, data[3 * p], data[3 * p + 1], data[3 * p + 2]);
    // The geometric vote (±2 at the band's edges) against the colour vote (clamped to ±3 nats).
    return 4 * (v - 0.5) + Math.max(-3, Math.min(3, d)) > 0 ? 1 : 0;
  };
  for (let y = 0; y < height; y++) {
    const r0 = cy.i0[y] * wi.w;
    const r1 = cy.i1[y] * wi.w;
    const ty = cy.t[y];
    const row = y * width;
    for (let c = 0; c < wi.w; c++) {
      const a = span[c];
      const b = span[c + 1];
      if (a === b) continue;
      const c1 = Math.min(wi.w - 1, c + 1);
      const l = labels[r0 + c];
      if (l === labels[r0 + c1] && l === labels[r1 + c] && l === labels[r1 + c1]) {
        // v is l to within rounding (0 exactly, or 1 - 1e-16 >= 0.95): the label itself.
        if (l) out.fill(1, row + a, row + b);
        continue;
      }
      for (let x = a; x < b; x++) {
        const tx = cx.t[x];
        const v = (labels[r0 + c] * (1 - tx) + labels[r0 + c1] * tx) * (1 - ty) + (labels[r1 + c] * (1 - tx) + labels[r1 + c1] * tx) * ty;
        out[row + x] = pixel(row + x, v);
      }
    }
  }
  return out;
}
