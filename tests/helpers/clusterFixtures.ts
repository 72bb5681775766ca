// vitest fixtures for the cluster.*.test.ts files: the Redis test lock held for the whole file,
// the cluster (environment, nodes, clients) of each test, and bare socket.io servers joined through
// the Redis adapter; all of it cleaned up after each test.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server as IoServer } from 'socket.io';
import { io as ioClient, type Socket as ClientSocket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type * as Y from 'yjs';
import { installIoAdapter } from '../../server/cluster/ioAdapter';
import { loadConfig } from '../../server/config';
import { createLogger } from '../../server/logger';
import { acquireRedisLock, clusterEnv, REDIS_URL, startInProcessCluster, startProcessCluster, type ClusterEnv } from './cluster';
import type { ServerProcess, TestServer } from './testServer';
import { connectClient, type YClient } from './yclient';

/**
 * Holds the Redis test lock from beforeAll to afterAll, so that Redis restarts in other cluster
 * files never happen under this one (see acquireRedisLock). Call it first at the top of the file:
 * after hooks run in reverse, so the lock is released after the file's own cleanup.
 */
export function holdRedisLock(): void {
  let release: () => void = () => {};
  beforeAll(async () => {
    release = await acquireRedisLock();
  }, 600_000);
  afterAll(() => release());
}

export interface ClusterFixture {
  /** The running test's environment (schema, key prefix, directories); null until started. */
  readonly env: ClusterEnv | null;
  /** In-process nodes (port 0), or child processes: whichever the test started. */
  readonly nodes: TestServer[];
  readonly procs: ServerProcess[];
  /** y-websocket clients; a test may replace an entry (after destroying it) to reconnect. */
  readonly clients: YClient[];
  /** A fresh environment and `n` in-process nodes on it. */
  startInProcess(n: number): Promise<TestServer[]>;
  /** A fresh environment and `n` nodes as child processes (`SIGKILL`ed after the test). */
  startProcesses(n: number): Promise<ServerProcess[]>;
  /** A y-websocket client of `room`, destroyed after the test. */
  connect(wsUrl: string, room: string, token: string, doc?: Y.Doc): YClient;
}

/**
 * A cluster per test on the real PostgreSQL and Redis; holds the Redis lock for the file. After
 * each test: clients destroyed, processes killed, nodes closed, schema and Redis keys removed.
 */
export function useCluster(): ClusterFixture {
  holdRedisLock();
  let env: ClusterEnv | null = null;
  const nodes: TestServer[] = [];
  const procs: ServerProcess[] = [];
  const clients: YClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    for (const p of procs.splice(0)) await p.stop('SIGKILL');
    for (const n of nodes.splice(0)) await n.close();
    await env?.cleanup();
    env = null;
  });
  return {
    get env() {
      return env;
    },
    nodes,
    procs,
    clients,
    async startInProcess(n) {
      env = await clusterEnv();
      nodes.push(...(await startInProcessCluster(env, n)));
      return nodes;
    },
    async startProcesses(n) {
      env = await clusterEnv();
      procs.push(...(await startProcessCluster(env, n)));
      return procs;
    },
    connect(wsUrl, room, token, doc) {
      const c = connectClient(wsUrl, room, token, doc);
      clients.push(c);
      return c;
    },
  };
}

/** A bare socket.io server on port 0 joined to the others through installIoAdapter. */
export interface AdapterNode {
  io: IoServer;
  url: string;
  /** Closes the server and its adapter; again is a no-op. */
  close(): Promise<void>;
}

export interface AdapterNodes {
  /** A node with `nodeId` among those sharing the Redis key `prefix`. */
  start(nodeId: string, prefix: string): Promise<AdapterNode>;
  /** A socket.io client of `url` + `nsp` (no reconnection). */
  client(url: string, nsp: string): ClientSocket;
  /** Runs `fn` after the test, before what was registered earlier. */
  defer(fn: () => Promise<void>): void;
}

/** socket.io nodes over the real Redis and their clients, closed after each test (last first). */
export function useAdapterNodes(): AdapterNodes {
  const log = createLogger({ level: 'silent' });
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  return {
    async start(nodeId, prefix) {
      const server = http.createServer();
      const io = new IoServer(server);
      const closeAdapter = await installIoAdapter(io, loadConfig({ REDIS_URL, REDIS_KEY_PREFIX: prefix, NODE_ID: nodeId }), log);
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      let closed = false;
      const close = async () => {
        if (closed) return;
        closed = true;
        await new Promise<void>((r) => io.close(() => r()));
        await closeAdapter();
      };
      cleanups.push(close);
      return { io, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close };
    },
    client(url, nsp) {
      const s = ioClient(url + nsp, { transports: ['websocket'], reconnection: false });
      cleanups.push(async () => void s.disconnect());
      return s;
    },
    defer(fn) {
      cleanups.push(fn);
    },
  };
}
