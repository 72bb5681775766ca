// Intersection over union of two boxes [x0, y0, x1, y1] (end-exclusive, any unit): how the
// detector's duplicates are told apart (NMS) and how a detection is matched to an object already
// drawn, in the worker, the server's pre-labelling and the editor alike.
export function boxIou(a: readonly number[], b: readonly number[]): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter);
}
