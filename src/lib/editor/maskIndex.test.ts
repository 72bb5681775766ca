import { describe, expect, it } from 'vitest';
import { encodeRle } from '../../../shared/codecs/rle';
import { MaskIndex } from './maskIndex';

/** A w x h mask with the rectangle [x0, x1) x [y0, y1) set. */
function rect(w: number, h: number, x0: number, y0: number, x1: number, y1: number) {
  const m = new Uint8Array(w * h);
  for (let y = y0; y < y1; y++) m.fill(1, y * w + x0, y * w + x1);
  return encodeRle(m, w, h);
}

describe('MaskIndex', () => {
  it('answers hit tests on the mask without decoding it, and nothing outside the image', () => {
    const idx = new MaskIndex();
    const m = rect(40, 30, 10, 5, 20, 12);
    expect(idx.contains('a', m, 10, 5)).toBe(true);
    expect(idx.contains('a', m, 19.9, 11.9)).toBe(true);
    expect(idx.contains('a', m, 20, 11)).toBe(false);
    expect(idx.contains('a', m, 15, 4.5)).toBe(false);
    expect(idx.contains('a', m, -1, 6)).toBe(false);
    expect(idx.contains('a', m, 15, 30)).toBe(false);
  });

  it('gives the box of the mask the object has now, not of the mask it had when first asked', () => {
    const idx = new MaskIndex();
    expect(idx.box('a', rect(40, 30, 10, 5, 20, 12))).toEqual([10, 5, 10, 7]);
    const moved = rect(40, 30, 2, 1, 6, 3);
    expect(idx.box('a', moved)).toEqual([2, 1, 4, 2]);
    expect(idx.contains('a', moved, 3, 2)).toBe(true);
    expect(idx.contains('a', moved, 12, 6)).toBe(false);
    expect(idx.box('b', rect(40, 30, 0, 0, 0, 0))[2]).toBe(0);
  });
});
