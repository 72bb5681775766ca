import { describe, expect, it } from 'vitest';
import { boxIou } from '../../../../shared/geometry/boxIou';
import { selectDetections } from './selectDetections';

/** anchors × classes scores and anchors × 4 boxes from rows of [box, scores]. */
function outputs(rows: Array<[[number, number, number, number], number[]]>) {
  const classes = rows[0][1].length;
  return {
    classes,
    scores: Float32Array.from(rows.flatMap((r) => r[1])),
    boxes: Float32Array.from(rows.flatMap((r) => r[0])),
  };
}

describe('selectDetections', () => {
  it('keeps the best of overlapping boxes of one class and both of two classes', () => {
    const o = outputs([
      [[10, 10, 50, 50], [0.9, 0.0]],
      [[12, 11, 52, 49], [0.8, 0.0]], // the same object, a worse box
      [[100, 100, 140, 160], [0.7, 0.0]], // another object of class 0
      [[11, 10, 51, 50], [0.0, 0.6]], // class 1 over the first: kept (another class)
      [[200, 0, 220, 30], [0.2, 0.1]], // under the threshold
    ]);
    const got = selectDetections(o.scores, o.boxes, o.classes, 0.3, 0.6, 100);
    expect(got.map((d) => [d.cls, d.score.toFixed(1), d.box[0]])).toEqual([
      [0, '0.9', 10],
      [0, '0.7', 100],
      [1, '0.6', 11],
    ]);
  });

  it('keeps boxes of one class that overlap less than the NMS IoU (two people side by side)', () => {
    const o = outputs([
      [[0, 0, 40, 100], [0.9]],
      [[30, 0, 70, 100], [0.8]], // IoU 10/70: a neighbour, not a duplicate
    ]);
    expect(selectDetections(o.scores, o.boxes, o.classes, 0.3, 0.6, 100)).toHaveLength(2);
    expect(boxIou([0, 0, 40, 100], [30, 0, 70, 100])).toBeCloseTo(1000 / 7000, 5);
  });

  it('returns at most `max`, best first, and drops empty boxes and NaN scores', () => {
    const rows: Array<[[number, number, number, number], number[]]> = [];
    for (let i = 0; i < 10; i++) rows.push([[i * 100, 0, i * 100 + 50, 50], [0.5 + i / 100]]);
    rows.push([[5, 5, 5, 40], [0.99]]); // zero width
    rows.push([[0, 300, 10, 310], [Number.NaN]]);
    const o = outputs(rows);
    const got = selectDetections(o.scores, o.boxes, o.classes, 0.3, 0.6, 3);
    expect(got.map((d) => d.box[0])).toEqual([900, 800, 700]);
  });
});
