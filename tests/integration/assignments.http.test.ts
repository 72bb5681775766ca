// Task assignments through the real HTTP API: the owner hands tasks to members, the task list says
// who has each, and a request with one bad entry changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImage } from '../helpers/images';
import { startTestServer, type TestServer } from '../helpers/testServer';

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
