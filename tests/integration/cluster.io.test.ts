// socket.io across nodes through installIoAdapter (@socket.io/redis-streams-adapter on the real
// Redis): what the inference pool needs to let a worker attached to one node serve a client of
// another: see the socket of the other node, send it a job and get its acknowledgement back, and
// reach the other nodes' servers.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server as IoServer } from 'socket.io';
import { io as ioClient, type Socket as ClientSocket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { installIoAdapter } from '../../server/cluster/ioAdapter';
import { loadConfig } from '../../server/config';
import { createLogger } from '../../server/logger';
import { newId } from '../../shared/schema/ids';
import { waitFor } from '../helpers/waitFor';
import { acquireRedisLock, REDIS_URL } from './cluster.support';

// Redis restarts in other cluster files must not happen under this one (see acquireRedisLock).
let releaseRedis: () => void = () => {};
beforeAll(async () => {
  releaseRedis = await acquireRedisLock();
}, 600_000);
afterAll(() => releaseRedis());

const log = createLogger({ level: 'silent' });
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function node(nodeId: string, prefix: string): Promise<{ io: IoServer; url: string }> {
  const server = http.createServer();
  const io = new IoServer(server);
  const close = await installIoAdapter(io, loadConfig({ REDIS_URL, REDIS_KEY_PREFIX: prefix, NODE_ID: nodeId }), log);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(async () => {
    await new Promise<void>((r) => io.close(() => r()));
    await close();
  });
  return { io, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function client(url: string, nsp: string): ClientSocket {
  const s = ioClient(url + nsp, { transports: ['websocket'], reconnection: false });
  cleanups.push(async () => void s.disconnect());
  return s;
}

describe('socket.io over the Redis Streams adapter', () => {
  it('node 3 sees a worker socket of node 1, sends it a job and gets its answer', async () => {
    const prefix = `tandem:test:${newId(8)}:`;
    const [n1, , n3] = [await node('n1', prefix), await node('n2', prefix), await node('n3', prefix)];
    for (const n of [n1, n3]) n.io.of('/workers'); // the namespace exists on every node
    const worker = client(n1.url, '/workers');
    worker.on('job', (job: { x: number }, ack: (r: unknown) => void) => ack({ ok: true, data: { y: job.x * 2 } }));
    await waitFor(() => worker.connected, 'the worker to connect to node 1', 10_000);

    // Membership: node 3 finds the socket attached to node 1.
    let ids: string[] = [];
    await waitFor(async () => {
      ids = (await n3.io.of('/workers').fetchSockets()).map((s) => s.id);
      return ids.includes(worker.id!);
    }, 'node 3 to see the worker of node 1', 15_000);

    // A job from node 3 to that socket, acknowledged through node 1.
    const answers = await n3.io.of('/workers').to(worker.id!).timeout(5000).emitWithAck('job', { x: 21 });
    expect(answers).toEqual([{ ok: true, data: { y: 42 } }]);
  });

  it('serverSideEmit reaches the other nodes and collects their answers', async () => {
    const prefix = `tandem:test:${newId(8)}:`;
    const nodes = [await node('a', prefix), await node('b', prefix), await node('c', prefix)];
    nodes.forEach((n, i) =>
      n.io.of('/workers').on('tandem:who', (cb: (r: string) => void) => cb(`node-${i}`)),
    );
    // Heartbeats tell each node how many others to wait for; until then serverCount is short.
    await waitFor(async () => (await nodes[0].io.of('/workers').adapter.serverCount()) === 3, 'three nodes to see each other', 20_000);
    const replies: string[] = await nodes[0].io.of('/workers').serverSideEmitWithAck('tandem:who');
    expect([...replies].sort()).toEqual(['node-1', 'node-2']);
  });
});
