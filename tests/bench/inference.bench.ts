// Click-to-mask latency through socket.io (client send → ack), p50/p95, on a 480p image that the
// worker has cached, for 1, 4 and 16 concurrent annotators, per engine; on a 24-megapixel photo
// (6000×4000, a camera's) and on the largest upload allowed (64 MP, 9200×6900) for one annotator
// and the ONNX models; and throughput with 1 and 2 local
// workers. An annotator sends a click, waits for the mask, clicks again (a growing click
// list, as in the editor); on `busy` it retries after 20 ms and the wait counts in its latency.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { Socket } from 'socket.io-client';
import { startHarness, type Harness } from '../integration/inference.harness';
import type { BenchResult } from './types';

const DEV_IMAGE = path.resolve('../shared/datasets/dev/COCO_MVal_dev/images/airplane07_000000504000.jpg');
const W = 640;
const H = 480;
/** Camera photos: 24 MP, and 64 MP (the upload limit, at 640×480's aspect). */
const PHOTOS: ReadonlyArray<[number, number]> = [
  [6000, 4000],
  [9200, 6900],
];
// The served models by default; INFERENCE_MODELS_DIR benches another folder (an older release beside the new one)
const MODELS_DIR = path.resolve(process.env.INFERENCE_MODELS_DIR ?? 'models');

export function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
}

/** A w×h photo (a dev image stretched) as the task image, else the harness's synthetic one. */
export async function addPhotoTask(h: Harness, w = W, ht = H): Promise<string> {
  if (!fs.existsSync(DEV_IMAGE)) return h.addTask(w, ht);
  const bytes = await sharp(DEV_IMAGE).resize(w, ht, { fit: 'fill' }).jpeg({ quality: 90 }).toBuffer();
  const key = `bench-${Date.now()}`;
  await h.storage.images.put(key, bytes);
  const t = await h.storage.meta.createTask({ projectId: h.projectId, name: 'bench.jpg', width: w, height: ht, imageKey: key, mime: 'image/jpeg' });
  return t.id;
}

function request(model: string, taskId: string, objectId: string, k: number, engine: string, zoom = 1) {
  // Clicks around the centre, alternating sign after the first, like a refining annotator; `zoom`
  // places them on the same spots of a larger rendering of the image.
  const clicks = Array.from({ length: k }, (_, i) => ({ x: zoom * (300 + ((i * 37) % 80)), y: zoom * (220 + ((i * 53) % 60)), positive: i % 3 !== 2 }));
  return engine === 'grabcut' ? { taskId, objectId, model, clicks: clicks.slice(1), box: [200, 150, 460, 340] } : { taskId, objectId, model, clicks };
}

