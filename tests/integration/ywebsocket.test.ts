// The stock y-websocket client (npm package, not our code) against the server: documents sync,
// awareness passes, and the server sets the identity fields of awareness states.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { connectClient, type YClient } from '../helpers/yclient';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { waitFor } from '../helpers/waitFor';

describe('stock y-websocket client', () => {
  let s: TestServer;
  let taskId: string;
  let projectId: string;
  const clients: YClient[] = [];
  const connect = (room: string, token: string, doc?: Y.Doc) => {
    const c = connectClient(s.wsUrl, room, token, doc);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    s = await startTestServer();
    ({ taskId, projectId } = await s.createProjectWithTask());
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await s?.close();
  });

  it('syncs a document between two clients and gives a new client the server state', async () => {
    const ann = await s.addMember(projectId, 'annotator', 'Ana');
    const a = connect(`task:${taskId}`, s.adminToken);
    const b = connect(`task:${taskId}`, ann.token);
    await Promise.all([a.synced(), b.synced()]);
    // The server initialised the task's meta from the Task record (contract 4).
    const meta = b.doc.getMap('meta');
    expect(meta.get('taskId')).toBe(taskId);
    expect(meta.get('width')).toBe(64);
    expect(meta.get('height')).toBe(48);
    expect(meta.get('schemaVersion')).toBe(1);

    a.doc.getMap('objects').set('probe', new Y.Map([['label', 'cat']]));
    await waitFor(() => (b.doc.getMap('objects').get('probe') as Y.Map<unknown> | undefined)?.get('label') === 'cat', 'b to see a');
    b.doc.getArray('log').push(['from b']);
    await waitFor(() => a.doc.getArray('log').length === 1, 'a to see b');

    const late = connect(`task:${taskId}`, ann.token);
    await late.synced();
    await waitFor(() => late.doc.getArray('log').length === 1 && late.doc.getMap('objects').has('probe'), 'late joiner to get the state');
  });

  it('relays awareness with identity fields set by the server', async () => {
    const ann = await s.addMember(projectId, 'annotator', 'Bea');
    const viewer = await s.addMember(projectId, 'viewer', 'Vic');
    const a = connect(`task:${taskId}`, ann.token);
    const v = connect(`task:${taskId}`, viewer.token);
    await Promise.all([a.synced(), v.synced()]);
    // A client claims to be someone else; the server replaces id, name and role, keeps the colour.
    a.provider.awareness.setLocalState({ user: { id: 'forged', name: 'Mallory', role: 'owner', color: '#00ff00' }, cursor: { x: 3, y: 4 } });
    const seen = await waitFor(() => {
      const st = v.provider.awareness.getStates().get(a.doc.clientID) as { user?: Record<string, unknown>; cursor?: unknown } | undefined;
      return st?.user?.name === 'Bea' ? st : null;
    }, 'viewer to see the annotator');
    expect(seen.user).toEqual({ id: ann.userId, name: 'Bea', role: 'annotator', color: '#00ff00' });
    expect(seen.cursor).toEqual({ x: 3, y: 4 });

    // Leaving clears the state for the others.
    a.destroy();
    await waitFor(() => !v.provider.awareness.getStates().has(a.doc.clientID), 'awareness to be cleared on disconnect');
  });
});
