// Contract 2 (HTTP API) end to end against a real server on port 0, plus the endpoints the editor
// uses. The COCO export is checked by decoding its RLE and recomputing area and bbox.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRle, encodeRle } from '../../shared/codecs/rle';
import { createObject } from '../../shared/schema/annotation';
import { clearObjectVerdict, clearTaskFlag, createThread, readTaskFlag, resolveThread, setObjectVerdict, setTaskFlag, setTaskStatus } from '../../shared/schema/review';
import type { ObjectId, TaskId } from '../../shared/schema/ids';
import { thumbnailKey } from '../../server/storage/images/thumbnail';
import { makeImage } from '../helpers/images';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { connectClient } from '../helpers/yclient';
import { waitFor } from '../helpers/waitFor';

describe('HTTP API (contract 2)', () => {
  let s: TestServer;
  beforeAll(async () => {
    // Rooms unload 50 ms after their last client left, so exports also read from the stored log.
    s = await startTestServer({ env: { SYNC_UNLOAD_GRACE_MS: '50' } });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('GET /healthz answers 200 without a token', async () => {
    const r = await s.api('GET', '/healthz', undefined, null);
    expect(r.status).toBe(200);
  });

  it('creates a project, uploads images of each type, lists tasks', async () => {
    const p = await s.api('POST', '/api/projects', { name: 'Cats', labels: [{ name: 'cat', color: '#ff8800' }] });
    expect(p.status).toBe(201);
    expect(typeof p.body.id).toBe('string');
    const ids: string[] = [];
    for (const [format, type, w, h] of [['png', 'image/png', 40, 30], ['jpeg', 'image/jpeg', 33, 21], ['webp', 'image/webp', 17, 50]] as const) {
      const bytes = await makeImage(w, h, format);
      const t = await s.api('POST', `/api/projects/${p.body.id}/tasks?name=img.${format}`, bytes, undefined, { 'content-type': type });
      expect(t.status, JSON.stringify(t.body)).toBe(201);
      expect(t.body).toMatchObject({ width: w, height: h });
      ids.push(t.body.id);
    }
    const list = await s.api('GET', `/api/projects/${p.body.id}/tasks`);
    expect(list.status).toBe(200);
    expect(list.body.map((t: { id: string }) => t.id).sort()).toEqual([...ids].sort());
    for (const t of list.body) {
      expect(Object.keys(t)).toEqual(expect.arrayContaining(['id', 'name', 'width', 'height', 'status']));
      expect(t.status).toBe('todo');
    }
    expect(list.body.find((t: { id: string }) => t.id === ids[0]).name).toBe('img.png');
  });

  it('with ?ifNew=1 an image the project has already is answered, not added again; without it, it is added', async () => {
    const p = await s.api('POST', '/api/projects', { name: 'Again' });
    const a = await makeImage(40, 30, 'png');
    const b = await makeImage(41, 30, 'png');
    const up = (name: string, bytes: Buffer, ifNew = '1') => s.api('POST', `/api/projects/${p.body.id}/tasks?name=${name}&ifNew=${ifNew}`, bytes, undefined, { 'content-type': 'image/png' });
    const first = await up('a.png', a);
    expect(first.status).toBe(201);
    // The folder dropped again after an interrupted upload: a is there, b is not.
    const again = await up('a-copy.png', a);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ id: first.body.id, width: 40, height: 30, name: 'a.png', existing: true });
    expect((await up('b.png', b)).status).toBe(201);
    // The same bytes in another project are that project's own image.
    const other = await s.api('POST', '/api/projects', { name: 'Other' });
    expect((await s.api('POST', `/api/projects/${other.body.id}/tasks?name=a.png&ifNew=1`, a, undefined, { 'content-type': 'image/png' })).status).toBe(201);
    // Without the flag (the public contract): every upload is a task.
    expect((await up('a-twice.png', a, '0')).status).toBe(201);
    const names = (await s.api('GET', `/api/projects/${p.body.id}/tasks`)).body.map((t: { name: string }) => t.name).sort();
    expect(names).toEqual(['a-twice.png', 'a.png', 'b.png']);
    expect((await up('c.png', a, 'yes')).body.error.code).toBe('validation_failed');
  });

  it("lists each task with the status its review room holds, the latest when it moves fast, and counts them per project", async () => {
    const { projectId, taskId } = await s.createProjectWithTask();
    const reviewer = await s.addMember(projectId, 'reviewer', 'Rita');
    const statusOf = async () => (await s.api('GET', `/api/projects/${projectId}/tasks`)).body.find((t: { id: string }) => t.id === taskId).status;
    const review = connectClient(s.wsUrl, `review:${taskId}`, reviewer.token);
    try {
      await review.synced();
      setTaskStatus(review.doc, 'in_review', reviewer.userId);
      await waitFor(async () => (await statusOf()) === 'in_review', 'in review in the list');
      for (const st of ['in_progress', 'done', 'todo', 'done'] as const) setTaskStatus(review.doc, st, reviewer.userId);
      await waitFor(async () => (await statusOf()) === 'done', 'done in the list');
    } finally {
      review.destroy();
    }
    // Still so once the room has unloaded (50 ms after its last client), and in the task's own record.
    await new Promise((r) => setTimeout(r, 300));
    expect(await statusOf()).toBe('done');
    expect((await s.api('GET', `/api/tasks/${taskId}`)).body.status).toBe('done');
    // The project list counts tasks per status.
    const listed = (await s.api('GET', '/api/projects')).body.find((p: { id: string }) => p.id === projectId);
    expect(listed.taskCounts).toEqual({ todo: 0, in_progress: 0, in_review: 0, done: 1 });
  });

  it('lists each task with the flag its review room holds, and none once it is taken off', async () => {
    const { projectId, taskId } = await s.createProjectWithTask();
    const ann = await s.addMember(projectId, 'annotator', 'Ana');
    const row = async () => (await s.api('GET', `/api/projects/${projectId}/tasks`)).body.find((t: { id: string }) => t.id === taskId);
    expect((await row()).flag).toBeNull();
    const review = connectClient(s.wsUrl, `review:${taskId}`, ann.token);
    try {
      await review.synced();
      setTaskFlag(review.doc, { reason: 'blurry', note: 'motion blur on the left half' }, ann.userId);
      await waitFor(async () => (await row()).flag === 'blurry', 'the flag in the list');
      expect(readTaskFlag(review.doc)).toMatchObject({ reason: 'blurry', note: 'motion blur on the left half', by: ann.userId });
      // A project's dataset leaves the flagged image out unless asked for (with a status filter
      // or without); the task's own export is always there.
      const images = async (q: string) => (await s.api('GET', `/api/projects/${projectId}/export?format=coco${q}`)).body.images.length;
      expect([await images(''), await images('&flagged=include'), await images('&status=todo'), await images('&status=todo&flagged=include')]).toEqual([0, 1, 0, 1]);
      expect((await s.api('GET', `/api/tasks/${taskId}/export?format=coco`)).body.images).toHaveLength(1);
      clearTaskFlag(review.doc);
      await waitFor(async () => (await row()).flag === null, 'the flag taken off');
      expect(() => setTaskFlag(review.doc, { reason: 'boring' as 'other' }, ann.userId)).toThrow(/a flag has a reason/);
    } finally {
      review.destroy();
    }
    expect((await s.api('GET', `/api/tasks/${taskId}`)).body.flag).toBeNull();
  });

  it('lists each task with how many objects its reviewers asked changes on, down to none once approved', async () => {
    const { projectId, taskId } = await s.createProjectWithTask();
    const reviewer = await s.addMember(projectId, 'reviewer', 'Rita');
    const toFix = async () => (await s.api('GET', `/api/projects/${projectId}/tasks`)).body.find((t: { id: string }) => t.id === taskId).toFix;
    expect(await toFix()).toBe(0);
    const review = connectClient(s.wsUrl, `review:${taskId}`, reviewer.token);
    try {
      await review.synced();
      for (const id of ['o1', 'o2']) setObjectVerdict(review.doc, id as ObjectId, { verdict: 'changes_requested', by: reviewer.userId, message: 'the wing mirror is missing' });
      setObjectVerdict(review.doc, 'o3' as ObjectId, { verdict: 'approved', by: reviewer.userId });
      await waitFor(async () => (await toFix()) === 2, 'two to fix in the list');
      setObjectVerdict(review.doc, 'o1' as ObjectId, { verdict: 'approved', by: reviewer.userId });
      clearObjectVerdict(review.doc, 'o2' as ObjectId);
      await waitFor(async () => (await toFix()) === 0, 'none to fix');
    } finally {
      review.destroy();
    }
    expect((await s.api('GET', `/api/tasks/${taskId}`)).body.toFix).toBe(0);
  });

  it('lists each task with its open comment threads and the members they mention; the mentioned find it in their inbox', async () => {
    const { projectId, taskId } = await s.createProjectWithTask();
    const reviewer = await s.addMember(projectId, 'reviewer', 'Rita');
    const ana = await s.addMember(projectId, 'annotator', 'Ana');
    const inbox = async () => (await s.api('GET', '/api/me/inbox', undefined, ana.token)).body;
    const row = async () => (await s.api('GET', `/api/projects/${projectId}/tasks`)).body.find((t: { id: string }) => t.id === taskId);
    expect(await row()).toMatchObject({ openThreads: 0, mentioned: [] });
    const review = connectClient(s.wsUrl, `review:${taskId}`, reviewer.token);
    try {
      await review.synced();
      const t = createThread(review.doc, { objectId: null, x: 10, y: 10, by: reviewer.userId, text: '@Ana is the shadow part of it?', mentions: ['Ana'] });
      await waitFor(async () => (await row()).openThreads === 1, 'one open thread in the list');
      expect((await row()).mentioned).toEqual(['Ana']);
      expect((await inbox()).mentions).toEqual([expect.objectContaining({ id: taskId, projectId, openThreads: 1 })]);
      expect((await s.api('GET', '/api/me/inbox', undefined, reviewer.token)).body.mentions).toEqual([]);
      resolveThread(review.doc, t, reviewer.userId);
      await waitFor(async () => (await row()).openThreads === 0, 'resolved');
      expect((await row()).mentioned).toEqual([]);
      // Still her queue's one task to do, where the home page's "Start annotating" opens.
      expect(await inbox()).toEqual({ mentions: [], toFix: [], queues: [{ projectId, projectName: expect.any(String), reviewing: false, next: taskId, count: 1 }], mentionsTotal: 0, toFixTotal: 0 });
      expect((await s.api('GET', '/api/me/inbox', undefined, 'not-a-token')).status).toBe(401);
    } finally {
      review.destroy();
    }
  });

  it('adds members with each role; their tokens work and see only their projects', async () => {
    const { projectId, taskId } = await s.createProjectWithTask();
    const other = await s.createProjectWithTask();
    for (const role of ['annotator', 'reviewer', 'qa', 'viewer'] as const) {
      const m = await s.api('POST', `/api/projects/${projectId}/members`, { name: `m-${role}`, role });
      expect(m.status).toBe(201);
      expect(m.body).toEqual({ userId: expect.any(String), token: expect.any(String) });
      const me = await s.api('GET', '/api/me', undefined, m.body.token);
      expect(me.body).toMatchObject({ id: m.body.userId, name: `m-${role}`, isAdmin: false });
      const projects = await s.api('GET', '/api/projects', undefined, m.body.token);
      expect(projects.body.map((x: { id: string }) => x.id)).toEqual([projectId]);
      const task = await s.api('GET', `/api/tasks/${taskId}`, undefined, m.body.token);
      expect(task.body).toMatchObject({ id: taskId, role, projectId });
      const cross = await s.api('GET', `/api/projects/${other.projectId}/tasks`, undefined, m.body.token);
      expect(cross.status).toBe(403);
    }
    const members = await s.api('GET', `/api/projects/${projectId}/members`);
    expect(members.body.map((m: { role: string }) => m.role).sort()).toEqual(['annotator', 'owner', 'qa', 'reviewer', 'viewer']);
    const bad = await s.api('POST', `/api/projects/${projectId}/members`, { name: 'x', role: 'owner' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
  });

  it('serves the original image with its content type and an ETag, by header or ?token=', async () => {
    const png = await makeImage(20, 10, 'png');
    const { taskId } = await s.createProjectWithTask({ image: png });
    const r = await fetch(`${s.url}/api/tasks/${taskId}/image?token=${s.adminToken}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await r.arrayBuffer()).equals(png)).toBe(true);
    const etag = r.headers.get('etag')!;
    const again = await fetch(`${s.url}/api/tasks/${taskId}/image`, { headers: { authorization: `Bearer ${s.adminToken}`, 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it('serves a small WebP thumbnail in the displayed orientation, kept after the first request', async () => {
    // A 1000 x 500 photo tagged "rotate 90" is shown (and is a task) 500 x 1000.
    const raw = Buffer.alloc(1000 * 500 * 3, 0);
    for (let i = 0; i < 1000 * 250 * 3; i += 3) raw[i] = 255; // top half red before the rotation
    const jpeg = await sharp(raw, { raw: { width: 1000, height: 500, channels: 3 } }).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const { taskId } = await s.createProjectWithTask({ image: jpeg, imageType: 'image/jpeg' });
    const viewer = await s.addMember((await s.api('GET', `/api/tasks/${taskId}`)).body.projectId, 'viewer');
    const url = `${s.url}/api/tasks/${taskId}/thumbnail`;
    const r = await fetch(`${url}?token=${viewer.token}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('image/webp');
    const bytes = Buffer.from(await r.arrayBuffer());
    expect(bytes.byteLength).toBeLessThan(jpeg.byteLength);
    const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([192, 384]);
    // Rotated clockwise: the red half is now on the right.
    const at = (x: number, y: number) => data[(y * info.width + x) * info.channels];
    expect(at(170, 192)).toBeGreaterThan(200);
    expect(at(20, 192)).toBeLessThan(60);
    const again = await fetch(url, { headers: { authorization: `Bearer ${viewer.token}`, 'if-none-match': r.headers.get('etag')! } });
    expect(again.status).toBe(304);
    const stored = await s.server.storage.meta.getTask(taskId as TaskId);
    expect(Buffer.from(await s.server.storage.images.get(thumbnailKey(stored!.imageKey))).equals(bytes)).toBe(true);
    const task = (await s.api('GET', `/api/tasks/${taskId}`)).body;
    expect(task).toMatchObject({ width: 500, height: 1000 });
    // Small images are not enlarged; no token, no thumbnail.
    const small = await s.createProjectWithTask({ image: await makeImage(64, 48, 'png') });
    const t2 = await sharp(Buffer.from(await (await fetch(`${s.url}/api/tasks/${small.taskId}/thumbnail?token=${s.adminToken}`)).arrayBuffer())).metadata();
    expect([t2.width, t2.height]).toEqual([64, 48]);
    expect((await fetch(url)).status).toBe(401);
  });

  it('sets labels (owner only) and lists models', async () => {
    const { projectId } = await s.createProjectWithTask();
    const labels = [{ name: 'a', color: '#000000' }, { name: 'b', color: '#ffffff' }];
    const put = await s.api('PUT', `/api/projects/${projectId}/labels`, { labels });
    expect(put.status).toBe(200);
    expect((await s.api('GET', `/api/projects/${projectId}`)).body.labels).toEqual(labels);
    const ann = await s.addMember(projectId, 'annotator');
    expect((await s.api('PUT', `/api/projects/${projectId}/labels`, { labels: [] }, ann.token)).status).toBe(403);
    const models = await s.api('GET', '/api/models');
    expect(models.status).toBe(200);
    expect(Array.isArray(models.body)).toBe(true);
  });

  it('keeps the annotation guide and label descriptions the owner writes; members read them with the project', async () => {
    const { projectId } = await s.createProjectWithTask();
    const labels = [{ name: 'car', color: '#ff0000', description: 'Vehicles on four wheels; vans too, not trailers.' }];
    expect((await s.api('PUT', `/api/projects/${projectId}/labels`, { labels })).status).toBe(200);
    expect((await s.api('GET', `/api/projects/${projectId}`)).body.guide).toBe('');
    const guide = 'Outline every car you can see.\n\n- Mirrors belong to the car.\n- Skip reflections.';
    const put = await s.api('PUT', `/api/projects/${projectId}/guide`, { guide });
    expect(put.status).toBe(200);
    const ann = await s.addMember(projectId, 'annotator');
    const seen = await s.api('GET', `/api/projects/${projectId}`, undefined, ann.token);
    expect([seen.body.guide, seen.body.labels]).toEqual([guide, labels]);
    // Not in the project list (read with one project), and only the owner writes it, within bounds.
    expect((await s.api('GET', '/api/projects', undefined, ann.token)).body[0]).not.toHaveProperty('guide');
    expect((await s.api('PUT', `/api/projects/${projectId}/guide`, { guide: '' }, ann.token)).status).toBe(403);
    const long = await s.api('PUT', `/api/projects/${projectId}/guide`, { guide: 'x'.repeat(20_001) });
    expect([long.status, long.body.error.code]).toEqual([400, 'validation_failed']);
    expect((await s.api('PUT', `/api/projects/${projectId}/guide`, { text: guide })).status).toBe(400);
    const tooLongLabel = await s.api('PUT', `/api/projects/${projectId}/labels`, { labels: [{ ...labels[0], description: 'x'.repeat(1001) }] });
    expect(tooLongLabel.status).toBe(400);
    expect((await s.api('GET', `/api/projects/${projectId}`)).body.guide).toBe(guide);
    // The owner's settings: masks kept apart in every editor; members read them with the project.
    expect(seen.body.settings).toEqual({ noOverlap: false });
    expect((await s.api('PUT', `/api/projects/${projectId}/settings`, { noOverlap: true }, ann.token)).status).toBe(403);
    expect((await s.api('PUT', `/api/projects/${projectId}/settings`, { noOverlap: 'yes' })).body.error.code).toBe('validation_failed');
    expect((await s.api('PUT', `/api/projects/${projectId}/settings`, { noOverlap: true })).body).toEqual({ noOverlap: true });
    expect((await s.api('GET', `/api/projects/${projectId}`, undefined, ann.token)).body.settings).toEqual({ noOverlap: true });
  });

  it("starts the next batch from a project's setup (labels with attributes, guide, settings, and its members if asked) and renames it", async () => {
    const { projectId } = await s.createProjectWithTask({ name: 'Street scenes, batch 1' });
    const labels = [
      { name: 'car', color: '#ff0000', description: 'Vans too, not trailers.', attributes: [{ name: 'occluded', type: 'checkbox', default: false }] },
      { name: 'person', color: '#00ff00' },
    ];
    expect((await s.api('PUT', `/api/projects/${projectId}/labels`, { labels })).status).toBe(200);
    await s.api('PUT', `/api/projects/${projectId}/guide`, { guide: 'Mirrors belong to the car.' });
    await s.api('PUT', `/api/projects/${projectId}/settings`, { noOverlap: true });
    const ana = await s.addMember(projectId, 'annotator', 'Ana');
    const rita = await s.addMember(projectId, 'reviewer', 'Rita');
    const source = (await s.api('GET', `/api/projects/${projectId}`)).body;

    const made = await s.api('POST', '/api/projects', { name: 'Street scenes, batch 2', from: projectId, members: true });
    expect(made.status).toBe(201);
    const copy = (await s.api('GET', `/api/projects/${made.body.id}`)).body;
    expect(copy).toMatchObject({ name: 'Street scenes, batch 2', labels: source.labels, guide: 'Mirrors belong to the car.', settings: { noOverlap: true } });
    const roles = (await s.api('GET', `/api/projects/${made.body.id}/members`)).body.map((m: { name: string; role: string }) => `${m.name}:${m.role}`).sort();
    expect(roles).toEqual(['Ana:annotator', 'Rita:reviewer', 'admin:owner']);
    // The same people with the same sign-in links.
    expect((await s.api('GET', `/api/projects/${made.body.id}`, undefined, ana.token)).body.role).toBe('annotator');
    expect((await s.api('GET', `/api/projects/${made.body.id}`, undefined, rita.token)).body.role).toBe('reviewer');
    expect((await s.api('GET', `/api/projects/${made.body.id}/tasks`)).body).toEqual([]); // no images copied

    // Without members: the setup only; explicit labels win over the copied ones.
    const bare = (await s.api('POST', '/api/projects', { name: 'Batch 3', from: projectId, labels: [{ name: 'bus', color: '#0000ff' }] })).body;
    expect((await s.api('GET', `/api/projects/${bare.id}`)).body).toMatchObject({ labels: [{ name: 'bus', color: '#0000ff' }], guide: 'Mirrors belong to the car.' });
    expect((await s.api('GET', `/api/projects/${bare.id}`, undefined, ana.token)).status).toBe(403);
    // Errors: an unknown source, members without a source, and only admins create projects.
    expect((await s.api('POST', '/api/projects', { name: 'x', from: 'nope' })).status).toBe(404);
    expect((await s.api('POST', '/api/projects', { name: 'x', members: true })).body.error.code).toBe('validation_failed');
    expect((await s.api('POST', '/api/projects', { name: 'x', from: projectId }, ana.token)).status).toBe(403);
    // The owner renames a project (trimmed); members may not, nor to nothing.
    expect((await s.api('PUT', `/api/projects/${bare.id}/name`, { name: '  Batch 3 (buses) ' })).body).toEqual({ name: 'Batch 3 (buses)' });
    expect((await s.api('GET', `/api/projects/${bare.id}`)).body.name).toBe('Batch 3 (buses)');
    expect((await s.api('PUT', `/api/projects/${made.body.id}/name`, { name: 'mine now' }, ana.token)).status).toBe(403);
    expect((await s.api('PUT', `/api/projects/${bare.id}/name`, { name: ' ' })).body.error.code).toBe('validation_failed');
  });

  it('exports COCO with compressed RLE whose area and bbox match the mask', async () => {
    const { projectId, taskId, width, height } = await s.createProjectWithTask({ labels: [{ name: 'thing', color: '#00ff00' }] });
    const c = connectClient(s.wsUrl, `task:${taskId}`, s.adminToken);
    try {
      await c.synced();
      // A 10x5 rectangle at (3, 4) and a 1-pixel object with a label the project lacks.
      const mask = new Uint8Array(width * height);
      for (let y = 4; y < 9; y++) for (let x = 3; x < 13; x++) mask[y * width + x] = 1;
      const dot = new Uint8Array(width * height);
      dot[20 * width + 30] = 1;
      createObject(c.doc, { label: 'thing', mask: encodeRle(mask, width, height), by: 'test' });
      createObject(c.doc, { label: 'extra', mask: encodeRle(dot, width, height), by: 'test' });
      await waitFor(async () => (await s.api('GET', `/api/tasks/${taskId}/export?format=coco`)).body.annotations?.length === 2, 'export to hold both objects');
      const r = await s.api('GET', `/api/tasks/${taskId}/export?format=coco`);
      expect(r.status).toBe(200);
      const coco = r.body;
      expect(coco.images).toEqual([expect.objectContaining({ id: 1, width, height, file_name: 'image.png' })]);
      expect(coco.categories.map((x: { id: number; name: string }) => [x.id, x.name])).toEqual([[1, 'thing'], [2, 'extra']]);
      const rect = coco.annotations.find((a: { category_id: number }) => a.category_id === 1);
      expect(rect.iscrowd).toBe(0);
      expect(rect.segmentation.size).toEqual([height, width]);
      expect(typeof rect.segmentation.counts).toBe('string');
      const decoded = decodeRle(rect.segmentation);
      expect(decoded.data.reduce((n: number, v: number) => n + (v ? 1 : 0), 0)).toBe(50);
      expect(Array.from(decoded.data)).toEqual(Array.from(mask));
      expect(rect.area).toBe(50);
      expect(rect.bbox).toEqual([3, 4, 10, 5]);
      const one = coco.annotations.find((a: { category_id: number }) => a.category_id === 2);
      expect(one.area).toBe(1);
      expect(one.bbox).toEqual([30, 20, 1, 1]);
      const unknown = await s.api('GET', `/api/tasks/${taskId}/export?format=nope`);
      expect(unknown.status).toBe(400);
    } finally {
      c.destroy();
    }
    // No client holds the room now: once unloaded, the export replays the stored log instead.
    await waitFor(() => s.server.sync.metrics.rooms === 0, 'the room to unload');
    const stored = await s.api('GET', `/api/tasks/${taskId}/export?format=coco`);
    expect(stored.body.annotations.map((a: { area: number }) => a.area).sort()).toEqual([1, 50]);
  });

  it('answers errors as {error: {code, message}} with the right status', async () => {
    expect((await s.api('GET', '/api/projects', undefined, null)).body.error.code).toBe('unauthorized');
    expect((await s.api('GET', '/api/projects', undefined, 'nope-nope-nope-nope')).status).toBe(401);
    const nf = await s.api('GET', '/api/tasks/doesnotexist');
    expect(nf.status).toBe(404);
    expect(nf.body.error).toEqual({ code: 'not_found', message: expect.any(String) });
    const none = await s.api('GET', '/api/nothing-here');
    expect(none.status).toBe(404);
    const bad = await s.api('POST', '/api/projects', { labels: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
  });
});

