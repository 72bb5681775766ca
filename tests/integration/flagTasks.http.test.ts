// The owner's bulk flag against a real server: written into each task's review room, seen live by
// an open editor, and followed by the task rows, for a room nobody has open too (its update goes
// to the store, not to a loaded room); all or nothing; sent again, nothing left to write.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTaskFlag } from '../../shared/schema/review';
import { makeImage } from '../helpers/images';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { connectClient } from '../helpers/yclient';
import { waitFor } from '../helpers/waitFor';
import { webhookReceiver, type Receiver } from '../helpers/webhookReceiver';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ env: { WEBHOOK_ALLOW_PRIVATE: 'true' } });
});
afterAll(async () => {
  await s?.close();
});

describe('flagging the tasks a list shows', () => {
  it('flags them in their review rooms, live and in the task rows, and takes the flags off again', async () => {
    const { projectId, taskId: open } = await s.createProjectWithTask({ taskName: 'a.png' });
    const add = async (name: string) => (await s.api('POST', `/api/projects/${projectId}/tasks?name=${name}`, await makeImage(40, 30), undefined, { 'content-type': 'image/png' })).body.id as string;
    const closed = await add('b.png');
    const spared = await add('c.png');
    const other = await s.createProjectWithTask();
    const annotator = await s.addMember(projectId, 'annotator');
    const flags = (body: unknown, token?: string) => s.api('POST', `/api/projects/${projectId}/flags`, body, token);
    const rows = async () => Object.fromEntries(((await s.api('GET', `/api/projects/${projectId}/tasks`)).body as Array<{ id: string; flag: string | null }>).map((t) => [t.id, t.flag]));
    const editor = connectClient(s.wsUrl, `review:${open}`, annotator.token);
    const hooked: Receiver = await webhookReceiver([200]);
    await s.api('POST', `/api/projects/${projectId}/webhooks`, { url: hooked.url, events: ['task.flagged', 'task.unflagged'] });
    try {
      await editor.synced();
      // Refused whole: a task of another project, an unknown reason, someone who does not own it.
      for (const [body, token, status] of [
        [{ taskIds: [open, other.taskId], flag: { reason: 'duplicate' } }, undefined, 400],
        [{ taskIds: [open], flag: { reason: 'ugly' } }, undefined, 400],
        [{ taskIds: [open], flag: { reason: 'duplicate' } }, annotator.token, 403],
      ] as const) expect((await flags(body, token)).status, JSON.stringify(body)).toBe(status);
      expect(await rows()).toEqual({ [open]: null, [closed]: null, [spared]: null });

      const r = await flags({ taskIds: [open, closed], flag: { reason: 'duplicate', note: 'looks like c.png' } });
      expect([r.status, r.body]).toEqual([200, { changed: 2, unchanged: 0 }]);
      await waitFor(() => readTaskFlag(editor.doc)?.reason === 'duplicate', 'the open editor to see the flag');
      expect(readTaskFlag(editor.doc)).toMatchObject({ reason: 'duplicate', note: 'looks like c.png' });
      await waitFor(async () => (await rows())[closed] === 'duplicate', 'the row of the task nobody has open');
      expect(await rows()).toEqual({ [open]: 'duplicate', [closed]: 'duplicate', [spared]: null });
      expect((await flags({ taskIds: [open, closed], flag: { reason: 'duplicate', note: 'looks like c.png' } })).body).toEqual({ changed: 0, unchanged: 2 });
      // The project's webhook is told of each, by the owner, for the open room and the closed one.
      await waitFor(() => hooked.got.length === 2, 'both flags told');
      const told = hooked.got.map((g) => JSON.parse(g.body) as { event: string; task: { id: string }; flag: { reason: string } });
      expect(told.map((t) => [t.event, t.task.id, t.flag.reason]).sort()).toEqual([['task.flagged', open, 'duplicate'], ['task.flagged', closed, 'duplicate']].sort());

      expect((await flags({ taskIds: [open, closed, spared], flag: null })).body).toEqual({ changed: 2, unchanged: 1 });
      await waitFor(async () => Object.values(await rows()).every((f) => f === null), 'the flags off the rows');
      expect(readTaskFlag(editor.doc)).toBeNull();
    } finally {
      editor.destroy();
      await hooked.close();
    }
  });
});
