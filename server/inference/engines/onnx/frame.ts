// The model frame of an onnx click model (models/CONTRACT.md, click-seg-v1): image pixels into
// the normalised S×S input, the previous mask into it (the way back, S/k logits to an image mask,
// is logitsToMask.ts), and the clicks stamped on the result. They run beside the encoder and
// decoder on every click, so they are flat loops over precomputed taps: with per-pixel closures
// and objects a profile of `npm run eval` put them at a quarter of the engine's time (a 512×384
// frame 12-22 ms, now 7-10; its mask 6-8 ms, now 3). They compute what PIL and torch compute in
// models/train (tandem_click/evaluate.py), the resize to within one grey level of PIL's
// (frame.test.ts).
//
// Frame: the view (the whole image or a zoom-in window of it) is resized (bilinear) so its long
// side is S and placed top-left on an S×S canvas; the rest is 0 after normalisation. View pixel x
// maps to xModel = (x + 0.5)·scale − 0.5 with scale = S / max(width, height).
import type { RgbImage } from '../types';
import type { Roi } from './zoomIn';

/** A separable filter: output o reads `taps` inputs from start[o], weights w[o·taps + k]. */
interface Taps {
  start: Int32Array;
  w: Float32Array;
  taps: number;
}

/** PIL BILINEAR's taps: a triangle filter widened by the scale when shrinking (antialiased). */
export function filterTaps(inSize: number, outSize: number, scale: number): Taps {
  const support = Math.max(1, scale);
  // Inputs with a non-zero weight lie in an open interval 2·support wide: at most ceil(2·support)
  // of them (2 when enlarging). Skipping the zero-weight ends changes no sum.
  const taps = Math.min(Math.ceil(2 * support), inSize);
  const start = new Int32Array(outSize);
  const w = new Float32Array(outSize * taps);
  const one = new Float32Array(Math.ceil(support) * 2 + 1);
  for (let o = 0; o < outSize; o++) {
    const centre = (o + 0.5) * scale;
    const lo = Math.max(0, Math.floor(centre - support));
    const hi = Math.min(inSize, Math.ceil(centre + support));
    let sum = 0;
    let first = hi;
    let last = lo - 1;
    for (let i = lo; i < hi; i++) {
      const t = Math.max(0, 1 - Math.abs((i + 0.5 - centre) / support));
      one[i - lo] = t;
      sum += t;
      if (t > 0) {
        if (first === hi) first = i;
        last = i;
      }
    }
    // Normalised in float32 as stored (sum > 0 whenever a weight is); unused taps stay 0 and read
    // a valid index.
    start[o] = Math.max(0, Math.min(first, inSize - taps));
    for (let i = first; i <= last; i++) w[o * taps + i - start[o]] = one[i - lo] / sum;
  }
  return { start, w, taps };
}

/**
 * The normalised S×S frame (CHW float32) of `image`, or of its window `roi` without copying it.
 * Two passes as PIL: horizontal into float32 planes, then vertical, rounded to uint8 (PIL's
 * resized image) before the mean / std normalisation. `stretch`: the view fills the whole frame,
 * aspect not kept (a detector trained that way: models/CONTRACT.md, detector-v1).
 */
