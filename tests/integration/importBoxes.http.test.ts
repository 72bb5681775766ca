// A file's boxes made masks through a running server with a real worker and the shipped click
// model (POST /api/projects/:id/import?boxes=segment): CVAT boxes around two dev objects become
// objects close to their true masks, after the file's own polygon, with the box's label and
// values, while the run is followed at GET .../prelabel; while another run goes on they wait and
// go once it ends; `boxes=rectangle` fills them at once;
// a wrong choice is refused with its code; the activity log says how many boxes came.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rleArea, rleIou } from '../../shared/codecs/rle';
import { listObjects, setLabel } from '../../shared/schema/annotation';
import { DEV, devMaskBox, devMaskRle } from '../helpers/devMasks';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { waitFor } from '../helpers/waitFor';
import { webhookReceiver, type Receiver } from '../helpers/webhookReceiver';
import { connectClient, roomSnapshot } from '../helpers/yclient';

const BAG = 'backpack07_000000370478';
const BANANA = 'banana08_000000293794';

describe('an imported file\'s boxes made masks by the click model', () => {
  let s: TestServer;
  let projectId: string;
  let hook: Receiver;
  const task: Record<string, { id: string; width: number; height: number }> = {};

  beforeAll(async () => {
    s = await startTestServer({ inference: true, env: { WEBHOOK_ALLOW_PRIVATE: 'true' } }); // the receiver is on 127.0.0.1
    const labels = [{ name: 'Backpack', color: '#22c55e', attributes: [{ name: 'worn', type: 'checkbox', default: false }] }, { name: 'outline', color: '#3b82f6' }];
    projectId = (await s.api('POST', '/api/projects', { name: 'from CVAT', labels })).body.id;
    hook = await webhookReceiver([200]);
    expect((await s.api('POST', `/api/projects/${projectId}/webhooks`, { url: hook.url, events: ['prelabel.finished'] })).status).toBe(201);
    for (const [key, id] of [['bag', BAG], ['banana', BANANA]]) {
      const r = await s.api('POST', `/api/projects/${projectId}/tasks?name=${key}.jpg`, fs.readFileSync(path.join(DEV, 'images', `${id}.jpg`)), undefined, { 'content-type': 'image/jpeg' });
      task[key] = r.body;
    }
  }, 120_000);
  afterAll(async () => {
    await s?.close();
    await hook?.close();
  });

  const objects = async (taskId: string) => listObjects(await roomSnapshot(s.wsUrl, `task:${taskId}`, s.adminToken));

  /** CVAT XML: each image's true box as a <box>, the bag's with its `worn` value, and a polygon drawn before it. */
  async function cvatXml(): Promise<string> {
    const box = async (id: string, label: string, extra = '') => {
      const [x0, y0, x1, y1] = await devMaskBox(id);
      return `<box label="${label}" occluded="0" xtl="${x0}" ytl="${y0}" xbr="${x1}" ybr="${y1}" z_order="1">${extra}</box>`;
    };
    const image = (name: string, t: { width: number; height: number }, shapes: string) => `<image id="0" name="${name}" width="${t.width}" height="${t.height}">${shapes}</image>`;
    return `<?xml version="1.0"?><annotations><version>1.1</version>${image('bag.jpg', task.bag, `<polygon label="outline" points="0,0;20,0;20,20" z_order="0"></polygon>${await box(BAG, 'Backpack', '<attribute name="worn">true</attribute>')}`)}${image('banana.jpg', task.banana, await box(BANANA, 'banana'))}</annotations>`;
  }
  const post = (query: string, body: string) => s.api('POST', `/api/projects/${projectId}/import?format=cvat&${query}`, Buffer.from(body), undefined, { 'content-type': 'application/xml' });

  it('refuses a choice it does not know, writing nothing', async () => {
    const r = await post('boxes=circles', await cvatXml());
    expect([r.status, r.body.error.code]).toEqual([400, 'validation_failed']);
    for (const [map, says] of [['{banana', 'labelMap is not JSON'], ['{"banana":"fruit"}', 'not a label of the project']]) {
      const bad = await post(`labelMap=${encodeURIComponent(map)}`, await cvatXml());
      expect([bad.status, bad.body.error.code, bad.body.error.message.includes(says)]).toEqual([400, 'validation_failed', true]);
    }
    expect(await objects(task.bag.id)).toEqual([]);
  });

  it('makes each box a mask close to the object\'s true one, after the file\'s own shapes, followed as a run', async () => {
    const r = await post('boxes=segment', await cvatXml());
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ imported: 1, boxes: 2, boxesAs: 'segment', newLabels: ['banana'], boxRun: { state: 'running', mode: 'boxes', total: 2, boxes: 2 } });
    let st: { state: string };
    await waitFor(async () => (st = (await s.api('GET', `/api/projects/${projectId}/prelabel`)).body).state !== 'running', 'the box run to end', 90_000);
    expect(st!).toMatchObject({ state: 'done', done: 2, total: 2, objects: 2, rectangles: 0, failedTasks: 0, mode: 'boxes' });
    // The pipeline hears that the run ended, and what it made.
    await waitFor(() => hook.got.length === 1, 'the prelabel.finished delivery');
    const told = JSON.parse(hook.got[0].body);
    expect(told.prelabel).toMatchObject({ state: 'done', mode: 'boxes', boxes: 2, rectangles: 0, objects: 2 });
    expect(told.text).toBe('Making masks of the boxes imported into from CVAT finished: 2 of 2 made on 2 of 2 images');
    const bag = await objects(task.bag.id);
    expect(bag.map((o) => [o.label, o.source, o.createdFrom])).toEqual([['outline', 'import', 'import'], ['Backpack', 'import', 'box']]);
    expect(bag[1].attributes).toEqual({ worn: true });
    expect(bag[1].model).toBeTruthy();
    const [banana] = await objects(task.banana.id);
    expect(banana.label).toBe('banana');
    // The click model's masks, not the boxes: each close to the object, and closer than the box's
    // rectangle (the backpack fills 73% of its box, the banana 85%; measured 0.82 and 0.94).
    for (const [o, id] of [[bag[1], BAG], [banana, BANANA]] as const) {
      const truth = await devMaskRle(id);
      const [x0, y0, x1, y1] = await devMaskBox(id);
      const rectangleIou = rleArea(truth) / ((x1 - x0) * (y1 - y0));
      expect(rleIou(o.mask!, truth)).toBeGreaterThanOrEqual(0.75);
      expect(rleIou(o.mask!, truth)).toBeGreaterThan(rectangleIou + 0.05);
    }
    // The analytics: nobody's work (the importer made no object by hand), the box masks followed on their own.
    const a = (await s.api('GET', `/api/projects/${projectId}/analytics`)).body;
    expect([a.project.objects, a.annotators, a.boxMasks.added, a.boxMasks.untouched, a.prelabels.added]).toEqual([0, [], 2, 2, 0]);
    const csv = Buffer.from((await s.api('GET', `/api/projects/${projectId}/analytics?format=csv&table=boxes`)).body).toString('utf8').trim().split('\r\n');
    expect(csv[0]).toBe('label,added,untouched,redrawn,mean_iou_redrawn,relabelled,deleted');
    expect(csv).toContain('Backpack,1,1,0,,0,0');
  }, 120_000);

  it('fills the boxes as rectangles at once when asked, and the log says how many boxes came', async () => {
    // A preview first: the same answer, nothing written, nothing in the log.
    const preview = await post('boxes=rectangle&dryRun=true', await cvatXml());
    expect(preview.body).toMatchObject({ dryRun: true, imported: 3, boxes: 2, boxesAs: 'rectangle' });
    expect(await objects(task.banana.id)).toHaveLength(1);
    const r = await post('boxes=rectangle', await cvatXml());
    expect(r.body).toMatchObject({ imported: 3, boxes: 2, boxesAs: 'rectangle' });
    expect(r.body.boxRun).toBeUndefined();
    const [x0, y0, x1, y1] = await devMaskBox(BANANA);
    const rect = (await objects(task.banana.id)).at(-1)!;
    expect(rleArea(rect.mask!)).toBe((x1 - x0) * (y1 - y0));
    const log = (await s.api('GET', `/api/projects/${projectId}/activity`)).body.entries.filter((e: { action: string }) => e.action === 'import');
    expect(log.map((e: { detail: { boxes: number } }) => e.detail.boxes)).toEqual([2, 2]);
  });

  it('undoes the imports: what they brought and nobody touched goes, what someone changed stays', async () => {
    // Someone relabels the first import's banana mask: it is theirs now.
    const c = connectClient(s.wsUrl, `task:${task.banana.id}`, s.adminToken);
    await c.synced();
    const [bananaMask] = listObjects(c.doc);
    setLabel(c.doc, bananaMask.id, 'outline', 'admin');
    await waitFor(async () => (await objects(task.banana.id)).some((o) => o.label === 'outline'), 'the relabel stored');
    c.destroy();
    expect((await s.api('POST', `/api/projects/${projectId}/prelabel/withdraw`, { what: 'nothing' })).status).toBe(400);
    const r = await s.api('POST', `/api/projects/${projectId}/prelabel/withdraw`, { what: 'imports' });
    expect([r.status, r.body.mode, r.body.withdrawing]).toEqual([202, 'withdraw', 'imports']);
    let st: { state: string };
    await waitFor(async () => (st = (await s.api('GET', `/api/projects/${projectId}/prelabel`)).body).state !== 'running', 'the withdrawal to end', 30_000);
    // The bag: two outlines, the box mask and the rectangle; the banana: the rectangle (its mask was relabelled).
    expect(st!).toMatchObject({ state: 'done', objects: 5, withdrawing: 'imports' });
    expect(await objects(task.bag.id)).toEqual([]);
    expect((await objects(task.banana.id)).map((o) => [o.label, o.createdFrom])).toEqual([['outline', 'box']]);
    // Not counted as the team's deletions, and told to the pipeline as what it was.
    const a = (await s.api('GET', `/api/projects/${projectId}/analytics`)).body;
    expect([a.imports.deleted, a.boxMasks.deleted]).toEqual([0, 0]);
    await waitFor(() => hook.got.length === 2, 'the second prelabel.finished delivery');
    expect(JSON.parse(hook.got[1].body).text).toBe('Withdrawing untouched imported objects from from CVAT finished: 5 removed from 2 of 2 images');
    const line = (await s.api('GET', `/api/projects/${projectId}/activity`)).body.entries.find((e: { action: string }) => e.action === 'prelabel.withdraw');
    expect(line.detail).toMatchObject({ what: 'imports' });
  });

  it('lets the boxes wait while another run of the project goes on, and makes them masks once it ends', async () => {
    // A run held by another node (a detector's pre-labelling of new uploads, say), stored as any node's is.
    const jobs = s.server.storage.jobs;
    const other = { state: 'running', by: 'someone', startedAt: Date.now(), finishedAt: null, total: 9, done: 0, skipped: 0, objects: 0, failedTasks: 0, lastError: null, detector: 'det', resumed: 0 };
    const pid = projectId as Parameters<typeof jobs.begin>[0]['projectId'];
    expect(await jobs.begin({ projectId: pid, kind: 'prelabel', options: JSON.stringify({ labels: {}, scope: 'all', queue: [] }), status: JSON.stringify(other), owner: 'elsewhere', leaseUntil: Date.now() + 600_000, now: Date.now() })).toBe(true);
    const r = await post('boxes=segment', await cvatXml());
    expect([r.status, r.body.boxesWaiting, r.body.boxRun, r.body.imported]).toEqual([200, { boxes: 2, images: 2 }, undefined, 1]);
    expect((await s.api('GET', `/api/projects/${projectId}/prelabel`)).body).toMatchObject({ state: 'running', detector: 'det', waitingBoxes: { boxes: 2, images: 2 } });
    await new Promise((res) => setTimeout(res, 500));
    expect((await objects(task.bag.id)).map((o) => o.createdFrom)).toEqual(['import']); // the file's polygon; the box waits
    // That run ends: the boxes' run starts by itself (the server looks every 5 s) and makes the masks.
    expect(await jobs.renew(pid, 'prelabel', 'elsewhere', { state: 'done', status: JSON.stringify({ ...other, state: 'done', finishedAt: Date.now() }), leaseUntil: 0, now: Date.now() })).not.toBeNull();
    let st: { state: string; mode?: string; waitingBoxes?: unknown };
    await waitFor(async () => ((st = (await s.api('GET', `/api/projects/${projectId}/prelabel`)).body), st.mode === 'boxes' && st.state === 'done'), 'the waiting boxes made masks', 90_000);
    expect(st!).toMatchObject({ state: 'done', mode: 'boxes', boxes: 2, objects: 2, rectangles: 0 });
    expect(st!.waitingBoxes).toBeUndefined();
    const bag = await objects(task.bag.id);
    expect(bag.map((o) => [o.label, o.createdFrom])).toEqual([['outline', 'import'], ['Backpack', 'box']]);
    expect(rleIou(bag[1].mask!, await devMaskRle(BAG))).toBeGreaterThanOrEqual(0.75);
  }, 120_000);
});
