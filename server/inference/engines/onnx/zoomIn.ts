// Zoom-in (as RITM's ZoomIn): from the model's `fromClick`-th click on, the encoder runs on a
// window around the object (the previous mask and the positive clicks, grown by `expansion`)
// instead of the whole image, so a small object gets the model's whole working resolution and
// later clicks fix its boundary rather than fight the S/4 logit grid.
//
// A window is reused while the new one overlaps it by IoU >= `reuseIou` and the newest click lies
// inside it: the encoder then does not run again (its outputs are cached per window), so most
// correction clicks cost one decoder run. models/train/tandem_click/evaluate.py does the same, so
// the manifest's measured NoC is what the worker delivers.
import { maskBbox, type PixelBox } from '../../../../shared/geometry/maskBbox';
import type { RgbImage } from '../types';

export interface ZoomInConfig {
  /** The window is the object's bbox grown by this factor (each side). */
  expansion: number;
  /** ... and at least this fraction of the image's long side. */
  minFrac: number;
  /** A cached window is reused while the new one overlaps it by at least this IoU. */
  reuseIou: number;
  /** The first click (1-based count of clicks) that zooms; earlier ones see the whole image. */
  fromClick: number;
}

/** [x0, y0, x1, y1], end-exclusive integer pixels. */
export type Roi = [number, number, number, number];

export interface Point {
  x: number;
  y: number;
}

/** The previous mask's bounding box (maskBbox: end-exclusive), or null for no mask or an empty one. */
export type MaskBox = PixelBox | null;

/** The window around the mask (given by its bounding box, which the engine scans once per request)
 *  and the positive clicks, or null when there is neither. */
export function objectRoi(b: MaskBox, positives: Point[], width: number, height: number, z: ZoomInConfig): Roi | null {
  let x0 = b ? b.x0 : Infinity;
  let y0 = b ? b.y0 : Infinity;
  let x1 = b ? b.x1 - 1 : -Infinity;
  let y1 = b ? b.y1 - 1 : -Infinity;
  for (const p of positives) {
    const x = Math.floor(p.x);
    const y = Math.floor(p.y);
    x0 = Math.min(x0, x);
    x1 = Math.max(x1, x);
    y0 = Math.min(y0, y);
    y1 = Math.max(y1, y);
  }
  if (x1 < x0) return null;
  const cx = (x0 + x1 + 1) / 2;
  const cy = (y0 + y1 + 1) / 2;
  const m = z.minFrac * Math.max(width, height);
  const bw = Math.max((x1 - x0 + 1) * z.expansion, m);
  const bh = Math.max((y1 - y0 + 1) * z.expansion, m);
  // Python's round() (half to even) in evaluate.py; the difference only shows at exact halves.
  return [
    Math.max(0, roundHalfEven(cx - bw / 2)),
    Math.max(0, roundHalfEven(cy - bh / 2)),
    Math.min(width, roundHalfEven(cx + bw / 2)),
    Math.min(height, roundHalfEven(cy + bh / 2)),
  ];
}

export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function roiIou(a: Roi, b: Roi): number {
  const ix = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const iy = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = ix * iy;
  const area = (r: Roi) => (r[2] - r[0]) * (r[3] - r[1]);
  return inter / Math.max(1, area(a) + area(b) - inter);
}

export function roiContains(r: Roi, p: Point): boolean {
  return p.x >= r[0] && p.x < r[2] && p.y >= r[1] && p.y < r[3];
}

/** The window to use: a recent one (most recent first) that still fits, else the new one. */
export function chooseRoi(fresh: Roi, recent: readonly Roi[], last: Point | undefined, reuseIou: number): Roi {
  for (const r of recent) if (roiIou(fresh, r) >= reuseIou && (!last || roiContains(r, last))) return r;
  return fresh;
}

export function cropImage(image: RgbImage, r: Roi): RgbImage {
  const w = r[2] - r[0];
  const h = r[3] - r[1];
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const src = 3 * ((r[1] + y) * image.width + r[0]);
    data.set(image.data.subarray(src, src + 3 * w), 3 * y * w);
  }
  return { width: w, height: h, data };
}

/** A window's mask pasted into an empty full-image mask (outside the window is background), with
 *  the mask's bounding box in image pixels. Only that box is copied: a fresh full-image array costs
 *  little until its pages are first touched, and on a 24 MP photo the window's empty rows were most
 *  of that cost. `into` (zeros, width × height) is written instead of a fresh array. */
export function pasteMask(crop: Uint8Array, r: Roi, width: number, height: number, into?: Uint8Array): { mask: Uint8Array; box: MaskBox } {
  const mask = into ?? new Uint8Array(width * height);
  const w = r[2] - r[0];
  const b = maskBbox(crop, w, r[3] - r[1]);
  if (!b) return { mask, box: null };
  for (let y = b.y0; y < b.y1; y++) mask.set(crop.subarray(y * w + b.x0, y * w + b.x1), (r[1] + y) * width + r[0] + b.x0);
  return { mask, box: { x0: r[0] + b.x0, y0: r[1] + b.y0, x1: r[0] + b.x1, y1: r[1] + b.y1 } };
}
