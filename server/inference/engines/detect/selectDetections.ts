// From a detector's raw outputs (a score per anchor and class, a box per anchor) to the objects
// it found: the anchors scoring at least the threshold, then greedy non-maximum suppression per
// class (a box overlapping a better one of its class by IoU > `iou` is the same object), best
// first, at most `max`.
import { boxIou } from '../../../../shared/geometry/boxIou';

export interface Candidate {
  /** [x0, y0, x1, y1] in the detector's frame. */
  box: [number, number, number, number];
  cls: number;
  score: number;
}

/**
 * `scores`: anchors × classes, row-major; `boxes`: anchors × 4. An anchor may yield one candidate
 * per class it scores for (a dog that is also half a cat to the network), as NanoDet's own
 * post-processing does.
 */
export function selectDetections(
  scores: Float32Array,
  boxes: Float32Array,
  classes: number,
  threshold: number,
  iou: number,
  max: number,
): Candidate[] {
  const anchors = boxes.length / 4;
  const byClass = new Map<number, Candidate[]>();
  for (let a = 0; a < anchors; a++) {
    for (let c = 0; c < classes; c++) {
      const s = scores[a * classes + c];
      if (!(s >= threshold)) continue;
      const box: [number, number, number, number] = [boxes[4 * a], boxes[4 * a + 1], boxes[4 * a + 2], boxes[4 * a + 3]];
      if (!(box[2] > box[0] && box[3] > box[1])) continue;
      let list = byClass.get(c);
      if (!list) byClass.set(c, (list = []));
      list.push({ box, cls: c, score: s });
    }
  }
  const kept: Candidate[] = [];
  for (const list of byClass.values()) {
    list.sort((p, q) => q.score - p.score);
    const mine: Candidate[] = [];
    for (const cand of list) if (!mine.some((k) => boxIou(k.box, cand.box) > iou)) mine.push(cand);
    kept.push(...mine);
  }
  kept.sort((p, q) => q.score - p.score);
  return kept.slice(0, max);
}
