// Routing to workers of other nodes, through the scheduler. The directory here is an in-memory
// stand-in for server/cluster/WorkerDirectory (whose Redis side tests/integration/cluster.*.test.ts
// cover): it lets each test decide when a remote worker answers or vanishes.
import { describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io';
import type { Ack, WorkerHello, WorkerJob, WorkerJobResult } from '../../../shared/protocol/inference';
import { createLogger } from '../../logger';
import { Scheduler } from './Scheduler';
import { WorkerPool, type RemoteDirectory, type RemoteWorkerInfo } from './WorkerPool';

const log = createLogger({ level: 'silent' });
const RESULT: WorkerJobResult = { mask: { size: [2, 2], counts: '04' }, score: 1, ms: 1 };

interface Sent {
  socketId: string;
  job: WorkerJob;
  answer(raw: unknown): void;
  lose(): void;
}

class Directory implements RemoteDirectory {
  workers: RemoteWorkerInfo[] = [];
  sent: Sent[] = [];
  private listeners = new Set<() => void>();
  remote() {
    return this.workers;
  }
  run(socketId: string, _event: string, payload: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.sent.push({ socketId, job: payload as WorkerJob, answer: resolve, lose: () => reject(new Error('no answer')) });
    });
  }
  onChange(fn: () => void) {
    this.listeners.add(fn);
    return () => void this.listeners.delete(fn);
  }
  /** The worker's node announces it without the worker (or expires). */
  drop(socketId: string) {
    this.workers = this.workers.filter((w) => w.socketId !== socketId);
    for (const fn of this.listeners) fn();
  }
}

function remote(socketId: string, o: Partial<RemoteWorkerInfo> = {}): RemoteWorkerInfo {
  return { socketId, workerId: `w-${socketId}`, nodeId: 'node-1', models: ['graphcut'], capacity: 1, holds: [], ...o };
}

/** A local worker whose jobs never answer (these tests only look at where jobs go). */
function localSocket(id: string, sent: string[]): Socket {
  return { id, emit: (_e: string, job: WorkerJob) => void sent.push(job.taskId) } as unknown as Socket;
}

const HELLO: WorkerHello = {
  workerId: 'local-1',
  host: 'local',
  engines: ['classical'],
  models: [{ id: 'graphcut', engine: 'classical', description: 'graph cut', inputs: ['clicks'], default: false }],
  provider: 'cpu',
  // Room for both jobs: the second goes remote because of affinity, not because this one is full.
  capacity: 2,
  threads: 1,
};

function setup() {
  const pool = new WorkerPool(4, log);
  const dir = new Directory();
  pool.useDirectory(dir, 60_000);
  const sched = new Scheduler(pool, 60_000, log);
  const answers: Array<Ack<WorkerJobResult>> = [];
  const submit = (taskId: string, key = `u\u0000${taskId}`) =>
    sched.submit({ key, job: { taskId, width: 2, height: 2, model: 'graphcut', clicks: [{ x: 0, y: 0, positive: true }] }, reply: (a) => answers.push(a) });
  return { pool, dir, sched, answers, submit };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('WorkerPool with workers of other nodes', () => {
  it('runs a job on a remote worker and answers with its result; no worker anywhere is no_worker', async () => {
    const { dir, answers, submit, sched } = setup();
    submit('t1');
    expect(answers).toMatchObject([{ ok: false, error: { code: 'no_worker' } }]);
    dir.workers = [remote('r1')];
    submit('t2');
    expect(dir.sent.map((s) => s.socketId)).toEqual(['r1']);
    // Fields left undefined are not sent: the Redis adapter would turn them into null.
    expect(Object.keys(dir.sent[0].job)).not.toContain('box');
    dir.sent[0].answer({ ok: true, data: RESULT });
    await settle();
    expect(answers[1]).toEqual({ ok: true, data: RESULT });
    expect(sched.open).toBe(0);
  });

  it('lists the models only workers of other nodes serve, and routes them there', async () => {
    const { pool, dir, submit } = setup();
    const info = { id: 'remote-only', engine: 'onnx', description: 'served by node 1', inputs: ['clicks'], default: false };
    dir.workers = [remote('r1', { models: ['remote-only'], modelInfo: [info] })];
    expect(pool.models()).toEqual([info]);
    expect(pool.pick('t1', 'remote-only')).toMatchObject({ remote: true, id: 'r1' });
    expect(pool.pick('t1', 'graphcut')).toBe('none');
    submit('t1');
    expect(dir.sent).toHaveLength(0); // the job asked for graphcut, which nobody serves
  });

  it('prefers a local worker, except that a remote one holding the image wins', async () => {
    const { pool, dir, submit } = setup();
    const local: string[] = [];
    pool.add(localSocket('l1', local), HELLO);
    dir.workers = [remote('r1', { holds: ['t-held'] })];
    submit('t-new');
    submit('t-held');
    expect(local).toEqual(['t-new']);
    expect(dir.sent.map((s) => s.job.taskId)).toEqual(['t-held']);
  });

  it('counts its own jobs on a remote worker: beyond its capacity the answer is busy', async () => {
    const { dir, answers, submit } = setup();
    dir.workers = [remote('r1', { capacity: 1 })];
    submit('t1');
    submit('t2');
    expect(dir.sent).toHaveLength(1);
    expect(answers).toMatchObject([{ ok: false, error: { code: 'busy' } }]);
    // The worker's own `busy` (it also serves other nodes) reaches the client as such.
    dir.sent[0].answer({ ok: false, error: { code: 'busy', message: 'worker at its capacity' } });
    await settle();
    expect(answers[1]).toMatchObject({ ok: false, error: { code: 'busy' } });
  });

  it('a remote worker that vanishes mid-job: retried once on another worker, else worker_failed', async () => {
    const { dir, answers, submit, sched } = setup();
    dir.workers = [remote('r1'), remote('r2')];
    submit('t1');
    const first = dir.sent[0].socketId;
    dir.drop(first);
    await settle();
    expect(dir.sent.map((s) => s.socketId)).toEqual([first, first === 'r1' ? 'r2' : 'r1']);
    // The second worker does not answer at all (its node died): no third attempt.
    dir.sent[1].lose();
    await settle();
    expect(answers).toMatchObject([{ ok: false, error: { code: 'worker_failed' } }]);
    expect(dir.sent).toHaveLength(2);
    expect(sched.open).toBe(0);
    // A late answer from the vanished worker changes nothing.
    dir.sent[0].answer({ ok: true, data: RESULT });
    await settle();
    expect(answers).toHaveLength(1);
  });
});
