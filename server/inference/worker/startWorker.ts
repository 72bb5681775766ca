// The one worker code path: a socket.io client of the server's /workers namespace. Local workers
// (child processes the server forks) and remote workers (`npm run worker`) run exactly this, so
// routing, failure handling and image transfer are tested once for both. Images come over the
// same socket (`worker:image`), so a remote worker needs no shared disk and no HTTP route.
import os from 'node:os';
import { io, type Socket } from 'socket.io-client';
import { ErrorCode, isTandemError, TandemError } from '../../../shared/protocol/errors';
import { newId } from '../../../shared/schema/ids';
import {
  WORKERS_NAMESPACE,
  WorkerEvents,
  WorkerImageAckSchema,
  WorkerDetectJobSchema,
  WorkerJobSchema,
  WorkerPrefetchSchema,
  type WorkerHello,
} from '../../../shared/protocol/inference';
import type { Logger } from '../../logger';
import { decodeRgb } from '../../storage/images/validateImage';
import type { RgbImage } from '../engines/types';
import { createDetectors, createEngines } from './createEngines';
import { WorkerRuntime } from './WorkerRuntime';

/** How often a load ahead of need looks whether the worker's jobs are done. */
const IDLE_POLL_MS = 100;

export interface WorkerOptions {
  /** Server base URL, e.g. http://127.0.0.1:3000 */
  server: string;
  token: string;
  providers: ReadonlyArray<'cpu' | 'cuda' | 'webgpu'>;
  threads: number;
  /** Jobs accepted at once (the server also caps it). */
  capacity: number;
  cacheBytes: number;
  modelsDir: string;
  log: Logger;
  /** "local" for the server's own children; the host name otherwise. */
  host?: string;
  /** socket.io path when the server uses a non-default one. */
  path?: string;
}

export interface RunningWorker {
  readonly workerId: string;
  readonly socket: Socket;
  readonly runtime: WorkerRuntime;
  /** Resolves once the server has accepted the hello. */
  readonly ready: Promise<void>;
  /** Resolves when the server refuses the token: socket.io does not retry that, so give up. */
  readonly refused: Promise<Error>;
  close(): Promise<void>;
}

