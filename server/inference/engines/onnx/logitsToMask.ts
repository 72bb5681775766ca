// S/k logits back to a view mask: bilinear (align_corners false) straight from the logit grid to
// view pixels, which equals upsampling to S, cropping the frame's padding and resizing.
//
// A view can be a whole 24-megapixel photo (or a zoom window of most of one); interpolating every
// pixel cost ~190 ms per click there, and the sigmoid behind the confidence as much again. The
// interpolation is separable, and between two logit rows a pixel's value is a convex combination
// of the two horizontally interpolated rows: where both are positive (or both are not) every pixel
// of that stretch has that sign whatever its row, so whole runs are filled natively and only the
// stretches where the sign changes are computed per pixel. The mask is bit-identical to the
// per-pixel loop (logitsToMask.test.ts); the confidence is read from an even sample of the view.
import { linearTaps, type LinearTaps } from '../linearTaps';
import type { SegmentOutput } from '../types';

/** Where frame position `f` (model-frame pixels) falls on an L-cell grid with k cells per pixel,
 *  as a continuous cell coordinate between cell centres (align_corners false, clamped to the edge
 *  cells): its floor and the next cell, weighted by its fraction, are the bilinear taps. */
export function cellCoord(f: number, k: number, L: number): number {
  return Math.min(L - 1, Math.max(0, (f + 0.5) * k - 0.5));
}

/** Views up to this many pixels take the per-pixel path; larger ones read the confidence from an
 *  even grid (every step-th pixel each way) of at least this many samples. */
const SCORE_SAMPLES = 1 << 18;

/** Below this a "positive" row value could underflow to 0 once weighted: left to the exact path. */
const TINY = 1e-300;

/**
 * Logits L×L (L = S or S/k) → view mask, with the mean foreground probability as its score.
 * `scale` maps view pixels to frame pixels (frame.ts: the view's long side fills S).
 * `out.logits`, when given, receives the interpolated logit of every pixel (graph-cut refinement
 * reads it); `out.mask` (zeros, width × height) is written instead of a fresh array.
 */
export function logitsToMask(
  logits: Float32Array,
  L: number,
  S: number,
  scale: number,
  width: number,
  height: number,
  out: { logits?: Float32Array; mask?: Uint8Array } = {},
): SegmentOutput {
  const logitOut = out.logits;
  const k = L / S;
  // View pixel x sits at frame position (x + 0.5)·r / n − 0.5, r the view's extent in the frame.
  const at = (n: number, r: number) => (x: number) => cellCoord(((x + 0.5) * r) / n - 0.5, k, L);
  const cx = linearTaps(width, L, at(width, Math.round(width * scale)));
  const cy = linearTaps(height, L, at(height, Math.round(height * scale)));
  const mask = out.mask ?? new Uint8Array(width * height);
  if (logitOut || width * height <= SCORE_SAMPLES) return perPixel(logits, L, cx, cy, width, height, mask, logitOut);
  // The horizontal pass: each logit row interpolated at every view column (L × width, in the
  // same double arithmetic as the per-pixel formula, so the vertical step below reproduces it).
  const rows = new Float64Array(L * width);
  for (let r = 0; r < L; r++) {
    const base = r * L;
    for (let x = 0; x < width; x++) {
      const tx = cx.t[x];
      rows[r * width + x] = logits[base + cx.i0[x]] * (1 - tx) + logits[base + cx.i1[x]] * tx;
    }
  }
  let runs: Runs | null = null;
  let pair = -1;
  for (let y = 0; y < height; y++) {
    const r0 = cy.i0[y] * width;
    const r1 = cy.i1[y] * width;
    if (cy.i0[y] * L + cy.i1[y] !== pair) {
      pair = cy.i0[y] * L + cy.i1[y];
      runs = signRuns(rows, r0, r1, width);
    }
    const ty = cy.t[y];
    const row = y * width;
    const { pos, mixed } = runs!;
    for (let i = 0; i < pos.length; i += 2) mask.fill(1, row + pos[i], row + pos[i + 1]);
    for (let i = 0; i < mixed.length; i += 2) {
      for (let x = mixed[i]; x < mixed[i + 1]; x++) {
        if (rows[r0 + x] * (1 - ty) + rows[r1 + x] * ty > 0) mask[row + x] = 1;
      }
    }
  }
  return { mask, score: sampledScore(mask, rows, cy, width, height) };
}

/** Column runs [start, end) between two interpolated rows: where both are positive, and where
 *  their signs differ (or a positive one is tiny); the rest is background. */
interface Runs {
  pos: number[];
  mixed: number[];
}

function signRuns(rows: Float64Array, r0: number, r1: number, width: number): Runs {
  const pos: number[] = [];
  const mixed: number[] = [];
  let kind = 0; // 0 background, 1 positive, 2 mixed
  let start = 0;
  for (let x = 0; x <= width; x++) {
    let k = 0;
    if (x < width) {
      const a = rows[r0 + x];
      const b = rows[r1 + x];
      k = a > TINY && b > TINY ? 1 : a <= 0 && b <= 0 ? 0 : 2;
    }
    if (k !== kind || x === width) {
      if (kind === 1) pos.push(start, x);
      else if (kind === 2) mixed.push(start, x);
      kind = k;
      start = x;
    }
  }
  return { pos, mixed };
}

/** The mean sigmoid of the foreground on an even grid of about SCORE_SAMPLES view pixels; a mask
 *  too small for the grid to meet is read whole. */
function sampledScore(mask: Uint8Array, rows: Float64Array, cy: LinearTaps, width: number, height: number): number {
  const step = Math.max(1, Math.floor(Math.sqrt((width * height) / SCORE_SAMPLES)));
  for (const s of step > 1 ? [step, 1] : [1]) {
    let conf = 0;
    let n = 0;
    for (let y = Math.floor(s / 2); y < height; y += s) {
      const r0 = cy.i0[y] * width;
      const r1 = cy.i1[y] * width;
      const ty = cy.t[y];
      const row = y * width;
      for (let x = Math.floor(s / 2); x < width; x += s) {
        if (!mask[row + x]) continue;
        conf += 1 / (1 + Math.exp(-(rows[r0 + x] * (1 - ty) + rows[r1 + x] * ty)));
        n++;
      }
    }
    if (n) return conf / n;
  }
  return 0;
}

/** Every pixel interpolated from its four logit cells, as the frame's reference. */
function perPixel(logits: Float32Array, L: number, cx: LinearTaps, cy: LinearTaps, width: number, height: number, mask: Uint8Array, logitOut?: Float32Array): SegmentOutput {
  let conf = 0;
  let n = 0;
  for (let y = 0; y < height; y++) {
    const r0 = cy.i0[y] * L;
    const r1 = cy.i1[y] * L;
    const ty = cy.t[y];
    for (let x = 0; x < width; x++) {
      const x0 = cx.i0[x];
      const x1 = cx.i1[x];
      const tx = cx.t[x];
      const v = (logits[r0 + x0] * (1 - tx) + logits[r0 + x1] * tx) * (1 - ty) + (logits[r1 + x0] * (1 - tx) + logits[r1 + x1] * tx) * ty;
      if (logitOut) logitOut[y * width + x] = v;
      if (v > 0) {
        mask[y * width + x] = 1;
        conf += 1 / (1 + Math.exp(-v));
        n++;
      }
    }
  }
  return { mask, score: n ? conf / n : 0 };
}
