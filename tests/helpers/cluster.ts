// Shared by the cluster.*.test.ts files (and the cluster bench): a real Redis restart, clusters
// of real nodes on a throw-away PostgreSQL schema and Redis key prefix, and what PostgreSQL holds
// of a room. No vitest here (the bench imports it): the per-test fixtures are clusterFixtures.ts.
import { execFileSync, execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import * as Y from 'yjs';
import { loadConfig } from '../../server/config';
import { createLogger } from '../../server/logger';
import { openPostgresStores } from '../../server/storage/postgres/openPostgres';
import { createTempSchema, type TempSchema } from '../../server/storage/postgres/tempSchema';
import { newId } from '../../shared/schema/ids';
import { startServerProcess, startTestServer, type ServerProcess, type TestServer } from './testServer';
import { waitFor } from './waitFor';

/**
 * The cluster test files restart the machine's one Redis; a file that merely uses it would see
 * that outage as its own failure. So every file that touches Redis holds this lock from beforeAll
 * to afterAll (a directory: mkdir is atomic across processes), and such files run one at a time
 * while the rest of the suite runs in parallel. A lock left by a dead process is taken over.
 */
const LOCK_DIR = path.join(os.tmpdir(), 'tandem-redis-tests.lock');

export async function acquireRedisLock(timeoutMs = 600_000): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.mkdirSync(LOCK_DIR);
      fs.writeFileSync(path.join(LOCK_DIR, 'pid'), String(process.pid));
      return () => fs.rmSync(LOCK_DIR, { recursive: true, force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = lockOwner();
    // An owner writes its pid right after mkdir: a lock whose pid stays unreadable is left over.
    const stale = owner === null ? Date.now() - lockAge() > 30_000 : !alive(owner);
    if (stale) fs.rmSync(LOCK_DIR, { recursive: true, force: true });
    if (Date.now() > deadline) throw new Error(`the Redis test lock ${LOCK_DIR} is still held by pid ${owner ?? '?'}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The pid holding the lock; null while it is unreadable (just created, or being removed). */
function lockOwner(): number | null {
  try {
    return Number(fs.readFileSync(path.join(LOCK_DIR, 'pid'), 'utf8')) || null;
  } catch {
    return null; // ENOENT: not written yet, or removed meanwhile; the caller decides by age
  }
}

function lockAge(): number {
  try {
    return Date.now() - fs.statSync(LOCK_DIR).mtimeMs;
  } catch {
    return 0; // gone: the next mkdir will tell
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, just not ours
  }
}

// The exact command the machine's Redis was started with (/work/.library/env/machines/node-svc.md):
// no persistence, so a restart loses every stream, which is the case the bus must survive.
const REDIS_START =
  'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log';

function redisUp(): boolean {
  try {
    return execFileSync('redis-cli', ['-p', '6379', 'ping'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() === 'PONG';
  } catch {
    return false; // redis-cli exits non-zero when it cannot connect: that is the answer
  }
}

/** `redis-cli shutdown nosave`, runs `whileDown`, starts Redis again and waits until it answers. */
export async function restartRedis(whileDown: () => Promise<void> = async () => {}): Promise<void> {
  try {
    execFileSync('redis-cli', ['-p', '6379', 'shutdown', 'nosave'], { stdio: 'ignore' });
  } catch {
    // redis-cli reports the connection the shutdown closed as an error; the poll below decides.
  }
  await waitFor(() => !redisUp(), 'Redis to stop', 10_000);
  try {
    await whileDown();
  } finally {
    execSync(REDIS_START, { stdio: 'ignore' });
    await waitFor(redisUp, 'Redis to start', 10_000);
  }
}

// ---- a cluster of real Tandem nodes -------------------------------------------------------------
export const REDIS_URL = 'redis://127.0.0.1:6379';
export const PG_URL = 'postgres://127.0.0.1:5432/test';

/** What every node of one test cluster shares: database schema, Redis key prefix, images, admin token. */
export interface ClusterEnv {
  env: Record<string, string>;
  schema: TempSchema;
  root: string;
  /** Removes the schema, the Redis keys and the directories. */
  cleanup(): Promise<void>;
}

export async function clusterEnv(): Promise<ClusterEnv> {
  const schema = await createTempSchema(PG_URL);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-cluster-'));
  const prefix = `tandem:test:${newId(8)}:`;
  const env = {
    DATABASE_URL: schema.url,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    IMAGE_DIR: path.join(root, 'images'),
    ADMIN_TOKEN: randomBytes(24).toString('base64url'),
    LOG_LEVEL: 'warn',
    // The tests' webhook receivers listen on 127.0.0.1, which a default server refuses.
    WEBHOOK_ALLOW_PRIVATE: 'true',
  };
  return {
    env,
    schema,
    root,
    async cleanup() {
      await schema.drop();
      const c = createClient({ url: REDIS_URL });
      c.on('error', () => undefined);
      await c.connect();
      for await (const keys of c.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) if (keys.length) await c.del(keys);
      c.destroy();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

/**
 * `n` in-process nodes on port 0. Node 0 starts first: it migrates the schema and registers the
 * admin token, which the others then find (started together they would race to register it).
 */
export async function startInProcessCluster(c: ClusterEnv, n: number): Promise<TestServer[]> {
  const start = (i: number) =>
    startTestServer({ env: { ...c.env, NODE_ID: `node-${i}` }, dataDir: fs.mkdtempSync(path.join(c.root, `node-${i}-`)) });
  const first = await start(0);
  const rest = await Promise.all(Array.from({ length: n - 1 }, (_, k) => start(k + 1)));
  return [first, ...rest];
}

/** `n` nodes as child processes (`node --import tsx server/main.ts`), for crash tests. */
export async function startProcessCluster(c: ClusterEnv, n: number): Promise<ServerProcess[]> {
  const start = (i: number) =>
    startServerProcess({ ...c.env, NODE_ID: `node-${i}`, DATA_DIR: fs.mkdtempSync(path.join(c.root, `node-${i}-`)) }, 150_000);
  const first = await start(0);
  const rest = await Promise.all(Array.from({ length: n - 1 }, (_, k) => start(k + 1)));
  return [first, ...rest];
}

/** The room as the PostgreSQL at `url` holds it, replayed into a fresh document. */
export async function storedDoc(url: string, room: string): Promise<Y.Doc> {
  const { meta, docs, hooks, jobs } = await openPostgresStores(loadConfig({ DATABASE_URL: url }), createLogger({ level: 'silent' }));
  try {
    const doc = new Y.Doc();
    for (const u of (await docs.load(room)).updates) Y.applyUpdate(doc, u);
    return doc;
  } finally {
    await docs.close();
    await hooks.close();
    await jobs.close();
    await meta.close();
  }
}
