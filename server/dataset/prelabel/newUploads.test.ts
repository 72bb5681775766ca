// New uploads pre-labelled by themselves (newUploads.ts) against Prelabellers sharing real SQLite
// stores: one run per batch once uploads pause, after the run going on, and none lost when the node
// that took the uploads dies before their run starts. With real processes and kill -9:
// tests/integration/prelabel.resume.test.ts.
import { describe, expect, it } from 'vitest';
import { NEW_UPLOADS } from './newUploads';
import { carsPerTask, det, stallingAt, until, world } from '../../../tests/helpers/prelabelWorld';

const auto = { noOverlap: false, autoPrelabel: { labels: { car: 'car' } } };

describe('pre-labelling new uploads', () => {
  it('pre-labels new uploads once uploads pause, after the run going on, in a run of their own', async () => {
    const w = await world(4);
    await w.meta.setProjectSettings(w.projectId, auto);
    const a = stallingAt('t0');
    const node = w.node(a.inference);
    await node.start(w.projectId, w.userId, { labels: { car: 'car' }, scope: 'empty', taskIds: ['t0', 't1'] });
    await until(a.reached);
    await node.uploading(w.projectId, 't2');
    await node.uploading(w.projectId, 't3');
    await new Promise((r) => setTimeout(r, 2500)); // uploads paused; the run going on keeps them waiting
    expect(w.ended).toHaveLength(0);
    a.release();
    await until(() => w.ended.length === 2);
    expect(w.ended[0]).toMatchObject({ total: 2, done: 2 });
    expect(w.ended[0].auto).toBeUndefined();
    expect(w.ended[1]).toMatchObject({ auto: true, total: 2, done: 2, objects: 2, state: 'done' });
    expect(carsPerTask(w.doc, 4)).toEqual([1, 1, 1, 1]);
    expect(await w.jobs.queued(w.projectId, NEW_UPLOADS)).toEqual([]);
  }, 20_000);

  it('loses no new upload when the node that took it dies before the run, nor when it has no detector', async () => {
    const w = await world(4);
    await w.meta.setProjectSettings(w.projectId, auto);
    // Node A takes two uploads and is cut off before they settle (to the others, it died).
    const nodeA = w.node(det);
    await nodeA.uploading(w.projectId, 't1');
    await nodeA.uploading(w.projectId, 't2');
    nodeA.cut();
    // Node B runs no detector: it takes an upload but cannot run it.
    const nodeB = w.node({ ...det, listDetectors: () => [] });
    nodeB.startSweeping();
    await nodeB.uploading(w.projectId, 't3');
    await new Promise((r) => setTimeout(r, 2500));
    expect(w.ended).toHaveLength(0);
    expect((await w.jobs.queued(w.projectId, NEW_UPLOADS)).map((q) => q.item)).toEqual(['t1', 't2', 't3']);
    expect(await nodeB.waitingUploads(w.projectId)).toBe(3); // what the project page says
    // Node C starts (A's next start, or another node with a detector): it runs all three at once.
    const nodeC = w.node(det);
    nodeC.startSweeping();
    await until(() => w.ended.length === 1);
    expect(w.ended[0]).toMatchObject({ auto: true, total: 3, done: 3, objects: 3, state: 'done' });
    expect(carsPerTask(w.doc, 4)).toEqual([0, 1, 1, 1]);
    expect(await nodeB.waitingUploads(w.projectId)).toBe(0);
  }, 20_000);

  it('leaves uploads alone once the setting is turned off, and takes none made while it was off', async () => {
    const w = await world(3);
    const node = w.node(det);
    node.startSweeping();
    await node.uploading(w.projectId, 't0'); // the setting is off
    expect(await w.jobs.queued(w.projectId, NEW_UPLOADS)).toEqual([]);
    await w.meta.setProjectSettings(w.projectId, auto);
    await node.uploading(w.projectId, 't1');
    await w.meta.setProjectSettings(w.projectId, { noOverlap: false });
    await new Promise((r) => setTimeout(r, 2500));
    expect(w.ended).toHaveLength(0);
    expect(carsPerTask(w.doc, 3)).toEqual([0, 0, 0]);
    expect(await w.jobs.queued(w.projectId, NEW_UPLOADS)).toEqual([]);
  }, 20_000);
});
