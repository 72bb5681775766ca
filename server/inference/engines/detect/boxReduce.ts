// A camera photo shrunk by an integer factor before the detector's resize: the mean of each k×k
// block (the last row and column of blocks may be partial), reading every pixel once. Resizing a
// 24 MP photo straight to 416 px with the antialiased filter (frame.ts, PIL's) reads ~29 taps a
// sample in each direction and took ~220 ms of the detector's ~250 (64 MP: ~0.5-1 s); after a
// box reduction to at most twice the frame the filter is cheap. Only for the detector: the click
// model's frames keep PIL's resize exactly (its measured NoC depends on it). The dev photos (512
// px) are never reduced (k < 2), so the detector's measured recall is unchanged.
import type { RgbImage } from '../types';

/** The factor for an image whose larger side goes to `size`: at least 2 output-frame pixels' worth left. */
export function reductionFactor(width: number, height: number, size: number): number {
  return Math.max(1, Math.floor(Math.min(width, height) / size / 2));
}

/** The image with each k×k block replaced by its mean (rounded); k = 1 returns it as it is. */
export function boxReduce(image: RgbImage, k: number): RgbImage {
  if (k <= 1) return image;
  const { width: w, height: h, data: src } = image;
  const ow = Math.ceil(w / k);
  const oh = Math.ceil(h / k);
  const out = new Uint8Array(ow * oh * 3);
  const acc = new Uint32Array(ow * 3);
  for (let oy = 0; oy < oh; oy++) {
    acc.fill(0);
    const y0 = oy * k;
    const y1 = Math.min(h, y0 + k);
    for (let y = y0; y < y1; y++) {
      let p = y * w * 3;
      for (let ox = 0, o = 0; ox < ow; ox++, o += 3) {
        const xe = Math.min(w, (ox + 1) * k);
        let r = 0;
        let g = 0;
        let b = 0;
        for (let x = ox * k; x < xe; x++, p += 3) {
          r += src[p];
          g += src[p + 1];
          b += src[p + 2];
        }
        acc[o] += r;
        acc[o + 1] += g;
        acc[o + 2] += b;
      }
    }
    const rows = y1 - y0;
    for (let ox = 0; ox < ow; ox++) {
      const n = rows * (Math.min(w, (ox + 1) * k) - ox * k);
      const o = ox * 3;
      const q = (oy * ow + ox) * 3;
      out[q] = Math.round(acc[o] / n);
      out[q + 1] = Math.round(acc[o + 1] / n);
      out[q + 2] = Math.round(acc[o + 2] / n);
    }
  }
  return { width: ow, height: oh, data: out };
}
