// Task assignments through the real HTTP API: the owner hands tasks to members, the task list says
// who has each, and a request with one bad entry changes nothing; and taking a member out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImage } from '../helpers/images';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { waitFor } from '../helpers/waitFor';
import { connectClient } from '../helpers/yclient';

let s: TestServer;
let projectId: string;
const tasks: string[] = [];
let ana: { userId: string; token: string };
let ben: { userId: string; token: string };
let vic: { userId: string; token: string };

beforeAll(async () => {
  s = await startTestServer();
  const first = await s.createProjectWithTask({ taskName: 'a.png' });
  projectId = first.projectId;
  tasks.push(first.taskId);
  for (const name of ['b.png', 'c.png']) {
    const t = await s.api('POST', `/api/projects/${projectId}/tasks?name=${name}`, await makeImage(32, 24), undefined, { 'content-type': 'image/png' });
    tasks.push(t.body.id);
  }
  ana = await s.addMember(projectId, 'annotator', 'Ana');
  ben = await s.addMember(projectId, 'annotator', 'Ben');
  vic = await s.addMember(projectId, 'viewer', 'Vic');
});

afterAll(async () => {
  await s?.close();
});

const assignees = async () => (await s.api('GET', `/api/projects/${projectId}/tasks`)).body.map((t: { assignee: string | null }) => t.assignee);
const assign = (assignments: unknown, token?: string) => s.api('PUT', `/api/projects/${projectId}/assignments`, { assignments }, token);

describe('task assignments', () => {
  it('start empty, are set by the owner and listed with the tasks, also in GET /api/tasks/:id', async () => {
    expect(await assignees()).toEqual([null, null, null]);
    const r = await assign([{ taskId: tasks[0], userId: ana.userId }, { taskId: tasks[1], userId: ben.userId }, { taskId: tasks[2], userId: ana.userId }]);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ assigned: 3 });
    expect(await assignees()).toEqual([ana.userId, ben.userId, ana.userId]);
    expect((await s.api('GET', `/api/tasks/${tasks[1]}`, undefined, ben.token)).body.assignee).toBe(ben.userId);
  });

  it('are refused whole, with a code and a message, when one entry is wrong or the caller is not the owner', async () => {
    const swap = { taskId: tasks[0], userId: ben.userId };
    const cases: Array<[unknown, string | undefined, number, string]> = [
      [[swap], ana.token, 403, 'forbidden'],
      [[swap, { taskId: tasks[1], userId: vic.userId }], undefined, 400, 'validation_failed'], // a viewer
      [[swap, { taskId: tasks[1], userId: 'stranger' }], undefined, 400, 'validation_failed'],
      [[swap, { taskId: 'not-in-this-project', userId: ana.userId }], undefined, 404, 'not_found'],
      [[], undefined, 400, 'validation_failed'],
      [[{ taskId: tasks[0] }], undefined, 400, 'validation_failed'],
    ];
    for (const [body, token, status, code] of cases) {
      const r = await assign(body, token);
      expect([r.status, r.body.error?.code], JSON.stringify(body)).toEqual([status, code]);
      expect(r.body.error.message.length).toBeGreaterThan(0);
    }
    expect(await assignees()).toEqual([ana.userId, ben.userId, ana.userId]);
  });

  it('are cleared with null', async () => {
    await assign([{ taskId: tasks[0], userId: null }, { taskId: tasks[2], userId: null }]);
    expect(await assignees()).toEqual([null, ben.userId, null]);
  });
});

describe('taking a member out of a project', () => {
  it("closes their open editor (4403), withdraws access and clears their assignments; the last owner stays", async () => {
    const cara = await s.addMember(projectId, 'annotator', 'Cara');
    await assign([{ taskId: tasks[0], userId: cara.userId }]);
    const editor = connectClient(s.wsUrl, `task:${tasks[0]}`, cara.token, undefined, { maxBackoffTime: 100 });
    try {
      await editor.synced();
      expect((await s.api('DELETE', `/api/projects/${projectId}/members/${cara.userId}`, undefined, ana.token)).status).toBe(403);
      const r = await s.api('DELETE', `/api/projects/${projectId}/members/${cara.userId}`);
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ removed: cara.userId, closedConnections: 1 });
      await waitFor(() => editor.closes.some((c) => c.code === 4403), 'her editor closed with 4403');
    } finally {
      editor.destroy();
    }
    // Connecting again is refused.
    const retry = connectClient(s.wsUrl, `task:${tasks[0]}`, cara.token);
    try {
      await waitFor(() => retry.closes.some((c) => c.code === 4403), 'a new connection refused');
    } finally {
      retry.destroy();
    }
    expect((await s.api('GET', `/api/projects/${projectId}/tasks`, undefined, cara.token)).status).toBe(403);
    expect((await assignees())[0]).toBeNull();
    expect((await s.api('GET', `/api/projects/${projectId}/members`)).body.map((m: { name: string }) => m.name)).not.toContain('Cara');
    const again = await s.api('DELETE', `/api/projects/${projectId}/members/${cara.userId}`);
    expect([again.status, again.body.error.code]).toEqual([404, 'not_found']);
    const me = (await s.api('GET', '/api/me')).body;
    const last = await s.api('DELETE', `/api/projects/${projectId}/members/${me.id}`);
    expect([last.status, last.body.error.code]).toEqual([409, 'conflict']);
  });
});

describe("changing a member's role", () => {
  it('applies at once to their open editor, which reconnects with the new rights', async () => {
    const dan = await s.addMember(projectId, 'annotator', 'Dan');
    await assign([{ taskId: tasks[1], userId: dan.userId }]);
    const editor = connectClient(s.wsUrl, `task:${tasks[1]}`, dan.token, undefined, { maxBackoffTime: 100 });
    const watcher = connectClient(s.wsUrl, `task:${tasks[1]}`, s.adminToken);
    try {
      await Promise.all([editor.synced(), watcher.synced()]);
      const r = await s.api('PUT', `/api/projects/${projectId}/members/${dan.userId}`, { role: 'viewer' });
      expect(r.body).toEqual({ userId: dan.userId, role: 'viewer' });
      await waitFor(() => editor.closes.some((c) => c.code === 1012), 'his editor told to reconnect');
      await waitFor(() => editor.provider.wsconnected && editor.provider.synced, 'his editor back');
      // Now a viewer: what he writes never reaches the server.
      editor.doc.getMap('meta').set('vandal', true);
      await new Promise((r) => setTimeout(r, 300));
      expect(watcher.doc.getMap('meta').get('vandal')).toBeUndefined();
    } finally {
      editor.destroy();
      watcher.destroy();
    }
    expect((await s.api('GET', `/api/tasks/${tasks[1]}`, undefined, dan.token)).body.role).toBe('viewer');
    expect((await assignees())[1]).toBeNull(); // viewers do not work on tasks
    const me = (await s.api('GET', '/api/me')).body;
    const cases: Array<[string, unknown, number, string]> = [
      [me.id, { role: 'annotator' }, 409, 'conflict'], // an owner
      ['nobody', { role: 'annotator' }, 404, 'not_found'],
      [dan.userId, { role: 'owner' }, 400, 'validation_failed'],
    ];
    for (const [userId, body, status, code] of cases) {
      const x = await s.api('PUT', `/api/projects/${projectId}/members/${userId}`, body);
      expect([x.status, x.body.error?.code]).toEqual([status, code]);
    }
  });
});
