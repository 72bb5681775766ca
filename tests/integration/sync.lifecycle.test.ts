// Room lifecycle: the log is compacted past SYNC_COMPACT_AFTER and when the room unloads after its
// last client left; a reload serves the same document; an update the store refused reaches it
// when its client reconnects; shutdown closes sockets with 1001.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CloseCode } from '../../shared/protocol/closeCodes';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { waitFor } from '../helpers/waitFor';
import { openRaw } from '../helpers/rawSocket';
import { connectClient } from '../helpers/yclient';

/** The room's stored log, replayed. */
async function stored(srv: TestServer, room: string): Promise<Y.Doc> {
  await srv.server.storage.docs.flush();
  const doc = new Y.Doc();
  for (const u of (await srv.server.storage.docs.load(room)).updates) Y.applyUpdate(doc, u);
  return doc;
}

describe('room lifecycle', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ env: { SYNC_COMPACT_AFTER: '10', SYNC_UNLOAD_GRACE_MS: '50' } });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('compacts while live and on unload, and reloads the same document', async () => {
    const { taskId } = await s.createProjectWithTask();
    const room = `task:${taskId}`;
    const a = connectClient(s.wsUrl, room, s.adminToken);
    await a.synced();
    for (let i = 0; i < 60; i++) a.doc.getArray('xs').push([i]);
    // Live compaction keeps the log short while the room is busy.
    await waitFor(async () => s.server.sync.metrics.compactions > 0, 'a compaction');
    a.destroy();
    await waitFor(() => s.server.sync.metrics.rooms === 0, 'the room to unload');
    await waitFor(async () => (await s.server.storage.docs.logLength(room)) === 1, 'the log to be one snapshot');

    const b = connectClient(s.wsUrl, room, s.adminToken);
    await b.synced();
    await waitFor(() => b.doc.getArray('xs').length === 60, 'the reloaded document');
    expect(b.doc.getArray('xs').toArray()).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(b.doc.getMap('meta').get('taskId')).toBe(taskId);
    b.destroy();
  });

  it("an update the store refused is stored once its client reconnects, into the room loaded afresh; a server's own write fails loudly", async () => {
    // The default unload grace (10 s): the client is back long before the room would unload.
    const srv = await startTestServer();
    try {
      const { taskId } = await srv.createProjectWithTask();
      const room = `task:${taskId}`;
      const a = connectClient(srv.wsUrl, room, srv.adminToken);
      await a.synced();
      a.doc.getMap('m').set('first', 1);
      await waitFor(async () => (await stored(srv, room)).getMap('m').get('first') === 1, 'the first edit stored');
      // The next append fails once (a disk error, a locked file).
      const docs = srv.server.storage.docs;
      const append = docs.append.bind(docs);
      let refused = 0;
      docs.append = (r, u) => (r === room && refused++ === 0 ? Promise.reject(new Error('disk full')) : append(r, u));
      const closed = new Promise<number>((resolve) => a.provider.once('connection-close', (e: CloseEvent | null) => resolve(e?.code ?? 0)));
      a.doc.getMap('m').set('second', 2);
      expect(await closed).toBe(CloseCode.Internal);
      await waitFor(async () => (await stored(srv, room)).getMap('m').get('second') === 2, 'the refused edit stored after the reconnect');
      expect(srv.server.sync.metrics.persistErrors).toBe(1);
      expect(srv.server.sync.metrics.rooms).toBe(1); // the failed room is gone, a fresh one serves

      // A server's own write (an import) has no client to push it again: its caller hears it failed.
      refused = 0;
      const write = (key: string) => {
        const d = new Y.Doc();
        d.getMap('m').set(key, true);
        return Y.encodeStateAsUpdate(d);
      };
      await expect(srv.server.sync.applyServerUpdate(room, write('imported'))).rejects.toMatchObject({ code: 'unavailable' });
      await srv.server.sync.applyServerUpdate(room, write('again')); // tried again: stored
      expect((await stored(srv, room)).getMap('m').get('again')).toBe(true);
      a.destroy();
    } finally {
      await srv.close();
    }
  });

  it('drops a socket that stops answering pings', async () => {
    const pinging = await startTestServer({ env: { SYNC_PING_MS: '100' } });
    try {
      const { taskId } = await pinging.createProjectWithTask();
      const live = connectClient(pinging.wsUrl, `task:${taskId}`, pinging.adminToken);
      const dead = openRaw(pinging.wsUrl, `task:${taskId}`, pinging.adminToken);
      await Promise.all([live.synced(), dead.opened]);
      await waitFor(() => pinging.server.sync.metrics.connections === 2, 'both sockets in');
      // A paused socket reads nothing, so it never sees a ping and never answers: like a dead peer.
      dead.ws.pause();
      await waitFor(() => pinging.server.sync.metrics.connections === 1, 'the silent socket to be dropped', 5000);
      // The healthy client (it answers pings) stays.
      expect(live.provider.wsconnected).toBe(true);
      live.destroy();
      dead.ws.terminate();
    } finally {
      await pinging.close();
    }
  });

  it('closes sockets with 1001 on shutdown and keeps what they wrote', async () => {
    const other = await startTestServer();
    const { taskId } = await other.createProjectWithTask();
    const c = connectClient(other.wsUrl, `task:${taskId}`, other.adminToken);
    await c.synced();
    c.doc.getMap('m').set('k', 'v');
    await waitFor(async () => other.server.sync.withDoc(`task:${taskId}`, (d) => d.getMap('m').get('k') === 'v'), 'the write to reach the server');
    const dataDir = other.dataDir;
    await other.server.close();
    await waitFor(() => c.closes.some((x) => x.code === CloseCode.GoingAway), 'a 1001 close');
    c.destroy();
    // Same DATA_DIR, new server: the write is there.
    const again = await startTestServer({ dataDir });
    try {
      const d = connectClient(again.wsUrl, `task:${taskId}`, again.adminToken);
      await d.synced();
      await waitFor(() => d.doc.getMap('m').get('k') === 'v', 'the write after restart');
      d.destroy();
    } finally {
      await again.close();
      await other.close();
    }
  });
});
