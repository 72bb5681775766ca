import { describe, expect, it } from 'vitest';
import goldens from '../../tests/fixtures/coco/rle-goldens.json';
import { isTandemError } from '../protocol/errors';
import { createPrng } from '../schema/prng';
import { polygonsToRle, rleToContours, rleToPolygons } from './polygon';
import { decodeRle, emptyRle, encodeRle, rleArea, rleBbox, rleIou } from './rle';

function disk(w: number, h: number, cx: number, cy: number, r: number, inner = 0): Uint8Array {
  const m = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const d2 = (x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2;
      if (d2 <= r * r && d2 >= inner * inner) m[y * w + x] = 1;
    }
  return m;
}

describe('polygonsToRle (pycocotools frPoly semantics)', () => {
  for (const c of goldens.polygons) {
    it(c.name, () => {
      const [h, w] = c.size;
      const rle = polygonsToRle(c.polygons, w, h);
      expect(rle.size).toEqual([h, w]);
      if ('counts' in c) expect(rle.counts).toBe(c.counts);
      if ('area' in c) expect(rleArea(rle)).toBe(c.area);
      if ('bbox' in c) expect(rleBbox(rle)).toEqual(c.bbox);
    });
  }

  it('covers exactly the pixels whose centres are inside a triangle', () => {
    const rng = createPrng(7);
    for (let n = 0; n < 50; n++) {
      const w = 30;
      const h = 20;
      const pts = [rng.int(0, w), rng.int(0, h), rng.int(0, w), rng.int(0, h), rng.int(0, w), rng.int(0, h)];
      const got = decodeRle(polygonsToRle([pts], w, h)).data;
      // Centres exactly on an edge may go either way; count the clear disagreements only.
      let clear = 0;
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const inside = sideMargin(pts, x + 0.5, y + 0.5);
          if (inside > 0.3 && !got[y * w + x]) clear++;
          if (inside < -0.3 && got[y * w + x]) clear++;
        }
      expect(clear).toBe(0);
    }
  });

  it('never throws on polygons partly or wholly outside the image, and stays inside it', () => {
    const rng = createPrng(9);
    for (let n = 0; n < 300; n++) {
      const w = rng.int(1, 20);
      const h = rng.int(1, 20);
      const poly: number[] = [];
      for (let k = rng.int(3, 8); k > 0; k--) poly.push(rng.next() * (w + 40) - 20, rng.next() * (h + 40) - 20);
      const rle = polygonsToRle([poly], w, h);
      expect(rle.size).toEqual([h, w]);
      expect(rleArea(rle)).toBeLessThanOrEqual(w * h);
      expect(decodeRle(rle).data.length).toBe(w * h);
    }
  });

  it('unites several polygons, skips degenerate ones, rejects non-numbers', () => {
    const a = polygonsToRle([[0, 0, 4, 0, 4, 4, 0, 4]], 10, 10);
    const b = polygonsToRle([[2, 2, 6, 2, 6, 6, 2, 6]], 10, 10);
    const ab = polygonsToRle([[0, 0, 4, 0, 4, 4, 0, 4], [2, 2, 6, 2, 6, 6, 2, 6], [1, 1, 2, 2]], 10, 10);
    expect(rleArea(ab)).toBe(rleArea(a) + rleArea(b) - 4);
    expect(polygonsToRle([], 3, 2)).toEqual(emptyRle(3, 2));
    let code: string | undefined;
    try {
      polygonsToRle([[0, 0, 1, NaN, 2, 2]], 3, 3);
    } catch (e) {
      code = isTandemError(e) ? e.code : 'other';
    }
    expect(code).toBe('validation_failed');
  });
});

/** Signed distance-like margin: > 0 inside the triangle (by the smallest edge function), < 0 outside. */
function sideMargin(p: number[], x: number, y: number): number {
  const area = (p[2] - p[0]) * (p[5] - p[1]) - (p[4] - p[0]) * (p[3] - p[1]);
  if (area === 0) return -1;
  const s = Math.sign(area);
  let m = Infinity;
  for (let i = 0; i < 3; i++) {
    const [ax, ay, bx, by] = [p[2 * i], p[2 * i + 1], p[(2 * i + 2) % 6], p[(2 * i + 3) % 6]];
    const len = Math.hypot(bx - ax, by - ay);
    m = Math.min(m, (s * ((bx - ax) * (y - ay) - (by - ay) * (x - ax))) / len);
  }
  return m;
}

describe('rleToPolygons', () => {
  it('round-trips a 100x100 disk to IoU >= 0.98 with default simplification, exactly with tolerance 0', () => {
    const m = disk(100, 100, 50, 50, 45);
    const rle = encodeRle(m, 100, 100);
    const polys = rleToPolygons(rle);
    expect(polys).toHaveLength(1);
    expect(polys[0].length / 2).toBeLessThan(60); // simplified, not one vertex per pixel corner
    expect(rleIou(rle, polygonsToRle(polys, 100, 100))).toBeGreaterThanOrEqual(0.98);
    expect(polygonsToRle(rleToPolygons(rle, { tolerance: 0 }), 100, 100)).toEqual(rle);
  });

  it('gives one polygon per 4-connected component and reports holes separately', () => {
    const w = 60;
    const h = 40;
    const m = disk(w, h, 20, 20, 15, 6);
    m[35 * w + 50] = 1; // a lone pixel
    m[36 * w + 51] = 1; // touching it only at a corner: a separate component
    const rle = encodeRle(m, w, h);
    const contours = rleToContours(rle, { tolerance: 0 });
    expect(contours.filter((c) => c.hole)).toHaveLength(1);
    const polys = rleToPolygons(rle, { tolerance: 0 });
    expect(polys).toHaveLength(3);
    // COCO polygons cannot carve holes: the round trip is the mask with its hole filled.
    const filled = encodeRle(disk(w, h, 20, 20, 15), w, h);
    const back = polygonsToRle(polys, w, h);
    expect(rleArea(back)).toBe(rleArea(filled) + 2);
  });

  it('round-trips random masks exactly with tolerance 0 (hole-free masks)', () => {
    const rng = createPrng(11);
    for (let n = 0; n < 100; n++) {
      const w = rng.int(1, 25);
      const h = rng.int(1, 25);
      const m = new Uint8Array(w * h);
      for (let r = rng.int(1, 3); r > 0; r--) {
        const x0 = rng.int(0, w - 1);
        const y0 = rng.int(0, h - 1);
        const x1 = rng.int(x0 + 1, w);
        const y1 = rng.int(y0 + 1, h);
        for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m[y * w + x] = 1;
      }
      const rle = encodeRle(m, w, h);
      const contours = rleToContours(rle, { tolerance: 0 });
      if (contours.some((c) => c.hole)) continue;
      expect(polygonsToRle(rleToPolygons(rle, { tolerance: 0 }), w, h)).toEqual(rle);
    }
  });

  it('an empty mask has no polygons', () => {
    expect(rleToPolygons(emptyRle(5, 5))).toEqual([]);
  });
});
