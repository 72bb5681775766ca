/**
 * Exact Euclidean distance transform (Felzenszwalb & Huttenlocher, "Distance Transforms of
 * Sampled Functions", 2012): two passes of the 1-D lower envelope of parabolas, O(width*height).
 *
 * Masks are row-major (`mask[y * width + x]`); distances are in pixels between pixel centres.
 */
import { maskBbox } from './maskBbox';

/** Options of {@link squaredDistanceTransform}. */
export interface DistanceTransformOptions {
  /**
   * Treat the ring of pixels just outside the image as background, so distances measure to the
   * image border too. This is what the click simulator of RITM does (it pads the error mask with
   * zeros before `cv2.distanceTransform`). Default true.
   */
  borderIsBackground?: boolean;
}

/** 1-D squared distance transform of `f` (length n) into `d`, with scratch arrays `v`, `z`. */
function dt1d(f: Float64Array, n: number, d: Float64Array, v: Int32Array, z: Float64Array): void {
  let k = -1;
  for (let q = 0; q < n; q++) {
    if (f[q] === Infinity) continue;
    // Pop parabolas that the new one (vertex q) hides.
    let s = 0;
    while (k >= 0) {
      const p = v[k];
      s = (f[q] + q * q - (f[p] + p * p)) / (2 * q - 2 * p);
      if (s <= z[k]) k--;
      else break;
    }
    k++;
    v[k] = q;
    z[k] = k === 0 ? -Infinity : s;
    z[k + 1] = Infinity;
  }
  if (k < 0) {
    d.fill(Infinity, 0, n);
    return;
  }
  let j = 0;
  for (let q = 0; q < n; q++) {
    while (z[j + 1] < q) j++;
    const p = v[j];
    d[q] = (q - p) * (q - p) + f[p];
  }
}

/**
 * For every pixel, the squared Euclidean distance (pixels squared) to the nearest pixel whose
 * mask value is 0. Background pixels get 0; a mask with no background (and
 * `borderIsBackground: false`) gives `Infinity` everywhere.
 */
export function squaredDistanceTransform(
  mask: ArrayLike<number>,
  width: number,
  height: number,
  opts: DistanceTransformOptions = {},
): Float64Array {
  const border = opts.borderIsBackground !== false;
  // Only the object's bounding box grown by one pixel needs work: every pixel outside the box is
  // background, and the nearest background of an object pixel is never beyond that ring (clamping
  // a farther candidate onto the ring only brings it closer). Error regions in the click
  // simulator are usually small, so this saves most of the work there.
  const out = new Float64Array(width * height);
  const b = maskBbox(mask, width, height);
  if (!b) return out; // no object pixel: all distances are 0
  const x0 = Math.max(0, b.x0 - 1);
  const y0 = Math.max(0, b.y0 - 1);
  const x1 = Math.min(width - 1, b.x1);
  const y1 = Math.min(height - 1, b.y1);
  // Virtual background beyond the crop: right where the crop stops inside the image (that ring
  // is background anyway), and at the image edge only when the border counts as background.
  const crop = cropTransform(mask, width, x0, y0, x1 - x0 + 1, y1 - y0 + 1, border);
  const cw = x1 - x0 + 1;
  for (let y = y0; y <= y1; y++) out.set(crop.subarray((y - y0) * cw, (y - y0 + 1) * cw), y * width + x0);
  return out;
}

/** The transform of the `W` x `H` window at (`ox`, `oy`) of a mask `stride` pixels wide. */
function cropTransform(mask: ArrayLike<number>, stride: number, ox: number, oy: number, W: number, H: number, border: boolean): Float64Array {
  // Pass 1, along rows: for a 0/Infinity input the 1-D transform is just the squared distance to
  // the nearest background pixel on either side, two linear scans. Written transposed
  // (column-major) so that pass 2 reads contiguous memory.
  const t = new Float64Array(W * H);
  const rowBuf = new Float64Array(W);
  for (let y = 0; y < H; y++) {
    const row = (y + oy) * stride + ox;
    let last = border ? -1 : -Infinity; // x of the nearest background pixel to the left
    for (let x = 0; x < W; x++) {
      if (mask[row + x] === 0) last = x;
      rowBuf[x] = x - last;
    }
    last = border ? W : Infinity;
    for (let x = W - 1; x >= 0; x--) {
      if (mask[row + x] === 0) last = x;
      const d = Math.min(rowBuf[x], last - x);
      t[x * H + y] = d * d;
    }
  }
  // Pass 2, along columns: the lower envelope of parabolas, with the border as two extra
  // background samples at y = -1 and y = H when asked for.
  const pad = border ? 1 : 0;
  const n = H + 2 * pad;
  const f = new Float64Array(n);
  const d = new Float64Array(n);
  const v = new Int32Array(n);
  const z = new Float64Array(n + 1);
  const out = new Float64Array(W * H);
  for (let x = 0; x < W; x++) {
    f.set(t.subarray(x * H, x * H + H), pad);
    if (pad) {
      f[0] = 0;
      f[n - 1] = 0;
    }
    dt1d(f, n, d, v, z);
    for (let y = 0; y < H; y++) out[y * W + x] = d[y + pad];
  }
  return out;
}

/** Euclidean distance (pixels) to the nearest background pixel; see {@link squaredDistanceTransform}. */
export function distanceTransform(
  mask: ArrayLike<number>,
  width: number,
  height: number,
  opts?: DistanceTransformOptions,
): Float64Array {
  const d = squaredDistanceTransform(mask, width, height, opts);
  for (let i = 0; i < d.length; i++) d[i] = Math.sqrt(d[i]);
  return d;
}

/**
 * The object pixel farthest from the background (the first in row-major order on ties, as
 * `numpy.argmax`), with its distance in pixels; null when the mask has no object pixel. This is
 * where the evaluation protocol puts its clicks.
 */
export function farthestPoint(
  mask: ArrayLike<number>,
  width: number,
  height: number,
  opts?: DistanceTransformOptions,
): { x: number; y: number; distance: number } | null {
  const d = squaredDistanceTransform(mask, width, height, opts);
  let best = -1;
  let bestD = 0;
  for (let i = 0; i < d.length; i++) {
    if (d[i] > bestD) {
      bestD = d[i];
      best = i;
    }
  }
  if (best < 0) return null;
  return { x: best % width, y: Math.floor(best / width), distance: Math.sqrt(bestD) };
}
