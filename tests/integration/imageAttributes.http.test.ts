// The image's own attributes end to end against a real server: the owner defines them in the
// project's settings, an annotator's client sets them in the task document (root map `image`),
// the task and project COCO exports write them per image (defaults filled in), and a COCO import
// into the next batch's project brings them back.
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { readImageAttributes, readImageSetBy, setImageAttributes } from '../../shared/schema/imageAttributes';
import type { AttributeSpec } from '../../shared/schema/attributes';
import { makeImage } from '../helpers/images';
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
    project.images[0].attributes.mood = 'calm'; // defined nowhere: named in the report
    const report = await s.api('POST', `/api/projects/${next.projectId}/import?format=coco`, new TextEncoder().encode(JSON.stringify(project)), undefined, { 'content-type': 'application/json' });
    expect(report.status, JSON.stringify(report.body)).toBe(200);
    expect(report.body).toMatchObject({ imagesWithAttributes: 1, invalidAttributes: 1, unknownImageAttributes: ['mood'] });
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

  it('are set by the owner on many images at once: live in open editors, in the task rows, all or nothing', async () => {
    const { projectId, taskId: open } = await s.createProjectWithTask({ taskName: 'a.png' });
    await s.api('PUT', `/api/projects/${projectId}/settings`, { noOverlap: false, imageAttributes: specs });
    const add = async (name: string) => (await s.api('POST', `/api/projects/${projectId}/tasks?name=${name}`, await makeImage(32, 24), undefined, { 'content-type': 'image/png' })).body.id as string;
    const closed = await add('b.png');
    const untouched = await add('c.png');
    const other = await s.createProjectWithTask();
    const annotator = await s.addMember(projectId, 'annotator');
    const editor = connectClient(s.wsUrl, `task:${open}`, annotator.token);
    try {
      await editor.synced();
      setImageAttributes(editor.doc, { people: 4, weather: 'snow' }, undefined, annotator.userId); // as the editor writes it
      const tag = (body: unknown, token?: string) => s.api('POST', `/api/projects/${projectId}/image-attributes`, body, token);
      const before = (await s.api('GET', `/api/tasks/${open}/export?format=coco`)).body.images[0].attributes;
      const history = async () => (await s.api('GET', `/api/tasks/${open}/image/history`)).body.versions as Array<{ by: string; values: Record<string, unknown>; changed: string[] }>;
      await waitFor(async () => (await history()).length === 1, "the annotator's values recorded");
      expect((await history())[0]).toMatchObject({ by: annotator.userId, values: { people: 4, weather: 'snow' }, changed: ['people', 'weather'] });
      // Refused whole: a name the project does not define, a value its definition does not take,
      // a task of another project, someone who does not own the project.
      for (const [body, token, status] of [
        [{ taskIds: [open, closed], values: { mood: 'calm' } }, undefined, 400],
        [{ taskIds: [open, closed], values: { weather: 'fog' } }, undefined, 400],
        [{ taskIds: [open, closed], values: { people: 'many' } }, undefined, 400],
        [{ taskIds: [open, other.taskId], values: { night: true } }, undefined, 400],
        [{ taskIds: [open, closed], values: {} }, undefined, 400],
        [{ taskIds: [open, closed], values: { night: true } }, annotator.token, 403],
      ] as const) {
        const r = await tag(body, token);
        expect(r.status, JSON.stringify(body)).toBe(status);
        if (status === 400) expect(r.body.error.code).toBe('validation_failed');
      }
      expect((await s.api('GET', `/api/tasks/${open}/export?format=coco`)).body.images[0].attributes).toEqual(before);

      // Night on both, weather back to its default; the annotator's count of people stays.
      const r = await tag({ taskIds: [open, closed], values: { night: true, weather: null } });
      expect([r.status, r.body]).toEqual([200, { changed: 2, unchanged: 0 }]);
      await waitFor(() => editor.doc.getMap('image').get('night') === true, 'the open editor to see the value');
      expect(readImageAttributes(editor.doc)).toEqual({ people: 4, night: true });
      // Who set them: the owner, for the two it set; the annotator, for hers.
      const owner = (await s.api('GET', '/api/me')).body.id as string;
      expect(readImageSetBy(editor.doc)).toMatchObject({ night: { by: owner }, weather: { by: owner }, people: { by: annotator.userId } });
      // The image's history has the owner's change after the annotator's: what changed, by whom.
      expect((await history()).map(({ by, values, changed }) => ({ by, values, changed }))).toEqual([
        { by: annotator.userId, values: { people: 4, weather: 'snow' }, changed: ['people', 'weather'] },
        { by: owner, values: { people: 4, night: true }, changed: ['night', 'weather'] },
      ]);
      expect((await s.api('GET', `/api/tasks/${other.taskId}/image/history`, undefined, annotator.token)).status).toBe(403); // not her project
      // Sent again (a request cut short, repeated): nothing left to write.
      expect((await tag({ taskIds: [open, closed], values: { night: true, weather: null } })).body).toEqual({ changed: 0, unchanged: 2 });

      const rows = async () => (await s.api('GET', `/api/projects/${projectId}/tasks`)).body as Array<{ id: string; imageAttributes: Record<string, unknown> | null }>;
      const valuesOf = async (id: string) => (await rows()).find((t) => t.id === id)?.imageAttributes;
      await waitFor(async () => (await valuesOf(closed))?.night === true && (await valuesOf(open))?.night === true, 'the task rows to mirror the values');
      expect(await valuesOf(closed)).toEqual({ night: true });
      expect(await valuesOf(untouched)).not.toHaveProperty('night');
      expect((await s.api('GET', `/api/projects/${projectId}/export?format=coco`)).body.images.map((i: { file_name: string; attributes: { night: boolean } }) => [i.file_name, i.attributes.night])).toEqual([
        ['a.png', true],
        ['b.png', true],
        ['c.png', false],
      ]);
    } finally {
      editor.destroy();
    }
  });

  it("travel in a YOLO zip's image_attributes.csv into the next project; columns it does not define are named, a broken header refused", async () => {
    const { projectId, taskId } = await s.createProjectWithTask({ taskName: 'street.png' });
    await s.api('PUT', `/api/projects/${projectId}/settings`, { noOverlap: false, imageAttributes: specs });
    await s.api('POST', `/api/projects/${projectId}/tasks?name=b.png`, await makeImage(32, 24), undefined, { 'content-type': 'image/png' });
    expect((await s.api('POST', `/api/projects/${projectId}/image-attributes`, { taskIds: [taskId], values: { weather: 'rain', people: 3 } })).status).toBe(200);
    const zip = new Uint8Array((await s.api('GET', `/api/projects/${projectId}/export?format=yolo`)).body);
    expect(strFromU8(unzipSync(zip)['image_attributes.csv'])).toBe('image,weather,night,people\nimages/street.png,rain,false,3\nimages/b.png,clear,false,0\n');

    // The next project defines weather and people, not night.
    const next = await s.createProjectWithTask({ taskName: 'street.png' });
    await s.api('POST', `/api/projects/${next.projectId}/tasks?name=b.png`, await makeImage(32, 24), undefined, { 'content-type': 'image/png' });
    await s.api('PUT', `/api/projects/${next.projectId}/settings`, { noOverlap: false, imageAttributes: specs.filter((a) => a.name !== 'night') });
    const files = unzipSync(zip);
    const importZip = (csv: string) => s.api('POST', `/api/projects/${next.projectId}/import?format=yolo`, zipSync({ ...files, 'image_attributes.csv': strToU8(csv) }), undefined, { 'content-type': 'application/zip' });
    const exported = async () => (await s.api('GET', `/api/projects/${next.projectId}/export?format=coco`)).body.images.map((i: { file_name: string; attributes: unknown }) => [i.file_name, i.attributes]);
    const before = await exported();
    // A header that does not start with "image": refused whole, nothing written.
    const bad = await importZip('file,weather\nimages/street.png,snow\n');
    expect([bad.status, bad.body.error.code]).toEqual([400, 'validation_failed']);
    expect(await exported()).toEqual(before);
    // A value out of range (people -1) counted and left at the default.
    const r = await importZip(strFromU8(files['image_attributes.csv']).replace('images/b.png,clear,false,0', 'images/b.png,snow,true,-1'));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ imagesWithAttributes: 2, invalidAttributes: 1, unknownImageAttributes: ['night'] });
    expect(await exported()).toEqual([
      ['street.png', { weather: 'rain', people: 3 }],
      ['b.png', { weather: 'snow', people: 0 }],
    ]);
  });
});
