// Opens the SQLite file with the pragmas every Tandem connection needs and brings the schema up to
// date. Both SqliteMetaStore and SqliteDocStore call it, each on its own connection: better-sqlite3
// is synchronous, so two connections in one process never hold write locks at the same time, and
// each store owns (and closes) exactly what it opened.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from './schema';

export type SqliteDb = Database.Database;

/**
 * Durability of a commit. We use FULL.
 * - FULL: in WAL mode every COMMIT fsyncs the WAL, so a commit that returned survives a power cut
 *   as well as a process crash, which is what "append resolves once durable" promises. The doc
 *   store batches updates (one commit per `sync.batchMs` window) and commits in a worker thread, so
 *   the fsync is paid once per batch and never on the event loop.
 * - NORMAL: commits reach the OS but are fsynced only at checkpoints; safe against SIGKILL, not
 *   against power loss.
 * Measured (`npm run bench -- storage`, this 2-core machine while shared, CPU pressure ~99%): one
 * transaction per update 106-246 appends/s with FULL; batched, 100 writers, FULL 1,057-1,733
 * appends/s against NORMAL 1,600-2,733 with the same p50 (~45 ms, the 25 ms window plus
 * scheduling). Batching is what buys throughput; NORMAL would save little and lose durability.
 */
export type Synchronous = 'FULL' | 'NORMAL';

export function openSqlite(file: string, opts: { synchronous?: Synchronous } = {}): SqliteDb {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${opts.synchronous ?? 'FULL'}`);
    db.pragma('foreign_keys = ON');
    // Another process (a CLI export, a second connection) may hold the write lock briefly.
    db.pragma('busy_timeout = 5000');
    // After a checkpoint, truncate a WAL that grew past 64 MiB (a burst) instead of keeping it.
    db.pragma('journal_size_limit = 67108864');
    migrate(db);
  } catch (e) {
    db.close();
    throw e;
  }
  return db;
}

/** True when `e` is a SQLite error with the given extended code (e.g. SQLITE_CONSTRAINT_FOREIGNKEY). */
export function isSqliteError(e: unknown, code: string): boolean {
  return e instanceof Error && (e as Error & { code?: string }).code === code;
}
