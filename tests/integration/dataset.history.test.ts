// Object history on real SQLite storage: versions with who/when/clicks/model, restore of an
// earlier version (also of a deleted object), verdict sequence, analytics from recorded history.
import { afterEach, describe, expect, it } from 'vitest';
import { loadAnalytics } from '../../server/analytics/loadAnalytics';
import { createHistoryRecorder, getObjectHistory, listTaskHistory, restoreVersion, syncHistory } from '../../server/dataset/history/objectHistory';
import { historyRoom, readHistory } from '../../server/dataset/history/historyDoc';
import { createLogger } from '../../server/logger';
import { waitFor } from '../helpers/waitFor';
import { loadRoomDoc, mutateRoom, storageRooms } from '../../server/dataset/rooms';
import { encodeRle } from '../../shared/codecs/rle';
import { appendClicks, createObject, deleteObject, initTaskDoc, readObject, setLabel, setMask } from '../../shared/schema/annotation';
import type { ObjectId } from '../../shared/schema/ids';
import { draw } from '../fixtures/dataset/sampleProject';
import { sampleStorage, type StorageFixture } from '../fixtures/dataset/storageFixture';

let fx: StorageFixture | null = null;
afterEach(async () => {
  await fx?.close();
  fx = null;
});

const W = 23;
const H = 17;
const small = encodeRle(draw(W, H, (x, y) => x < 5 && y < 5), W, H);
const big = encodeRle(draw(W, H, (x, y) => x < 10 && y < 9), W, H);
const click = (x: number, y: number, by: string, at: number) => ({ x, y, positive: true, by, at });

describe('object history', () => {
  it('records who changed an object, with which clicks and model, and restores an earlier version', async () => {
    fx = await sampleStorage();
    const task = fx.tasks.get('taskB')!;
    const rooms = storageRooms(fx.storage);
    const room = `task:${task.id}`;
    const id = 'obj1' as ObjectId;
    await mutateRoom(rooms, room, (doc) => {
      initTaskDoc(doc, { taskId: task.id, width: W, height: H });
      createObject(doc, { id, label: 'cat', mask: small, clicks: [click(2, 2, 'ana', 1000)], by: 'ana', source: 'model', model: 'graphcut' });
    });
    await syncHistory(rooms, task.id);
    await syncHistory(rooms, task.id); // nothing changed: no new version
    await mutateRoom(rooms, room, (doc) => {
      appendClicks(doc, id, [click(8, 7, 'ben', 2000)], 'ben');
      setMask(doc, id, big, 'ben', { source: 'model', model: 'tandem-click' });
    });

    const versions = await getObjectHistory(rooms, task.id, id);
    expect(versions.map((v) => [v.version, v.kind, v.by, v.model, v.clicks.length])).toEqual([
      [1, 'created', 'ana', 'graphcut', 1],
      [2, 'mask', 'ben', 'tandem-click', 2],
    ]);
    expect(versions[0].mask).toEqual(small);
    expect(versions[1].clicks[1]).toEqual(click(8, 7, 'ben', 2000));

    const restored = await restoreVersion(rooms, task.id, id, 1, 'qa-lead');
    expect(restored).toMatchObject({ version: 3, kind: 'restored', restoredFrom: 1, by: 'qa-lead', model: 'graphcut' });
    const doc = await loadRoomDoc(rooms, room);
    const now = readObject(doc, id)!;
    expect(now.mask).toEqual(small);
    expect(now.clicks).toEqual([click(2, 2, 'ana', 1000)]);
    expect(now.model).toBe('graphcut');
    expect(now.updatedBy).toBe('qa-lead');
    // The restore is a version of its own and recording again adds nothing.
    expect(await getObjectHistory(rooms, task.id, id)).toHaveLength(3);
  });

  it('records a deletion and brings a deleted object back with the same id', async () => {
    fx = await sampleStorage();
    const task = fx.tasks.get('taskB')!;
    const rooms = storageRooms(fx.storage);
    const room = `task:${task.id}`;
    const id = 'gone' as ObjectId;
    await mutateRoom(rooms, room, (doc) => {
      initTaskDoc(doc, { taskId: task.id, width: W, height: H });
      createObject(doc, { id, label: 'dog', mask: big, by: 'ana' });
    });
    await syncHistory(rooms, task.id);
    await mutateRoom(rooms, room, (doc) => deleteObject(doc, id));
    const versions = await getObjectHistory(rooms, task.id, id);
    expect(versions.map((v) => v.kind)).toEqual(['created', 'deleted']);
    // Browsable although it is gone from the document.
    expect(await listTaskHistory(rooms, task.id)).toEqual([expect.objectContaining({ objectId: id, label: 'dog', versions: 2, lastKind: 'deleted', deleted: true })]);
    await expect(restoreVersion(rooms, task.id, id, 2, 'ana')).rejects.toMatchObject({ code: 'bad_request' });
    await expect(restoreVersion(rooms, task.id, id, 9, 'ana')).rejects.toMatchObject({ code: 'not_found' });
    await restoreVersion(rooms, task.id, id, 1, 'ana');
    const back = readObject(await loadRoomDoc(rooms, room), id)!;
    expect(back).toMatchObject({ label: 'dog', mask: big });
  });

  it('keeps the verdict sequence the review doc overwrites, so analytics sees the first review', async () => {
    fx = await sampleStorage();
    const task = fx.tasks.get('taskB')!;
    const rooms = storageRooms(fx.storage);
    const id = 'rev1' as ObjectId;
    await mutateRoom(rooms, `task:${task.id}`, (doc) => {
      initTaskDoc(doc, { taskId: task.id, width: W, height: H });
      createObject(doc, { id, label: 'cat', mask: small, clicks: [click(1, 1, 'ana', Date.now())], by: 'ana' });
    });
    await syncHistory(rooms, task.id);
    const setVerdict = (verdict: string, at: number) =>
      mutateRoom(rooms, `review:${task.id}`, (doc) => doc.getMap('verdicts').set(id, { verdict, by: 'rev', at }));
    const t0 = Date.now();
    await setVerdict('changes_requested', t0);
    await syncHistory(rooms, task.id);
    // The fix lands strictly after the request.
    while (Date.now() <= t0) await new Promise((r) => setImmediate(r));
    await mutateRoom(rooms, `task:${task.id}`, (doc) => setMask(doc, id, big, 'ana'));
    await syncHistory(rooms, task.id);
    await setVerdict('approved', Date.now() + 1);

    const a = await loadAnalytics(fx.storage, rooms, fx.project.id);
    const o = a.objects.find((x) => x.objectId === id)!;
    expect(o).toMatchObject({ firstVerdict: 'changes_requested', verdict: 'approved', corrections: 1, clicks: 1 });
    expect(a.project.reviewed).toBe(1);
    expect(a.project.reviewPassRate).toBe(0);
  });
});

