// Per-label attributes end to end on a real server: definitions through the labels API (stored,
// validated), values set by a stock y-websocket client, read back through the COCO export (task
// and project), recorded in object history and restored, and carried over by a COCO import into
// another project, definitions included.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRle } from '../../shared/codecs/rle';
import { createObject, listObjects, setAttributes } from '../../shared/schema/annotation';
import type { AttributeSpec } from '../../shared/schema/attributes';
import type { ObjectId } from '../../shared/schema/ids';
import { makeImage } from '../helpers/images';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { connectClient, type YClient } from '../helpers/yclient';
import { waitFor } from '../helpers/waitFor';

const carAttributes: AttributeSpec[] = [
  { name: 'occluded', type: 'checkbox' },
  { name: 'colour', type: 'select', options: ['red', 'blue', 'grey'] },
  { name: 'doors', type: 'number', min: 2, max: 5, default: 4 },
];

let s: TestServer;
let projectId: string;
let taskId: string;
let ana: { userId: string; token: string };
let client: YClient;

beforeAll(async () => {
  s = await startTestServer();
  ({ projectId, taskId } = await s.createProjectWithTask({ labels: [{ name: 'car', color: '#ff0000' }], taskName: 'street.png' }));
  ana = await s.addMember(projectId, 'annotator', 'Ana');
  client = connectClient(s.wsUrl, `task:${taskId}`, ana.token);
  await client.synced();
});

afterAll(async () => {
  client?.destroy();
  await s?.close();
});


