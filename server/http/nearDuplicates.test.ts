import { describe, expect, it } from 'vitest';
import { hashDistance, mirroredHash, orientedHashes, rotatedHash } from '../storage/images/imageHash';
import { nearDuplicates } from './nearDuplicates';

/** `hash` (128 bits) with the given bit positions (0 = most significant) flipped. */
function flip(hash: string, bits: number[]): string {
  let v = BigInt(`0x${hash}`);
  for (const b of bits) v ^= 1n << BigInt(127 - b);
  return v.toString(16).padStart(32, '0');
}

describe('near duplicates by perceptual hash', () => {
  it('marks the later of two images a few bits apart, with the closest earlier one, and not images further apart', () => {
    const a = '8f3c0a5e91d27b46a1b2c3d4e5f60718';
    const tasks = [
      { id: 'a', imageHash: a },
      { id: 'far', imageHash: flip(a, [0, 12, 24, 36, 48, 60, 72, 84, 96, 108, 120]) }, // 11 bits: another picture
      { id: 'b', imageHash: flip(a, [3, 20, 40, 52, 66, 77, 90, 101, 113, 127]) }, // 10 bits, every piece touched but one
      { id: 'c', imageHash: flip(a, [3, 20, 40, 52, 66, 77, 90, 101, 113, 127, 1]) }, // 11 from a, 1 from b: b
      { id: 'copy', imageHash: a },
      { id: 'none', imageHash: null },
      { id: 'other', imageHash: '0000ffff0000ffff0000ffff0000ffff' },
    ];
    expect(hashDistance(a, tasks[1].imageHash!)).toBe(11);
    expect([...nearDuplicates(tasks)]).toEqual([
      ['b', 'a'],
      ['c', 'b'],
      ['copy', 'a'],
    ]);
  });

  it("marks an image that looks like an earlier one's mirror image", () => {
    const a = '8f3c0a5e91d27b46a1b2c3d4e5f60718';
    const mirrored = flip(mirroredHash(a), [5, 70, 100]); // a flipped copy, re-encoded
    expect(hashDistance(a, mirrored)).toBeGreaterThan(10);
    expect([...nearDuplicates([{ id: 'a', imageHash: a }, { id: 'other', imageHash: '0000ffff0000ffff0000ffff0000ffff' }, { id: 'm', imageHash: mirrored }])]).toEqual([['m', 'a']]);
  });

  it('marks an image that looks like an earlier one turned a quarter, a half or three quarters, or turned and mirrored', () => {
    const a = '8f3c0a5e91d27b46a1b2c3d4e5f60718';
    const r90 = rotatedHash(a);
    const r180 = rotatedHash(r90);
    const copies = [flip(r90, [3, 90]), flip(r180, [17]), flip(rotatedHash(r180), [64, 65]), flip(mirroredHash(r90), [120])];
    for (const c of copies) expect(hashDistance(a, c)).toBeGreaterThan(10);
    const tasks = [{ id: 'a', imageHash: a }, { id: 'other', imageHash: '0000ffff0000ffff0000ffff0000ffff' }, ...copies.map((c, i) => ({ id: `c${i}`, imageHash: c }))];
    expect([...nearDuplicates(tasks)].sort()).toEqual([['c0', 'a'], ['c1', 'a'], ['c2', 'a'], ['c3', 'a']]);
  });

  it('turns hashes by bit tables as the hash functions do (every orientation of random hashes)', () => {
    let seed = 3;
    const hex = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 16).toString(16);
    for (let n = 0; n < 50; n++) {
      const h = Array.from({ length: 32 }, hex).join('');
      const others = orientedHashes(h).slice(1);
      // Each orientation alone after a far-away first task: found at distance 0, i.e. turned exactly.
      for (const o of others) expect([...nearDuplicates([{ id: 'o', imageHash: o }, { id: 'h', imageHash: h }])]).toEqual([['h', 'o']]);
    }
  });

  it('finds every pair within 10 bits however the bits spread over the pieces (against comparing every pair)', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const base = Array.from({ length: 80 }, () => Array.from({ length: 32 }, () => Math.floor(rand() * 16).toString(16)).join(''));
    const tasks = base.flatMap((h, i) => [
      { id: `o${i}`, imageHash: h },
      { id: `n${i}`, imageHash: flip(h, Array.from({ length: 1 + Math.floor(rand() * 12) }, () => Math.floor(rand() * 128))) },
    ]);
    const found = nearDuplicates(tasks);
    tasks.forEach((t, i) => {
      const earlier = tasks.slice(0, i).filter((e) => hashDistance(e.imageHash, t.imageHash) <= 10);
      expect(found.has(t.id), t.id).toBe(earlier.length > 0);
    });
    expect(tasks.filter((t) => t.id.startsWith('n')).some((t) => !found.has(t.id))).toBe(true); // some flipped more than 10
  });
});

describe('the task list reads', () => {
  it('answer from the last result while the tasks and their hashes are the same, and compute again when they change', async () => {
    const { nearDuplicatesCached } = await import('./nearDuplicates');
    const a = '8f3c0a5e91d27b46a1b2c3d4e5f60718';
    const tasks = [{ id: 'a', imageHash: a }, { id: 'b', imageHash: null as string | null }];
    const first = nearDuplicatesCached('p', tasks);
    expect([...first]).toEqual([]);
    expect(nearDuplicatesCached('p', [...tasks])).toBe(first);
    tasks[1] = { id: 'b', imageHash: a }; // b's hash filled in
    expect([...nearDuplicatesCached('p', tasks)]).toEqual([['b', 'a']]);
    expect([...nearDuplicatesCached('q', [tasks[0]])]).toEqual([]); // another project
  });
});
