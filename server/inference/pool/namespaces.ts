// The two socket.io namespaces: /inference for annotators (contract 5) and /workers for workers
// (contract 6). Both are boundaries: every payload is parsed with zod, every error is logged once
// and answered `{ok: false, error: {code, message}}`, and a missing ack never throws.
import { timingSafeEqual } from 'node:crypto';
import type { Namespace, Server as IoServer, Socket } from 'socket.io';
import { ErrorCode, isTandemError, TandemError } from '../../../shared/protocol/errors';
import {
  DetectRequestSchema,
  INFERENCE_NAMESPACE,
  InferenceEvents,
  PrefetchRequestSchema,
  WORKERS_NAMESPACE,
  WorkerEvents,
  WorkerHelloSchema,
  WorkerImageRequestSchema,
  type DetectAck,
  type SegmentAck,
  type WorkerImageAck,
} from '../../../shared/protocol/inference';
import { canSegment } from '../../../shared/protocol/roles';
import type { TaskId } from '../../../shared/schema/ids';
import type { Auth } from '../../auth/types';
import type { Logger } from '../../logger';
import type { Storage, User } from '../../storage/types';
import { detectOnTask } from './detect';
import { RateLimiter } from './RateLimiter';
import type { Scheduler } from './Scheduler';
import { checkAgainstImage, parseSegmentRequest } from './validateRequest';
import type { WorkerPool } from './WorkerPool';

export interface NamespaceDeps {
  io: IoServer;
  auth: Auth;
  storage: Storage;
  pool: WorkerPool;
  scheduler: Scheduler;
  workerToken: string;
  ratePerSec: number;
  /** How long a detection may take before it is answered `timeout`. */
  timeoutMs: number;
  log: Logger;
  /** Resolves a requested model id (or none) to a known one; throws `unknown_model`. */
  resolveModel(model: string | undefined): string;
  prefetch(taskId: TaskId): void;
  prefetchAhead(taskId: TaskId, size: { width: number; height: number }): Promise<boolean>;
  /** Counts every answered `segment` by outcome and times it; absent in tests that do not scrape. */
  metrics?: SegmentMetrics;
}

type AckFn<T> = (a: T) => void;

/** Per-request series (server/metrics' `inference` fits it as it is; structural, no import). */
export interface SegmentMetrics {
  requests: { inc(labels: { engine: string; outcome: string }): void };
  seconds: { observe(labels: { engine: string }, seconds: number): void };
  ahead: { inc(labels: { outcome: 'loaded' | 'skipped' }): void };
}

/** The engine label of a request refused before its model was resolved. */
const NO_ENGINE = 'none';

