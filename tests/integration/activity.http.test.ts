// The project's activity log (GET /api/projects/:id/activity): what owners did through the API,
// who and when, newest first and a page at a time; never a token, a webhook's secret or its URL's
// path; nothing for a refused request; owners only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIVITY_ROUTES } from '../../server/http/activity';
import { makeImage } from '../helpers/images';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { waitFor } from '../helpers/waitFor';

interface Entry {
  id: number;
  at: number;
  userId: string;
  action: string;
  detail: Record<string, unknown>;
}

describe('project activity', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ env: { WEBHOOK_ALLOW_PRIVATE: 'true' } });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('names only routes the server has', () => {
    const paths = new Set(s.server.router.paths());
    expect(ACTIVITY_ROUTES.filter((r) => !paths.has(r))).toEqual([]);
  });

  it('says who did what, newest first, keeping counts and names but no secret', async () => {
    const projectId = (await s.api('POST', '/api/projects', { name: 'street', labels: [{ name: 'car', color: '#ef4444' }] })).body.id as string;
    const upload = async (name: string) => (await s.api('POST', `/api/projects/${projectId}/tasks?name=${name}`, await makeImage(32, 24, 'png'), undefined, { 'content-type': 'image/png' })).body.id as string;
    const a = await upload('a.png');
    const b = await upload('b.png');
    const ana = await s.addMember(projectId, 'annotator', 'Ana');
    expect((await s.api('POST', `/api/projects/${projectId}/flags`, { taskIds: [a, b], flag: { reason: 'blurry' } })).status).toBe(200);
    // Refused: nothing recorded.
    expect((await s.api('POST', `/api/projects/${projectId}/flags`, { taskIds: [a], flag: { reason: 'nonsense' } })).status).toBe(400);
    expect((await s.api('POST', `/api/projects/${projectId}/flags`, { taskIds: [a], flag: null }, ana.token)).status).toBe(403);
    const hook = await s.api('POST', `/api/projects/${projectId}/webhooks`, { url: 'http://127.0.0.1:9/services/T0/SECRETPATH?sig=abc' });
    expect(hook.status).toBe(201);
    expect((await s.api('PUT', `/api/projects/${projectId}/settings`, { noOverlap: true })).status).toBe(200);
    const link = await s.api('POST', `/api/projects/${projectId}/members/${ana.userId}/token`);
    expect(link.status).toBe(201);
    expect((await s.api('DELETE', `/api/tasks/${b}`)).status).toBe(200);
    // An export is worth knowing about too (who took the data); reading the list is not.
    expect((await s.api('GET', `/api/projects/${projectId}/export?format=yolo&images=true`)).status).toBe(200);
    expect((await s.api('GET', `/api/projects/${projectId}/tasks`)).status).toBe(200);

    const read = async (q = '') => (await s.api('GET', `/api/projects/${projectId}/activity${q}`)).body as { entries: Entry[]; names: Record<string, string>; next: number | null };
    await waitFor(async () => (await read()).entries[0]?.action === 'export', 'the last change recorded');
    const { entries, names } = await read();
    expect(entries.map((e) => e.action)).toEqual(['export', 'task.delete', 'members.link', 'settings', 'webhooks.add', 'flag', 'members.add', 'upload', 'upload', 'project.create']);
    const admin = entries[0].userId;
    expect(entries.every((e) => e.userId === admin)).toBe(true);
    expect(names[admin]).toBe('admin');
    expect(names[ana.userId]).toBe('Ana');
    const by = (action: string) => entries.find((e) => e.action === action)!.detail;
    expect(by('flag')).toEqual({ tasks: 2, flag: 'blurry', changed: 2, unchanged: 0 });
    expect(by('task.delete')).toMatchObject({ taskId: b, task: 'b.png' });
    expect(by('members.add')).toEqual({ userId: ana.userId, name: 'Ana', role: 'annotator' });
    expect(by('webhooks.add')).toMatchObject({ host: 'http://127.0.0.1:9' });
    expect(by('settings')).toEqual({ noOverlap: true });
    expect(by('export')).toEqual({ format: 'yolo', images: true });
    expect(entries.filter((e) => e.action === 'upload').map((e) => e.detail.name)).toEqual(['b.png', 'a.png']);
    const text = JSON.stringify(entries);
    for (const secret of [ana.token, link.body.token, hook.body.secret, 'SECRETPATH', 'sig=abc']) expect(text).not.toContain(secret);
    expect(entries[0].at).toBeGreaterThanOrEqual(entries.at(-1)!.at);

    // A page at a time.
    const first = await read('?limit=5');
    expect(first.entries.map((e) => e.action)).toEqual(entries.slice(0, 5).map((e) => e.action));
    const second = await read(`?limit=5&before=${first.next}`);
    expect(second.entries.map((e) => e.action)).toEqual(entries.slice(5, 10).map((e) => e.action));
    expect((await read(`?limit=5&before=${second.next}`)).next).toBeNull();

    // One member's part: Ana did nothing here; the admin everything.
    expect((await read(`?userId=${ana.userId}`)).entries).toEqual([]);
    expect((await read(`?userId=${admin}`)).entries).toHaveLength(entries.length);

    // The owner's only.
    expect((await s.api('GET', `/api/projects/${projectId}/activity`, undefined, link.body.token)).status).toBe(403); // her new link's token
    expect((await s.api('GET', `/api/projects/${projectId}/activity?limit=0`)).body.error.code).toBe('validation_failed');
  });
});
