// Shared machinery of the classical engines: a working-resolution copy of the image (long side
// <= WORK_SIDE), contrast-sensitive 8-neighbour n-links, the s-t cut of a labelling energy, seed
// rasterisation, connected components and the edge-aware upsampling back to image pixels.
// "Working pixels" (wx, wy) relate to image pixels by wx = (x + 0.5) * scale - 0.5.
import type { PixelBox } from '../../../shared/geometry/maskBbox';
import { MaxFlowGraph } from './maxflow';
import { gmmLogLikelihood, type Gmm } from './gmm';
import type { Box, Click, RgbImage, Scribble } from './types';

/** Long side of the working resolution, in pixels. */
export const WORK_SIDE = 320;
/** GrabCut's smoothness weight γ (energy units per unit n-link, as in Rother et al. 2004). */
export const GAMMA = 50;
/** Terminal capacity that makes a seed hard: larger than any sum of n-links of one node. */
const HARD = 1e6;

export interface WorkImage {
  w: number;
  h: number;
  scale: number; // working pixels per image pixel
  rgb: Uint8Array;
  /** n-link weights to the right, down, down-right and down-left neighbour (4 per pixel). */
  links: Float32Array;
  bytes: number;
  graph?: MaxFlowGraph;
}

const workCache = new WeakMap<RgbImage, WorkImage>();

/** The image at working resolution with its n-links; cached per decoded image object. */
export function workImage(img: RgbImage): WorkImage {
  const hit = workCache.get(img);
  if (hit) return hit;
  const scale = Math.min(1, WORK_SIDE / Math.max(img.width, img.height));
  const w = Math.max(1, Math.round(img.width * scale));
  const h = Math.max(1, Math.round(img.height * scale));
  const rgb = scale === 1 ? img.data : areaResize(img, w, h);
  const links = nlinks(rgb, w, h);
  const wi: WorkImage = { w, h, scale: w / img.width, rgb, links, bytes: rgb.byteLength + links.byteLength };
  workCache.set(img, wi);
  return wi;
}

/** Bytes held for an image's working copy and graph (0 when never segmented). */
export function workBytes(img: RgbImage): number {
  return workCache.get(img)?.bytes ?? 0;
}

/** Box-filter downsampling (each output pixel averages the input pixels it covers). */
function areaResize(img: RgbImage, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h * 3);
  const sx = img.width / w;
  const sy = img.height / h;
  for (let y = 0; y < h; y++) {
    const y0 = Math.floor(y * sy);
    const y1 = Math.max(y0 + 1, Math.floor((y + 1) * sy));
    for (let x = 0; x < w; x++) {
      const x0 = Math.floor(x * sx);
      const x1 = Math.max(x0 + 1, Math.floor((x + 1) * sx));
      let r = 0;
      let g = 0;
      let b = 0;
      for (let yy = y0; yy < y1; yy++) {
        for (let xx = x0, p = (yy * img.width + x0) * 3; xx < x1; xx++, p += 3) {
          r += img.data[p];
          g += img.data[p + 1];
          b += img.data[p + 2];
        }
      }
      const n = (y1 - y0) * (x1 - x0);
      const o = (y * w + x) * 3;
      out[o] = r / n;
      out[o + 1] = g / n;
      out[o + 2] = b / n;
    }
  }
  return out;
}

/** The 4 forward neighbours of the 8-neighbourhood: [dx, dy, 1 / distance]. */
export const OFFSETS: Array<[number, number, number]> = [
  [1, 0, 1],
  [0, 1, 1],
  [1, 1, Math.SQRT1_2],
  [-1, 1, Math.SQRT1_2],
];

// Edge weights: w = γ / dist · exp(-β |Ip - Iq|²), β = 1 / (2 <|Ip - Iq|²>) over the image (Rother et al.).

/** Squared RGB distance between pixels p and q of an interleaved RGB buffer. */
export function colourDist2(rgb: Uint8Array, p: number, q: number): number {
  const a = rgb[3 * p] - rgb[3 * q];
  const b = rgb[3 * p + 1] - rgb[3 * q + 1];
  const c = rgb[3 * p + 2] - rgb[3 * q + 2];
  return a * a + b * b + c * c;
}

function nlinks(rgb: Uint8Array, w: number, h: number): Float32Array {
  const d2 = (p: number, q: number) => colourDist2(rgb, p, q);
  let sum = 0;
  let cnt = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (const [dx, dy] of OFFSETS) {
        const nx = x + dx;
        const ny = y + dy;
        if (nx < 0 || nx >= w || ny >= h) continue;
        sum += d2(y * w + x, ny * w + nx);
        cnt++;
      }
    }
  }
  const beta = sum > 0 ? cnt / (2 * sum) : 0;
  const links = new Float32Array(4 * w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      OFFSETS.forEach(([dx, dy, inv], k) => {
        const nx = x + dx;
        const ny = y + dy;
        if (nx < 0 || nx >= w || ny >= h) return;
        links[4 * p + k] = GAMMA * inv * Math.exp(-beta * d2(p, ny * w + nx));
      });
    }
  }
  return links;
}

