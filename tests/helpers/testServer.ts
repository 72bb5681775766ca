// Real Tandem servers for tests: in-process on port 0 with a temp DATA_DIR (startTestServer), or a
// child process running server/main.ts (startServerProcess) for crash tests. Both clean up after
// themselves. Other helpers' tests reuse these: keep the signatures stable (add, do not change).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTandemServer, type TandemServer } from '../../server/app';
import { loadConfig } from '../../server/config';
import { createLogger } from '../../server/logger';
import { makeImage } from './images';
import { waitFor } from './waitFor';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ApiResponse<T = any> {
  status: number;
  /** Parsed JSON when the response is JSON, else the raw bytes. */
  body: T;
  headers: Headers;
}

export type Api = <T = any>(
  method: string,
  path: string,
  body?: unknown,
  token?: string | null,
  headers?: Record<string, string>,
) => Promise<ApiResponse<T>>;

export interface TestServer {
  url: string;
  /** ws://host/sync: the serverUrl of a y-websocket WebsocketProvider. */
  wsUrl: string;
  adminToken: string;
  dataDir: string;
  server: TandemServer;
  /**
   * Calls the HTTP API. `body`: a plain value is sent as JSON; a Buffer/Uint8Array raw (give the
   * content-type in `headers`). `token`: defaults to the admin's; null sends none.
   */
  api: Api;
  createProjectWithTask(opts?: { name?: string; labels?: Array<{ name: string; color: string }>; image?: Buffer; imageType?: string; taskName?: string }): Promise<{ projectId: string; taskId: string; width: number; height: number }>;
  addMember(projectId: string, role: 'annotator' | 'reviewer' | 'qa' | 'viewer', name?: string): Promise<{ userId: string; token: string }>;
  close(): Promise<void>;
}

/** Makes an `api()` function for a base URL. */
export function makeApi(url: string, defaultToken: string | null): Api {
  return async (method, p, body, token = defaultToken, headers = {}) => {
    const h: Record<string, string> = { ...headers };
    if (token) h.authorization = `Bearer ${token}`;
    let payload: BodyInit | undefined;
    if (body instanceof Uint8Array) payload = body as Uint8Array<ArrayBuffer>;
    else if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      h['content-type'] ??= 'application/json';
    }
    const res = await fetch(url + p, { method, headers: h, body: payload });
    const type = res.headers.get('content-type') ?? '';
    const out = type.includes('json') ? await res.json() : Buffer.from(await res.arrayBuffer());
    return { status: res.status, body: out, headers: res.headers };
  };
}

export async function startTestServer(opts: { inference?: boolean; env?: Record<string, string>; dataDir?: string } = {}): Promise<TestServer> {
  const ownDir = !opts.dataDir;
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-test-'));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    INFERENCE_WORKERS: '1',
    ...opts.env,
  });
  const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const server = await createTandemServer(config, log, { inference: opts.inference ?? false });
  const api = makeApi(server.url, server.adminToken);

  async function createProjectWithTask(o: Parameters<TestServer['createProjectWithTask']>[0] = {}) {
    const labels = o.labels ?? [{ name: 'object', color: '#ff0000' }];
    const p = await api('POST', '/api/projects', { name: o.name ?? 'test project', labels });
    if (p.status !== 201) throw new Error(`create project: ${p.status} ${JSON.stringify(p.body)}`);
    const image = o.image ?? (await makeImage(64, 48, 'png'));
    const t = await api('POST', `/api/projects/${p.body.id}/tasks?name=${encodeURIComponent(o.taskName ?? 'image.png')}`, image, undefined, {
      'content-type': o.imageType ?? 'image/png',
    });
    if (t.status !== 201) throw new Error(`upload: ${t.status} ${JSON.stringify(t.body)}`);
    return { projectId: p.body.id as string, taskId: t.body.id as string, width: t.body.width as number, height: t.body.height as number };
  }

  async function addMember(projectId: string, role: 'annotator' | 'reviewer' | 'qa' | 'viewer', name = `${role}-${Math.random().toString(36).slice(2, 7)}`) {
    const r = await api('POST', `/api/projects/${projectId}/members`, { name, role });
    if (r.status !== 201) throw new Error(`add member: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as { userId: string; token: string };
  }

  return {
    url: server.url,
    wsUrl: server.url.replace(/^http/, 'ws') + '/sync',
    adminToken: server.adminToken,
    dataDir,
    server,
    api,
    createProjectWithTask,
    addMember,
    async close() {
      await server.close();
      if (ownDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ServerProcess {
  url: string;
  wsUrl: string;
  port: number;
  adminToken: string;
  child: ChildProcess;
  /** Everything the child printed so far (stdout and stderr). */
  output(): string;
  /** Sends a signal and waits for the exit; resolves with the exit code (null when killed). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Spawns `node --import tsx server/main.ts` with `env` (PORT defaults to 0, i.e. any free port;
 * DATA_DIR is required) and waits until /healthz answers 200.
 */
export async function startServerProcess(env: Record<string, string>, timeoutMs = 120_000): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'server', 'main.ts')], {
    cwd: repoRoot,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', INFERENCE_WORKERS: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let dead = false;
  void exited.then(() => (dead = true));
  try {
    const link = await waitFor(() => {
      if (dead) throw new Error(`server exited early:\n${out}`);
      return /Sign in as admin: (http:\/\/\S+?):(\d+)\/\?token=(\S+)/.exec(out);
    }, 'the server to print its address', timeoutMs, 20);
    const port = Number(link[2]);
    const url = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(url + '/healthz').catch(() => null))?.status === 200, '/healthz', timeoutMs, 20);
    return {
      url,
      wsUrl: url.replace(/^http/, 'ws') + '/sync',
      port,
      adminToken: decodeURIComponent(link[3]),
      child,
      output: () => out,
      async stop(signal = 'SIGTERM') {
        if (!dead) child.kill(signal);
        return exited;
      },
    };
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
}
