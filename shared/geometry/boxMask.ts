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

/** The mask's part inside the box grown by {@link BOX_SLACK} (the onnx engine keeps its own box prompts' masks within 1 px already; this holds for any engine a worker runs): the annotator's box says where the object is. */
export function keepInBox(mask: Rle, box: Corners, width: number, height: number, grow = BOX_SLACK): Rle {
  return rleIntersection(mask, boxRle(box, width, height, grow));
}
