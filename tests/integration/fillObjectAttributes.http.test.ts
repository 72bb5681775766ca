// The owner fills an attribute the objects of a label lack, across the tasks a list shows
// (POST /api/projects/:id/object-attributes): live in an open editor, only where no value is set
// (people's values and locked objects stay), the task rows' required-unset counts follow, the
// objects' history records it, and a bad request writes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRle } from '../../shared/codecs/rle';
import { createObject, listObjects, setFlags } from '../../shared/schema/annotation';
import type { ObjectId } from '../../shared/schema/ids';
import { missingOnRow } from '../../shared/schema/attributeCounts';
import { makeImage } from '../helpers/images';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { waitFor } from '../helpers/waitFor';
import { connectClient } from '../helpers/yclient';

const W = 64;
const H = 48;
const dot = (x: number) => {
  const d = new Uint8Array(W * H);
  d[10 * W + x] = 1;
  return encodeRle(d, W, H);
};
const labels = [
  { name: 'vehicle', color: '#3b82f6', attributes: [{ name: 'truncated', type: 'checkbox', required: true }, { name: 'colour', type: 'select', options: ['red', 'blue'] }] },
  { name: 'person', color: '#ef4444', attributes: [{ name: 'truncated', type: 'checkbox' }] },
];

describe('filling object attributes across tasks', () => {
  let s: TestServer;
  let projectId: string;
  const ids: string[] = [];
  beforeAll(async () => {
    s = await startTestServer();
    const p = await s.api('POST', '/api/projects', { name: 'vehicles', labels });
    projectId = p.body.id;
    for (const name of ['a.png', 'b.png']) ids.push((await s.api('POST', `/api/projects/${projectId}/tasks?name=${name}`, await makeImage(W, H, 'png'), undefined, { 'content-type': 'image/png' })).body.id);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('sets the value on the objects that have none, live, leaving people\'s values, other labels and locked objects as they are', async () => {
    const ana = await s.addMember(projectId, 'annotator', 'Ana');
    const a = connectClient(s.wsUrl, `task:${ids[0]}`, ana.token);
    const b = connectClient(s.wsUrl, `task:${ids[1]}`, ana.token);
    try {
      await Promise.all([a.synced(), b.synced()]);
      createObject(a.doc, { label: 'vehicle', mask: dot(1), by: ana.userId }); // none set
      createObject(a.doc, { label: 'vehicle', mask: dot(2), by: ana.userId, attributes: { truncated: true } }); // Ana's value
      createObject(a.doc, { label: 'person', mask: dot(3), by: ana.userId }); // another label
      createObject(b.doc, { label: 'vehicle', mask: dot(4), by: ana.userId, attributes: { colour: 'red' } });
      const locked = createObject(b.doc, { label: 'vehicle', mask: dot(5), by: ana.userId });
      setFlags(b.doc, locked as ObjectId, { locked: true }, ana.userId);
      // The rows say what is unset once they follow.
      const rows = async () => (await s.api('GET', `/api/projects/${projectId}/tasks`)).body as Parameters<typeof missingOnRow>[0][];
      const unset = async () => (await rows()).map((r) => missingOnRow(r, (l) => labels.find((x) => x.name === l)?.attributes as never, [])?.objects ?? null);
      await waitFor(async () => JSON.stringify(await unset()) === JSON.stringify([[{ name: 'truncated', label: 'vehicle', n: 1 }], [{ name: 'truncated', label: 'vehicle', n: 2 }]]), 'the rows to count the unset vehicles');

      const r = await s.api('POST', `/api/projects/${projectId}/object-attributes`, { taskIds: ids, label: 'vehicle', values: { truncated: false } });
      expect(r.body).toEqual({ changed: 2, unchanged: 0, objects: 2 }); // a's first vehicle, b's unlocked one
      // Live in the open editors, with the owner as the last to touch them.
      const vehicles = (doc: typeof a.doc) => listObjects(doc).filter((o) => o.label === 'vehicle').map((o) => [o.attributes, o.locked ?? false]);
      const filled = (doc: typeof a.doc) => vehicles(doc).some(([attrs]) => (attrs as Record<string, unknown>).truncated === false);
      await waitFor(() => filled(a.doc) && filled(b.doc), 'the value in both open editors');
      // Objects made in one millisecond list in either order: compared as sets.
      expect(vehicles(a.doc)).toHaveLength(2);
      expect(vehicles(a.doc)).toEqual(expect.arrayContaining([[{ truncated: false }, false], [{ truncated: true }, false]]));
      expect(vehicles(b.doc)).toHaveLength(2);
      expect(vehicles(b.doc)).toEqual(expect.arrayContaining([[{ colour: 'red', truncated: false }, false], [{}, true]]));
      expect(listObjects(a.doc).find((o) => o.label === 'person')?.attributes).toEqual({});
      // The rows follow: only the locked vehicle is left unset.
      await waitFor(async () => JSON.stringify(await unset()) === JSON.stringify([[], [{ name: 'truncated', label: 'vehicle', n: 1 }]]), 'the rows to follow');
      // Sent again: nothing left to fill.
      expect((await s.api('POST', `/api/projects/${projectId}/object-attributes`, { taskIds: ids, label: 'vehicle', values: { truncated: false } })).body).toEqual({ changed: 0, unchanged: 2, objects: 0 });
      // The object's history has the change, by the owner.
      const first = listObjects(a.doc).find((o) => o.label === 'vehicle' && o.attributes?.truncated === false)!;
      await waitFor(async () => ((await s.api('GET', `/api/tasks/${ids[0]}/objects/${first.id}/history`)).body.versions ?? []).some((v: { attributes?: Record<string, unknown> }) => v.attributes?.truncated === false), 'the history to record it');
    } finally {
      a.destroy();
      b.destroy();
    }
  });

  it('refuses what is not the owner\'s to do, or not the project\'s, writing nothing', async () => {
    const ana = await s.addMember(projectId, 'annotator', 'Ana 2');
    const post = (body: unknown, token?: string) => s.api('POST', `/api/projects/${projectId}/object-attributes`, body, token);
    expect((await post({ taskIds: ids, label: 'vehicle', values: { truncated: true } }, ana.token)).status).toBe(403);
    for (const [body, message] of [
      [{ taskIds: ids, label: 'bus', values: { truncated: true } }, 'the project has no label "bus"'],
      [{ taskIds: ids, label: 'vehicle', values: { doors: 4 } }, 'label "vehicle" has no attribute "doors"'],
      [{ taskIds: ids, label: 'vehicle', values: { colour: 'green' } }, '"green" is not a value of "colour" (select)'],
      [{ taskIds: [...ids, 'elsewhere'], label: 'vehicle', values: { colour: 'blue' } }, 'task elsewhere is not in this project'],
      [{ taskIds: ids, label: 'vehicle', values: {} }, 'values must name at least one attribute'],
    ] as const) {
      const r = await post(body);
      expect([r.status, r.body.error.code], message).toEqual([400, 'validation_failed']);
      expect(r.body.error.message).toContain(message);
    }
    // Nothing was written: no vehicle has a colour blue.
    const c = connectClient(s.wsUrl, `task:${ids[1]}`, s.adminToken);
    try {
      await c.synced();
      expect(listObjects(c.doc).some((o) => o.attributes?.colour === 'blue')).toBe(false);
    } finally {
      c.destroy();
    }
  });
});
