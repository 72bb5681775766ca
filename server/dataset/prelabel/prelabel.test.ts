// The pre-labelling job against stand-ins for storage, rooms and the inference service: what it
// does when the pool is full (the annotators' clicks come first), and when no worker runs the
// detector any more. The real thing end to end is tests/integration/prelabel.http.test.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import * as Y from 'yjs';
import { encodeRle } from '../../../shared/codecs/rle';
import { ErrorCode, TandemError } from '../../../shared/protocol/errors';
import { createObject, deleteObject, listObjects, setLabel } from '../../../shared/schema/annotation';
import { setObjectVerdict } from '../../../shared/schema/review';
import type { ObjectId, ProjectId, TaskId } from '../../../shared/schema/ids';
import type { InferenceService } from '../../inference';
import type { Storage } from '../../storage/types';
import { SqlJobStore } from '../../storage/SqlJobStore';
import { openSqlite } from '../../storage/sqlite/openSqlite';
import { SqliteMetaStore } from '../../storage/sqlite/SqliteMetaStore';
import type { LiveRooms } from '../rooms';
import { Prelabeller, type PrelabelStatus } from './prelabel';

const W = 20;
const H = 10;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** The project and its runs in a real SQLite file; tasks, rooms and the inference service are stand-ins. */
async function world(taskCount = 2, deleted = new Set<string>()) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-prelabel-'));
  dirs.push(dir);
  const file = path.join(dir, 'tandem.db');
  const meta = SqliteMetaStore.open(file);
  const jobs = SqlJobStore.sqlite(openSqlite(file));
  const user = await meta.createUser({ name: 'u' });
  const project = await meta.createProject({ name: 'p', labels: [{ name: 'car', color: '#ff0000' }], createdBy: user.id });
  const projectId = project.id;
  const tasks = Array.from({ length: taskCount }, (_, i) => ({ id: `t${i}` as TaskId, name: `${i}.jpg`, width: W, height: H, projectId }));
  const docs = new Map<string, Y.Doc>();
  const doc = (room: string) => docs.get(room) ?? (docs.set(room, new Y.Doc()), docs.get(room)!);
  const rooms: LiveRooms = {
    readState: async (room) => Y.encodeStateAsUpdate(doc(room)),
    write: async (room, update) => Y.applyUpdate(doc(room), update),
  };
  const meta_ = {
    getProject: (id: ProjectId) => meta.getProject(id),
    listTasks: async () => tasks,
    getTask: async (id: string) => (deleted.has(id) ? null : tasks.find((t) => t.id === id) ?? null),
  };
  const ended: PrelabelStatus[] = [];
  const nodes: Prelabeller[] = [];
  /**
   * One process's Prelabeller (several share the stores: nodes of a cluster, or the next start).
   * `cut()`: from now on it cannot reach the job store (a partition; to the others, a dead process).
   */
  const node = (inference: Partial<InferenceService>, leaseMs = 60_000) => {
    const service = { listDetectors: () => [{ id: 'det', description: '', classes: ['car', 'truck'], threshold: 0.3 }], ...inference } as InferenceService;
    let cut = false;
    const reach = new Proxy(jobs, {
      get: (target, key) => {
        const v = Reflect.get(target, key) as unknown;
        return typeof v !== 'function' ? v : (...args: unknown[]) => (cut ? Promise.reject(new Error('connection refused')) : (v as (...a: unknown[]) => unknown).apply(target, args));
      },
    });
    const storage = { meta: meta_, jobs: reach } as unknown as Storage;
    const p = new Prelabeller({ storage, rooms, inference: () => service, log: pino({ level: 'silent' }), nodeId: `n${nodes.length}`, leaseMs, onEnded: (_id, st) => void ended.push(st) });
    nodes.push(p);
    return Object.assign(p, { cut: () => void (cut = true) });
  };
  onTestFinished(async () => {
    for (const n of nodes) await n.stopAll(1000);
    await jobs.close();
    await meta.close();
  });
  return { projectId, userId: user.id, node, doc, ended, jobs, meta };
}

/** The old single-node setup: one Prelabeller. */
async function setup(inference: Partial<InferenceService>, taskCount = 2, deleted = new Set<string>()) {
  const w = await world(taskCount, deleted);
  return { ...w, p: w.node(inference) };
}

const wholeMask = () => encodeRle(new Uint8Array(W * H).fill(1), W, H);
const until = async (cond: () => boolean) => {
  for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(cond()).toBe(true);
};

