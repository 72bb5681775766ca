// The workers attached to /workers, and how a job reaches one of them.
// Routing: among workers that serve the model and have a free slot, the one that already holds
// the task's image (and its features) wins; else the least loaded. No free slot anywhere: `busy`,
// at once (a queue would only make a fast clicker wait for answers they no longer want).
// In shared mode (Redis) the pool also knows the workers attached to other nodes through a
// directory (server/cluster/WorkerDirectory): they come after local ones (one hop less), except
// that image affinity still wins across nodes. In-flight jobs on a remote worker are counted by
// this node only, so the worker itself answers `busy` beyond its capacity.
import type { Socket } from 'socket.io';
import { ErrorCode, TandemError, type ErrorCode as Code } from '../../../shared/protocol/errors';
import {
  WorkerDetectAckSchema,
  WorkerEvents,
  WorkerJobAckSchema,
  WorkerPrefetchAckSchema,
  type DetectorInfo,
  type ModelInfo,
  type WorkerDetectJob,
  type WorkerDetectResult,
  type WorkerHello,
  type WorkerJob,
  type WorkerJobResult,
} from '../../../shared/protocol/inference';
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
  resolve(r: never): void;
  reject(e: unknown): void;
}

/** Parses a worker's ack (`WorkerJobAckSchema`, `WorkerDetectAckSchema`). */
interface AckParser<R> {
  safeParse(raw: unknown): { success: true; data: { ok: true; data: R } | { ok: false; error: { code: string; message: string } } } | { success: false };
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
  modelInfo: ModelInfo[];
  detectors: DetectorInfo[];
  capacity: number;
  inFlight: number;
  holds: string[];
}

/** A worker attached to another node, as this node's directory last heard of it. */
export interface RemoteWorkerInfo {
  socketId: string;
  workerId: string;
  nodeId: string;
  models: string[];
  /** The models' descriptions, when the worker's node sent them. */
  modelInfo?: ModelInfo[];
  /** The detectors it runs, when its node sent them. */
  detectors?: DetectorInfo[];
  capacity: number;
  holds: string[];
}

/** What the pool needs of the cluster's worker directory (WorkerDirectory implements it). */
export interface RemoteDirectory {
  /** Workers of other nodes heard from recently. */
  remote(): RemoteWorkerInfo[];
  /** Sends `event` to a worker of another node; rejects when it does not answer in `timeoutMs`. */
  run(socketId: string, event: string, payload: unknown, timeoutMs: number): Promise<unknown>;
  /** Calls `fn` whenever the list of remote workers may have changed; returns an unsubscribe. */
  onChange(fn: () => void): () => void;
}

/** A job target on another node: `id` is the worker's socket id there. */
export interface RemoteConn {
  readonly remote: true;
  readonly id: string;
  readonly workerId: string;
  readonly nodeId: string;
}

export type JobTarget = WorkerConn | RemoteConn;

/** Score added to a remote worker: after every local one of equal affinity, before any without it. */
const REMOTE_PENALTY = 5;
const HOLDS_REMEMBERED = 256;
/** How long the pool waits for a worker to say whether it loaded a task ahead (it waits for idle, then decodes). */
const AHEAD_TIMEOUT_MS = 120_000;
/** Most open tasks named to a worker in one load ahead (the rest are just not protected). */
const MAX_IN_USE = 1000;

export class WorkerPool {
  private readonly workers = new Map<string, WorkerConn>();
  private readonly listeners = new Set<() => void>();
  private directory: RemoteDirectory | null = null;
  private remoteTimeoutMs = 15_000;
  /** Jobs this node has running on remote workers, by the worker's socket id. */
  private readonly remoteInFlight = new Map<string, { workerId: string; jobs: Map<string, Pending> }>();
  /** Task ids this node sent to each remote worker recently (affinity before its next announcement). */
  private readonly remoteHolds = new Map<string, Map<string, true>>();

  constructor(
    private readonly maxInFlightPerWorker: number,
    private readonly log: Logger,
  ) {}

  /** Shared mode: also route to the workers of other nodes (`timeoutMs`: how long a remote job may take). */
  useDirectory(directory: RemoteDirectory, timeoutMs: number): () => void {
    this.directory = directory;
    this.remoteTimeoutMs = timeoutMs;
    return directory.onChange(() => this.dropVanishedRemotes());
  }

  /** A remote worker no longer listed is treated like a local one whose socket closed. */
  private dropVanishedRemotes(): void {
    if (!this.directory || this.remoteInFlight.size === 0) return;
    const live = new Set(this.directory.remote().map((r) => r.socketId));
    for (const [id, r] of this.remoteInFlight) {
      if (live.has(id)) continue;
      this.remoteInFlight.delete(id);
      this.remoteHolds.delete(id);
      this.log.warn({ worker: r.workerId, lostJobs: r.jobs.size }, 'remote worker left');
      for (const p of r.jobs.values()) p.reject(new WorkerLostError(r.workerId));
    }
  }

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

