// `npm run bench [-- name-filter] [--quick]`: runs every tests/bench/*.bench.ts in turn (never in
// parallel: they measure the same two cores), prints one table and writes bench-results/<date>.json.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchModule, BenchResult } from './types';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const filters = args.filter((a) => !a.startsWith('--'));

const files = fs
  .readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

const all: Array<BenchResult & { suite: string }> = [];
for (const f of files) {
  const suite = f.replace(/\.bench\.ts$/, '');
  process.stdout.write(`running ${suite}...\n`);
  const mod = (await import(pathToFileURL(path.join(here, f)).href)) as BenchModule;
  const results = await mod.run({ quick });
  for (const r of results) all.push({ suite, ...r });
}

const rows = all.map((r) => [r.suite, r.name, r.metric, fmt(r.value), r.unit, r.goal ?? '']);
const head = ['suite', 'what', 'metric', 'value', 'unit', 'goal'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
console.log('\n' + line(head) + '\n' + widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(line(r));

const outDir = path.resolve('bench-results');
fs.mkdirSync(outDir, { recursive: true });
const out = path.join(outDir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
const machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version };
fs.writeFileSync(out, JSON.stringify({ machine, quick, results: all }, null, 2));
fs.copyFileSync(out, path.join(outDir, 'latest.json'));
console.log(`\nwrote ${out}`);
process.exit(0);

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2);
}
