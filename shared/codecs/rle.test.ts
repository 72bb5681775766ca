import { describe, expect, it } from 'vitest';
import goldens from '../../tests/fixtures/coco/rle-goldens.json';
import { isTandemError } from '../protocol/errors';
import { createPrng, type Prng } from '../schema/prng';
import {
  RleSchema,
  decodeRle,
  emptyRle,
  encodeRle,
  fromUncompressed,
  isValidRle,
  rleArea,
  rleBbox,
  rleCounts,
  rleDifference,
  rleIntersection,
  rleIou,
  rleUnion,
  toUncompressed,
  type Rle,
} from './rle';
import { maskBbox } from '../geometry/maskBbox';
import { rowsFromRuns } from './columnRuns';

type EncodeCase = (typeof goldens.encode)[number] & { rows?: string[]; fill?: number; box?: number[]; runs?: number[] };

/** Builds the row-major mask a golden case describes. */
function caseMask(c: EncodeCase): Uint8Array {
  const [h, w] = c.size;
  const m = new Uint8Array(w * h);
  if (c.rows) c.rows.forEach((row, y) => [...row].forEach((ch, x) => (m[y * w + x] = ch === '1' ? 1 : 0)));
  else if (c.fill) m.fill(1);
  else if (c.box) {
    const [bx, by, bw, bh] = c.box;
    for (let y = by; y < by + bh; y++) for (let x = bx; x < bx + bw; x++) m[y * w + x] = 1;
  } else if (c.runs) {
    // Column-major runs straight from the definition, independent of the encoder.
    let p = 0;
    c.runs.forEach((len, i) => {
      for (let q = p; q < p + len; q++) if (i % 2) m[(q % h) * w + Math.floor(q / h)] = 1;
      p += len;
    });
  }
  return m;
}

function expectValidationError(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    expect(isTandemError(e) && e.code).toBe('validation_failed');
    return;
  }
  throw new Error('expected a validation_failed error');
}

describe('COCO RLE goldens', () => {
  for (const c of goldens.encode as EncodeCase[]) {
    it(`encodes ${c.name}`, () => {
      const [h, w] = c.size;
      const mask = caseMask(c);
      const rle = encodeRle(mask, w, h);
      expect(rle).toEqual({ size: [h, w], counts: c.counts });
      if (c.runs) expect(rleCounts(rle)).toEqual(c.runs);
      expect(rleArea(rle)).toBe(c.area);
      expect(rleBbox(rle)).toEqual(c.bbox);
      expect(firstDifference(decodeRle({ size: [h, w], counts: c.counts }).data, mask)).toBe(-1);
    });
  }

  for (const c of goldens.published) {
    it(`decodes and re-encodes byte for byte: ${c.name}`, () => {
      const rle = { size: c.size as [number, number], counts: c.counts };
      const { width, height, data } = decodeRle(rle);
      expect([height, width]).toEqual(c.size);
      // A wrong decoder almost never lands on exactly h*w pixels, which decodeRle checks.
      expect(encodeRle(data, width, height).counts).toBe(c.counts);
      const area = data.reduce((s, v) => s + v, 0);
      expect(rleArea(rle)).toBe(area);
      expect(area).toBeGreaterThan(0);
      expect(rleBbox(rle)).toEqual(bruteBbox(data, width, height));
      if ('nearBbox' in c && c.nearBbox) {
        rleBbox(rle).forEach((v, i) => expect(Math.abs(v - c.nearBbox[i])).toBeLessThan(1));
      }
    });
  }
});

/** Index of the first differing element, or -1 (much faster than a deep equal on big arrays). */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

function bruteBbox(m: Uint8Array, w: number, h: number): [number, number, number, number] {
  let x0 = w;
  let y0 = h;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      if (m[y * w + x]) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
  return x1 < 0 ? [0, 0, 0, 0] : [x0, y0, x1 - x0 + 1, y1 - y0 + 1];
}

/** Random masks of three kinds: noise, rectangles, and empty/full. */
function randomMask(rng: Prng): { mask: Uint8Array; w: number; h: number } {
  const w = rng.int(0, 40);
  const h = rng.int(0, 40);
  const mask = new Uint8Array(w * h);
  const kind = rng.int(0, 3);
  if (kind === 0) for (let i = 0; i < mask.length; i++) mask[i] = rng.chance(0.3) ? rng.int(1, 255) : 0;
  else if (kind === 1) {
    for (let r = rng.int(1, 4); r > 0; r--) {
      const x0 = rng.int(0, w);
      const y0 = rng.int(0, h);
      const x1 = rng.int(x0, w);
      const y1 = rng.int(y0, h);
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) mask[y * w + x] = 1;
    }
  } else if (kind === 2) mask.fill(1);
  return { mask, w, h };
}

