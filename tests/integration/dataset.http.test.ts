// Import, export, history, analytics, /metrics and /readyz through the real HTTP API of a real
// server on port 0, with a stock y-websocket client connected to the task while importing.
import { strFromU8, unzipSync } from 'fflate';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRle } from '../../shared/codecs/rle';
import * as Y from 'yjs';
import { createObject, listObjects, setMask } from '../../shared/schema/annotation';
import { readHistory, readVerdictHistory } from '../../server/dataset/history/historyDoc';
import { readVerdicts, setObjectVerdict, setTaskStatus } from '../../shared/schema/review';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { connectClient, type YClient } from '../helpers/yclient';
import { waitFor } from '../helpers/waitFor';
import { count, decodeCocoRle } from '../fixtures/dataset/decoders';
import { draw } from '../fixtures/dataset/sampleProject';

const W = 64;
const H = 48;
// A ring (with a hole) and a rectangle.
const ring = draw(W, H, (x, y) => {
  const d = Math.hypot(x - 20, y - 24);
  return d <= 14 && d > 6;
});
const rect = draw(W, H, (x, y) => x >= 40 && x < 60 && y >= 5 && y < 15);

function cocoFile(fileName: string, overrides: { segmentation?: unknown } = {}) {
  return {
    images: [{ id: 7, file_name: fileName, width: W, height: H }],
    categories: [{ id: 1, name: 'cat' }, { id: 2, name: 'bird' }],
    annotations: [
      { id: 1, image_id: 7, category_id: 1, segmentation: overrides.segmentation ?? encodeRle(ring, W, H), iscrowd: 0 },
      { id: 2, image_id: 7, category_id: 2, segmentation: encodeRle(rect, W, H), iscrowd: 0 },
    ],
  };
}

let s: TestServer;
let projectId: string;
let taskId: string;
let client: YClient;
let annotator: { userId: string; token: string };

beforeAll(async () => {
  s = await startTestServer();
  ({ projectId, taskId } = await s.createProjectWithTask({ labels: [{ name: 'cat', color: '#ff0000' }], taskName: 'street/a.png' }));
  annotator = await s.addMember(projectId, 'annotator', 'Ana');
  client = connectClient(s.wsUrl, `task:${taskId}`, annotator.token);
  await client.synced();
});

afterAll(async () => {
  client?.destroy();
  await s?.close();
});

const importBody = (body: unknown) => new TextEncoder().encode(JSON.stringify(body));
const json = { 'content-type': 'application/json' };

