// The pre-labelling job against stand-ins for storage, rooms and the inference service: what it
// does when the pool is full (the annotators' clicks come first), and when no worker runs the
// detector any more. The real thing end to end is tests/integration/prelabel.http.test.ts; the
// lease in prelabelLease.test.ts, new uploads in newUploads.test.ts.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { encodeRle } from '../../../shared/codecs/rle';
import { ErrorCode, TandemError } from '../../../shared/protocol/errors';
import { createObject, deleteObject, listObjects, setLabel } from '../../../shared/schema/annotation';
import { setObjectVerdict } from '../../../shared/schema/review';
import type { ObjectId } from '../../../shared/schema/ids';
import type { InferenceService } from '../../inference';
import { H, until, W, wholeMask, world } from '../../../tests/helpers/prelabelWorld';

/** The old single-node setup: one Prelabeller. */
async function setup(inference: Partial<InferenceService>, taskCount = 2, deleted = new Set<string>()) {
  const w = await world(taskCount, deleted);
  return { ...w, p: w.node(inference) };
}


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

  it('tries an image again whose worker died under it, and counts it failed when it fails again', async () => {
    const tries = new Map<string, number>();
    const { p, ended, doc, projectId, userId } = await setup(
      {
        detectFor: async (task) => {
          const n = (tries.get(task.id) ?? 0) + 1;
          tries.set(task.id, n);
          // t0's worker dies once (the second try works); t1 kills its worker every time.
          if ((task.id === 't0' && n === 1) || task.id === 't1') throw new TandemError(ErrorCode.WorkerFailed, 'the worker failed while detecting');
          return { detections: [{ box: [0, 0, 10, 10], label: 'car', score: 0.9 }], model: 'det' };
        },
        segmentFor: async () => ({ mask: wholeMask(), model: 'click' }),
      },
      3,
    );
    await p.start(projectId, userId, { labels: { car: 'car' }, scope: 'empty' });
    await until(() => ended.length === 1);
    expect(ended[0]).toMatchObject({ state: 'done', done: 3, objects: 2, failedTasks: 1, lastError: '1.jpg: the worker failed while detecting' });
    expect([...tries.entries()]).toEqual([['t0', 2], ['t1', 2], ['t2', 1]]);
    expect(['t0', 't1', 't2'].map((t) => listObjects(doc(`task:${t}`)).length)).toEqual([1, 0, 1]);
  }, 20_000);

  it('stops with failed when the detector it uses is not served any more, and counts other failures and goes on', async () => {
    let n = 0;
    const { p, ended, projectId, userId } = await setup(
      {
        detectFor: async () => {
          n++;
          if (n === 1) throw new TandemError(ErrorCode.Timeout, 'no answer within 60000 ms');
          throw new TandemError(ErrorCode.UnknownModel, 'no worker serves detector det');
        },
      },
      3,
    );
    await p.start(projectId, userId, { labels: { car: 'car' }, scope: 'empty' });
    await until(() => ended.length === 1);
    expect(ended[0]).toMatchObject({ state: 'failed', done: 2, total: 3, failedTasks: 2, lastError: '1.jpg: no worker serves detector det' });
  });
});

