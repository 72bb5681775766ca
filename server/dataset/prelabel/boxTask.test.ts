// The run making masks of an imported file's boxes (Prelabeller.segmentBoxes, boxTask.ts) against
// stand-ins for the rooms and the inference service, with real SQLite stores: each box its mask
// inside the box with the box's label and values, a box the model fails on kept as its rectangle,
// a task looked at twice adding nothing twice, the import's outcome awaited, and a run carried on
// by a node that runs the click model but no detector. The real thing: tests/integration/
// importBoxes.http.test.ts.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { rleArea, rleBbox } from '../../../shared/codecs/rle';
import { ErrorCode, TandemError } from '../../../shared/protocol/errors';
import { listObjects } from '../../../shared/schema/annotation';
import type { ProjectId, UserId } from '../../../shared/schema/ids';
import { H, until, W, wholeMask, world } from '../../../tests/helpers/prelabelWorld';
import { waitFor } from '../../../tests/helpers/waitFor';
import { boxRle, ringRle, turnedBox } from '../../../shared/geometry/boxMask';
import { boxTask, type StoredBox } from './boxTask';

const models = { listModels: () => [{ id: 'click', engine: 'onnx', description: '', inputs: ['box'], default: true }], listDetectors: () => [] };
const box = (x0: number, y0: number, x1: number, y1: number, attributes = {}): StoredBox => ({ label: 'car', box: [x0, y0, x1, y1], attributes });
const boxesOf = (entries: Array<[string, StoredBox[]]>) => new Map(entries);

