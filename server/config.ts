// The only module that reads process.env. loadConfig validates everything once at start, lists
// every problem, and returns a frozen, nested object that is passed down.
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);

const EnvSchema = z.object({
  PORT: int(3000),
  HOST: z.string().default('0.0.0.0'),
  PUBLIC_URL: z.string().url().optional(),
  DATA_DIR: z.string().default('./data'),
  ADMIN_TOKEN: z.string().min(16, 'ADMIN_TOKEN must be at least 16 characters').optional(),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  NODE_ID: z.string().optional(),

  INFERENCE_WORKERS: int(1),
  INFERENCE_PROVIDERS: z.string().default('cpu'),
  INFERENCE_THREADS: z.coerce.number().int().min(1).optional(),
  INFERENCE_TIMEOUT_MS: int(15000, 100),
  INFERENCE_MAX_IN_FLIGHT: int(2, 1),
  INFERENCE_CACHE_MB: int(512, 16),
  INFERENCE_DEFAULT_MODEL: z.string().optional(),
  INFERENCE_RATE_PER_SEC: int(20, 1),
  INFERENCE_MODELS_DIR: z.string().optional(),
  WORKER_TOKEN: z.string().min(16).optional(),

  MAX_IMAGE_BYTES: int(50 * 1024 * 1024, 1024),
  MAX_IMAGE_PIXELS: int(64_000_000, 1),
  MAX_JSON_BYTES: int(1024 * 1024, 1024),
  SYNC_MAX_FRAME_BYTES: int(16 * 1024 * 1024, 1024),
  // SQLite's update-log batch window. PostgreSQL has none (PgDocStore: a batch goes out as soon as
  // the previous one committed), since other nodes see an edit only after its commit.
  SYNC_BATCH_MS: int(25, 1),
  SYNC_COMPACT_AFTER: int(500, 10),
  SYNC_UNLOAD_GRACE_MS: int(10_000),
  SYNC_PING_MS: int(30_000, 100),
  SYNC_ACCESS_CHECK_MS: int(30_000, 100),
  WEBHOOK_TIMEOUT_MS: int(10_000, 100),
  PRELABEL_LEASE_MS: int(15_000, 300),
  /** Waits between webhook attempts, ms, comma-separated (default 10 s, 1 min, 5 min, 30 min, 2 h). */
  WEBHOOK_RETRY_MS: z.string().regex(/^\d+(,\d+)*$/, 'comma-separated milliseconds').optional(),
  /** Webhook receivers at private addresses (loopback, 10/8, 192.168/16, …) allowed. */
  WEBHOOK_ALLOW_PRIVATE: z.enum(['true', 'false', '1', '0']).default('false'),
  /** Images imported by URL from private addresses allowed (an image store inside the network). */
  IMPORT_ALLOW_PRIVATE: z.enum(['true', 'false', '1', '0']).default('false'),
  IMPORT_FETCH_TIMEOUT_MS: int(30_000, 100),
  /** Days a project's activity log keeps a line (0: for good). */
  ACTIVITY_KEEP_DAYS: int(0, 0),

  REDIS_URL: z.string().optional(),
  // Prefix of every Redis key Tandem uses (room streams, socket.io stream, epoch): lets several
  // clusters (or parallel test runs) share one Redis without seeing each other.
  REDIS_KEY_PREFIX: z.string().regex(/^[A-Za-z0-9:_-]{1,64}$/, 'REDIS_KEY_PREFIX: letters, digits, : _ -').default('tandem:'),
  DATABASE_URL: z.string().optional(),
  IMAGE_DIR: z.string().optional(),
});

