// socket.io across nodes through installIoAdapter (@socket.io/redis-streams-adapter on the real
// Redis): what the inference pool needs to let a worker attached to one node serve a client of
// another: see the socket of the other node, send it a job and get its acknowledgement back, and
// reach the other nodes' servers.
import { describe, expect, it } from 'vitest';
import { newId } from '../../shared/schema/ids';
import { holdRedisLock, useAdapterNodes } from '../helpers/clusterFixtures';
import { waitFor } from '../helpers/waitFor';

holdRedisLock();
const adapter = useAdapterNodes();
const node = (nodeId: string, prefix: string) => adapter.start(nodeId, prefix);

describe('socket.io over the Redis Streams adapter', () => {
  it('node 3 sees a worker socket of node 1, sends it a job and gets its answer', async () => {
    const prefix = `tandem:test:${newId(8)}:`;
    const [n1, , n3] = [await node('n1', prefix), await node('n2', prefix), await node('n3', prefix)];
    for (const n of [n1, n3]) n.io.of('/workers'); // the namespace exists on every node
    const worker = adapter.client(n1.url, '/workers');
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
