// Webhooks and their delivery queue on PostgreSQL, shared by every node: `claimDue` takes a row
// with FOR UPDATE SKIP LOCKED, so two nodes never send the same delivery at once, and a lease
// (claimed_until) hands it to another node if the claimer dies mid-attempt.
import type { Pool } from 'pg';
import { ErrorCode, TandemError } from '../../../shared/protocol/errors';
import { newId, type ProjectId } from '../../../shared/schema/ids';
import { DELIVERY_COLUMNS, recipients, toDelivery, toDue, toWebhook, type DeliveryRow, type WebhookRow } from '../webhookRows';
import type { Delivery, DeliveryState, DueDelivery, Webhook, WebhookEvent, WebhookStore } from '../webhookTypes';
import { inTransaction } from './transaction';

export class PgWebhookStore implements WebhookStore {
  private closed = false;

  constructor(private readonly pool: Pool, private readonly onClose: () => Promise<void>) {}

  async createWebhook(input: { projectId: ProjectId; url: string; secret: string; events: WebhookEvent[]; createdBy: string }): Promise<Webhook> {
    const hook = { id: newId(), ...input, createdAt: Date.now() } as Webhook;
    try {
      await this.q('INSERT INTO webhooks (id, project_id, url, secret, events, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
        hook.id, hook.projectId, hook.url, hook.secret, JSON.stringify(hook.events), hook.createdBy, hook.createdAt,
      ]);
    } catch (e) {
      if ((e as { code?: string }).code === '23503') throw new TandemError(ErrorCode.NotFound, 'no such project', { cause: e });
      throw e;
    }
    return hook;
  }

  async listWebhooks(projectId: ProjectId): Promise<Webhook[]> {
    const r = await this.q<WebhookRow>('SELECT * FROM webhooks WHERE project_id = $1 ORDER BY created_at, id', [projectId]);
    return r.rows.map(toWebhook);
  }

  async deleteWebhook(projectId: ProjectId, id: string): Promise<void> {
    const r = await this.q('DELETE FROM webhooks WHERE project_id = $1 AND id = $2', [projectId, id]);
    if (r.rowCount === 0) throw new TandemError(ErrorCode.NotFound, 'no such webhook');
  }

  async enqueue(input: { projectId: ProjectId; event: WebhookEvent; key: string; at: number; payload: string; hookId?: string }): Promise<number> {
    const hooks = await this.listWebhooks(input.projectId);
    const now = Date.now();
    let queued = 0;
    for (const h of recipients(hooks, input.event, input.at, input.hookId)) {
      const r = await this.q(
        'INSERT INTO webhook_deliveries (id, hook_id, key, event, payload, next_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (hook_id, key) DO NOTHING',
        [newId(), h.id, input.key, input.event, input.payload, now, now],
      ).catch((e: unknown) => {
        if ((e as { code?: string }).code === '23503') return { rowCount: 0 }; // the webhook was deleted meanwhile
        throw e;
      });
      queued += r.rowCount ?? 0;
    }
    return queued;
  }

  async claimDue(now: number, leaseMs: number): Promise<DueDelivery | null> {
    this.live();
    return inTransaction(this.pool, async (c) => {
      const r = await c.query<DeliveryRow>(
        `SELECT ${DELIVERY_COLUMNS.split(', ').map((col) => `d.${col}`).join(', ')}, w.url, w.secret FROM webhook_deliveries d JOIN webhooks w ON w.id = d.hook_id
         WHERE d.state = 'pending' AND d.next_at <= $1 AND d.claimed_until <= $1 ORDER BY d.next_at, d.created_at, d.id LIMIT 1 FOR UPDATE OF d SKIP LOCKED`,
        [now],
      );
      const row = r.rows[0];
      if (!row) return null;
      await c.query('UPDATE webhook_deliveries SET claimed_until = $2 WHERE id = $1', [row.id, now + leaseMs]);
      return toDue(row);
    });
  }

  async finishAttempt(id: string, o: { state: DeliveryState; status: number | null; error: string | null; retryAt?: number; at: number }): Promise<void> {
    await this.q(
      `UPDATE webhook_deliveries SET state = $2, attempts = attempts + 1, last_status = $3, last_error = $4, next_at = COALESCE($5, next_at),
       claimed_until = 0, delivered_at = $6 WHERE id = $1`,
      [id, o.state, o.status, o.error, o.retryAt ?? null, o.state === 'delivered' ? o.at : null],
    );
  }

  async listDeliveries(hookId: string, limit: number): Promise<Delivery[]> {
    const r = await this.q<DeliveryRow>(`SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE hook_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, [hookId, limit]);
    return r.rows.map(toDelivery);
  }

  async prune(before: number): Promise<number> {
    return (await this.q("DELETE FROM webhook_deliveries WHERE state <> 'pending' AND created_at < $1", [before])).rowCount ?? 0;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.onClose();
  }

  private live(): void {
    if (this.closed) throw new TandemError(ErrorCode.Unavailable, 'the webhook store is closed');
  }

  private q<R extends object = Record<string, unknown>>(sql: string, params: unknown[] = []) {
    this.live();
    return this.pool.query<R>(sql, params);
  }
}
