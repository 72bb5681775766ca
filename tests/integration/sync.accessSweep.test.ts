// Access of sockets already open, re-checked against the store (server/sync/accessSweep.ts): what
// changes in the store without a message reaching this node (another node served it while Redis
// was away, or a token simply expired) still closes the sockets it should, with the upgrade's codes.
// The store is changed directly here, around the HTTP API, so no access message is ever sent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode } from '../../shared/protocol/closeCodes';
import type { ProjectId, TaskId, UserId } from '../../shared/schema/ids';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { waitFor } from '../helpers/waitFor';
import { connectClient, type YClient } from '../helpers/yclient';

describe('open sockets re-checked against the store', () => {
  let s: TestServer;
  let projectId: string;
  let taskId: string;
  const clients: YClient[] = [];
  const connect = async (room: string, token: string) => {
    const c = connectClient(s.wsUrl, room, token);
    clients.push(c);
    await c.synced();
    return c;
  };
  const closedWith = (c: YClient, code: number) => waitFor(() => c.closes.some((x) => x.code === code), `close ${code}`);

  beforeAll(async () => {
    // The timer is long: each test runs the check itself, except the one that waits for the timer.
    s = await startTestServer({ env: { SYNC_ACCESS_CHECK_MS: '600000' } });
    ({ projectId, taskId } = await s.createProjectWithTask());
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await s?.close();
  });

  it('closes a socket when its token expires with 4401 token_expired, without waiting for a sweep, and only that one', async () => {
    const member = await s.addMember(projectId, 'annotator');
    const shortLived = await s.server.storage.meta.createToken(member.userId as UserId, { expiresAt: Date.now() + 1500 });
    const expiring = await connect(`task:${taskId}`, shortLived);
    const other = await connect(`task:${taskId}`, member.token);
    expect(await s.server.sync.recheckAccess()).toBe(0);
    const withdrawn = s.server.sync.metrics.accessWithdrawn;
    // No sweep runs here (SYNC_ACCESS_CHECK_MS is 10 minutes): the socket's own timer closes it.
    await closedWith(expiring, CloseCode.Unauthorized);
    expect(s.server.sync.metrics.accessWithdrawn).toBe(withdrawn + 1);
    expect(expiring.closes.at(-1)?.reason).toMatch(/token_expired/);
    expect(other.closes).toEqual([]);
    expect(other.provider.wsconnected).toBe(true);
  });

  it('closes a revoked token with 4401', async () => {
    const member = await s.addMember(projectId, 'reviewer');
    const spare = await s.server.storage.meta.createToken(member.userId as UserId);
    const c = await connect(`review:${taskId}`, spare);
    await s.server.storage.meta.revokeToken(spare);
    expect(await s.server.sync.recheckAccess()).toBe(1);
    await closedWith(c, CloseCode.Unauthorized);
  });

  it('sends a member whose role changed 1012, and they come back with the new rights', async () => {
    const member = await s.addMember(projectId, 'annotator');
    const c = await connect(`task:${taskId}`, member.token);
    await s.server.storage.meta.addMember(projectId as ProjectId, member.userId as UserId, 'viewer');
    expect(await s.server.sync.recheckAccess()).toBe(1);
    await closedWith(c, CloseCode.Reconnect);
    await waitFor(() => c.provider.wsconnected && c.provider.synced, 'the provider to reconnect');
    c.doc.getMap('m').set('after-demotion', 1);
    await waitFor(() => c.denied.includes('read-only'), 'the write to be refused');
    expect(await s.server.sync.recheckAccess()).toBe(0);
  });

  it('closes a member taken out of the project with 4403', async () => {
    const member = await s.addMember(projectId, 'qa');
    const c = await connect(`review:${taskId}`, member.token);
    await s.server.storage.meta.removeMember(projectId as ProjectId, member.userId as UserId);
    expect(await s.server.sync.recheckAccess()).toBe(1);
    await closedWith(c, CloseCode.Forbidden);
  });

  it('unloads the rooms of a deleted task with 4404', async () => {
    const t = await s.createProjectWithTask();
    const a = await connect(`task:${t.taskId}`, s.adminToken);
    const b = await connect(`review:${t.taskId}`, s.adminToken);
    b.doc.getMap('m').set('written', 1);
    await waitFor(async () => (await s.server.storage.docs.logLength(`review:${t.taskId}`)) > 0, 'the write stored');
    // Only the row goes, as when another node deleted the task and this node missed the message.
    await s.server.storage.meta.deleteTask(t.taskId as TaskId);
    expect(await s.server.sync.recheckAccess()).toBe(2);
    await Promise.all([closedWith(a, CloseCode.UnknownRoom), closedWith(b, CloseCode.UnknownRoom)]);
    expect(s.server.sync.loadedRooms()).not.toContain(`task:${t.taskId}`);
    expect(s.server.sync.loadedRooms()).not.toContain(`review:${t.taskId}`);
    // What the rooms stored is deleted with them: nothing is left that nobody can open.
    expect(await s.server.storage.docs.logLength(`task:${t.taskId}`)).toBe(0);
    expect(await s.server.storage.docs.logLength(`review:${t.taskId}`)).toBe(0);
  });

  it('runs on its own every SYNC_ACCESS_CHECK_MS', async () => {
    const fast = await startTestServer({ env: { SYNC_ACCESS_CHECK_MS: '200' } });
    try {
      const t = await fast.createProjectWithTask();
      const member = await fast.addMember(t.projectId, 'annotator');
      const c = connectClient(fast.wsUrl, `task:${t.taskId}`, member.token);
      clients.push(c);
      await c.synced();
      await fast.server.storage.meta.removeMember(t.projectId as ProjectId, member.userId as UserId);
      await closedWith(c, CloseCode.Forbidden);
      expect(fast.server.sync.metrics.accessWithdrawn).toBe(1);
    } finally {
      await fast.close();
    }
  });
});
