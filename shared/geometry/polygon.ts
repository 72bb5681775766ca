/**
 * Helpers on polygons given as flat `[x0, y0, x1, y1, ...]` arrays in image pixels (COCO layout).
 */

/**
 * True when `(x, y)` lies inside the polygon, by the even-odd rule (ray casting). Points exactly
 * on an edge may go either way.
 */
export function pointInPolygon(x: number, y: number, poly: ArrayLike<number>): boolean {
  const n = poly.length >> 1;
  let inside = false;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const xi = poly[2 * i];
    const yi = poly[2 * i + 1];
    const xj = poly[2 * j];
    const yj = poly[2 * j + 1];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Axis-aligned bounding box `[x, y, w, h]` of one or more polygons; `[0, 0, 0, 0]` when empty. */
export function polygonBbox(polys: ArrayLike<number> | ArrayLike<number>[]): [number, number, number, number] {
  const list = isList(polys) ? polys : [polys];
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const p of list) {
    for (let i = 0; i + 1 < p.length; i += 2) {
      x0 = Math.min(x0, p[i]);
      x1 = Math.max(x1, p[i]);
      y0 = Math.min(y0, p[i + 1]);
      y1 = Math.max(y1, p[i + 1]);
    }
  }
  return x0 === Infinity ? [0, 0, 0, 0] : [x0, y0, x1 - x0, y1 - y0];
}

function isList(p: ArrayLike<number> | ArrayLike<number>[]): p is ArrayLike<number>[] {
  return p.length > 0 && typeof p[0] !== 'number';
}

/** Unsigned area of a simple polygon in square pixels (shoelace formula). */
export function polygonArea(poly: ArrayLike<number>): number {
  const n = poly.length >> 1;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    s += poly[2 * i] * poly[2 * j + 1] - poly[2 * j] * poly[2 * i + 1];
  }
  return Math.abs(s) / 2;
}