function errorBody(e: unknown): { code: ErrorCode; message: string } {
  return isTandemError(e) ? e.toBody() : { code: ErrorCode.Internal, message: 'internal error' };
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function attachNamespaces(d: NamespaceDeps): { inference: Namespace; workers: Namespace } {
  const log = d.log;
  const limiter = new RateLimiter(d.ratePerSec);

  // ---- /workers -------------------------------------------------------------------------------
  const workers = d.io.of(WORKERS_NAMESPACE);
  workers.use((socket, next) => {
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    if (typeof token === 'string' && sameToken(token, d.workerToken)) return next();
    log.warn({ address: socket.handshake.address }, 'worker refused: bad token');
    const err = new Error('unauthorized') as Error & { data?: unknown };
    err.data = { code: ErrorCode.Unauthorized, message: 'bad worker token' };
    next(err);
  });
  workers.on('connection', (socket: Socket) => {
    let joined = false;
    socket.on(WorkerEvents.hello, (payload: unknown, ack?: unknown) => {
      const reply = typeof ack === 'function' ? (ack as AckFn<unknown>) : () => {};
      const hello = WorkerHelloSchema.safeParse(payload);
      if (!hello.success) {
        reply({ ok: false, error: { code: ErrorCode.ValidationFailed, message: hello.error.issues[0]?.message ?? 'bad hello' } });
        return;
      }
      if (joined) d.pool.remove(socket.id); // a second hello replaces the first announcement
      d.pool.add(socket, hello.data);
      joined = true;
      reply({ ok: true, data: { workerId: hello.data.workerId } });
    });
    socket.on(WorkerEvents.image, async (payload: unknown, ack?: unknown) => {
      if (typeof ack !== 'function') return;
      const reply = ack as AckFn<WorkerImageAck>;
      try {
        const req = WorkerImageRequestSchema.parse(payload);
        const task = await d.storage.meta.getTask(req.taskId as TaskId);
        if (!task) throw new TandemError(ErrorCode.NotFound, `no task ${req.taskId}`);
        const bytes = await d.storage.images.get(task.imageKey);
        reply({ ok: true, data: { bytes, width: task.width, height: task.height } });
      } catch (e) {
        if (!isTandemError(e)) log.error({ err: e }, 'worker image request failed');
        reply({ ok: false, error: isTandemError(e) ? e.toBody() : { code: ErrorCode.NotFound, message: 'image not available' } });
      }
    });
    socket.on('disconnect', () => d.pool.remove(socket.id));
  });

  // ---- /inference -----------------------------------------------------------------------------
  const inference = d.io.of(INFERENCE_NAMESPACE);
  inference.use((socket, next) => {
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    d.auth
      .authenticate(typeof token === 'string' ? token : null)
      .then((user) => {
        socket.data.user = user;
        socket.data.token = token;
        next();
      })
      .catch((e: unknown) => {
        const body = isTandemError(e) ? e.toBody() : { code: ErrorCode.Unauthorized, message: 'unauthorized' };
        const err = new Error(body.code) as Error & { data?: unknown };
        err.data = body;
        next(err);
      });
  });
  inference.on('connection', (socket: Socket) => {
    const user = socket.data.user as User;
    // Each request checks the connection's token again: it may have expired or been revoked since
    // the handshake (the connection's `user` stays for rate limits and logs).
    const userNow = () => d.auth.authenticate(socket.data.token as string);
    socket.on(InferenceEvents.segment, async (payload: unknown, ack?: unknown) => {
      const t0 = performance.now();
      if (typeof ack !== 'function') {
        log.debug({ user: user.id }, 'segment without an ack callback ignored');
        return;
      }
      // The engine label is the resolved model id, never the client's string: labels stay bounded.
      let engine = NO_ENGINE;
      const reply: AckFn<SegmentAck> = (a) => {
        d.metrics?.requests.inc({ engine, outcome: a.ok ? 'ok' : a.error.code });
        d.metrics?.seconds.observe({ engine }, (performance.now() - t0) / 1000);
        (ack as AckFn<SegmentAck>)(a);
      };
      const fail = (e: unknown) => {
        if (!isTandemError(e)) log.error({ err: e, user: user.id }, 'segment request failed');
        else log.debug({ code: e.code, user: user.id }, 'segment refused');
        reply({ ok: false, error: errorBody(e) });
      };
      try {
        if (!limiter.take(user.id)) throw new TandemError(ErrorCode.RateLimited, `more than ${d.ratePerSec} requests per second`);
        const req = parseSegmentRequest(payload);
        const { task, role } = await d.auth.taskAccess(await userNow(), req.taskId as TaskId);
        if (!canSegment(role)) throw new TandemError(ErrorCode.Forbidden, `a ${role} cannot run segmentation`);
        checkAgainstImage(req, task.width, task.height);
        const model = d.resolveModel(req.model);
        engine = model;
        d.scheduler.submit({
          key: `${user.id}\u0000${req.objectId ?? ''}`,
          job: {
            taskId: task.id,
            width: task.width,
            height: task.height,
            model,
            clicks: req.clicks,
            box: req.box,
            scribbles: req.scribbles,
            prevMask: req.prevMask,
          },
          reply: (a) =>
            a.ok
              ? reply({ ok: true, data: { mask: a.data.mask, score: a.data.score, model, ms: Math.round(performance.now() - t0) } })
              : reply(a),
        });
      } catch (e) {
        fail(e);
      }
    });
    socket.on(InferenceEvents.detect, async (payload: unknown, ack?: unknown) => {
      if (typeof ack !== 'function') return;
      const t0 = performance.now();
      const reply = ack as AckFn<DetectAck>;
      try {
        if (!limiter.take(user.id)) throw new TandemError(ErrorCode.RateLimited, `more than ${d.ratePerSec} requests per second`);
        const parsed = DetectRequestSchema.safeParse(payload);
        if (!parsed.success) throw new TandemError(ErrorCode.ValidationFailed, `detect: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; ')}`);
        const req = parsed.data;
        const { task, role } = await d.auth.taskAccess(await userNow(), req.taskId as TaskId);
        if (!canSegment(role)) throw new TandemError(ErrorCode.Forbidden, `a ${role} cannot run the smart tools`);
        const res = await detectOnTask(d.pool, task, req, d.timeoutMs, log);
        reply({ ok: true, data: { ...res, ms: Math.round(performance.now() - t0) } });
      } catch (e) {
        if (!isTandemError(e)) log.error({ err: e, user: user.id }, 'detect request failed');
        reply({ ok: false, error: errorBody(e) });
      }
    });
    socket.on(InferenceEvents.prefetch, async (payload: unknown, ack?: unknown) => {
      const reply = typeof ack === 'function' ? (ack as AckFn<unknown>) : () => {};
      try {
        const req = PrefetchRequestSchema.parse(payload);
        const { task } = await d.auth.taskAccess(await userNow(), req.taskId as TaskId);
        if (!req.ahead) {
          d.prefetch(task.id);
          reply({ ok: true, data: {} });
          return;
        }
        // Answered once the worker has decided: whether it now holds the image.
        const loaded = await d.prefetchAhead(task.id, { width: task.width, height: task.height });
        d.metrics?.ahead.inc({ outcome: loaded ? 'loaded' : 'skipped' });
        reply({ ok: true, data: { loaded } });
      } catch (e) {
        reply({ ok: false, error: isTandemError(e) ? e.toBody() : { code: ErrorCode.ValidationFailed, message: 'bad prefetch payload' } });
      }
    });
  });
  return { inference, workers };
}
