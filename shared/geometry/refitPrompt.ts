// The prompt that fits an existing mask to the image with a click model: a mask pasted from the
// previous frame of a sequence (the object moved a little), or one imported from another model.
// A positive click where the mask is most surely the object (its interior point farthest from its
// boundary), the mask's box grown by a margin on each side (the object may have moved out of it),
// and the mask itself as the previous mask: measured on COCO_MVal_dev with the mask shifted by 5,
// 10 or 20% of the object's size (`npm run eval -- --refit`), this beat the click alone, the box
// alone and the box with the mask.
import { squaredDistanceTransform } from './distanceTransform';
import { maskBbox } from './maskBbox';

/** Margin of the box, as a fraction of the mask's width and height, on each side. */
export const REFIT_BOX_MARGIN = 0.15;
/** Photo-sized masks are searched on a grid of at most this many samples a side. */
const GRID = 512;

export interface RefitPrompt {
  click: { x: number; y: number; positive: true };
  box: [number, number, number, number];
}

/** The re-fit prompt of a row-major 0/1 mask, or null when it is empty. */
export function refitPrompt(mask: Uint8Array, width: number, height: number): RefitPrompt | null {
  const bb = maskBbox(mask, width, height);
  if (!bb) return null;
  const bw = bb.x1 - bb.x0;
  const bh = bb.y1 - bb.y0;
  // Each grid cell reads the mask at its centre pixel, so the point found is a mask pixel.
  const s = Math.max(1, Math.ceil(Math.max(bw, bh) / GRID));
  const gw = Math.ceil(bw / s);
  const gh = Math.ceil(bh / s);
  const px = (i: number) => Math.min(bb.x1 - 1, bb.x0 + i * s + (s >> 1));
  const py = (j: number) => Math.min(bb.y1 - 1, bb.y0 + j * s + (s >> 1));
  const grid = new Uint8Array(gw * gh);
  for (let j = 0; j < gh; j++) {
    const row = py(j) * width;
    for (let i = 0; i < gw; i++) grid[j * gw + i] = mask[row + px(i)] ? 1 : 0;
  }
  // A mask thinner than the grid's step has no sample inside: then its first pixel.
  const far = thickest(grid, gw, gh);
  const click = far ? { x: px(far.x), y: py(far.y), positive: true as const } : firstPixel(mask, width, bb);
  const mx = REFIT_BOX_MARGIN * bw;
  const my = REFIT_BOX_MARGIN * bh;
  const box: [number, number, number, number] = [Math.max(0, bb.x0 - mx), Math.max(0, bb.y0 - my), Math.min(width, bb.x1 + mx), Math.min(height, bb.y1 + my)];
  return { click, box };
}

/**
 * The sample farthest from the background. Ties (a rectangle's whole middle line) go to the tied
 * sample nearest their mean, so the click sits in the middle of the object as a person would put
 * it, not at the first one in row order.
 */
function thickest(grid: Uint8Array, gw: number, gh: number): { x: number; y: number } | null {
  const d = squaredDistanceTransform(grid, gw, gh);
  let max = 0;
  for (let i = 0; i < d.length; i++) if (d[i] > max) max = d[i];
  if (max === 0) return null;
  const tied: number[] = [];
  for (let i = 0; i < d.length; i++) if (d[i] === max) tied.push(i);
  const mx = tied.reduce((s, i) => s + (i % gw), 0) / tied.length;
  const my = tied.reduce((s, i) => s + Math.floor(i / gw), 0) / tied.length;
  let best = tied[0];
  let bestD = Infinity;
  for (const i of tied) {
    const e = (i % gw - mx) ** 2 + (Math.floor(i / gw) - my) ** 2;
    if (e < bestD) [best, bestD] = [i, e];
  }
  return { x: best % gw, y: Math.floor(best / gw) };
}

function firstPixel(mask: Uint8Array, width: number, bb: { x0: number; y0: number; x1: number }): { x: number; y: number; positive: true } {
  for (let x = bb.x0; x < bb.x1; x++) if (mask[bb.y0 * width + x]) return { x, y: bb.y0, positive: true };
  return { x: bb.x0, y: bb.y0, positive: true };
}
