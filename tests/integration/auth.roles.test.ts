// Roles enforced at the protocol level (contract 3): read-only sockets' updates never reach the
// document, other clients or the store, and the writer is told; tokens are checked at the upgrade
// with documented close codes; HTTP answers 401/403.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CloseCode } from '../../shared/protocol/closeCodes';
import type { UserId } from '../../shared/schema/ids';
import { openRaw } from '../helpers/rawSocket';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { waitFor } from '../helpers/waitFor';
import { connectClient, type YClient } from '../helpers/yclient';

describe('roles and tokens', () => {
  let s: TestServer;
  let projectId: string;
  let taskId: string;
  const clients: YClient[] = [];
  const connect = (room: string, token: string) => {
    const c = connectClient(s.wsUrl, room, token);
    clients.push(c);
    return c;
  };

  /** What the server has stored for a room (replayed from the durable log after a flush). */
  async function storedDoc(room: string): Promise<Y.Doc> {
    await s.server.storage.docs.flush();
    const doc = new Y.Doc();
    for (const u of (await s.server.storage.docs.load(room)).updates) Y.applyUpdate(doc, u);
    return doc;
  }

  /**
   * `writer` writes key `probe`, then an allowed client writes `marker`; once the observer sees the
   * marker it would have seen the probe before it (the server relays in order).
   */
  async function expectRefused(room: string, writer: YClient, allowed: YClient, observer: YClient) {
    writer.doc.getMap('m').set('probe', `from ${writer.doc.clientID}`);
    await waitFor(() => writer.denied.length > 0, 'the writer to be told');
    expect(writer.denied).toContain('read-only');
    const marker = `marker-${Math.random()}`;
    allowed.doc.getMap('m').set(marker, 1);
    await waitFor(() => observer.doc.getMap('m').has(marker), 'the allowed write to arrive');
    expect(observer.doc.getMap('m').has('probe')).toBe(false);
    const stored = await storedDoc(room);
    expect(stored.getMap('m').has(marker)).toBe(true);
    expect(stored.getMap('m').has('probe')).toBe(false);
    allowed.doc.getMap('m').delete(marker);
  }

  beforeAll(async () => {
    s = await startTestServer();
    ({ projectId, taskId } = await s.createProjectWithTask());
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await s?.close();
  });

  it("drops a viewer's and a QA lead's writes to task: and tells them", async () => {
    const room = `task:${taskId}`;
    const [ann, viewer, qa] = await Promise.all([s.addMember(projectId, 'annotator'), s.addMember(projectId, 'viewer'), s.addMember(projectId, 'qa')]);
    const a = connect(room, ann.token);
    const v = connect(room, viewer.token);
    const q = connect(room, qa.token);
    const watcher = connect(room, s.adminToken);
    await Promise.all([a, v, q, watcher].map((c) => c.synced()));
    await expectRefused(room, v, a, watcher);
    await expectRefused(room, q, a, watcher);
    // Read-only clients still receive everyone else's edits.
    a.doc.getMap('m').set('for-readers', true);
    await waitFor(() => v.doc.getMap('m').get('for-readers') === true && q.doc.getMap('m').get('for-readers') === true, 'readers to see edits');
    // A read-only client whose doc holds nothing new is not told anything on connect (no false alarms).
    const quiet = connect(room, viewer.token);
    await quiet.synced();
    a.doc.getMap('m').set('after-quiet', 1);
    await waitFor(() => quiet.doc.getMap('m').has('after-quiet'), 'quiet viewer to follow');
    expect(quiet.denied).toEqual([]);
  });

  it('lets a reviewer write task:, and annotators, reviewers and QA leads write review:', async () => {
    const [rev, qa, ann] = await Promise.all([s.addMember(projectId, 'reviewer'), s.addMember(projectId, 'qa'), s.addMember(projectId, 'annotator')]);
    const watcher = connect(`task:${taskId}`, s.adminToken);
    const r = connect(`task:${taskId}`, rev.token);
    await Promise.all([watcher.synced(), r.synced()]);
    r.doc.getMap('m').set('by-reviewer', 1);
    await waitFor(() => watcher.doc.getMap('m').get('by-reviewer') === 1, 'reviewer write to land');
    expect(r.denied).toEqual([]);

    const reviewRoom = `review:${taskId}`;
    const rw = connect(reviewRoom, s.adminToken);
    await rw.synced();
    for (const [i, m] of [rev, qa, ann].entries()) {
      const c = connect(reviewRoom, m.token);
      await c.synced();
      c.doc.getMap('threads').set(`t${i}`, i);
      await waitFor(() => rw.doc.getMap('threads').get(`t${i}`) === i, `review write ${i} to land`);
      expect(c.denied).toEqual([]);
    }
    expect((await storedDoc(reviewRoom)).getMap('threads').size).toBe(3);
  });

  it("drops a viewer's writes to review:", async () => {
    const room = `review:${taskId}`;
    const [viewer, qa] = await Promise.all([s.addMember(projectId, 'viewer'), s.addMember(projectId, 'qa')]);
    const v = connect(room, viewer.token);
    const q = connect(room, qa.token);
    const watcher = connect(room, s.adminToken);
    await Promise.all([v, q, watcher].map((c) => c.synced()));
    await expectRefused(room, v, q, watcher);
  });

  it('refuses bad, expired and missing tokens with 4401, other projects with 4403, unknown rooms with 4404', async () => {
    const other = await s.createProjectWithTask();
    const outsider = await s.addMember(other.projectId, 'annotator');
    const expiredUser = await s.addMember(projectId, 'annotator');
    const expired = await s.server.storage.meta.createToken(expiredUser.userId as UserId, { expiresAt: Date.now() - 1000 });

    const cases: Array<[string, string | null, number]> = [
      [`task:${taskId}`, 'not-a-real-token-at-all', CloseCode.Unauthorized],
      [`task:${taskId}`, null, CloseCode.Unauthorized],
      [`task:${taskId}`, expired, CloseCode.Unauthorized],
      [`task:${taskId}`, outsider.token, CloseCode.Forbidden],
      [`review:${taskId}`, outsider.token, CloseCode.Forbidden],
      [`task:nosuchtask`, s.adminToken, CloseCode.UnknownRoom],
      [`other:${taskId}`, s.adminToken, CloseCode.UnknownRoom],
    ];
    for (const [room, token, code] of cases) {
      const sock = openRaw(s.wsUrl, room, token);
      const closed = await sock.closed;
      expect(closed.code, `${room} with ${token?.slice(0, 6)}`).toBe(code);
    }
    const exp = await openRaw(s.wsUrl, `task:${taskId}`, expired).closed;
    expect(exp.reason).toMatch(/token_expired/);
    // The stock client stops retrying on these codes (4400-4499 are permanent).
    const c = connect(`task:${taskId}`, outsider.token);
    await waitFor(() => c.closes.some((x) => x.code === CloseCode.Forbidden), 'the provider to see 4403');
  });

  it('answers HTTP 401 for bad tokens and 403 outside the project or role', async () => {
    const other = await s.createProjectWithTask();
    const outsider = await s.addMember(other.projectId, 'viewer');
    const ann = await s.addMember(projectId, 'annotator');
    expect((await s.api('GET', `/api/tasks/${taskId}`, undefined, 'bogus-token-bogus-token')).status).toBe(401);
    expect((await s.api('GET', `/api/tasks/${taskId}`, undefined, outsider.token)).status).toBe(403);
    expect((await s.api('GET', `/api/tasks/${taskId}/image`, undefined, outsider.token)).status).toBe(403);
    expect((await s.api('GET', `/api/tasks/${taskId}/export?format=coco`, undefined, outsider.token)).status).toBe(403);
    // Only owners add members or upload; only admins create projects.
    expect((await s.api('POST', `/api/projects/${projectId}/members`, { name: 'x', role: 'viewer' }, ann.token)).status).toBe(403);
    expect((await s.api('POST', '/api/projects', { name: 'mine' }, ann.token)).status).toBe(403);
    const expiredUser = await s.addMember(projectId, 'viewer');
    const expired = await s.server.storage.meta.createToken(expiredUser.userId as UserId, { expiresAt: Date.now() - 1 });
    const r = await s.api('GET', '/api/me', undefined, expired);
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('token_expired');
  });
});
