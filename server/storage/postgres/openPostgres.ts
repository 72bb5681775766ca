// Opens the PostgreSQL stores of shared (multi-node) mode: one pg Pool for both, migrated on open.
// The schema is whatever the connection's search_path selects, so a deployment (or a test) can pick
// one in DATABASE_URL, e.g. `postgres://host/db?options=-c%20search_path%3Dtandem`.
import pg from 'pg';
import type { Config } from '../../config';
import type { Logger } from '../../logger';
import type { DocStoreMetrics } from '../docStoreMetrics';
import type { DocStore, MetaStore } from '../types';
import { durabilityGate } from '../../cluster/durabilityGate';
import { withDefaultUser } from './connectionUrl';
import { migrate } from './migrations';
import { PgDocStore } from './PgDocStore';
import { PgMetaStore } from './PgMetaStore';
import { PgWebhookStore } from './PgWebhookStore';
import type { WebhookStore } from '../webhookTypes';
import type { JobStore } from '../jobTypes';
import { SqlJobStore } from '../SqlJobStore';

export interface PgStores {
  meta: MetaStore;
  docs: DocStore;
  hooks: WebhookStore;
  jobs: JobStore;
}

/** Opens (and migrates) the PostgreSQL MetaStore, DocStore, WebhookStore and JobStore named by config.shared.databaseUrl. */
export async function openPostgresStores(config: Config, log: Logger, metrics?: DocStoreMetrics): Promise<PgStores> {
  const url = config.shared.databaseUrl;
  if (!url) throw new Error('openPostgresStores needs DATABASE_URL');
  const plog = log.child({ module: 'storage.postgres' });
  // 10 connections: batches, loads and HTTP queries of one node; PostgreSQL's default max is 100.
  const pool = new pg.Pool({ connectionString: withDefaultUser(url), max: 10, idleTimeoutMillis: 30_000 });
  // An idle client losing its connection (server restart) is reported here; without a listener
  // it would crash the process. The pool replaces it on the next query.
  pool.on('error', (err) => plog.warn({ err }, 'idle PostgreSQL connection failed'));
  try {
    const version = await migrate(pool, plog);
    plog.info({ version }, 'PostgreSQL ready');
  } catch (e) {
    await pool.end();
    throw e;
  }
  // The stores share the pool; it ends when the last of them closes.
  let open = 4;
  const release = async () => {
    if (--open === 0) await pool.end();
  };
  return {
    meta: new PgMetaStore(pool, release),
    docs: new PgDocStore(pool, plog, release, durabilityGate(config), metrics),
    hooks: new PgWebhookStore(pool, release),
    jobs: SqlJobStore.pg(pool, release),
  };
}