/** The definition of the runs: walk the mask column by column (pycocotools on a Fortran array). */
function columnWalk(mask: Uint8Array, w: number, h: number): number[] {
  const counts: number[] = [];
  let prev = false;
  let run = 0;
  for (let x = 0; x < w; x++)
    for (let y = 0; y < h; y++) {
      if ((mask[y * w + x] !== 0) !== prev) {
        counts.push(run);
        run = 0;
        prev = !prev;
      }
      run++;
    }
  counts.push(run);
  return counts;
}

describe('COCO RLE properties (seeded)', () => {
  it('encodes the runs of a column-by-column walk, for masks at any byte offset of their buffer', () => {
    const rng = createPrng(3);
    for (let n = 0; n < 400; n++) {
      const { mask, w, h } = randomMask(rng);
      const off = n % 4; // word-aligned rows only at offset 0 with a width divisible by 4
      const view = new Uint8Array(mask.length + 4).subarray(off, off + mask.length);
      view.set(mask);
      expect(rleCounts(encodeRle(view, w, h))).toEqual(columnWalk(mask, w, h));
    }
  });

  it("encodes the same runs reading only the ones' box when the caller gives it (or a larger one)", () => {
    const rng = createPrng(6);
    for (let n = 0; n < 300; n++) {
      const { mask, w, h } = randomMask(rng);
      const b = maskBbox(mask, w, h);
      const want = encodeRle(mask, w, h);
      expect(encodeRle(mask, w, h, b)).toEqual(want);
      if (b) expect(encodeRle(mask, w, h, { x0: Math.max(0, b.x0 - 3), y0: Math.max(0, b.y0 - 2), x1: Math.min(w, b.x1 + 1), y1: b.y1 })).toEqual(want);
    }
  });

  it('decodes any window of a mask as the window of its full decode', () => {
    const rng = createPrng(4);
    for (let n = 0; n < 300; n++) {
      const { mask, w, h } = randomMask(rng);
      const x = rng.int(0, w);
      const y = rng.int(0, h);
      const crop = { x, y, width: rng.int(0, w - x), height: rng.int(0, h - y) };
      const want = new Uint8Array(crop.width * crop.height);
      for (let j = 0; j < crop.height; j++) for (let i = 0; i < crop.width; i++) want[j * crop.width + i] = mask[(y + j) * w + x + i] ? 1 : 0;
      expect(rowsFromRuns(rleCounts(encodeRle(mask, w, h)), w, h, crop)).toEqual(want);
    }
  });

  it('round-trips, and area and bbox match a pixel count', () => {
    const rng = createPrng(1);
    for (let n = 0; n < 500; n++) {
      const { mask, w, h } = randomMask(rng);
      const rle = encodeRle(mask, w, h);
      expect(RleSchema.safeParse(rle).success).toBe(true);
      const back = decodeRle(rle);
      expect([back.width, back.height]).toEqual([w, h]);
      const binary = mask.map((v) => (v ? 1 : 0));
      expect(firstDifference(back.data, binary)).toBe(-1);
      expect(rleArea(rle)).toBe(binary.reduce((s, v) => s + v, 0));
      expect(rleBbox(rle)).toEqual(bruteBbox(binary, w, h));
      expect(fromUncompressed(toUncompressed(rle))).toEqual(rle);
    }
  });

  it('union, intersection, difference and IoU agree with pixel-wise logic', () => {
    const rng = createPrng(2);
    for (let n = 0; n < 300; n++) {
      const a = randomMask(rng);
      const b = randomMask(rng);
      const bm = new Uint8Array(a.w * a.h);
      // Same size as a: crop/extend b's noise into a's frame.
      for (let i = 0; i < bm.length; i++) bm[i] = b.mask[i % Math.max(1, b.mask.length)] ?? 0;
      const ra = encodeRle(a.mask, a.w, a.h);
      const rb = encodeRle(bm, a.w, a.h);
      const pix = (f: (x: boolean, y: boolean) => boolean) =>
        encodeRle(a.mask.map((v, i) => (f(v !== 0, bm[i] !== 0) ? 1 : 0)), a.w, a.h);
      // Equal strings, not just equal pixels: the run form is canonical, like pycocotools merge.
      expect(rleUnion(ra, rb)).toEqual(pix((x, y) => x || y));
      expect(rleIntersection(ra, rb)).toEqual(pix((x, y) => x && y));
      expect(rleDifference(ra, rb)).toEqual(pix((x, y) => x && !y));
      const inter = rleArea(pix((x, y) => x && y));
      const union = rleArea(pix((x, y) => x || y));
      expect(rleIou(ra, rb)).toBeCloseTo(union ? inter / union : 0, 12);
    }
  });

  it('works on runs with interior empty runs (uncompressed input kept as given)', () => {
    const u = { size: [2, 3] as [number, number], counts: [1, 0, 2, 2, 1] };
    const rle = fromUncompressed(u);
    expect(toUncompressed(rle)).toEqual(u);
    expect(rleArea(rle)).toBe(2);
    expect(Array.from(decodeRle(rle).data)).toEqual([0, 0, 1, 0, 1, 0]); // column-major pixels 3 and 4
    expect(rleUnion(rle, emptyRle(3, 2))).toEqual(encodeRle(decodeRle(rle).data, 3, 2));
  });
});

