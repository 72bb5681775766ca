// Failures of a cluster on the real PostgreSQL and Redis: a node SIGKILLed while its clients write
// (they move to another node, as behind a load balancer) and Redis restarted without its data under
// load. In both, every edit any client made ends up at every client and in PostgreSQL.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createObject, listObjects } from '../../shared/schema/annotation';
import { restartRedis, storedDoc } from '../helpers/cluster';
import { useCluster } from '../helpers/clusterFixtures';
import { makeImage } from '../helpers/images';
import { makeApi } from '../helpers/testServer';
import { connectClient } from '../helpers/yclient';
import { waitFor } from '../helpers/waitFor';

const cluster = useCluster();
const clients = cluster.clients;

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

const storedLabels = async (url: string, room: string) => labels(await storedDoc(url, room));

/** Client i lives on node home[i]: two clients per node. */
const home = [0, 1, 2, 0, 1, 2];

/**
 * Every client on its home node, then `rounds` rounds of writes, each awaited everywhere; returns
 * the labels written.
 */
async function connectAndWrite(nodes: Array<{ wsUrl: string }>, room: string, token: string, rounds: number): Promise<string[]> {
  for (const n of home) cluster.connect(nodes[n].wsUrl, room, token);
  await Promise.all(clients.map((c) => c.synced(20_000)));
  const written: string[] = [];
  for (let r = 0; r < rounds; r++) {
    written.push(...writeRound(r));
    await everyClientHas(written, `round ${r} everywhere`);
  }
  return written;
}

/** Every client has every label and the same document, and PostgreSQL holds every label. */
async function everythingEverywhere(written: string[], room: string, what: string): Promise<void> {
  await everyClientHas(written, `every edit at every client ${what}`);
  await waitFor(() => clients.every((c) => sv(c.doc) === sv(clients[0].doc)), 'identical documents', 20_000);
  await waitFor(async () => {
    const stored = await storedLabels(cluster.env!.schema.url, room);
    return written.every((l) => stored.has(l));
  }, 'PostgreSQL to hold every edit', 20_000);
}

describe('cluster failures', () => {
  it('SIGKILL one node while its clients write: they reconnect to another node and nothing is lost', async () => {
    const procs = await cluster.startProcesses(3);
    const api = makeApi(procs[0].url, procs[0].adminToken);
    const project = await api('POST', '/api/projects', { name: 'failover', labels: [] });
    const task = await api('POST', `/api/projects/${project.body.id}/tasks?name=a.png`, await makeImage(32, 24, 'png'), undefined, { 'content-type': 'image/png' });
    const member = await api('POST', `/api/projects/${project.body.id}/members`, { name: 'ana', role: 'annotator' });
    expect([project.status, task.status, member.status]).toEqual([201, 201, 201]);
    const room = `task:${task.body.id}`;
    const token = member.body.token as string;
    const written = await connectAndWrite(procs, room, token, 4);
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
    await everythingEverywhere(written, room, 'after the failover');
  }, 240_000);

  it('Redis restarted without its data under load: nodes keep serving, then every edit reaches every node', async () => {
    const nodes = await cluster.startInProcess(3);
    const { projectId, taskId } = await nodes[0].createProjectWithTask();
    const room = `task:${taskId}`;
    const { token } = await nodes[0].addMember(projectId, 'annotator', 'ana');
    const written = await connectAndWrite(nodes, room, token, 2);
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
    await everythingEverywhere(written, room, 'after Redis returned');
  }, 240_000);
});
