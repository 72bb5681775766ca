// Sends queued webhook deliveries: claims one due delivery at a time from the shared queue
// (storage.hooks), POSTs its JSON with an HMAC signature, and records the outcome; a failure
// (no answer within the timeout, or a status other than 2xx) is tried again later, up to
// RETRY_DELAYS_MS.length + 1 attempts, then marked failed. The queue is durable: a delivery
// queued before a crash or a restart is sent after it, by whichever node claims it first.
import crypto from 'node:crypto';
import type { Logger } from '../logger';
import type { DueDelivery, WebhookStore } from '../storage/webhookTypes';
import { post } from './post';
import { coalesced } from '../../shared/async/coalesced';

/** How long the log keeps a delivery that is done with (delivered or failed). */
export const KEEP_DELIVERIES_MS = 30 * 24 * 3600_000;
/** How often that is looked at. */
const PRUNE_EVERY_MS = 3600_000;

/** Waits between attempts: 10 s, 1 min, 5 min, 30 min, 2 h (six attempts over ~2.6 h). */
export const RETRY_DELAYS_MS = [10_000, 60_000, 300_000, 1_800_000, 7_200_000];

export interface DelivererOptions {
  /** How often the queue is looked at when nothing kicks it (ms). */
  pollMs?: number;
  /** How long a receiver has to answer (ms). */
  timeoutMs?: number;
  retryDelaysMs?: readonly number[];
  /** How long a claim holds a delivery from other nodes (longer than an attempt can take). */
  leaseMs?: number;
  /** Receivers at private addresses allowed (server/net/privateAddress.ts; `WEBHOOK_ALLOW_PRIVATE`). */
  allowPrivate?: boolean;
}

/** `sha256=<hex HMAC-SHA256 of the body>`, GitHub's form: receivers check it with the webhook's secret. */
export function signature(secret: string, body: string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(body).digest('hex')}`;
}

export class Deliverer {
  private timer: ReturnType<typeof setInterval> | null = null;
  /** One drain at a time; a kick meanwhile drains once more after it. */
  private readonly drainer = coalesced(() => this.drain(), (err) => this.log.warn({ err }, 'webhook queue could not be read; trying again at the next poll'), () => this.stopped);
  private stopped = false;
  /** Aborts attempts in flight at shutdown (their claim lapses and they are sent again later). */
  private readonly halt = new AbortController();
  /** When old deliveries were last forgotten. */
  private prunedAt = 0;
  private readonly pollMs: number;
  private readonly timeoutMs: number;
  private readonly delays: readonly number[];
  private readonly leaseMs: number;
  readonly allowPrivate: boolean;

  constructor(private readonly store: WebhookStore, private readonly log: Logger, opts: DelivererOptions = {}) {
    this.pollMs = opts.pollMs ?? 5000;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.delays = opts.retryDelaysMs ?? RETRY_DELAYS_MS;
    this.leaseMs = opts.leaseMs ?? this.timeoutMs + 20_000;
    this.allowPrivate = opts.allowPrivate ?? false;
  }

  start(): void {
    this.timer ??= setInterval(() => this.kick(), this.pollMs);
    this.timer.unref?.();
    this.kick();
  }

  /** Something was queued: send it now rather than at the next poll. */
  kick(): void {
    if (this.stopped) return;
    void this.drainer();
  }

  /** Resolves once nothing is being sent (tests, shutdown). */
  async idle(): Promise<void> {
    await this.drainer.idle();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.halt.abort();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.idle();
  }

  private async drain(): Promise<void> {
    if (Date.now() - this.prunedAt > PRUNE_EVERY_MS) {
      this.prunedAt = Date.now();
      const n = await this.store.prune(Date.now() - KEEP_DELIVERIES_MS);
      if (n) this.log.info({ deliveries: n }, 'webhook deliveries older than 30 days forgotten');
    }
    for (let d = await this.store.claimDue(Date.now(), this.leaseMs); d && !this.stopped; d = await this.store.claimDue(Date.now(), this.leaseMs)) {
      await this.attempt(d);
    }
  }

  private async attempt(d: DueDelivery): Promise<void> {
    let status: number | null = null;
    let error: string | null = null;
    try {
      status = await post(
        d.url,
        {
          'content-type': 'application/json',
          'user-agent': 'Tandem-Webhook',
          'x-tandem-event': d.event,
          'x-tandem-delivery': d.id,
          'x-tandem-signature': signature(d.secret, d.payload),
        },
        d.payload,
        { signal: AbortSignal.any([AbortSignal.timeout(this.timeoutMs), this.halt.signal]), reach: { allowPrivate: this.allowPrivate, setting: 'WEBHOOK_ALLOW_PRIVATE' } },
      );
      if (status < 200 || status >= 300) error = `HTTP ${status}`;
    } catch (e) {
      // Shutting down: not an attempt the receiver failed. The claim lapses and whichever node
      // runs next sends it again.
      if (this.stopped) return;
      // The socket's code (ECONNREFUSED, ENOTFOUND, EPRIVATE: refused, server/net/privateAddress.ts) says why.
      const err = e as Error & { code?: string };
      error = err.name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : err.code === 'EPRIVATE' ? `EPRIVATE: ${err.message}` : (err.code ?? err.message);
    }
    const at = Date.now();
    if (error === null) {
      await this.store.finishAttempt(d.id, { state: 'delivered', status, error, at });
      return;
    }
    const delay = this.delays[d.attempts];
    const state = delay === undefined ? 'failed' : 'pending';
    this.log.warn({ delivery: d.id, hook: d.hookId, status, error, attempt: d.attempts + 1, final: state === 'failed' }, 'webhook delivery failed');
    await this.store.finishAttempt(d.id, { state, status, error, at, ...(delay === undefined ? {} : { retryAt: at + delay }) });
  }
}
