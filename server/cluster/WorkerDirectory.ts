// Cluster-wide inference worker membership, for the pool (see CONTEXT.md, seam 3): each node
// announces the workers attached to it over socket.io's serverSideEmit (through the Redis Streams
// adapter) when they change and every `announceEveryMs`; the other nodes keep the list and expire
// it after `expireMs` without news (a node that died takes its workers with it). A job for a worker
// of another node goes straight to that worker's socket: `to(socketId).emitWithAck()` crosses
// nodes through the adapter, and the answer comes back the same way.
import type { Namespace } from 'socket.io';
import { z } from 'zod';
import { DetectorInfoSchema, ModelInfoSchema } from '../../shared/protocol/inference';
import type { Logger } from '../logger';

const ANNOUNCE_EVENT = 'tandem:workers';

export const AnnouncedWorkerSchema = z.object({
  /** socket.io id of the worker's connection on its node's /workers namespace. */
  socketId: z.string().min(1).max(100),
  workerId: z.string().min(1).max(200),
  models: z.array(z.string().max(200)).max(100),
  /** What the worker announced about those models, so every node can list and accept them. */
  modelInfo: z.array(ModelInfoSchema).max(100).optional(),
  /** The object detectors it runs (pre-labelling, Find objects), so every node can send it detections. */
  detectors: z.array(DetectorInfoSchema).max(16).optional(),
  capacity: z.number().int().min(0).max(1000),
  inFlight: z.number().int().min(0).max(100_000),
  /** Task ids whose image the worker holds (affinity across nodes). */
  holds: z.array(z.string().max(100)).max(1000),
});
export type AnnouncedWorker = z.infer<typeof AnnouncedWorkerSchema>;

const AnnouncementSchema = z.object({
  nodeId: z.string().min(1).max(200),
  workers: z.array(AnnouncedWorkerSchema).max(1000),
});

export interface RemoteWorker extends AnnouncedWorker {
  nodeId: string;
}

/** The remote worker did not answer: gone, or its node is. The pool retries elsewhere. */
export class RemoteWorkerLostError extends Error {
  constructor(readonly socketId: string, options?: { cause?: unknown }) {
    super(`remote worker ${socketId} did not answer`, options);
    this.name = 'RemoteWorkerLostError';
  }
}

export interface WorkerDirectoryOptions {
  announceEveryMs?: number;
  expireMs?: number;
}

export class WorkerDirectory {
  private readonly nodes = new Map<string, { workers: AnnouncedWorker[]; seenAt: number }>();
  private timer: NodeJS.Timeout | null = null;
  private readonly listeners = new Set<() => void>();
  private readonly announceEveryMs: number;
  private readonly expireMs: number;
  private readonly onAnnounce = (payload: unknown) => {
    const a = AnnouncementSchema.safeParse(payload);
    if (!a.success) {
      this.log.warn({ issues: a.error.issues.length }, 'ignoring a malformed worker announcement');
      return;
    }
    if (a.data.nodeId === this.nodeId) return;
    this.nodes.set(a.data.nodeId, { workers: a.data.workers, seenAt: Date.now() });
    this.changed();
  };

  /**
   * `workers` is the /workers namespace (the same on every node); `local()` lists the workers
   * attached to this node, as the pool knows them.
   */
  constructor(
    private readonly workers: Namespace,
    private readonly nodeId: string,
    private readonly local: () => AnnouncedWorker[],
    private readonly log: Logger,
    opts: WorkerDirectoryOptions = {},
  ) {
    this.announceEveryMs = opts.announceEveryMs ?? 5_000;
    this.expireMs = opts.expireMs ?? 15_000;
  }

  start(): void {
    this.workers.on(ANNOUNCE_EVENT, this.onAnnounce);
    this.timer = setInterval(() => {
      this.announce();
      // Expiry is otherwise noticed only when someone asks; listeners must hear of it too.
      if (this.expire()) this.changed();
    }, this.announceEveryMs);
    this.timer.unref();
    this.announce();
  }

  /** Tells the other nodes about this node's workers now (call on every join and leave). */
  announce(): void {
    try {
      this.workers.serverSideEmit(ANNOUNCE_EVENT, { nodeId: this.nodeId, workers: this.local() });
    } catch (e) {
      // The adapter throws only on misuse (e.g. a closed namespace); the next tick retries.
      this.log.warn({ err: e }, 'announcing workers failed');
    }
  }

  /** Calls `fn` after an announcement arrives or a node expires; returns an unsubscribe. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => void this.listeners.delete(fn);
  }

  private changed(): void {
    for (const fn of this.listeners) {
      try {
        fn();
      } catch (e) {
        this.log.error({ err: e }, 'worker directory listener threw');
      }
    }
  }

  /** Forgets nodes not heard from within `expireMs`; true when one was forgotten. */
  private expire(now = Date.now()): boolean {
    let any = false;
    for (const [nodeId, n] of this.nodes) {
      if (now - n.seenAt > this.expireMs) {
        this.nodes.delete(nodeId);
        any = true;
      }
    }
    return any;
  }

  /** Workers attached to other nodes, heard from within `expireMs`. */
  remote(now = Date.now()): RemoteWorker[] {
    this.expire(now);
    const out: RemoteWorker[] = [];
    for (const [nodeId, n] of this.nodes) for (const w of n.workers) out.push({ ...w, nodeId });
    return out;
  }

  /** Sends `event` with `payload` to a worker of another node and resolves with its acknowledgement. */
  async run(socketId: string, event: string, payload: unknown, timeoutMs: number): Promise<unknown> {
    let answers: unknown[];
    try {
      answers = await this.workers.to(socketId).timeout(timeoutMs).emitWithAck(event, payload);
    } catch (e) {
      throw new RemoteWorkerLostError(socketId, { cause: e });
    }
    // No socket by that id anywhere: the broadcast reached nobody and answers nothing.
    if (answers.length === 0) throw new RemoteWorkerLostError(socketId);
    return answers[0];
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.workers.off(ANNOUNCE_EVENT, this.onAnnounce);
    this.listeners.clear();
  }
}
