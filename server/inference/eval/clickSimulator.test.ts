import { describe, expect, it } from 'vitest';
import { clicksToReach, firstClick, gtBox, maskIou, nextClick, type GroundTruth } from './clickSimulator';

function mask(width: number, height: number, rects: Array<[number, number, number, number]>): Uint8Array {
  const m = new Uint8Array(width * height);
  for (const [x0, y0, x1, y1] of rects) for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m[y * width + x] = 1;
  return m;
}

const truth = (width: number, height: number, gt: Uint8Array, ignore: Uint8Array | null = null): GroundTruth => ({ width, height, gt, ignore });

describe('click simulator (contract 7)', () => {
  it('first click: the interior point farthest from the boundary, first in row-major order on ties', () => {
    // A 7×5 object at x 2..8, y 2..6 in an 11×9 image: row 4 is 3 px from the top and bottom
    // edges, and x = 4, 5, 6 are all at least 3 px from the sides: (4, 4) comes first.
    const t = truth(11, 9, mask(11, 9, [[2, 2, 9, 7]]));
    expect(firstClick(t)).toEqual({ x: 4, y: 4, positive: true });
  });

  it('the image border counts as boundary', () => {
    // The object fills a 5×5 image: the centre is 3 px from the padded border.
    expect(firstClick(truth(5, 5, mask(5, 5, [[0, 0, 5, 5]])))).toEqual({ x: 2, y: 2, positive: true });
    // An object along the left edge of a 10×3 image: its centre row, pushed off the edge.
    expect(firstClick(truth(10, 3, mask(10, 3, [[0, 0, 4, 3]])))).toEqual({ x: 1, y: 1, positive: true });
  });

  it('next click: positive in the larger missed region', () => {
    const gt = mask(20, 10, [[2, 2, 12, 8]]); // 10×6
    // Misses x 5..11, y 2..7 (7×6): x 7..9 in rows 4..5 are 3 px from its boundary; (7, 4) is first.
    const pred = mask(20, 10, [[2, 2, 5, 8]]);
    expect(nextClick(truth(20, 10, gt), pred)).toEqual({ x: 7, y: 4, positive: true });
  });

  it('next click: negative in the larger extra region', () => {
    const gt = mask(20, 10, [[2, 2, 6, 6]]);
    // Whole object found, plus a 5×5 extra blob at x 13..17, y 3..7: its centre (15, 5).
    const pred = mask(20, 10, [[2, 2, 6, 6], [13, 3, 18, 8]]);
    expect(nextClick(truth(20, 10, gt), pred)).toEqual({ x: 15, y: 5, positive: false });
  });

  it('next click: a tie between missed and extra goes to the extra region (RITM uses >)', () => {
    const gt = mask(20, 6, [[1, 1, 4, 4]]); // 3×3, entirely missed: max distance 2
    const pred = mask(20, 6, [[10, 1, 13, 4]]); // 3×3 extra: max distance 2
    expect(nextClick(truth(20, 6, gt), pred)).toEqual({ x: 11, y: 2, positive: false });
  });

  it('no error left: no click', () => {
    const gt = mask(8, 8, [[1, 1, 5, 5]]);
    expect(nextClick(truth(8, 8, gt), gt.slice())).toBeNull();
  });

  it('ignored pixels get no click and do not count for IoU', () => {
    const gt = mask(20, 10, [[0, 0, 20, 10]]);
    // The right half is "128": only the left half is judged.
    const ignore = mask(20, 10, [[10, 0, 20, 10]]);
    const t = truth(20, 10, gt, ignore);
    const pred = mask(20, 10, [[0, 0, 10, 10]]);
    expect(maskIou(t, pred)).toBe(1);
    expect(nextClick(t, pred)).toBeNull();
    const c = firstClick(t)!;
    expect(c.x).toBeLessThan(10);
    expect(maskIou(t, new Uint8Array(200))).toBe(0);
  });

  it('NoC counts the first click that reaches the threshold, max clicks when never', () => {
    expect(clicksToReach([0.5, 0.86, 0.91], 0.85, 20)).toBe(2);
    expect(clicksToReach([0.5, 0.86, 0.91], 0.9, 20)).toBe(3);
    expect(clicksToReach([0.5, 0.6], 0.9, 20)).toBe(20);
  });

  it('the ground-truth box in pixel corners', () => {
    expect(gtBox(truth(20, 10, mask(20, 10, [[3, 2, 7, 9]])))).toEqual([3, 2, 7, 9]);
    expect(gtBox(truth(4, 4, new Uint8Array(16)))).toBeNull();
  });
});
