// WorkerDirectory over the real Redis: a worker attached to node 1 is known on node 3 and answers a
// job sent from node 3; when node 1 goes away, node 3 forgets its workers. (Wiring it into the
// inference pool is the pool's part: server/cluster/CONTEXT.md, seam 3.)
import type { Socket as ClientSocket } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { RemoteWorkerLostError, WorkerDirectory, type AnnouncedWorker } from '../../server/cluster/WorkerDirectory';
import { createLogger } from '../../server/logger';
import { newId } from '../../shared/schema/ids';
import { holdRedisLock, useAdapterNodes } from '../helpers/clusterFixtures';
import { waitFor } from '../helpers/waitFor';

holdRedisLock();
const adapter = useAdapterNodes();
const log = createLogger({ level: 'silent' });

interface TestNode {
  url: string;
  directory: WorkerDirectory;
  close(): Promise<void>;
}

/** An adapter node with a WorkerDirectory announcing `local`; close() stops it first. */
async function node(nodeId: string, prefix: string, local: () => AnnouncedWorker[]): Promise<TestNode> {
  const n = await adapter.start(nodeId, prefix);
  const directory = new WorkerDirectory(n.io.of('/workers'), nodeId, local, log, { announceEveryMs: 200, expireMs: 1000 });
  directory.start();
  const close = async () => {
    directory.stop();
    await n.close();
  };
  adapter.defer(close);
  return { url: n.url, directory, close };
}

function workerClient(url: string): ClientSocket {
  const s = adapter.client(url, '/workers');
  s.on('worker:segment', (job: { clicks: number }, ack: (r: unknown) => void) => ack({ ok: true, data: { clicks: job.clicks, by: 'node-1 worker' } }));
  return s;
}

describe('WorkerDirectory', () => {
  it('a worker attached to node 1 answers a job from node 3, and is forgotten when node 1 goes away', async () => {
    const prefix = `tandem:test:${newId(8)}:`;
    let attached: ClientSocket | null = null;
    const n1 = await node('node-1', prefix, () =>
      attached?.id ? [{ socketId: attached.id, workerId: 'w1', models: ['graphcut'], capacity: 2, inFlight: 0, holds: ['task-a'] }] : [],
    );
    await node('node-2', prefix, () => []);
    const n3 = await node('node-3', prefix, () => []);
    const w = workerClient(n1.url);
    await waitFor(() => w.connected, 'the worker to connect to node 1', 10_000);
    attached = w;
    n1.directory.announce();

    await waitFor(() => n3.directory.remote().some((r) => r.socketId === w.id), 'node 3 to learn about the worker', 10_000);
    const [remote] = n3.directory.remote();
    expect(remote).toMatchObject({ nodeId: 'node-1', workerId: 'w1', models: ['graphcut'], holds: ['task-a'] });

    expect(await n3.directory.run(remote.socketId, 'worker:segment', { clicks: 3 }, 5000)).toEqual({ ok: true, data: { clicks: 3, by: 'node-1 worker' } });

    await n1.close();
    await waitFor(() => n3.directory.remote().length === 0, 'node 3 to forget node 1 workers', 10_000);
    await expect(n3.directory.run(remote.socketId, 'worker:segment', { clicks: 1 }, 1000)).rejects.toBeInstanceOf(RemoteWorkerLostError);
  });
});
