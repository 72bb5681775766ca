// The first click on the next image: what an annotator waits for after "Submit & next" when the
// worker has not seen the image (decode + encoder + decoder), against the same click after the
// editor had the worker load the task ahead (`prefetch` with `ahead: true`, sent 3 s after a task
// opens). Fresh tasks each round, so nothing is cached but what the ahead load put there; the
// default model (the served ONNX one) on a 640×480, a 24 MP and a 64 MP photo (the upload limit),
// with the default image cache (INFERENCE_CACHE_MB).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startHarness } from '../integration/inference.harness';
import { addPhotoTask, pct } from './inference.bench';
import type { BenchResult } from './types';

const SIZES: ReadonlyArray<[number, number]> = [
  [640, 480],
  [6000, 4000],
  [9200, 6900],
];

export async function run({ quick }: { quick: boolean }): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const rounds = quick ? 2 : 5;
  // The served models and default (the harness's own are a test fixture and graph cut), with the
  // threads `npm start` gives one worker.
  const served = JSON.parse(fs.readFileSync('models/manifest.json', 'utf8')) as { models: Array<{ id: string; default?: boolean }> };
  const model = served.models.find((m) => m.default)?.id ?? served.models[0].id;
  const h = await startHarness({
    INFERENCE_WORKERS: '1', INFERENCE_RATE_PER_SEC: '10000', INFERENCE_TIMEOUT_MS: '120000', INFERENCE_THREADS: String(os.cpus().length),
    INFERENCE_MODELS_DIR: path.resolve('models'), INFERENCE_DEFAULT_MODEL: model,
  });
  try {
    await h.inference.waitForWorkers(1, 60_000);
    const c = await h.client(await h.member('annotator'));
    for (const [w, ht] of SIZES) {
      const click = (taskId: string) => ({ taskId, objectId: 'o', clicks: [{ x: Math.round(w * 0.47), y: Math.round(ht * 0.46), positive: true }] });
      const first = async (taskId: string) => {
        const t0 = performance.now();
        const ack = await c.timeout(120_000).emitWithAck('segment', click(taskId));
        if (!ack.ok) throw new Error(`segment failed: ${ack.error?.code}`);
        return performance.now() - t0;
      };
      await first(await addPhotoTask(h, w, ht)); // JIT and session warm-up
      const cold: number[] = [];
      const ahead: number[] = [];
      let loaded = 0;
      for (let i = 0; i < rounds; i++) {
        cold.push(await first(await addPhotoTask(h, w, ht)));
        const next = await addPhotoTask(h, w, ht);
        const a = await c.timeout(120_000).emitWithAck('prefetch', { taskId: next, ahead: true });
        if (a.data?.loaded) loaded++;
        ahead.push(await first(next));
      }
      const name = `first click on a new task, ${w}x${ht}, ${model}`;
      out.push({ name: `${name}, cold`, metric: 'p50', value: pct(cold, 50), unit: 'ms' });
      out.push({ name: `${name}, loaded ahead`, metric: 'p50', value: pct(ahead, 50), unit: 'ms' });
      out.push({ name: `${name}, loaded ahead`, metric: 'loaded', value: loaded / rounds, unit: 'share' });
    }
  } finally {
    await h.close();
  }
  return out;
}

// `npx tsx tests/bench/nextTask.bench.ts [--quick]` runs this file alone.
if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const results = await run({ quick: process.argv.includes('--quick') });
  for (const r of results) console.log(`${r.name.padEnd(62)} ${r.metric.padEnd(6)} ${r.value.toFixed(1).padStart(8)} ${r.unit}`);
  process.exit(0);
}
