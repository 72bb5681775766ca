// What "Find objects" and project pre-labelling cost, on dev photos through a running server with
// one local worker and the shipped models: a `detect` round trip (image already in the worker's
// cache, as in an open editor), and a whole project pre-labelled with every COCO class mapped to a
// label of its name (detection + a box request per object + one room write per image), and the
// detector alone (the worker's code: resize to 416 px, one run, NMS) on a 640×480, a 24 MP and a
// 64 MP image, where the resize is most of the cost. `npm run bench -- detect [--quick]`.
import fs from 'node:fs';
import path from 'node:path';
import { io as ioClient } from 'socket.io-client';
import { pino } from 'pino';
import { createDetectors } from '../../server/inference/worker/createEngines';
import { startTestServer } from '../helpers/testServer';
import { waitFor } from '../helpers/waitFor';
import { connected } from '../helpers/inference';
import { pct } from './inference.bench';
import type { BenchResult } from './types';

const DEV = path.resolve('../shared/datasets/dev/COCO_MVal_dev');

/** The detector through the worker's code on synthetic images of camera sizes (ms per call). */
async function bySize(quick: boolean): Promise<BenchResult[]> {
  const detector = (await createDetectors({ modelsDir: path.resolve('models'), providers: ['cpu'], threads: 2, log: pino({ level: 'silent' }) })).get('coco-detector');
  if (!detector) throw new Error('models/manifest.json lists no coco-detector');
  const out: BenchResult[] = [];
  for (const [w, h] of [[640, 480], [6000, 4000], [9200, 6900]]) {
    const data = new Uint8Array(w * h * 3);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 255;
    const image = { width: w, height: h, data };
    await detector.detect(image, 0.35); // warm-up
    const times: number[] = [];
    for (let k = 0; k < (quick ? 2 : 5); k++) {
      const t0 = performance.now();
      await detector.detect(image, 0.35);
      times.push(performance.now() - t0);
    }
    out.push({ name: `detector alone (resize + run + NMS), ${w}×${h}`, metric: 'p50', value: pct(times, 50), unit: 'ms' });
  }
  await detector.dispose?.();
  return out;
}

export async function run({ quick }: { quick: boolean }): Promise<BenchResult[]> {
  const sizes = await bySize(quick);
  const n = quick ? 8 : 40;
  const srv = await startTestServer({ inference: true });
  try {
    await waitFor(async () => (await srv.api('GET', '/api/detectors')).body.length === 1, 'a worker to announce the detector', 60_000);
    const classes = ((await srv.api('GET', '/api/detectors')).body[0].classes as string[]);
    const p = await srv.api('POST', '/api/projects', { name: 'bench', labels: classes.map((c) => ({ name: c, color: '#22c55e' })) });
    const projectId = p.body.id as string;
    // Every fifth dev photo: a spread of classes and sizes.
    const files = fs.readdirSync(path.join(DEV, 'images')).sort().filter((_, i) => i % 5 === 0).slice(0, n);
    const ids: string[] = [];
    for (const f of files) ids.push((await srv.api('POST', `/api/projects/${projectId}/tasks?name=${f}`, fs.readFileSync(path.join(DEV, 'images', f)), undefined, { 'content-type': 'image/jpeg' })).body.id);

    const c = ioClient(`${srv.url}/inference`, { auth: { token: srv.adminToken }, transports: ['websocket'], reconnection: false });
    await connected(c);
    const detect = async (taskId: string) => {
      const t0 = performance.now();
      const ack = await c.timeout(120_000).emitWithAck('detect', { taskId });
      if (!ack.ok) throw new Error(`detect failed: ${ack.error?.code}`);
      return performance.now() - t0;
    };
    await detect(ids[0]); // session warm-up
    const cold: number[] = [];
    const warm: number[] = [];
    for (const id of ids.slice(1)) {
      cold.push(await detect(id)); // the worker decodes the photo first
      warm.push(await detect(id));
    }
    c.disconnect();

    const map = Object.fromEntries(classes.map((cl) => [cl, cl]));
    const t0 = performance.now();
    await srv.api('POST', `/api/projects/${projectId}/prelabel`, { labels: map });
    let st: { state: string; objects: number; done: number; failedTasks: number } = { state: 'running', objects: 0, done: 0, failedTasks: 0 };
    await waitFor(async () => (st = (await srv.api('GET', `/api/projects/${projectId}/prelabel`)).body).state !== 'running', 'the job', 600_000, 100);
    const s = (performance.now() - t0) / 1000;
    if (st.failedTasks) throw new Error(`${st.failedTasks} tasks failed`);
    const what = `detect round trip, ${cold.length} dev photos`;
    const job = `pre-label ${st.done} dev photos, 80 classes mapped (${st.objects} objects)`;
    return [
      ...sizes,
      { name: `${what}, image cached`, metric: 'p50', value: pct(warm, 50), unit: 'ms' },
      { name: `${what}, image cached`, metric: 'max', value: Math.max(...warm), unit: 'ms' },
      { name: `${what}, first on the image`, metric: 'p50', value: pct(cold, 50), unit: 'ms' },
      { name: job, metric: 'per image', value: (s * 1000) / st.done, unit: 'ms' },
      { name: job, metric: 'objects per image', value: st.objects / st.done, unit: '' },
    ];
  } finally {
    await srv.close();
  }
}