/**
 * Minimises Σ unary + Σ n-links by an s-t cut. `costFg[p]` / `costBg[p]` are the energies of
 * labelling p object / background; `seed[p]` is 1 (hard object), 2 (hard background) or 0.
 * Returns 0/1 labels at working resolution.
 */
export function solveCut(wi: WorkImage, costFg: Float32Array, costBg: Float32Array, seed: Uint8Array): Uint8Array {
  const n = wi.w * wi.h;
  const g = gridGraph(wi);
  g.reset();
  for (let p = 0; p < n; p++) {
    // The source side is "object": cutting s->p (p becomes background) costs costBg[p].
    if (seed[p] === 1) g.addTerminal(p, HARD, 0);
    else if (seed[p] === 2) g.addTerminal(p, 0, HARD);
    else {
      const m = Math.min(costFg[p], costBg[p]);
      g.addTerminal(p, costBg[p] - m, costFg[p] - m);
    }
  }
  g.maxflow();
  const out = new Uint8Array(n);
  for (let p = 0; p < n; p++) out[p] = g.inSourceSet(p) ? 1 : 0;
  return out;
}

/** The n-link graph of the working image, built once per image and reset for every cut. */
function gridGraph(wi: WorkImage): MaxFlowGraph {
  if (wi.graph) return wi.graph;
  const { w, h, links } = wi;
  const g = new MaxFlowGraph(w * h, 4 * w * h);
  const step = OFFSETS.map(([dx, dy]) => dy * w + dx);
  for (let p = 0; p < w * h; p++) {
    for (let k = 0; k < 4; k++) {
      const c = links[4 * p + k];
      if (c > 0) g.addEdge(p, p + step[k], c, c);
    }
  }
  g.snapshotArcs();
  wi.graph = g;
  wi.bytes += g.bytes;
  return g;
}

/** Unary colour costs -log p(colour | model) at working resolution. */
export function colourCosts(wi: WorkImage, fg: Gmm, bg: Gmm): { costFg: Float32Array; costBg: Float32Array } {
  const n = wi.w * wi.h;
  const costFg = new Float32Array(n);
  const costBg = new Float32Array(n);
  const c = wi.rgb;
  for (let p = 0; p < n; p++) {
    costFg[p] = -gmmLogLikelihood(fg, c[3 * p], c[3 * p + 1], c[3 * p + 2]);
    costBg[p] = -gmmLogLikelihood(bg, c[3 * p], c[3 * p + 1], c[3 * p + 2]);
  }
  return { costFg, costBg };
}

/** Sets `value` in a disk of `radius` working pixels around an image-pixel point. */
export function stampDisk(wi: WorkImage, out: Uint8Array, x: number, y: number, radius: number, value: number): void {
  const cx = (x + 0.5) * wi.scale - 0.5;
  const cy = (y + 0.5) * wi.scale - 0.5;
  const r = Math.max(0.5, radius);
  for (let yy = Math.max(0, Math.floor(cy - r)); yy <= Math.min(wi.h - 1, Math.ceil(cy + r)); yy++) {
    for (let xx = Math.max(0, Math.floor(cx - r)); xx <= Math.min(wi.w - 1, Math.ceil(cx + r)); xx++) {
      if ((xx - cx) ** 2 + (yy - cy) ** 2 <= r * r) out[yy * wi.w + xx] = value;
    }
  }
  // A click always marks at least its own pixel, however small the radius.
  const px = Math.min(wi.w - 1, Math.max(0, Math.round(cx)));
  const py = Math.min(wi.h - 1, Math.max(0, Math.round(cy)));
  out[py * wi.w + px] = value;
}

/** Rasterises scribble polylines as disks every half working pixel along each segment. */
export function stampScribbles(wi: WorkImage, out: Uint8Array, scribbles: Scribble[], radius: number, fgValue: number, bgValue: number): void {
  for (const s of scribbles) {
    const v = s.positive ? fgValue : bgValue;
    for (let i = 0; i < s.points.length; i++) {
      const [x0, y0] = s.points[i];
      const [x1, y1] = s.points[Math.min(i + 1, s.points.length - 1)];
      const len = Math.hypot(x1 - x0, y1 - y0) * wi.scale;
      const steps = Math.max(1, Math.ceil(len * 2));
      for (let k = 0; k <= steps; k++) stampDisk(wi, out, x0 + ((x1 - x0) * k) / steps, y0 + ((y1 - y0) * k) / steps, radius, v);
    }
  }
}

