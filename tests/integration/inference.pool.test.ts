// Pool behaviour with workers the test controls (real socket.io clients of /workers that answer
// on command), so "in flight" is a state the test holds rather than a race: routing and
// affinity, busy, latest-wins, timeouts, a worker leaving mid-request. Plus a real remote worker
// (the worker code path of `npm run worker`) joining and leaving over socket.io.
import { afterEach, describe, expect, it } from 'vitest';
import { decodeRle } from '../../shared/codecs/rle';
import type { RunningWorker } from '../../server/inference/worker/startWorker';
import { startTestWorker } from '../helpers/inference';
import { waitFor } from '../helpers/waitFor';
import { ControlledWorker, segment, startHarness, type Harness } from './inference.harness';

let h: Harness | null = null;
const workers: ControlledWorker[] = [];
afterEach(async () => {
  for (const w of workers.splice(0)) w.leave();
  await h?.close();
  h = null;
});

async function setup(env: Record<string, string> = {}) {
  h = await startHarness({ INFERENCE_WORKERS: '0', INFERENCE_RATE_PER_SEC: '1000', ...env });
  const token = await h.member('annotator');
  const taskA = await h.addTask(64, 48);
  const taskB = await h.addTask(64, 48);
  return { h, c: await h.client(token), taskA, taskB };
}

async function join(n: number, capacity = 2) {
  const out: ControlledWorker[] = [];
  for (let i = 0; i < n; i++) {
    const w = await ControlledWorker.join(h!.url, h!.inference.workerToken, { capacity });
    workers.push(w);
    out.push(w);
  }
  await h!.inference.waitForWorkers(n);
  return out;
}

const click = (x: number) => ({ x, y: 10, positive: true });

