// `npm run eval:compare -- <details file> --baseline <details file>`: the paired difference of two
// runs already made, whatever made them: `npm run eval -- --details` (the worker's code path) or
// models/train's `evaluate.py --details` (PyTorch, e.g. a logit ensemble of checkpoints, which the
// worker does not serve). The same figures `npm run eval -- --baseline` prints after a run: this
// file's NoC minus the baseline's, object by object, with a 95% bootstrap interval (compare.ts).
import { parseArgs } from 'node:util';
import { bootstrapMean, describeVs, pairedVs, readDetails } from './compare';

const USAGE = 'usage: npm run eval:compare -- <details file> --baseline <details file> [--json]';

function main(): void {
  const { values, positionals } = parseArgs({
    options: { baseline: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help || positionals.length !== 1 || !values.baseline) {
    console.error(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  let run, baseline;
  try {
    run = readDetails(positionals[0]);
    baseline = readDetails(values.baseline);
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const rows = [...run].map(([id, r]) => ({ id, ...r }));
  const noc85 = rows.reduce((s, r) => s + r.noc85, 0) / Math.max(rows.length, 1);
  const ci = bootstrapMean(rows.map((r) => r.noc90));
  const vs = pairedVs(baseline, rows);
  console.log(`${positionals[0]}: ${rows.length} objects, NoC@85 ${noc85.toFixed(2)}, NoC@90 ${ci.mean.toFixed(2)} (95% interval ${ci.lo.toFixed(2)}-${ci.hi.toFixed(2)})`);
  for (const line of describeVs(values.baseline, vs)) console.log(line);
  if (values.json) console.log(JSON.stringify({ n: rows.length, noc85, noc90: ci.mean, noc90Interval: [ci.lo, ci.hi], vsBaseline: vs }));
}

main();
