// Exporting the tasks a list shows (POST /api/projects/:id/export): the tasks named, in the order
// named, as JSON from an API client or as the project page's form sends them (urlencoded, token in
// the URL, a zip with the images streamed); refusals export nothing.
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRle } from '../../shared/codecs/rle';
import { makeImage } from '../helpers/images';
import { startTestServer, type TestServer } from '../helpers/testServer';

const W = 64;
const H = 48;
const box = (x0: number) => {
  const data = new Uint8Array(W * H);
  for (let y = 10; y < 20; y++) for (let x = x0; x < x0 + 10; x++) data[y * W + x] = 1;
  return encodeRle(data, W, H);
};
const form = { 'content-type': 'application/x-www-form-urlencoded' };

describe('exporting the tasks a list shows', () => {
  let s: TestServer;
  let projectId: string;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    s = await startTestServer();
    const p = await s.api('POST', '/api/projects', { name: 'night set', labels: [{ name: 'car', color: '#ff0000' }] });
    projectId = p.body.id;
    for (const name of ['a.png', 'b.png', 'c.png']) {
      const t = await s.api('POST', `/api/projects/${projectId}/tasks?name=${name}`, await makeImage(W, H, 'png'), undefined, { 'content-type': 'image/png' });
      ids[name] = t.body.id;
    }
    const coco = {
      images: ['a.png', 'b.png', 'c.png'].map((file_name, i) => ({ id: i + 1, file_name, width: W, height: H })),
      categories: [{ id: 1, name: 'car' }],
      annotations: [1, 2, 3].map((i) => ({ id: i, image_id: i, category_id: 1, segmentation: box(i * 10), iscrowd: 0 })),
    };
    const imp = await s.api('POST', `/api/projects/${projectId}/import?format=coco`, new TextEncoder().encode(JSON.stringify(coco)), undefined, { 'content-type': 'application/json' });
    expect(imp.body.imported).toBe(3);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('exports only the tasks named, in their order, as COCO from JSON', async () => {
    const r = await s.api('POST', `/api/projects/${projectId}/export?format=coco`, { taskIds: [ids['c.png'], ids['a.png'], ids['c.png']] });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-disposition')).toMatch(/^attachment; filename="night_set/);
    expect(r.body.images.map((i: { file_name: string }) => i.file_name)).toEqual(['c.png', 'a.png']); // named twice: once
    expect(r.body.annotations).toHaveLength(2);
  });

  it("takes the project page's form: the token in the URL, a YOLO zip with the images", async () => {
    const body = `tasks=${ids['b.png']},${ids['a.png']}`;
    const viewer = await s.addMember(projectId, 'viewer', 'Vic'); // anyone who may see the project may export it
    const r = await s.api('POST', `/api/projects/${projectId}/export?format=yolo&images=true&token=${viewer.token}`, body, null, form);
    expect(r.status).toBe(200);
    const files = unzipSync(new Uint8Array(r.body));
    expect(Object.keys(files).filter((f) => f.startsWith('images/')).sort()).toEqual(['images/a.png', 'images/b.png']);
    expect(Object.keys(files).filter((f) => f.startsWith('labels/')).sort()).toEqual(['labels/a.txt', 'labels/b.txt']);
    expect(strFromU8(files['classes.txt'])).toBe('car\n');
  });

  it('combines with the other options: a status the tasks must have, flagged images left out', async () => {
    const r = await s.api('POST', `/api/projects/${projectId}/export?format=coco&status=done`, { taskIds: [ids['a.png'], ids['b.png']] });
    expect(r.status).toBe(200);
    expect(r.body.images).toEqual([]); // none is done yet
  });

  it('refuses a task of another project, an empty list and a form without tasks, exporting nothing', async () => {
    const other = await s.createProjectWithTask({ taskName: 'elsewhere.png' });
    const foreign = await s.api('POST', `/api/projects/${projectId}/export?format=coco`, { taskIds: [ids['a.png'], other.taskId] });
    expect([foreign.status, foreign.body.error.code]).toEqual([404, 'not_found']);
    expect(foreign.body.error.message).toContain(other.taskId);
    const empty = await s.api('POST', `/api/projects/${projectId}/export?format=coco`, { taskIds: [] });
    expect([empty.status, empty.body.error.code]).toEqual([400, 'validation_failed']);
    const noTasks = await s.api('POST', `/api/projects/${projectId}/export?format=coco`, 'images=true', undefined, form);
    expect([noTasks.status, noTasks.body.error.code]).toEqual([400, 'validation_failed']);
    const text = await s.api('POST', `/api/projects/${projectId}/export?format=coco`, 'a,b', undefined, { 'content-type': 'text/plain' });
    expect([text.status, text.body.error.code]).toEqual([415, 'unsupported_media_type']);
    const stranger = await s.api('POST', `/api/projects/${projectId}/export?format=coco&token=nope`, `tasks=${ids['a.png']}`, null, form);
    expect(stranger.status).toBe(401);
  });
});
