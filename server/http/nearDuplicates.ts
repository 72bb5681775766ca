// Which tasks' images look like an image uploaded before them (the same photo re-encoded, resized,
// a burst's twin frame): by perceptual hash (storage/images/imageHash.ts), at most
// NEAR_DUPLICATE_BITS of 64 apart. The task list marks the later one "looks like <earlier>" so
// the owner can flag or delete it; an exact byte copy is refused at upload already (`ifNew`).
//
// Not every pair is compared: two hashes within d bits agree exactly on at least one of d+1
// disjoint pieces (pigeonhole), so each task is compared only with earlier tasks sharing a piece.
import { hashDistance, NEAR_DUPLICATE_BITS } from '../storage/images/imageHash';

/** Most earlier tasks one task is compared with (thousands of frames of a still camera share pieces). */
const MAX_CANDIDATES = 500;

/** Hex digits per piece: 11 pieces cover the 32 digits, for a distance of up to 10. */
const PIECES = [[0, 3], [3, 6], [6, 9], [9, 12], [12, 15], [15, 18], [18, 21], [21, 24], [24, 27], [27, 30], [30, 32]] as const;

/**
 * For each task (in the given order: upload order) whose image looks like an earlier one's, the
 * closest earlier task's id. Tasks without a hash are neither marked nor matched.
 */
export function nearDuplicates(tasks: ReadonlyArray<{ id: string; imageHash?: string | null }>): Map<string, string> {
  const maxBits = NEAR_DUPLICATE_BITS; // at most PIECES.length - 1: the pigeonhole needs a piece more
  const out = new Map<string, string>();
  const exact = new Map<string, string>();
  const buckets = PIECES.map(() => new Map<string, Array<{ id: string; hash: string }>>());
  for (const t of tasks) {
    const hash = t.imageHash;
    if (!hash || hash.length !== 32) continue;
    const same = exact.get(hash);
    if (same !== undefined) out.set(t.id, same);
    else {
      let best: { id: string; d: number } | null = null;
      let looked = 0;
      const seen = new Set<string>();
      for (let p = 0; p < PIECES.length && looked < MAX_CANDIDATES; p++) {
        for (const c of buckets[p].get(hash.slice(...PIECES[p])) ?? []) {
          if (seen.has(c.id)) continue;
          seen.add(c.id);
          const d = hashDistance(hash, c.hash);
          if (d <= maxBits && (!best || d < best.d)) best = { id: c.id, d };
          if (++looked >= MAX_CANDIDATES) break;
        }
      }
      if (best) out.set(t.id, best.id);
      exact.set(hash, t.id);
      // Indexed once per distinct hash (a copy of it is found through `exact`).
      PIECES.forEach(([a, b], p) => {
        const key = hash.slice(a, b);
        const list = buckets[p].get(key) ?? buckets[p].set(key, []).get(key)!;
        if (list.length < MAX_CANDIDATES) list.push({ id: t.id, hash });
      });
    }
  }
  return out;
}
