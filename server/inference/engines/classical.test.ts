import { describe, expect, it } from 'vitest';
import { GrabCutEngine, GraphCutEngine } from './classical';
import type { RgbImage } from './types';

/** A 400×300 image: a textured green background and a red-ish ellipse centred at (250, 140). */
function scene(): { image: RgbImage; truth: Uint8Array } {
  const width = 400;
  const height = 300;
  const data = new Uint8Array(width * height * 3);
  const truth = new Uint8Array(width * height);
  let seed = 3;
  const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 30;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      const inside = ((x - 250) / 90) ** 2 + ((y - 140) / 60) ** 2 <= 1;
      truth[p] = inside ? 1 : 0;
      const base = inside ? [200, 60, 50] : x < 120 ? [40, 140, 60] : [90, 110, 100];
      for (let c = 0; c < 3; c++) data[3 * p + c] = Math.max(0, Math.min(255, base[c] + rnd()));
    }
  }
  return { image: { width, height, data }, truth };
}

function iou(a: Uint8Array, b: Uint8Array): number {
  let i = 0;
  let u = 0;
  for (let p = 0; p < a.length; p++) {
    if (a[p] && b[p]) i++;
    if (a[p] || b[p]) u++;
  }
  return u ? i / u : 0;
}

describe('classical engines', () => {
  const { image, truth } = scene();

  it('graphcut: one positive click inside the object finds it', async () => {
    const out = await new GraphCutEngine().segment({ image, imageKey: 'a', clicks: [{ x: 250, y: 140, positive: true }] });
    expect(out.mask.length).toBe(image.width * image.height);
    expect(iou(out.mask, truth)).toBeGreaterThan(0.9);
    expect(out.score).toBeGreaterThan(0.5);
    expect(out.score).toBeLessThanOrEqual(1);
  });

  it('graphcut: a negative click carves a region out of the previous mask', async () => {
    const prevMask = new Uint8Array(truth); // the object plus a wrong stripe of background
    for (let y = 100; y < 180; y++) for (let x = 30; x < 165; x++) prevMask[y * image.width + x] = 1;
    const out = await new GraphCutEngine().segment({
      image,
      imageKey: 'a',
      clicks: [
        { x: 250, y: 140, positive: true },
        { x: 60, y: 140, positive: false },
      ],
      prevMask,
    });
    expect(out.mask[140 * image.width + 60]).toBe(0);
    expect(out.mask[140 * image.width + 250]).toBe(1);
    expect(iou(out.mask, truth)).toBeGreaterThan(iou(prevMask, truth));
  });

  it('graphcut: scribbles act as seeds', async () => {
    const out = await new GraphCutEngine().segment({
      image,
      imageKey: 'a',
      clicks: [],
      scribbles: [{ points: [[220, 140], [280, 140]], positive: true }],
    });
    expect(iou(out.mask, truth)).toBeGreaterThan(0.85);
  });

  it('grabcut: the object inside a box', async () => {
    const out = await new GrabCutEngine().segment({ image, imageKey: 'a', clicks: [], box: [150, 70, 350, 210] });
    expect(iou(out.mask, truth)).toBeGreaterThan(0.9);
    // Nothing outside the box, ever.
    for (let y = 0; y < image.height; y++) for (let x = 0; x < 140; x++) expect(out.mask[y * image.width + x]).toBe(0);
  });

  it('only negative clicks and no previous mask give an empty mask', async () => {
    const out = await new GraphCutEngine().segment({ image, imageKey: 'a', clicks: [{ x: 10, y: 10, positive: false }] });
    expect(out.mask.some((v) => v === 1)).toBe(false);
  });
});