describe('history recorder', () => {
  /** A task whose doc holds one object `id` (mask `small`), a recorder over it, and its versions. */
  async function recorderWithObject(id: ObjectId, timing: { settleMs: number; maxWaitMs?: number }) {
    fx = await sampleStorage();
    const taskId = fx.tasks.get('taskB')!.id;
    const rooms = storageRooms(fx.storage);
    const recorder = createHistoryRecorder({ live: rooms, log: createLogger({ level: 'silent' }), ...timing });
    await mutateRoom(rooms, `task:${taskId}`, (doc) => {
      initTaskDoc(doc, { taskId, width: W, height: H });
      createObject(doc, { id, label: 'cat', mask: small, by: 'ana' });
    });
    const versions = async () => readHistory(await loadRoomDoc(rooms, historyRoom(taskId)), id);
    const setTaskMask = (m: typeof small, by: string) => mutateRoom(rooms, `task:${taskId}`, (doc) => setMask(doc, id, m, by));
    return { taskId, rooms, recorder, versions, setTaskMask };
  }

  it('records the settled state once per burst of edits when notified, and on flush', async () => {
    const { taskId, recorder, versions, setTaskMask } = await recorderWithObject('burst' as ObjectId, { settleMs: 20 });
    recorder.notify(taskId);
    const recorded = async () => (await versions()).length;
    await waitFor(async () => (await recorded()) === 1, 'first version recorded');
    // Three quick edits, then flush: one new version (the settled state), not three.
    for (const m of [big, small, big]) {
      await setTaskMask(m, 'ben');
      recorder.notify(taskId);
    }
    await recorder.flush();
    expect(await recorded()).toBe(2);
  });

  it('records nothing for a task deleted meanwhile (taskExists), and records it while it exists', async () => {
    const { taskId, rooms, versions } = await recorderWithObject('gone' as ObjectId, { settleMs: 20 });
    let exists = true;
    const recorder = createHistoryRecorder({ live: rooms, log: createLogger({ level: 'silent' }), settleMs: 20, taskExists: async () => exists });
    exists = false;
    recorder.notify(taskId, { now: true });
    await recorder.flush();
    expect(await fx!.storage.docs.logLength(historyRoom(taskId))).toBe(0);
    exists = true;
    recorder.notify(taskId, { now: true });
    await recorder.flush();
    expect(await versions()).toHaveLength(1);
  });

  it('records the state a reviewer judged at once, even when the fix follows within the settle time', async () => {
    // A settle time no test waits out: only the review event can record before the flush.
    const { taskId, rooms, recorder, versions, setTaskMask } = await recorderWithObject('judged' as ObjectId, { settleMs: 60_000 });
    recorder.notify(taskId);
    await mutateRoom(rooms, `review:${taskId}`, (doc) => doc.getMap('verdicts').set('judged', { verdict: 'changes_requested', by: 'rev', at: Date.now() }));
    recorder.notify(taskId, { now: true });
    await waitFor(async () => (await versions()).length === 1, 'the judged state recorded');
    await setTaskMask(big, 'ana');
    recorder.notify(taskId);
    await recorder.flush();
    const v = await versions();
    expect(v.map((e) => [e.kind, e.mask?.counts])).toEqual([
      ['created', small.counts],
      ['mask', big.counts],
    ]);
  });

  it('records at least every maxWaitMs while edits never pause for the settle time', async () => {
    const { taskId, rooms, recorder, versions } = await recorderWithObject('busy' as ObjectId, { settleMs: 200, maxWaitMs: 400 });
    const recorded = async () => (await versions()).length;
    // An edit every 50 ms for 1.5 s: never 200 ms of quiet, so only maxWaitMs records. Each edit
    // gives a label not seen before, so every recording is a new version.
    const end = Date.now() + 1500;
    for (let i = 0; Date.now() < end; i++) {
      await mutateRoom(rooms, `task:${taskId}`, (doc) => setLabel(doc, 'busy' as ObjectId, `cat ${i}`, 'ana'));
      recorder.notify(taskId);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await recorded()).toBeGreaterThanOrEqual(2);
    await recorder.flush();
  });
});