async function send(c: Socket, payload: unknown): Promise<{ ok: boolean; error?: { code: string }; data?: { mask: unknown } }> {
  for (;;) {
    const ack = await c.timeout(120_000).emitWithAck('segment', payload);
    if (ack.ok || ack.error?.code !== 'busy') return ack;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** `zoom` scales the clicks to a larger image; `withPrev` sends each mask back with the next click,
 *  as the editor does (the current mask is the next click's previous mask). */
async function annotators(h: Harness, n: number, perAnnotator: number, model: string, engine: string, taskId: string, zoom = 1, withPrev = false) {
  const clients = await Promise.all(Array.from({ length: n }, async () => h.client(await h.member('annotator'))));
  const lat: number[] = [];
  let failed = 0;
  const t0 = performance.now();
  await Promise.all(
    clients.map(async (c, a) => {
      let prevMask: unknown;
      for (let k = 1; k <= perAnnotator; k++) {
        const t = performance.now();
        const ack = await send(c, { ...request(model, taskId, `obj-${a}`, Math.min(k, 10), engine, zoom), ...(prevMask ? { prevMask } : {}) });
        if (ack.ok) lat.push(performance.now() - t);
        else failed++;
        if (withPrev && ack.ok) prevMask = ack.data!.mask;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  for (const c of clients) c.disconnect();
  return { lat, failed, seconds };
}

export async function run({ quick }: { quick: boolean }): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const per = quick ? 4 : 12;
  // Latency: one local worker, per engine.
  {
    const h = await startHarness({ INFERENCE_WORKERS: '1', INFERENCE_RATE_PER_SEC: '10000', INFERENCE_TIMEOUT_MS: '120000', INFERENCE_MODELS_DIR: MODELS_DIR });
    try {
      await h.inference.waitForWorkers(1, 60_000);
      const taskId = await addPhotoTask(h);
      const models = h.inference.listModels();
      for (const m of models) {
        // Warm: image fetched, decoded, features computed, JIT hot.
        await annotators(h, 1, 2, m.id, m.engine, taskId);
        for (const n of [1, 4, 16]) {
          const r = await annotators(h, n, Math.max(2, Math.ceil((per * 4) / n)), m.id, m.engine, taskId);
          const goal = m.engine === 'onnx' ? { p50: '<= 30', p95: '<= 60' } : { p50: '', p95: '' };
          out.push({ name: `click→mask ${m.id}, ${n} annotator${n > 1 ? 's' : ''}, 640x480, 1 worker`, metric: 'p50', value: pct(r.lat, 50), unit: 'ms', goal: goal.p50 || undefined });
          out.push({ name: `click→mask ${m.id}, ${n} annotator${n > 1 ? 's' : ''}, 640x480, 1 worker`, metric: 'p95', value: pct(r.lat, 95), unit: 'ms', goal: goal.p95 || undefined });
          if (r.failed) out.push({ name: `click→mask ${m.id}, ${n} annotators`, metric: 'failed', value: r.failed, unit: 'requests' });
        }
      }
      // A camera photo: the model's frame is as small as ever, but the mask, the previous mask and
      // every pixel step around the network are 24-64 MP.
      for (const [bw, bh] of PHOTOS) {
        const big = await addPhotoTask(h, bw, bh);
        for (const m of models.filter((x) => x.engine === 'onnx')) {
          await annotators(h, 1, 2, m.id, m.engine, big, bw / W, true);
          const r = await annotators(h, 1, quick ? 6 : 16, m.id, m.engine, big, bw / W, true);
          const name = `click→mask ${m.id}, 1 annotator, ${bw}x${bh}, 1 worker`;
          out.push({ name, metric: 'p50', value: pct(r.lat, 50), unit: 'ms' }, { name, metric: 'p95', value: pct(r.lat, 95), unit: 'ms' });
        }
      }
    } finally {
      await h.close();
    }
  }
  // Throughput: 8 annotators on graphcut, 1 vs 2 local workers.
  for (const workers of [1, 2]) {
    const h = await startHarness({ INFERENCE_WORKERS: String(workers), INFERENCE_RATE_PER_SEC: '10000', INFERENCE_TIMEOUT_MS: '120000', INFERENCE_MODELS_DIR: MODELS_DIR });
    try {
      await h.inference.waitForWorkers(workers, 60_000);
      const taskId = await addPhotoTask(h);
      for (let i = 0; i < workers; i++) await annotators(h, 2, 2, 'graphcut', 'graphcut', taskId); // every worker caches the image
      const r = await annotators(h, 8, quick ? 3 : 8, 'graphcut', 'graphcut', taskId);
      out.push({ name: `throughput graphcut, 8 annotators, ${workers} local worker${workers > 1 ? 's' : ''}`, metric: 'rate', value: r.lat.length / r.seconds, unit: 'masks/s' });
    } finally {
      await h.close();
    }
  }
  return out;
}

// `npx tsx tests/bench/inference.bench.ts [--quick]` runs this file alone.
if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const results = await run({ quick: process.argv.includes('--quick') });
  for (const r of results) console.log(`${r.name.padEnd(62)} ${r.metric.padEnd(6)} ${r.value.toFixed(1).padStart(8)} ${r.unit} ${r.goal ?? ''}`);
  process.exit(0);
}
