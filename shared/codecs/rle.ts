/**
 * COCO run-length encoding, byte-compatible with pycocotools (`maskApi.c`).
 *
 * A mask of `height` rows and `width` columns is flattened column-major (Fortran order, as
 * pycocotools does), and described by alternating run lengths starting with a run of zeros
 * (which may be 0 long). The compressed form packs the runs into a string: each count (after
 * the third) is stored as the difference to the count two places back, then written as signed
 * 5-bit groups, least significant first, with bit 0x20 meaning "more groups follow", plus 48.
 *
 * Public masks (`encodeRle` input, `decodeRle` output) are row-major like image pixels; only
 * the run order is column-major. Operations work on the runs, without decoding to pixels.
 */
import { z } from 'zod';
import { ErrorCode, TandemError } from '../protocol/errors';
import type { PixelBox } from '../geometry/maskBbox';
import { columnRuns, rowsFromRuns } from './columnRuns';

/** COCO compressed RLE. `size` is `[height, width]` in pixels, as pycocotools writes it. */
export interface Rle {
  size: [number, number];
  counts: string;
}

/** Uncompressed COCO RLE: the run lengths themselves. */
export interface UncompressedRle {
  size: [number, number];
  counts: number[];
}

/** Bounding box `[x, y, w, h]` in image pixels (pixel corners), as pycocotools `toBbox`. */
export type Bbox = [x: number, y: number, w: number, h: number];

/** The largest side we accept; keeps every count and delta well inside double-exact integers. */
const MAX_SIDE = 1 << 15;

const dim = z.number().int().min(0).max(MAX_SIDE);

/**
 * Validates the shape of a compressed RLE: integer size `[h, w]` and a counts string made only of
 * the characters pycocotools emits (codes 48..111). Whether the runs add up to `h * w` is checked
 * when the string is decoded ({@link rleCounts}).
 */
export const RleSchema: z.ZodType<Rle> = z.object({
  size: z.tuple([dim, dim]),
  counts: z.string().regex(/^[0-o]*$/, 'counts holds a character outside the COCO RLE alphabet'),
});

/** Validates an uncompressed RLE (`counts` as numbers). */
export const UncompressedRleSchema: z.ZodType<UncompressedRle> = z.object({
  size: z.tuple([dim, dim]),
  counts: z.array(z.number().int().min(0)),
});

function corrupt(message: string): TandemError {
  return new TandemError(ErrorCode.ValidationFailed, `invalid RLE: ${message}`);
}

/** pycocotools `rleToString`: run lengths to the compressed string. */
function countsToString(counts: ArrayLike<number>): string {
  let out = '';
  for (let i = 0; i < counts.length; i++) {
    let x = counts[i];
    if (i > 2) x -= counts[i - 2];
    let more = true;
    while (more) {
      // Arithmetic on doubles (not `>>`) so deltas beyond int32 stay exact.
      let c = ((x % 32) + 32) % 32;
      x = Math.floor(x / 32);
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      out += String.fromCharCode(c + 48);
    }
  }
  return out;
}

/** pycocotools `rleFrString`: the compressed string back to run lengths (no validation). */
function stringToCounts(s: string): number[] {
  const counts: number[] = [];
  let p = 0;
  while (p < s.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      if (p >= s.length) throw corrupt('string ends inside a count');
      const c = s.charCodeAt(p) - 48;
      if (c < 0 || c > 63) throw corrupt(`character ${JSON.stringify(s[p])} at ${p}`);
      x += (c & 0x1f) * 2 ** (5 * k);
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (k > 7) throw corrupt('count too long');
      if (!more && c & 0x10) x -= 2 ** (5 * k); // sign-extend the last group
    }
    const m = counts.length;
    if (m > 2) x += counts[m - 2];
    counts.push(x);
  }
  return counts;
}

function checkSize(size: unknown): [number, number] {
  const parsed = z.tuple([dim, dim]).safeParse(size);
  if (!parsed.success) throw corrupt('size must be [height, width] of non-negative integers');
  return parsed.data;
}

function checkCounts(counts: ArrayLike<number>, h: number, w: number): void {
  let sum = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i];
    if (!Number.isInteger(c) || c < 0) throw corrupt(`run ${i} has length ${c}`);
    sum += c;
  }
  if (sum !== h * w) throw corrupt(`runs cover ${sum} pixels, the mask has ${h * w}`);
}

