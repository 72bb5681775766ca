/**
 * COCO polygons <-> COCO RLE.
 *
 * Polygons are flat `[x0, y0, x1, y1, ...]` arrays in image pixels where pixel `(x, y)` covers
 * `[x, x+1] x [y, y+1]` (the COCO convention): a pixel belongs to a polygon when its centre
 * `(x + 0.5, y + 0.5)` is inside.
 */
import { z } from 'zod';
import { ErrorCode, TandemError } from '../protocol/errors';
import { ringArea, traceContours, type Contour } from '../geometry/contours';
import { simplifyRing } from '../geometry/simplify';
import { decodeRle, emptyRle, fromUncompressed, rleUnion, type Rle } from './rle';

/** One COCO polygon: at least one `[x, y]` pair of finite numbers, flat. */
export const PolygonSchema = z
  .array(z.number().finite())
  .refine((p) => p.length % 2 === 0, 'a polygon has an even number of coordinates');

/**
 * Rasterises one polygon exactly as pycocotools `rleFrPoly` does, returning run lengths.
 *
 * The edges are sampled at 5x resolution; wherever the sampled boundary crosses the centre line
 * of a pixel column it toggles the mask at the first pixel row whose centre is below the crossing.
 * C casts truncate toward zero, hence `Math.trunc`.
 */
function frPoly(xy: ArrayLike<number>, h: number, w: number): number[] {
  const k = xy.length >> 1;
  const scale = 5;
  const x = new Array<number>(k + 1);
  const y = new Array<number>(k + 1);
  for (let j = 0; j < k; j++) {
    x[j] = Math.trunc(scale * xy[2 * j] + 0.5);
    y[j] = Math.trunc(scale * xy[2 * j + 1] + 0.5);
  }
  x[k] = x[0];
  y[k] = y[0];
  // Dense boundary points (u, v) in the upsampled grid.
  const u: number[] = [];
  const v: number[] = [];
  for (let j = 0; j < k; j++) {
    let xs = x[j];
    let xe = x[j + 1];
    let ys = y[j];
    let ye = y[j + 1];
    const dx = Math.abs(xe - xs);
    const dy = Math.abs(ys - ye);
    const flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
    if (flip) {
      [xs, xe] = [xe, xs];
      [ys, ye] = [ye, ys];
    }
    // A zero-length edge divides 0 by 0 in C; its one point is never used, so any slope will do.
    const s = dx >= dy ? (dx === 0 ? 0 : (ye - ys) / dx) : (xe - xs) / dy;
    if (dx >= dy) {
      for (let d = 0; d <= dx; d++) {
        const t = flip ? dx - d : d;
        u.push(t + xs);
        v.push(Math.trunc(ys + s * t + 0.5));
      }
    } else {
      for (let d = 0; d <= dy; d++) {
        const t = flip ? dy - d : d;
        v.push(t + ys);
        u.push(Math.trunc(xs + s * t + 0.5));
      }
    }
  }
  // Crossings of pixel-column centres, back at 1x resolution, as column-major toggle positions.
  const a: number[] = [];
  for (let j = 1; j < u.length; j++) {
    if (u[j] === u[j - 1]) continue;
    let xd = u[j] < u[j - 1] ? u[j] : u[j] - 1;
    xd = (xd + 0.5) / scale - 0.5;
    if (Math.floor(xd) !== xd || xd < 0 || xd > w - 1) continue;
    let yd = v[j] < v[j - 1] ? v[j] : v[j - 1];
    yd = (yd + 0.5) / scale - 0.5;
    if (yd < 0) yd = 0;
    else if (yd > h) yd = h;
    yd = Math.ceil(yd);
    a.push(xd * h + yd);
  }
  a.push(h * w);
  a.sort((p, q) => p - q);
  // Toggle positions to run lengths; two toggles at one position cancel out.
  let p = 0;
  for (let j = 0; j < a.length; j++) {
    const t = a[j];
    a[j] -= p;
    p = t;
  }
  const b: number[] = [a[0]];
  for (let j = 1; j < a.length; ) {
    if (a[j] > 0) b.push(a[j++]);
    else {
      j++;
      if (j < a.length) b[b.length - 1] += a[j++];
    }
  }
  return b;
}

/**
 * Rasterises COCO polygons (image pixels) into one mask of `width` x `height`, as pycocotools
 * `merge(frPyObjects(polys, h, w))` does: each polygon is rasterised with `rleFrPoly` and the
 * results are united. Differences from pycocotools: polygons with fewer than 3 points are
 * skipped (pycocotools treats a 4-number list as a box and would read past a 2-number one), and
 * non-finite coordinates are rejected with TandemError('validation_failed').
 */
export function polygonsToRle(polys: number[][], width: number, height: number): Rle {
  let out: Rle | null = null;
  for (const poly of polys) {
    if (!PolygonSchema.safeParse(poly).success) {
      throw new TandemError(ErrorCode.ValidationFailed, 'a polygon must be [x0, y0, x1, y1, ...] of finite numbers');
    }
    if (poly.length < 6) continue;
    const rle = fromUncompressed({ size: [height, width], counts: frPoly(poly, height, width) });
    out = out ? rleUnion(out, rle) : rle;
  }
  return out ?? emptyRle(width, height);
}

/** Options of {@link rleToPolygons} and {@link rleToContours}. */
export interface PolygonOptions {
  /**
   * Douglas-Peucker tolerance in pixels: no traced boundary vertex is farther than this from the
   * simplified ring. 0 keeps every corner (an exact round trip). Default 1.
   */
  tolerance?: number;
  /** Drop rings enclosing less than this many square pixels (after tracing). Default 0. */
  minArea?: number;
}

/**
 * Traces a mask into closed rings on pixel corners, outer boundaries and holes alike, and
 * simplifies them. Outer rings run clockwise on screen; `hole` marks the others.
 */
export function rleToContours(rle: Rle, opts: PolygonOptions = {}): Contour[] {
  const tol = opts.tolerance ?? 1;
  const minArea = opts.minArea ?? 0;
  const { width, height, data } = decodeRle(rle);
  const out: Contour[] = [];
  for (const c of traceContours(data, width, height)) {
    if (minArea > 0 && Math.abs(ringArea(c.points)) < minArea) continue;
    out.push({ points: simplifyRing(c.points, tol), hole: c.hole });
  }
  return out;
}

/**
 * The outer boundaries of a mask as COCO polygons (image pixels, pixel corners), one per
 * 4-connected component, simplified by Douglas-Peucker. COCO polygons are united when
 * rasterised, so they cannot express holes: holes are dropped here (use {@link rleToContours}
 * to get them). With `tolerance: 0` the polygons rasterise back to the same mask minus holes.
 */
export function rleToPolygons(rle: Rle, opts: PolygonOptions = {}): number[][] {
  return rleToContours(rle, opts)
    .filter((c) => !c.hole)
    .map((c) => c.points);
}