export async function startWorker(opts: WorkerOptions): Promise<RunningWorker> {
  const workerId = `w-${newId(10)}`;
  const log = opts.log.child({ module: 'worker', workerId });
  const engineOpts = { modelsDir: opts.modelsDir, providers: opts.providers, threads: opts.threads, log };
  const engines = await createEngines(engineOpts);
  const runtime = new WorkerRuntime(engines, opts.cacheBytes, log, await createDetectors(engineOpts));
  const socket = io(new URL(WORKERS_NAMESPACE, opts.server).href, {
    auth: { token: opts.token },
    path: opts.path,
    transports: ['websocket'],
    reconnectionDelayMax: 5000,
  });

  const hello: WorkerHello = {
    workerId,
    host: opts.host ?? os.hostname(),
    engines: [...new Set(runtime.models().map((m) => m.engine))],
    models: runtime.models(),
    detectors: runtime.detectors(),
    provider: runtime.provider(),
    capacity: Math.max(1, Math.min(64, opts.capacity)),
    threads: opts.threads,
    pid: process.pid,
  };

  const loadImage = async (taskId: string): Promise<RgbImage> => {
    const raw = await socket.timeout(60_000).emitWithAck(WorkerEvents.image, { taskId });
    const ack = WorkerImageAckSchema.safeParse(raw);
    if (!ack.success) throw new TandemError(ErrorCode.Internal, 'malformed image reply from the server');
    if (!ack.data.ok) throw new TandemError(ErrorCode.NotFound, `image of task ${taskId}: ${ack.data.error.message}`);
    const img = await decodeRgb(ack.data.data.bytes);
    return img;
  };

  // Each node counts only the jobs it sent, so with several nodes the worker enforces its own bound.
  let active = 0;
  /** Images of opened tasks being loaded and encoded (a load ahead waits for them too). */
  let warming = 0;
  /** Resolves once no job runs and no opened task's image is loading (or after 30 s regardless). */
  const whenIdle = async (): Promise<void> => {
    const until = Date.now() + 30_000;
    while ((active > 0 || warming > 0) && Date.now() < until) await new Promise((r) => setTimeout(r, IDLE_POLL_MS));
  };
  // A segmentation or a detection: the same capacity, validation and error answers.
  const serve = <J extends { jobId: string; model: string }, R>(
    schema: { safeParse(v: unknown): { success: true; data: J } | { success: false; error: { issues: Array<{ message: string }> } } },
    run: (job: J) => Promise<R>,
  ) => async (payload: unknown, ack: unknown) => {
    if (typeof ack !== 'function') return;
    const reply = ack as (a: { ok: true; data: R } | { ok: false; error: { code: string; message: string } }) => void;
    if (active >= hello.capacity) {
      reply({ ok: false, error: { code: ErrorCode.Busy, message: `worker at its capacity of ${hello.capacity} jobs` } });
      return;
    }
    const job = schema.safeParse(payload);
    if (!job.success) {
      reply({ ok: false, error: { code: ErrorCode.ValidationFailed, message: job.error.issues[0]?.message ?? 'invalid job' } });
      return;
    }
    active++;
    try {
      reply({ ok: true, data: await run(job.data) });
    } catch (e) {
      const err = isTandemError(e) ? e.toBody() : { code: ErrorCode.WorkerFailed, message: 'the engine failed' };
      if (!isTandemError(e)) log.error({ err: e, jobId: job.data.jobId, model: job.data.model }, 'job failed');
      reply({ ok: false, error: err });
    } finally {
      active--;
    }
  };
  socket.on(WorkerEvents.segment, serve(WorkerJobSchema, (job) => runtime.segment(job, loadImage)));
  socket.on(WorkerEvents.detect, serve(WorkerDetectJobSchema, (job) => runtime.detect(job, loadImage)));

  socket.on(WorkerEvents.prefetch, (payload: unknown, ack?: unknown) => {
    const p = WorkerPrefetchSchema.safeParse(payload);
    if (!p.success) return;
    const { taskId, model, ahead, width, height, inUse } = p.data;
    if (!ahead || !width || !height) {
      warming++;
      runtime
        .prefetch(taskId, model, loadImage)
        .catch((e) => log.warn({ err: e, taskId }, 'prefetch failed'))
        .finally(() => warming--);
      return;
    }
    // Ahead of need: after the jobs in hand (the open image's clicks come first), and only into spare room.
    const reply = typeof ack === 'function' ? (ack as (a: { loaded: boolean }) => void) : () => {};
    whenIdle()
      .then(() => runtime.prefetchAhead(taskId, model, loadImage, { width, height }, inUse))
      .then((loaded) => reply({ loaded }))
      .catch((e) => {
        log.warn({ err: e, taskId }, 'prefetch ahead failed');
        reply({ loaded: false });
      });
  });

  let resolveReady!: () => void;
  const ready = new Promise<void>((r) => (resolveReady = r));
  socket.on('connect', () => {
    socket
      .timeout(10_000)
      .emitWithAck(WorkerEvents.hello, hello)
      .then((a: { ok?: boolean; error?: { message?: string } }) => {
        if (a?.ok) {
          log.info({ server: opts.server, models: hello.models.map((m) => m.id), provider: hello.provider }, 'worker joined');
          resolveReady();
        } else log.error({ error: a?.error }, 'server refused the worker');
      })
      .catch((e: unknown) => log.warn({ err: e }, 'hello not acknowledged; will retry on reconnect'));
  });
  let resolveRefused!: (e: Error) => void;
  const refused = new Promise<Error>((r) => (resolveRefused = r));
  socket.on('connect_error', (e) => {
    if (e.message === 'unauthorized') {
      log.error({ server: opts.server }, 'the server refused the worker token');
      resolveRefused(e);
    } else log.warn({ err: e.message }, 'cannot reach the server; retrying');
  });
  socket.on('disconnect', (reason) => log.info({ reason }, 'disconnected'));

  return {
    workerId,
    socket,
    runtime,
    ready,
    refused,
    async close() {
      socket.disconnect();
      await runtime.dispose();
    },
  };
}