export type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env) {
  // Empty strings mean "unset" (a common shell idiom: FOO= npm start).
  const clean = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(clean);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR);
  const cores = Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  const workers = e.INFERENCE_WORKERS;
  const providers = e.INFERENCE_PROVIDERS.split(',').map((s) => s.trim()).filter(Boolean);
  const badProviders = providers.filter((p) => !['cpu', 'cuda', 'webgpu'].includes(p));
  if (badProviders.length) throw new ConfigError([`INFERENCE_PROVIDERS: unknown provider(s) ${badProviders.join(', ')}`]);
  return deepFreeze({
    port: e.PORT,
    host: e.HOST,
    publicUrl: e.PUBLIC_URL ?? null,
    dataDir,
    adminToken: e.ADMIN_TOKEN ?? null,
    logLevel: e.LOG_LEVEL,
    nodeId: e.NODE_ID ?? `${os.hostname()}-${process.pid}`,
    inference: {
      workers,
      providers: providers as Array<'cpu' | 'cuda' | 'webgpu'>,
      // workers x threads <= cores, so local workers never oversubscribe the machine.
      threads: e.INFERENCE_THREADS ?? Math.max(1, Math.floor(cores / Math.max(1, workers))),
      timeoutMs: e.INFERENCE_TIMEOUT_MS,
      maxInFlightPerWorker: e.INFERENCE_MAX_IN_FLIGHT,
      cacheBytes: e.INFERENCE_CACHE_MB * 1024 * 1024,
      defaultModel: e.INFERENCE_DEFAULT_MODEL ?? null,
      ratePerSec: e.INFERENCE_RATE_PER_SEC,
      workerToken: e.WORKER_TOKEN ?? null,
      // Where models/manifest.json and the ONNX files live (tests point it at fixtures).
      modelsDir: path.resolve(e.INFERENCE_MODELS_DIR ?? 'models'),
    },
    limits: {
      maxImageBytes: e.MAX_IMAGE_BYTES,
      maxImagePixels: e.MAX_IMAGE_PIXELS,
      maxJsonBytes: e.MAX_JSON_BYTES,
      maxFrameBytes: e.SYNC_MAX_FRAME_BYTES,
    },
    sync: {
      batchMs: e.SYNC_BATCH_MS,
      compactAfter: e.SYNC_COMPACT_AFTER,
      // A room stays loaded this long after its last socket left (quick reloads of the page).
      unloadGraceMs: e.SYNC_UNLOAD_GRACE_MS,
      // Keepalive ping period; a socket that misses one pong is dropped.
      pingMs: e.SYNC_PING_MS,
      // Open sockets' tokens, memberships and tasks re-checked against the store this often
      // (server/sync/accessSweep.ts): bounds how long a missed access change or an expiry lasts.
      accessCheckMs: e.SYNC_ACCESS_CHECK_MS,
    },
    // Webhook deliveries (server/webhooks/deliverer.ts): how long a receiver has to answer, and
    // the waits between attempts (one attempt more than waits, then the delivery is failed).
    webhooks: {
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      // An owner may point a webhook only at public addresses unless the admin says otherwise
      // (server/net/privateAddress.ts).
      allowPrivate: e.WEBHOOK_ALLOW_PRIVATE === 'true' || e.WEBHOOK_ALLOW_PRIVATE === '1',
      ...(e.WEBHOOK_RETRY_MS ? { retryDelaysMs: e.WEBHOOK_RETRY_MS.split(',').map(Number) } : {}),
    },
    // A pre-labelling run is held by the process running it for this long after each renewal (it
    // renews every third of it): another node, or this one restarted, carries on a run whose
    // process died this long after its last renewal (server/dataset/prelabel).
    prelabel: { leaseMs: e.PRELABEL_LEASE_MS },
    // Images the server fetches for an import by URL (server/http/urlImport.ts): from private
    // addresses only if the admin allows it (server/net/privateAddress.ts), each within a time.
    imports: {
      allowPrivate: e.IMPORT_ALLOW_PRIVATE === 'true' || e.IMPORT_ALLOW_PRIVATE === '1',
      fetchTimeoutMs: e.IMPORT_FETCH_TIMEOUT_MS,
    },
    // The projects' activity logs (server/http/activityTrim.ts): lines older than this many days
    // are deleted every hour; 0 keeps them for good.
    activity: { keepDays: e.ACTIVITY_KEEP_DAYS },
    shared: {
      redisUrl: e.REDIS_URL ?? null,
      redisPrefix: e.REDIS_KEY_PREFIX,
      databaseUrl: e.DATABASE_URL ?? null,
      imageDir: path.resolve(e.IMAGE_DIR ?? path.join(dataDir, 'images')),
    },
  });
}

export type Config = ReturnType<typeof loadConfig>;

/** The environment's config with some variables overridden (CLI flags such as --data-dir). */
export function loadConfigWith(overrides: Env): Config {
  return loadConfig({ ...process.env, ...overrides });
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
