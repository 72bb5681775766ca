import { describe, expect, it } from 'vitest';
import { createPrng } from '../schema/prng';
import { connectedComponents } from './components';
import { maskBbox } from './maskBbox';
import { ringArea, traceContours } from './contours';
import { distanceTransform, farthestPoint, squaredDistanceTransform } from './distanceTransform';
import { pointInPolygon, polygonArea, polygonBbox } from './polygon';
import { pointSegmentDistance, simplifyRing } from './simplify';

function randomMask(seed: number, w: number, h: number, p: number): Uint8Array {
  const rng = createPrng(seed);
  const m = new Uint8Array(w * h);
  for (let i = 0; i < m.length; i++) m[i] = rng.chance(p) ? 1 : 0;
  return m;
}

/** Squared distance to the nearest 0 pixel (or the padding ring outside the image) by brute force. */
function bruteSq(m: Uint8Array, w: number, h: number, border: boolean): number[] {
  const out: number[] = [];
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      if (!m[y * w + x]) {
        out.push(0);
        continue;
      }
      let best = Infinity;
      for (let v = -1; v <= h; v++)
        for (let u = -1; u <= w; u++) {
          const outside = u < 0 || v < 0 || u >= w || v >= h;
          if (outside ? !border : m[v * w + u]) continue;
          best = Math.min(best, (u - x) ** 2 + (v - y) ** 2);
        }
      out.push(best);
    }
  return out;
}

describe('exact Euclidean distance transform', () => {
  it('matches brute force on random masks, with and without the image border as background', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const rng = createPrng(seed);
      const w = rng.int(1, 24);
      const h = rng.int(1, 24);
      const m = randomMask(seed, w, h, rng.pick([0.5, 0.9, 0.98]));
      for (const border of [true, false]) {
        expect(Array.from(squaredDistanceTransform(m, w, h, { borderIsBackground: border }))).toEqual(bruteSq(m, w, h, border));
      }
    }
  });

  it('matches brute force for small objects far from the border (the cropped path)', () => {
    for (let seed = 100; seed < 130; seed++) {
      const rng = createPrng(seed);
      const w = 30;
      const h = 20;
      const m = new Uint8Array(w * h);
      const bx = rng.int(0, w - 6);
      const by = rng.int(0, h - 6);
      for (let y = by; y < by + 6; y++) for (let x = bx; x < bx + 6; x++) m[y * w + x] = rng.chance(0.8) ? 1 : 0;
      for (const border of [true, false]) {
        expect(Array.from(squaredDistanceTransform(m, w, h, { borderIsBackground: border }))).toEqual(bruteSq(m, w, h, border));
      }
    }
  });

  it('gives Infinity with no background at all, and Euclidean (not squared) distances', () => {
    const full = new Uint8Array(6).fill(1);
    expect(Array.from(squaredDistanceTransform(full, 3, 2, { borderIsBackground: false }))).toEqual(new Array(6).fill(Infinity));
    const d = distanceTransform(full, 3, 2);
    expect(d[1]).toBe(1);
  });

  it('finds the interior point farthest from the boundary (first in row-major order on ties)', () => {
    const w = 11;
    const h = 7;
    const m = new Uint8Array(w * h);
    for (let y = 1; y < 6; y++) for (let x = 2; x < 9; x++) m[y * w + x] = 1;
    expect(farthestPoint(m, w, h)).toEqual({ x: 4, y: 3, distance: 3 });
    expect(farthestPoint(new Uint8Array(4), 2, 2)).toBeNull();
  });
});

describe('connected components', () => {
  it('labels 4- and 8-connected components and their areas', () => {
    // 1 1 0 0
    // 0 0 1 0
    // 1 0 1 1
    const m = Uint8Array.from([1, 1, 0, 0, 0, 0, 1, 0, 1, 0, 1, 1]);
    const c4 = connectedComponents(m, 4, 3, 4);
    expect(c4.count).toBe(3);
    expect(Array.from(c4.labels)).toEqual([1, 1, 0, 0, 0, 0, 2, 0, 3, 0, 2, 2]);
    expect(c4.areas).toEqual([6, 2, 3, 1]);
    const c8 = connectedComponents(m, 4, 3, 8);
    expect(c8.count).toBe(2);
    expect(c8.areas).toEqual([6, 5, 1]);
  });

  it('every label is connected and neighbours share labels (random masks)', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const w = 17;
      const h = 13;
      const m = randomMask(seed, w, h, 0.45);
      const { labels, count, areas } = connectedComponents(m, w, h, 4);
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const l = labels[y * w + x];
          expect(l > 0).toBe(m[y * w + x] === 1);
          if (x + 1 < w && m[y * w + x] && m[y * w + x + 1]) expect(labels[y * w + x + 1]).toBe(l);
          if (y + 1 < h && m[y * w + x] && m[(y + 1) * w + x]) expect(labels[(y + 1) * w + x]).toBe(l);
        }
      expect(areas.reduce((s, a) => s + a, 0)).toBe(w * h);
      expect(areas.length).toBe(count + 1);
      // As many outer contours as 4-connected components: tracing agrees with labelling.
      expect(traceContours(m, w, h).filter((c) => !c.hole).length).toBe(count);
    }
  });
});

