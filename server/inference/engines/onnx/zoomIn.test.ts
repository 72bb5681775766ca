import { describe, expect, it } from 'vitest';
import { maskBbox } from '../../../../shared/geometry/maskBbox';
import { chooseRoi, cropImage, objectRoi, pasteMask, roiIou, roundHalfEven, type Roi, type ZoomInConfig } from './zoomIn';

const Z: ZoomInConfig = { expansion: 1.4, minFrac: 0.05, reuseIou: 0.5, fromClick: 2 };

function rectMask(w: number, h: number, r: Roi): Uint8Array {
  const m = new Uint8Array(w * h);
  for (let y = r[1]; y < r[3]; y++) for (let x = r[0]; x < r[2]; x++) m[y * w + x] = 1;
  return m;
}

describe('zoom-in window', () => {
  it('is the mask bbox grown by the expansion around its centre', () => {
    // 20 x 10 object at (40..60, 50..60) in a 200 x 100 image: window 28 x 14 around (50, 55)
    const r = objectRoi(maskBbox(rectMask(200, 100, [40, 50, 60, 60]), 200, 100), [], 200, 100, Z);
    expect(r).toEqual([36, 48, 64, 62]);
  });

  it('takes in positive clicks outside the mask, so a click that extends the object is inside', () => {
    const r = objectRoi(maskBbox(rectMask(200, 100, [40, 50, 60, 60]), 200, 100), [{ x: 90.5, y: 55.2 }], 200, 100, Z)!;
    expect(r[0]).toBeLessThanOrEqual(40);
    expect(r[2]).toBeGreaterThan(90);
  });

  it('is at least minFrac of the long side, and clamped to the image', () => {
    const r = objectRoi(maskBbox(rectMask(200, 100, [0, 0, 2, 2]), 200, 100), [], 200, 100, { ...Z, minFrac: 0.5 })!;
    expect(r).toEqual([0, 0, 51, 51]);
  });

  it('is null with no mask and no positive click', () => {
    expect(objectRoi(null, [], 50, 50, Z)).toBeNull();
    expect(objectRoi(maskBbox(new Uint8Array(2500), 50, 50), [], 50, 50, Z)).toBeNull();
  });

  it('rounds halves to even, as Python does in the training evaluator', () => {
    expect([0.5, 1.5, 2.5, -1.5, 3.4, 3.6].map(roundHalfEven)).toEqual([0, 2, 2, -2, 3, 4]);
  });

  it('reuses a recent window that overlaps enough and holds the newest click, else takes the fresh one', () => {
    const fresh: Roi = [10, 10, 50, 50];
    const near: Roi = [12, 12, 52, 52];
    const far: Roi = [100, 100, 140, 140];
    expect(roiIou(fresh, near)).toBeGreaterThan(0.5);
    expect(chooseRoi(fresh, [far, near], { x: 30, y: 30 }, 0.5)).toBe(near);
    // the newest click lies outside the cached window: the encoder must see the fresh one
    expect(chooseRoi(fresh, [near], { x: 11, y: 11 }, 0.5)).toBe(fresh);
    expect(chooseRoi(fresh, [far], { x: 30, y: 30 }, 0.5)).toBe(fresh);
  });

  it('crops pixels and pastes a window mask back in place', () => {
    const img = { width: 4, height: 3, data: Uint8Array.from({ length: 36 }, (_, i) => i) };
    const c = cropImage(img, [1, 1, 3, 3]);
    expect([c.width, c.height]).toEqual([2, 2]);
    expect([...c.data.subarray(0, 3)]).toEqual([15, 16, 17]); // pixel (1, 1)
    expect([...c.data.subarray(9, 12)]).toEqual([30, 31, 32]); // pixel (2, 2)
    const back = pasteMask(Uint8Array.from([1, 0, 1, 0]), [1, 1, 3, 3], 4, 3);
    expect([...back.mask]).toEqual([0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0]);
    // A window whose mask fills only part of it, with its box in image pixels; an empty one pastes nothing.
    const part = pasteMask(Uint8Array.from([0, 0, 0, 0, 1, 1, 0, 1, 0]), [1, 0, 4, 3], 5, 4);
    expect([...part.mask]).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
    expect(part.box).toEqual(maskBbox(part.mask, 5, 4));
    const none = pasteMask(new Uint8Array(9), [1, 0, 4, 3], 5, 4);
    expect(none.mask.every((v) => v === 0) && none.box === null).toBe(true);
  });
});