describe('Prelabeller', () => {
  it('waits while every worker is full and asks again, so no image goes without its objects', async () => {
    let busy = 3;
    const { p, doc, ended, projectId, userId } = await setup({
      detectFor: async () => {
        if (busy-- > 0) throw new TandemError(ErrorCode.Busy, 'every worker is full; try again');
        return { detections: [{ box: [0, 0, 10, 10], label: 'car', score: 0.9 }], model: 'det' };
      },
      segmentFor: async () => {
        if (busy-- > 0) throw new TandemError(ErrorCode.Busy, 'every worker is full; try again');
        return { mask: wholeMask(), model: 'click' };
      },
    });
    await p.start(projectId, userId, { labels: { car: 'car' }, scope: 'empty' });
    await until(() => ended.length === 1);
    expect(ended[0]).toMatchObject({ state: 'done', done: 2, objects: 2, failedTasks: 0 });
    for (const t of ['t0', 't1']) expect(listObjects(doc(`task:${t}`)).map((o) => [o.label, o.createdFrom])).toEqual([['car', 'detector']]);
  }, 20_000);

  it('writes nothing into a task deleted while its boxes were segmented, and goes on', async () => {
    const gone = new Set<string>();
    const { p, doc, ended, projectId, userId } = await setup(
      {
        detectFor: async () => ({ detections: [{ box: [0, 0, 10, 10], label: 'car', score: 0.9 }], model: 'det' }),
        segmentFor: async (task) => {
          if (task.id === 't0') gone.add('t0'); // the owner deletes it now
          return { mask: wholeMask(), model: 'click' };
        },
      },
      2,
      gone,
    );
    await p.start(projectId, userId, { labels: { car: 'car' }, scope: 'empty' });
    await until(() => ended.length === 1);
    expect(ended[0]).toMatchObject({ state: 'done', done: 2, objects: 1, failedTasks: 1, lastError: '0.jpg: the task was deleted meanwhile' });
    expect(Y.encodeStateAsUpdate(doc('task:t0')).length).toBeLessThanOrEqual(2); // nothing written
    expect(listObjects(doc('task:t1'))).toHaveLength(1);
  });

  it("keeps each class's own least score: the detector is asked down to the lowest, each class filtered by its own", async () => {
    const asked: Array<number | undefined> = [];
    const det = (box: [number, number, number, number], label: string, score: number) => ({ box, label, score });
    const { p, doc, ended, projectId, userId } = await setup(
      {
        detectFor: async (_task, o) => {
          asked.push(o?.threshold);
          return { detections: [det([0, 0, 10, 10], 'car', 0.9), det([10, 0, 20, 10], 'truck', 0.4)].filter((d) => d.score >= (o?.threshold ?? 0)), model: 'det' };
        },
        segmentFor: async (_task, req) => {
          const m = new Uint8Array(W * H);
          for (let y = 0; y < H; y++) for (let x = req.box![0]; x < req.box![2]; x++) m[y * W + x] = 1;
          return { mask: encodeRle(m, W, H), model: 'click' };
        },
      },
      1,
    );
    // Trucks need 0.5 here: the one at 0.4 is left out, the car (the run's 0.3) kept.
    await p.start(projectId, userId, { labels: { car: 'car', truck: 'car' }, threshold: 0.3, thresholds: { truck: 0.5 }, scope: 'all' });
    await until(() => ended.length === 1);
    expect(asked).toEqual([0.3]);
    expect(listObjects(doc('task:t0'))).toHaveLength(1);
    // Trucks from 0.2: asked down to 0.2, the truck kept, cars still from 0.3.
    await p.start(projectId, userId, { labels: { car: 'car', truck: 'car' }, threshold: 0.3, thresholds: { truck: 0.2 }, scope: 'all' });
    await until(() => ended.length === 2);
    expect(asked).toEqual([0.3, 0.2]);
    expect(listObjects(doc('task:t0'))).toHaveLength(2);
    await expect(p.start(projectId, userId, { labels: { car: 'car' }, thresholds: { truck: 0.2 }, scope: 'all' })).rejects.toMatchObject({ code: 'validation_failed' });
  });

  it('withdraws the pre-labels nobody touched, and keeps what was edited, reviewed or drawn by hand', async () => {
    const { p, doc, ended, projectId, userId } = await setup(
      {
        detectFor: async () => ({ detections: [{ box: [0, 0, 10, 10], label: 'car', score: 0.9 }], model: 'det' }),
        segmentFor: async () => ({ mask: wholeMask(), model: 'click' }),
      },
      3,
    );
    await p.start(projectId, userId, { labels: { car: 'car' }, scope: 'empty' });
    await until(() => ended.length === 1);
    const first = (t: string) => listObjects(doc(`task:${t}`))[0].id as ObjectId;
    setLabel(doc('task:t0'), first('t0'), 'car', 'ana'); // edited (relabelled to the same: touched all the same)
    setObjectVerdict(doc('review:t1'), first('t1'), { verdict: 'approved', by: 'rita' }); // reviewed
    createObject(doc('task:t2'), { label: 'car', mask: wholeMask(), by: 'ana' }); // drawn by hand beside the untouched one
    const st = await p.withdraw(projectId, userId);
    expect(st).toMatchObject({ mode: 'withdraw', total: 3, detector: null });
    await until(() => ended.length === 2);
    expect(ended[1]).toMatchObject({ mode: 'withdraw', state: 'done', done: 3, objects: 1 });
    expect([0, 1, 2].map((i) => listObjects(doc(`task:t${i}`)).map((o) => o.createdFrom ?? 'hand'))).toEqual([['detector'], ['detector'], ['hand']]);
    // Recorded as withdrawn, not as a false find someone deleted.
    const history = doc('history:t2');
    const entries = [...history.getMap('objects').values()].flatMap((a) => (a as Y.Array<{ kind: string; withdrawn?: boolean }>).toArray());
    expect(entries.filter((e) => e.kind === 'deleted').map((e) => e.withdrawn)).toEqual([true]);
  });

  it('stops with failed when no worker runs the detector any more, and counts other failures and goes on', async () => {
    let n = 0;
    const { p, ended, projectId, userId } = await setup(
      {
        detectFor: async () => {
          n++;
          if (n === 1) throw new TandemError(ErrorCode.Timeout, 'no answer within 60000 ms');
          throw new TandemError(ErrorCode.NoWorker, 'no worker runs detector det');
        },
      },
      3,
    );
    await p.start(projectId, userId, { labels: { car: 'car' }, scope: 'empty' });
    await until(() => ended.length === 1);
    expect(ended[0]).toMatchObject({ state: 'failed', done: 2, total: 3, failedTasks: 2, lastError: '1.jpg: no worker runs detector det' });
  });
});