describe('contours', () => {
  it('traces a pixel block clockwise on its corners and a hole the other way', () => {
    const w = 5;
    const h = 5;
    const m = new Uint8Array(w * h);
    for (let y = 1; y < 4; y++) for (let x = 1; x < 4; x++) m[y * w + x] = 1;
    expect(traceContours(m, w, h)).toEqual([{ points: [1, 1, 4, 1, 4, 4, 1, 4], hole: false }]);
    m[2 * w + 2] = 0;
    const cs = traceContours(m, w, h);
    expect(cs.map((c) => [c.hole, ringArea(c.points)])).toEqual([
      [false, 9],
      [true, -1],
    ]);
  });
});

describe('polygon helpers', () => {
  const sq = [0, 0, 4, 0, 4, 4, 0, 4];
  it('point in polygon, bbox and area', () => {
    expect(pointInPolygon(1, 1, sq)).toBe(true);
    expect(pointInPolygon(5, 1, sq)).toBe(false);
    const l = [0, 0, 4, 0, 4, 1, 1, 1, 1, 4, 0, 4]; // an L
    expect(pointInPolygon(2, 2, l)).toBe(false);
    expect(pointInPolygon(0.5, 3, l)).toBe(true);
    expect(polygonBbox([sq, [5, 5, 6, 7, 5, 7]])).toEqual([0, 0, 6, 7]);
    expect(polygonBbox([])).toEqual([0, 0, 0, 0]);
    expect(polygonArea(l)).toBe(7);
  });

  it('simplification keeps every removed vertex within the tolerance', () => {
    const rng = createPrng(5);
    const ring: number[] = [];
    for (let i = 0; i < 200; i++) {
      const a = (i / 200) * 2 * Math.PI;
      const r = 40 + rng.next() * 3;
      ring.push(50 + r * Math.cos(a), 50 + r * Math.sin(a));
    }
    for (const tol of [0.5, 1, 3]) {
      const s = simplifyRing(ring, tol);
      expect(s.length).toBeLessThan(ring.length);
      expect(s.length).toBeGreaterThanOrEqual(6);
      const n = s.length / 2;
      for (let i = 0; i < ring.length; i += 2) {
        let d = Infinity;
        for (let k = 0; k < n; k++) {
          const j = (k + 1) % n;
          d = Math.min(d, pointSegmentDistance(ring[i], ring[i + 1], s[2 * k], s[2 * k + 1], s[2 * j], s[2 * j + 1]));
        }
        expect(d).toBeLessThanOrEqual(tol + 1e-9);
      }
    }
  });
});

describe('maskBbox', () => {
  /** The definition, pixel by pixel. */
  function bruteBbox(m: Uint8Array, w: number, h: number) {
    let box: { x0: number; y0: number; x1: number; y1: number } | null = null;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        if (m[y * w + x]) box = box ? { x0: Math.min(box.x0, x), y0: Math.min(box.y0, y), x1: Math.max(box.x1, x + 1), y1: Math.max(box.y1, y + 1) } : { x0: x, y0: y, x1: x + 1, y1: y + 1 };
    return box;
  }

  it('finds the box of sparse byte masks of every size and alignment, and null for an empty one', () => {
    const rng = createPrng(5);
    for (let trial = 0; trial < 300; trial++) {
      const w = rng.int(1, 90);
      const h = rng.int(1, 70);
      // Views into a larger buffer at every byte offset, as a decoded or sliced mask can be.
      const off = trial % 4;
      const m = new Uint8Array(w * h + 8).subarray(off, off + w * h);
      const p = [0, 0.0005, 0.002, 0.02, 0.3][trial % 5];
      for (let i = 0; i < m.length; i++) if (rng.chance(p)) m[i] = rng.chance(0.5) ? 1 : 255;
      expect(maskBbox(m, w, h)).toEqual(bruteBbox(m, w, h));
      expect(maskBbox(Array.from(m), w, h)).toEqual(bruteBbox(m, w, h)); // the generic path agrees
    }
  });
});
