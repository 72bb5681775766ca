// Several Tandem nodes on the real PostgreSQL and Redis: the stock y-websocket clients of one task,
// spread over three nodes, converge under the seeded schema fuzz, and what they wrote is in
// PostgreSQL. (Crashes and Redis restarts: cluster.failover.test.ts.)
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { loadConfig } from '../../server/config';
import { createLogger } from '../../server/logger';
import { openPostgresStores } from '../../server/storage/postgres/openPostgres';
import { listObjects } from '../../shared/schema/annotation';
import { assertConverged, createFuzzClient, FUZZ_IMAGE, randomOperation } from '../../shared/schema/fuzz';
import { createPrng } from '../../shared/schema/prng';
import { makeImage } from '../helpers/images';
import type { TestServer } from '../helpers/testServer';
import { connectClient, type YClient } from '../helpers/yclient';
import { waitFor } from '../helpers/waitFor';
import { acquireRedisLock, clusterEnv, startInProcessCluster, type ClusterEnv } from './cluster.support';

// Redis restarts in other cluster files must not happen under this one (see acquireRedisLock).
let releaseRedis: () => void = () => {};
beforeAll(async () => {
  releaseRedis = await acquireRedisLock();
}, 600_000);
afterAll(() => releaseRedis());

let env: ClusterEnv | null = null;
let nodes: TestServer[] = [];
let clients: YClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  for (const n of nodes.splice(0)) await n.close();
  await env?.cleanup();
  env = null;
});

/** The fuzz writes masks of the fuzz image size, so the task's image has that size. */
const fuzzTask = async (node: TestServer) => node.createProjectWithTask({ image: await makeImage(FUZZ_IMAGE.width, FUZZ_IMAGE.height, 'png') });
const sv = (doc: Y.Doc) => Buffer.from(Y.encodeStateVector(doc)).toString('base64');
/**
 * Equal state vectors do not mean equal documents: a deletion changes only the delete set, so it
 * can still be in flight. Converged = same state vector and the same objects.
 */
const converged = (docs: Y.Doc[], what: string) => {
  if (!docs.every((d) => sv(d) === sv(docs[0]))) return false;
  try {
    assertConverged(docs, what);
    return true;
  } catch {
    return false;
  }
};

/** The room as PostgreSQL holds it, replayed into a fresh document. */
async function storedDoc(url: string, room: string): Promise<Y.Doc> {
  const { meta, docs } = await openPostgresStores(loadConfig({ DATABASE_URL: url }), createLogger({ level: 'silent' }));
  try {
    const doc = new Y.Doc();
    for (const u of (await docs.load(room)).updates) Y.applyUpdate(doc, u);
    return doc;
  } finally {
    await docs.close();
    await meta.close();
  }
}

describe('three nodes, one task', () => {
  it.each([1, 2])('clients spread over three nodes converge under the seeded fuzz (seed %i), and PostgreSQL holds the result', async (seed) => {
    env = await clusterEnv();
    nodes = await startInProcessCluster(env, 3);
    const { projectId, taskId } = await fuzzTask(nodes[0]);
    const room = `task:${taskId}`;
    const perNode = 2;
    for (let i = 0; i < nodes.length * perNode; i++) {
      const node = nodes[i % nodes.length];
      const { token } = await node.addMember(projectId, 'annotator', `annotator-${i}`);
      clients.push(connectClient(node.wsUrl, room, token));
    }
    await Promise.all(clients.map((c) => c.synced(20_000)));

    const rng = createPrng(seed);
    const fuzz = clients.map((c, i) => createFuzzClient(c.doc, `annotator-${i}`));
    const steps = 150;
    for (let s = 0; s < steps; s++) {
      randomOperation(rng, rng.pick(fuzz));
      // Let sockets and the bus run between bursts of edits, so edits interleave with deliveries
      // from other nodes instead of all landing before the first one arrives.
      if (rng.chance(0.3)) await new Promise((r) => setImmediate(r));
    }

    const docs = clients.map((c) => c.doc);
    await waitFor(() => converged(docs, `seed ${seed}`), 'every client to reach the same state', 30_000);
    assertConverged(docs, `seed ${seed}`);
    expect(listObjects(docs[0]).length).toBeGreaterThan(0);

    // Durable: each node appended what its own clients sent, so PostgreSQL has the whole document.
    await waitFor(async () => converged([docs[0], await storedDoc(env!.schema.url, room)], 'stored'), 'PostgreSQL to hold every update', 20_000);
    assertConverged([docs[0], await storedDoc(env.schema.url, room)], `seed ${seed} stored`);
  });

  it('a client joining any node later gets the whole document', async () => {
    env = await clusterEnv();
    nodes = await startInProcessCluster(env, 3);
    const { projectId, taskId } = await fuzzTask(nodes[1]);
    const room = `task:${taskId}`;
    const { token } = await nodes[0].addMember(projectId, 'annotator', 'ana');
    const writer = connectClient(nodes[0].wsUrl, room, token);
    clients.push(writer);
    await writer.synced();
    const fuzz = createFuzzClient(writer.doc, 'ana');
    const rng = createPrng(7);
    for (let i = 0; i < 30; i++) randomOperation(rng, fuzz);
    for (const node of [nodes[1], nodes[2]]) {
      const late = connectClient(node.wsUrl, room, token);
      clients.push(late);
      await late.synced();
      await waitFor(() => converged([writer.doc, late.doc], 'late joiner'), 'the late client to catch up', 20_000);
      assertConverged([writer.doc, late.doc], 'late joiner');
    }
  });
});
