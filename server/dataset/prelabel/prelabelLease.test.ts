// A pre-labelling run held under a lease in the job store, against several Prelabellers (nodes,
// or a process and its next start) sharing real SQLite stores: taken over when its holder stops
// renewing, handed back at shutdown, stopped through another node.
import { describe, expect, it } from 'vitest';
import { ErrorCode, TandemError } from '../../../shared/protocol/errors';
import { deleteObject, listObjects } from '../../../shared/schema/annotation';
import { waitFor } from '../../../tests/helpers/waitFor';
import { carsPerTask, det, stalledRun, stallingAt, until, world } from '../../../tests/helpers/prelabelWorld';

describe('a pre-labelling run held under a lease', () => {

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

  it('waits when the worker running the detector goes away, and is carried on where a detector is reachable again', async () => {
    const w = await world(3);
    let gone = false;
    const nodeA = w.node({
      ...det,
      detectFor: async (task: { id: string }) => {
        if (gone) throw new TandemError(ErrorCode.NoWorker, 'no worker runs detector det');
        if (task.id === 't1') {
          gone = true; // the GPU worker restarts while t1 is asked: it dies under it, then is gone
          throw new TandemError(ErrorCode.WorkerFailed, 'the worker failed and no other worker runs the detector');
        }
        return det.detectFor();
      },
    });
    await nodeA.start(w.projectId, w.userId, { labels: { car: 'car' }, scope: 'empty' });
    await waitFor(async () => (await w.jobs.get(w.projectId, 'prelabel'))?.leaseUntil === 0, 'the run handed back');
    // Not failed: paused, handed back, nothing told yet.
    expect(await nodeA.status(w.projectId)).toMatchObject({ state: 'running', paused: 'no_worker', done: 1, failedTasks: 0 });
    expect(await w.jobs.get(w.projectId, 'prelabel')).toMatchObject({ state: 'running', leaseUntil: 0 });
    expect(w.ended).toHaveLength(0);
    // A node that reaches a detector carries it on from t1.
    const nodeB = w.node(det, 600);
    nodeB.startSweeping();
    await until(() => w.ended.length === 1);
    expect(w.ended[0]).toMatchObject({ state: 'done', done: 3, total: 3, objects: 3, failedTasks: 0, resumed: 1 });
    expect(w.ended[0].paused).toBeUndefined();
    expect(carsPerTask(w.doc, 3)).toEqual([1, 1, 1]);

    // Paused again, and stopped by the owner while nobody holds it: ended at once, not paused.
    await nodeB.stopAll(1000);
    await nodeA.start(w.projectId, w.userId, { labels: { car: 'car' }, scope: 'all' });
    await waitFor(async () => (await w.jobs.get(w.projectId, 'prelabel'))?.leaseUntil === 0, 'the run handed back');
    expect(await nodeA.stop(w.projectId)).toMatchObject({ state: 'stopped', done: 0 });
    expect((await nodeA.status(w.projectId))?.paused).toBeUndefined();
  }, 20_000);

  it("is not taken again at every sweep by a node whose detector listing still names a worker that is gone; it stays paused until an image is done", async () => {
    const w = await world(3);
    let back = false;
    let asked = 0;
    // The listing still names the detector (its registration has not expired), the worker is gone.
    const nodeA = w.node({ ...det, detectFor: async () => (asked++, back ? det.detectFor() : Promise.reject(new TandemError(ErrorCode.NoWorker, 'no worker runs detector det'))) }, 300);
    await nodeA.start(w.projectId, w.userId, { labels: { car: 'car' }, scope: 'empty' });
    await waitFor(async () => (await w.jobs.get(w.projectId, 'prelabel'))?.leaseUntil === 0, 'the run handed back');
    nodeA.startSweeping(); // every 100 ms
    const seen = new Set<unknown>();
    for (const end = Date.now() + 1500; Date.now() < end; ) {
      seen.add((await nodeA.status(w.projectId))?.paused);
      await new Promise((r) => setTimeout(r, 25));
    }
    // Tried again after 0.3 s, then 0.6 s, then 1.2 s: not 15 times.
    expect(asked).toBeGreaterThanOrEqual(2);
    expect(asked).toBeLessThanOrEqual(4);
    expect([...seen]).toEqual(['no_worker']);
    expect(w.ended).toHaveLength(0);
    back = true;
    await waitFor(() => w.ended.length === 1, 'the run to end once the worker is back', 10_000);
    expect(w.ended[0]).toMatchObject({ state: 'done', done: 3, objects: 3, failedTasks: 0 });
    expect(w.ended[0].paused).toBeUndefined();
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

  it('a withdrawal nobody holds is carried on by a node without a detector; a detection run is left to one with it', async () => {
    const { w, first } = await stalledRun(3, 't1', 300);
    first.cut(); // killed in t1 of a detection run
    const plain = w.node({ listDetectors: () => [] }, 300); // a node no detector worker reaches
    plain.startSweeping();
    await new Promise((r) => setTimeout(r, 700)); // more than two of its looks
    expect(await w.jobs.get(w.projectId, 'prelabel')).toMatchObject({ state: 'running', takeovers: 0 });
    const withDetector = w.node(det, 300);
    withDetector.startSweeping();
    await until(() => w.ended.length === 1);
    expect(carsPerTask(w.doc, 3)).toEqual([1, 1, 1]);
    await withDetector.stopAll(1000);

    // The owner withdraws the pre-labels; the node doing it is killed after t0 (its row as it left it).
    const now = Date.now();
    const status = { state: 'running', by: w.userId, startedAt: now, finishedAt: null, total: 3, done: 1, skipped: 0, objects: 1, failedTasks: 0, lastError: null, detector: null, resumed: 0, mode: 'withdraw' };
    const options = { labels: {}, scope: 'all', mode: 'withdraw', queue: ['t0', 't1', 't2'] };
    expect(await w.jobs.begin({ projectId: w.projectId, kind: 'prelabel', options: JSON.stringify(options), status: JSON.stringify(status), owner: 'killed', leaseUntil: now - 1, now })).toBe(true);
    await until(() => w.ended.length === 2);
    expect(w.ended[1]).toMatchObject({ mode: 'withdraw', state: 'done', done: 3, total: 3, objects: 3, resumed: 1 });
    // t0 was the killed node's (counted done): not looked at again; t1 and t2 lost their pre-labels here.
    expect(carsPerTask(w.doc, 3)).toEqual([1, 0, 0]);
  }, 20_000);
});