export function imageToFrame(image: RgbImage, roi: Roi | null, S: number, mean: number[], std: number[], stretch = false): Float32Array {
  const [ox, oy, ex, ey] = roi ?? [0, 0, image.width, image.height];
  const vw = ex - ox;
  const vh = ey - oy;
  const scale = S / Math.max(vw, vh);
  const rw = stretch ? S : Math.max(1, Math.round(vw * scale));
  const rh = stretch ? S : Math.max(1, Math.round(vh * scale));
  const cols = filterTaps(vw, rw, vw / rw);
  const rows = filterTaps(vh, rh, vh / rh);
  const src = image.data;
  const iw = image.width;
  // Horizontal pass: one float32 plane per channel, rw × vh.
  const tmp = new Float32Array(3 * rw * vh);
  const plane = rw * vh;
  for (let y = 0; y < vh; y++) {
    const rowBase = 3 * ((oy + y) * iw + ox);
    for (let x = 0; x < rw; x++) {
      const s0 = cols.start[x];
      const wb = x * cols.taps;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = 0; k < cols.taps; k++) {
        const wk = cols.w[wb + k];
        const p = rowBase + 3 * (s0 + k);
        r += wk * src[p];
        g += wk * src[p + 1];
        b += wk * src[p + 2];
      }
      const o = y * rw + x;
      tmp[o] = r;
      tmp[plane + o] = g;
      tmp[2 * plane + o] = b;
    }
  }
  // Vertical pass into the frame, channel planes S×S.
  const out = new Float32Array(3 * S * S);
  const acc = new Float64Array(rw);
  for (let c = 0; c < 3; c++) {
    const lut = new Float32Array(256);
    for (let v = 0; v < 256; v++) lut[v] = (v / 255 - mean[c]) / std[c];
    const base = c * plane;
    for (let y = 0; y < rh; y++) {
      acc.fill(0);
      const s0 = rows.start[y];
      for (let k = 0; k < rows.taps; k++) {
        const wk = rows.w[y * rows.taps + k];
        const line = base + (s0 + k) * rw;
        for (let x = 0; x < rw; x++) acc[x] += wk * tmp[line + x];
      }
      const o = (c * S + y) * S;
      for (let x = 0; x < rw; x++) out[o + x] = lut[Math.min(255, Math.max(0, Math.round(acc[x])))];
    }
  }
  return out;
}

/**
 * The previous mask in the S×S frame as 0/1 (nearest source pixel), zeros when none. `mask` is the
 * whole image's (`stride` pixels a row) and the view starts at (ox, oy) in it: a zoom window reads
 * its ≤ S×S samples straight from the image's mask, never copying the window out (on a 24 MP
 * photo that copy cost more than the samples).
 */
export function prevToFrame(
  mask: Uint8Array | undefined,
  view: { width: number; height: number },
  S: number,
  scale: number,
  at: { ox: number; oy: number; stride: number } = { ox: 0, oy: 0, stride: view.width },
): Float32Array {
  const out = new Float32Array(S * S);
  if (!mask) return out;
  const rw = Math.min(S, Math.round(view.width * scale));
  const rh = Math.min(S, Math.round(view.height * scale));
  const sxs = new Int32Array(rw);
  for (let x = 0; x < rw; x++) sxs[x] = at.ox + Math.min(view.width - 1, Math.floor((x + 0.5) / scale));
  for (let y = 0; y < rh; y++) {
    const row = (at.oy + Math.min(view.height - 1, Math.floor((y + 0.5) / scale))) * at.stride;
    for (let x = 0; x < rw; x++) out[y * S + x] = mask[row + sxs[x]] ? 1 : 0;
  }
  return out;
}

/**
 * Every clicked pixel takes its click's label: the decoder's S/4 logits cannot always flip an
 * error one or two pixels deep, and when a click changes nothing the annotator (and the protocol's
 * simulator) clicks the same pixel again to no effect. Clicks are in view pixels; those outside the
 * view (older clicks outside a zoom-in window) are left alone.
 */
export function stampClicks(mask: Uint8Array, width: number, height: number, clicks: ReadonlyArray<{ x: number; y: number; positive: boolean }>): void {
  for (const c of clicks) {
    const x = Math.floor(c.x);
    const y = Math.floor(c.y);
    if (x >= 0 && y >= 0 && x < width && y < height) mask[y * width + x] = c.positive ? 1 : 0;
  }
}

/** A box's interior as a mask (the previous mask a box gives a model without the box prompt), in
 *  `into` (zeros, width × height) where given. */
export function boxMask(width: number, height: number, box: [number, number, number, number], into?: Uint8Array): Uint8Array {
  const m = into ?? new Uint8Array(width * height);
  for (let y = Math.max(0, Math.floor(box[1])); y < Math.min(height, Math.ceil(box[3])); y++) {
    m.fill(1, y * width + Math.max(0, Math.floor(box[0])), y * width + Math.min(width, Math.ceil(box[2])));
  }
  return m;
}
