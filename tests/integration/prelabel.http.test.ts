// Pre-labelling a project with the detector (POST/GET/DELETE /api/projects/:id/prelabel) through a
// running server with a real worker and the shipped models: the chosen classes become objects of
// the chosen labels in tasks nobody has open, masks from the click model's box prompt, a task that
// has objects is passed over, a second run adds nothing twice, and every refusal has its code.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { decodeRle, encodeRle, rleBbox, rleIou } from '../../shared/codecs/rle';
import { createObject, deleteObject, initTaskDoc, listObjects, readMeta, setMask } from '../../shared/schema/annotation';
import { boxIou } from '../../shared/geometry/boxIou';
import { devMaskBox, DEV } from '../helpers/devMasks';
import { makeImage } from '../helpers/images';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { waitFor } from '../helpers/waitFor';
import { webhookReceiver, type Receiver } from '../helpers/webhookReceiver';
import { connectClient, roomSnapshot } from '../helpers/yclient';

const BAG = 'backpack07_000000370478';
const BANANA = 'banana08_000000293794';


describe('pre-labelling a project with the detector', () => {
  let s: TestServer;
  let projectId: string;
  let hook: Receiver;
  const task: Record<string, string> = {};

  beforeAll(async () => {
    s = await startTestServer({ inference: true, env: { WEBHOOK_ALLOW_PRIVATE: 'true' } }); // the receiver is on 127.0.0.1
    const p = await s.api('POST', '/api/projects', { name: 'bags', labels: [{ name: 'Backpack', color: '#22c55e' }, { name: 'laptop', color: '#3b82f6' }] });
    projectId = p.body.id;
    hook = await webhookReceiver([200]);
    expect((await s.api('POST', `/api/projects/${projectId}/webhooks`, { url: hook.url, events: ['prelabel.finished'] })).status).toBe(201);
    for (const [key, id] of [['bag', BAG], ['banana', BANANA], ['done', BAG]]) {
      const r = await s.api('POST', `/api/projects/${projectId}/tasks?name=${key}.jpg`, fs.readFileSync(path.join(DEV, 'images', `${id}.jpg`)), undefined, { 'content-type': 'image/jpeg' });
      task[key] = r.body.id;
    }
    // The third task was annotated by hand already: one object, nothing like the detector's.
    const c = connectClient(s.wsUrl, `task:${task.done}`, s.adminToken);
    await c.synced();
    const { width, height } = (await s.api('GET', `/api/tasks/${task.done}`)).body;
    if (!readMeta(c.doc)) initTaskDoc(c.doc, { taskId: task.done, width, height });
    const m = new Uint8Array(width * height);
    m.fill(1, 0, 10);
    createObject(c.doc, { label: 'laptop', mask: encodeRle(m, width, height), by: 'admin' });
    await waitFor(async () => listObjects(await roomDoc(task.done)).length === 1, 'the hand-made object to be stored');
    c.destroy();
    await waitFor(async () => (await s.api('GET', '/api/detectors')).body.length === 1, 'a worker to announce the detector', 45_000);
  }, 120_000);
  afterAll(async () => {
    await s?.close();
    await hook?.close();
  });

  const roomDoc = (taskId: string): Promise<Y.Doc> => roomSnapshot(s.wsUrl, `task:${taskId}`, s.adminToken);
  const finished = async () => {
    let st: any;
    await waitFor(async () => (st = (await s.api('GET', `/api/projects/${projectId}/prelabel`)).body).state !== 'running', 'the job to finish', 90_000);
    return st;
  };

  it('refuses what it cannot do, with a code', async () => {
    const ana = await s.addMember(projectId, 'annotator', 'Ana');
    const start = (body: unknown, token?: string) => s.api('POST', `/api/projects/${projectId}/prelabel`, body, token);
    expect((await start({ labels: { backpack: 'Backpack' } }, ana.token)).body.error.code).toBe('forbidden');
    expect((await s.api('GET', `/api/projects/${projectId}/prelabel`)).body).toEqual({ state: 'idle', waiting: 0 });
    for (const [body, says] of [
      [{ labels: {} }, 'at least one class'],
      [{ labels: { unicorn: 'Backpack' } }, 'unicorn'],
      [{ labels: { backpack: 'Rucksack' } }, 'Rucksack'],
      [{ labels: { backpack: 'Backpack' }, threshold: 7 }, 'threshold'],
      [{ labels: { backpack: 'Backpack' }, scope: 'some' }, 'scope'],
      [{ labels: { backpack: 'Backpack' }, thresholds: { laptop: 0.5 } }, 'laptop'],
      [{ labels: { backpack: 'Backpack' }, thresholds: { backpack: 3 } }, 'thresholds'],
    ] as Array<[unknown, string]>) {
      const r = await start(body);
      expect([r.status, r.body.error.code]).toEqual([400, 'validation_failed']);
      expect(r.body.error.message).toContain(says);
    }
    expect((await s.api('DELETE', `/api/projects/${projectId}/prelabel`)).body.error.code).toBe('not_found');
  });

  it('adds the chosen classes as objects of the chosen labels, passing over annotated tasks', async () => {
    const r = await s.api('POST', `/api/projects/${projectId}/prelabel`, { labels: { backpack: 'Backpack', laptop: 'laptop' } });
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ state: 'running', total: 3, detector: 'coco-detector' });
    const st = await finished();
    expect(st).toMatchObject({ state: 'done', total: 3, done: 3, skipped: 1, failedTasks: 0 });
    // The project's webhook hears that the run ended, with what it did.
    await waitFor(() => hook.got.length === 1, 'the prelabel.finished delivery');
    const told = JSON.parse(hook.got[0].body);
    expect(hook.got[0].headers['x-tandem-event']).toBe('prelabel.finished');
    expect(told).toMatchObject({ event: 'prelabel.finished', project: { id: projectId, name: 'bags' }, prelabel: { state: 'done', total: 3, done: 3, skipped: 1, objects: st.objects, detector: 'coco-detector' }, by: { name: 'admin' } });
    expect(told.text).toBe(`Pre-labelling of bags finished: ${st.objects} objects added to 2 of 3 images`);
    const bag = listObjects(await roomDoc(task.bag));
    expect(st.objects).toBe(bag.length);
    expect(bag.map((o) => o.label).sort()).toEqual(['Backpack', 'laptop']);
    expect(bag.every((o) => o.source === 'detector' && o.createdBy)).toBe(true);
    const [x, y, w, h] = rleBbox(bag.find((o) => o.label === 'Backpack')!.mask!);
    expect(boxIou([x, y, x + w, y + h], await devMaskBox(BAG))).toBeGreaterThanOrEqual(0.5);
    expect(listObjects(await roomDoc(task.banana))).toEqual([]); // a banana is neither label
    expect(listObjects(await roomDoc(task.done)).map((o) => o.label)).toEqual(['laptop']); // passed over
    // The task list counts them (the rows follow the rooms).
    await waitFor(async () => {
      const rows = (await s.api('GET', `/api/projects/${projectId}/tasks`)).body as Array<{ id: string; labelCounts: Record<string, number> | null }>;
      const c = rows.find((t) => t.id === task.bag)?.labelCounts;
      return c?.Backpack === 1 && c?.laptop === 1 && Object.keys(c).length === 2;
    }, 'the task list to count the new objects');
  }, 120_000);

  it('adds nothing twice when run again on every task', async () => {
    const r = await s.api('POST', `/api/projects/${projectId}/prelabel`, { labels: { backpack: 'Backpack', laptop: 'laptop' }, scope: 'all' });
    expect(r.status).toBe(202);
    const st = await finished();
    expect(st).toMatchObject({ state: 'done', done: 3, skipped: 0 });
    expect(listObjects(await roomDoc(task.bag))).toHaveLength(2);
    // The annotated copy of the same photo now gets its backpack and laptop (its own object is elsewhere).
    const done = listObjects(await roomDoc(task.done));
    expect(done.map((o) => o.label).sort()).toEqual(['Backpack', 'laptop', 'laptop']);
    expect(st.objects).toBe(2);
  }, 120_000);

  it('says in the analytics what became of the pre-labels: kept, redrawn (how far), deleted', async () => {
    const c = connectClient(s.wsUrl, `task:${task.bag}`, s.adminToken);
    await c.synced();
    const [bag, laptop] = ['Backpack', 'laptop'].map((l) => listObjects(c.doc).find((o) => o.label === l)!);
    // The annotator redraws the backpack (its left half only) and deletes the laptop.
    const m = decodeRle(bag.mask!);
    const [x, , w] = rleBbox(bag.mask!);
    for (let i = 0; i < m.data.length; i++) if (i % m.width >= x + w / 2) m.data[i] = 0;
    const half = encodeRle(m.data, m.width, m.height);
    setMask(c.doc, bag.id, half, 'ana', { source: 'brush' });
    deleteObject(c.doc, laptop.id);
    await waitFor(async () => listObjects(await roomDoc(task.bag)).length === 1, 'the edits to be stored');
    c.destroy();
    // Object history records the deletion once the edits settle (a few seconds): analytics follow it.
    let a: any;
    await waitFor(async () => (a = (await s.api('GET', `/api/projects/${projectId}/analytics`)).body).prelabels.deleted === 1, 'the deletion to be recorded', 30_000);
    expect(a.prelabels).toMatchObject({ added: 4, untouched: 2, redrawn: 1, relabelled: 0, deleted: 1 });
    expect(a.prelabels.meanIouRedrawn).toBeCloseTo(rleIou(bag.mask!, half), 6);
    expect(a.prelabels.byLabel).toEqual([
      expect.objectContaining({ label: 'Backpack', added: 2, untouched: 1, redrawn: 1, deleted: 0 }),
      expect.objectContaining({ label: 'laptop', added: 2, untouched: 1, redrawn: 0, deleted: 1 }),
    ]);
    // The same as CSV, a row per label and one for all; the objects table says what made each.
    const csv = await fetch(`${s.url}/api/projects/${projectId}/analytics?format=csv&table=prelabels&token=${s.adminToken}`).then((r) => r.text());
    expect(csv.trim().split('\r\n').map((l) => l.split(',').slice(0, 7).filter((_, i) => i !== 4).join(','))).toEqual([
      'label,added,untouched,redrawn,relabelled,deleted',
      'Backpack,2,1,1,0,0',
      'laptop,2,1,0,0,1',
      '*,4,2,1,0,1',
    ]);
    expect(a.objects.filter((o: { createdFrom: string | null }) => o.createdFrom === 'detector')).toHaveLength(3);
  }, 60_000);
});

