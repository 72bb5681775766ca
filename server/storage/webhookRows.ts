// Webhook rows to objects, shared by the SQLite and PostgreSQL webhook stores (PostgreSQL returns
// BIGINT columns as strings, SQLite as numbers: both go through Number()).
import type { ProjectId, UserId } from '../../shared/schema/ids';
import { WebhookEvents, type Delivery, type DeliveryState, type DueDelivery, type Webhook, type WebhookEvent } from './webhookTypes';

export interface WebhookRow {
  id: string;
  project_id: string;
  url: string;
  secret: string;
  events: string;
  created_by: string;
  created_at: number | string;
}

export interface DeliveryRow {
  id: string;
  hook_id: string;
  event: string;
  payload: string;
  state: string;
  attempts: number | string;
  next_at: number | string;
  last_status: number | string | null;
  last_error: string | null;
  created_at: number | string;
  delivered_at: number | string | null;
  url?: string;
  secret?: string;
}

/** Every delivery column but the claim, in the order both stores select them. */
export const DELIVERY_COLUMNS = 'id, hook_id, event, payload, state, attempts, next_at, last_status, last_error, created_at, delivered_at';

export function toWebhook(r: WebhookRow): Webhook {
  const events = (JSON.parse(r.events) as string[]).filter((e): e is WebhookEvent => (WebhookEvents as readonly string[]).includes(e));
  return { id: r.id, projectId: r.project_id as ProjectId, url: r.url, secret: r.secret, events, createdBy: r.created_by as UserId, createdAt: Number(r.created_at) };
}

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

export function toDelivery(r: DeliveryRow): Delivery {
  return {
    id: r.id,
    hookId: r.hook_id,
    event: r.event as WebhookEvent,
    payload: r.payload,
    state: r.state as DeliveryState,
    attempts: Number(r.attempts),
    nextAt: Number(r.next_at),
    lastStatus: num(r.last_status),
    lastError: r.last_error,
    createdAt: Number(r.created_at),
    deliveredAt: num(r.delivered_at),
  };
}

export function toDue(r: DeliveryRow): DueDelivery {
  return { ...toDelivery(r), url: r.url ?? '', secret: r.secret ?? '' };
}

/** The webhooks of `hooks` that an event at `at` goes to (or the one named). */
export function recipients(hooks: Webhook[], event: WebhookEvent, at: number, hookId?: string): Webhook[] {
  if (hookId) return hooks.filter((h) => h.id === hookId);
  return hooks.filter((h) => h.events.includes(event) && h.createdAt <= at);
}
