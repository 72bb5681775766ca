// GrabCut (Rother, Kolmogorov & Blake 2004): a box, iterated GMM colour models and graph cuts.
// Outside the box is hard background; clicks inside are hard seeds; the labelling starts from the
// previous mask when there is one (clipped to the box), else from "everything in the box".
import { maskBbox, type PixelBox } from '../../../shared/geometry/maskBbox';
import { fitGmm, type Gmm } from './gmm';
import { boxToWork, colourCosts, keepComponents, maskToWork, meanPosterior, seedsFrom, solveCut, workImage, type WorkImage } from './grid';
import { upsampleLabels } from './upsample';
import type { Box, SegmentInput, SegmentOutput } from './types';

/** GrabCut iterations (the paper converges in a handful; 4 is a good cost/quality point). */
export const GRABCUT_ITERATIONS = 4;
const SEED_RADIUS = 4;

export function segmentGrabCut(input: SegmentInput & { box: Box }): SegmentOutput {
  const { image } = input;
  const wi = workImage(image);
  const n = wi.w * wi.h;
  const [bx0, by0, bx1, by1] = boxToWork(wi, input.box);
  const seed = seedsFrom(wi, input.clicks, input.scribbles, SEED_RADIUS);
  const inBox = new Uint8Array(n);
  for (let y = by0; y < by1; y++) for (let x = bx0; x < bx1; x++) inBox[y * wi.w + x] = 1;
  for (let p = 0; p < n; p++) if (!inBox[p] && seed[p] !== 1) seed[p] = 2;

  let labels: Uint8Array = new Uint8Array(n);
  if (input.prevMask) {
    const prev = maskToWork(wi, input.prevMask, image.width, image.height, input.prevBox);
    for (let p = 0; p < n; p++) labels[p] = inBox[p] && prev[p] ? 1 : 0;
  } else labels.set(inBox);
  for (let p = 0; p < n; p++) if (seed[p]) labels[p] = seed[p] === 1 ? 1 : 0;

  let fg: Gmm | null = null;
  let bg: Gmm | null = null;
  let costs: { costFg: Float32Array; costBg: Float32Array } = { costFg: new Float32Array(n), costBg: new Float32Array(n) };
  for (let it = 0; it < GRABCUT_ITERATIONS; it++) {
    fg = fitLabelled(wi, labels, 1);
    bg = fitLabelled(wi, labels, 0);
    costs = colourCosts(wi, fg, bg);
    const next = solveCut(wi, costs.costFg, costs.costBg, seed);
    let changed = 0;
    for (let p = 0; p < n; p++) if (next[p] !== labels[p]) changed++;
    labels = next;
    if (changed < n * 0.001) break; // converged
  }
  if (input.clicks.some((c) => c.positive)) labels = keepComponents(labels, wi.w, wi.h, (p) => seed[p] === 1);
  const score = meanPosterior(wi, labels, costs.costFg, costs.costBg);
  return { mask: upsampleLabels(wi, labels, image, fg, bg, input.buffers?.take(image.width * image.height)), score };
}

function fitLabelled(wi: WorkImage, labels: Uint8Array, value: number): Gmm {
  let count = 0;
  for (let p = 0; p < labels.length; p++) if (labels[p] === value) count++;
  const rgb = new Uint8Array(count * 3);
  for (let p = 0, i = 0; p < labels.length; p++) {
    if (labels[p] !== value) continue;
    rgb[i++] = wi.rgb[3 * p];
    rgb[i++] = wi.rgb[3 * p + 1];
    rgb[i++] = wi.rgb[3 * p + 2];
  }
  return fitGmm(rgb, count);
}

/** A mask's bounding box (the caller's `known` one, else scanned), padded by `pad` of its size on
 *  each side; null when empty. */
export function maskBox(mask: Uint8Array, width: number, height: number, known?: PixelBox | null, pad = 0.1): Box | null {
  const b = known !== undefined ? known : maskBbox(mask, width, height);
  if (!b) return null;
  const px = (b.x1 - b.x0) * pad;
  const py = (b.y1 - b.y0) * pad;
  return [Math.max(0, b.x0 - px), Math.max(0, b.y0 - py), Math.min(width, b.x1 + px), Math.min(height, b.y1 + py)];
}
