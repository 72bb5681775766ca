// Entry point of the inference subsystem, wired by server/main.ts.
// createInference builds the worker pool, the scheduler (latest-wins, timeouts, retry) and the
// /inference + /workers namespaces; start() forks the local workers once the HTTP server listens.
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server as IoServer } from 'socket.io';
import { ErrorCode, TandemError } from '../../shared/protocol/errors';
import type { Rle } from '../../shared/codecs/rle';
import type { Click, Detection, DetectorInfo, ModelInfo } from '../../shared/protocol/inference';
import { newId } from '../../shared/schema/ids';
import type { TaskId } from '../../shared/schema/ids';
import type { Auth } from '../auth/types';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { Storage } from '../storage/types';
import { generateToken } from '../storage/tokens';
import { WorkerDirectory } from '../cluster/WorkerDirectory';
import { WORKERS_NAMESPACE } from '../../shared/protocol/inference';
import { GRABCUT_INFO, GRAPHCUT_INFO } from './engines/classical';
import { manifestModelInfo, readManifestIfAny } from './engines/onnx/manifest';
import { LocalWorkers } from './pool/LocalWorkers';
import { detectOnTask } from './pool/detect';
import { attachNamespaces, type SegmentMetrics } from './pool/namespaces';
import { Scheduler } from './pool/Scheduler';
import { WorkerPool, type WorkerStatus } from './pool/WorkerPool';

export type { ModelInfo };

export interface InferenceDeps {
  config: Config;
  /** The root logger (without a `module`): the subsystem names its own modules. */
  log: Logger;
  storage: Storage;
  auth: Auth;
  io: IoServer;
  /** Per-request outcome and latency series (the server's Prometheus `inference` metrics). */
  metrics?: SegmentMetrics;
  /** Tasks open in an editor on this node: a load ahead of need never pushes their images out. */
  openTasks?: () => string[];
}

export interface InferenceService {
  /** Starts local workers and the /inference and /workers namespaces. */
  start(): Promise<void>;
  /** Stops local workers, answers pending requests with `unavailable`. */
  stop(): Promise<void>;
  listModels(): ModelInfo[];
  /** The object detectors the attached workers run (`GET /api/detectors`). */
  listDetectors(): DetectorInfo[];
  /** Server-side work (pre-labelling a project): the socket's `detect` on a task, without a socket. */
  detectFor(task: TaskRef, opts?: { threshold?: number; model?: string }): Promise<{ detections: Detection[]; model: string }>;
  /** Server-side work: a `segment` request (a box, clicks) on a task; rejects with the error it would be answered. */
  segmentFor(task: TaskRef, req: { clicks: Click[]; box?: [number, number, number, number]; model?: string }): Promise<{ mask: Rle; model: string }>;
  /** Warms a worker with the task's image (called when a client opens the task). */
  prefetch(taskId: TaskId): void;
  /** Has an idle worker load the task expected next into spare room; resolves whether it did. */
  prefetchAhead(taskId: TaskId, size: { width: number; height: number }): Promise<boolean>;
  /** The token remote workers present on /workers. */
  readonly workerToken: string;
}

/** A task as server-side inference needs it. */
export interface TaskRef {
  id: TaskId;
  width: number;
  height: number;
}

/** The service with the operational extras (status pages, tests). */
export interface InferencePool extends InferenceService {
  /** The attached workers, local and remote. */
  workers(): WorkerStatus[];
  /** Process ids of the local worker children. */
  localPids(): number[];
  /** Resolves once at least `n` workers are attached (rejects after `timeoutMs`). */
  waitForWorkers(n: number, timeoutMs?: number): Promise<void>;
  /** The model a request without `model` gets. */
  defaultModel(): string;
}

