/**
 * Boundary tracing of a binary mask along pixel edges ("crack following").
 *
 * Coordinates are image pixels with pixel `(x, y)` covering the square `[x, x+1] x [y, y+1]`, so
 * contour vertices sit on pixel corners. This is the convention of COCO polygons, and a traced
 * contour rasterised again with {@link ../codecs/polygon!polygonsToRle} gives back the same
 * pixels (before simplification).
 */

/** One closed ring of a traced mask. */
export interface Contour {
  /** Flat `[x0, y0, x1, y1, ...]` in image pixels (pixel corners), without repeating the first vertex. */
  points: number[];
  /**
   * True for the boundary of a hole. Outer rings run clockwise on screen (y down) and have a
   * positive {@link ringArea}; holes run the other way.
   */
  hole: boolean;
}

// Directions of a boundary edge: right, down, left, up (clockwise on screen, y pointing down).
const DX = [1, 0, -1, 0];
const DY = [0, 1, 0, -1];

/**
 * Signed area of a flat ring `[x0, y0, ...]` by the shoelace formula, in square pixels. Positive
 * for rings that run clockwise on screen (y down), which is how outer contours are traced.
 */
export function ringArea(points: ArrayLike<number>): number {
  const n = points.length >> 1;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    s += points[2 * i] * points[2 * j + 1] - points[2 * j] * points[2 * i + 1];
  }
  return s / 2;
}

/**
 * Traces every boundary of a row-major mask (`mask[y * width + x]`, nonzero = object).
 *
 * Objects are 4-connected: two pixels that touch only at a corner get separate outer rings
 * (at such a saddle corner the trace turns to keep hugging the pixel it came along), and the
 * rings are simple polygons. Vertices are emitted only where the boundary turns.
 */
export function traceContours(mask: ArrayLike<number>, width: number, height: number): Contour[] {
  const W = width + 1; // vertices per row
  const inside = (x: number, y: number): boolean =>
    x >= 0 && y >= 0 && x < width && y < height && mask[y * width + x] !== 0;

  // Outgoing edge directions per vertex, as bits. The object is always on the right of an edge.
  const out = new Uint8Array(W * (height + 1));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (mask[y * width + x] === 0) continue;
      if (!inside(x, y - 1)) out[y * W + x] |= 1 << 0; // top edge, going right
      if (!inside(x + 1, y)) out[y * W + x + 1] |= 1 << 1; // right edge, going down
      if (!inside(x, y + 1)) out[(y + 1) * W + x + 1] |= 1 << 2; // bottom edge, going left
      if (!inside(x - 1, y)) out[(y + 1) * W + x] |= 1 << 3; // left edge, going up
    }
  }
  const orig = out.slice();

  const contours: Contour[] = [];
  for (let start = 0; start < out.length; start++) {
    if (out[start] === 0) continue;
    const d0 = 31 - Math.clz32(out[start] & -out[start]); // lowest set bit
    let d = d0;
    let v = start;
    const pts: number[] = [];
    let prevDir = -1;
    for (;;) {
      out[v] &= ~(1 << d);
      if (d !== prevDir) pts.push(v % W, Math.floor(v / W)); // a corner
      prevDir = d;
      v += DY[d] * W + DX[d];
      // At a saddle (two ways out) turn right, toward the pixel we came along.
      const want = orig[v] === 0b0101 || orig[v] === 0b1010 ? (d + 1) % 4 : 31 - Math.clz32(orig[v]);
      if (!(out[v] & (1 << want))) break; // back where this ring started
      d = want;
    }
    // The start vertex is a corner unless the ring enters it going the same way it left.
    if (pts.length >= 4 && prevDir === d0) pts.splice(0, 2);
    contours.push({ points: pts, hole: ringArea(pts) < 0 });
  }
  return contours;
}