describe('COCO RLE edge cases', () => {
  it('an empty mask has area 0, bbox zeros and IoU 0 with itself', () => {
    const e = emptyRle(7, 5);
    expect(e).toEqual({ size: [5, 7], counts: 'S1' }) // 35 = 3 | 0x20, then 1;
    expect(rleArea(e)).toBe(0);
    expect(rleBbox(e)).toEqual([0, 0, 0, 0]);
    expect(rleIou(e, e)).toBe(0);
    expect(emptyRle(0, 0)).toEqual({ size: [0, 0], counts: '0' });
  });

  it('identical masks have IoU 1; disjoint masks 0', () => {
    const m = new Uint8Array(16);
    m[5] = 1;
    const a = encodeRle(m, 4, 4);
    expect(rleIou(a, a)).toBe(1);
    const n = new Uint8Array(16);
    n[10] = 1;
    expect(rleIou(a, encodeRle(n, 4, 4))).toBe(0);
  });

  it('rejects corrupt strings and mismatched sizes with validation_failed', () => {
    const good = encodeRle(new Uint8Array([0, 1, 1, 0, 1, 0]), 3, 2);
    expectValidationError(() => decodeRle({ size: [2, 3], counts: good.counts + '5' })); // too many pixels
    expectValidationError(() => decodeRle({ size: [2, 3], counts: 'P' })); // ends inside a count
    expectValidationError(() => decodeRle({ size: [2, 3], counts: '1~' })); // outside the alphabet
    expectValidationError(() => decodeRle({ size: [2, 3], counts: '3O' })); // negative run
    expectValidationError(() => decodeRle({ size: [-2, 3], counts: good.counts }));
    expectValidationError(() => rleArea({ size: [3, 2], counts: '' }));
    expectValidationError(() => rleUnion(good, emptyRle(2, 3)));
    expectValidationError(() => encodeRle(new Uint8Array(5), 3, 2));
    expectValidationError(() => fromUncompressed({ size: [2, 3], counts: [1, 2] }));
    expect(isValidRle(good)).toBe(true);
    expect(isValidRle({ size: [2, 3], counts: 'P' })).toBe(false);
    expect(isValidRle({ size: [2, 3] })).toBe(false);
    expect(RleSchema.safeParse({ size: [2, 3], counts: 'a b' }).success).toBe(false);
  });

  it('survives arbitrary garbage strings without throwing anything but validation_failed', () => {
    const rng = createPrng(3);
    for (let n = 0; n < 500; n++) {
      let s = '';
      for (let k = rng.int(0, 12); k > 0; k--) s += String.fromCharCode(rng.int(40, 120));
      const rle: Rle = { size: [rng.int(0, 6), rng.int(0, 6)], counts: s };
      try {
        const d = decodeRle(rle);
        expect(d.data.length).toBe(rle.size[0] * rle.size[1]);
      } catch (e) {
        expect(isTandemError(e) && e.code).toBe('validation_failed');
      }
    }
  });
});
