/**
 * Mask clean-up an annotator asks for after a model or a brush: fill the holes of an object, or
 * remove the specks around it. Both work on the mask's bounding box (plus a one-pixel frame, so a
 * hole is background that cannot reach the frame), so a small object on a 64 MP photo costs what
 * the object costs.
 */
import { decodeRle, encodeRle, rleBbox, rleCounts, type Rle } from '../codecs/rle';
import { connectedComponents } from './components';
import type { PixelBox } from './maskBbox';
import { rleParts } from './rleParts';

/** Parts of an object smaller than this share of its area (or than MIN_SPECK_PX) are specks. */
export const SPECK_SHARE = 0.01;
export const MIN_SPECK_PX = 10;

/** What a speck is: a part under `share` of its object's area, or under `pixels` (a project may
 *  set its own, settings.checks.thresholds; the largest part is never one). */
export interface SpeckRule {
  share: number;
  pixels: number;
}
export const DEFAULT_SPECKS: SpeckRule = { share: SPECK_SHARE, pixels: MIN_SPECK_PX };

/** The area under which a part of an object of `total` pixels is a speck. */
export const speckBelow = (total: number, rule: SpeckRule = DEFAULT_SPECKS) => Math.max(rule.pixels, rule.share * total);

/** An object's area and its parts (their areas) other than the largest (one of them, on a tie,
 *  as removeSpecks keeps one label). Loops: a noisy mask has more parts than a call's arguments. */
export function otherParts(parts: readonly number[]): { total: number; others: number[] } {
  let total = 0;
  let largest = -1;
  parts.forEach((p, i) => {
    total += p;
    if (largest < 0 || p > parts[largest]) largest = i;
  });
  return { total, others: parts.filter((_, i) => i !== largest) };
}

/** How many of `others` (an object's parts other than the largest) are specks of an object of `total` pixels. */
export function specksAmong(total: number, others: readonly number[], rule: SpeckRule = DEFAULT_SPECKS): number {
  const below = speckBelow(total, rule);
  return others.reduce((n, p) => n + (p < below ? 1 : 0), 0);
}

/** How many of an object's parts (their areas) are specks: the largest never. */
export function speckCount(parts: readonly number[], rule: SpeckRule = DEFAULT_SPECKS): number {
  const { total, others } = otherParts(parts);
  return specksAmong(total, others, rule);
}

/** The crop of `mask` (row-major, `width` wide) to `box` grown by one pixel on each side, zero outside the image. */
function crop(mask: Uint8Array, width: number, height: number, box: PixelBox): { data: Uint8Array; w: number; h: number; x0: number; y0: number } {
  const x0 = box.x0 - 1;
  const y0 = box.y0 - 1;
  const w = box.x1 - box.x0 + 2;
  const h = box.y1 - box.y0 + 2;
  const data = new Uint8Array(w * h);
  for (let y = Math.max(0, y0); y < Math.min(height, y0 + h); y++) {
    for (let x = Math.max(0, x0); x < Math.min(width, x0 + w); x++) data[(y - y0) * w + (x - x0)] = mask[y * width + x] ? 1 : 0;
  }
  return { data, w, h, x0, y0 };
}

/**
 * Fills every hole of the object in place: background pixels of `box` that no 4-connected path of
 * background leads out of the box. Returns how many pixels it filled.
 */
export function fillHoles(mask: Uint8Array, width: number, height: number, box: PixelBox): number {
  const c = crop(mask, width, height, box);
  const inverse = c.data.map((v) => (v ? 0 : 1));
  const { labels } = connectedComponents(inverse, c.w, c.h, 4);
  // The frame's background component (label of the corner: the frame is never object).
  const outside = labels[0];
  let filled = 0;
  for (let y = 1; y < c.h - 1; y++) {
    for (let x = 1; x < c.w - 1; x++) {
      const l = labels[y * c.w + x];
      if (l === 0 || l === outside) continue;
      mask[(y + c.y0) * width + (x + c.x0)] = 1;
      filled++;
    }
  }
  return filled;
}

/** The object's 8-connected parts in its box: labels, areas, the largest, and the speck threshold. */
function parts(mask: Uint8Array, width: number, height: number, box: PixelBox, rule: SpeckRule) {
  const c = crop(mask, width, height, box);
  const { labels, count, areas } = connectedComponents(c.data, c.w, c.h, 8);
  let total = 0;
  let largest = 1;
  for (let l = 1; l <= count; l++) {
    total += areas[l];
    if (areas[l] > areas[largest]) largest = l;
  }
  return { c, labels, count, areas, largest, minArea: speckBelow(total, rule) };
}

/**
 * Removes, in place, the object's 8-connected parts that are specks by `rule` (by default under
 * {@link SPECK_SHARE} of its area or {@link MIN_SPECK_PX}); the largest part always stays. Returns
 * how many pixels it removed.
 */
export function removeSpecks(mask: Uint8Array, width: number, height: number, box: PixelBox, rule: SpeckRule = DEFAULT_SPECKS): number {
  const { c, labels, areas, largest, minArea } = parts(mask, width, height, box, rule);
  let removed = 0;
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (l === 0 || l === largest || areas[l] >= minArea) continue;
    const x = i % c.w;
    const y = (i - x) / c.w;
    mask[(y + c.y0) * width + (x + c.x0)] = 0;
    removed++;
  }
  return removed;
}

/**
 * Takes the object's 8-connected parts other than the largest out of `mask`, in place, for an
 * object that is really several: each part that is no speck by `rule` is handed to `part` as a whole-image mask holding only it (a buffer reused
 * between calls: encode it before returning) with its box; specks stay with the largest part, so
 * no pixel is lost. Returns how many parts it took out.
 */
export function splitParts(mask: Uint8Array, width: number, height: number, box: PixelBox, part: (pixels: Uint8Array, box: PixelBox) => void, rule: SpeckRule = DEFAULT_SPECKS): number {
  const { c, labels, count, areas, largest, minArea } = parts(mask, width, height, box, rule);
  const scratch = new Uint8Array(width * height);
  let taken = 0;
  for (let l = 1; l <= count; l++) {
    if (l === largest || areas[l] < minArea) continue;
    const b = { x0: width, y0: height, x1: 0, y1: 0 };
    const at: number[] = [];
    for (let i = 0; i < labels.length; i++) {
      if (labels[i] !== l) continue;
      const x = (i % c.w) + c.x0;
      const y = Math.floor(i / c.w) + c.y0;
      at.push(y * width + x);
      b.x0 = Math.min(b.x0, x);
      b.y0 = Math.min(b.y0, y);
      b.x1 = Math.max(b.x1, x + 1);
      b.y1 = Math.max(b.y1, y + 1);
    }
    for (const p of at) {
      scratch[p] = 1;
      mask[p] = 0;
    }
    part(scratch, b);
    for (const p of at) scratch[p] = 0;
    taken++;
  }
  return taken;
}

/**
 * The mask with its specks removed (removeSpecks), and how many pixels went; null when it has
 * none. Its parts are read off the runs first, so a mask without specks is never decoded.
 */
export function withoutSpecks(mask: Rle, rule: SpeckRule = DEFAULT_SPECKS): { mask: Rle; removed: number } | null {
  const [h, w] = mask.size;
  if (!speckCount(rleParts(rleCounts(mask), h), rule)) return null;
  const { data } = decodeRle(mask);
  const [x, y, bw, bh] = rleBbox(mask);
  const box = { x0: x, y0: y, x1: x + bw, y1: y + bh };
  const removed = removeSpecks(data, w, h, box, rule);
  return removed ? { mask: encodeRle(data, w, h, box), removed } : null;
}