  /** Models announced by the attached workers, then by those of other nodes (first announcement of an id wins). */
  models(): ModelInfo[] {
    const out = new Map<string, ModelInfo>();
    for (const w of this.workers.values()) for (const m of w.hello.models) if (!out.has(m.id)) out.set(m.id, m);
    for (const r of this.directory?.remote() ?? []) for (const m of r.modelInfo ?? []) if (!out.has(m.id)) out.set(m.id, m);
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
      modelInfo: w.hello.models,
      detectors: w.hello.detectors ?? [],
      capacity: w.capacity,
      inFlight: w.inFlight.size,
      holds: [...w.holds.keys()],
    }));
  }

  /**
   * The worker for a job: affinity, then least loaded. `exclude` holds workers already tried.
   * 'none': no worker serves the model; 'busy': some do, but every one is full.
   */
  pick(taskId: string, model: string, exclude?: ReadonlySet<string>): JobTarget | 'none' | 'busy' {
    return this.pickAny(taskId, (h) => h.models.some((m) => m.id === model), (r) => r.models.includes(model), exclude);
  }

  /** This node's workers that `serves`, then other nodes' that `remoteServes` (one hop more): affinity, then load. */
  private pickAny(taskId: string, serves: (h: WorkerHello) => boolean, remoteServes: (r: RemoteWorkerInfo) => boolean, exclude?: ReadonlySet<string>): JobTarget | 'none' | 'busy' {
    const local = this.pickLocal(taskId, serves, exclude);
    let best: JobTarget | null = local.best;
    let bestScore = local.score;
    let serving = local.serving;
    for (const r of this.directory?.remote() ?? []) {
      if (exclude?.has(r.socketId) || !remoteServes(r)) continue;
      serving++;
      const capacity = Math.max(1, Math.min(r.capacity, this.maxInFlightPerWorker));
      const load = this.remoteInFlight.get(r.socketId)?.jobs.size ?? 0;
      if (load >= capacity) continue;
      const holds = r.holds.includes(taskId) || this.remoteHolds.get(r.socketId)?.has(taskId) === true;
      const score = (holds ? 0 : 10) + REMOTE_PENALTY + load / capacity;
      if (score < bestScore) (best = { remote: true, id: r.socketId, workerId: r.workerId, nodeId: r.nodeId }), (bestScore = score);
    }
    if (best) return best;
    return serving ? 'busy' : 'none';
  }

  /** Among this node's workers that `serves`, not in `exclude`, with a free slot: affinity, then load. */
  private pickLocal(taskId: string, serves: (h: WorkerHello) => boolean, exclude?: ReadonlySet<string>): { best: WorkerConn | null; score: number; serving: number } {
    let best: WorkerConn | null = null;
    let score = Infinity;
    let serving = 0;
    for (const w of this.workers.values()) {
      if (exclude?.has(w.id) || !serves(w.hello)) continue;
      serving++;
      if (w.inFlight.size >= w.capacity) continue;
      // Affinity outweighs any load difference; among equals, the lower load ratio wins.
      const s = (w.holds.has(taskId) ? 0 : 10) + w.inFlight.size / w.capacity;
      if (s < score) (best = w), (score = s);
    }
    return { best, score, serving };
  }

  /** Detectors announced by this node's workers, then by those of other nodes (first announcement of an id wins). */
  detectors(): DetectorInfo[] {
    const out = new Map<string, DetectorInfo>();
    for (const w of this.workers.values()) for (const d of w.hello.detectors ?? []) if (!out.has(d.id)) out.set(d.id, d);
    for (const r of this.directory?.remote() ?? []) for (const d of r.detectors ?? []) if (!out.has(d.id)) out.set(d.id, d);
    return [...out.values()];
  }

  /** The worker for a detection: one that runs the detector, this node's first, by affinity then load. */
  pickDetector(taskId: string, detector: string, exclude?: ReadonlySet<string>): JobTarget | 'none' | 'busy' {
    const runs = (ds: DetectorInfo[] | undefined) => (ds ?? []).some((d) => d.id === detector);
    return this.pickAny(taskId, (h) => runs(h.detectors), (r) => runs(r.detectors), exclude);
  }

  /** Sends a job; resolves with the worker's result or rejects (TandemError, WorkerLostError). */
  run(w: JobTarget, job: WorkerJob): Promise<WorkerJobResult> {
    if ('remote' in w) return this.runRemote(w, WorkerEvents.segment, job, WorkerJobAckSchema);
    return this.runLocal(w, WorkerEvents.segment, job, WorkerJobAckSchema);
  }

  /** Sends a detection job (rejects like `run`). */
  runDetect(w: JobTarget, job: WorkerDetectJob): Promise<WorkerDetectResult> {
    if ('remote' in w) return this.runRemote(w, WorkerEvents.detect, job, WorkerDetectAckSchema);
    return this.runLocal(w, WorkerEvents.detect, job, WorkerDetectAckSchema);
  }

  private runLocal<R>(w: WorkerConn, event: string, job: { jobId: string; taskId: string }, parser: AckParser<R>): Promise<R> {
    this.remember(w, job.taskId);
    return new Promise<R>((resolve, reject) => {
      w.inFlight.set(job.jobId, { resolve: resolve as (r: never) => void, reject });
      w.socket.emit(event, job, (raw: unknown) => {
        const p = w.inFlight.get(job.jobId);
        if (!p) return; // abandoned (timeout) or the worker was removed: drop the late answer
        w.inFlight.delete(job.jobId);
        this.settle(p, raw, w.hello.workerId, job.jobId, parser);
        this.changed();
      });
    });
  }

  /** A job on a worker of another node, through the directory (socket.io's Redis adapter). */
  private runRemote<R>(w: RemoteConn, event: string, job: { jobId: string; taskId: string }, parser: AckParser<R>): Promise<R> {
    const dir = this.directory;
    if (!dir) return Promise.reject(new WorkerLostError(w.workerId));
    let r = this.remoteInFlight.get(w.id);
    if (!r) this.remoteInFlight.set(w.id, (r = { workerId: w.workerId, jobs: new Map() }));
    const jobs = r.jobs;
    let holds = this.remoteHolds.get(w.id);
    if (!holds) this.remoteHolds.set(w.id, (holds = new Map()));
    holds.delete(job.taskId);
    holds.set(job.taskId, true);
    if (holds.size > HOLDS_REMEMBERED) holds.delete(holds.keys().next().value as string);
    return new Promise<R>((resolve, reject) => {
      jobs.set(job.jobId, { resolve: resolve as (r: never) => void, reject });
      // Taking it off `jobs` first means exactly one of answer / loss / abandon settles the job.
      const take = (): Pending | undefined => {
        const p = jobs.get(job.jobId);
        if (p) jobs.delete(job.jobId);
        return p;
      };
      // The Redis adapter's msgpack turns an `undefined` field into null, which the worker's schema
      // refuses (`box: null`): send only the fields that are set.
      const wire = Object.fromEntries(Object.entries(job).filter(([, v]) => v !== undefined));
      dir.run(w.id, event, wire, this.remoteTimeoutMs).then(
        (raw) => {
          const p = take();
          if (p) this.settle(p, raw, w.workerId, job.jobId, parser);
        },
        (err: unknown) => {
          const p = take();
          if (!p) return;
          this.log.warn({ worker: w.workerId, node: w.nodeId, jobId: job.jobId, err }, 'remote worker did not answer');
          p.reject(new WorkerLostError(w.workerId));
        },
      );
    });
  }

  /** Resolves or rejects a job with the worker's acknowledgement. */
  private settle<R>(p: Pending, raw: unknown, workerId: string, jobId: string, parser: AckParser<R>): void {
    const ack = parser.safeParse(raw);
    if (!ack.success) {
      this.log.error({ worker: workerId, jobId }, 'malformed answer from worker');
      p.reject(new TandemError(ErrorCode.WorkerFailed, 'the worker answered something malformed'));
    } else if (ack.data.ok) (p.resolve as (r: R) => void)(ack.data.data);
    else p.reject(new TandemError(toCode(ack.data.error.code), ack.data.error.message));
  }

  /** Stops waiting for a job: frees its slot now, the worker's late answer is dropped. */
  abandon(workerSocketId: string, jobId: string): void {
    const jobs = this.workers.get(workerSocketId)?.inFlight ?? this.remoteInFlight.get(workerSocketId)?.jobs;
    const p = jobs?.get(jobId);
    if (!jobs || !p) return;
    jobs.delete(jobId);
    p.reject(new AbandonedError('abandoned'));
  }

  /** Asks the local worker likely to serve the task to load its image (and features) now. */
  prefetch(taskId: string, model: string): WorkerConn | null {
    const w = this.pick(taskId, model);
    // A remote worker loads the image with its first job instead (a prefetch would be one more hop).
    if (typeof w === 'string' || 'remote' in w) return null;
    this.remember(w, taskId);
    w.socket.emit(WorkerEvents.prefetch, { taskId, model });
    return w;
  }

  /**
   * Asks the local worker likely to serve the task to load it ahead of need: once idle, and only
   * into room that images in use (`inUse`, task ids) do not need (`size` is the image's). Resolves
   * whether the worker holds it; only then does the pool count on it for affinity.
   */
  async prefetchAhead(taskId: string, model: string, size: { width: number; height: number }, inUse: readonly string[]): Promise<boolean> {
    const w = this.pick(taskId, model);
    if (typeof w === 'string' || 'remote' in w) return false;
    try {
      const raw: unknown = await w.socket.timeout(AHEAD_TIMEOUT_MS).emitWithAck(WorkerEvents.prefetch, { taskId, model, ahead: true, ...size, inUse: inUse.slice(0, MAX_IN_USE) });
      const loaded = WorkerPrefetchAckSchema.safeParse(raw).data?.loaded === true;
      if (loaded && this.workers.get(w.socket.id) === w) this.remember(w, taskId);
      return loaded;
    } catch {
      this.log.debug({ taskId, worker: w.hello.workerId }, 'no answer to a load ahead');
      return false;
    }
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
