// INFERENCE_WORKERS child processes that run workerCli.ts and join /workers over socket.io on
// localhost, exactly like a remote worker (one code path; see CONTEXT.md for why not plain IPC).
// The token goes over the fork IPC channel. A child that exits unexpectedly is restarted with
// exponential backoff (250 ms doubling to 30 s; reset once a child has lived 30 s).
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../logger';

const here = path.dirname(fileURLToPath(import.meta.url));
const WORKER_ENTRY = path.resolve(here, '../workerCli.ts');
const REPO_ROOT = path.resolve(here, '../../..');
const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 30_000;
const HEALTHY_AFTER_MS = 30_000;

interface Slot {
  index: number;
  child: ChildProcess | null;
  startedAt: number;
  failures: number;
  timer: NodeJS.Timeout | null;
}

export interface LocalWorkerOptions {
  count: number;
  serverUrl: string;
  socketPath: string;
  token: string;
  threads: number;
  capacity: number;
  cacheBytes: number;
  providers: readonly string[];
  modelsDir: string;
  log: Logger;
}

export class LocalWorkers {
  private readonly slots: Slot[] = [];
  private stopping = false;

  constructor(private readonly opts: LocalWorkerOptions) {}

  start(): void {
    for (let i = 0; i < this.opts.count; i++) {
      const slot: Slot = { index: i, child: null, startedAt: 0, failures: 0, timer: null };
      this.slots.push(slot);
      this.spawn(slot);
    }
  }

  /** Process ids of the running children. */
  pids(): number[] {
    return this.slots.map((s) => s.child?.pid).filter((p): p is number => typeof p === 'number');
  }

  private spawn(slot: Slot): void {
    const { opts } = this;
    slot.timer = null;
    const args = [
      '--server', opts.serverUrl,
      '--token-ipc',
      '--host', 'local',
      '--threads', String(opts.threads),
      '--capacity', String(opts.capacity),
      '--cache-mb', String(Math.max(1, Math.floor(opts.cacheBytes / (1024 * 1024)))),
      '--providers', opts.providers.join(','),
      '--models-dir', opts.modelsDir,
    ];
    if (opts.socketPath !== '/socket.io') args.push('--path', opts.socketPath);
    const child = fork(WORKER_ENTRY, args, {
      cwd: REPO_ROOT,
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    slot.child = child;
    slot.startedAt = Date.now();
    child.send({ token: opts.token }, (err) => {
      if (err) opts.log.warn({ err, index: slot.index }, 'could not hand the token to a local worker');
    });
    opts.log.info({ index: slot.index, pid: child.pid }, 'local worker started');
    child.on('error', (err) => opts.log.error({ err, index: slot.index }, 'local worker process error'));
    child.on('exit', (code, signal) => {
      if (slot.child !== child) return;
      slot.child = null;
      if (this.stopping) return;
      if (Date.now() - slot.startedAt > HEALTHY_AFTER_MS) slot.failures = 0;
      const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** slot.failures);
      slot.failures++;
      opts.log.warn({ index: slot.index, pid: child.pid, code, signal, restartInMs: delay }, 'local worker exited; restarting');
      slot.timer = setTimeout(() => this.spawn(slot), delay);
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.slots.map(async (slot) => {
        if (slot.timer) clearTimeout(slot.timer);
        const child = slot.child;
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(t);
      }),
    );
  }
}
