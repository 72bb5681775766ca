// Inference across nodes (server/cluster/CONTEXT.md, seam 3) on the real Redis and PostgreSQL: a
// worker attached to node 1 answers a client of node 3, which has no worker of its own; the
// worker fetches the image from node 1 (shared image directory), the mask goes back through the
// socket.io Redis adapter; the same for the object detector's detections; and once node 1 is gone,
// node 3 answers `no_worker` instead of hanging.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Server as IoServer, type Socket as ServerSocket } from 'socket.io';
import { io as ioClient, type Socket as ClientSocket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRle } from '../../shared/codecs/rle';
import type { InferencePool } from '../../server/inference';
import { clusterEnv, type ClusterEnv } from '../helpers/cluster';
import { holdRedisLock } from '../helpers/clusterFixtures';
import { syntheticPng } from '../helpers/images';
import { connected, expectDiscMask, startTestWorker } from '../helpers/inference';
import { DEV } from '../helpers/devMasks';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { waitFor } from '../helpers/waitFor';

holdRedisLock();
let env: ClusterEnv | null = null;
const nodes: TestServer[] = [];
const clients: ClientSocket[] = [];

const W = 160;
const H = 120;

beforeAll(async () => {
  // Local worker children inherit the environment: keep their logs out of the test output.
  process.env.LOG_LEVEL ??= 'warn';
}, 600_000);
afterAll(async () => {
  for (const c of clients) c.disconnect();
  for (const n of nodes.reverse()) await n.close();
  await env?.cleanup();
}, 120_000);

/** Node `i` of the cluster; only node 1 forks a local worker. */
async function startNode(c: ClusterEnv, i: number, workers: number): Promise<TestServer> {
  const n = await startTestServer({
    inference: true,
    dataDir: fs.mkdtempSync(path.join(c.root, `node-${i}-`)),
    env: {
      ...c.env,
      NODE_ID: `node-${i}`,
      INFERENCE_WORKERS: String(workers),
      INFERENCE_THREADS: '1',
      INFERENCE_RATE_PER_SEC: '1000',
      // Generous: the machine running tests may be heavily loaded.
      INFERENCE_TIMEOUT_MS: '60000',
      INFERENCE_DEFAULT_MODEL: 'graphcut',
    },
  });
  nodes.push(n);
  return n;
}

type SegmentAck = { ok: true; data: { mask: { size: [number, number]; counts: string }; model: string } } | { ok: false; error: { code: string } };

async function segment(c: ClientSocket, payload: unknown): Promise<SegmentAck> {
  return (await c.timeout(90_000).emitWithAck('segment', payload)) as SegmentAck;
}

