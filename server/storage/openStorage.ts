// Opens the storage the server runs on. Default (one node, no other service): SQLite at
// DATA_DIR/tandem.db for metadata and the update log, image files in config.shared.imageDir, and
// the in-process bus. DATABASE_URL switches metadata + log to PostgreSQL, REDIS_URL the bus to
// Redis Streams (multi-node); those modules are loaded only when asked for.
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { DocStoreMetrics } from './docStoreMetrics';
import { DirImageStore } from './files/DirImageStore';
import { LocalBus } from './memory/LocalBus';
import { SqliteDocStore } from './sqlite/SqliteDocStore';
import { SqliteMetaStore } from './sqlite/SqliteMetaStore';
import { SqliteWebhookStore } from './sqlite/SqliteWebhookStore';
import type { WebhookStore } from './webhookTypes';
import type { JobStore } from './jobTypes';
import { SqlJobStore } from './SqlJobStore';
import { openSqlite } from './sqlite/openSqlite';
import type { PgStores } from './postgres/openPostgres';
import type { DocStore, MetaStore, RoomBus, Storage } from './types';

/** The SQLite file of a data directory. */
export function sqliteFile(dataDir: string): string {
  return path.join(dataDir, 'tandem.db');
}

/** `opts.metrics`: where the doc store reports its commits (the server's Prometheus histograms). */
export async function openStorage(config: Config, log: Logger, opts: { metrics?: DocStoreMetrics } = {}): Promise<Storage> {
  const slog = log.child({ module: 'storage' });
  fs.mkdirSync(config.dataDir, { recursive: true });
  fs.mkdirSync(config.shared.imageDir, { recursive: true });

  let meta: MetaStore;
  let docs: DocStore;
  let hooks: WebhookStore;
  let jobs: JobStore;
  if (config.shared.databaseUrl) {
    const mod = await importBackend<{ openPostgresStores(c: Config, l: Logger, m?: DocStoreMetrics): Promise<PgStores> }>(
      './postgres/openPostgres', 'openPostgresStores', 'DATABASE_URL',
    );
    ({ meta, docs, hooks, jobs } = await mod.openPostgresStores(config, log, opts.metrics));
    slog.info({ backend: 'postgres' }, 'storage opened');
  } else {
    const file = sqliteFile(config.dataDir);
    meta = SqliteMetaStore.open(file);
    try {
      docs = SqliteDocStore.open(file, { batchMs: config.sync.batchMs, log, metrics: opts.metrics });
    } catch (e) {
      await meta.close();
      throw e;
    }
    hooks = SqliteWebhookStore.open(file);
    jobs = SqlJobStore.sqlite(openSqlite(file));
    slog.info({ backend: 'sqlite', file }, 'storage opened');
  }

  let bus: RoomBus;
  try {
    if (config.shared.redisUrl) {
      const mod = await importBackend<{ createRedisBus(c: Config, l: Logger): Promise<RoomBus> }>(
        './redis/RedisStreamsBus', 'createRedisBus', 'REDIS_URL',
      );
      bus = await mod.createRedisBus(config, log);
    } else {
      bus = new LocalBus(config.nodeId);
    }
  } catch (e) {
    await docs.close();
    await hooks.close();
    await jobs.close();
    await meta.close();
    throw e;
  }

  const images = new DirImageStore(config.shared.imageDir);
  let closing: Promise<void> | null = null;
  return {
    meta,
    docs,
    hooks,
    jobs,
    images,
    bus,
    close() {
      // Idempotent; the doc store flushes its last batch before closing.
      closing ??= (async () => {
        await bus.close();
        await docs.close();
        await hooks.close();
        await jobs.close();
        await meta.close();
        slog.info('storage closed');
      })();
      return closing;
    },
  };
}

/**
 * Imports a backend module that another part of the project provides. The specifier is a variable
 * so the type-checker does not require the file; a missing module is a configuration error.
 */
export async function importBackend<T>(specifier: string, exportName: string, setting: string): Promise<T> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(/* @vite-ignore */ specifier)) as Record<string, unknown>;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((e as Error).message).includes(specifier.slice(2))) {
      throw new Error(`${setting} is set but server/storage/${specifier.slice(2)}.ts is not available in this build`, { cause: e });
    }
    throw e;
  }
  if (typeof mod[exportName] !== 'function') {
    throw new Error(`server/storage/${specifier.slice(2)}.ts does not export ${exportName}()`);
  }
  return mod as T;
}
