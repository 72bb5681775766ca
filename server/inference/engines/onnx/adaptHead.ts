// Per-request fit of the decoder's last 1×1 convolution to the annotator's own labels (the
// head-only form of Kontogianni et al., "Continuous Adaptation for Interactive Object
// Segmentation by Learning from Corrections", ECCV 2020). The network sees the clicks as inputs
// and still sometimes answers a click with too little change: a thin object stays one logit cell
// too narrow, a look-alike stays lit. When the trained head disobeys a click (gives the clicked
// point the wrong label), fitting its C + 1 weights so that every clicked point gets its label
// moves every pixel whose features resemble a clicked one, not only the pixels near it. The fit is a weighted logistic regression solved by damped Newton steps, held near the
// trained head twice: in weight space (lambda) and in what it predicts (an anchor grid of cells
// keeps the trained head's own probabilities with total weight `anchor`, so a fit to clicks that
// a linear head cannot separate does not repaint the rest of the window). It is stateless: every
// request refits from the trained weights on all of its labels, so a retried or reordered
// request gives the same mask.
import { cellCoord } from './logitsToMask';
import type { ManifestEntry } from './manifest';

/** The manifest's `adapt` entry (manifest.ts documents its fields). */
export type HeadAdaptSpec = NonNullable<ManifestEntry['adapt']>;

/** A labelled point in model-frame pixels (the frame of the decoder's `points` input). */
export interface FramePoint {
  x: number;
  y: number;
  positive: boolean;
}

/** Fit data: feature rows (C features and a trailing 1), their targets in [0, 1] and weights. */
export interface FitData {
  rows: Float64Array[];
  targets: number[];
  weights: number[];
}

/**
 * The head's logits `[L×L]` after fitting it to `points`, or null when the trained head already
 * gives every point inside the frame its label (or none lies in it) and the request is not a hard
 * object's (`isHard`): the decoder's own logits stand. `hidden` is the head's input, C planes of
 * L×L; S the frame side in pixels.
 */
export function adaptHead(hidden: Float32Array, C: number, L: number, S: number, points: readonly FramePoint[], spec: HeadAdaptSpec, hard = false): Float32Array | null {
  if (spec.weight.length !== C || hidden.length !== C * L * L) {
    throw new Error(`adapt: the head declares ${spec.weight.length} weights, the decoder output has ${C} planes of ${L}×${L}`);
  }
  const data: FitData = { rows: [], targets: [], weights: [] };
  for (const p of points) {
    if (!(p.x >= 0 && p.y >= 0 && p.x < S && p.y < S)) continue;
    data.rows.push(sampleFeatures(hidden, C, L, S, p.x, p.y));
    data.targets.push(p.positive ? 1 : 0);
    data.weights.push(1);
  }
  if (data.rows.length === 0) return null;
  const theta = Float64Array.from([...spec.weight, spec.bias]);
  // Refit when the network disobeys a click: where it obeys them all, a refit on every click changed
  // the mask of objects it had right as often as it helped (dev select half: 12 objects fewer clicks
  // and 7 more without this gate, 5 and 0 with it). A hard object's requests are refitted anyway.
  if (!hard && !data.rows.some((f, n) => dot(f, theta) > 0 !== (data.targets[n] === 1))) return null;
  if (spec.anchor) addAnchors(data, hidden, C, L, theta, spec.anchor, spec.anchorStride ?? 4);
  fitHead(data, theta, spec.lambda, spec.iters);
  const plane = L * L;
  const out = new Float32Array(plane).fill(theta[C]);
  for (let c = 0; c < C; c++) {
    const w = theta[c];
    const base = c * plane;
    for (let i = 0; i < plane; i++) out[i] += w * hidden[base + i];
  }
  return out;
}

/**
 * Whether a request is a hard object's, refitted even when the head obeys every click: `fromClick`
 * clicks or more (an object that took them is one the network does not have right) on an object
 * whose previous mask is under `fromClickMaxSide` image pixels on its short side, when that is set.
 * Small ones gain (their boundary is a pixel of error in a zoomed window); a large region refitted
 * on obeyed clicks spreads to look-alike texture (models/train/CONTEXT.md: BSDS500 regions lost).
 * `prevShortSide` gives the previous mask's short side in image pixels, or null without one; it is
 * asked only when the size matters (the engine may have to scan the whole mask for its box).
 */
export function isHard(spec: HeadAdaptSpec, clicks: number, prevShortSide: () => number | null): boolean {
  if (spec.fromClick === undefined || clicks < spec.fromClick) return false;
  if (spec.fromClickMaxSide === undefined) return true;
  const side = prevShortSide();
  return side !== null && side < spec.fromClickMaxSide;
}

/** Anchor cells on a grid, each targeting the trained head's probability there, `total` weight in all. */
function addAnchors(data: FitData, hidden: Float32Array, C: number, L: number, theta0: Float64Array, total: number, stride: number): void {
  const cells: number[] = [];
  for (let y = stride >> 1; y < L; y += stride) for (let x = stride >> 1; x < L; x += stride) cells.push(y * L + x);
  for (const i of cells) {
    const f = new Float64Array(C + 1);
    for (let c = 0; c < C; c++) f[c] = hidden[c * L * L + i];
    f[C] = 1;
    data.rows.push(f);
    data.targets.push(sigmoid(dot(f, theta0)));
    data.weights.push(total / cells.length);
  }
}

