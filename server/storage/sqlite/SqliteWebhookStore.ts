// Webhooks and their delivery queue in SQLite (one node: claims only guard against a CLI or a
// second process on the same file). Own connection, like the meta and doc stores.
import { ErrorCode, TandemError } from '../../../shared/protocol/errors';
import { newId, type ProjectId } from '../../../shared/schema/ids';
import { DELIVERY_COLUMNS, recipients, toDelivery, toDue, toWebhook, type DeliveryRow, type WebhookRow } from '../webhookRows';
import type { Delivery, DeliveryState, DueDelivery, Webhook, WebhookEvent, WebhookStore } from '../webhookTypes';
import { openSqlite, type SqliteDb } from './openSqlite';

export class SqliteWebhookStore implements WebhookStore {
  private closed = false;

  private constructor(private readonly db: SqliteDb) {}

  static open(file: string): SqliteWebhookStore {
    return new SqliteWebhookStore(openSqlite(file));
  }

  async createWebhook(input: { projectId: ProjectId; url: string; secret: string; events: WebhookEvent[]; createdBy: string }): Promise<Webhook> {
    const hook = { id: newId(), ...input, createdAt: Date.now() } as Webhook;
    try {
      this.live().prepare('INSERT INTO webhooks (id, project_id, url, secret, events, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(hook.id, hook.projectId, hook.url, hook.secret, JSON.stringify(hook.events), hook.createdBy, hook.createdAt);
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw new TandemError(ErrorCode.NotFound, 'no such project', { cause: e });
      throw e;
    }
    return hook;
  }

  async listWebhooks(projectId: ProjectId): Promise<Webhook[]> {
    const rows = this.live().prepare('SELECT * FROM webhooks WHERE project_id = ? ORDER BY created_at, id').all(projectId) as WebhookRow[];
    return rows.map(toWebhook);
  }

  async deleteWebhook(projectId: ProjectId, id: string): Promise<void> {
    const r = this.live().prepare('DELETE FROM webhooks WHERE project_id = ? AND id = ?').run(projectId, id);
    if (r.changes === 0) throw new TandemError(ErrorCode.NotFound, 'no such webhook');
  }

  async enqueue(input: { projectId: ProjectId; event: WebhookEvent; key: string; at: number; payload: string; hookId?: string }): Promise<number> {
    const db = this.live();
    const insert = db.prepare(
      'INSERT INTO webhook_deliveries (id, hook_id, key, event, payload, next_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (hook_id, key) DO NOTHING',
    );
    const now = Date.now();
    return db.transaction(() => {
      const hooks = (db.prepare('SELECT * FROM webhooks WHERE project_id = ?').all(input.projectId) as WebhookRow[]).map(toWebhook);
      let queued = 0;
      for (const h of recipients(hooks, input.event, input.at, input.hookId)) queued += insert.run(newId(), h.id, input.key, input.event, input.payload, now, now).changes;
      return queued;
    }).immediate();
  }

  async claimDue(now: number, leaseMs: number): Promise<DueDelivery | null> {
    const db = this.live();
    return db.transaction(() => {
      const row = db.prepare(
        `SELECT ${DELIVERY_COLUMNS.split(', ').map((c) => `d.${c}`).join(', ')}, w.url, w.secret FROM webhook_deliveries d JOIN webhooks w ON w.id = d.hook_id
         WHERE d.state = 'pending' AND d.next_at <= ? AND d.claimed_until <= ? ORDER BY d.next_at, d.created_at, d.id LIMIT 1`,
      ).get(now, now) as DeliveryRow | undefined;
      if (!row) return null;
      db.prepare('UPDATE webhook_deliveries SET claimed_until = ? WHERE id = ?').run(now + leaseMs, row.id);
      return toDue(row);
    }).immediate();
  }

  async finishAttempt(id: string, o: { state: DeliveryState; status: number | null; error: string | null; retryAt?: number; at: number }): Promise<void> {
    this.live().prepare(
      `UPDATE webhook_deliveries SET state = ?, attempts = attempts + 1, last_status = ?, last_error = ?, next_at = COALESCE(?, next_at),
       claimed_until = 0, delivered_at = ? WHERE id = ?`,
    ).run(o.state, o.status, o.error, o.retryAt ?? null, o.state === 'delivered' ? o.at : null, id);
  }

  async listDeliveries(hookId: string, limit: number): Promise<Delivery[]> {
    const rows = this.live().prepare(`SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE hook_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`).all(hookId, limit) as DeliveryRow[];
    return rows.map(toDelivery);
  }

  async prune(before: number): Promise<number> {
    return this.live().prepare("DELETE FROM webhook_deliveries WHERE state <> 'pending' AND created_at < ?").run(before).changes;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private live(): SqliteDb {
    if (this.closed) throw new TandemError(ErrorCode.Unavailable, 'the webhook store is closed');
    return this.db;
  }
}
