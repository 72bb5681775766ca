// A box as a mask, and a mask kept inside a box: what becomes of an imported file's boxes (the
// server's box run, server/dataset/prelabel/boxTask.ts) and what the evaluation measures of it
// (server/inference/eval/boxesEval.ts).
import { polygonsToRle } from '../codecs/polygon';
import { rleIntersection, type Rle } from '../codecs/rle';

/** Corners [x0, y0, x1, y1] in image pixels. */
export type Corners = [number, number, number, number];

/** How far past its box the click model's mask may reach: a box drawn a little tight does not cut the object's edge. */
export const BOX_SLACK = 0.03;

/** The box's rectangle, grown by `grow` of its size on each side, cut at the image's edge. */
export function boxRle(box: Corners, width: number, height: number, grow = 0): Rle {
  const [x0, y0, x1, y1] = box;
  const dx = (x1 - x0) * grow;
  const dy = (y1 - y0) * grow;
  const [a, b, c, d] = [Math.max(0, x0 - dx), Math.max(0, y0 - dy), Math.min(width, x1 + dx), Math.min(height, y1 + dy)];
  return polygonsToRle([[a, b, c, b, c, d, a, d]], width, height);
}

/** A turned box's outline [x0, y0, …, x3, y3] grown by `grow` of its size about its centre, as a mask. */
export function ringRle(ring: number[], width: number, height: number, grow = 0): Rle {
  const n = ring.length / 2;
  const cx = ring.filter((_, i) => i % 2 === 0).reduce((a, b) => a + b, 0) / n;
  const cy = ring.filter((_, i) => i % 2 === 1).reduce((a, b) => a + b, 0) / n;
  const k = 1 + 2 * grow;
  return polygonsToRle([ring.map((v, i) => (i % 2 === 0 ? cx + (v - cx) * k : cy + (v - cy) * k))], width, height);
}

/** The corners of a box turned by `degrees` (clockwise on screen) about `pivot` ([x, y]; its centre when absent): a flat ring. */
export function turnedBox(x0: number, y0: number, x1: number, y1: number, degrees: number, pivot: [number, number] = [(x0 + x1) / 2, (y0 + y1) / 2]): number[] {
  const t = (degrees * Math.PI) / 180;
  const [c, s] = [Math.cos(t), Math.sin(t)];
  const [px, py] = pivot;
  return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]].flatMap(([x, y]) => [px + (x - px) * c - (y - py) * s, py + (x - px) * s + (y - py) * c]);
}

/** The smallest box of the image's axes around a ring: [x0, y0, x1, y1]. */
export function ringBounds(ring: number[]): Corners {
  const xs = ring.filter((_, i) => i % 2 === 0);
  const ys = ring.filter((_, i) => i % 2 === 1);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

/** A box as a mask: its turned outline when it has one (`ring`), else its rectangle; grown by `grow` of its size. */
export function outlineRle(b: { box: Corners; ring?: number[] }, width: number, height: number, grow = 0): Rle {
  return b.ring ? ringRle(b.ring, width, height, grow) : boxRle(b.box, width, height, grow);
}

/** The mask's part inside the box (its outline) grown by {@link BOX_SLACK} (the onnx engine keeps its own box prompts' masks within 1 px already; this holds for any engine a worker runs): the annotator's box says where the object is. */
export function keepInBox(mask: Rle, b: { box: Corners; ring?: number[] }, width: number, height: number): Rle {
  return rleIntersection(mask, outlineRle(b, width, height, BOX_SLACK));
}