describe('a pre-labelling run held under a lease', () => {
  const det = { detectFor: async () => ({ detections: [{ box: [0, 0, 10, 10] as [number, number, number, number], label: 'car', score: 0.9 }], model: 'det' }), segmentFor: async () => ({ mask: wholeMask(), model: 'click' }) };
  /** The detector of a process that stalls at task `at` until `release()`. */
  function stallingAt(at: string) {
    let release: (() => void) | null = null;
    const reached = () => release !== null;
    return {
      inference: {
        ...det,
        detectFor: async (task: { id: string }) => {
          if (task.id === at) await new Promise<void>((r) => (release = r));
          return det.detectFor();
        },
      },
      reached,
      release: () => release?.(),
    };
  }
  /** `n` tasks, a run started on a first process whose detector stalls at task `at`, which it has reached. */
  async function stalledRun(n: number, at: string, leaseMs = 60_000) {
    const w = await world(n);
    const a = stallingAt(at);
    const first = w.node(a.inference, leaseMs);
    await first.start(w.projectId, w.userId, { labels: { car: 'car' }, scope: 'empty' });
    await until(a.reached);
    return { w, a, first };
  }
  const carsPerTask = (doc: (room: string) => Y.Doc, n: number) => Array.from({ length: n }, (_, i) => listObjects(doc(`task:t${i}`)).length);

  it('is carried on by another process when its own stops renewing (cut off or killed), from the task it had reached, ended once', async () => {
    const { w, a, first: nodeA } = await stalledRun(4, 't2', 300); // t0 and t1 done and recorded; node A hangs in t2, cut off from the database
    nodeA.cut();
    const nodeB = w.node(det, 300);
    expect(await nodeB.status(w.projectId)).toMatchObject({ state: 'running', done: 2, total: 4, resumed: 0 });
    nodeB.startSweeping();
    await until(() => w.ended.length === 1);
    expect(w.ended[0]).toMatchObject({ state: 'done', done: 4, total: 4, objects: 4, resumed: 1 });
    expect(carsPerTask(w.doc, 4)).toEqual([1, 1, 1, 1]);
    // An annotator deletes t2's object (a false positive). Then node A's task returns: past its
    // lease, it writes nothing more (not the deleted object again) and tells nobody.
    const t2 = w.doc('task:t2');
    deleteObject(t2, listObjects(t2)[0].id);
    a.release();
    await new Promise((r) => setTimeout(r, 400));
    expect(carsPerTask(w.doc, 4)).toEqual([1, 1, 0, 1]);
    expect(w.ended).toHaveLength(1);
    expect(await nodeB.status(w.projectId)).toMatchObject({ state: 'done', done: 4, resumed: 1 });
  }, 20_000);

  it('is handed back by a server shutting down and carried on by the next start at once, with nothing told until it ends', async () => {
    const { w, a, first } = await stalledRun(3, 't1');
    const stopping = first.stopAll(5000);
    a.release(); // the task in hand is finished, then the run handed back
    await stopping;
    expect(await w.jobs.get(w.projectId, 'prelabel')).toMatchObject({ state: 'running', leaseUntil: 0 });
    expect(await first.status(w.projectId)).toMatchObject({ state: 'running', done: 2 });
    expect(w.ended).toHaveLength(0);
    const next = w.node(det, 600); // looks every 200 ms; a lease of 60 s would not matter: it was handed back
    next.startSweeping();
    await until(() => w.ended.length === 1);
    expect(w.ended[0]).toMatchObject({ state: 'done', done: 3, objects: 3, resumed: 1 });
    expect(carsPerTask(w.doc, 3)).toEqual([1, 1, 1]);
  }, 20_000);

  it('is handed back at shutdown even when the image in hand outlasts the wait, and that image is done again by the next start', async () => {
    const { w, a, first } = await stalledRun(2, 't1');
    await first.stopAll(200); // t1 never answers in time
    expect(await w.jobs.get(w.projectId, 'prelabel')).toMatchObject({ state: 'running', leaseUntil: 0 });
    const next = w.node(det, 600);
    next.startSweeping();
    await until(() => w.ended.length === 1);
    a.release(); // the old process's answer comes at last: it writes nothing
    await new Promise((r) => setTimeout(r, 200));
    expect(w.ended[0]).toMatchObject({ state: 'done', done: 2, objects: 2, resumed: 1 });
    expect(carsPerTask(w.doc, 2)).toEqual([1, 1]);
    expect(w.ended).toHaveLength(1);
  }, 20_000);

  it('stops where it runs when asked through another node, and a run nobody holds is stopped at once', async () => {
    const w = await world(3);
    const a = stallingAt('t1');
    const nodeA = w.node(a.inference, 60_000);
    const nodeB = w.node(det, 60_000);
    await nodeA.start(w.projectId, w.userId, { labels: { car: 'car' }, scope: 'empty' });
    await expect(nodeB.start(w.projectId, w.userId, { labels: { car: 'car' }, scope: 'all' })).rejects.toMatchObject({ code: 'conflict' });
    await until(a.reached);
    expect(await nodeB.stop(w.projectId)).toMatchObject({ state: 'running' });
    a.release();
    await until(() => w.ended.length === 1);
    expect(w.ended[0]).toMatchObject({ state: 'stopped', done: 2, total: 3 });
    expect(await nodeB.status(w.projectId)).toMatchObject({ state: 'stopped', done: 2 });
    expect(carsPerTask(w.doc, 3)).toEqual([1, 1, 0]);

    // Again on the rest, and node C stalls and is cut off; nobody has taken the run over yet.
    const c = stallingAt('t2');
    const nodeC = w.node(c.inference, 300);
    await nodeC.start(w.projectId, w.userId, { labels: { car: 'car' }, scope: 'empty' });
    await until(c.reached);
    nodeC.cut();
    await new Promise((r) => setTimeout(r, 400));
    expect(await nodeB.stop(w.projectId)).toMatchObject({ state: 'stopped', done: 2, total: 3, skipped: 2 });
    expect(w.ended.map((e) => e.state)).toEqual(['stopped', 'stopped']);
    c.release();
    await new Promise((r) => setTimeout(r, 200));
    expect(carsPerTask(w.doc, 3)).toEqual([1, 1, 0]);
    expect(w.ended).toHaveLength(2);
  }, 20_000);

  it('pre-labels new uploads once uploads pause, after the run going on, in a run of their own', async () => {
    const w = await world(4);
    await w.meta.setProjectSettings(w.projectId, { noOverlap: false, autoPrelabel: { labels: { car: 'car' } } });
    const a = stallingAt('t0');
    const node = w.node(a.inference);
    await node.start(w.projectId, w.userId, { labels: { car: 'car' }, scope: 'empty', taskIds: ['t0', 't1'] });
    await until(a.reached);
    node.tasksAdded(w.projectId, 't2');
    node.tasksAdded(w.projectId, 't3');
    await new Promise((r) => setTimeout(r, 2500)); // uploads paused; the run going on keeps them waiting
    expect(w.ended).toHaveLength(0);
    a.release();
    await until(() => w.ended.length === 2);
    expect(w.ended[0]).toMatchObject({ total: 2, done: 2 });
    expect(w.ended[0].auto).toBeUndefined();
    expect(w.ended[1]).toMatchObject({ auto: true, total: 2, done: 2, objects: 2, state: 'done' });
    expect(carsPerTask(w.doc, 4)).toEqual([1, 1, 1, 1]);
  }, 20_000);
});
