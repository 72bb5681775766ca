// The standard click simulator of contract 7 (RITM / f-BRS protocol), on row-major masks:
// - first click: positive, at the object's interior point farthest from its boundary;
// - next click: in the error region (missed = gt ∧ ¬pred, extra = ¬gt ∧ pred) whose
//   farthest-from-boundary distance is larger (ties go to the extra region, as RITM's `>`), at that
//   farthest point; missed → positive, extra → negative;
// - the image border counts as boundary (RITM pads with zeros before the distance transform);
// - ignored pixels (128 in the dataset) never get a click and never count for IoU;
// - ties in position: the first pixel in row-major order (numpy argmax).
import { farthestPoint } from '../../../shared/geometry/distanceTransform';

export interface SimClick {
  x: number;
  y: number;
  positive: boolean;
}

/** Ground truth: 1 object, 0 background; `ignore` 1 where the dataset says 128. */
export interface GroundTruth {
  width: number;
  height: number;
  gt: Uint8Array;
  ignore: Uint8Array | null;
}

export function firstClick(t: GroundTruth): SimClick | null {
  const obj = new Uint8Array(t.gt.length);
  for (let i = 0; i < obj.length; i++) obj[i] = t.gt[i] && !(t.ignore && t.ignore[i]) ? 1 : 0;
  const p = farthestPoint(obj, t.width, t.height);
  return p ? { x: p.x, y: p.y, positive: true } : null;
}

/** The next protocol click given the current prediction; null when there is no error left. */
export function nextClick(t: GroundTruth, pred: Uint8Array): SimClick | null {
  const n = t.gt.length;
  const fn = new Uint8Array(n);
  const fp = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (t.ignore && t.ignore[i]) continue;
    if (t.gt[i] && !pred[i]) fn[i] = 1;
    else if (!t.gt[i] && pred[i]) fp[i] = 1;
  }
  const a = farthestPoint(fn, t.width, t.height);
  const b = farthestPoint(fp, t.width, t.height);
  const da = a?.distance ?? 0;
  const db = b?.distance ?? 0;
  if (da <= 0 && db <= 0) return null;
  if (da > db) return { x: a!.x, y: a!.y, positive: true };
  return { x: b!.x, y: b!.y, positive: false };
}

/** IoU of prediction and ground truth over the non-ignored pixels; 1 when both are empty. */
export function maskIou(t: GroundTruth, pred: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < t.gt.length; i++) {
    if (t.ignore && t.ignore[i]) continue;
    const g = t.gt[i] !== 0;
    const p = pred[i] !== 0;
    if (g && p) inter++;
    if (g || p) union++;
  }
  return union ? inter / union : 1;
}

/** Number of clicks to reach `thr` (1-based) given IoU after each click; `maxClicks` if never. */
export function clicksToReach(ious: number[], thr: number, maxClicks: number): number {
  const k = ious.findIndex((v) => v >= thr);
  return k >= 0 ? k + 1 : maxClicks;
}

/** Tight bounding box [x0, y0, x1, y1] (pixel corners) of the object; null when empty. */
export function gtBox(t: GroundTruth): [number, number, number, number] | null {
  let x0 = t.width;
  let y0 = t.height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < t.height; y++) {
    for (let x = 0; x < t.width; x++) {
      if (!t.gt[y * t.width + x]) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  return x1 < 0 ? null : [x0, y0, x1 + 1, y1 + 1];
}