/**
 * The run lengths of `rle` (column-major, starting with a run of zeros).
 * Throws TandemError('validation_failed') when the string is corrupt or the runs do not cover
 * exactly `height * width` pixels.
 */
export function rleCounts(rle: Rle): number[] {
  const [h, w] = checkSize(rle?.size);
  if (typeof rle.counts !== 'string') throw corrupt('counts must be a string');
  const counts = stringToCounts(rle.counts);
  checkCounts(counts, h, w);
  return counts;
}

/** Builds a compressed RLE from run lengths (kept as they are, like pycocotools `frUncompressedRLE`). */
function fromCounts(counts: ArrayLike<number>, h: number, w: number): Rle {
  return { size: [h, w], counts: countsToString(counts) };
}

/**
 * Encodes a mask. `mask` is row-major (`mask[y * width + x]`), length `width * height`; any
 * nonzero byte is object. Runs are taken column-major exactly as pycocotools `encode` does on a
 * Fortran-ordered 0/1 array, so the string matches pycocotools byte for byte. `box`, where the
 * caller knows it, holds every nonzero byte (null: there are none), and nothing outside it is read.
 */
export function encodeRle(mask: Uint8Array, width: number, height: number, box?: PixelBox | null): Rle {
  const [h, w] = checkSize([height, width]);
  if (mask.length !== w * h) {
    throw new TandemError(ErrorCode.ValidationFailed, `mask has ${mask.length} bytes, expected ${w}x${h}`);
  }
  return fromCounts(columnRuns(mask, w, h, box), h, w);
}

/**
 * Decodes to a row-major 0/1 mask (`data[y * width + x]`), into `into` where given (zeros, one
 * byte per pixel: a recycled buffer instead of a fresh array).
 * Throws TandemError('validation_failed') on a corrupt string.
 */
export function decodeRle(rle: Rle, into?: Uint8Array): { width: number; height: number; data: Uint8Array } {
  const counts = rleCounts(rle);
  const [h, w] = rle.size;
  if (into && into.length !== w * h) throw new TandemError(ErrorCode.ValidationFailed, `mask is ${w}x${h}, the buffer holds ${into.length} bytes`);
  return { width: w, height: h, data: rowsFromRuns(counts, w, h, undefined, into) };
}

/** Number of object pixels (sum of the odd runs), as pycocotools `area`. */
export function rleArea(rle: Rle): number {
  const counts = rleCounts(rle);
  let a = 0;
  for (let i = 1; i < counts.length; i += 2) a += counts[i];
  return a;
}

/**
 * Bounding box `[x, y, w, h]` of the object pixels, computed from the runs exactly as
 * pycocotools `toBbox` does (an empty mask gives `[0, 0, 0, 0]`).
 */
export function rleBbox(rle: Rle): Bbox {
  return runsBbox(rleCounts(rle), rle.size[0], rle.size[1]);
}

/** {@link rleBbox} from run lengths decoded once by the caller. */
export function runsBbox(counts: number[], h: number, w: number): Bbox {
  const m = counts.length - (counts.length % 2); // a trailing run of zeros does not matter
  if (m === 0 || h === 0) return [0, 0, 0, 0];
  let xs = w;
  let ys = h;
  let xe = 0;
  let ye = 0;
  let cc = 0;
  let xp = 0;
  for (let j = 0; j < m; j++) {
    cc += counts[j];
    // Even j: cc is the first pixel of a run of ones; odd j: cc - 1 is its last pixel.
    const t = cc - (j % 2);
    if (t < 0) continue; // only with leading empty runs of ones, which cover nothing
    const y = t % h;
    const x = (t - y) / h;
    if (j % 2 === 0) xp = x;
    else if (xp < x) {
      // The run wraps into a later column: it spans every row.
      ys = 0;
      ye = h - 1;
    }
    xs = Math.min(xs, x);
    xe = Math.max(xe, x);
    ys = Math.min(ys, y);
    ye = Math.max(ye, y);
  }
  return [xs, ys, xe - xs + 1, ye - ys + 1];
}

type BoolOp = (a: boolean, b: boolean) => boolean;

/**
 * Walks the runs of `a` and `b` together and calls `emit(len, value)` for each stretch on which
 * both are constant, with `value = op(va, vb)`.
 */
