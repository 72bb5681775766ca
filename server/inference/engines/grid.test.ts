import { describe, expect, it } from 'vitest';
import { maskBbox } from '../../../shared/geometry/maskBbox';
import { createPrng } from '../../../shared/schema/prng';
import { maskToWork, type WorkImage } from './grid';

describe('maskToWork', () => {
  it("counts only the blocks that meet the mask's box when it is known, with the same result", () => {
    const rng = createPrng(12);
    for (let trial = 0; trial < 60; trial++) {
      const width = rng.int(5, 200);
      const height = rng.int(5, 200);
      const wi = { w: Math.max(1, Math.round(width * 0.37)), h: Math.max(1, Math.round(height * 0.37)) } as WorkImage;
      const mask = new Uint8Array(width * height);
      const [x0, y0] = [rng.int(0, width - 1), rng.int(0, height - 1)];
      const [x1, y1] = [rng.int(x0, width - 1), rng.int(y0, height - 1)];
      for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) if (rng.chance(0.8)) mask[y * width + x] = 1;
      const box = maskBbox(mask, width, height);
      expect(maskToWork(wi, mask, width, height, box)).toEqual(maskToWork(wi, mask, width, height));
    }
    const wi = { w: 4, h: 4 } as WorkImage;
    expect(maskToWork(wi, new Uint8Array(100), 10, 10, null).every((v) => v === 0)).toBe(true);
  });
});
