// Imported pre-labels are ordinary masks: the model refines them (sent as prevMask) through the
// real server with a real inference worker, and the refined mask lands in history and exports.
import { io as ioClient, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRle, encodeRle, rleIou, type Rle } from '../../shared/codecs/rle';
import { listObjects, setMask, appendClicks } from '../../shared/schema/annotation';
import type { ObjectId } from '../../shared/schema/ids';
import type { InferencePool } from '../../server/inference/index';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { connectClient, type YClient } from '../helpers/yclient';
import { waitFor } from '../helpers/waitFor';
import { draw } from '../fixtures/dataset/sampleProject';

// makeImage(64, 48) (tests/helpers/images.ts) paints a bright square over x 17..47, y 13..35.
const W = 64;
const H = 48;
const inSquare = (x: number, y: number) => x > W / 4 && x < (3 * W) / 4 && y > H / 4 && y < (3 * H) / 4;

let s: TestServer;
let client: YClient;
let socket: Socket;
let projectId: string;
let taskId: string;
let annotator: { userId: string; token: string };

beforeAll(async () => {
  s = await startTestServer({ inference: true, env: { INFERENCE_WORKERS: '1', INFERENCE_THREADS: '1', INFERENCE_RATE_PER_SEC: '1000' } });
  ({ projectId, taskId } = await s.createProjectWithTask({ labels: [{ name: 'box', color: '#00ff00' }], taskName: 'square.png' }));
  annotator = await s.addMember(projectId, 'annotator');
  client = connectClient(s.wsUrl, `task:${taskId}`, annotator.token);
  await client.synced();
  socket = ioClient(`${s.url}/inference`, { auth: { token: annotator.token }, transports: ['websocket'], reconnection: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
}, 120_000);

afterAll(async () => {
  socket?.disconnect();
  client?.destroy();
  await s?.close();
});

describe('refining imported pre-labels', () => {
  it('sends an imported mask as prevMask, stores the refined mask, and history shows both', async () => {
    // A sloppy pre-label: the left half of the square only.
    const rough = encodeRle(draw(W, H, (x, y) => inSquare(x, y) && x < 32), W, H);
    const coco = {
      images: [{ id: 1, file_name: 'square.png', width: W, height: H }],
      categories: [{ id: 1, name: 'box' }],
      annotations: [{ id: 1, image_id: 1, category_id: 1, segmentation: rough, iscrowd: 0 }],
    };
    const imp = await s.api('POST', `/api/projects/${projectId}/import?format=coco`, new TextEncoder().encode(JSON.stringify(coco)), annotator.token, { 'content-type': 'application/json' });
    expect(imp.status).toBe(200);
    const obj = await waitFor(() => listObjects(client.doc)[0], 'the imported object on the client');
    expect(obj.source).toBe('import');

    // createInference returns the pool; its operational extras are not on the service type.
    await (s.server.inference as InferencePool).waitForWorkers(1, 90_000);
    // Ready once storage answers and a worker with a model is attached; /metrics shows the worker.
    const ready = await fetch(`${s.url}/readyz`);
    expect(ready.status).toBe(200);
    expect((await ready.json()).checks.inference.workers).toBe(1);
    expect(await (await fetch(`${s.url}/metrics`)).text()).toMatch(/^tandem_inference_workers\{kind="local",provider="cpu"\} 1$/m);
    const clicks = [{ x: 40, y: 24, positive: true }];
    const ack: { ok: boolean; data?: { mask: Rle; model: string }; error?: unknown } = await socket
      .timeout(60_000)
      .emitWithAck('segment', { taskId, objectId: obj.id, clicks, prevMask: obj.mask });
    expect(ack.ok, JSON.stringify(ack.error)).toBe(true);
    const refined = ack.data!.mask;
    expect(refined.size).toEqual([H, W]);
    // The refined mask covers the clicked pixel the pre-label missed. (How well the engine
    // segments is the inference tests' business; this checks the pre-label → model path.)
    expect(decodeRle(rough).data[24 * W + 40]).toBe(0);
    expect(decodeRle(refined).data[24 * W + 40]).toBe(1);
    expect(rleIou(refined, rough)).toBeLessThan(1);

    // The editor commits the result like any model mask.
    client.doc.transact(() => {
      appendClicks(client.doc, obj.id as ObjectId, clicks.map((c) => ({ ...c, by: annotator.userId, at: Date.now() })), annotator.userId);
      setMask(client.doc, obj.id as ObjectId, refined, annotator.userId, { source: 'model', model: ack.data!.model });
    });
    const h = await waitFor(async () => {
      const r = await s.api('GET', `/api/tasks/${taskId}/objects/${obj.id}/history`, undefined, annotator.token);
      return r.body.versions?.length === 2 ? r.body.versions : null;
    }, 'the refined version');
    expect(h.map((v: { source: string }) => v.source)).toEqual(['import', 'model']);
    expect(h[1]).toMatchObject({ model: ack.data!.model, clicks: [{ x: 40, y: 24, positive: true, by: annotator.userId }] });
    const exp = await s.api('GET', `/api/tasks/${taskId}/export?format=coco`);
    expect(exp.body.annotations[0].segmentation).toEqual(refined);
  });
});
