import { describe, expect, it } from 'vitest';
import { grid, show } from '../../tests/helpers/asciiMask';
import { fillHoles, removeSpecks, splitParts, withoutSpecks } from './cleanup';
import { decodeRle, encodeRle } from '../codecs/rle';
import { createPrng } from '../schema/prng';
import { maskBbox } from './maskBbox';

describe('mask clean-up', () => {
  it('fills holes, however shaped, but not a bay open to the outside', () => {
    const { mask, w, h } = grid([
      '..........',
      '.#######..',
      '.#..#..#..',
      '.#..####..',
      '.#######..',
      '.##...##..',
      '.##.......',
      '..........',
    ]);
    expect(fillHoles(mask, w, h, maskBbox(mask, w, h)!)).toBe(6);
    expect(show(mask, w)).toEqual([
      '..........',
      '.#######..',
      '.#######..',
      '.#######..',
      '.#######..',
      '.##...##..', // open downwards: a bay, not a hole
      '.##.......',
      '..........',
    ]);
  });

  it('treats the image edge like the outside: an object touching it keeps its bays', () => {
    const { mask, w, h } = grid(['#.#', '#.#', '###']);
    expect(fillHoles(mask, w, h, maskBbox(mask, w, h)!)).toBe(0);
    const closed = grid(['###', '#.#', '###']);
    expect(fillHoles(closed.mask, 3, 3, maskBbox(closed.mask, 3, 3)!)).toBe(1);
  });

  it('removes parts under 1% of the object (or 10 px) and keeps real parts and the largest', () => {
    const w = 60;
    const h = 40;
    const mask = new Uint8Array(w * h);
    const rect = (x0: number, y0: number, x1: number, y1: number) => {
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) mask[y * w + x] = 1;
    };
    rect(5, 5, 35, 35); // 900 px
    rect(40, 5, 50, 15); // 100 px: a part, not a speck
    rect(55, 30, 57, 32); // 4 px speck
    mask[38 * w + 2] = 1; // 1 px speck
    mask[35 * w + 35] = 1; // touches the big part only by a corner: part of it (8-connected)
    expect(removeSpecks(mask, w, h, maskBbox(mask, w, h)!)).toBe(5);
    expect(mask[30 * w + 55]).toBe(0);
    expect(mask[38 * w + 2]).toBe(0);
    expect(mask[10 * w + 45]).toBe(1);
    expect(mask[35 * w + 35]).toBe(1);
    // One lone pixel is the largest part: it stays.
    const one = new Uint8Array(9);
    one[4] = 1;
    expect(removeSpecks(one, 3, 3, maskBbox(one, 3, 3)!)).toBe(0);
  });

  it('splits an object into its parts: the largest stays, each other real part comes out whole, specks stay', () => {
    const rows = [
      '#####...........',
      '#####...####....',
      '#####...####....',
      '#####...####....',
      '#####...........',
      '............####',
      '.#..........####',
      '............####',
    ];
    const { mask, w, h } = grid(rows);
    const parts: string[][] = [];
    const boxes: unknown[] = [];
    const n = splitParts(mask, w, h, maskBbox(mask, w, h)!, (pixels, box) => {
      parts.push(show(pixels, w));
      boxes.push(box);
    });
    expect(n).toBe(2);
    const only = (keep: (x: number, y: number) => boolean) => rows.map((r, y) => [...r].map((c, x) => (c === '#' && keep(x, y) ? '#' : '.')).join(''));
    expect(parts[0]).toEqual(only((x, y) => x >= 8 && x < 12 && y < 5));
    expect(parts[1]).toEqual(only((x, y) => x >= 12 && y >= 5));
    expect(boxes).toEqual([{ x0: 8, y0: 1, x1: 12, y1: 4 }, { x0: 12, y0: 5, x1: 16, y1: 8 }]);
    // The largest part (25 px) and the speck (1 px, under 10) stay; nothing is lost or doubled.
    expect(show(mask, w)).toEqual(only((x) => x < 5 || x === 1));
  });

  it("removes and splits by a project's own speck rule: a larger share, or pixels only", () => {
    const rows = [
      '########....##',
      '########....##',
      '########......',
      '########......',
      '########.....#',
    ]; // 40 px, a 4 px part (9%), a 1 px part
    const fresh = () => grid(rows);
    const removed = (rule: { share: number; pixels: number }) => {
      const { mask, w, h } = fresh();
      return removeSpecks(mask, w, h, maskBbox(mask, w, h)!, rule);
    };
    expect(removed({ share: 0.01, pixels: 10 })).toBe(5); // the default: both under 10 px
    expect(removed({ share: 0.05, pixels: 0 })).toBe(1); // under 5% of 45 px: the single pixel only
    expect(removed({ share: 0, pixels: 0 })).toBe(0); // nothing is a speck
    const { mask, w, h } = fresh();
    expect(splitParts(mask, w, h, maskBbox(mask, w, h)!, () => {}, { share: 0.05, pixels: 0 })).toBe(1); // the 4 px part comes out; the pixel stays
    expect(withoutSpecks(encodeRle(grid(rows).mask, w, h), { share: 0.05, pixels: 0 })?.removed).toBe(1);
  });

  it('splits nothing off an object of one part', () => {
    const { mask, w, h } = grid(['.##.', '.##.']);
    expect(splitParts(mask, w, h, maskBbox(mask, w, h)!, () => {})).toBe(0);
    expect(show(mask, w)).toEqual(['.##.', '.##.']);
  });

  it('withoutSpecks on an RLE agrees with removeSpecks on the pixels, and leaves a clean mask undecoded (null)', () => {
    const prng = createPrng(11);
    for (let t = 0; t < 100; t++) {
      const w = 8 + prng.int(0, 30);
      const h = 8 + prng.int(0, 30);
      const m = new Uint8Array(w * h);
      // A block, and a few dots around it.
      for (let y = 2; y < h - 2; y++) for (let x = 2; x < w / 2; x++) m[y * w + x] = 1;
      for (let k = prng.int(0, 4); k > 0; k--) m[prng.int(0, h - 1) * w + prng.int(0, w - 1)] = 1;
      const expected = m.slice();
      const removed = removeSpecks(expected, w, h, maskBbox(m, w, h)!);
      const got = withoutSpecks(encodeRle(m, w, h));
      if (!removed) expect(got).toBeNull();
      else {
        expect(got?.removed).toBe(removed);
        expect(decodeRle(got!.mask).data).toEqual(expected);
      }
    }
  });
});
