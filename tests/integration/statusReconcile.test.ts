// A task row that a crash left behind its review room (the status change was durable, the row
// write was not) catches up when the server starts again, without anyone opening the task: its
// status, objects to fix and open threads alike.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { setObjectVerdict, setTaskStatus } from '../../shared/schema/review';
import type { ObjectId, TaskId } from '../../shared/schema/ids';
import { sqliteFile } from '../../server/storage/openStorage';
import { SqliteMetaStore } from '../../server/storage/sqlite/SqliteMetaStore';
import { startTestServer } from '../helpers/testServer';
import { connectClient } from '../helpers/yclient';
import { waitFor } from '../helpers/waitFor';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-reconcile-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe('task rows after a restart', () => {
  it('catch up with their review rooms in the background', async () => {
    const first = await startTestServer({ dataDir, env: { SYNC_UNLOAD_GRACE_MS: '50' } });
    const { projectId, taskId } = await first.createProjectWithTask();
    const rowOf = async (api: typeof first.api) => (await api('GET', `/api/projects/${projectId}/tasks`)).body[0];
    const statusOf = async (api: typeof first.api) => (await rowOf(api)).status;
    const review = connectClient(first.wsUrl, `review:${taskId}`, first.adminToken);
    await review.synced();
    setTaskStatus(review.doc, 'in_review', 'admin');
    setObjectVerdict(review.doc, 'o1' as ObjectId, { verdict: 'changes_requested', by: 'admin', message: '@admin the mirror', mentions: ['admin'] });
    await waitFor(async () => (await statusOf(first.api)) === 'in_review', 'the row mirrored');
    await waitFor(async () => (await rowOf(first.api)).openThreads === 1, 'the thread mirrored');
    review.destroy();
    await first.close();

    // What a crash between the two writes leaves: the room says in review, the row todo.
    const meta = SqliteMetaStore.open(sqliteFile(dataDir));
    await meta.setTaskStatus(taskId as TaskId, 'todo');
    await meta.setTaskToFix(taskId as TaskId, 0);
    await meta.setTaskThreads(taskId as TaskId, { open: 0, mentioned: [] });
    await meta.close();

    const second = await startTestServer({ dataDir });
    try {
      await waitFor(async () => (await statusOf(second.api)) === 'in_review', 'the row caught up after the restart');
      expect((await second.api('GET', `/api/tasks/${taskId}`)).body.status).toBe('in_review');
      // Every column the row copies, from one read of the room.
      await waitFor(async () => (await rowOf(second.api)).openThreads === 1, 'the threads caught up');
      expect(await rowOf(second.api)).toMatchObject({ toFix: 1, openThreads: 1, mentioned: ['admin'] });
    } finally {
      await second.close();
    }
  });
});
