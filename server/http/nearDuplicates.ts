// Which tasks' images look like an image uploaded before them (the same photo re-encoded, resized,
// mirrored or turned, a burst's twin frame): by perceptual hash (storage/images/imageHash.ts), at most
// NEAR_DUPLICATE_BITS of 128 apart. The task list marks the later one "looks like <earlier>" so
// the owner can flag or delete it; an exact byte copy is refused at upload already (`ifNew`).
//
// Not every pair is compared: two hashes within d bits agree exactly on at least one of d+1
// disjoint pieces (pigeonhole), so each task is compared only with earlier tasks sharing a piece.
// The task list is read often (every open project page, every 30 s) and changes rarely:
// `nearDuplicatesCached` answers from the last result while the project's tasks and hashes are the
// same (`npm run bench -- imageHash`, 10,000 tasks on this 2-core VM: ~80 ms computed (the image
// in each of its eight orientations looked up), ~2-5 ms to check; a cold process's first read
// ~100-250 ms).
import { NEAR_DUPLICATE_BITS, orientedHashes } from '../storage/images/imageHash';

/** Most earlier tasks one task is compared with (thousands of frames of a still camera share pieces). */
const MAX_CANDIDATES = 500;

/** Bits per piece: 11 pieces (NEAR_DUPLICATE_BITS + 1) of 11 or 12 bits cover the 128. */
const PIECE_BITS = [12, 12, 12, 12, 12, 12, 12, 11, 11, 11, 11];

interface Hashed {
  id: string;
  words: Uint32Array;
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

function distance(a: Uint32Array, b: Uint32Array): number {
  return popcount(a[0] ^ b[0]) + popcount(a[1] ^ b[1]) + popcount(a[2] ^ b[2]) + popcount(a[3] ^ b[3]);
}

/** The hash's pieces as bucket keys (the piece's index × 4096 + its bits: numbers, not strings). */
function pieces(words: Uint32Array): number[] {
  const out: number[] = [];
  let at = 0;
  PIECE_BITS.forEach((n, p) => {
    let v = 0;
    for (let b = at; b < at + n; b++) v = (v << 1) | ((words[b >>> 5] >>> (31 - (b & 31))) & 1);
    out.push(p * 4096 + v);
    at += n;
  });
  return out;
}

const wordsOf = (hash: string) => Uint32Array.from([0, 8, 16, 24].map((i) => parseInt(hash.slice(i, i + 8), 16)));

const bitOf = (words: Uint32Array, b: number) => (words[b >>> 5] >>> (31 - (b & 31))) & 1;

/**
 * Each of orientedHashes' seven turns and mirrors as a table: per output bit, its source bit, and
 * which output bits are flipped. Read off the string functions once (each is a permutation of the
 * bits with some flipped), so the list's 10,000 hashes are turned with bit operations, not strings.
 */
const ORIENTATIONS = (() => {
  const zero = '0'.repeat(32);
  const flipped = orientedHashes(zero).slice(1).map(wordsOf);
  const from = flipped.map(() => new Uint8Array(128));
  for (let b = 0; b < 128; b++) {
    const one = wordsOf(zero);
    one[b >>> 5] |= 1 << (31 - (b & 31));
    const moved = orientedHashes([...one].map((w) => (w >>> 0).toString(16).padStart(8, '0')).join('')).slice(1).map(wordsOf);
    moved.forEach((m, t) => {
      for (let o = 0; o < 128; o++) if (bitOf(m, o) !== bitOf(flipped[t], o)) from[t][o] = b;
    });
  }
  return flipped.map((mask, t) => ({ mask, from: from[t] }));
})();

function orient(words: Uint32Array, o: (typeof ORIENTATIONS)[number]): Uint32Array {
  const out = Uint32Array.from(o.mask);
  for (let b = 0; b < 128; b++) if (bitOf(words, o.from[b])) out[b >>> 5] ^= 1 << (31 - (b & 31));
  return out;
}

/**
 * For each task (in the given order: upload order) whose image looks like an earlier one's, or
 * like it turned by quarters or mirrored left to right (orientedHashes), the closest earlier task's id. Tasks without a hash are
 * neither marked nor matched.
 */
export function nearDuplicates(tasks: ReadonlyArray<{ id: string; imageHash?: string | null }>): Map<string, string> {
  const out = new Map<string, string>();
  const exact = new Map<string, string>();
  const buckets = new Map<number, Hashed[]>();
  for (const t of tasks) {
    const hash = t.imageHash;
    if (!hash || !/^[0-9a-f]{32}$/.test(hash)) continue;
    const same = exact.get(hash);
    if (same !== undefined) {
      out.set(t.id, same);
      continue;
    }
    exact.set(hash, t.id);
    const me: Hashed = { id: t.id, words: wordsOf(hash) };
    // The image as it is, then turned and mirrored, each against the earlier ones (indexed as they are).
    let bestId: string | null = null;
    let bestD = NEAR_DUPLICATE_BITS + 1;
    for (const words of [me.words, ...ORIENTATIONS.map((o) => orient(me.words, o))]) {
      const keys = pieces(words);
      // A task sharing several pieces is compared again: cheaper than remembering which were.
      let looked = 0;
      for (let k = 0; k < keys.length && looked < MAX_CANDIDATES; k++) {
        const list = buckets.get(keys[k]);
        if (!list) continue;
        for (let i = 0; i < list.length && looked < MAX_CANDIDATES; i++, looked++) {
          const d = distance(words, list[i].words);
          if (d < bestD) [bestId, bestD] = [list[i].id, d];
        }
      }
    }
    if (bestId !== null) out.set(t.id, bestId);
    const keys = pieces(me.words);
    // Indexed once per distinct hash (a copy of it is found through `exact`).
    for (const key of keys) {
      const list = buckets.get(key) ?? buckets.set(key, []).get(key)!;
      if (list.length < MAX_CANDIDATES) list.push(me);
    }
  }
  return out;
}

/** The last result per project, with the fingerprint of the tasks it was computed from. */
const cache = new Map<string, { key: string; result: Map<string, string> }>();
const MAX_CACHED_PROJECTS = 200;

/** A fingerprint of the tasks' ids and hashes in order (FNV-1a, 32 bits, and the count). */
function fingerprint(tasks: ReadonlyArray<{ id: string; imageHash?: string | null }>): string {
  let h = 0x811c9dc5;
  for (const t of tasks) {
    const s = `${t.id}:${t.imageHash ?? ''};`;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  }
  return `${tasks.length}:${h >>> 0}`;
}

/** {@link nearDuplicates} of a project's tasks, from the last result while they are unchanged. */
export function nearDuplicatesCached(projectId: string, tasks: ReadonlyArray<{ id: string; imageHash?: string | null }>): Map<string, string> {
  const key = fingerprint(tasks);
  const hit = cache.get(projectId);
  if (hit && hit.key === key) return hit.result;
  const result = nearDuplicates(tasks);
  cache.delete(projectId);
  cache.set(projectId, { key, result });
  if (cache.size > MAX_CACHED_PROJECTS) cache.delete(cache.keys().next().value!);
  return result;
}
