// Objects per label in the task list (GET /api/projects/:id/tasks `labelCounts`), following the
// task rooms through the running server: what an editor draws and deletes, a COCO import into a
// task nobody has open, after an upgrade, tasks never counted (counted at start), and a task whose
// server was SIGKILLed before counting its last edit (counted again at the next start).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import * as Y from 'yjs';
import { encodeRle } from '../../shared/codecs/rle';
import { createObject, deleteObject, setAttributes } from '../../shared/schema/annotation';
import type { ObjectId } from '../../shared/schema/ids';
import type { CheckCounts } from '../../shared/schema/objectChecks';
import { sqliteFile } from '../../server/storage/openStorage';
import { SqliteDocStore } from '../../server/storage/sqlite/SqliteDocStore';
import { makeImage } from '../helpers/images';
import { makeApi, startServerProcess, startTestServer, type ServerProcess, type TestServer } from '../helpers/testServer';
import { waitFor } from '../helpers/waitFor';
import { connectClient } from '../helpers/yclient';

/** What GET /api/projects/:id/tasks says of a task's counts. */
type TaskRow = { labelCounts: Record<string, number> | null; attributeCounts: unknown; objectChecks: CheckCounts | null };

const W = 64;
const H = 48;
const dot = (x: number, y: number) => {
  const data = new Uint8Array(W * H);
  data[y * W + x] = 1;
  return encodeRle(data, W, H);
};

