// Gaussian mixture colour models in RGB (0-255), full covariance, as GrabCut uses them.
// Fitted by k-means (deterministic init at luminance quantiles) followed by hard-EM rounds
// (assign each sample to its most likely component, refit), which is what GrabCut does per
// iteration and is cheap and stable enough for a per-click model.

export interface Gmm {
  k: number;
  /** Per component: log(weight) - 0.5 log det(Σ) - 1.5 log(2π). */
  logNorm: Float64Array;
  means: Float64Array; // 3k
  inv: Float64Array; // 9k, inverse covariances
}

const LOG_2PI = Math.log(2 * Math.PI);
// Added to the covariance diagonal (in 0-255 units²) so flat regions and tiny samples stay
// invertible: about ±2 grey levels of noise.
const REG = 4;
/** Log-likelihood of a colour under a model fitted to nothing: uniform over the RGB cube. */
const UNIFORM = -3 * Math.log(256);
const MAX_SAMPLES = 8000;

/** A model that gives every colour the same likelihood (used when there are no samples). */
export function uniformGmm(): Gmm {
  return { k: 0, logNorm: new Float64Array(0), means: new Float64Array(0), inv: new Float64Array(0) };
}

/**
 * Fits a K-component GMM to `count` RGB triples in `rgb` (interleaved). At most 8,000 samples
 * are used (a fixed stride), so the cost does not grow with the image.
 */
export function fitGmm(rgb: ArrayLike<number>, count: number, k = 5, emRounds = 2): Gmm {
  if (count <= 0) return uniformGmm();
  const stride = Math.max(1, Math.floor(count / MAX_SAMPLES));
  const n = Math.floor((count + stride - 1) / stride);
  const x = new Float64Array(3 * n);
  for (let s = 0, i = 0; s < n; s++, i += stride) {
    x[3 * s] = rgb[3 * i];
    x[3 * s + 1] = rgb[3 * i + 1];
    x[3 * s + 2] = rgb[3 * i + 2];
  }
  k = Math.max(1, Math.min(k, n, 64));
  const label = new Int32Array(n);
  const centers = initCenters(x, n, k);
  for (let it = 0; it < 4; it++) {
    assignNearest(x, n, centers, k, label);
    recomputeCenters(x, n, k, label, centers);
  }
  let g = estimate(x, n, k, label);
  for (let r = 0; r < emRounds; r++) {
    for (let s = 0; s < n; s++) label[s] = bestComponent(g, x[3 * s], x[3 * s + 1], x[3 * s + 2]);
    g = estimate(x, n, k, label);
  }
  return g;
}

function luminance(x: Float64Array, s: number): number {
  return 0.299 * x[3 * s] + 0.587 * x[3 * s + 1] + 0.114 * x[3 * s + 2];
}

/** Initial centres: the samples at the (j + 0.5) / k luminance quantiles (a histogram, O(n)). */
function initCenters(x: Float64Array, n: number, k: number): Float64Array {
  const hist = new Int32Array(256);
  const lum = new Uint8Array(n);
  for (let s = 0; s < n; s++) {
    lum[s] = Math.min(255, Math.round(luminance(x, s)));
    hist[lum[s]]++;
  }
  const c = new Float64Array(3 * k);
  for (let j = 0; j < k; j++) {
    const target = Math.floor(((j + 0.5) / k) * n);
    let acc = 0;
    let level = 0;
    while (level < 255 && acc + hist[level] <= target) acc += hist[level++];
    let s = 0;
    while (s < n - 1 && lum[s] !== level) s++;
    c[3 * j] = x[3 * s];
    c[3 * j + 1] = x[3 * s + 1];
    c[3 * j + 2] = x[3 * s + 2];
  }
  return c;
}

function assignNearest(x: Float64Array, n: number, c: Float64Array, k: number, label: Int32Array): void {
  for (let s = 0; s < n; s++) {
    let best = 0;
    let bd = Infinity;
    for (let j = 0; j < k; j++) {
      const d0 = x[3 * s] - c[3 * j];
      const d1 = x[3 * s + 1] - c[3 * j + 1];
      const d2 = x[3 * s + 2] - c[3 * j + 2];
      const d = d0 * d0 + d1 * d1 + d2 * d2;
      if (d < bd) (bd = d), (best = j);
    }
    label[s] = best;
  }
}

function recomputeCenters(x: Float64Array, n: number, k: number, label: Int32Array, c: Float64Array): void {
  const sum = new Float64Array(3 * k);
  const cnt = new Float64Array(k);
  for (let s = 0; s < n; s++) {
    const j = label[s];
    sum[3 * j] += x[3 * s];
    sum[3 * j + 1] += x[3 * s + 1];
    sum[3 * j + 2] += x[3 * s + 2];
    cnt[j]++;
  }
  for (let j = 0; j < k; j++) {
    if (cnt[j] === 0) continue; // keeps its old centre
    for (let d = 0; d < 3; d++) c[3 * j + d] = sum[3 * j + d] / cnt[j];
  }
}

