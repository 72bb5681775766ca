// An ellipse (CVAT's and Label Studio's ellipse shapes) as the polygon a mask is rasterised from:
// a vertex every ~2 px of its outline, so the ring strays less than a pixel from the true curve
// at any size (at least 32 vertices, at most 4096).

/** Flat ring [x0, y0, x1, y1, …] of the ellipse centred at (cx, cy) with radii rx, ry, turned by `degrees` (clockwise on screen, as both tools draw). */
export function ellipseRing(cx: number, cy: number, rx: number, ry: number, degrees = 0): number[] {
  const n = Math.min(4096, Math.max(32, Math.ceil(Math.PI * Math.max(rx, ry))));
  const t = (degrees * Math.PI) / 180;
  const [c, s] = [Math.cos(t), Math.sin(t)];
  const ring: number[] = [];
  for (let k = 0; k < n; k++) {
    const a = (2 * Math.PI * k) / n;
    const [x, y] = [rx * Math.cos(a), ry * Math.sin(a)];
    ring.push(cx + x * c - y * s, cy + x * s + y * c);
  }
  return ring;
}
