// Interactive graph cut (Boykov & Jolly 2001) for clicks and scribbles.
// - Hard seeds: a disk around every click, the scribble strokes.
// - Colour models (GMMs): object from the positive seeds' neighbourhood and the previous mask;
//   background from the negative seeds, the outside of the previous mask, or (first click) the
//   image away from the positive clicks.
// - A mild distance prior keeps the first click's mask near the click; with a previous mask a
//   prior towards it, weakened near the newest click, keeps edits local.
// - Runs at working resolution (long side 320), upsampled with edge-aware refinement.
import { fitGmm, type Gmm } from './gmm';
import { colourCosts, keepComponents, maskToWork, meanPosterior, seedsFrom, solveCut, workImage, type WorkImage } from './grid';
import { upsampleLabels } from './upsample';
import { freshBuffers } from './maskBuffers';
import type { Click, SegmentInput, SegmentOutput } from './types';

/** Tuning knobs (tuned on a spread of COCO_MVal_dev; exported so the tuning script can vary them). */
export const GRAPHCUT_PARAMS = {
  /** Seed radius in working pixels (long side 320: 4 px ≈ 1.2% of the side). */
  seedRadius: 4,
  /** Radius of the colour sample taken around a positive click, in working pixels. */
  sampleRadius: 12,
  /** Energy added per working-diagonal of distance from the nearest positive click (first click). */
  distPrior: 6,
  /** Energy for disagreeing with the previous mask, far from the newest click. */
  prevPrior: 0.5,
  /** First interaction: background colours from a border strip this wide (fraction of the side); 0 = everything away from the clicks. */
  bgBorder: 0.06,
  /** With a previous mask: whether everything outside it counts as background colour (else border + negatives only). */
  prevBg: true,
};

export function segmentGraphCut(input: SegmentInput): SegmentOutput {
  const { image } = input;
  const wi = workImage(image);
  const n = wi.w * wi.h;
  const seed = seedsFrom(wi, input.clicks, input.scribbles, GRAPHCUT_PARAMS.seedRadius);
  const prev = input.prevMask ? maskToWork(wi, input.prevMask, image.width, image.height, input.prevBox) : null;
  const positives = input.clicks.filter((c) => c.positive);
  if (!positives.length && !prev && !(input.scribbles ?? []).some((s) => s.positive)) {
    // Nothing says where the object is: only background was marked.
    return { mask: (input.buffers ?? freshBuffers).take(image.width * image.height), score: 0 };
  }

  // Colour samples (pixel indices).
  const fgIdx = new IndexList(n);
  const bgIdx = new IndexList(2 * n);
  const near = new Uint8Array(n);
  for (const c of positives) stampDiskMask(wi, near, c, GRAPHCUT_PARAMS.sampleRadius);
  for (let p = 0; p < n; p++) {
    if (seed[p] === 1 || near[p] || (prev && prev[p] && seed[p] !== 2)) fgIdx.push(p);
    else if (seed[p] === 2 || (prev && !prev[p] && GRAPHCUT_PARAMS.prevBg)) bgIdx.push(p);
  }
  if (!prev || !GRAPHCUT_PARAMS.prevBg) {
    // First interaction: everything away from the positive clicks stands for the background.
    // Objects rarely fill the image border, so the border strip stands for the background.
    const bw = Math.max(1, Math.round(GRAPHCUT_PARAMS.bgBorder * Math.max(wi.w, wi.h)));
    for (let y = 0, p = 0; y < wi.h; y++) {
      for (let x = 0; x < wi.w; x++, p++) {
        if (near[p] || seed[p] === 1 || seed[p] === 2) continue;
        const border = x < bw || y < bw || x >= wi.w - bw || y >= wi.h - bw;
        if (GRAPHCUT_PARAMS.bgBorder <= 0 || border) bgIdx.push(p);
      }
    }
  }
  const fg = fitFrom(wi, fgIdx);
  const bg = fitFrom(wi, bgIdx);
  const { costFg, costBg } = colourCosts(wi, fg, bg);

  const diag = Math.sqrt(wi.w * wi.w + wi.h * wi.h);
  if (positives.length && !prev) {
    const dist = distanceToClicks(wi, positives);
    for (let p = 0; p < n; p++) costFg[p] += (GRAPHCUT_PARAMS.distPrior * dist[p]) / diag;
  }
  if (prev) {
    // Near the newest click the previous mask is least trusted: that is where the user disagreed.
    const last = input.clicks[input.clicks.length - 1];
    const dist = last ? distanceToClicks(wi, [last]) : null;
    for (let p = 0; p < n; p++) {
      const trust = dist ? Math.min(1, dist[p] / (0.1 * diag)) : 1;
      if (prev[p]) costBg[p] += GRAPHCUT_PARAMS.prevPrior * trust;
      else costFg[p] += GRAPHCUT_PARAMS.prevPrior * trust;
    }
  }

  let labels = solveCut(wi, costFg, costBg, seed);
  // Keep the pieces that hold a positive seed (or, with none, overlap the previous mask).
  labels = keepComponents(labels, wi.w, wi.h, (p) => seed[p] === 1 || (!positives.length && !!prev && prev[p] === 1));
  const score = meanPosterior(wi, labels, costFg, costBg);
  return { mask: upsampleLabels(wi, labels, image, fg, bg, input.buffers?.take(image.width * image.height)), score };
}

/** A growable-free list of pixel indices (capacity known up front). */
class IndexList {
  readonly items: Int32Array;
  length = 0;
  constructor(capacity: number) {
    this.items = new Int32Array(capacity);
  }
  push(p: number): void {
    this.items[this.length++] = p;
  }
}

function fitFrom(wi: WorkImage, idx: IndexList): Gmm {
  const rgb = new Uint8Array(idx.length * 3);
  for (let i = 0; i < idx.length; i++) {
    const p = idx.items[i];
    rgb[3 * i] = wi.rgb[3 * p];
    rgb[3 * i + 1] = wi.rgb[3 * p + 1];
    rgb[3 * i + 2] = wi.rgb[3 * p + 2];
  }
  return fitGmm(rgb, idx.length);
}

function stampDiskMask(wi: WorkImage, out: Uint8Array, c: Click, r: number): void {
  const cx = (c.x + 0.5) * wi.scale - 0.5;
  const cy = (c.y + 0.5) * wi.scale - 0.5;
  for (let y = Math.max(0, Math.floor(cy - r)); y <= Math.min(wi.h - 1, Math.ceil(cy + r)); y++) {
    for (let x = Math.max(0, Math.floor(cx - r)); x <= Math.min(wi.w - 1, Math.ceil(cx + r)); x++) {
      if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) out[y * wi.w + x] = 1;
    }
  }
}

/** Euclidean distance in working pixels from each pixel to the nearest of `clicks`. */
function distanceToClicks(wi: WorkImage, clicks: Click[]): Float32Array {
  const d = new Float32Array(wi.w * wi.h).fill(Infinity);
  for (const c of clicks) {
    const cx = (c.x + 0.5) * wi.scale - 0.5;
    const cy = (c.y + 0.5) * wi.scale - 0.5;
    for (let y = 0; y < wi.h; y++) {
      const dy2 = (y - cy) * (y - cy);
      for (let x = 0, p = y * wi.w; x < wi.w; x++, p++) {
        const v = Math.sqrt((x - cx) * (x - cx) + dy2); // not Math.hypot: several times slower in V8
        if (v < d[p]) d[p] = v;
      }
    }
  }
  return d;
}
