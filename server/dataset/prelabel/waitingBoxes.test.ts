// An import's boxes while another run of the project goes on (Prelabeller.segmentBoxesOrWait,
// waitingBoxes.ts), with real SQLite and image stores and stand-ins for the rooms and the
// inference service: the boxes wait, stored, and become masks once that run ends; a failed import
// drops them; a node that dies leaves them to another; a request run twice adds nothing twice.
import { describe, expect, it } from 'vitest';
import { listObjects } from '../../../shared/schema/annotation';
import type { ProjectId } from '../../../shared/schema/ids';
import { until, wholeMask, world } from '../../../tests/helpers/prelabelWorld';
import type { StoredBox } from './boxTask';
import { WAITING_BOXES } from './waitingBoxes';

const models = { listModels: () => [{ id: 'click', engine: 'onnx', description: '', inputs: ['box'], default: true }], listDetectors: () => [] };
const box = (x0: number, y0: number, x1: number, y1: number): StoredBox => ({ label: 'car', box: [x0, y0, x1, y1], attributes: {} });

/** A node whose click model hangs on task t0 until released: a run that goes on. */
function stalling(w: Awaited<ReturnType<typeof world>>, leaseMs?: number) {
  let release = () => {};
  const stall = new Promise<void>((r) => (release = r));
  const node = w.node(
    {
      ...models,
      segmentFor: async (task) => {
        if (task.id === 't0') await stall;
        return { mask: wholeMask(), model: 'click' };
      },
    },
    leaseMs,
  );
  return { node, release };
}

describe("an import's boxes while another run goes on", () => {
  it('wait, stored, and become masks once that run ends', async () => {
    const w = await world(2);
    const { node: p, release } = stalling(w);
    await p.segmentBoxes(w.projectId, w.userId, new Map([['t0', [box(0, 0, 5, 5)]]]));
    let imported = (_ok: boolean) => {};
    const answer = await p.segmentBoxesOrWait(w.projectId, w.userId, new Map([['t1', [box(0, 0, 5, 5), box(6, 0, 9, 5)]]]), new Promise<boolean>((r) => (imported = r)));
    expect(answer).toEqual({ boxesWaiting: { boxes: 2, images: 1 } });
    expect(await p.waitingBoxRuns(w.projectId)).toEqual({ boxes: 2, images: 1 });
    imported(true);
    await new Promise((r) => setTimeout(r, 100));
    expect(listObjects(w.doc('task:t1'))).toEqual([]); // still waiting for the run in hand
    release();
    await until(() => w.ended.length === 2);
    expect(w.ended[1]).toMatchObject({ state: 'done', mode: 'boxes', boxes: 2, objects: 2, by: w.userId });
    expect(listObjects(w.doc('task:t1')).map((o) => [o.label, o.createdFrom])).toEqual([['car', 'box'], ['car', 'box']]);
    expect(await p.waitingBoxRuns(w.projectId)).toBeNull();
  });

  it('are dropped when the import that brought them failed', async () => {
    const w = await world(2);
    const { node: p, release } = stalling(w);
    await p.segmentBoxes(w.projectId, w.userId, new Map([['t0', [box(0, 0, 5, 5)]]]));
    let imported = (_ok: boolean) => {};
    await p.segmentBoxesOrWait(w.projectId, w.userId, new Map([['t1', [box(0, 0, 5, 5)]]]), new Promise<boolean>((r) => (imported = r)));
    imported(false);
    for (let i = 0; i < 100 && (await w.jobs.queued(w.projectId as ProjectId, WAITING_BOXES)).length; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await p.waitingBoxRuns(w.projectId)).toBeNull();
    release();
    await until(() => w.ended.length === 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(w.ended).toHaveLength(1);
    expect(listObjects(w.doc('task:t1'))).toEqual([]);
  });

  it("are run by another node when the node that stored them dies, and a request run twice adds nothing twice", async () => {
    const w = await world(2);
    const { node: a } = stalling(w, 300);
    await a.segmentBoxes(w.projectId, w.userId, new Map([['t0', [box(0, 0, 5, 5)]]]));
    await a.segmentBoxesOrWait(w.projectId, w.userId, new Map([['t1', [box(0, 0, 5, 5)]]]), Promise.resolve(true));
    const [waiting] = await w.jobs.queued(w.projectId as ProjectId, WAITING_BOXES);
    const key = `prelabel-waiting/${w.projectId}/${waiting.item}.json`;
    for (let i = 0; i < 100 && !JSON.parse(new TextDecoder().decode(await w.images.get(key))).ready; i++) await new Promise((r) => setTimeout(r, 10));
    const request = await w.images.get(key);
    a.cut(); // node A hangs in t0 and is cut off: its run and the waiting boxes are B's to carry on
    const b = w.node({ ...models, segmentFor: async () => ({ mask: wholeMask(), model: 'click' }) }, 300);
    b.startSweeping();
    await until(() => w.ended.length === 2);
    expect(w.ended.map((s) => [s.state, s.objects])).toEqual([['done', 1], ['done', 1]]);
    expect(listObjects(w.doc('task:t1'))).toHaveLength(1);
    // The same request again (a node killed after starting its run, before taking it off the queue).
    await w.images.put(key, request);
    await w.jobs.enqueue(w.projectId as ProjectId, WAITING_BOXES, [waiting.item], Date.now());
    for (let i = 0; i < 80 && w.ended.length < 3; i++) await new Promise((r) => setTimeout(r, 100)); // B's next look (every 5 s)
    expect(w.ended).toHaveLength(3);
    expect(w.ended[2]).toMatchObject({ state: 'done', objects: 0 });
    expect(listObjects(w.doc('task:t1'))).toHaveLength(1);
  }, 20_000);
});
