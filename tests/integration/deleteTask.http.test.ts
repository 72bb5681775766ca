// Deleting a task through the real HTTP API: only the owner, an annotated task only when asked to
// (force), and then nothing of it is left: row, image, thumbnail, documents, open editors.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRle } from '../../shared/codecs/rle';
import { createObject } from '../../shared/schema/annotation';
import { makeImage } from '../helpers/images';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { waitFor } from '../helpers/waitFor';
import { connectClient, type YClient } from '../helpers/yclient';

let s: TestServer;
let projectId: string;
let annotated: string;
let ana: { userId: string; token: string };

beforeAll(async () => {
  s = await startTestServer();
  ({ projectId, taskId: annotated } = await s.createProjectWithTask({ taskName: 'wrong.png' }));
  ana = await s.addMember(projectId, 'annotator', 'Ana');
});
afterAll(async () => s?.close());

/** Once the editor has synced: one object covering the whole image, by `by`. */
async function annotate(editor: YClient, by: string): Promise<void> {
  await editor.synced();
  const meta = editor.doc.getMap('meta');
  const [w, h] = [meta.get('width') as number, meta.get('height') as number];
  createObject(editor.doc, { label: 'object', mask: encodeRle(new Uint8Array(w * h).fill(1), w, h), by });
}

describe('DELETE /api/tasks/:id', () => {
  it('refuses other roles, and an annotated task without force; then deletes everything of it', async () => {
    const editor = connectClient(s.wsUrl, `task:${annotated}`, ana.token);
    try {
      await annotate(editor, ana.userId);
      const review = connectClient(s.wsUrl, `review:${annotated}`, ana.token);
      await review.synced();
      review.destroy();
      await s.api('GET', `/api/tasks/${annotated}/thumbnail`); // made and kept beside the image
      await waitFor(async () => (await s.api('GET', `/api/tasks/${annotated}/export?format=coco`)).body.annotations?.length === 1, 'the object on the server');

      const byAnnotator = await s.api('DELETE', `/api/tasks/${annotated}`, undefined, ana.token);
      expect([byAnnotator.status, byAnnotator.body.error.code]).toEqual([403, 'forbidden']);
      const unforced = await s.api('DELETE', `/api/tasks/${annotated}`);
      expect([unforced.status, unforced.body.error.code]).toEqual([409, 'conflict']);
      expect(unforced.body.error.message).toMatch(/1 annotated object/);
      expect((await s.api('GET', `/api/tasks/${annotated}`)).status).toBe(200);

      const r = await s.api('DELETE', `/api/tasks/${annotated}?force=true`);
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ deleted: annotated, objects: 1 });
      await waitFor(() => editor.closes.some((c) => c.code === 4404), 'the open editor closed with 4404');
    } finally {
      editor.destroy();
    }
    expect((await s.api('GET', `/api/tasks/${annotated}`)).status).toBe(404);
    expect((await s.api('GET', `/api/tasks/${annotated}/image`)).status).toBe(404);
    expect((await s.api('GET', `/api/projects/${projectId}/tasks`)).body).toEqual([]);
    for (const room of [`task:${annotated}`, `review:${annotated}`, `history:${annotated}`]) {
      expect((await s.server.storage.docs.load(room)).updates, room).toEqual([]);
    }
    // The image and its thumbnail are gone from the disk.
    expect(fs.readdirSync(path.join(s.dataDir, 'images')).filter((f) => f.startsWith(annotated))).toEqual([]);
    // Deleted is deleted: a second time is not found.
    expect((await s.api('DELETE', `/api/tasks/${annotated}?force=true`)).status).toBe(404);
  });

  it('deletes a task nobody annotated without force', async () => {
    const t = await s.api('POST', `/api/projects/${projectId}/tasks?name=dup.png`, await makeImage(32, 24), undefined, { 'content-type': 'image/png' });
    const r = await s.api('DELETE', `/api/tasks/${t.body.id}`);
    expect(r.body).toEqual({ deleted: t.body.id, objects: 0 });
    expect((await s.api('GET', `/api/tasks/${t.body.id}`)).status).toBe(404);
  });
});

describe('DELETE /api/projects/:id', () => {
  it('deletes a project with every task, member and document, an annotated one only with force', async () => {
    const { projectId: doomed, taskId } = await s.createProjectWithTask({ taskName: 'a.png' });
    const second = await s.api('POST', `/api/projects/${doomed}/tasks?name=b.png`, await makeImage(32, 24), undefined, { 'content-type': 'image/png' });
    const bo = await s.addMember(doomed, 'annotator', 'Bo');
    const editor = connectClient(s.wsUrl, `task:${taskId}`, bo.token);
    try {
      await annotate(editor, bo.userId);
      await waitFor(async () => (await s.api('GET', `/api/tasks/${taskId}/export?format=coco`)).body.annotations?.length === 1, 'the object on the server');
      expect((await s.api('DELETE', `/api/projects/${doomed}`, undefined, bo.token)).status).toBe(403);
      const unforced = await s.api('DELETE', `/api/projects/${doomed}`);
      expect([unforced.status, unforced.body.error.code]).toEqual([409, 'conflict']);
      expect(unforced.body.error.message).toMatch(/1 annotated task \(1 object\)/);
      const r = await s.api('DELETE', `/api/projects/${doomed}?force=true`);
      expect(r.body).toEqual({ deleted: doomed, tasks: 2, objects: 1 });
      await waitFor(() => editor.closes.some((c) => c.code === 4404), 'the open editor closed');
    } finally {
      editor.destroy();
    }
    expect((await s.api('GET', `/api/projects/${doomed}`)).status).toBe(404);
    for (const id of [taskId, second.body.id]) expect((await s.api('GET', `/api/tasks/${id}`)).status).toBe(404);
    expect((await s.server.storage.docs.load(`task:${taskId}`)).updates).toEqual([]);
    expect(fs.readdirSync(path.join(s.dataDir, 'images')).filter((f) => f.startsWith(taskId) || f.startsWith(second.body.id))).toEqual([]);
    // The other project is untouched.
    expect((await s.api('GET', `/api/projects/${projectId}`)).status).toBe(200);
  });
});
