// The workers attached to /workers, and how a job reaches one of them.
// Routing: among workers that serve the model and have a free slot, the one that already holds
// the task's image (and its features) wins; else the least loaded. No free slot anywhere: `busy`,
// at once (a queue would only make a fast clicker wait for answers they no longer want).
import type { Socket } from 'socket.io';
import { ErrorCode, TandemError, type ErrorCode as Code } from '../../../shared/protocol/errors';
import { WorkerEvents, WorkerJobAckSchema, type ModelInfo, type WorkerHello, type WorkerJob, type WorkerJobResult } from '../../../shared/protocol/inference';
import type { Logger } from '../../logger';

/** The worker's connection went away while it held the job: the caller may retry elsewhere. */
export class WorkerLostError extends Error {
  constructor(readonly workerId: string) {
    super(`worker ${workerId} went away`);
    this.name = 'WorkerLostError';
  }
}

/** The pool stopped waiting for the job (timeout): the late answer will be dropped. */
export class AbandonedError extends Error {}

interface Pending {
  resolve(r: WorkerJobResult): void;
  reject(e: unknown): void;
}

export interface WorkerConn {
  /** socket.io id of the connection (a reconnecting worker gets a new one). */
  readonly id: string;
  readonly hello: WorkerHello;
  readonly socket: Socket;
  readonly capacity: number;
  readonly inFlight: Map<string, Pending>;
  /** Task ids this worker was sent recently, oldest first (what it most likely still caches). */
  readonly holds: Map<string, true>;
}

/** A snapshot of one worker, for status pages, logs and tests. */
export interface WorkerStatus {
  id: string;
  workerId: string;
  host: string;
  pid?: number;
  provider: string;
  models: string[];
  capacity: number;
  inFlight: number;
  holds: string[];
}

const HOLDS_REMEMBERED = 256;

export class WorkerPool {
  private readonly workers = new Map<string, WorkerConn>();
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly maxInFlightPerWorker: number,
    private readonly log: Logger,
  ) {}

  add(socket: Socket, hello: WorkerHello): WorkerConn {
    const w: WorkerConn = {
      id: socket.id,
      hello,
      socket,
      capacity: Math.max(1, Math.min(hello.capacity, this.maxInFlightPerWorker)),
      inFlight: new Map(),
      holds: new Map(),
    };
    this.workers.set(w.id, w);
    this.log.info({ worker: hello.workerId, host: hello.host, models: hello.models.map((m) => m.id), provider: hello.provider, capacity: w.capacity }, 'worker joined');
    this.changed();
    return w;
  }

  /** Drops a worker; every job it held fails with WorkerLostError (the scheduler retries once). */
  remove(id: string): void {
    const w = this.workers.get(id);
    if (!w) return;
    this.workers.delete(id);
    this.log.warn({ worker: w.hello.workerId, host: w.hello.host, lostJobs: w.inFlight.size }, 'worker left');
    for (const p of w.inFlight.values()) p.reject(new WorkerLostError(w.hello.workerId));
    w.inFlight.clear();
    this.changed();
  }

  get size(): number {
    return this.workers.size;
  }

  /** Calls `fn` whenever a worker joins or leaves; returns an unsubscribe. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    for (const fn of this.listeners) fn();
  }

  /** Models announced by the attached workers (first announcement of an id wins). */
  models(): ModelInfo[] {
    const out = new Map<string, ModelInfo>();
    for (const w of this.workers.values()) for (const m of w.hello.models) if (!out.has(m.id)) out.set(m.id, m);
    return [...out.values()];
  }

  status(): WorkerStatus[] {
    return [...this.workers.values()].map((w) => ({
      id: w.id,
      workerId: w.hello.workerId,
      host: w.hello.host,
      pid: w.hello.pid,
      provider: w.hello.provider,
      models: w.hello.models.map((m) => m.id),
      capacity: w.capacity,
      inFlight: w.inFlight.size,
      holds: [...w.holds.keys()],
    }));
  }

  /**
   * The worker for a job: affinity, then least loaded. `exclude` holds workers already tried.
   * 'none': no worker serves the model; 'busy': some do, but every one is full.
   */
  pick(taskId: string, model: string, exclude?: ReadonlySet<string>): WorkerConn | 'none' | 'busy' {
    let best: WorkerConn | null = null;
    let bestScore = Infinity;
    let serving = 0;
    for (const w of this.workers.values()) {
      if (exclude?.has(w.id) || !w.hello.models.some((m) => m.id === model)) continue;
      serving++;
      if (w.inFlight.size >= w.capacity) continue;
      // Affinity outweighs any load difference; among equals, the lower load ratio wins.
      const score = (w.holds.has(taskId) ? 0 : 10) + w.inFlight.size / w.capacity;
      if (score < bestScore) (best = w), (bestScore = score);
    }
    if (best) return best;
    return serving ? 'busy' : 'none';
  }

  /** Sends a job; resolves with the worker's result or rejects (TandemError, WorkerLostError). */
  run(w: WorkerConn, job: WorkerJob): Promise<WorkerJobResult> {
    this.remember(w, job.taskId);
    return new Promise<WorkerJobResult>((resolve, reject) => {
      w.inFlight.set(job.jobId, { resolve, reject });
      w.socket.emit(WorkerEvents.segment, job, (raw: unknown) => {
        const p = w.inFlight.get(job.jobId);
        if (!p) return; // abandoned (timeout) or the worker was removed: drop the late answer
        w.inFlight.delete(job.jobId);
        const ack = WorkerJobAckSchema.safeParse(raw);
        if (!ack.success) {
          this.log.error({ worker: w.hello.workerId, jobId: job.jobId }, 'malformed answer from worker');
          p.reject(new TandemError(ErrorCode.WorkerFailed, 'the worker answered something malformed'));
        } else if (ack.data.ok) p.resolve(ack.data.data);
        else p.reject(new TandemError(toCode(ack.data.error.code), ack.data.error.message));
        this.changed();
      });
    });
  }

  /** Stops waiting for a job: frees its slot now, the worker's late answer is dropped. */
  abandon(workerSocketId: string, jobId: string): void {
    const w = this.workers.get(workerSocketId);
    const p = w?.inFlight.get(jobId);
    if (!w || !p) return;
    w.inFlight.delete(jobId);
    p.reject(new AbandonedError('abandoned'));
  }

  /** Asks the worker likely to serve the task to load its image (and features) now. */
  prefetch(taskId: string, model: string): WorkerConn | null {
    const w = this.pick(taskId, model);
    if (typeof w === 'string') return null;
    this.remember(w, taskId);
    w.socket.emit(WorkerEvents.prefetch, { taskId, model });
    return w;
  }

  private remember(w: WorkerConn, taskId: string): void {
    w.holds.delete(taskId);
    w.holds.set(taskId, true);
    if (w.holds.size > HOLDS_REMEMBERED) w.holds.delete(w.holds.keys().next().value as string);
  }
}

const KNOWN = new Set<string>(Object.values(ErrorCode));
function toCode(c: string): Code {
  return KNOWN.has(c) ? (c as Code) : ErrorCode.WorkerFailed;
}
