// The owner removes the specks around the masks of the tasks a list shows
// (POST /api/projects/:id/remove-specks): live in an open editor, locked objects and masks
// without specks left as they are, the rows' checks follow, the history records it (restorable),
// sent again it finds nothing, and a bad request writes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRle, rleArea } from '../../shared/codecs/rle';
import { createObject, listObjects, setFlags } from '../../shared/schema/annotation';
import type { ObjectId } from '../../shared/schema/ids';
import { makeImage } from '../helpers/images';
import { rectRle } from '../helpers/rectRle';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { waitFor } from '../helpers/waitFor';
import { connectClient } from '../helpers/yclient';

const W = 96;
const H = 64;
/** A 30x30 square at x0 with a 2x2 speck beside it. */
const specky = (x0: number) => {
  const d = new Uint8Array(W * H);
  for (let y = 5; y < 35; y++) for (let x = x0; x < x0 + 30; x++) d[y * W + x] = 1;
  for (let y = 50; y < 52; y++) for (let x = x0; x < x0 + 2; x++) d[y * W + x] = 1;
  return encodeRle(d, W, H);
};

describe('removing specks across tasks', () => {
  let s: TestServer;
  let projectId: string;
  const ids: string[] = [];
  beforeAll(async () => {
    s = await startTestServer();
    const p = await s.api('POST', '/api/projects', { name: 'brushed', labels: [{ name: 'car', color: '#ef4444' }] });
    projectId = p.body.id;
    for (const name of ['a.png', 'b.png']) ids.push((await s.api('POST', `/api/projects/${projectId}/tasks?name=${name}`, await makeImage(W, H, 'png'), undefined, { 'content-type': 'image/png' })).body.id);
  });
  afterAll(async () => {
    await s?.close();
  });
  const checks = async () => ((await s.api('GET', `/api/projects/${projectId}/tasks`)).body as Array<{ objectChecks: { specks: number } | null }>).map((t) => t.objectChecks?.specks);

  it('takes the specks off, live, leaving locked objects and clean masks; the rows and the history follow', async () => {
    const ana = await s.addMember(projectId, 'annotator', 'Ana');
    const a = connectClient(s.wsUrl, `task:${ids[0]}`, ana.token);
    try {
      await a.synced();
      const car = createObject(a.doc, { label: 'car', mask: specky(0), by: ana.userId });
      const locked = createObject(a.doc, { label: 'car', mask: specky(50), by: ana.userId });
      setFlags(a.doc, locked as ObjectId, { locked: true }, ana.userId);
      await waitFor(async () => (await checks())[0] === 2, 'the row to count the specky masks');
      const clean = rectRle(W, H, 10, 40, 20, 60);
      const b = connectClient(s.wsUrl, `task:${ids[1]}`, ana.token);
      await b.synced();
      createObject(b.doc, { label: 'car', mask: clean, by: ana.userId });
      b.destroy();

      const r = await s.api('POST', `/api/projects/${projectId}/remove-specks`, { taskIds: ids });
      expect(r.body).toEqual({ changed: 1, unchanged: 1, objects: 1, pixels: 4 });
      const mask = (id: string) => listObjects(a.doc).find((o) => o.id === id)!.mask!;
      await waitFor(() => rleArea(mask(car)) === 900, 'the speck gone in the open editor');
      expect(mask(car).counts).toBe(rectRle(W, H, 0, 5, 30, 35).counts);
      expect(rleArea(mask(locked))).toBe(904); // locked: left as it was
      expect(listObjects(a.doc).find((o) => o.id === car)!.source).toBe('remove-specks');
      await waitFor(async () => (await checks())[0] === 1, 'the row to follow');
      // Sent again: nothing left to remove (the locked one stays).
      expect((await s.api('POST', `/api/projects/${projectId}/remove-specks`, { taskIds: ids })).body).toEqual({ changed: 0, unchanged: 2, objects: 0, pixels: 0 });
      // The history has the version before, which a restore brings back.
      const history = async () => (await s.api('GET', `/api/tasks/${ids[0]}/objects/${car}/history`)).body.versions as Array<{ source?: string }>;
      await waitFor(async () => (await history()).some((v) => v.source === 'remove-specks'), 'the history to record it');
      const before = (await history()).findIndex((v) => v.source === 'remove-specks');
      expect((await s.api('POST', `/api/tasks/${ids[0]}/objects/${car}/restore`, { version: before })).status).toBe(200);
      await waitFor(() => rleArea(mask(car)) === 904, 'the specky mask restored');
    } finally {
      a.destroy();
    }
  });

  it("leaves whole the objects of a label the project's checks allow in pieces; the rules are kept, validated and follow a rename", async () => {
    const p = (await s.api('POST', '/api/projects', { name: 'hedges', labels: [{ name: 'car', color: '#ef4444' }, { name: 'hedge', color: '#22c55e' }] })).body.id as string;
    const t = (await s.api('POST', `/api/projects/${p}/tasks?name=h.png`, await makeImage(W, H, 'png'), undefined, { 'content-type': 'image/png' })).body.id as string;
    const put = (body: unknown) => s.api('PUT', `/api/projects/${p}/settings`, body);
    const rules = { piecesOk: ['hedge'], off: ['tiny'] };
    expect((await put({ noOverlap: false, checks: rules })).body).toEqual({ noOverlap: false, checks: rules });
    expect((await put({ noOverlap: false, checks: { off: ['everything'] } })).body.error.code).toBe('validation_failed');
    // A client that does not send them (a script setting noOverlap) keeps them.
    expect((await put({ noOverlap: true })).body.checks).toEqual(rules);
    const c = connectClient(s.wsUrl, `task:${t}`, s.adminToken);
    try {
      await c.synced();
      const hedge = createObject(c.doc, { label: 'hedge', mask: specky(0), by: 'admin' });
      const car = createObject(c.doc, { label: 'car', mask: specky(50), by: 'admin' });
      // The row counts both (the rules apply where it is read), per label.
      const row = async () => (await s.api('GET', `/api/projects/${p}/tasks`)).body[0].objectChecks;
      await waitFor(async () => (await row())?.specks === 2, 'both counted');
      expect((await row()).byLabel).toEqual({ hedge: { specks: 1, tiny: 0 }, car: { specks: 1, tiny: 0 } });
      expect((await s.api('POST', `/api/projects/${p}/remove-specks`, { taskIds: [t] })).body).toMatchObject({ changed: 1, objects: 1, pixels: 4 });
      const area = (id: string) => rleArea(listObjects(c.doc).find((o) => o.id === id)!.mask!);
      await waitFor(() => area(car) === 900, 'the car cleaned');
      expect(area(hedge)).toBe(904); // in pieces by nature: left whole
    } finally {
      c.destroy();
    }
    expect((await s.api('POST', `/api/projects/${p}/labels/rename`, { from: 'hedge', to: 'shrub' })).status).toBe(200);
    expect((await s.api('GET', `/api/projects/${p}`)).body.settings.checks).toEqual({ piecesOk: ['shrub'], off: ['tiny'] });
  });

  it("removes what the project's speck rule calls specks", async () => {
    const p = (await s.api('POST', '/api/projects', { name: 'rule', labels: [{ name: 'car', color: '#ef4444' }] })).body.id as string;
    const t = (await s.api('POST', `/api/projects/${p}/tasks?name=r.png`, await makeImage(W, H, 'png'), undefined, { 'content-type': 'image/png' })).body.id as string;
    const rule = (speckPixels: number) => s.api('PUT', `/api/projects/${p}/settings`, { noOverlap: false, checks: { thresholds: { speckShare: 0, speckPixels } } });
    const c = connectClient(s.wsUrl, `task:${t}`, s.adminToken);
    try {
      await c.synced();
      const car = createObject(c.doc, { label: 'car', mask: specky(0), by: 'admin' });
      // Specks are under 4 px here: the 4 px piece is none, and stays.
      expect((await rule(4)).status).toBe(200);
      expect((await s.api('POST', `/api/projects/${p}/remove-specks`, { taskIds: [t] })).body).toMatchObject({ changed: 0, objects: 0 });
      expect(rleArea(listObjects(c.doc).find((o) => o.id === car)!.mask!)).toBe(904);
      // Under 5 px: it goes.
      expect((await rule(5)).status).toBe(200);
      expect((await s.api('POST', `/api/projects/${p}/remove-specks`, { taskIds: [t] })).body).toMatchObject({ changed: 1, objects: 1, pixels: 4 });
      await waitFor(() => rleArea(listObjects(c.doc).find((o) => o.id === car)!.mask!) === 900, 'the piece removed');
    } finally {
      c.destroy();
    }
  });

  it("refuses what is not the owner's to do, or not the project's, writing nothing", async () => {
    const ana = await s.addMember(projectId, 'annotator', 'Ana 2');
    const post = (body: unknown, token?: string) => s.api('POST', `/api/projects/${projectId}/remove-specks`, body, token);
    expect((await post({ taskIds: ids }, ana.token)).status).toBe(403);
    const stranger = await post({ taskIds: [...ids, 'elsewhere'] });
    expect([stranger.status, stranger.body.error.code, stranger.body.error.message]).toEqual([400, 'validation_failed', 'task elsewhere is not in this project']);
    expect((await post({ taskIds: [] })).status).toBe(400);
    // Nothing was written: both masks of a.png keep their specks (the restored one, the locked one).
    const c = connectClient(s.wsUrl, `task:${ids[0]}`, s.adminToken);
    try {
      await c.synced();
      expect(listObjects(c.doc).map((o) => rleArea(o.mask!))).toEqual([904, 904]);
    } finally {
      c.destroy();
    }
  });
});
