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

describe("replacing a member's sign-in link", () => {
  it('revokes every token they had, closes their open editor (4401) and hands out one new token', async () => {
    const eve = await s.addMember(projectId, 'reviewer', 'Eve');
    const editor = connectClient(s.wsUrl, `review:${tasks[0]}`, eve.token, undefined, { maxBackoffTime: 100 });
    try {
      await editor.synced();
      expect((await s.api('POST', `/api/projects/${projectId}/members/${eve.userId}/token`, undefined, ana.token)).status).toBe(403);
      const r = await s.api('POST', `/api/projects/${projectId}/members/${eve.userId}/token`);
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({ userId: eve.userId, revoked: 1, closedConnections: 1 });
      await waitFor(() => editor.closes.some((c) => c.code === 4401), 'her editor closed with 4401');
      expect(editor.closes.find((c) => c.code === 4401)?.reason).toMatch(/link replaced/);
      expect((await s.api('GET', '/api/me', undefined, eve.token)).status).toBe(401);
      const me = await s.api('GET', '/api/me', undefined, r.body.token);
      expect([me.status, me.body.id]).toEqual([200, eve.userId]);
      expect((await s.api('GET', `/api/tasks/${tasks[0]}`, undefined, r.body.token)).body.role).toBe('reviewer');
    } finally {
      editor.destroy();
    }
  });

  it("is refused for owners, strangers, and (unless an admin asks) someone in other projects too", async () => {
    const me = (await s.api('GET', '/api/me')).body;
    const other = await s.createProjectWithTask({ name: 'other' });
    const both = await s.addMember(projectId, 'annotator', 'Both');
    await s.server.storage.meta.addMember(other.projectId as never, both.userId as never, 'viewer');
    // A non-admin owner of this project.
    const olga = await s.addMember(projectId, 'annotator', 'Olga');
    await s.server.storage.meta.addMember(projectId as never, olga.userId as never, 'owner');
    const cases: Array<[string, string | undefined, number, string]> = [
      [me.id, undefined, 409, 'conflict'], // an owner (and admin)
      [olga.userId, undefined, 409, 'conflict'], // an owner
      ['nobody', undefined, 404, 'not_found'],
      [both.userId, olga.token, 409, 'conflict'], // in another project: not for a non-admin owner
    ];
    for (const [userId, token, status, code] of cases) {
      const x = await s.api('POST', `/api/projects/${projectId}/members/${userId}/token`, undefined, token);
      expect([userId, x.status, x.body.error?.code]).toEqual([userId, status, code]);
    }
    expect((await s.api('GET', '/api/me', undefined, both.token)).status).toBe(200); // nothing revoked
    const byAdmin = await s.api('POST', `/api/projects/${projectId}/members/${both.userId}/token`);
    expect([byAdmin.status, byAdmin.body.revoked]).toEqual([201, 1]);
    expect((await s.api('GET', '/api/me', undefined, both.token)).status).toBe(401);
  });
});
