// A pre-labelling run while the worker running the detector restarts (a GPU worker attached to the
// server, redeployed mid-run): the run pauses instead of failing, says so, and carries on from the
// image it had reached once a worker with the detector is back; every image ends with its objects.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listObjects } from '../../shared/schema/annotation';
import type { InferencePool } from '../../server/inference';
import type { RunningWorker } from '../../server/inference/worker/startWorker';
import { DEV } from '../helpers/devMasks';
import { startTestWorker } from '../helpers/inference';
import { startTestServer } from '../helpers/testServer';
import { waitFor } from '../helpers/waitFor';
import { connectClient } from '../helpers/yclient';

const IMAGES = 8;

describe('a pre-labelling run while its worker restarts', () => {
  it('pauses when the worker running the detector goes away, and carries on from that image when one is back', async () => {
    const s = await startTestServer({ inference: true, env: { INFERENCE_WORKERS: '0', INFERENCE_TIMEOUT_MS: '60000' } });
    const attach = () => startTestWorker(s.url, (s.server.inference as InferencePool).workerToken, { modelsDir: path.resolve('models'), cacheBytes: 1 << 26 });
    let worker: RunningWorker | null = null;
    try {
      const bag = fs.readFileSync(path.join(DEV, 'images', 'backpack07_000000370478.jpg'));
      const p = await s.api('POST', '/api/projects', { name: 'restart', labels: [{ name: 'bag', color: '#22c55e' }] });
      const projectId = p.body.id as string;
      const taskIds: string[] = [];
      for (let i = 0; i < IMAGES; i++) taskIds.push((await s.api('POST', `/api/projects/${projectId}/tasks?name=bag${i}.jpg`, bag, undefined, { 'content-type': 'image/jpeg' })).body.id);
      worker = await attach();
      await waitFor(async () => (await s.api('GET', '/api/detectors')).body.length === 1, 'the worker to announce the detector', 60_000);
      const status = async () => (await s.api('GET', `/api/projects/${projectId}/prelabel`)).body;
      expect((await s.api('POST', `/api/projects/${projectId}/prelabel`, { labels: { backpack: 'bag' } })).status).toBe(202);
      await waitFor(async () => (await status()).done >= 2, 'two images done', 90_000, 20);
      await worker.close(); // redeployed
      worker = null;
      const paused = await waitFor(async () => {
        const st = await status();
        return st.paused === 'no_worker' && st;
      }, 'the run to pause', 30_000);
      expect(paused).toMatchObject({ state: 'running', failedTasks: 0 });
      expect(paused.done).toBeLessThan(IMAGES); // paused halfway, or this test proves nothing
      await new Promise((r) => setTimeout(r, 1000));
      expect((await status()).done).toBe(paused.done); // waiting, not working through failures

      worker = await attach(); // back
      const st = await waitFor(async () => {
        const x = await status();
        return x.state !== 'running' && x;
      }, 'the run to finish', 120_000);
      expect(st).toMatchObject({ state: 'done', total: IMAGES, done: IMAGES, failedTasks: 0, resumed: 1 });
      expect(st.paused).toBeUndefined();
      for (const id of taskIds) {
        const c = connectClient(s.wsUrl, `task:${id}`, s.adminToken);
        await c.synced();
        expect(listObjects(c.doc).filter((o) => o.label === 'bag' && o.createdFrom === 'detector').length).toBeGreaterThan(0);
        c.destroy();
      }
    } finally {
      await worker?.close();
      await s.close();
    }
  }, 300_000);
});
