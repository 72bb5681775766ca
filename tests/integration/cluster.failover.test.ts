// Failures of a cluster on the real PostgreSQL and Redis: a node SIGKILLed while its clients write
// (they move to another node, as behind a load balancer) and Redis restarted without its data under
// load. In both, every edit any client made ends up at every client and in PostgreSQL.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { loadConfig } from '../../server/config';
import { createLogger } from '../../server/logger';
import { openPostgresStores } from '../../server/storage/postgres/openPostgres';
import { createObject, listObjects } from '../../shared/schema/annotation';
import { makeImage } from '../helpers/images';
import { makeApi, type ServerProcess, type TestServer } from '../helpers/testServer';
import { connectClient, type YClient } from '../helpers/yclient';
import { waitFor } from '../helpers/waitFor';
import { acquireRedisLock, clusterEnv, restartRedis, startInProcessCluster, startProcessCluster, type ClusterEnv } from './cluster.support';

// Redis restarts in other cluster files must not happen under this one (see acquireRedisLock).
let releaseRedis: () => void = () => {};
beforeAll(async () => {
  releaseRedis = await acquireRedisLock();
}, 600_000);
afterAll(() => releaseRedis());

let env: ClusterEnv | null = null;
let procs: ServerProcess[] = [];
let nodes: TestServer[] = [];
let clients: YClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  for (const p of procs.splice(0)) await p.stop('SIGKILL');
  for (const n of nodes.splice(0)) await n.close();
  await env?.cleanup();
  env = null;
});

const labels = (doc: Y.Doc) => new Set(listObjects(doc).map((o) => o.label));
const sv = (doc: Y.Doc) => Buffer.from(Y.encodeStateVector(doc)).toString('base64');

/** Each client adds one object labelled `c<client>-r<round>`; returns the labels written. */
function writeRound(round: number): string[] {
  return clients.map((c, i) => {
    const label = `c${i}-r${round}`;
    createObject(c.doc, { label, by: `client-${i}` });
    return label;
  });
}

async function everyClientHas(expected: string[], what: string, timeoutMs = 30_000): Promise<void> {
  await waitFor(() => clients.every((c) => expected.every((l) => labels(c.doc).has(l))), what, timeoutMs);
}

async function storedLabels(url: string, room: string): Promise<Set<string>> {
  const { meta, docs } = await openPostgresStores(loadConfig({ DATABASE_URL: url }), createLogger({ level: 'silent' }));
  try {
    const doc = new Y.Doc();
    for (const u of (await docs.load(room)).updates) Y.applyUpdate(doc, u);
    return labels(doc);
  } finally {
    await docs.close();
    await meta.close();
  }
}

describe('cluster failures', () => {
  it('SIGKILL one node while its clients write: they reconnect to another node and nothing is lost', async () => {
    env = await clusterEnv();
    procs = await startProcessCluster(env, 3);
    const api = makeApi(procs[0].url, procs[0].adminToken);
    const project = await api('POST', '/api/projects', { name: 'failover', labels: [] });
    const task = await api('POST', `/api/projects/${project.body.id}/tasks?name=a.png`, await makeImage(32, 24, 'png'), undefined, { 'content-type': 'image/png' });
    const member = await api('POST', `/api/projects/${project.body.id}/members`, { name: 'ana', role: 'annotator' });
    expect([project.status, task.status, member.status]).toEqual([201, 201, 201]);
    const room = `task:${task.body.id}`;
    const token = member.body.token as string;
    const home = [0, 1, 2, 0, 1, 2]; // two clients per node
    for (const n of home) clients.push(connectClient(procs[n].wsUrl, room, token));
    await Promise.all(clients.map((c) => c.synced(20_000)));

    const written: string[] = [];
    for (let r = 0; r < 4; r++) {
      written.push(...writeRound(r));
      await everyClientHas(written, `round ${r} everywhere`);
    }
    // Node 2 dies with round 4 of its clients in flight (sent, perhaps not yet stored or relayed).
    written.push(...writeRound(4));
    await procs[2].stop('SIGKILL');
    // The load balancer sends node 2's clients elsewhere; each keeps its document (and its edits).
    for (let i = 0; i < clients.length; i++) {
      if (home[i] !== 2) continue;
      const doc = clients[i].doc;
      clients[i].destroy();
      clients[i] = connectClient(procs[i % 2].wsUrl, room, token, doc);
    }
    for (let r = 5; r < 8; r++) written.push(...writeRound(r));
    await everyClientHas(written, 'every edit at every client after the failover');
    await waitFor(() => clients.every((c) => sv(c.doc) === sv(clients[0].doc)), 'identical documents', 20_000);
    await waitFor(async () => {
      const stored = await storedLabels(env!.schema.url, room);
      return written.every((l) => stored.has(l));
    }, 'PostgreSQL to hold every edit', 20_000);
  }, 240_000);

  it('Redis restarted without its data under load: nodes keep serving, then every edit reaches every node', async () => {
    env = await clusterEnv();
    nodes = await startInProcessCluster(env, 3);
    const { projectId, taskId } = await nodes[0].createProjectWithTask();
    const room = `task:${taskId}`;
    const { token } = await nodes[0].addMember(projectId, 'annotator', 'ana');
    const home = [0, 1, 2, 0, 1, 2];
    for (const n of home) clients.push(connectClient(nodes[n].wsUrl, room, token));
    await Promise.all(clients.map((c) => c.synced(20_000)));

    const written: string[] = [];
    for (let r = 0; r < 2; r++) {
      written.push(...writeRound(r));
      await everyClientHas(written, `round ${r} everywhere`);
    }
    // Writes right before the crash: some may sit in Redis unread when it dies.
    written.push(...writeRound(2));
    await restartRedis(async () => {
      // Redis is down. Each node still serves its own clients: the two clients of a node see
      // each other's new edits.
      const round = writeRound(3);
      written.push(...round);
      await waitFor(
        () => clients.every((c, i) => labels(c.doc).has(round[(i + 3) % 6])),
        'clients of the same node to see each other while Redis is down',
        20_000,
      );
    });
    for (let r = 4; r < 6; r++) written.push(...writeRound(r));
    await everyClientHas(written, 'every edit at every client after Redis returned');
    await waitFor(() => clients.every((c) => sv(c.doc) === sv(clients[0].doc)), 'identical documents', 20_000);
    await waitFor(async () => {
      const stored = await storedLabels(env!.schema.url, room);
      return written.every((l) => stored.has(l));
    }, 'PostgreSQL to hold every edit', 20_000);
  }, 240_000);
});