/** The C features at a frame point, bilinear between cell centres as the logits are upsampled
 *  (logitsToMask.ts cellCoord), plus the constant 1 the bias multiplies. */
function sampleFeatures(hidden: Float32Array, C: number, L: number, S: number, x: number, y: number): Float64Array {
  const fx = cellCoord(x, L / S, L);
  const fy = cellCoord(y, L / S, L);
  const x0 = Math.floor(fx);
  const y0 = Math.floor(fy);
  const x1 = Math.min(L - 1, x0 + 1);
  const y1 = Math.min(L - 1, y0 + 1);
  const tx = fx - x0;
  const ty = fy - y0;
  const f = new Float64Array(C + 1);
  for (let c = 0; c < C; c++) {
    const b = c * L * L;
    const top = hidden[b + y0 * L + x0] * (1 - tx) + hidden[b + y0 * L + x1] * tx;
    const bottom = hidden[b + y1 * L + x0] * (1 - tx) + hidden[b + y1 * L + x1] * tx;
    f[c] = top * (1 - ty) + bottom * ty;
  }
  f[C] = 1;
  return f;
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Σ wₙ BCE(rowsₙ·θ, targetₙ) + λ/2 |θ − θ₀|²; `z` receives rowsₙ·θ. */
function objective(d: FitData, theta: Float64Array, theta0: Float64Array, lambda: number, z: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < theta.length; i++) sum += 0.5 * lambda * (theta[i] - theta0[i]) ** 2;
  for (let n = 0; n < d.rows.length; n++) {
    const zn = dot(d.rows[n], theta);
    z[n] = zn;
    // log(1 + e^z) − t z, written so that neither branch overflows
    sum += d.weights[n] * (Math.max(zn, 0) + Math.log1p(Math.exp(-Math.abs(zn))) - d.targets[n] * zn);
  }
  return sum;
}

/**
 * Minimises `objective` over θ in place, from and towards θ's value on entry. Newton's step is
 * halved until the objective falls: undamped, it overshoots on about one fit in eight (features
 * of a few large values at points the trained head gets badly wrong) and diverges.
 */
export function fitHead(d: FitData, theta: Float64Array, lambda: number, iters: number): void {
  const P = theta.length;
  const N = d.rows.length;
  const theta0 = Float64Array.from(theta);
  const g = new Float64Array(P);
  const H = new Float64Array(P * P);
  const trial = new Float64Array(P);
  const z = new Float64Array(N);
  const zTrial = new Float64Array(N);
  let current = objective(d, theta, theta0, lambda, z);
  for (let it = 0; it < iters; it++) {
    for (let i = 0; i < P; i++) g[i] = lambda * (theta[i] - theta0[i]);
    H.fill(0);
    for (let i = 0; i < P; i++) H[i * P + i] = lambda;
    for (let n = 0; n < N; n++) {
      const f = d.rows[n];
      const p = sigmoid(z[n]);
      const r = d.weights[n] * (p - d.targets[n]);
      const c = d.weights[n] * p * (1 - p);
      for (let i = 0; i < P; i++) {
        const fi = f[i];
        if (fi === 0) continue; // post-ReLU features: many are exactly 0
        g[i] += r * fi;
        const ci = c * fi;
        const row = i * P;
        for (let j = 0; j <= i; j++) H[row + j] += ci * f[j];
      }
    }
    const step = choleskySolve(H, g, P);
    // Newton decrement: half of g·H⁻¹g is how far the objective is above its minimum, to second order
    if (dot(g, step) < 2e-6) return;
    let t = 1;
    let next = Infinity;
    for (; t >= 1e-4; t /= 2) {
      for (let i = 0; i < P; i++) trial[i] = theta[i] - t * step[i];
      next = objective(d, trial, theta0, lambda, zTrial);
      if (next <= current) break;
    }
    if (t < 1e-4) return; // no descent left along Newton's direction
    theta.set(trial);
    z.set(zTrial);
    current = next;
  }
}

/** Solves H x = g for a symmetric positive definite H of which the lower triangle is filled
 *  (λ > 0 on the diagonal makes it so). */
function choleskySolve(H: Float64Array, g: Float64Array, P: number): Float64Array {
  const Lc = new Float64Array(P * P);
  for (let i = 0; i < P; i++) {
    for (let j = 0; j <= i; j++) {
      let s = H[i * P + j];
      for (let k = 0; k < j; k++) s -= Lc[i * P + k] * Lc[j * P + k];
      Lc[i * P + j] = i === j ? Math.sqrt(s) : s / Lc[j * P + j];
    }
  }
  const y = new Float64Array(P);
  for (let i = 0; i < P; i++) {
    let s = g[i];
    for (let k = 0; k < i; k++) s -= Lc[i * P + k] * y[k];
    y[i] = s / Lc[i * P + i];
  }
  const x = new Float64Array(P);
  for (let i = P - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < P; k++) s -= Lc[k * P + i] * x[k];
    x[i] = s / Lc[i * P + i];
  }
  return x;
}
