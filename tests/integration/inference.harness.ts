// A real server for the inference tests: HTTP + socket.io on port 0, SQLite storage and real auth
// in a temp DATA_DIR, createInference with local worker processes. (The core server's
// startTestServer wires the same pieces; this keeps the pool's tests independent of the HTTP API.)
import fs from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Server as IoServer } from 'socket.io';
import { io as ioClient, type Socket as ClientSocket } from 'socket.io-client';
import { encodeRle } from '../../shared/codecs/rle';
import type { Detection, WorkerDetectJob, WorkerJob } from '../../shared/protocol/inference';
import type { Role } from '../../shared/protocol/roles';
import type { ProjectId, TaskId } from '../../shared/schema/ids';
import { createAuth } from '../../server/auth/createAuth';
import { loadConfig, type Config } from '../../server/config';
import { createInference, type InferencePool } from '../../server/inference';
import { openStorage } from '../../server/storage/openStorage';
import type { Storage, User } from '../../server/storage/types';
import { syntheticPng } from '../helpers/images';
import { connected } from '../helpers/inference';

export interface Harness {
  url: string;
  io: IoServer;
  http: HttpServer;
  config: Config;
  storage: Storage;
  inference: InferencePool;
  /** The log records, parsed from rawLogs. */
  readonly logs: Array<Record<string, unknown>>;
  /** The records as written (JSON.parse hides a key written twice). */
  rawLogs: string[];
  admin: User;
  projectId: ProjectId;
  /** Adds a task with a synthetic image of the given size; returns its id. */
  addTask(width: number, height: number, name?: string): Promise<TaskId>;
  /** A member of the project with `role`; returns a token. */
  member(role: Role): Promise<string>;
  /** A connected /inference client. */
  client(token: string): Promise<ClientSocket>;
  close(): Promise<void>;
}

export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  // Local worker children inherit the environment: keep their logs out of the test output.
  process.env.LOG_LEVEL ??= 'warn';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-inf-'));
  // A generous default timeout: the machine running tests may be heavily loaded; tests of the
  // timeout itself set their own.
  const config = loadConfig({ DATA_DIR: dir, INFERENCE_WORKERS: '1', LOG_LEVEL: 'info', INFERENCE_THREADS: '1', INFERENCE_TIMEOUT_MS: '60000',
    // The tiny fixture model (not whatever models/ holds today); graphcut stays the default.
    INFERENCE_MODELS_DIR: path.resolve('tests/fixtures/onnx'), INFERENCE_DEFAULT_MODEL: 'graphcut', ...env });
  const rawLogs: string[] = [];
  const sink = new Writable({
    write(chunk, _e, cb) {
      for (const l of String(chunk).split('\n')) if (l.trim()) rawLogs.push(l);
      cb();
    },
  });
  const log = pino({ level: 'debug' }, sink);
  const storage = await openStorage(config, log);
  const auth = createAuth(storage.meta);
  const http = createServer();
  const io = new IoServer(http);
  const inference = await createInference({ config, log, storage, auth, io });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  await inference.start();
  const admin = await storage.meta.createUser({ name: 'admin', isAdmin: true });
  const project = await storage.meta.createProject({ name: 'p', labels: [], createdBy: admin.id });
  const clients: ClientSocket[] = [];
  let n = 0;
  return {
    url,
    io,
    http,
    config,
    storage,
    inference,
    get logs() {
      return rawLogs.map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    rawLogs,
    admin,
    projectId: project.id,
    async addTask(width, height, name) {
      const bytes = await syntheticPng(width, height);
      const key = `img-${n++}-${Date.now()}`;
      await storage.images.put(key, bytes);
      const t = await storage.meta.createTask({ projectId: project.id, name: name ?? `${key}.png`, width, height, imageKey: key, mime: 'image/png' });
      return t.id;
    },
    async member(role) {
      const u = await storage.meta.createUser({ name: `${role}-${n++}` });
      await storage.meta.addMember(project.id, u.id, role);
      return storage.meta.createToken(u.id);
    },
    async client(token) {
      const c = ioClient(`${url}/inference`, { auth: { token }, transports: ['websocket'], reconnection: false });
      clients.push(c);
      await connected(c);
      return c;
    },
    async close() {
      for (const c of clients) c.disconnect();
      await inference.stop();
      await new Promise<void>((r) => io.close(() => r()));
      await storage.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Emits `segment` and resolves with the ack. */
export function segment(c: ClientSocket, payload: unknown): Promise<{ ok: boolean; data?: any; error?: { code: string; message: string } }> {
  return c.timeout(60_000).emitWithAck('segment', payload);
}

export interface HeldJob {
  job: WorkerJob;
  answer(): void;
  fail(code: string): void;
}

/**
 * A worker that speaks the /workers protocol over a real socket.io connection but answers only
 * when the test says so: the way to hold a job "in flight" deterministically. It answers with an
 * empty mask of the job's size.
 */
export class ControlledWorker {
  readonly jobs: HeldJob[] = [];
  /** Detection jobs held (a worker joined with `detector`). */
  readonly detectJobs: Array<{ job: WorkerDetectJob; answer(detections: Detection[]): void }> = [];
  readonly socket: ClientSocket;
  private constructor(socket: ClientSocket) {
    this.socket = socket;
  }

  static async join(url: string, token: string, opts: { capacity?: number; workerId?: string; detector?: string } = {}): Promise<ControlledWorker> {
    const socket = ioClient(`${url}/workers`, { auth: { token }, transports: ['websocket'], reconnection: false });
    const w = new ControlledWorker(socket);
    socket.on('worker:segment', (job: WorkerJob, ack: (a: unknown) => void) => {
      w.jobs.push({
        job,
        answer: () => ack({ ok: true, data: { mask: encodeRle(new Uint8Array(job.width * job.height), job.width, job.height), score: 0.5, ms: 1 } }),
        fail: (code) => ack({ ok: false, error: { code, message: 'test failure' } }),
      });
    });
    socket.on('worker:detect', (job: WorkerDetectJob, ack: (a: unknown) => void) => {
      w.detectJobs.push({ job, answer: (detections) => ack({ ok: true, data: { detections, ms: 1 } }) });
    });
    await connected(socket);
    const ack = await socket.timeout(5000).emitWithAck('worker:hello', {
      ...(opts.detector ? { detectors: [{ id: opts.detector, description: 'held by the test', classes: ['cat', 'dog'], threshold: 0.4 }] } : {}),
      workerId: opts.workerId ?? `ctl-${Math.random().toString(36).slice(2)}`,
      host: 'test',
      engines: ['graphcut'],
      models: [{ id: 'graphcut', engine: 'graphcut', description: 'held by the test', inputs: ['clicks'], default: false }],
      provider: 'cpu',
      capacity: opts.capacity ?? 2,
      threads: 1,
    });
    if (!ack.ok) throw new Error('hello refused');
    return w;
  }

  leave(): void {
    this.socket.disconnect();
  }
}