describe('a pre-labelling job stopped halfway', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ inference: true });
    await waitFor(async () => (await s.api('GET', '/api/detectors')).body.length === 1, 'a worker to announce the detector', 45_000);
  }, 60_000);
  afterAll(async () => s?.close());
  /** A task's objects, as an editor opening it would see them. */
  const objectsOf = async (id: string) => {
    const c = connectClient(s.wsUrl, `task:${id}`, s.adminToken);
    await c.synced();
    const objs = listObjects(c.doc);
    c.destroy();
    return objs;
  };

  it('refuses a second job while one runs, stops after the task in hand, and keeps what it wrote', async () => {
    const p = await s.api('POST', '/api/projects', { name: 'many', labels: [{ name: 'bag', color: '#22c55e' }] });
    const projectId = p.body.id as string;
    const photo = fs.readFileSync(path.join(DEV, 'images', `${BAG}.jpg`));
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push((await s.api('POST', `/api/projects/${projectId}/tasks?name=${i}.jpg`, photo, undefined, { 'content-type': 'image/jpeg' })).body.id);
    expect((await s.api('POST', `/api/projects/${projectId}/prelabel`, { labels: { backpack: 'bag' } })).status).toBe(202);
    const again = await s.api('POST', `/api/projects/${projectId}/prelabel`, { labels: { backpack: 'bag' } });
    expect([again.status, again.body.error.code]).toEqual([409, 'conflict']);
    expect((await s.api('DELETE', `/api/projects/${projectId}/prelabel`)).status).toBe(200);
    let st: any;
    await waitFor(async () => (st = (await s.api('GET', `/api/projects/${projectId}/prelabel`)).body).state !== 'running', 'the job to stop', 60_000);
    expect(st.state).toBe('stopped');
    expect(st.done).toBeLessThan(12);
    // Every task it reached has its backpack, durable; the others are untouched.
    const withObjects = [];
    for (const id of ids) {
      const c = connectClient(s.wsUrl, `task:${id}`, s.adminToken);
      await c.synced();
      withObjects.push(listObjects(c.doc).length);
      c.destroy();
    }
    expect(withObjects.filter((n) => n > 0)).toHaveLength(st.done);
    expect(withObjects.slice(0, st.done).every((n) => n === 1)).toBe(true);
    // Started again on the tasks with no object, it carries on where it stopped.
    expect((await s.api('POST', `/api/projects/${projectId}/prelabel`, { labels: { backpack: 'bag' } })).status).toBe(202);
    await waitFor(async () => (st = (await s.api('GET', `/api/projects/${projectId}/prelabel`)).body).state === 'done', 'the second run', 90_000);
    expect(st).toMatchObject({ total: 12, done: 12, failedTasks: 0 });
    expect(st.skipped).toBe(withObjects.filter((n) => n > 0).length);
    expect(st.objects).toBe(12 - st.skipped);
    // Only the tasks named (the list as a search shows it), in the project's order; a task of
    // another project is refused by name.
    expect((await s.api('POST', `/api/projects/${projectId}/prelabel`, { labels: { backpack: 'bag' }, scope: 'all', taskIds: [ids[7], ids[2]] })).status).toBe(202);
    await waitFor(async () => (st = (await s.api('GET', `/api/projects/${projectId}/prelabel`)).body).state === 'done', 'the run on two tasks', 60_000);
    expect(st).toMatchObject({ total: 2, done: 2, objects: 0, failedTasks: 0 }); // their backpacks are there already
    const stranger = await s.api('POST', `/api/projects/${projectId}/prelabel`, { labels: { backpack: 'bag' }, taskIds: [ids[0], 'not-a-task'] });
    expect([stranger.status, stranger.body.error.code]).toEqual([400, 'validation_failed']);
    expect(stranger.body.error.message).toContain('not-a-task');
  }, 180_000);

  it('withdraws the pre-labels nobody touched (a run undone), keeps the one redrawn, and the analytics count no false find', async () => {
    const p = await s.api('POST', '/api/projects', { name: 'undo', labels: [{ name: 'bag', color: '#22c55e' }] });
    const projectId = p.body.id as string;
    const photo = fs.readFileSync(path.join(DEV, 'images', `${BAG}.jpg`));
    const ids: string[] = [];
    for (const n of ['a', 'b']) ids.push((await s.api('POST', `/api/projects/${projectId}/tasks?name=${n}.jpg`, photo, undefined, { 'content-type': 'image/jpeg' })).body.id);
    expect((await s.api('POST', `/api/projects/${projectId}/prelabel`, { labels: { backpack: 'bag' } })).status).toBe(202);
    let st: any;
    await waitFor(async () => (st = (await s.api('GET', `/api/projects/${projectId}/prelabel`)).body).state === 'done', 'the run', 90_000);
    const made = st.objects as number;
    expect(made).toBeGreaterThanOrEqual(2);
    // An annotator redraws the first image's pre-label.
    const c = connectClient(s.wsUrl, `task:${ids[0]}`, s.adminToken);
    await c.synced();
    const [kept] = listObjects(c.doc);
    const m = decodeRle(kept.mask!);
    m.data.fill(0, 0, Math.floor(m.data.length / 2));
    setMask(c.doc, kept.id, encodeRle(m.data, m.width, m.height), 'admin', { source: 'brush' });
    await new Promise((r) => setTimeout(r, 300)); // stored
    c.destroy();
    const ana = await s.addMember(projectId, 'annotator', 'Ana');
    expect((await s.api('POST', `/api/projects/${projectId}/prelabel/withdraw`, {}, ana.token)).body.error.code).toBe('forbidden');
    const w = await s.api('POST', `/api/projects/${projectId}/prelabel/withdraw`, {});
    expect([w.status, w.body.mode]).toEqual([202, 'withdraw']);
    await waitFor(async () => (st = (await s.api('GET', `/api/projects/${projectId}/prelabel`)).body).state === 'done', 'the withdrawal', 60_000);
    expect(st).toMatchObject({ mode: 'withdraw', total: 2, done: 2, objects: made - 1, failedTasks: 0 });
    expect((await objectsOf(ids[0])).map((o) => o.id)).toEqual([kept.id]);
    expect(await objectsOf(ids[1])).toEqual([]);
    let a: any;
    await waitFor(async () => (a = (await s.api('GET', `/api/projects/${projectId}/analytics`)).body).prelabels.redrawn === 1, 'the redrawn one recorded', 30_000);
    expect(a.prelabels).toMatchObject({ added: 1, redrawn: 1, deleted: 0 });
  }, 180_000);

  it('pre-labels new uploads by itself once the project asks for it, one run per batch, and only those', async () => {
    const p = await s.api('POST', '/api/projects', { name: 'auto', labels: [{ name: 'bag', color: '#22c55e' }] });
    const projectId = p.body.id as string;
    const bag = fs.readFileSync(path.join(DEV, 'images', `${BAG}.jpg`));
    const upload = async (name: string) => (await s.api('POST', `/api/projects/${projectId}/tasks?name=${name}`, bag, undefined, { 'content-type': 'image/jpeg' })).body.id as string;
    const before = await upload('before.jpg'); // uploaded while the setting is off: left alone
    const put = (settings: unknown) => s.api('PUT', `/api/projects/${projectId}/settings`, settings);
    for (const [settings, says] of [
      [{ noOverlap: false, autoPrelabel: { labels: { backpack: 'Rucksack' } } }, 'Rucksack'],
      [{ noOverlap: false, autoPrelabel: { labels: { unicorn: 'bag' } } }, 'unicorn'],
      [{ noOverlap: false, autoPrelabel: { labels: {} } }, 'at least one class'],
      [{ noOverlap: false, autoPrelabel: { labels: { backpack: 'bag' }, thresholds: { person: 0.5 } } }, 'person'],
    ] as Array<[unknown, string]>) {
      const r = await put(settings);
      expect([r.status, r.body.error?.code]).toEqual([400, 'validation_failed']);
      expect(r.body.error.message).toContain(says);
    }
    expect((await put({ noOverlap: false, autoPrelabel: { labels: { backpack: 'bag' }, threshold: 0.35 } })).status).toBe(200);
    expect((await s.api('GET', `/api/projects/${projectId}`)).body.settings).toEqual({ noOverlap: false, autoPrelabel: { labels: { backpack: 'bag' }, threshold: 0.35 } });
    // A client that knows only noOverlap (an older page, a script) changes that and keeps the rest.
    const older = await put({ noOverlap: true });
    expect(older.body).toEqual({ noOverlap: true, autoPrelabel: { labels: { backpack: 'bag' }, threshold: 0.35 } });
    expect((await s.api('GET', `/api/projects/${projectId}`)).body.settings).toEqual(older.body);
    expect((await put({ noOverlap: false })).body.autoPrelabel).toEqual({ labels: { backpack: 'bag' }, threshold: 0.35 });
    const batch = [await upload('a.jpg'), await upload('b.jpg'), await upload('c.jpg')];
    let st: any;
    await waitFor(async () => (st = (await s.api('GET', `/api/projects/${projectId}/prelabel`)).body).state === 'done', 'the run over the new uploads', 90_000);
    expect(st).toMatchObject({ auto: true, total: 3, done: 3, failedTasks: 0 });
    for (const id of batch) expect((await objectsOf(id)).map((o) => [o.label, o.createdFrom])).toContainEqual(['bag', 'detector']);
    expect(await objectsOf(before)).toEqual([]);
    // Off again: the next upload is left alone.
    expect((await put({ noOverlap: false, autoPrelabel: null })).status).toBe(200);
    const after = await upload('after.jpg');
    await new Promise((r) => setTimeout(r, 3000)); // past the wait for uploads to pause
    expect((await s.api('GET', `/api/projects/${projectId}/prelabel`)).body.startedAt).toBe(st.startedAt);
    expect(await objectsOf(after)).toEqual([]);
  }, 180_000);
});

