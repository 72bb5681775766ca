// SIGKILL a local worker process mid-request: the request is retried on the other local worker
// (never left hanging) and the killed worker is restarted by the pool.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/waitFor';
import { segment, startHarness, type Harness } from './inference.harness';

describe('local worker crash', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ INFERENCE_WORKERS: '2', INFERENCE_RATE_PER_SEC: '1000' });
    await h.inference.waitForWorkers(2, 50_000);
  });
  afterAll(async () => h?.close());

  it('a worker killed while it segments: the request is answered by the other one; the dead one restarts', async () => {
    const token = await h.member('annotator');
    const c = await h.client(token);
    const taskId = await h.addTask(320, 240);
    const before = h.inference.workers();
    expect(before).toHaveLength(2);
    // The worker asks the server for the image at the start of its first job on a task: kill it
    // right then, so it dies holding the request (deterministic, no timing involved).
    let killed: number | null = null;
    for (const s of h.io.of('/workers').sockets.values()) {
      s.on('worker:image', () => {
        if (killed !== null) return;
        const w = h.inference.workers().find((x) => x.id === s.id);
        killed = w!.pid!;
        process.kill(killed, 'SIGKILL');
      });
    }
    const ack = await segment(c, { taskId, objectId: 'o', clicks: [{ x: 176, y: 120, positive: true }] });
    expect(killed).not.toBeNull();
    expect(ack.ok).toBe(true);
    expect(ack.data.mask.size).toEqual([240, 320]);
    // The pool restarts the killed worker: two workers again, one with a new pid.
    await waitFor(() => {
      const ws = h.inference.workers();
      return ws.length === 2 && ws.every((w) => w.pid !== killed);
    }, 'the killed worker to be replaced', 50_000);
    expect(h.inference.localPids()).not.toContain(killed);
    expect(h.logs.some((l) => l.msg === 'local worker exited; restarting' && l.signal === 'SIGKILL')).toBe(true);
  });
});
