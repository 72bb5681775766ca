/**
 * Douglas-Peucker simplification of closed rings given as flat `[x0, y0, x1, y1, ...]` arrays.
 * Units are whatever the ring is in (image pixels everywhere in Tandem).
 */

/** Distance from `(px, py)` to the segment `(ax, ay)-(bx, by)`. */
export function pointSegmentDistance(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  let t = len2 === 0 ? 0 : ((px - ax) * dx + (py - ay) * dy) / len2;
  t = Math.max(0, Math.min(1, t));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** Marks the vertices of the open chain `lo..hi` (vertex indices) that Douglas-Peucker keeps. */
function markChain(pts: ArrayLike<number>, lo: number, hi: number, tol: number, keep: Uint8Array, n: number): void {
  // An explicit stack: rings of thousands of vertices would overflow recursion.
  const stack: [number, number][] = [[lo, hi]];
  while (stack.length) {
    const [a, b] = stack.pop()!;
    if (b - a < 2) continue;
    const ia = a % n;
    const ib = b % n;
    let best = -1;
    let bestD = -1;
    for (let k = a + 1; k < b; k++) {
      const ik = k % n;
      const d = pointSegmentDistance(pts[2 * ik], pts[2 * ik + 1], pts[2 * ia], pts[2 * ia + 1], pts[2 * ib], pts[2 * ib + 1]);
      if (d > bestD) {
        bestD = d;
        best = k;
      }
    }
    if (bestD > tol) {
      keep[best % n] = 1;
      stack.push([a, best], [best, b]);
    }
  }
}

/**
 * Simplifies a closed ring so that no removed vertex lies farther than `tolerance` from the
 * result. The ring is split at its first vertex and the vertex farthest from it, and each half is
 * simplified with Douglas-Peucker. Returns at least 3 vertices when the input has them.
 */
export function simplifyRing(points: ArrayLike<number>, tolerance: number): number[] {
  const n = points.length >> 1;
  if (n <= 3 || tolerance <= 0) return Array.from(points);
  let far = 0;
  let farD = -1;
  for (let i = 1; i < n; i++) {
    const d = Math.hypot(points[2 * i] - points[0], points[2 * i + 1] - points[1]);
    if (d > farD) {
      farD = d;
      far = i;
    }
  }
  const keep = new Uint8Array(n);
  keep[0] = 1;
  keep[far] = 1;
  markChain(points, 0, far, tolerance, keep, n);
  markChain(points, far, n, tolerance, keep, n);
  let kept = 0;
  for (let i = 0; i < n; i++) kept += keep[i];
  if (kept < 3) {
    // A thin sliver: keep the vertex farthest from the chord so the ring keeps an area.
    let best = -1;
    let bestD = -1;
    for (let i = 0; i < n; i++) {
      if (keep[i]) continue;
      const d = pointSegmentDistance(points[2 * i], points[2 * i + 1], points[0], points[1], points[2 * far], points[2 * far + 1]);
      if (d > bestD) {
        bestD = d;
        best = i;
      }
    }
    keep[best] = 1;
  }
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (keep[i]) out.push(points[2 * i], points[2 * i + 1]);
  return out;
}
