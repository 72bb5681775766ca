// Interactive graph cut (Boykov & Jolly 2001) for clicks and scribbles.
// - Hard seeds: a disk around every click, the scribble strokes.
// - Colour models (GMMs): object from the positive seeds' neighbourhood and the previous mask;
//   background from the negative seeds, the outside of the previous mask, or (first click) the
//   image away from the positive clicks.
// - A mild distance prior keeps the first click's mask near the click; with a previous mask a
//   prior towards it, weakened near the newest click, keeps edits local.
// - Runs at working resolution (long side 320), upsampled with edge-aware refinement.
import { fitGmm, type Gmm } from './gmm';
import { colourCosts, keepComponents, maskToWork, meanPosterior, seedsFrom, solveCut, upsampleLabels, workImage, type WorkImage } from './grid';
import type { Click, SegmentInput, SegmentOutput } from './types';

/** Seed radius in working pixels (long side 320: 4 px ≈ 1.2% of the side). */
const SEED_RADIUS = 4;
/** Radius of the colour sample taken around a positive click, in working pixels. */
const SAMPLE_RADIUS = 12;
/** Energy added per working-diagonal fraction of distance from the nearest positive click. */
const DIST_PRIOR = 6;
/** Energy for disagreeing with the previous mask, far from the newest click. */
const PREV_PRIOR = 1.5;

export function segmentGraphCut(input: SegmentInput): SegmentOutput {
  const { image } = input;
  const wi = workImage(image);
  const n = wi.w * wi.h;
  const seed = seedsFrom(wi, input.clicks, input.scribbles, SEED_RADIUS);
  const prev = input.prevMask ? maskToWork(wi, input.prevMask, image.width, image.height) : null;
  const positives = input.clicks.filter((c) => c.positive);

  // Colour samples.
  const fgIdx: number[] = [];
  const bgIdx: number[] = [];
  const near = new Uint8Array(n);
  for (const c of positives) stampDiskMask(wi, near, c, SAMPLE_RADIUS);
  for (let p = 0; p < n; p++) {
    if (seed[p] === 1 || near[p] || (prev && prev[p] && seed[p] !== 2)) fgIdx.push(p);
    else if (seed[p] === 2 || (prev && !prev[p])) bgIdx.push(p);
  }
  if (!prev) {
    // First interaction: everything away from the positive clicks stands for the background.
    for (let p = 0; p < n; p++) if (!near[p] && seed[p] !== 1 && seed[p] !== 2) bgIdx.push(p);
  }
  const fg = fitFrom(wi, fgIdx);
  const bg = fitFrom(wi, bgIdx);
  const { costFg, costBg } = colourCosts(wi, fg, bg);

  const diag = Math.hypot(wi.w, wi.h);
  if (positives.length && !prev) {
    const dist = distanceToClicks(wi, positives);
    for (let p = 0; p < n; p++) costFg[p] += (DIST_PRIOR * dist[p]) / diag;
  }
  if (prev) {
    // Near the newest click the previous mask is least trusted: that is where the user disagreed.
    const last = input.clicks[input.clicks.length - 1];
    const dist = last ? distanceToClicks(wi, [last]) : null;
    for (let p = 0; p < n; p++) {
      const trust = dist ? Math.min(1, dist[p] / (0.1 * diag)) : 1;
      if (prev[p]) costBg[p] += PREV_PRIOR * trust;
      else costFg[p] += PREV_PRIOR * trust;
    }
  }

  let labels = solveCut(wi, costFg, costBg, seed);
  // Keep the pieces that hold a positive seed (or, with none, overlap the previous mask).
  labels = keepComponents(labels, wi.w, wi.h, (p) => seed[p] === 1 || (!positives.length && !!prev && prev[p] === 1));
  const score = meanPosterior(wi, labels, costFg, costBg);
  return { mask: upsampleLabels(wi, labels, image, fg, bg), score };
}

function fitFrom(wi: WorkImage, idx: number[]): Gmm {
  const rgb = new Uint8Array(idx.length * 3);
  idx.forEach((p, i) => {
    rgb[3 * i] = wi.rgb[3 * p];
    rgb[3 * i + 1] = wi.rgb[3 * p + 1];
    rgb[3 * i + 2] = wi.rgb[3 * p + 2];
  });
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
      for (let x = 0; x < wi.w; x++) {
        const v = Math.hypot(x - cx, y - cy);
        const p = y * wi.w + x;
        if (v < d[p]) d[p] = v;
      }
    }
  }
  return d;
}