/** Maximum-likelihood weights, means and covariances of the labelled samples. */
function estimate(x: Float64Array, n: number, k: number, label: Int32Array): Gmm {
  const cnt = new Float64Array(k);
  const mean = new Float64Array(3 * k);
  const cov = new Float64Array(9 * k);
  for (let s = 0; s < n; s++) {
    const j = label[s];
    cnt[j]++;
    for (let d = 0; d < 3; d++) mean[3 * j + d] += x[3 * s + d];
  }
  for (let j = 0; j < k; j++) if (cnt[j] > 0) for (let d = 0; d < 3; d++) mean[3 * j + d] /= cnt[j];
  for (let s = 0; s < n; s++) {
    const j = label[s];
    for (let a = 0; a < 3; a++) {
      const da = x[3 * s + a] - mean[3 * j + a];
      for (let b = 0; b < 3; b++) cov[9 * j + 3 * a + b] += da * (x[3 * s + b] - mean[3 * j + b]);
    }
  }
  const kept: number[] = [];
  for (let j = 0; j < k; j++) if (cnt[j] > 0) kept.push(j);
  const g: Gmm = { k: kept.length, logNorm: new Float64Array(kept.length), means: new Float64Array(3 * kept.length), inv: new Float64Array(9 * kept.length) };
  kept.forEach((j, o) => {
    const m = new Float64Array(9);
    for (let e = 0; e < 9; e++) m[e] = cov[9 * j + e] / cnt[j];
    m[0] += REG;
    m[4] += REG;
    m[8] += REG;
    const det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6]);
    const inv = g.inv.subarray(9 * o, 9 * o + 9);
    inv[0] = (m[4] * m[8] - m[5] * m[7]) / det;
    inv[1] = (m[2] * m[7] - m[1] * m[8]) / det;
    inv[2] = (m[1] * m[5] - m[2] * m[4]) / det;
    inv[3] = (m[5] * m[6] - m[3] * m[8]) / det;
    inv[4] = (m[0] * m[8] - m[2] * m[6]) / det;
    inv[5] = (m[2] * m[3] - m[0] * m[5]) / det;
    inv[6] = (m[3] * m[7] - m[4] * m[6]) / det;
    inv[7] = (m[1] * m[6] - m[0] * m[7]) / det;
    inv[8] = (m[0] * m[4] - m[1] * m[3]) / det;
    for (let d = 0; d < 3; d++) g.means[3 * o + d] = mean[3 * j + d];
    g.logNorm[o] = Math.log(cnt[j] / n) - 0.5 * Math.log(det) - 1.5 * LOG_2PI;
  });
  return g;
}

function componentLog(g: Gmm, j: number, r: number, gr: number, b: number): number {
  const d0 = r - g.means[3 * j];
  const d1 = gr - g.means[3 * j + 1];
  const d2 = b - g.means[3 * j + 2];
  const v = g.inv;
  const o = 9 * j;
  const q =
    d0 * (v[o] * d0 + v[o + 1] * d1 + v[o + 2] * d2) +
    d1 * (v[o + 3] * d0 + v[o + 4] * d1 + v[o + 5] * d2) +
    d2 * (v[o + 6] * d0 + v[o + 7] * d1 + v[o + 8] * d2);
  return g.logNorm[j] - 0.5 * q;
}

/** Index of the component most likely to have produced the colour. */
export function bestComponent(g: Gmm, r: number, gr: number, b: number): number {
  let best = 0;
  let bl = -Infinity;
  for (let j = 0; j < g.k; j++) {
    const l = componentLog(g, j, r, gr, b);
    if (l > bl) (bl = l), (best = j);
  }
  return best;
}

/** log p(colour | model), natural log, colours in 0-255. */
const scratch = new Float64Array(64);

export function gmmLogLikelihood(g: Gmm, r: number, gr: number, b: number): number {
  if (g.k === 0) return UNIFORM;
  // log-sum-exp over components, with a module scratch array: this runs per pixel, allocation-free.
  let mx = -Infinity;
  for (let j = 0; j < g.k; j++) {
    const l = componentLog(g, j, r, gr, b);
    scratch[j] = l;
    if (l > mx) mx = l;
  }
  let s = 0;
  for (let j = 0; j < g.k; j++) s += Math.exp(scratch[j] - mx);
  // Never below the uniform density: a colour no model explains should not dominate the energy.
  return Math.max(mx + Math.log(s), UNIFORM - 6);
}
