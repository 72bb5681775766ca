// The image's own attributes end to end against a real server: the owner defines them in the
// project's settings, an annotator's client sets them in the task document (root map `image`),
// the task and project COCO exports write them per image (defaults filled in), and a COCO import
// into the next batch's project brings them back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { readImageAttributes, setImageAttributes } from '../../shared/schema/imageAttributes';
import type { AttributeSpec } from '../../shared/schema/attributes';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { connectClient } from '../helpers/yclient';
import { waitFor } from '../helpers/waitFor';

const specs: AttributeSpec[] = [
  { name: 'weather', type: 'select', options: ['clear', 'rain', 'snow'] },
  { name: 'night', type: 'checkbox' },
  { name: 'people', type: 'number', min: 0 },
];

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.close();
});

describe('image attributes', () => {
  it('are defined by the owner, kept when a settings write leaves them out, and checked whole', async () => {
    const { projectId } = await s.createProjectWithTask();
    const put = (body: unknown, token?: string) => s.api('PUT', `/api/projects/${projectId}/settings`, body, token);
    expect((await put({ noOverlap: false, imageAttributes: specs })).body.imageAttributes).toEqual(specs);
    // An older page or a script setting noOverlap alone: the definitions stay.
    expect((await put({ noOverlap: true })).body).toMatchObject({ noOverlap: true, imageAttributes: specs });
    expect((await s.api('GET', `/api/projects/${projectId}`)).body.settings.imageAttributes).toEqual(specs);
    const dup = await put({ noOverlap: true, imageAttributes: [...specs, { name: 'night', type: 'text' }] });
    expect([dup.status, dup.body.error.code]).toEqual([400, 'validation_failed']);
    const annotator = await s.addMember(projectId, 'annotator');
    expect((await put({ noOverlap: true, imageAttributes: [] }, annotator.token)).status).toBe(403);
    expect((await put({ noOverlap: true, imageAttributes: [] })).body.imageAttributes).toEqual([]);
  });

  it('set in the task document are exported per image and imported into the next project', async () => {
    const { projectId, taskId } = await s.createProjectWithTask({ taskName: 'street.png' });
    await s.api('PUT', `/api/projects/${projectId}/settings`, { noOverlap: false, imageAttributes: specs });
    const annotator = await s.addMember(projectId, 'annotator');
    const client = connectClient(s.wsUrl, `task:${taskId}`, annotator.token);
    try {
      await client.synced();
      setImageAttributes(client.doc, { weather: 'rain', people: 3 });
      // Through the server: the task export reads the live room.
      const exported = async () => (await s.api('GET', `/api/tasks/${taskId}/export?format=coco`)).body.images[0].attributes;
      await waitFor(async () => (await exported())?.weather === 'rain', 'the export to show the value');
      expect(await exported()).toEqual({ weather: 'rain', night: false, people: 3 });
    } finally {
      client.destroy();
    }
    const project = (await s.api('GET', `/api/projects/${projectId}/export?format=coco`)).body;
    expect(project.images.map((i: { file_name: string; attributes: unknown }) => [i.file_name, i.attributes])).toEqual([['street.png', { weather: 'rain', night: false, people: 3 }]]);

    // The next batch: the same setup, the same image; the file's values come in (one that does not fit is counted).
    const next = await s.createProjectWithTask({ taskName: 'street.png' });
    await s.api('PUT', `/api/projects/${next.projectId}/settings`, { noOverlap: false, imageAttributes: specs });
    project.images[0].attributes.people = -1;
    const report = await s.api('POST', `/api/projects/${next.projectId}/import?format=coco`, new TextEncoder().encode(JSON.stringify(project)), undefined, { 'content-type': 'application/json' });
    expect(report.status, JSON.stringify(report.body)).toBe(200);
    expect(report.body).toMatchObject({ imagesWithAttributes: 1, invalidAttributes: 1 });
    const again = (await s.api('GET', `/api/tasks/${next.taskId}/export?format=coco`)).body.images[0].attributes;
    expect(again).toEqual({ weather: 'rain', night: false, people: 0 });
    expect(report.body.newImageAttributes).toEqual([]); // it had its own

    // A project without definitions takes the file's (a Tandem export carries them in `info`).
    expect(project.info.image_attributes).toEqual(specs);
    const fresh = await s.createProjectWithTask({ taskName: 'street.png' });
    const took = await s.api('POST', `/api/projects/${fresh.projectId}/import?format=coco`, new TextEncoder().encode(JSON.stringify(project)), undefined, { 'content-type': 'application/json' });
    expect(took.body).toMatchObject({ newImageAttributes: ['weather', 'night', 'people'], imagesWithAttributes: 1 });
    expect((await s.api('GET', `/api/projects/${fresh.projectId}`)).body.settings.imageAttributes).toEqual(specs);
    expect((await s.api('GET', `/api/tasks/${fresh.taskId}/export?format=coco`)).body.images[0].attributes).toEqual({ weather: 'rain', night: false, people: 0 });
    const viewer = await s.addMember(next.projectId, 'viewer');
    const watch = connectClient(s.wsUrl, `task:${next.taskId}`, viewer.token, new Y.Doc());
    try {
      await watch.synced();
      expect(readImageAttributes(watch.doc)).toEqual({ weather: 'rain', night: false });
    } finally {
      watch.destroy();
    }
  });
});
