// Several Tandem nodes on the real PostgreSQL and Redis: the stock y-websocket clients of one task,
// spread over three nodes, converge under the seeded schema fuzz, and what they wrote is in
// PostgreSQL. (Crashes and Redis restarts: cluster.failover.test.ts.)
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { listObjects } from '../../shared/schema/annotation';
import { assertConverged, createFuzzClient, FUZZ_IMAGE, randomOperation } from '../../shared/schema/fuzz';
import { createPrng } from '../../shared/schema/prng';
import { storedDoc } from '../helpers/cluster';
import { useCluster } from '../helpers/clusterFixtures';
import { makeImage } from '../helpers/images';
import type { TestServer } from '../helpers/testServer';
import { waitFor } from '../helpers/waitFor';

const cluster = useCluster();

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

describe('three nodes, one task', () => {
  it.each([1, 2])('clients spread over three nodes converge under the seeded fuzz (seed %i), and PostgreSQL holds the result', async (seed) => {
    const nodes = await cluster.startInProcess(3);
    const { projectId, taskId } = await fuzzTask(nodes[0]);
    const room = `task:${taskId}`;
    const perNode = 2;
    for (let i = 0; i < nodes.length * perNode; i++) {
      const node = nodes[i % nodes.length];
      const { token } = await node.addMember(projectId, 'annotator', `annotator-${i}`);
      cluster.connect(node.wsUrl, room, token);
    }
    const clients = cluster.clients;
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
    await waitFor(async () => converged([docs[0], await storedDoc(cluster.env!.schema.url, room)], 'stored'), 'PostgreSQL to hold every update', 20_000);
    assertConverged([docs[0], await storedDoc(cluster.env!.schema.url, room)], `seed ${seed} stored`);
  });

  it('a client joining any node later gets the whole document', async () => {
    const nodes = await cluster.startInProcess(3);
    const { projectId, taskId } = await fuzzTask(nodes[1]);
    const room = `task:${taskId}`;
    const { token } = await nodes[0].addMember(projectId, 'annotator', 'ana');
    const writer = cluster.connect(nodes[0].wsUrl, room, token);
    await writer.synced();
    const fuzz = createFuzzClient(writer.doc, 'ana');
    const rng = createPrng(7);
    for (let i = 0; i < 30; i++) randomOperation(rng, fuzz);
    for (const node of [nodes[1], nodes[2]]) {
      const late = cluster.connect(node.wsUrl, room, token);
      await late.synced();
      await waitFor(() => converged([writer.doc, late.doc], 'late joiner'), 'the late client to catch up', 20_000);
      assertConverged([writer.doc, late.doc], 'late joiner');
    }
  });
});

describe('access changes on two nodes', () => {
  it("taking a member out or deleting the task on one node closes the sockets on the other", async () => {
    const [a, b] = await cluster.startInProcess(2);
    const { projectId, taskId } = await a.createProjectWithTask();
    const cara = await a.addMember(projectId, 'annotator', 'Cara');
    const hers = cluster.connect(b.wsUrl, `task:${taskId}`, cara.token);
    const admins = cluster.connect(b.wsUrl, `review:${taskId}`, b.adminToken);
    await Promise.all([hers.synced(20_000), admins.synced(20_000)]);

    const removed = await a.api('DELETE', `/api/projects/${projectId}/members/${cara.userId}`);
    expect(removed.body).toEqual({ removed: cara.userId, closedConnections: 0 }); // none on node a
    await waitFor(() => hers.closes.some((c) => c.code === 4403), 'her socket on node b closed', 15_000);

    // Node b's room has a write in flight when the task goes: its last append may land after node
    // a deleted the rows, and node b deletes what it left once it has dropped the room.
    admins.doc.getMap('m').set('last words', 1);
    expect((await a.api('DELETE', `/api/tasks/${taskId}?force=true`)).status).toBe(200);
    await waitFor(() => admins.closes.some((c) => c.code === 4404), 'the review room on node b dropped', 15_000);
    await waitFor(async () => (await b.server.storage.docs.logLength(`review:${taskId}`)) === 0, 'no rows left of the review room', 15_000);
    expect(b.server.sync.loadedRooms()).not.toContain(`review:${taskId}`);
  });
});
