// An import previewed once and written from the kept file (POST .../import?dryRun=true&keep=true,
// then ?preview=<id> with no body) through a running server: nothing written by the preview, the
// same objects as a plain import after it, the kept file usable once and by its sender only, and
// dropped on a cancel or with its project; bad combinations refused with their code.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listObjects } from '../../shared/schema/annotation';
import { makeImage } from '../helpers/images';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { roomSnapshot } from '../helpers/yclient';

const COCO = JSON.stringify({
  images: [{ id: 1, file_name: 'a.jpg', width: 40, height: 30 }],
  categories: [{ id: 1, name: 'cat' }, { id: 2, name: 'dog' }],
  annotations: [
    { id: 1, image_id: 1, category_id: 1, segmentation: [[2, 2, 12, 2, 12, 12, 2, 12]], area: 100, bbox: [2, 2, 10, 10], iscrowd: 0 },
    { id: 2, image_id: 1, category_id: 2, segmentation: [[20, 5, 30, 5, 30, 15, 20, 15]], area: 100, bbox: [20, 5, 10, 10], iscrowd: 0 },
  ],
});

describe('an import previewed, then written from the kept file', () => {
  let s: TestServer;
  let projectId: string;
  let taskId: string;
  let annotator: { token: string };

  beforeAll(async () => {
    s = await startTestServer();
    ({ projectId, taskId } = await s.createProjectWithTask({ image: await makeImage(40, 30), taskName: 'a.jpg', labels: [{ name: 'cat', color: '#ff0000' }] }));
    annotator = await s.addMember(projectId, 'annotator');
  });
  afterAll(async () => s?.close());

  const post = (q: string, body?: string, token?: string) => s.api('POST', `/api/projects/${projectId}/import?format=coco&${q}`, body === undefined ? new Uint8Array(0) : Buffer.from(body), token, { 'content-type': 'application/json' });
  const objects = async () => listObjects(await roomSnapshot(s.wsUrl, `task:${taskId}`, s.adminToken));

  it('writes nothing on the preview, then the same import from the kept file, once, for its sender only', async () => {
    const preview = await post('dryRun=true&keep=true', COCO);
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ dryRun: true, imported: 2, newLabels: ['dog'], preview: expect.stringMatching(/^\d{13}-[0-9a-f]{16}$/) });
    expect(await objects()).toEqual([]);
    // A dry run without keep keeps nothing.
    expect((await post('dryRun=true', COCO)).body.preview).toBeUndefined();
    const id = preview.body.preview as string;
    // Another member cannot use it; a file and a preview together, or an id the server never made, are refused.
    const theirs = await post(`preview=${id}`, undefined, annotator.token);
    expect([theirs.status, theirs.body.error?.code]).toEqual([404, 'not_found']);
    expect((await post(`preview=${id}`, COCO)).body.error.code).toBe('validation_failed');
    expect((await post('preview=../../etc/passwd')).body.error.code).toBe('validation_failed');
    // Another dry run from the kept file (a label mapped this time): no upload, the same id back.
    const again = await post(`dryRun=true&keep=true&preview=${id}&labelMap=${encodeURIComponent(JSON.stringify({ dog: 'cat' }))}`);
    expect(again.body).toMatchObject({ dryRun: true, imported: 2, newLabels: [], preview: id });
    const r = await post(`preview=${id}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ imported: 2, newLabels: ['dog'] });
    expect(r.body.dryRun).toBeUndefined();
    expect((await objects()).map((o) => o.label)).toEqual(['cat', 'dog']);
    // Used: gone.
    const twice = await post(`preview=${id}`);
    expect([twice.status, twice.body.error.code, twice.body.error.message]).toEqual([404, 'not_found', expect.stringContaining('send the file again')]);
    expect(await objects()).toHaveLength(2);
    // The activity log has the import once.
    const log = (await s.api('GET', `/api/projects/${projectId}/activity`)).body.entries.filter((e: { action: string }) => e.action === 'import');
    expect(log).toHaveLength(1);
  });

  it('drops a kept file when the preview is cancelled', async () => {
    const id = (await post('dryRun=true&keep=true', COCO, annotator.token)).body.preview as string;
    expect((await s.api('DELETE', `/api/projects/${projectId}/import/previews/${id}`)).status).toBe(404); // the owner's is not this one
    expect((await s.api('DELETE', `/api/projects/${projectId}/import/previews/${id}`, undefined, annotator.token)).body).toEqual({ dropped: id });
    expect((await post(`preview=${id}`, undefined, annotator.token)).status).toBe(404);
    expect(await objects()).toHaveLength(2);
  });
});

describe('a project deleted with a preview kept', () => {
  it('takes the kept file along', async () => {
    const s = await startTestServer();
    try {
      const { projectId } = await s.createProjectWithTask({ image: await makeImage(40, 30), taskName: 'a.jpg', labels: [{ name: 'cat', color: '#ff0000' }] });
      const id = (await s.api('POST', `/api/projects/${projectId}/import?format=coco&dryRun=true&keep=true`, Buffer.from(COCO), undefined, { 'content-type': 'application/json' })).body.preview as string;
      const file = path.join(s.dataDir, 'images', 'import-previews', projectId, id);
      expect(fs.existsSync(file)).toBe(true);
      expect((await s.api('DELETE', `/api/projects/${projectId}?force=true`)).status).toBe(200);
      expect(fs.existsSync(file)).toBe(false);
    } finally {
      await s.close();
    }
  });
});
