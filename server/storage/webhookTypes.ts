// The webhook part of the storage contract: a project's webhooks and the durable queue of their
// deliveries (server/webhooks). Every node of a cluster shares it: an event enqueued twice (two
// nodes saw the same status change) is one delivery, and a delivery is sent by the one node that
// claimed it. Checked on both backends by tests/integration/webhookStoreContract.ts.
import type { ProjectId, UserId } from '../../shared/schema/ids';

/** What a webhook is told about: a task's status changed, an image was uploaded or deleted, a
 *  comment was written, an image was flagged, a pre-labelling run of the project ended. `ping`:
 *  the owner's "Send a test" (always delivered). */
export const ToldEvents = ['task.status', 'task.created', 'task.deleted', 'comment.created', 'task.flagged', 'task.unflagged', 'prelabel.finished', 'object.reviewed'] as const;
export const WebhookEvents = [...ToldEvents, 'ping'] as const;
export type WebhookEvent = (typeof WebhookEvents)[number];

export interface Webhook {
  id: string;
  projectId: ProjectId;
  /** http(s) URL the events are POSTed to. */
  url: string;
  /** HMAC-SHA256 key of the `X-Tandem-Signature` header. */
  secret: string;
  /** Events it takes (`ping` is always sent). */
  events: WebhookEvent[];
  createdBy: UserId;
  createdAt: number;
}

export type DeliveryState = 'pending' | 'delivered' | 'failed';

export interface Delivery {
  id: string;
  hookId: string;
  event: WebhookEvent;
  /** The JSON body, as sent. */
  payload: string;
  state: DeliveryState;
  attempts: number;
  /** When it is due (next attempt), epoch ms. */
  nextAt: number;
  /** HTTP status of the last attempt (null: no response: refused, timed out). */
  lastStatus: number | null;
  lastError: string | null;
  createdAt: number;
  deliveredAt: number | null;
}

/** A claimed delivery with where it goes. */
export interface DueDelivery extends Delivery {
  url: string;
  secret: string;
}

export interface WebhookStore {
  createWebhook(input: { projectId: ProjectId; url: string; secret: string; events: WebhookEvent[]; createdBy: UserId }): Promise<Webhook>;
  listWebhooks(projectId: ProjectId): Promise<Webhook[]>;
  /** `not_found` when the project has no such webhook. Its deliveries go with it. */
  deleteWebhook(projectId: ProjectId, id: string): Promise<void>;
  /**
   * Queues `payload` for every webhook of the project that takes `event` and existed at `at` (a
   * webhook is told about what happens after it was made, not about a room's old status found at
   * start). `key` names the occurrence: the same key queued again, by this node or another, adds
   * nothing. `hookId` limits it to one webhook (a ping). Resolves how many deliveries were queued.
   */
  enqueue(input: { projectId: ProjectId; event: WebhookEvent; key: string; at: number; payload: string; hookId?: string }): Promise<number>;
  /**
   * Takes the oldest delivery due at `now` (pending, next attempt passed, no other claim running)
   * and holds it for `leaseMs`: another node takes it only if this one dies before finishing.
   */
  claimDue(now: number, leaseMs: number): Promise<DueDelivery | null>;
  /** Records an attempt: delivered, or failed for good, or due again at `retryAt`. */
  finishAttempt(id: string, outcome: { state: DeliveryState; status: number | null; error: string | null; retryAt?: number; at: number }): Promise<void>;
  /** The webhook's latest deliveries, newest first. */
  listDeliveries(hookId: string, limit: number): Promise<Delivery[]>;
  /** Forgets deliveries made before `before` that are done with (delivered or failed); resolves how many. */
  prune(before: number): Promise<number>;
  close(): Promise<void>;
}