/** Sends the request until `done(ack)` holds (answers before it are transitions); fails after `timeoutMs`. */
async function segmentUntil(c: ClientSocket, payload: unknown, done: (a: SegmentAck) => boolean, what: string, timeoutMs = 60_000): Promise<SegmentAck> {
  const deadline = Date.now() + timeoutMs;
  const seen: string[] = [];
  for (;;) {
    const a = await segment(c, payload);
    if (done(a)) return a;
    seen.push(a.ok ? 'ok' : a.error.code);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; answers: ${seen.slice(-5).join(', ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('inference across nodes', () => {
  it('a worker attached to node 1 answers a client of node 3; without node 1, node 3 answers no_worker', async () => {
    env = await clusterEnv();
    // Node 1 first: it migrates the schema and registers the admin token the others then find.
    const n1 = await startNode(env, 1, 1);
    await startNode(env, 2, 0);
    const n3 = await startNode(env, 3, 0);

    const { projectId, taskId } = await n3.createProjectWithTask({ image: await syntheticPng(W, H), imageType: 'image/png' });
    const { token } = await n3.addMember(projectId, 'annotator');
    const c = ioClient(n3.url + '/inference', { auth: { token }, transports: ['websocket'] });
    clients.push(c);
    await connected(c);

    const request = { taskId, objectId: 'o1', model: 'graphcut', clicks: [{ x: 88, y: 60, positive: true }] };
    // Until node 1's worker has joined and node 3 has heard of it, node 3 answers no_worker.
    const ack = await segmentUntil(c, request, (a) => a.ok || a.error.code !== 'no_worker', 'node 3 to use the worker of node 1');
    expect(ack.ok ? "ok" : JSON.stringify(ack.error)).toBe("ok");
    if (!ack.ok) return;
    expect(ack.data.model).toBe('graphcut');
    // The synthetic image has a disc of radius 30 at (88, 60): the click lands inside it.
    expectDiscMask(ack.data.mask, W, H);
    // Node 3 itself has no worker: the mask came from node 1's.
    expect((n3.server.inference as InferencePool | null)?.workers()).toEqual([]);
    expect((n1.server.inference as InferencePool | null)?.workers()).toHaveLength(1);

    // Detections too (Find objects, pre-labelling): node 3 lists node 1's detector and sends it the job.
    expect((await n3.api('GET', '/api/detectors')).body.map((d: { id: string }) => d.id)).toEqual(['coco-detector']);
    const photo = await n3.api('POST', `/api/projects/${projectId}/tasks?name=bag.jpg`, fs.readFileSync(path.join(DEV, 'images', 'backpack07_000000370478.jpg')), undefined, { 'content-type': 'image/jpeg' });
    const found = (await c.timeout(90_000).emitWithAck('detect', { taskId: photo.body.id })) as { ok: boolean; data?: { model: string; detections: Array<{ label: string }> } };
    expect(found.ok).toBe(true);
    expect(found.data?.model).toBe('coco-detector');
    expect(found.data?.detections.map((d) => d.label)).toContain('backpack');

    await n1.close();
    nodes.splice(nodes.indexOf(n1), 1);
    const gone = await segmentUntil(c, { ...request, clicks: [{ x: 20, y: 20, positive: true }] }, (a) => !a.ok && a.error.code === 'no_worker', 'node 3 to answer no_worker');
    expect(gone).toMatchObject({ ok: false, error: { code: 'no_worker' } });
    expect(await c.timeout(30_000).emitWithAck('detect', { taskId: photo.body.id })).toMatchObject({ ok: false, error: { code: 'no_worker' } });
  }, 240_000);
});

describe('a worker serving several nodes', () => {
  // Each node counts only the jobs it sent, so the worker itself refuses work beyond its capacity.
  it('answers busy beyond its own capacity, and still answers the job it holds', async () => {
    const server = http.createServer();
    const io = new IoServer(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const png = await syntheticPng(W, H);
    let releaseImage: () => void = () => {};
    let imageAsked = false;
    let attached: ServerSocket | null = null;
    io.of('/workers').on('connection', (s) => {
      s.on('worker:hello', (_hello: unknown, ack: (a: unknown) => void) => {
        attached = s;
        ack({ ok: true, data: {} });
      });
      // The image is held back until the test lets it go: the first job stays in progress.
      s.on('worker:image', (_req: unknown, ack: (a: unknown) => void) => {
        imageAsked = true;
        releaseImage = () => ack({ ok: true, data: { bytes: png, width: W, height: H } });
      });
    });
    const worker = await startTestWorker(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 'any', { capacity: 1, cacheBytes: 1 << 24 });
    try {
      await worker.ready;
      const job = (jobId: string) => ({ jobId, taskId: 't1', width: W, height: H, model: 'graphcut', clicks: [{ x: 88, y: 60, positive: true }] });
      const first = attached!.timeout(60_000).emitWithAck('worker:segment', job('j1'));
      await waitFor(() => imageAsked, 'the worker to ask for the image', 20_000);
      const second = await attached!.timeout(60_000).emitWithAck('worker:segment', job('j2'));
      expect(second).toMatchObject({ ok: false, error: { code: 'busy' } });
      releaseImage();
      const a = (await first) as { ok: boolean; data: { mask: { size: number[]; counts: string } } };
      expect(a.ok).toBe(true);
      expect(decodeRle(a.data.mask as never).data[60 * W + 88]).toBe(1);
    } finally {
      await worker.close();
      await new Promise<void>((r) => io.close(() => r()));
    }
  }, 120_000);
});
