// Request lifecycle between the /inference namespace and the worker pool.
// Every request carries the full click list, so per (user, object) only the newest matters:
// - at most one job per key runs on a worker; a newer request waits as the key's single pending
//   request, and the running one is answered `stale` at once (its result is dropped on arrival);
// - a newer request replaces a pending one, which is answered `stale`;
// - every request has a deadline (`timeout`); a timed-out running job frees its worker slot;
// - a job whose worker disappears is retried once on another worker, else `worker_failed`.
// Every request is answered exactly once.
import { ErrorCode, isTandemError, TandemError } from '../../../shared/protocol/errors';
import type { Ack, WorkerJob, WorkerJobResult } from '../../../shared/protocol/inference';
import { newId } from '../../../shared/schema/ids';
import type { Logger } from '../../logger';
import { AbandonedError, WorkerLostError, type WorkerPool } from './WorkerPool';

export interface SchedRequest {
  /** Latest-wins key: `${userId}\u0000${objectId}`. */
  key: string;
  job: Omit<WorkerJob, 'jobId'>;
  reply(ack: Ack<WorkerJobResult>): void;
}

interface Entry {
  req: SchedRequest;
  jobId: string;
  done: boolean;
  released: boolean;
  timer: NodeJS.Timeout;
  attempts: number;
  tried: Set<string>;
  worker: string | null;
}

interface KeyState {
  running?: Entry;
  pending?: Entry;
}

export class Scheduler {
  private readonly keys = new Map<string, KeyState>();
  private readonly live = new Set<Entry>();
  private stopped = false;

  constructor(
    private readonly pool: WorkerPool,
    private readonly timeoutMs: number,
    private readonly log: Logger,
  ) {}

  submit(req: SchedRequest): void {
    if (this.stopped) {
      req.reply({ ok: false, error: { code: ErrorCode.Unavailable, message: 'inference is shutting down' } });
      return;
    }
    const e: Entry = {
      req,
      jobId: newId(12),
      done: false,
      released: false,
      attempts: 0,
      tried: new Set(),
      worker: null,
      timer: setTimeout(() => this.onTimeout(e), this.timeoutMs),
    };
    this.live.add(e);
    let st = this.keys.get(req.key);
    if (!st) this.keys.set(req.key, (st = {}));
    if (st.pending) this.fail(st.pending, ErrorCode.Stale, 'replaced by a newer request');
    if (st.running) {
      if (!st.running.done) this.fail(st.running, ErrorCode.Stale, 'replaced by a newer request');
      st.pending = e;
      return;
    }
    st.running = e;
    this.start(e);
  }

  /** Number of requests not yet answered (for tests and metrics). */
  get open(): number {
    return this.live.size;
  }

  /** Answers everything `unavailable`; later submits too. */
  stop(): void {
    this.stopped = true;
    for (const e of [...this.live]) this.fail(e, ErrorCode.Unavailable, 'inference is shutting down');
  }

  private start(e: Entry): void {
    const w = this.pool.pick(e.req.job.taskId, e.req.job.model, e.tried);
    if (w === 'busy') {
      this.fail(e, ErrorCode.Busy, 'every worker is full; try again');
      this.release(e);
      return;
    }
    if (w === 'none') {
      if (e.tried.size) this.fail(e, ErrorCode.WorkerFailed, 'the worker failed and no other worker is available');
      else this.fail(e, ErrorCode.NoWorker, `no worker serves model ${e.req.job.model}`);
      this.release(e);
      return;
    }
    e.tried.add(w.id);
    e.attempts++;
    e.worker = w.id;
    this.pool.run(w, { ...e.req.job, jobId: e.jobId }).then(
      (res) => {
        if (!e.done) this.answer(e, { ok: true, data: res });
        this.release(e);
      },
      (err: unknown) => {
        if (err instanceof WorkerLostError) {
          if (!e.done && e.attempts < 2) {
            this.log.warn({ jobId: e.jobId, worker: err.workerId }, 'worker lost mid-request; retrying once on another worker');
            this.start(e);
            return;
          }
          if (!e.done) this.fail(e, ErrorCode.WorkerFailed, 'the worker failed while segmenting');
        } else if (!(err instanceof AbandonedError) && !e.done) {
          if (isTandemError(err)) this.answer(e, { ok: false, error: err.toBody() });
          else this.fail(e, ErrorCode.WorkerFailed, 'the worker failed');
        }
        this.release(e);
      },
    );
  }

  private onTimeout(e: Entry): void {
    if (e.done) return;
    this.fail(e, ErrorCode.Timeout, `no answer within ${this.timeoutMs} ms`);
    // A running job stops holding its slot (AbandonedError releases it); a pending one simply
    // leaves the queue when the running one finishes.
    if (e.worker) this.pool.abandon(e.worker, e.jobId);
  }

  private fail(e: Entry, code: ErrorCode, message: string): void {
    this.answer(e, { ok: false, error: new TandemError(code, message).toBody() });
  }

  private answer(e: Entry, ack: Ack<WorkerJobResult>): void {
    if (e.done) return;
    e.done = true;
    clearTimeout(e.timer);
    this.live.delete(e);
    try {
      e.req.reply(ack);
    } catch (err) {
      this.log.error({ err }, 'ack callback threw');
    }
  }

  /** The key's running job is over (answered or not): start the pending one, if still wanted. */
  private release(e: Entry): void {
    if (e.released) return;
    e.released = true;
    const st = this.keys.get(e.req.key);
    if (!st) return;
    if (st.running === e) {
      st.running = undefined;
      const next = st.pending;
      st.pending = undefined;
      if (next && !next.done) {
        st.running = next;
        this.start(next);
      }
    } else if (st.pending === e) st.pending = undefined;
    if (!st.running && !st.pending) this.keys.delete(e.req.key);
  }
}