describe('label attributes', () => {
  it('are defined per label through the labels API and refused whole when one is malformed', async () => {
    const put = await s.api('PUT', `/api/projects/${projectId}/labels`, { labels: [{ name: 'car', color: '#ff0000', attributes: carAttributes }, { name: 'tree', color: '#00ff00' }] });
    expect(put.status).toBe(200);
    const got = await s.api('GET', `/api/projects/${projectId}`);
    expect(got.body.labels[0].attributes).toEqual(carAttributes);
    expect(got.body.labels[1].attributes).toBeUndefined();

    const bad = await s.api('PUT', `/api/projects/${projectId}/labels`, { labels: [{ name: 'car', color: '#ff0000', attributes: [{ name: 'colour', type: 'select', options: [] }] }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    expect((await s.api('GET', `/api/projects/${projectId}`)).body.labels[0].attributes).toEqual(carAttributes);
  });

  it('travel with the object: set live, exported with defaults for the unset ones, recorded in history, restored', async () => {
    const meta = client.doc.getMap('meta');
    const w = meta.get('width') as number;
    const h = meta.get('height') as number;
    const mask = new Uint8Array(w * h);
    mask.fill(1, 0, w * 2);
    const id = createObject(client.doc, { label: 'car', mask: encodeRle(mask, w, h), by: ana.userId, source: 'brush' }) as ObjectId;
    setAttributes(client.doc, id, { colour: 'blue', wheels: 4 }, ana.userId); // `wheels` is no attribute of car

    const exported = async () => {
      const r = await s.api('GET', `/api/tasks/${taskId}/export?format=coco`);
      return r.body.annotations.find((a: { attributes: { tandem_object_id: string } }) => a.attributes.tandem_object_id === id);
    };
    const first = await waitFor(async () => {
      const a = await exported();
      return a?.attributes.colour === 'blue' ? a : null;
    }, 'the attribute in the export');
    expect(first.attributes).toMatchObject({ occluded: false, colour: 'blue', doors: 4, tandem_object_id: id, source: 'brush' });
    expect(first.attributes.wheels).toBeUndefined();
    const project = await s.api('GET', `/api/projects/${projectId}/export?format=coco`);
    expect(project.body.categories[0].attributes).toEqual(carAttributes);
    expect(project.body.annotations[0].attributes).toMatchObject({ occluded: false, colour: 'blue', doors: 4 });

    // A version per settled state: the attribute change is one, of kind 'attributes'.
    const history = async () => (await s.api('GET', `/api/tasks/${taskId}/objects/${id}/history`)).body;
    const v1 = await waitFor(async () => {
      const b = await history();
      return b.versions?.some((v: { attributes?: Record<string, unknown> }) => v.attributes?.colour === 'blue') ? b : null;
    }, 'a version with the attribute');
    const before = v1.versions.length;
    setAttributes(client.doc, id, { occluded: true, colour: 'grey' }, ana.userId);
    const v2 = await waitFor(async () => {
      const b = await history();
      return b.versions?.length > before ? b : null;
    }, 'a version for the attribute change');
    expect(v2.versions.at(-1)).toMatchObject({ kind: 'attributes', attributes: { occluded: true, colour: 'grey' } });

    const restore = await s.api('POST', `/api/tasks/${taskId}/objects/${id}/restore`, { version: before });
    expect(restore.status).toBe(200);
    await waitFor(() => {
      const a = listObjects(client.doc).find((o) => o.id === id)?.attributes;
      return a?.colour === 'blue' && a.occluded === undefined;
    }, 'the restored attributes on the client');
  });

  it('come back from a COCO export imported into a new project, definitions and values', async () => {
    const exported = (await s.api('GET', `/api/projects/${projectId}/export?format=coco`)).body;
    const { projectId: other, taskId: otherTask } = await s.createProjectWithTask({ labels: [], taskName: 'street.png' });
    const r = await s.api('POST', `/api/projects/${other}/import?format=coco`, exported);
    expect(r.status).toBe(200);
    expect(r.body.invalidAttributes).toBe(0);
    expect((await s.api('GET', `/api/projects/${other}`)).body.labels.find((l: { name: string }) => l.name === 'car').attributes).toEqual(carAttributes);
    const again = (await s.api('GET', `/api/tasks/${otherTask}/export?format=coco`)).body;
    expect(again.annotations[0].attributes).toMatchObject({ occluded: false, colour: 'blue', doors: 4 });

    // A value that does not fit the label's definition is counted and left at the default.
    exported.annotations[0].attributes.colour = 'purple';
    const third = await s.createProjectWithTask({ labels: [], taskName: 'street.png' });
    const r3 = await s.api('POST', `/api/projects/${third.projectId}/import?format=coco`, exported);
    expect(r3.body.invalidAttributes).toBe(1);
    const e3 = (await s.api('GET', `/api/tasks/${third.taskId}/export?format=coco`)).body;
    expect(e3.annotations[0].attributes.colour).toBe('red');
  });
});

describe('renaming a label', () => {
  it('renames it in the project and in every object of every task, live, keeping colour and attributes', async () => {
    const other = await s.api('POST', `/api/projects/${projectId}/tasks?name=b.png`, await makeImage(32, 24), undefined, { 'content-type': 'image/png' });
    const second = connectClient(s.wsUrl, `task:${other.body.id}`, ana.token);
    try {
      await second.synced();
      createObject(second.doc, { label: 'car', by: ana.userId });
      createObject(second.doc, { label: 'tree', by: ana.userId });
      await waitFor(async () => (await s.api('GET', `/api/tasks/${other.body.id}/history`)).body.objects?.length === 2, 'the objects on the server');
      const refused = await s.api('POST', `/api/projects/${projectId}/labels/rename`, { from: 'car', to: 'vehicle' }, ana.token);
      expect(refused.status).toBe(403);
      expect((await s.api('POST', `/api/projects/${projectId}/labels/rename`, { from: 'car', to: 'tree' })).body.error.code).toBe('conflict');
      expect((await s.api('POST', `/api/projects/${projectId}/labels/rename`, { from: 'bus', to: 'coach' })).body.error.code).toBe('not_found');

      const r = await s.api('POST', `/api/projects/${projectId}/labels/rename`, { from: 'car', to: 'vehicle' });
      expect(r.body).toEqual({ objects: 2, tasks: 2 });
      const labels = (await s.api('GET', `/api/projects/${projectId}`)).body.labels;
      expect(labels[0]).toEqual({ name: 'vehicle', color: '#ff0000', attributes: carAttributes });
      // Live: the connected clients see it, in both tasks.
      await waitFor(() => listObjects(second.doc).some((o) => o.label === 'vehicle'), 'the second task relabelled live');
      await waitFor(() => listObjects(client.doc).every((o) => o.label === 'vehicle'), 'the first task relabelled live');
      expect(listObjects(second.doc).map((o) => o.label).sort()).toEqual(['tree', 'vehicle']);

      // Two labels swap names in one request; every object follows its label, not its name.
      const rename = (renames: unknown) => s.api('POST', `/api/projects/${projectId}/labels/rename`, { renames });
      expect((await rename([{ from: 'vehicle', to: 'tree' }])).body.error.code).toBe('conflict');
      expect((await rename([{ from: 'vehicle', to: 'x' }, { from: 'vehicle', to: 'y' }])).body.error.code).toBe('validation_failed');
      expect((await rename([{ from: 'vehicle', to: 'x' }, { from: 'tree', to: 'x' }])).body.error.code).toBe('conflict');
      expect((await rename([])).body.error.code).toBe('validation_failed');
      const before = (await s.api('GET', `/api/projects/${projectId}`)).body.labels;
      const swapped = await rename([{ from: 'vehicle', to: 'tree' }, { from: 'tree', to: 'vehicle' }]);
      expect(swapped.body).toEqual({ objects: 3, tasks: 2 });
      const after = (await s.api('GET', `/api/projects/${projectId}`)).body.labels;
      expect(after.map((l: { name: string }) => l.name)).toEqual(before.map((l: { name: string }) => (l.name === 'tree' ? 'vehicle' : 'tree')));
      expect(after.find((l: { name: string }) => l.name === 'tree').attributes).toEqual(carAttributes);
      await waitFor(() => listObjects(client.doc).every((o) => o.label === 'tree'), 'the first task swapped live');
      await waitFor(() => listObjects(second.doc).map((o) => o.label).sort().join() === 'tree,vehicle', 'the second task swapped live');
    } finally {
      second.destroy();
    }
  });
});