describe('objects per label in the task list', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => {
    await s?.close();
  });
  const row = async (projectId: string, taskId: string) => (await s.api('GET', `/api/projects/${projectId}/tasks`)).body.find((t: { id: string }) => t.id === taskId);
  const counts = async (projectId: string, taskId: string) => (await row(projectId, taskId))?.labelCounts;

  it('follows what an editor draws and deletes, and a COCO import into a task nobody has open', async () => {
    const { projectId, taskId } = await s.createProjectWithTask({ taskName: 'street.png' });
    const ana = await s.addMember(projectId, 'annotator', 'Ana');
    expect(await counts(projectId, taskId)).toEqual({}); // a new image: no object
    const editor = connectClient(s.wsUrl, `task:${taskId}`, ana.token);
    try {
      await editor.synced();
      const car = createObject(editor.doc, { label: 'car', mask: dot(1, 1), by: ana.userId });
      createObject(editor.doc, { label: 'car', mask: dot(2, 2), by: ana.userId });
      createObject(editor.doc, { label: 'person', mask: dot(3, 3), by: ana.userId });
      await waitFor(async () => (await counts(projectId, taskId))?.person === 1, 'the drawn objects counted');
      expect(await counts(projectId, taskId)).toEqual({ car: 2, person: 1 });
      // The masks' checks follow with them: three one-pixel objects are tiny (stray clicks?).
      expect((await row(projectId, taskId)).objectChecks).toEqual({
        duplicate: 0, specks: 0, tiny: 3, byLabel: { car: { specks: 0, tiny: 2 }, person: { specks: 0, tiny: 1 } }, pairs: [], small: { car: [[1, 3072], [1, 3072]], person: [[1, 3072]] }, pieces: {},
      });
      deleteObject(editor.doc, car as ObjectId);
      await waitFor(async () => (await counts(projectId, taskId))?.car === 1, 'the deletion counted');
      // The objects' attribute values follow too (the list finds "an occluded car" by them).
      const left = [...editor.doc.getMap<Y.Map<unknown>>('objects')].find(([, o]) => o.get('label') === 'car')![0];
      setAttributes(editor.doc, left as ObjectId, { occluded: true }, ana.userId);
      await waitFor(async () => !!(await row(projectId, taskId))?.attributeCounts?.car, 'the attribute counted');
      expect((await row(projectId, taskId)).attributeCounts).toEqual({ car: { occluded: { true: 1 } } });
    } finally {
      editor.destroy();
    }

    // A second image gets pre-labels by import while nobody has it open.
    const up = await s.api('POST', `/api/projects/${projectId}/tasks?name=${encodeURIComponent('park.png')}`, await makeImage(W, H, 'png'), undefined, { 'content-type': 'image/png' });
    const coco = {
      images: [{ id: 1, file_name: 'park.png', width: W, height: H }],
      categories: [{ id: 1, name: 'bicycle' }, { id: 2, name: 'person' }],
      annotations: [1, 2, 3].map((i) => ({ id: i, image_id: 1, category_id: i === 3 ? 2 : 1, segmentation: dot(i, i), iscrowd: 0 })),
    };
    const imp = await s.api('POST', `/api/projects/${projectId}/import?format=coco`, new TextEncoder().encode(JSON.stringify(coco)), undefined, { 'content-type': 'application/json' });
    expect(imp.status).toBe(200);
    await waitFor(async () => (await counts(projectId, up.body.id))?.person === 1, 'the imported objects counted');
    expect(await counts(projectId, up.body.id)).toEqual({ bicycle: 2, person: 1 });
  });

  it('counts at start the tasks never counted (their rooms written while no server ran)', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-labels-'));
    let srv: TestServer | null = await startTestServer({ dataDir });
    try {
      const { projectId, taskId } = await srv.createProjectWithTask({ taskName: 'old.png' });
      await srv.close();
      srv = null;
      // As an older Tandem left it: a row with no count (migration 9 adds the column empty), and
      // objects in the stored room.
      const db = new Database(sqliteFile(dataDir));
      db.prepare('UPDATE tasks SET label_counts = NULL').run();
      db.close();
      const docs = SqliteDocStore.open(sqliteFile(dataDir), { batchMs: 5 });
      const doc = new Y.Doc();
      for (const u of (await docs.load(`task:${taskId}`)).updates) Y.applyUpdate(doc, u);
      const before = Y.encodeStateVector(doc);
      createObject(doc, { label: 'dog', mask: dot(5, 5), by: 'u-old' });
      await docs.append(`task:${taskId}`, Y.encodeStateAsUpdate(doc, before));
      await docs.close();
      srv = await startTestServer({ dataDir });
      const server = srv;
      await waitFor(async () => !!(await server.api('GET', `/api/projects/${projectId}/tasks`)).body[0].labelCounts, 'counted at start');
      expect((await server.api('GET', `/api/projects/${projectId}/tasks`)).body[0].labelCounts).toEqual({ dog: 1 });
    } finally {
      await srv?.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("counts at start the objects' attribute values and checks of tasks counted before they were mirrored", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-attrs-'));
    let srv: TestServer | null = await startTestServer({ dataDir });
    try {
      const { projectId, taskId } = await srv.createProjectWithTask({ taskName: 'old.png' });
      const editor = connectClient(srv.wsUrl, `task:${taskId}`, srv.adminToken);
      await editor.synced();
      createObject(editor.doc, { label: 'car', mask: dot(1, 1), by: 'admin', attributes: { colour: 'red' } });
      const server = srv;
      await waitFor(async () => !!(await server.api('GET', `/api/projects/${projectId}/tasks`)).body[0].labelCounts?.car, 'counted');
      editor.destroy();
      /** The task row once the server, restarted after `sql` ran on its database, has counted it again (`done`). */
      const rowAfter = async (sql: string, done: (row: TaskRow) => boolean, what: string): Promise<TaskRow> => {
        await srv!.close();
        srv = null;
        const db = new Database(sqliteFile(dataDir));
        db.prepare(sql).run();
        db.close();
        const again = (srv = await startTestServer({ dataDir }));
        const row = async () => (await again.api('GET', `/api/projects/${projectId}/tasks`)).body[0] as TaskRow;
        await waitFor(async () => done(await row()), what);
        return row();
      };
      const checksAre = (json: string) => `UPDATE tasks SET object_checks = '${json}'`;
      // As Tandem before migrations 16 and 17 left it: counted, the new columns empty.
      const counted = await rowAfter('UPDATE tasks SET attribute_counts = NULL, object_checks = NULL', (r) => !!r.objectChecks, 'counted at start');
      expect(counted).toMatchObject({ labelCounts: { car: 1 }, attributeCounts: { car: { colour: { '"red"': 1 } } }, objectChecks: { duplicate: 0, specks: 0, tiny: 1 } });
      // As Tandem before the checks were kept per label left it: counted again at start, per label.
      const perLabel = await rowAfter(checksAre('{"duplicate":0,"specks":0,"tiny":1}'), (r) => !!r.objectChecks?.byLabel, 'counted per label at start');
      expect(perLabel.objectChecks).toEqual({ duplicate: 0, specks: 0, tiny: 1, byLabel: { car: { specks: 0, tiny: 1 } }, pairs: [], small: { car: [[1, 3072]] }, pieces: {} });
      // As Tandem before the checks kept their candidates (a project's own thresholds need them): counted again.
      const candidates = await rowAfter(checksAre('{"duplicate":0,"specks":0,"tiny":1,"byLabel":{"car":{"specks":0,"tiny":1}}}'), (r) => !!r.objectChecks?.small, 'counted with candidates at start');
      expect(candidates.objectChecks?.small).toEqual({ car: [[1, 3072]] });
      // As Tandem before the speck rule could be set: a row without the parts it applies to, counted again at start.
      const parts = await rowAfter(checksAre('{"duplicate":0,"specks":0,"tiny":1,"byLabel":{"car":{"specks":0,"tiny":1}},"pairs":[],"small":{"car":[[1,3072]]}}'), (r) => !!r.objectChecks?.pieces, 'counted with its parts at start');
      expect(parts.objectChecks?.pieces).toEqual({});
    } finally {
      await srv?.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('counts at start a task whose server was SIGKILLed between an edit and its count', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-labels-kill-'));
    const env = { DATA_DIR: dataDir, ADMIN_TOKEN: randomBytes(24).toString('base64url') };
    let proc: ServerProcess | null = await startServerProcess(env);
    try {
      const api = makeApi(proc.url, proc.adminToken);
      const p = await api('POST', '/api/projects', { name: 'kill', labels: [] });
      const t = await api('POST', `/api/projects/${p.body.id}/tasks?name=a.png`, await makeImage(W, H, 'png'), undefined, { 'content-type': 'image/png' });
      const list = async (a: typeof api) => (await a('GET', `/api/projects/${p.body.id}/tasks`)).body[0].labelCounts;
      const room = `task:${t.body.id}`;
      const editor = connectClient(proc.wsUrl, room, proc.adminToken);
      await editor.synced();
      createObject(editor.doc, { label: 'car', mask: dot(1, 1), by: 'admin' });
      await waitFor(async () => (await list(api))?.car === 1, 'the first object counted');
      // A second object, stored (the log grows), then the server dies before the count's settle wait ends.
      const db = new Database(sqliteFile(dataDir), { readonly: true });
      const stored = () => db.prepare('SELECT COUNT(*) AS n FROM updates WHERE room = ?').get(room) as { n: number };
      const before = stored().n;
      createObject(editor.doc, { label: 'person', mask: dot(2, 2), by: 'admin' });
      await waitFor(() => stored().n > before, 'the second object stored', 5000, 5);
      db.close();
      await proc.stop('SIGKILL');
      editor.destroy();
      proc = await startServerProcess(env);
      const again = makeApi(proc.url, proc.adminToken);
      // Nobody opens the task: the start's check finds the room stored further than its count.
      await waitFor(async () => (await list(again))?.person === 1, 'counted again at start', 30_000);
      expect(await list(again)).toEqual({ car: 1, person: 1 });
    } finally {
      await proc?.stop('SIGKILL');
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
