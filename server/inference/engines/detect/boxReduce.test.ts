import { describe, expect, it } from 'vitest';
import { boxReduce, reductionFactor } from './boxReduce';

describe('boxReduce', () => {
  it('averages each k×k block, partial blocks at the right and bottom edges too', () => {
    // 5×3, channel r = x, g = 10·y, b = 7.
    const w = 5;
    const h = 3;
    const data = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set([x, 10 * y, 7], 3 * (y * w + x));
    const r = boxReduce({ width: w, height: h, data }, 2);
    expect([r.width, r.height]).toEqual([3, 2]);
    const px = (x: number, y: number) => [...r.data.subarray(3 * (y * r.width + x), 3 * (y * r.width + x) + 3)];
    expect(px(0, 0)).toEqual([1, 5, 7]); // x 0..1, y 0..1: r 0.5 rounds to 1 (round half up), g 5
    expect(px(1, 0)).toEqual([3, 5, 7]); // x 2..3
    expect(px(2, 0)).toEqual([4, 5, 7]); // x 4 alone
    expect(px(0, 1)).toEqual([1, 20, 7]); // y 2 alone
    expect(px(2, 1)).toEqual([4, 20, 7]); // the corner pixel alone
  });

  it('leaves an image alone unless it is at least four frames across its short side', () => {
    expect(reductionFactor(512, 384, 416)).toBe(1); // the dev photos: never reduced
    expect(reductionFactor(1600, 1200, 416)).toBe(1);
    expect(reductionFactor(6000, 4000, 416)).toBe(4);
    expect(reductionFactor(9200, 6900, 416)).toBe(8);
    const img = { width: 4, height: 4, data: new Uint8Array(48) };
    expect(boxReduce(img, 1)).toBe(img);
  });
});
