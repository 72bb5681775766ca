// Webhooks on three nodes of one cluster (real PostgreSQL and Redis): every node serving the
// review room sees the status change and queues it, and the receiver is told once.
import { describe, expect, it } from 'vitest';
import { setTaskStatus } from '../../shared/schema/review';
import { useCluster } from '../helpers/clusterFixtures';
import { waitFor } from '../helpers/waitFor';
import { webhookReceiver } from '../helpers/webhookReceiver';

const cluster = useCluster();

describe('webhooks in a cluster', () => {
  it('a status change seen by three nodes is one delivery, sent once', async () => {
    const r = await webhookReceiver([200]);
    try {
      const nodes = await cluster.startInProcess(3);
      const { projectId, taskId } = await nodes[0].createProjectWithTask({ taskName: 'shared.png' });
      const hook = (await nodes[1].api('POST', `/api/projects/${projectId}/webhooks`, { url: r.url })).body;
      const rita = await nodes[0].addMember(projectId, 'reviewer', 'Rita');
      // The room is loaded on every node: each one sees the change and queues it.
      const clients = nodes.map((n) => cluster.connect(n.wsUrl, `review:${taskId}`, rita.token));
      await Promise.all(clients.map((c) => c.synced(20_000)));
      setTaskStatus(clients[2].doc, 'done', rita.userId);
      await waitFor(() => clients.every((c) => c.doc.getMap('task').get('status') === 'done'), 'every node has the change');
      await waitFor(() => r.got.length === 1, 'the change told');
      await new Promise((res) => setTimeout(res, 1500)); // time for a duplicate to show up, if any
      expect(r.got).toHaveLength(1);
      expect(JSON.parse(r.got[0].body).task).toMatchObject({ id: taskId, status: 'done' });
      const log = (await nodes[2].api('GET', `/api/projects/${projectId}/webhooks/${hook.id}/deliveries`)).body;
      expect(log.map((d: { state: string; attempts: number }) => [d.state, d.attempts])).toEqual([['delivered', 1]]);
    } finally {
      await r.close();
    }
  });
});