/** Hard seeds (1 object, 2 background) from clicks and scribbles, later ones winning. */
export function seedsFrom(wi: WorkImage, clicks: Click[], scribbles: Scribble[] | undefined, radius: number): Uint8Array {
  const seed = new Uint8Array(wi.w * wi.h);
  if (scribbles) stampScribbles(wi, seed, scribbles, Math.max(1, radius * 0.6), 1, 2);
  for (const c of clicks) stampDisk(wi, seed, c.x, c.y, radius, c.positive ? 1 : 2);
  return seed;
}

/** A full-resolution 0/1 mask reduced to working pixels (majority of the covered area). */
export function maskToWork(wi: WorkImage, mask: Uint8Array, width: number, height: number, box?: PixelBox | null): Uint8Array {
  const out = new Uint8Array(wi.w * wi.h);
  if (box === null) return out;
  const sx = width / wi.w;
  const sy = height / wi.h;
  // With the mask's box known (the worker reads it off the RLE), only the working pixels whose
  // blocks meet it are counted: a photo's mask is 24-64 MB, the object's box a fraction of it.
  const [wx0, wx1] = box ? [Math.max(0, Math.floor(box.x0 / sx) - 1), Math.min(wi.w, Math.ceil(box.x1 / sx) + 1)] : [0, wi.w];
  const [wy0, wy1] = box ? [Math.max(0, Math.floor(box.y0 / sy) - 1), Math.min(wi.h, Math.ceil(box.y1 / sy) + 1)] : [0, wi.h];
  for (let y = wy0; y < wy1; y++) {
    const y0 = Math.floor(y * sy);
    const y1 = Math.max(y0 + 1, Math.floor((y + 1) * sy));
    for (let x = wx0; x < wx1; x++) {
      const x0 = Math.floor(x * sx);
      const x1 = Math.max(x0 + 1, Math.floor((x + 1) * sx));
      let s = 0;
      for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) s += mask[yy * width + xx] ? 1 : 0;
      out[y * wi.w + x] = 2 * s >= (y1 - y0) * (x1 - x0) ? 1 : 0;
    }
  }
  return out;
}

/** Working-pixel rectangle [x0, y0, x1, y1) of an image-pixel box, clamped to the image. */
export function boxToWork(wi: WorkImage, box: Box): [number, number, number, number] {
  const c = (v: number, hi: number) => Math.min(hi, Math.max(0, v));
  return [
    c(Math.floor(box[0] * wi.scale), wi.w - 1),
    c(Math.floor(box[1] * wi.scale), wi.h - 1),
    c(Math.ceil(box[2] * wi.scale), wi.w),
    c(Math.ceil(box[3] * wi.scale), wi.h),
  ];
}

/**
 * Keeps the 8-connected components of `labels` that contain a pixel with keep[p] set; when no
 * pixel is set in `keep`, keeps everything. Removes the islands a colour model leaves far away.
 */
export function keepComponents(labels: Uint8Array, w: number, h: number, keep: (p: number) => boolean): Uint8Array {
  const n = w * h;
  const comp = new Int32Array(n).fill(-1);
  const stack = new Int32Array(n);
  const keepComp: boolean[] = [];
  let any = false;
  let nc = 0;
  for (let p0 = 0; p0 < n; p0++) {
    if (!labels[p0] || comp[p0] >= 0) continue;
    let sp = 0;
    stack[sp++] = p0;
    comp[p0] = nc;
    let kept = false;
    while (sp > 0) {
      const p = stack[--sp];
      if (keep(p)) kept = true;
      const x = p % w;
      const y = (p - x) / w;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          const ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
          const q = ny * w + nx;
          if (labels[q] && comp[q] < 0) {
            comp[q] = nc;
            stack[sp++] = q;
          }
        }
      }
    }
    keepComp.push(kept);
    any ||= kept;
    nc++;
  }
  if (!any) return labels;
  const out = new Uint8Array(n);
  for (let p = 0; p < n; p++) out[p] = comp[p] >= 0 && keepComp[comp[p]] ? 1 : 0;
  return out;
}

/** Mean posterior p(object | colour) over the mask, in [0, 1]; 0 for an empty mask. */
export function meanPosterior(wi: WorkImage, labels: Uint8Array, costFg: Float32Array, costBg: Float32Array): number {
  let s = 0;
  let n = 0;
  for (let p = 0; p < labels.length; p++) {
    if (!labels[p]) continue;
    s += 1 / (1 + Math.exp(costFg[p] - costBg[p]));
    n++;
  }
  return n ? s / n : 0;
}
