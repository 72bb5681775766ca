// `detect` on /inference (objects a detector finds, to pre-label an image): the shipped COCO
// detector in a real worker process on a dev photo, every bad request with its code, and the
// pool's side with workers the test holds: a worker lost mid-detection, all workers full, a
// deadline.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskId } from '../../shared/schema/ids';
import { boxIou } from '../../shared/geometry/boxIou';
import { devMaskBox, DEV } from '../helpers/devMasks';
import { waitFor } from '../helpers/waitFor';
import { ControlledWorker, startHarness, type Harness } from './inference.harness';
import type { Socket as ClientSocket } from 'socket.io-client';

const ID = 'backpack07_000000370478';

function detect(c: ClientSocket, payload: unknown): Promise<{ ok: boolean; data?: any; error?: { code: string; message: string } }> {
  return c.timeout(60_000).emitWithAck('detect', payload);
}

async function addPhoto(h: Harness, file: string): Promise<TaskId> {
  const bytes = fs.readFileSync(file);
  const { width, height } = await sharp(bytes).metadata();
  const key = `photo-${Date.now()}-${Math.random()}`;
  await h.storage.images.put(key, bytes);
  const t = await h.storage.meta.createTask({ projectId: h.projectId, name: path.basename(file), width: width!, height: height!, imageKey: key, mime: 'image/jpeg' });
  return t.id;
}

describe('detect with the shipped detector', () => {
  let h: Harness;
  let token: string;
  let taskId: TaskId;
  beforeAll(async () => {
    h = await startHarness({ INFERENCE_MODELS_DIR: path.resolve('models'), INFERENCE_RATE_PER_SEC: '1000' });
    token = await h.member('annotator');
    taskId = await addPhoto(h, path.join(DEV, 'images', `${ID}.jpg`));
    await h.inference.waitForWorkers(1, 45_000);
    await waitFor(() => h.inference.listDetectors().length > 0, 'the worker to announce its detector', 20_000);
  });
  afterAll(async () => h?.close());

  it('finds the backpack of a dev photo where its mask is, and lists the detector', async () => {
    expect(h.inference.listDetectors()).toEqual([expect.objectContaining({ id: 'coco-detector', threshold: 0.35 })]);
    const c = await h.client(token);
    const ack = await detect(c, { taskId });
    expect(ack.ok).toBe(true);
    expect(ack.data.model).toBe('coco-detector');
    const gt = await devMaskBox(ID);
    const backpacks = (ack.data.detections as Array<{ box: number[]; label: string; score: number }>).filter((d) => d.label === 'backpack');
    expect(Math.max(...backpacks.map((d) => boxIou(d.box, gt)))).toBeGreaterThanOrEqual(0.5);
    expect(ack.data.detections.every((d: { score: number }) => d.score >= 0.35)).toBe(true);
    // A higher threshold keeps only the surer ones, the same boxes.
    const sure = await detect(c, { taskId, threshold: 0.55 });
    expect(sure.ok).toBe(true);
    expect(sure.data.detections.length).toBeLessThan(ack.data.detections.length);
    for (const d of sure.data.detections) expect(ack.data.detections).toContainEqual(d);
  });

  it('answers every bad request with its code', async () => {
    const c = await h.client(token);
    const cases: Array<[unknown, string]> = [
      [42, 'validation_failed'],
      [{}, 'validation_failed'],
      [{ taskId, threshold: 3 }, 'validation_failed'],
      [{ taskId, threshold: 'high' }, 'validation_failed'],
      [{ taskId: 'no-such-task' }, 'not_found'],
      [{ taskId, model: 'yolo-9000' }, 'unknown_model'],
    ];
    for (const [payload, code] of cases) {
      const ack = await detect(c, payload);
      expect([payload, ack.ok, ack.error?.code]).toEqual([payload, false, code]);
      expect(ack.error?.message.length).toBeGreaterThan(0);
    }
    const viewer = await h.client(await h.member('viewer'));
    expect((await detect(viewer, { taskId })).error?.code).toBe('forbidden');
    // The server is still there.
    expect((await detect(c, { taskId })).ok).toBe(true);
  });
});

describe('detect routed by the pool', () => {
  let h: Harness;
  let token: string;
  let taskId: TaskId;
  const workers: ControlledWorker[] = [];
  beforeAll(async () => {
    h = await startHarness({ INFERENCE_WORKERS: '0', INFERENCE_TIMEOUT_MS: '1500', INFERENCE_RATE_PER_SEC: '1000' });
    token = await h.member('annotator');
    taskId = await h.addTask(64, 48);
  });
  afterAll(async () => {
    for (const w of workers) w.leave();
    await h?.close();
  });
  const join = async (opts: { capacity?: number; detector?: string }) => {
    const w = await ControlledWorker.join(h.url, h.inference.workerToken, opts);
    workers.push(w);
    return w;
  };

  it('says no worker runs a detector while none does', async () => {
    await join({});
    const c = await h.client(token);
    expect((await detect(c, { taskId })).error?.code).toBe('no_worker');
  });

  it("retries on another worker when the first dies mid-detection, with the detector's threshold", async () => {
    const a = await join({ detector: 'pets', capacity: 1 });
    const c = await h.client(token);
    const pending = detect(c, { taskId });
    await waitFor(() => a.detectJobs.length === 1, 'the first worker to get the job');
    expect(a.detectJobs[0].job).toMatchObject({ taskId, model: 'pets', threshold: 0.4, width: 64, height: 48 });
    const b = await join({ detector: 'pets', capacity: 1 });
    a.leave();
    await waitFor(() => b.detectJobs.length === 1, 'the second worker to get the job');
    b.detectJobs[0].answer([{ box: [1, 2, 30, 40], label: 'cat', score: 0.9 }]);
    const ack = await pending;
    expect(ack).toMatchObject({ ok: true, data: { model: 'pets', detections: [{ box: [1, 2, 30, 40], label: 'cat', score: 0.9 }] } });
  });

  it('answers busy when every detector worker is full, and timeout past the deadline', async () => {
    const c = await h.client(token);
    const held = detect(c, { taskId, threshold: 0.7 });
    const w = workers.find((x) => x.detectJobs.length === 1 && x.socket.connected)!;
    await waitFor(() => w.detectJobs.length === 2, 'the job to be held');
    expect(w.detectJobs[1].job.threshold).toBe(0.7);
    expect((await detect(c, { taskId })).error?.code).toBe('busy');
    expect((await held).error?.code).toBe('timeout');
    // The slot is free again after the deadline.
    const again = detect(c, { taskId });
    await waitFor(() => w.detectJobs.length === 3, 'the next job to reach the worker');
    w.detectJobs[2].answer([]);
    expect(await again).toMatchObject({ ok: true, data: { detections: [] } });
  });
});