describe('inference pool', () => {
  it('routes by image affinity, else to the least loaded worker', async () => {
    const { c, taskA, taskB } = await setup();
    const [x, y] = await join(2);
    const first = segment(c, { taskId: taskA, objectId: 'a1', clicks: [click(1)] });
    const [holder, other] = await waitFor(() => (x.jobs.length ? [x, y] : y.jobs.length ? [y, x] : null), 'first job', 20_000);
    holder.jobs[0].answer();
    expect((await first).ok).toBe(true);
    // Same image, another object: the worker that holds the image gets it, although both are idle.
    const second = segment(c, { taskId: taskA, objectId: 'a2', clicks: [click(2)] });
    await waitFor(() => holder.jobs.length === 2, 'second job on the holder', 20_000);
    expect(other.jobs.length).toBe(0);
    // Another image while the holder is busy with one job: the idle worker is less loaded.
    const third = segment(c, { taskId: taskB, objectId: 'b1', clicks: [click(3)] });
    await waitFor(() => other.jobs.length === 1, 'third job on the idle worker', 20_000);
    expect(other.jobs[0].job.taskId).toBe(taskB);
    holder.jobs[1].answer();
    other.jobs[0].answer();
    expect((await second).ok).toBe(true);
    expect((await third).ok).toBe(true);
  });

  it('answers busy at once when every worker is full', async () => {
    const { c, taskA } = await setup({ INFERENCE_MAX_IN_FLIGHT: '1' });
    const [w] = await join(1, 4); // the server's cap (1) wins over the worker's offer (4)
    const first = segment(c, { taskId: taskA, objectId: 'o1', clicks: [click(1)] });
    await waitFor(() => w.jobs.length === 1, 'job', 20_000);
    const second = await segment(c, { taskId: taskA, objectId: 'o2', clicks: [click(2)] });
    expect(second.error?.code).toBe('busy');
    w.jobs[0].answer();
    expect((await first).ok).toBe(true);
    // Capacity is back.
    const third = segment(c, { taskId: taskA, objectId: 'o2', clicks: [click(3)] });
    await waitFor(() => w.jobs.length === 2, 'job after busy', 20_000);
    w.jobs[1].answer();
    expect((await third).ok).toBe(true);
  });

  it('latest wins per (user, object): pending replaced, in-flight marked stale, newest computed', async () => {
    const { c, taskA } = await setup();
    const [w] = await join(1);
    const r1 = segment(c, { taskId: taskA, objectId: 'o', clicks: [click(1)] });
    await waitFor(() => w.jobs.length === 1, 'job 1', 20_000);
    const r2 = segment(c, { taskId: taskA, objectId: 'o', clicks: [click(1), click(2)] });
    // The in-flight request is answered stale as soon as a newer one arrives.
    expect((await r1).error?.code).toBe('stale');
    const r3 = segment(c, { taskId: taskA, objectId: 'o', clicks: [click(1), click(2), click(3)] });
    // The pending one is replaced by the newest.
    expect((await r2).error?.code).toBe('stale');
    // Only one job per object runs at a time: nothing new reached the worker yet.
    expect(w.jobs.length).toBe(1);
    // Another user's request for the same object id is independent.
    const other = await h!.client(await h!.member('annotator'));
    const r4 = segment(other, { taskId: taskA, objectId: 'o', clicks: [click(9)] });
    await waitFor(() => w.jobs.length === 2, 'other user job', 20_000);
    w.jobs[1].answer();
    expect((await r4).ok).toBe(true);
    // The stale job finishes (its result is dropped); then the newest request runs.
    w.jobs[0].answer();
    await waitFor(() => w.jobs.length === 3, 'job 3', 20_000);
    expect(w.jobs[2].job.clicks).toHaveLength(3);
    w.jobs[2].answer();
    const a3 = await r3;
    expect(a3.ok).toBe(true);
    expect(decodeRle(a3.data.mask).width).toBe(64);
  });

  it('times out a request a worker never answers, and frees the slot', async () => {
    const { c, taskA } = await setup({ INFERENCE_TIMEOUT_MS: '400', INFERENCE_MAX_IN_FLIGHT: '1' });
    const [w] = await join(1);
    const t = await segment(c, { taskId: taskA, objectId: 'o1', clicks: [click(1)] });
    expect(t.error?.code).toBe('timeout');
    expect(w.jobs.length).toBe(1);
    // The slot was released: the next request reaches the worker instead of `busy`.
    const next = segment(c, { taskId: taskA, objectId: 'o2', clicks: [click(2)] });
    await waitFor(() => w.jobs.length === 2, 'next job', 20_000);
    w.jobs[1].answer();
    w.jobs[0].answer(); // late answer: dropped, harmless
    expect((await next).ok).toBe(true);
  });

  it('a worker leaving mid-request: retried once on another worker', async () => {
    const { c, taskA } = await setup();
    const [x, y] = await join(2);
    const r = segment(c, { taskId: taskA, objectId: 'o', clicks: [click(1), click(5)] });
    const [gone, stays] = await waitFor(() => (x.jobs.length ? [x, y] : y.jobs.length ? [y, x] : null), 'job', 20_000);
    gone.leave();
    await waitFor(() => stays.jobs.length === 1, 'retry on the other worker', 20_000);
    expect(stays.jobs[0].job.clicks).toEqual(gone.jobs[0].job.clicks);
    stays.jobs[0].answer();
    expect((await r).ok).toBe(true);
    expect(h!.inference.workers()).toHaveLength(1);
  });

  it('a worker leaving mid-request with no other worker: worker_failed; then no_worker', async () => {
    const { c, taskA } = await setup();
    const [w] = await join(1);
    const r = segment(c, { taskId: taskA, clicks: [click(1)] });
    await waitFor(() => w.jobs.length === 1, 'job', 20_000);
    w.leave();
    expect((await r).error?.code).toBe('worker_failed');
    await waitFor(() => h!.inference.workers().length === 0, 'worker removed', 20_000);
    expect((await segment(c, { taskId: taskA, clicks: [click(1)] })).error?.code).toBe('no_worker');
  });

  it('passes a worker error code through to the client', async () => {
    const { c, taskA } = await setup();
    const [w] = await join(1);
    const r = segment(c, { taskId: taskA, clicks: [click(1)] });
    await waitFor(() => w.jobs.length === 1, 'job', 20_000);
    w.jobs[0].fail('invalid_image');
    expect((await r).error?.code).toBe('invalid_image');
  });

  it('names the module of each log line once (a pino child repeats its parent\'s keys)', async () => {
    await setup();
    await join(1);
    const joined = await waitFor(() => h!.rawLogs.find((l) => l.includes('"worker joined"')), 'worker joined logged', 20_000);
    expect(joined.match(/"module":/g)).toHaveLength(1);
    expect(JSON.parse(joined).module).toBe('inference.pool');
    expect(h!.rawLogs.filter((l) => (l.match(/"module":/g) ?? []).length > 1)).toEqual([]);
  });

  it('refuses a worker with a bad token, and the worker gives up', async () => {
    await setup();
    await expect(ControlledWorker.join(h!.url, 'wrong-token-wrong-token')).rejects.toBeTruthy();
    const w = await startTestWorker(h!.url, 'wrong-token-wrong-token', { capacity: 1, cacheBytes: 1 << 20 });
    try {
      expect((await w.refused).message).toBe('unauthorized');
    } finally {
      await w.close();
    }
    expect(h!.inference.workers()).toHaveLength(0);
  });

  it('a remote worker (the npm run worker code) joins over socket.io, segments, and leaves', async () => {
    const { c, taskA } = await setup();
    let remote: RunningWorker | null = await startTestWorker(h!.url, h!.inference.workerToken, { capacity: 2, cacheBytes: 64 * 1024 * 1024, host: 'remote-test' });
    try {
      await remote.ready;
      expect(h!.inference.workers().map((w) => w.host)).toEqual(['remote-test']);
      const ack = await segment(c, { taskId: taskA, clicks: [{ x: 35, y: 24, positive: true }] });
      expect(ack.ok).toBe(true);
      expect(decodeRle(ack.data.mask).data[24 * 64 + 35]).toBe(1);
      // It fetched the image over the socket and keeps it decoded.
      expect(remote.runtime.cache.has(taskA)).toBe(true);
      await remote.close();
      remote = null;
      await waitFor(() => h!.inference.workers().length === 0, 'remote worker gone', 20_000);
      expect((await segment(c, { taskId: taskA, clicks: [click(1)] })).error?.code).toBe('no_worker');
    } finally {
      await remote?.close();
    }
  });
});
