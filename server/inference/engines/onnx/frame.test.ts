import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { boxMask, imageToFrame, prevToFrame, stampClicks } from './frame';
import { logitsToMask } from './logitsToMask';
import { cropImage, type Roi } from './zoomIn';

interface Fixture {
  width: number;
  height: number;
  rgb: string;
  cases: Array<{ roi: Roi; S: number; rw: number; rh: number; rgb: string }>;
}

// PIL's resizes of one image (tests/fixtures/frame/make_fixture.py): training resizes with PIL.
const fx: Fixture = JSON.parse(fs.readFileSync(path.resolve('tests/fixtures/frame/pil_resize.json'), 'utf8'));
const image = { width: fx.width, height: fx.height, data: new Uint8Array(Buffer.from(fx.rgb, 'base64')) };

describe('model frame', () => {
  for (const c of fx.cases) {
    it(`matches PIL's bilinear resize, window ${c.roi.join(',')} to ${c.S} px`, () => {
      const frame = imageToFrame(image, c.roi, c.S, [0, 0, 0], [1, 1, 1]);
      const pil = Buffer.from(c.rgb, 'base64');
      let exact = 0;
      let worst = 0;
      for (let y = 0; y < c.rh; y++) {
        for (let x = 0; x < c.rw; x++) {
          for (let ch = 0; ch < 3; ch++) {
            const ours = Math.round(frame[(ch * c.S + y) * c.S + x] * 255);
            const diff = Math.abs(ours - pil[3 * (y * c.rw + x) + ch]);
            worst = Math.max(worst, diff);
            if (diff === 0) exact++;
          }
        }
      }
      // PIL works in fixed point and rounds to 8 bits between its two passes, the worker keeps
      // float32 between them: at most one grey level apart, mostly none (82-86% here).
      expect(worst).toBeLessThanOrEqual(1);
      expect(exact / (3 * c.rw * c.rh)).toBeGreaterThan(0.75);
      // The canvas beyond the resized view is 0.
      for (let ch = 0; ch < 3; ch++) {
        for (let y = 0; y < c.S; y++) {
          for (let x = y < c.rh ? c.rw : 0; x < c.S; x++) expect(frame[(ch * c.S + y) * c.S + x]).toBe(0);
        }
      }
    });
  }

  it('frames a window of the image as it frames the cropped window, and normalises per channel', () => {
    const roi: Roi = [7, 4, 50, 33];
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    const a = imageToFrame(image, roi, 64, mean, std);
    const b = imageToFrame(cropImage(image, roi), null, 64, mean, std);
    expect(a).toEqual(b);
    const raw = imageToFrame(image, roi, 64, [0, 0, 0], [1, 1, 1]);
    for (const i of [0, 64 * 64 + 5, 2 * 64 * 64 + 64 * 10 + 3]) {
      const c = Math.floor(i / (64 * 64));
      expect(a[i]).toBeCloseTo((raw[i] - mean[c]) / std[c], 5);
    }
  });

  it('puts the previous mask in the frame by nearest pixel', () => {
    // 8 x 4 view, left half set; S = 16: scale 2, so frame columns 0..7 of rows 0..7 are 1.
    const mask = new Uint8Array(32);
    for (let y = 0; y < 4; y++) mask.fill(1, y * 8, y * 8 + 4);
    const f = prevToFrame(mask, { width: 8, height: 4 }, 16, 2);
    expect(f[0]).toBe(1);
    expect(f[7 * 16 + 7]).toBe(1);
    expect(f[7 * 16 + 8]).toBe(0);
    expect(f[8 * 16]).toBe(0); // below the view: padding
    expect(prevToFrame(undefined, { width: 8, height: 4 }, 16, 2).some((v) => v !== 0)).toBe(false);
  });

  it("reads a window's previous mask straight from the image's mask, as from the window cut out", () => {
    const W = 40;
    const mask = Uint8Array.from({ length: W * 30 }, (_, i) => ((i * 7919) % 13 < 5 ? 1 : 0));
    const [ox, oy, ex, ey] = [7, 5, 30, 22];
    const crop = new Uint8Array((ex - ox) * (ey - oy));
    for (let y = oy; y < ey; y++) crop.set(mask.subarray(y * W + ox, y * W + ex), (y - oy) * (ex - ox));
    const view = { width: ex - ox, height: ey - oy };
    const scale = 32 / view.width;
    const direct = prevToFrame(mask, view, 32, scale, { ox, oy, stride: W });
    expect(direct).toEqual(prevToFrame(crop, view, 32, scale));
    expect(direct.some((v) => v === 1) && direct.some((v, i) => v === 0 && i % 32 < 20)).toBe(true);
  });

  it('turns S/4 logits into an image mask at the sign change, with the mean foreground confidence', () => {
    // Logits 4 x 4 for S = 16 over a 16 x 8 image (scale 1): positive in the left half.
    const L = 4;
    const logits = new Float32Array(L * L);
    for (let y = 0; y < L; y++) for (let x = 0; x < L; x++) logits[y * L + x] = x < 2 ? 3 : -3;
    const { mask, score } = logitsToMask(logits, L, 16, 1, 16, 8);
    // Logit cell centres sit at 1.5, 5.5, 9.5, 13.5: the sign changes half way, at x = 7.5.
    for (let y = 0; y < 8; y++) {
      expect(Array.from(mask.subarray(y * 16, y * 16 + 16))).toEqual([...Array(8).fill(1), ...Array(8).fill(0)]);
    }
    expect(score).toBeGreaterThan(0.5);
    expect(score).toBeLessThan(1 / (1 + Math.exp(-3)) + 1e-9);
  });

  it('gives every clicked pixel its label and leaves clicks outside the view alone', () => {
    const m = new Uint8Array(6 * 4);
    m[1 * 6 + 2] = 1; // a one-pixel island the annotator marks as background
    stampClicks(m, 6, 4, [
      { x: 2.6, y: 1.2, positive: false },
      { x: 4, y: 3, positive: true },
      { x: -1, y: 0, positive: true },
      { x: 6, y: 2, positive: true },
    ]);
    const on = [...m.keys()].filter((i) => m[i]);
    expect(on).toEqual([3 * 6 + 4]);
  });

  it('fills a box interior, clamped to the image', () => {
    const m = boxMask(10, 5, [-2, 1.5, 3.2, 9]);
    expect(m.reduce((a, b) => a + b, 0)).toBe(4 * 4); // x 0..3, y 1..4
    expect(m[1 * 10 + 3]).toBe(1);
    expect(m[1 * 10 + 4]).toBe(0);
    expect(m[0]).toBe(0);
  });
});
