import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPrng } from '../../../shared/schema/prng';
import { bootstrapMean, pairedDiff, readDetails, type Details } from './compare';

/** NoC-like values: mostly 1-5 clicks, a few objects that never get there (20). */
function nocs(n: number, seed: number): number[] {
  const rnd = createPrng(seed);
  return Array.from({ length: n }, () => (rnd.chance(0.05) ? 20 : rnd.int(1, 5)));
}

describe('bootstrapMean', () => {
  it('brackets the mean, repeats exactly for the same data, and narrows as the set grows', () => {
    const small = nocs(120, 3);
    const a = bootstrapMean(small);
    expect(a.mean).toBeCloseTo(small.reduce((s, v) => s + v, 0) / small.length, 12);
    expect(a.lo).toBeLessThan(a.mean);
    expect(a.hi).toBeGreaterThan(a.mean);
    expect(bootstrapMean(small)).toEqual(a);
    const large = nocs(1920, 3);
    const b = bootstrapMean(large);
    // the width shrinks like 1/sqrt(n): 16x the objects, about a quarter of the width
    expect((b.hi - b.lo) / (a.hi - a.lo)).toBeGreaterThan(0.15);
    expect((b.hi - b.lo) / (a.hi - a.lo)).toBeLessThan(0.4);
  });

  it('has no width when every object took the same clicks, and is 0 on no objects', () => {
    expect(bootstrapMean([3, 3, 3, 3])).toEqual({ mean: 3, lo: 3, hi: 3 });
    expect(bootstrapMean([])).toEqual({ mean: 0, lo: 0, hi: 0 });
  });

  it('covers the true mean in about 95% of repeated samples', () => {
    // population: the nocs() distribution, whose mean is 0.95 * 3 + 0.05 * 20 = 3.85
    let covered = 0;
    for (let s = 0; s < 200; s++) {
      const ci = bootstrapMean(nocs(120, 100 + s), s);
      if (ci.lo <= 3.85 && 3.85 <= ci.hi) covered++;
    }
    expect(covered / 200).toBeGreaterThan(0.88);
    expect(covered / 200).toBeLessThan(0.99);
  });
});

describe('pairedDiff', () => {
  const base: Details = new Map(nocs(120, 5).map((v, i) => [`o${i}`, { noc85: Math.max(1, v - 1), noc90: v }]));
  const current = [...base].map(([id, v]) => ({ id, ...v }));

  it('is exactly 0 against itself', () => {
    expect(pairedDiff(base, current, 'noc90')).toEqual({ mean: 0, lo: 0, hi: 0, n: 120, fewer: 0, more: 0, unmatched: 0 });
  });

  it('finds one click saved on 30 of 120 objects, which the unpaired intervals would hide', () => {
    const better = current.map((r, i) => (i % 4 === 0 && r.noc90 > 1 ? { ...r, noc90: r.noc90 - 1 } : r));
    const fewer = better.filter((r, i) => r.noc90 !== current[i].noc90).length;
    const d = pairedDiff(base, better, 'noc90');
    expect(d.fewer).toBe(fewer);
    expect(d.more).toBe(0);
    expect(d.mean).toBeCloseTo(-fewer / 120, 12);
    expect(d.hi).toBeLessThan(0); // the whole interval says "fewer clicks"
    // the two runs' own intervals overlap almost entirely
    const a = bootstrapMean(current.map((r) => r.noc90));
    const b = bootstrapMean(better.map((r) => r.noc90));
    expect(b.hi).toBeGreaterThan(a.lo);
    expect(pairedDiff(base, better, 'noc85')).toMatchObject({ mean: 0, fewer: 0, more: 0 });
  });

  it('compares only the objects both runs have and counts the others', () => {
    const extra = [...current.slice(0, 10), { id: 'new', noc85: 20, noc90: 20 }];
    expect(pairedDiff(base, extra, 'noc90')).toMatchObject({ n: 10, unmatched: 1, mean: 0 });
  });
});

describe('readDetails', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-details-'));

  it('reads the records of a --details file', () => {
    const f = path.join(dir, 'ok.jsonl');
    fs.writeFileSync(f, '{"id":"a","noc85":1,"noc90":2,"ious":[0.9],"clicks":[[1,2,1]]}\n{"id":"b","noc85":3,"noc90":20}\n');
    expect([...readDetails(f)]).toEqual([
      ['a', { noc85: 1, noc90: 2 }],
      ['b', { noc85: 3, noc90: 20 }],
    ]);
  });

  it('names the line that is not a record', () => {
    const f = path.join(dir, 'bad.jsonl');
    fs.writeFileSync(f, '{"id":"a","noc85":1,"noc90":2}\n{"id":"b","noc90":"x"}\n');
    expect(() => readDetails(f)).toThrow(`${f}:2: not a --details record`);
    fs.writeFileSync(f, 'NoC@85  NoC@90\n');
    expect(() => readDetails(f)).toThrow(`${f}:1:`);
  });
});
