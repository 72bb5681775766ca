import { describe, expect, it } from 'vitest';
import { area, bbox, emptyBitmap, fillPolygon, stampStroke, translate } from './raster';

describe('raster ops', () => {
  it('a brush dab of radius 3 paints about a disc of area pi r^2', () => {
    const bm = emptyBitmap(20, 20);
    const n = stampStroke(bm, [{ x: 10, y: 10 }], 3, 1);
    expect(n).toBe(area(bm));
    expect(n).toBeGreaterThan(24);
    expect(n).toBeLessThan(33);
    expect(bm.data[10 * 20 + 10]).toBe(1);
    expect(bm.data[10 * 20 + 14]).toBe(0);
  });

  it('a stroke paints a capsule and the eraser removes it again', () => {
    const bm = emptyBitmap(40, 20);
    stampStroke(bm, [{ x: 5, y: 10 }, { x: 35, y: 10 }], 2, 1);
    expect(bbox(bm)).toEqual({ x0: 3, y0: 8, x1: 37, y1: 12 });
    const before = area(bm);
    const erased = stampStroke(bm, [{ x: 20, y: 0 }, { x: 20, y: 20 }], 3, 0);
    expect(erased).toBeGreaterThan(0);
    expect(area(bm)).toBe(before - erased);
    expect(bm.data[10 * 40 + 20]).toBe(0);
    expect(bm.data[10 * 40 + 10]).toBe(1);
  });

  it('fills a rectangle polygon exactly', () => {
    const bm = emptyBitmap(10, 10);
    const n = fillPolygon(bm, [{ x: 2, y: 3 }, { x: 7, y: 3 }, { x: 7, y: 8 }, { x: 2, y: 8 }], 1);
    expect(n).toBe(25);
    expect(bbox(bm)).toEqual({ x0: 2, y0: 3, x1: 7, y1: 8 });
  });

  it('fills a triangle about half of its box and clips to the image', () => {
    const bm = emptyBitmap(100, 100);
    fillPolygon(bm, [{ x: 0, y: 0 }, { x: 100, y: 0 }, { x: 0, y: 100 }], 1);
    expect(Math.abs(area(bm) - 5000)).toBeLessThan(101);
    const clip = emptyBitmap(10, 10);
    fillPolygon(clip, [{ x: -5, y: -5 }, { x: 50, y: -5 }, { x: 50, y: 50 }, { x: -5, y: 50 }], 1);
    expect(area(clip)).toBe(100);
  });

  it('translates and cuts what leaves the image', () => {
    const bm = emptyBitmap(10, 10);
    fillPolygon(bm, [{ x: 0, y: 0 }, { x: 4, y: 0 }, { x: 4, y: 4 }, { x: 0, y: 4 }], 1);
    const moved = translate(bm, 8, 3);
    expect(bbox(moved)).toEqual({ x0: 8, y0: 3, x1: 10, y1: 7 });
    expect(area(moved)).toBe(8);
  });
});
