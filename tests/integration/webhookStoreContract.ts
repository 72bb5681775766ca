// The webhook store contract (server/storage/webhookTypes.ts), run on SQLite and PostgreSQL by
// their storage test files: a project's webhooks, a queue where the same occurrence is delivered
// once, claims that hand a delivery to one sender at a time, retries and the delivery log.
import { describe, expect, it } from 'vitest';
import type { MetaStore } from '../../server/storage/types';
import type { WebhookStore } from '../../server/storage/webhookTypes';
import { backendProjects } from '../helpers/backendProject';

export interface WebhookBackend {
  meta: MetaStore;
  hooks: WebhookStore;
  cleanup(): Promise<void>;
}

export function webhookStoreContract(name: string, factory: () => Promise<WebhookBackend>): void {
  describe(`webhook store contract: ${name}`, () => {
    const project = backendProjects(factory);

    it('keeps webhooks per project; deleting one takes its deliveries along', async () => {
      const { hooks, meta, owner, projectId } = await project();
      const h = await hooks.createWebhook({ projectId, url: 'http://127.0.0.1:9/h', secret: 's3cret', events: ['task.status'], createdBy: owner.id });
      expect(await hooks.listWebhooks(projectId)).toEqual([h]);
      expect(h).toMatchObject({ url: 'http://127.0.0.1:9/h', secret: 's3cret', events: ['task.status'], createdBy: owner.id });
      await expect(hooks.createWebhook({ projectId: 'nope' as typeof projectId, url: 'http://x', secret: 's', events: [], createdBy: owner.id })).rejects.toMatchObject({ code: 'not_found' });
      await hooks.enqueue({ projectId, event: 'task.status', key: 'k1', at: Date.now(), payload: '{}' });
      await expect(hooks.deleteWebhook(projectId, 'nope')).rejects.toMatchObject({ code: 'not_found' });
      await hooks.deleteWebhook(projectId, h.id);
      expect(await hooks.listWebhooks(projectId)).toEqual([]);
      expect(await hooks.listDeliveries(h.id, 10)).toEqual([]);
      expect(await hooks.claimDue(Date.now() + 1, 1000)).toBeNull();
      // A project deleted takes its webhooks along.
      const again = await hooks.createWebhook({ projectId, url: 'http://x', secret: 's', events: ['task.status'], createdBy: owner.id });
      await meta.deleteProject(projectId);
      expect(await hooks.listWebhooks(projectId)).toEqual([]);
      expect(await hooks.listDeliveries(again.id, 10)).toEqual([]);
    });

    it('queues an occurrence once per webhook that takes it and existed then; ping goes to the one named', async () => {
      const { hooks, owner, projectId } = await project();
      const status = await hooks.createWebhook({ projectId, url: 'http://a', secret: 'a', events: ['task.status'], createdBy: owner.id });
      const other = await hooks.createWebhook({ projectId, url: 'http://b', secret: 'b', events: [], createdBy: owner.id });
      const now = Date.now();
      expect(await hooks.enqueue({ projectId, event: 'task.status', key: 'task1:done:5', at: now, payload: '{"n":1}' })).toBe(1);
      // The same occurrence again (another node saw it too): nothing more.
      expect(await hooks.enqueue({ projectId, event: 'task.status', key: 'task1:done:5', at: now, payload: '{"n":1}' })).toBe(0);
      // A status older than the webhook (an old room found at start): not for it.
      expect(await hooks.enqueue({ projectId, event: 'task.status', key: 'task2:done:1', at: status.createdAt - 1, payload: '{}' })).toBe(0);
      expect(await hooks.enqueue({ projectId, event: 'ping', key: 'ping1', at: now, payload: '{"ping":1}', hookId: other.id })).toBe(1);
      const [d] = await hooks.listDeliveries(status.id, 10);
      expect(d).toMatchObject({ hookId: status.id, event: 'task.status', payload: '{"n":1}', state: 'pending', attempts: 0, lastStatus: null, deliveredAt: null });
      expect((await hooks.listDeliveries(other.id, 10)).map((x) => x.event)).toEqual(['ping']);
    });

    it('hands a due delivery to one claimer at a time, again after its lease; records retries and the outcome', async () => {
      const { hooks, owner, projectId } = await project();
      const h = await hooks.createWebhook({ projectId, url: 'http://a/x', secret: 'k', events: ['task.status'], createdBy: owner.id });
      await hooks.enqueue({ projectId, event: 'task.status', key: 'e1', at: Date.now(), payload: '{"e":1}' });
      const t = Date.now() + 10;
      const claimed = await hooks.claimDue(t, 1000);
      expect(claimed).toMatchObject({ hookId: h.id, url: 'http://a/x', secret: 'k', payload: '{"e":1}' });
      expect(await hooks.claimDue(t + 1, 1000)).toBeNull(); // held by the first claimer
      expect((await hooks.claimDue(t + 1001, 1000))?.id).toBe(claimed!.id); // its lease ran out: the claimer died
      await hooks.finishAttempt(claimed!.id, { state: 'pending', status: 503, error: 'HTTP 503', retryAt: t + 5000, at: t + 1002 });
      expect(await hooks.claimDue(t + 4999, 1000)).toBeNull(); // not due yet
      const retry = await hooks.claimDue(t + 5000, 1000);
      expect(retry).toMatchObject({ id: claimed!.id, attempts: 1, lastStatus: 503, lastError: 'HTTP 503' });
      await hooks.finishAttempt(retry!.id, { state: 'delivered', status: 200, error: null, at: t + 5001 });
      expect(await hooks.claimDue(t + 100_000, 1000)).toBeNull();
      expect((await hooks.listDeliveries(h.id, 10))[0]).toMatchObject({ state: 'delivered', attempts: 2, lastStatus: 200, lastError: null, deliveredAt: t + 5001 });
    });

    it('lists the newest deliveries first, at most as many as asked', async () => {
      const { hooks, owner, projectId } = await project();
      const h = await hooks.createWebhook({ projectId, url: 'http://a', secret: 'k', events: ['task.status'], createdBy: owner.id });
      for (let i = 0; i < 3; i++) {
        await hooks.enqueue({ projectId, event: 'task.status', key: `e${i}`, at: Date.now(), payload: `{"i":${i}}` });
        await new Promise((r) => setTimeout(r, 3));
      }
      expect((await hooks.listDeliveries(h.id, 2)).map((d) => d.payload)).toEqual(['{"i":2}', '{"i":1}']);
      // Pruning forgets old deliveries that are done with, never one still to send.
      const d = await hooks.claimDue(Date.now() + 1, 1000);
      await hooks.finishAttempt(d!.id, { state: 'delivered', status: 200, error: null, at: Date.now() });
      expect(await hooks.prune(Date.now() + 1)).toBe(1);
      expect((await hooks.listDeliveries(h.id, 10)).map((x) => x.state)).toEqual(['pending', 'pending']);
    });
  });
}