describe('pre-labelling without a detector', () => {
  it('says no worker runs one, and counts the new uploads waiting for one', async () => {
    const s = await startTestServer();
    try {
      const { projectId } = await s.createProjectWithTask({ labels: [{ name: 'car', color: '#ff0000' }] });
      const r = await s.api('POST', `/api/projects/${projectId}/prelabel`, { labels: { car: 'car' } });
      expect(r.body.error.code).toBe('no_worker');
      // New uploads wait for one, and the status says how many.
      expect((await s.api('PUT', `/api/projects/${projectId}/settings`, { noOverlap: false, autoPrelabel: { labels: { car: 'car' } } })).status).toBe(200);
      const ids: string[] = [];
      for (const name of ['a.png', 'b.png', 'c.png']) {
        const r = await s.api('POST', `/api/projects/${projectId}/tasks?name=${name}`, await makeImage(16, 12), undefined, { 'content-type': 'image/png' });
        expect(r.status).toBe(201);
        ids.push(r.body.id);
      }
      expect((await s.api('DELETE', `/api/tasks/${ids[2]}`)).status).toBe(200); // a wrong upload, deleted: not waiting any more
      await new Promise((r) => setTimeout(r, 2500)); // past the wait for uploads to pause
      expect((await s.api('GET', `/api/projects/${projectId}/prelabel`)).body).toEqual({ state: 'idle', waiting: 2 });
    } finally {
      await s.close();
    }
  });
});
