// How sure is a NoC figure, and is a change real? Model choices are made on 120-object halves of
// a 240-object dev set, where one object more or less reaching 90% moves NoC@90 by up to 0.16, so
// a difference needs its uncertainty beside it. Both intervals are percentile bootstraps over
// objects with a fixed seed, so the same run prints the same interval. The paired one resamples
// per-object differences against an earlier run's `--details` file: the objects are the same, so
// their difficulty cancels and the interval is far narrower than comparing two unpaired means.
import fs from 'node:fs';
import { z } from 'zod';
import { createPrng } from '../../../shared/schema/prng';

export interface Interval {
  mean: number;
  /** 2.5th and 97.5th percentiles of the resampled means. */
  lo: number;
  hi: number;
}

const ITERATIONS = 4000;

/** Mean of `values` with a 95% percentile-bootstrap interval (seeded: reproducible). */
export function bootstrapMean(values: readonly number[], seed = 1): Interval {
  const n = values.length;
  if (n === 0) return { mean: 0, lo: 0, hi: 0 };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const rnd = createPrng(seed);
  const means = new Float64Array(ITERATIONS);
  for (let i = 0; i < ITERATIONS; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += values[Math.floor(rnd.next() * n)];
    means[i] = s / n;
  }
  means.sort();
  return { mean, lo: means[Math.floor(0.025 * (ITERATIONS - 1))], hi: means[Math.ceil(0.975 * (ITERATIONS - 1))] };
}

/** Per-object NoC from an earlier `npm run eval -- --details <file>`. */
export type Details = Map<string, { noc85: number; noc90: number }>;

const DetailsRecord = z.object({ id: z.string(), noc85: z.number(), noc90: z.number() });

/** Reads a `--details` file; a line that is not one of its records throws, naming the line. */
export function readDetails(file: string): Details {
  const out: Details = new Map();
  for (const [i, line] of fs.readFileSync(file, 'utf8').split('\n').entries()) {
    if (!line.trim()) continue;
    let rec: z.infer<typeof DetailsRecord> | undefined;
    try {
      rec = DetailsRecord.parse(JSON.parse(line));
    } catch {
      throw new Error(`${file}:${i + 1}: not a --details record (want {"id", "noc85", "noc90", ...})`);
    }
    out.set(rec.id, { noc85: rec.noc85, noc90: rec.noc90 });
  }
  return out;
}

export interface PairedDiff extends Interval {
  /** Objects in both runs (the difference is over these only). */
  n: number;
  /** Objects that took fewer clicks than in the baseline, and more. */
  fewer: number;
  more: number;
  /** Objects of this run that the baseline does not have. */
  unmatched: number;
}

/** This run's NoC minus the baseline's, object by object (negative: fewer clicks now). */
export function pairedDiff(baseline: Details, current: ReadonlyArray<{ id: string; noc85: number; noc90: number }>, key: 'noc85' | 'noc90'): PairedDiff {
  const diffs: number[] = [];
  let unmatched = 0;
  for (const r of current) {
    const b = baseline.get(r.id);
    if (b) diffs.push(r[key] - b[key]);
    else unmatched++;
  }
  return {
    ...bootstrapMean(diffs),
    n: diffs.length,
    fewer: diffs.filter((d) => d < 0).length,
    more: diffs.filter((d) => d > 0).length,
    unmatched,
  };
}

/** Both NoCs of a run against a baseline, object by object. */
export function pairedVs(baseline: Details, current: ReadonlyArray<{ id: string; noc85: number; noc90: number }>): { noc85: PairedDiff; noc90: PairedDiff } {
  return { noc85: pairedDiff(baseline, current, 'noc85'), noc90: pairedDiff(baseline, current, 'noc90') };
}

/** "+0.12 (95% interval -0.05 to +0.30)": how both CLIs print a difference. */
function formatDiff(v: Interval): string {
  return `${signed(v.mean)} (95% interval ${signed(v.lo)} to ${signed(v.hi)})`;
}

function signed(v: number): string {
  return `${v > 0 ? '+' : ''}${v.toFixed(2)}`;
}

/** The lines both CLIs print for a paired comparison against a baseline file. */
export function describeVs(baselineFile: string, vs: { noc85: PairedDiff; noc90: PairedDiff }): string[] {
  return [
    `against ${baselineFile}, on the ${vs.noc90.n} objects in both (${vs.noc90.unmatched} not in it), this run minus that one:`,
    `  NoC@85 ${formatDiff(vs.noc85)}`,
    `  NoC@90 ${formatDiff(vs.noc90)}; ${vs.noc90.fewer} objects took fewer clicks to 90%, ${vs.noc90.more} more`,
  ];
}
