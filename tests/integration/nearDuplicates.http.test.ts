// Images that look like an earlier one, against a real server: the same photo re-encoded as a JPEG
// is marked with the task it looks like in the project's task list (an exact copy is another
// matter: `ifNew`), a different picture is not, and tasks from before image hashes get theirs at
// the next start.
import Database from 'better-sqlite3';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { waitFor } from '../helpers/waitFor';

let s: TestServer | null = null;
afterAll(async () => {
  await s?.close();
});

type Row = { id: string; name: string; looksLike: string | null };
// Real photos of the dev set beside the checkout (as the eval tests read it).
const photo = (name: string) => fs.readFileSync(path.resolve('../shared/datasets/dev/COCO_MVal_dev/images', name));

describe('images that look like an earlier one', () => {
  it('are marked in the task list with the earlier task, re-encoded or resized; other pictures are not; old tasks are hashed at start', async () => {
    s = await startTestServer();
    const original = photo('car08_000000508602.jpg');
    const { projectId, taskId: first } = await s.createProjectWithTask({ image: original, imageType: 'image/jpeg', taskName: 'street.jpg' });
    const upload = async (name: string, bytes: Buffer, type: string) => (await s!.api('POST', `/api/projects/${projectId}/tasks?name=${name}`, bytes, undefined, { 'content-type': type })).body.id as string;
    const again = await upload('street_export.jpg', await sharp(original).jpeg({ quality: 50 }).toBuffer(), 'image/jpeg');
    const smaller = await upload('street_small.webp', await sharp(original).resize(160).webp({ quality: 70 }).toBuffer(), 'image/webp');
    const other = await upload('cow.jpg', photo('cow07_000000219440.jpg'), 'image/jpeg');
    const rows = async () => (await s!.api('GET', `/api/projects/${projectId}/tasks`)).body as Row[];
    const marks = (list: Row[]) => list.map((r) => [r.name, r.looksLike]);
    expect(marks(await rows())).toEqual([
      ['street.jpg', null],
      ['street_export.jpg', first],
      ['street_small.webp', first],
      ['cow.jpg', null],
    ]);
    expect([again, smaller, other]).toHaveLength(3);

    // A server from before image hashes: the column empty. The next start fills it.
    const dataDir = s.dataDir;
    await s.server.close();
    const db = new Database(path.join(dataDir, 'tandem.db'));
    db.prepare('UPDATE tasks SET image_hash = NULL').run();
    db.close();
    const restarted = await startTestServer({ dataDir });
    try {
      await waitFor(async () => (await restarted.api('GET', `/api/projects/${projectId}/tasks`)).body.filter((r: Row) => r.looksLike === first).length === 2, 'the hashes filled at start');
      expect(marks((await restarted.api('GET', `/api/projects/${projectId}/tasks`)).body)).toEqual([
        ['street.jpg', null],
        ['street_export.jpg', first],
        ['street_small.webp', first],
        ['cow.jpg', null],
      ]);
    } finally {
      await restarted.close();
    }
  });
});