function walkRuns(a: number[], b: number[], op: BoolOp, emit: (len: number, v: boolean) => void): void {
  let ia = 0;
  let ib = 0;
  let ra = a.length ? a[0] : 0;
  let rb = b.length ? b[0] : 0;
  while (ia < a.length && ib < b.length) {
    if (ra === 0) {
      ia++;
      ra = a[ia] ?? 0;
      continue;
    }
    if (rb === 0) {
      ib++;
      rb = b[ib] ?? 0;
      continue;
    }
    const c = Math.min(ra, rb);
    emit(c, op(ia % 2 === 1, ib % 2 === 1));
    ra -= c;
    rb -= c;
  }
}

function sameSize(a: Rle, b: Rle): [number, number] {
  if (a.size[0] !== b.size[0] || a.size[1] !== b.size[1]) {
    throw new TandemError(ErrorCode.ValidationFailed, `RLE sizes differ: ${a.size} vs ${b.size}`);
  }
  return [a.size[0], a.size[1]];
}

/** Canonical runs (no empty runs except a leading one) of `op` applied pixel by pixel. */
function combine(a: Rle, b: Rle, op: BoolOp): Rle {
  const [h, w] = sameSize(a, b);
  const out: number[] = [];
  let cur = false;
  let run = 0;
  walkRuns(rleCounts(a), rleCounts(b), op, (len, v) => {
    if (v === cur) run += len;
    else {
      out.push(run);
      cur = v;
      run = len;
    }
  });
  out.push(run);
  return fromCounts(out, h, w);
}

/** Pixels in `a` or `b` (pycocotools `merge(..., intersect=False)`). Sizes must match. */
export function rleUnion(a: Rle, b: Rle): Rle {
  return combine(a, b, (x, y) => x || y);
}

/** Pixels in `a` and not in `b`. Sizes must match. */
export function rleDifference(a: Rle, b: Rle): Rle {
  return combine(a, b, (x, y) => x && !y);
}

/** Pixels in both `a` and `b` (pycocotools `merge(..., intersect=True)`). Sizes must match. */
export function rleIntersection(a: Rle, b: Rle): Rle {
  return combine(a, b, (x, y) => x && y);
}

/** Pixels in both masks, from their run lengths ({@link rleCounts}) decoded once by the caller. */
export function runsIntersection(ca: number[], cb: number[]): number {
  let inter = 0;
  walkRuns(ca, cb, (x, y) => x && y, (len, v) => {
    if (v) inter += len;
  });
  return inter;
}

/**
 * Intersection over union of two masks of the same size. Two empty masks give 0, as
 * pycocotools `iou` does.
 */
export function rleIou(a: Rle, b: Rle): number {
  sameSize(a, b);
  let union = 0;
  const ca = rleCounts(a);
  const cb = rleCounts(b);
  const inter = runsIntersection(ca, cb);
  for (let i = 1; i < ca.length; i += 2) union += ca[i];
  for (let i = 1; i < cb.length; i += 2) union += cb[i];
  union -= inter;
  return union === 0 ? 0 : inter / union;
}

/** An all-background mask of `width` x `height` pixels. */
export function emptyRle(width: number, height: number): Rle {
  const [h, w] = checkSize([height, width]);
  return fromCounts([h * w], h, w);
}

/** Compressed to uncompressed COCO RLE (the run lengths as numbers). */
export function toUncompressed(rle: Rle): UncompressedRle {
  return { size: [rle.size[0], rle.size[1]], counts: rleCounts(rle) };
}

/**
 * Uncompressed to compressed COCO RLE. The runs are kept as given (like pycocotools
 * `frPyObjects` on an uncompressed RLE), so the string is the one pycocotools would write.
 * Throws TandemError('validation_failed') when the runs do not cover the mask exactly.
 */
export function fromUncompressed(u: UncompressedRle): Rle {
  const [h, w] = checkSize(u?.size);
  if (!Array.isArray(u.counts)) throw corrupt('counts must be an array');
  checkCounts(u.counts, h, w);
  return fromCounts(u.counts, h, w);
}

/** True when `rle` decodes cleanly (valid string, runs cover `h * w`). Never throws. */
export function isValidRle(rle: unknown): rle is Rle {
  if (!RleSchema.safeParse(rle).success) return false;
  try {
    rleCounts(rle as Rle);
    return true;
  } catch {
    return false; // corrupt input is the answer here, not an error
  }
}
