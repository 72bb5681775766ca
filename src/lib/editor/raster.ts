// Mask raster operations for brush, eraser, polygon, lasso and move. All coordinates are in image
// pixels (ptImage); a pixel (x, y) covers [x, x+1) × [y, y+1) and is tested at its centre.
// Bitmaps are row-major (index y * width + x), one byte per pixel, 1 = object, 0 = background.
import { maskBbox } from '../../../shared/geometry/maskBbox';
import type { Point } from './camera';

export interface Bitmap {
  width: number;
  height: number;
  data: Uint8Array;
}

export function emptyBitmap(width: number, height: number): Bitmap {
  return { width, height, data: new Uint8Array(width * height) };
}

/** Distance² from (px, py) to the segment a–b. */
function dist2ToSegment(px: number, py: number, a: Point, b: Point): number {
  const vx = b.x - a.x;
  const vy = b.y - a.y;
  const len2 = vx * vx + vy * vy;
  let t = len2 > 0 ? ((px - a.x) * vx + (py - a.y) * vy) / len2 : 0;
  t = Math.max(0, Math.min(1, t));
  const dx = px - (a.x + t * vx);
  const dy = py - (a.y + t * vy);
  return dx * dx + dy * dy;
}

/**
 * Paints a stroke of round brush `radius` (image px) along `points` with `value` (1 brush, 0
 * eraser). Returns the number of pixels that changed.
 */
export function stampStroke(bm: Bitmap, points: Point[], radius: number, value: 0 | 1): number {
  if (points.length === 0) return 0;
  const pts = points.length === 1 ? [points[0], points[0]] : points;
  const r2 = radius * radius;
  let changed = 0;
  for (let i = 1; i < pts.length; i++) {
    const a = pts[i - 1];
    const b = pts[i];
    const x0 = Math.max(0, Math.floor(Math.min(a.x, b.x) - radius));
    const x1 = Math.min(bm.width - 1, Math.ceil(Math.max(a.x, b.x) + radius));
    const y0 = Math.max(0, Math.floor(Math.min(a.y, b.y) - radius));
    const y1 = Math.min(bm.height - 1, Math.ceil(Math.max(a.y, b.y) + radius));
    for (let y = y0; y <= y1; y++) {
      const row = y * bm.width;
      for (let x = x0; x <= x1; x++) {
        if (bm.data[row + x] === value) continue;
        if (dist2ToSegment(x + 0.5, y + 0.5, a, b) <= r2) {
          bm.data[row + x] = value;
          changed++;
        }
      }
    }
  }
  return changed;
}

/** Fills a closed polygon (even-odd rule, pixel centres) with `value`. Returns pixels changed. */
export function fillPolygon(bm: Bitmap, poly: Point[], value: 0 | 1): number {
  if (poly.length < 3) return 0;
  let minY = Infinity;
  let maxY = -Infinity;
  for (const p of poly) {
    minY = Math.min(minY, p.y);
    maxY = Math.max(maxY, p.y);
  }
  const y0 = Math.max(0, Math.floor(minY));
  const y1 = Math.min(bm.height - 1, Math.ceil(maxY));
  const xs: number[] = [];
  let changed = 0;
  for (let y = y0; y <= y1; y++) {
    const cy = y + 0.5;
    xs.length = 0;
    for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
      const a = poly[j];
      const b = poly[i];
      if ((a.y <= cy && b.y > cy) || (b.y <= cy && a.y > cy)) {
        xs.push(a.x + ((cy - a.y) / (b.y - a.y)) * (b.x - a.x));
      }
    }
    xs.sort((p, q) => p - q);
    const row = y * bm.width;
    for (let k = 0; k + 1 < xs.length; k += 2) {
      // pixels whose centre x + 0.5 lies in [xs[k], xs[k+1])
      const from = Math.max(0, Math.ceil(xs[k] - 0.5));
      const to = Math.min(bm.width - 1, Math.ceil(xs[k + 1] - 0.5) - 1);
      for (let x = from; x <= to; x++) {
        if (bm.data[row + x] !== value) {
          bm.data[row + x] = value;
          changed++;
        }
      }
    }
  }
  return changed;
}

/** A copy shifted by (dx, dy) whole image px; what leaves the image is cut off. */
export function translate(bm: Bitmap, dx: number, dy: number): Bitmap {
  const out = emptyBitmap(bm.width, bm.height);
  const ix = Math.round(dx);
  const iy = Math.round(dy);
  for (let y = 0; y < bm.height; y++) {
    const ty = y + iy;
    if (ty < 0 || ty >= bm.height) continue;
    const x0 = Math.max(0, -ix);
    const x1 = Math.min(bm.width, bm.width - ix);
    if (x1 <= x0) continue;
    out.data.set(bm.data.subarray(y * bm.width + x0, y * bm.width + x1), ty * bm.width + x0 + ix);
  }
  return out;
}

/** Number of object pixels. */
export function area(bm: Bitmap): number {
  let n = 0;
  for (let i = 0; i < bm.data.length; i++) n += bm.data[i] ? 1 : 0;
  return n;
}

/** Bounding box of the object pixels (inclusive-exclusive), or null when empty. */
export function bbox(bm: Bitmap): { x0: number; y0: number; x1: number; y1: number } | null {
  return maskBbox(bm.data, bm.width, bm.height);
}