describe('dataset over HTTP', () => {
  it('refuses imports from roles that do not create objects, and malformed files, writing nothing', async () => {
    const viewer = await s.addMember(projectId, 'viewer');
    const reviewer = await s.addMember(projectId, 'reviewer');
    for (const t of [viewer.token, reviewer.token]) {
      const r = await s.api('POST', `/api/projects/${projectId}/import?format=coco`, importBody(cocoFile('a.png')), t, json);
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe('forbidden');
    }
    const bad = await s.api('POST', `/api/projects/${projectId}/import?format=coco`, importBody(cocoFile('a.png', { segmentation: { size: [H, W], counts: 'zz' } })), annotator.token, json);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    expect(bad.body.error.message).toMatch(/nothing was imported/);
    const notJson = await s.api('POST', `/api/projects/${projectId}/import?format=coco`, new TextEncoder().encode('{'), annotator.token, json);
    expect(notJson.body.error.code).toBe('invalid_json');
    const exp = await s.api('GET', `/api/tasks/${taskId}/export?format=coco`);
    expect(exp.body.annotations).toEqual([]);
    expect(listObjects(client.doc)).toEqual([]);
  });

  it('imports COCO as pre-labels that a connected client sees live, then exports the same pixels', async () => {
    const r = await s.api('POST', `/api/projects/${projectId}/import?format=coco`, importBody(cocoFile('a.png')), annotator.token, json);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ imported: 2, newLabels: ['bird'], unmatchedImages: [] });
    // The client connected before the import receives the objects through the live room.
    await waitFor(() => listObjects(client.doc).length === 2, 'imported objects on the client');
    expect(listObjects(client.doc).every((o) => o.source === 'import' && o.createdBy === annotator.userId)).toBe(true);

    const exp = await s.api('GET', `/api/tasks/${taskId}/export?format=coco`);
    expect(exp.status).toBe(200);
    expect(exp.body.categories.map((c: { name: string }) => c.name)).toEqual(['cat', 'bird']);
    const byLabel = new Map<string, Uint8Array>([['cat', ring], ['bird', rect]]);
    for (const a of exp.body.annotations) {
      const name = exp.body.categories.find((c: { id: number }) => c.id === a.category_id).name;
      expect(Buffer.from(decodeCocoRle(a.segmentation)).equals(Buffer.from(byLabel.get(name)!))).toBe(true);
      expect(a.area).toBe(count(byLabel.get(name)!));
    }
  });

  it('exports Pascal VOC and YOLO as zips, per task and per project', async () => {
    const voc = await s.api('GET', `/api/tasks/${taskId}/export?format=voc`);
    expect(voc.status).toBe(200);
    expect(voc.headers.get('content-type')).toBe('application/zip');
    const files = unzipSync(new Uint8Array(voc.body));
    const cls = await sharp(Buffer.from(files['SegmentationClass/a.png'])).removeAlpha().raw().toBuffer();
    const red = [...ring].filter((v, i) => v && cls[i * 3] === 255 && cls[i * 3 + 1] === 0 && cls[i * 3 + 2] === 0).length;
    expect(red).toBe(count(ring)); // 'cat' is #ff0000 in the project

    const yolo = await s.api('GET', `/api/projects/${projectId}/export?format=yolo&token=${annotator.token}`, undefined, null);
    expect(yolo.status).toBe(200);
    const y = unzipSync(new Uint8Array(yolo.body));
    expect(strFromU8(y['classes.txt'])).toBe('cat\nbird\n');
    expect(strFromU8(y['labels/a.txt']).trim().split('\n').map((l) => l.split(' ')[0]).sort()).toEqual(['0', '1']);

    const poly = await s.api('GET', `/api/projects/${projectId}/export?format=coco-polygons`);
    expect(poly.body.annotations.every((a: { segmentation: unknown }) => Array.isArray(a.segmentation))).toBe(true);
    const brush = await s.api('GET', `/api/projects/${projectId}/export?format=labelstudio-brush`);
    expect([brush.status, brush.headers.get('content-disposition')]).toEqual([200, expect.stringContaining('_labelstudio_brush.json')]);
    expect(brush.body[0].annotations[0].result.filter((r: { type: string }) => r.type === 'brushlabels').map((r: { value: { format: string } }) => r.value.format)).toEqual(['rle', 'rle']);
    const config = await s.api('GET', `/api/projects/${projectId}/export?format=labelstudio-config`);
    expect([config.status, config.headers.get('content-type'), config.headers.get('content-disposition')]).toEqual([200, 'application/xml; charset=utf-8', expect.stringContaining('_labelstudio_config.xml')]);
    expect(config.body.toString()).toMatch(/<BrushLabels name="brush" toName="image">\s*<Label value="cat"/);
    const unknown = await s.api('GET', `/api/tasks/${taskId}/export?format=png`);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('validation_failed');
  });

  it('exports only the labels asked for, numbered as if the project had only those: a one-class set', async () => {
    const yolo = await s.api('GET', `/api/projects/${projectId}/export?format=yolo&label=bird`);
    expect(yolo.status).toBe(200);
    const y = unzipSync(new Uint8Array(yolo.body));
    expect(strFromU8(y['classes.txt'])).toBe('bird\n');
    expect(strFromU8(y['labels/a.txt']).trim().split('\n').map((l) => l.split(' ')[0])).toEqual(['0']); // the bird, class 0 now
    const coco = (await s.api('GET', `/api/projects/${projectId}/export?format=coco&label=cat&label=bird&label=cat`)).body;
    expect(coco.categories.map((c: { name: string }) => c.name)).toEqual(['cat', 'bird']);
    expect(coco.annotations).toHaveLength(2);
    const typo = await s.api('GET', `/api/projects/${projectId}/export?format=coco&label=brid`);
    expect([typo.status, typo.body.error.code, typo.body.error.message]).toEqual([400, 'validation_failed', 'not a label of the project: brid']);
  });

  it('streams VOC and YOLO zips with the images in them when asked: a dataset that trains as downloaded', async () => {
    const stored = await s.api('GET', `/api/tasks/${taskId}/image`);
    const yolo = await s.api('GET', `/api/projects/${projectId}/export?format=yolo&images=true`);
    expect([yolo.status, yolo.headers.get('content-type')]).toEqual([200, 'application/zip']);
    const y = unzipSync(new Uint8Array(yolo.body));
    // The image sits where train.txt says, byte for byte as uploaded, beside its labels.
    expect(strFromU8(y['train.txt']).trim()).toBe('images/a.png');
    expect(Buffer.from(y['images/a.png']).equals(Buffer.from(stored.body))).toBe(true);
    expect(y['labels/a.txt']).toBeDefined();
    const voc = unzipSync(new Uint8Array((await s.api('GET', `/api/tasks/${taskId}/export?format=voc&images=true`)).body));
    expect(Buffer.from(voc['JPEGImages/a.png']).equals(Buffer.from(stored.body))).toBe(true);
    expect(voc['SegmentationObject/a.png']).toBeDefined();
    // Without the flag, no images; COCO has no place for them.
    expect(Object.keys(unzipSync(new Uint8Array((await s.api('GET', `/api/projects/${projectId}/export?format=yolo`)).body))).some((k) => k.startsWith('images/'))).toBe(false);
    const coco = await s.api('GET', `/api/projects/${projectId}/export?format=coco&images=true`);
    expect([coco.status, coco.body.error.code]).toEqual([400, 'validation_failed']);
  });

  it('exports only the tasks of the statuses asked for, read from their review rooms', async () => {
    // A second task, moved to done by a reviewer; the first stays to do.
    const second = await s.api('POST', `/api/projects/${projectId}/tasks?name=b.png`, await sharp({ create: { width: W, height: H, channels: 3, background: '#808080' } }).png().toBuffer(), undefined, { 'content-type': 'image/png' });
    const reviewer = await s.addMember(projectId, 'reviewer', 'Rita');
    const review = connectClient(s.wsUrl, `review:${second.body.id}`, reviewer.token);
    await review.synced();
    setTaskStatus(review.doc, 'done', reviewer.userId);
    const names = async (q: string) => {
      const r = await s.api('GET', `/api/projects/${projectId}/export?format=coco${q}`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body.images.map((i: { file_name: string }) => i.file_name).sort();
    };
    try {
      await waitFor(async () => (await names('&status=done')).length === 1, 'the done task alone');
      expect(await names('&status=done')).toEqual(['b.png']);
      expect(await names('&status=todo')).toEqual(['street/a.png']);
      expect(await names('&status=done,todo')).toEqual(['b.png', 'street/a.png']);
      expect(await names('')).toEqual(['b.png', 'street/a.png']);
      expect(await names('&status=in_review')).toEqual([]);
    } finally {
      review.destroy();
    }
    const bad = await s.api('GET', `/api/projects/${projectId}/export?format=coco&status=finished`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
  });

  it('shows an object history and restores a version, live for the connected client', async () => {
    const objectId = listObjects(client.doc).find((o) => o.label === 'bird')!.id;
    const original = listObjects(client.doc).find((o) => o.id === objectId)!.mask;
    // The annotator redraws the mask in the editor (a client write through /sync).
    const redrawn = encodeRle(draw(W, H, (x, y) => x >= 2 && x < 9 && y >= 30 && y < 44), W, H);
    setMask(client.doc, objectId, redrawn, annotator.userId, { source: 'brush' });
    const h = await waitFor(async () => {
      const r = await s.api('GET', `/api/tasks/${taskId}/objects/${objectId}/history`, undefined, annotator.token);
      return r.body.versions?.length === 2 ? r : null;
    }, 'two versions on the server');
    expect(h.body.versions.map((v: { kind: string; source: string }) => [v.kind, v.source])).toEqual([['created', 'import'], ['mask', 'brush']]);
    expect(h.body.versions[0].mask).toEqual(original);
    expect(h.body.versions[1].mask).toEqual(redrawn);

    const viewer = await s.addMember(projectId, 'viewer');
    const denied = await s.api('POST', `/api/tasks/${taskId}/objects/${objectId}/restore`, { version: 1 }, viewer.token);
    expect(denied.status).toBe(403);
    const missing = await s.api('POST', `/api/tasks/${taskId}/objects/${objectId}/restore`, { version: 5 }, annotator.token);
    expect(missing.status).toBe(404);

    const r = await s.api('POST', `/api/tasks/${taskId}/objects/${objectId}/restore`, { version: 1 }, annotator.token);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ kind: 'restored', restoredFrom: 1, version: 3 });
    // The connected client gets the restored mask through the live room.
    await waitFor(() => listObjects(client.doc).find((o) => o.id === objectId)?.mask?.counts === original!.counts, 'restored mask on the client');
    const all = await s.api('GET', `/api/tasks/${taskId}/history`, undefined, viewer.token);
    expect(all.status).toBe(200);
    expect(all.body.objects.find((o: { objectId: string }) => o.objectId === objectId)).toMatchObject({ versions: 3, lastKind: 'restored', deleted: false });
  });

  it('records versions of live edits by itself once they settle (no history request needed)', async () => {
    const objectId = listObjects(client.doc).find((o) => o.label === 'cat')!.id;
    const stored = async () => {
      const doc = new Y.Doc();
      for (const u of (await s.server.storage.docs.load(`history:${taskId}`)).updates) Y.applyUpdate(doc, u);
      return readHistory(doc, objectId);
    };
    const before = (await stored()).length;
    const moved = encodeRle(draw(W, H, (x, y) => x >= 30 && x < 40 && y >= 30 && y < 40), W, H);
    setMask(client.doc, objectId, moved, annotator.userId, { source: 'model', model: 'graphcut' });
    const versions = await waitFor(async () => {
      const v = await stored();
      return v.length === before + 1 ? v : null;
    }, 'the recorder to store the edit');
    expect(versions[versions.length - 1]).toMatchObject({ kind: 'mask', by: annotator.userId, model: 'graphcut', mask: moved });
  });

  it('keeps the review sequence of a live review: first verdict, corrections after it, pass rate', async () => {
    const reviewer = await s.addMember(projectId, 'reviewer', 'Rita');
    const review = connectClient(s.wsUrl, `review:${taskId}`, reviewer.token);
    try {
      await review.synced();
      const objectId = listObjects(client.doc).find((o) => o.label === 'bird')!.id;
      const storedVerdicts = async () => {
        const doc = new Y.Doc();
        for (const u of (await s.server.storage.docs.load(`history:${taskId}`)).updates) Y.applyUpdate(doc, u);
        return readVerdictHistory(doc, objectId).map((v) => v.verdict);
      };
      setObjectVerdict(review.doc, objectId, { verdict: 'changes_requested', by: reviewer.userId, message: 'the wing is missing' });
      await waitFor(async () => (await storedVerdicts()).length === 1, 'the request recorded');
      // The annotator fixes the mask after the request; then the reviewer approves.
      const fixed = encodeRle(draw(W, H, (x, y) => x >= 38 && x < 62 && y >= 3 && y < 17), W, H);
      await waitFor(() => Date.now() > readVerdicts(review.doc)[objectId].at, 'a later millisecond');
      setMask(client.doc, objectId, fixed, annotator.userId, { source: 'model', model: 'graphcut' });
      await waitFor(async () => {
        const r = await s.api('GET', `/api/projects/${projectId}/analytics`);
        return r.body.objects.find((o: { objectId: string }) => o.objectId === objectId)?.corrections === 1;
      }, 'the correction counted');
      setObjectVerdict(review.doc, objectId, { verdict: 'approved', by: reviewer.userId });
      await waitFor(async () => (await storedVerdicts()).length === 2, 'the approval recorded');
      const a = await s.api('GET', `/api/projects/${projectId}/analytics`);
      expect(a.body.objects.find((o: { objectId: string }) => o.objectId === objectId)).toMatchObject({
        firstVerdict: 'changes_requested',
        verdict: 'approved',
        corrections: 1,
      });
      // Imported objects are the file's, not Ana's: followed under `imports` (both redrawn since), not in her figures.
      expect(a.body.imports).toMatchObject({ added: 2, untouched: 0, redrawn: 2, deleted: 0 });
      expect(a.body.project).toMatchObject({ objects: 0, reviewed: 0 });
    } finally {
      review.destroy();
    }
  });

  it('answers analytics as JSON and CSV to owners and QA leads only', async () => {
    // Ana draws one object of her own with a click (the two imported ones are the file's).
    const m = new Uint8Array(W * H);
    m.fill(1, 0, 8);
    createObject(client.doc, { label: 'cat', mask: encodeRle(m, W, H), clicks: [{ x: 2, y: 0, positive: true, by: annotator.userId, at: Date.now() }], by: annotator.userId, source: 'model' });
    let a = await s.api('GET', `/api/projects/${projectId}/analytics`);
    await waitFor(async () => (a = await s.api('GET', `/api/projects/${projectId}/analytics`)).body.project.objects === 1, 'her object stored');
    expect(a.status).toBe(200);
    expect(a.body.project.clicks).toBe(1);
    expect(a.body.annotators).toEqual([expect.objectContaining({ userId: annotator.userId, name: 'Ana', objects: 1 })]);
    expect(a.body.imports.added).toBe(2);
    const qa = await s.addMember(projectId, 'qa');
    const csv = await s.api('GET', `/api/projects/${projectId}/analytics?format=csv&table=objects`, undefined, qa.token);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(Buffer.from(csv.body).toString('utf8').trim().split('\r\n')).toHaveLength(4); // every object, hers and the file's
    const no = await s.api('GET', `/api/projects/${projectId}/analytics`, undefined, annotator.token);
    expect(no.status).toBe(403);
    // Progress per day, in the viewer's time zone: the task sent to done above, today, the object
    // Ana made; the other task left; a pace of one a day (a project younger than a day counts one).
    const day = (offsetMinutes: number) => new Date(Date.now() + offsetMinutes * 60_000).toISOString().slice(0, 10);
    const east = await s.api('GET', `/api/projects/${projectId}/analytics?tz=840`);
    expect(east.body.progress).toMatchObject({ tzOffsetMinutes: 840, tasks: 2, done: 1, left: 1, pacePerDay: 1, daysLeft: 1 });
    expect(east.body.progress.days).toEqual([{ day: day(840), submitted: 1, done: 1, objects: 1 }]);
    const progressCsv = await s.api('GET', `/api/projects/${projectId}/analytics?format=csv&table=progress`, undefined, qa.token);
    const rows = Buffer.from(progressCsv.body).toString('utf8').trim().split('\r\n');
    expect(rows[0]).toBe('day,submitted,done,objects');
    expect(rows.slice(1)).toEqual([`${day(0)},1,1,1`]);
    const bad = await s.api('GET', `/api/projects/${projectId}/analytics?tz=9999`);
    expect([bad.status, bad.body.error.code]).toEqual([400, 'validation_failed']);
  });

  it('exposes Prometheus series at /metrics and readiness at /readyz', async () => {
    const m = await fetch(`${s.url}/metrics`);
    expect(m.status).toBe(200);
    const text = await m.text();
    expect(text).toMatch(/^tandem_sync_connections [1-9]/m); // the y-websocket client above
    expect(text).toMatch(/^tandem_sync_rooms_loaded [1-9]/m);
    expect(text).toMatch(/^tandem_sync_updates_total [1-9]/m);
    expect(text).toContain('tandem_inference_requests_total');
    expect(text).toContain('tandem_storage_append_batch_size');
    // Earlier requests of this file, by route pattern and status.
    expect(text).toMatch(/^tandem_http_requests_total\{route="\/api\/projects\/:id\/import",method="POST",status="403"\} [1-9]/m);
    expect(text).toMatch(/^tandem_http_requests_total\{route="\/api\/tasks\/:id\/export",method="GET",status="200"\} [1-9]/m);
    // This server runs without inference: storage is fine but no engine, so not ready.
    const r = await fetch(`${s.url}/readyz`);
    expect(r.status).toBe(503);
    const body = await r.json();
    expect(body.checks.storage.ok).toBe(true);
    expect(body.checks.inference).toMatchObject({ ok: false, models: 0 });
  });
});