describe('making masks of imported boxes', () => {
  it('makes each box its mask inside the box (the model leaks past it here), with the box\'s label and values', async () => {
    const w = await world(2);
    const asked: unknown[] = [];
    const p = w.node({ ...models, segmentFor: async (_t, req) => (asked.push(req.box), { mask: wholeMask(), model: 'click' }) });
    const st = await p.segmentBoxes(w.projectId, w.userId, boxesOf([['t1', [box(2, 2, 8, 6, { parked: true }), box(10, 1, 19, 9)]]]));
    expect(st).toMatchObject({ state: 'running', mode: 'boxes', total: 1, boxes: 2, detector: null });
    await until(() => w.ended.length === 1);
    expect(w.ended[0]).toMatchObject({ state: 'done', done: 1, objects: 2, rectangles: 0, mode: 'boxes' });
    expect(asked).toEqual([[2, 2, 8, 6], [10, 1, 19, 9]]);
    const objects = listObjects(w.doc('task:t1'));
    expect(objects.map((o) => [o.label, o.source, o.createdFrom, o.createdBy, o.model])).toEqual([
      ['car', 'import', 'box', w.userId, 'click'],
      ['car', 'import', 'box', w.userId, 'click'],
    ]);
    expect(objects[0].attributes).toEqual({ parked: true });
    // Inside its box (grown by 3%), not the whole image the model answered.
    const [x, y, bw, bh] = rleBbox(objects[0].mask!);
    expect(x).toBeGreaterThanOrEqual(1);
    expect(y).toBeGreaterThanOrEqual(1);
    expect(x + bw).toBeLessThanOrEqual(9);
    expect(y + bh).toBeLessThanOrEqual(7);
    expect(rleArea(objects[0].mask!)).toBeGreaterThanOrEqual(6 * 4);
    expect(listObjects(w.doc('task:t0'))).toEqual([]); // no box there: not in the run
  });

  it('keeps a turned box\'s mask inside its outline, and its rectangle is that outline', async () => {
    const w = await world(1);
    let fail = false;
    const p = w.node({ ...models, segmentFor: async () => (fail ? Promise.reject(new TandemError(ErrorCode.ValidationFailed, 'no')) : { mask: wholeMask(), model: 'click' }) });
    const ring = turnedBox(4, 2, 16, 8, 90); // 12 x 6 about (10, 5): stands 6 wide, 12 tall
    await p.segmentBoxes(w.projectId, w.userId, boxesOf([['t0', [{ label: 'car', box: [7, 0, 13, 10], ring, attributes: {} }]]]));
    await until(() => w.ended.length === 1);
    const [made] = listObjects(w.doc('task:t0'));
    const [x, , bw] = rleBbox(made.mask!);
    expect(x).toBeGreaterThanOrEqual(6);
    expect(x + bw).toBeLessThanOrEqual(14);
    fail = true;
    await p.segmentBoxes(w.projectId, w.userId, boxesOf([['t0', [{ label: 'car', box: [7, 0, 13, 10], ring, attributes: {} }]]]));
    await until(() => w.ended.length === 2);
    expect(w.ended[1]).toMatchObject({ rectangles: 1 });
    expect(listObjects(w.doc('task:t0'))[1].mask).toEqual(ringRle(ring, W, H));
  });

  it('adds nothing twice when a task is looked at again (a run carried on after its process died)', async () => {
    const w = await world(1);
    const inference = { ...models, segmentFor: async () => ({ mask: wholeMask(), model: 'click' }) };
    const task = { id: 't0', name: '0.jpg', width: W, height: H, projectId: w.projectId } as never;
    const rooms = { readState: async (room: string) => Y.encodeStateAsUpdate(w.doc(room)), write: async (room: string, u: Uint8Array) => Y.applyUpdate(w.doc(room), u) };
    const j = { storage: { meta: { getTask: async () => task } } as never, rooms, inference: inference as never, by: w.userId as UserId, apart: false, run: '42' };
    expect(await boxTask(j, task, [box(0, 0, 5, 5), box(5, 0, 10, 5)])).toEqual({ objects: 2, rectangles: 0 });
    expect(await boxTask(j, task, [box(0, 0, 5, 5), box(5, 0, 10, 5)])).toEqual({ objects: 0, rectangles: 0 });
    expect(listObjects(w.doc('task:t0'))).toHaveLength(2);
    // Another run (another import of the same file) is another annotation: added again, as imports are.
    expect(await boxTask({ ...j, run: '43' }, task, [box(0, 0, 5, 5)])).toEqual({ objects: 1, rectangles: 0 });
  });

  it('keeps a box the model fails on as its rectangle, and says so', async () => {
    const w = await world(1);
    const p = w.node({
      ...models,
      segmentFor: async (_t, req) => {
        if (req.box?.[0] === 10) throw new TandemError(ErrorCode.ValidationFailed, 'the image does not decode');
        return { mask: wholeMask(), model: 'click' };
      },
    });
    await p.segmentBoxes(w.projectId, w.userId, boxesOf([['t0', [box(0, 0, 5, 5), box(10, 2, 14, 6)]]]));
    await until(() => w.ended.length === 1);
    expect(w.ended[0]).toMatchObject({ state: 'done', objects: 2, rectangles: 1, failedTasks: 0 });
    const [, kept] = listObjects(w.doc('task:t0'));
    expect(kept.mask).toEqual(boxRle([10, 2, 14, 6], W, H));
    expect(rleArea(kept.mask!)).toBe(16);
    expect(kept.model).toBeUndefined();
  });

  it('refuses at once where no worker runs the click model', async () => {
    const w = await world(1);
    const p = w.node({ listModels: () => [] });
    await expect(p.segmentBoxes(w.projectId, w.userId, boxesOf([['t0', [box(0, 0, 5, 5)]]]))).rejects.toMatchObject({ code: ErrorCode.NoWorker });
    expect(await w.jobs.get(w.projectId as ProjectId, 'prelabel')).toBeNull();
  });

  it('waits for the import that brought the boxes, and writes nothing when it failed', async () => {
    const w = await world(1);
    const p = w.node({ ...models, segmentFor: async () => ({ mask: wholeMask(), model: 'click' }) });
    let done = (_ok: boolean) => {};
    await p.segmentBoxes(w.projectId, w.userId, boxesOf([['t0', [box(0, 0, 5, 5)]]]), new Promise<boolean>((r) => (done = r)));
    await new Promise((r) => setTimeout(r, 100));
    expect(listObjects(w.doc('task:t0'))).toEqual([]); // the import's own objects go first
    done(false);
    await until(() => w.ended.length === 1);
    expect(w.ended[0]).toMatchObject({ state: 'failed', lastError: 'the import that brought the boxes failed', objects: 0 });
    expect(listObjects(w.doc('task:t0'))).toEqual([]);
  });

  it('is carried on by a node that runs the click model but no detector when its own stops renewing', async () => {
    const w = await world(3);
    let release = () => {};
    const stall = new Promise<void>((r) => (release = r));
    const a = w.node(
      {
        ...models,
        segmentFor: async (task) => {
          if (task.id === 't1') await stall; // node A hangs in t1, then is cut off
          return { mask: wholeMask(), model: 'click' };
        },
      },
      300,
    );
    await a.segmentBoxes(w.projectId, w.userId, boxesOf(['t0', 't1', 't2'].map((t) => [t, [box(0, 0, 5, 5)]])));
    await waitFor(async () => (await a.status(w.projectId))?.done === 1, 'node A to finish t0');
    a.cut();
    const b = w.node({ ...models, segmentFor: async () => ({ mask: wholeMask(), model: 'click' }) }, 300);
    b.startSweeping();
    await until(() => w.ended.length === 1);
    release();
    expect(w.ended[0]).toMatchObject({ state: 'done', done: 3, objects: 3, resumed: 1, mode: 'boxes' });
    expect(['t0', 't1', 't2'].map((t) => listObjects(w.doc(`task:${t}`)).length)).toEqual([1, 1, 1]);
  }, 20_000);
});