export async function createInference(deps: InferenceDeps): Promise<InferencePool> {
  const { config, io, storage, auth } = deps;
  // Sub-modules are children of the root logger, not of `log`: a pino child repeats every key of
  // its parent, and a line with two `module` keys is read differently by each log tool.
  const sub = (module: string): Logger => deps.log.child({ module });
  const log = sub('inference');
  const ic = config.inference;
  const workerToken = ic.workerToken ?? loadOrCreateToken(config.dataDir);
  const pool = new WorkerPool(ic.maxInFlightPerWorker, sub('inference.pool'));
  const scheduler = new Scheduler(pool, ic.timeoutMs, sub('inference.scheduler'));
  const manifest = readManifestIfAny(path.join(ic.modelsDir, 'manifest.json'));
  if (manifest.error) log.error({ err: manifest.error }, 'models/manifest.json is invalid; its models are not listed');
  const manifestModels = manifest.entries.map(manifestModelInfo);
  let local: LocalWorkers | null = null;
  let started = false;

  /** Classical engines, the manifest's models, then anything remote workers bring. */
  const known = (): ModelInfo[] => {
    const out = new Map<string, ModelInfo>();
    for (const m of [GRAPHCUT_INFO, GRABCUT_INFO, ...manifestModels, ...pool.models()]) if (!out.has(m.id)) out.set(m.id, { ...m, default: false });
    return [...out.values()];
  };
  const defaultModel = (): string => {
    const ids = new Set(known().map((m) => m.id));
    if (ic.defaultModel && ids.has(ic.defaultModel)) return ic.defaultModel;
    const fromManifest = manifestModels.find((m) => m.default) ?? manifestModels[0];
    // The manifest's default counts only once a worker actually serves it.
    if (fromManifest && pool.models().some((m) => m.id === fromManifest.id)) return fromManifest.id;
    return GRAPHCUT_INFO.id;
  };
  if (ic.defaultModel && !known().some((m) => m.id === ic.defaultModel)) {
    log.warn({ model: ic.defaultModel }, 'INFERENCE_DEFAULT_MODEL is not a known model yet; falling back until a worker serves it');
  }
  const resolveModel = (model: string | undefined): string => {
    if (model === undefined) return defaultModel();
    if (!known().some((m) => m.id === model)) throw new TandemError(ErrorCode.UnknownModel, `unknown model ${model}`);
    return model;
  };
  const prefetch = (taskId: TaskId): void => {
    const w = pool.prefetch(taskId, defaultModel());
    log.debug({ taskId, worker: w?.hello.workerId ?? null }, 'prefetch');
  };
  const prefetchAhead = (taskId: TaskId, size: { width: number; height: number }): Promise<boolean> =>
    pool.prefetchAhead(taskId, defaultModel(), size, deps.openTasks?.() ?? []);

  // Shared mode: workers attached to any node serve clients of every node (server/cluster, seam 3).
  // Single-node mode has no directory and routes exactly as before.
  let directory: WorkerDirectory | null = null;
  let offDirectory = (): void => {};
  if (config.shared.redisUrl) {
    const dir = new WorkerDirectory(
      io.of(WORKERS_NAMESPACE),
      config.nodeId,
      () => pool.status().map((w) => ({ socketId: w.id, workerId: w.workerId, models: w.models, modelInfo: w.modelInfo, detectors: w.detectors, capacity: w.capacity, inFlight: w.inFlight, holds: w.holds })),
      sub('inference.directory'),
    );
    const offRemote = pool.useDirectory(dir, ic.timeoutMs);
    // onChange also fires when a job ends; other nodes need to hear only of joins and leaves.
    let announcedSize = 0;
    const offLocal = pool.onChange(() => {
      if (pool.size === announcedSize) return;
      announcedSize = pool.size;
      dir.announce();
    });
    offDirectory = () => {
      offLocal();
      offRemote();
      dir.stop();
    };
    directory = dir;
  }

  attachNamespaces({ io, auth, storage, pool, scheduler, workerToken, ratePerSec: ic.ratePerSec, timeoutMs: ic.timeoutMs, log, resolveModel, prefetch, prefetchAhead, metrics: deps.metrics });

  return {
    workerToken,
    async start() {
      if (started) return;
      started = true;
      directory?.start();
      if (ic.workers <= 0) {
        log.info('no local inference workers (INFERENCE_WORKERS=0); waiting for remote ones');
        return;
      }
      const url = await localUrl(io);
      local = new LocalWorkers({
        count: ic.workers,
        serverUrl: url,
        socketPath: io.path(),
        token: workerToken,
        threads: ic.threads,
        capacity: ic.maxInFlightPerWorker,
        cacheBytes: ic.cacheBytes,
        providers: ic.providers,
        modelsDir: ic.modelsDir,
        log: sub('inference.local'),
      });
      local.start();
    },
    async stop() {
      scheduler.stop();
      await local?.stop();
      for (const s of io.of('/workers').sockets.values()) s.disconnect(true);
      offDirectory(); // after the disconnects: their announcement tells the other nodes at once
    },
    listModels() {
      const def = defaultModel();
      return known().map((m) => ({ ...m, default: m.id === def }));
    },
    listDetectors: () => pool.detectors(),
    detectFor: (task, opts = {}) => detectOnTask(pool, task, opts, ic.timeoutMs, log),
    segmentFor(task, req) {
      const model = resolveModel(req.model);
      return new Promise((resolve, reject) => {
        scheduler.submit({
          // A key of its own: server jobs never replace each other or a user's request.
          key: `\u0000server\u0000${newId()}`,
          job: { taskId: task.id, width: task.width, height: task.height, model, clicks: req.clicks, box: req.box },
          reply: (a) => (a.ok ? resolve({ mask: a.data.mask, model }) : reject(new TandemError(a.error.code as ErrorCode, a.error.message))),
        });
      });
    },
    prefetch,
    prefetchAhead,
    workers: () => pool.status(),
    localPids: () => local?.pids() ?? [],
    defaultModel,
    waitForWorkers(n, timeoutMs = 30_000) {
      if (pool.size >= n) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => {
          off();
          reject(new TandemError(ErrorCode.NoWorker, `${pool.size} of ${n} workers attached after ${timeoutMs} ms`));
        }, timeoutMs);
        const off = pool.onChange(() => {
          if (pool.size < n) return;
          clearTimeout(t);
          off();
          resolve();
        });
      });
    },
  };
}

/** DATA_DIR/worker-token, created (random, 0600) on first start. */
function loadOrCreateToken(dataDir: string): string {
  const file = path.join(dataDir, 'worker-token');
  try {
    const t = fs.readFileSync(file, 'utf8').trim();
    if (t.length >= 16) return t;
  } catch {
    // no token yet: create one below
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const t = generateToken(24);
  fs.writeFileSync(file, t + '\n', { mode: 0o600 });
  return t;
}

/** The server's own URL on the loopback interface, once its HTTP server listens. */
async function localUrl(io: IoServer): Promise<string> {
  const http = (io as unknown as { httpServer?: import('node:http').Server }).httpServer;
  if (!http) throw new Error('socket.io is not attached to an HTTP server');
  if (!http.listening) await new Promise<void>((r) => http.once('listening', () => r()));
  const a = http.address() as AddressInfo;
  const host = !a.address || a.address === '0.0.0.0' || a.address === '::' ? '127.0.0.1' : a.address.includes(':') ? `[${a.address}]` : a.address;
  return `http://${host}:${a.port}`;
}
