// Graph-cut refinement of the network's mask at image resolution (Boykov & Jolly's energy, with the
// network's probabilities as the unary term). The network sees the image at S and predicts at S/4,
// so its boundary is a smooth interpolation; the cut lets the boundary follow the edges of the
// image pixels. Only an uncertain band is solved: pixels whose |logit| is below `margin`, and
// every pixel within `grow` px of one. The rest keep the network's label and act as terminals of
// their free neighbours, so a click costs a few thousand graph nodes, not the whole image.
import { colourDist2, GAMMA, OFFSETS } from '../grid';
import { MaxFlowGraph } from '../maxflow';
import type { Click, RgbImage } from '../types';

export interface RefineParams {
  /** |logit| below which a pixel is uncertain. */
  margin: number;
  /** Pixels within this many px of an uncertain one are free too. */
  grow: number;
  /** Weight of the network's evidence, -log p, against the n-links (at most GAMMA each). */
  lambda: number;
}

/** Clicks are hard constraints within this radius (image px): the user said so. */
const CLICK_RADIUS = 2;

const softplus = (v: number) => (v > 20 ? v : Math.log1p(Math.exp(v)));

/**
 * `logit` holds the network's logit of every pixel of `img` (same size); returns the refined 0/1
 * mask. Clicks are in `img`'s pixel coordinates.
 */
export function refineMask(img: RgbImage, logit: Float32Array, clicks: Click[], p: RefineParams): Uint8Array {
  const { width: w, height: h, data: rgb } = img;
  const n = w * h;
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) mask[i] = logit[i] > 0 ? 1 : 0;
  const free = freePixels(logit, w, h, p);
  for (const c of clicks) {
    // a click's disk is fixed to its polarity
    for (let y = Math.max(0, Math.round(c.y) - CLICK_RADIUS); y <= Math.min(h - 1, Math.round(c.y) + CLICK_RADIUS); y++) {
      for (let x = Math.max(0, Math.round(c.x) - CLICK_RADIUS); x <= Math.min(w - 1, Math.round(c.x) + CLICK_RADIUS); x++) {
        free[y * w + x] = 0;
        mask[y * w + x] = c.positive ? 1 : 0;
      }
    }
  }
  const index = new Int32Array(n).fill(-1);
  let m = 0;
  for (let i = 0; i < n; i++) if (free[i]) index[i] = m++;
  if (m === 0) return mask;

  // The band's 8-neighbour pairs, found once: β needs all their colour distances before any weight.
  const pairs = bandPairs(free, w, h);
  const d2 = pairs.a.map((a, j) => colourDist2(rgb, a, pairs.b[j]));
  // β = 1 / (2 <|Ip - Iq|²>) over the pairs that touch the band (Rother et al.), as grid.ts over the image
  const sum = d2.reduce((s, v) => s + v, 0);
  const beta = sum > 0 ? d2.length / (2 * sum) : 0;

  const costFg = new Float64Array(m);
  const costBg = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    const k = index[i];
    if (k < 0) continue;
    costFg[k] = p.lambda * softplus(-logit[i]); // -log σ(l)
    costBg[k] = p.lambda * softplus(logit[i]); // -log (1 - σ(l))
  }
  const g = new MaxFlowGraph(m, 4 * m);
  pairs.a.forEach((a, j) => {
    const b = pairs.b[j];
    const wt = GAMMA * pairs.inv[j] * Math.exp(-beta * d2[j]);
    const ka = index[a];
    const kb = index[b];
    if (ka >= 0 && kb >= 0) g.addEdge(ka, kb, wt, wt);
    else if (ka >= 0) (mask[b] ? costBg : costFg)[ka] += wt; // disagreeing with a fixed neighbour cuts the link
    else (mask[a] ? costBg : costFg)[kb] += wt;
  });
  for (let k = 0; k < m; k++) {
    const lo = Math.min(costFg[k], costBg[k]);
    g.addTerminal(k, costBg[k] - lo, costFg[k] - lo); // source side = object
  }
  g.maxflow();
  for (let i = 0; i < n; i++) if (index[i] >= 0) mask[i] = g.inSourceSet(index[i]) ? 1 : 0;
  return mask;
}

/** Uncertain pixels grown by `grow` px (square neighbourhood: a row pass, then a column pass). */
function freePixels(logit: Float32Array, w: number, h: number, p: RefineParams): Uint8Array {
  const seed = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) if (Math.abs(logit[i]) < p.margin) seed[i] = 1;
  const r = Math.max(0, Math.round(p.grow));
  if (r === 0) return seed;
  const rows = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) grow1d(seed, rows, y * w, 1, w, r);
  const out = new Uint8Array(w * h);
  for (let x = 0; x < w; x++) grow1d(rows, out, x, w, h, r);
  return out;
}

/** Marks in `dst` every element of one line (start, step, n) within r of a set element of `src`. */
function grow1d(src: Uint8Array, dst: Uint8Array, start: number, step: number, n: number, r: number): void {
  let last = -Infinity; // most recent set element at or before i
  for (let i = 0; i < n; i++) {
    if (src[start + i * step]) last = i;
    if (i - last <= r) dst[start + i * step] = 1;
  }
  last = Infinity;
  for (let i = n - 1; i >= 0; i--) {
    if (src[start + i * step]) last = i;
    if (last - i <= r) dst[start + i * step] = 1;
  }
}

/** Every 8-neighbour pair (each once) with at least one free pixel, with 1 / its distance. */
function bandPairs(free: Uint8Array, w: number, h: number): { a: number[]; b: number[]; inv: number[] } {
  const out = { a: [] as number[], b: [] as number[], inv: [] as number[] };
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const a = y * w + x;
      for (const [dx, dy, inv] of OFFSETS) {
        const nx = x + dx;
        const ny = y + dy;
        if (nx < 0 || nx >= w || ny >= h) continue;
        const b = ny * w + nx;
        if (free[a] || free[b]) {
          out.a.push(a);
          out.b.push(b);
          out.inv.push(inv);
        }
      }
    }
  }
  return out;
}
