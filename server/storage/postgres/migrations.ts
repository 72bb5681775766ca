// Versioned schema migrations for the PostgreSQL backend. Each entry runs once, in order, inside
// one transaction that also records its version, so a failed migration leaves nothing half-done.
// Several nodes may start at once: an advisory lock (per schema) makes them take turns.
import type { Pool, PoolClient } from 'pg';
import type { Logger } from '../../logger';
import { refuseNewerSchema } from '../SchemaTooNewError';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

// Timestamps are epoch milliseconds in BIGINT (same units as the SQLite backend and the types).
export const migrations: Migration[] = [
  {
    version: 1,
    name: 'meta and document log',
    sql: `
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        is_admin BOOLEAN NOT NULL DEFAULT FALSE,
        created_at BIGINT NOT NULL,
        ord BIGSERIAL                        -- insertion order: created_at ties within a millisecond
      );
      CREATE TABLE tokens (
        hash TEXT PRIMARY KEY,               -- SHA-256 hex of the token; the plaintext is never stored
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        label TEXT,
        expires_at BIGINT,
        created_at BIGINT NOT NULL
      );
      CREATE INDEX tokens_user ON tokens(user_id);
      CREATE TABLE projects (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        labels JSONB NOT NULL DEFAULT '[]',
        created_by TEXT NOT NULL REFERENCES users(id),
        created_at BIGINT NOT NULL,
        ord BIGSERIAL
      );
      CREATE TABLE members (
        project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        role TEXT NOT NULL CHECK (role IN ('owner', 'annotator', 'reviewer', 'qa', 'viewer')),
        ord BIGSERIAL,                       -- the order members were added in
        PRIMARY KEY (project_id, user_id)
      );
      CREATE INDEX members_user ON members(user_id);
      CREATE TABLE tasks (
        id TEXT PRIMARY KEY,
        project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'todo' CHECK (status IN ('todo', 'in_progress', 'in_review', 'done')),
        image_key TEXT NOT NULL,
        mime TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        ord BIGSERIAL
      );
      CREATE INDEX tasks_project ON tasks(project_id, ord);
      -- One row per room: its next sequence number. Writers lock this row (upsert) for the length of
      -- their transaction, which serialises appends to one room across every node.
      CREATE TABLE doc_rooms (
        room TEXT PRIMARY KEY,
        last_seq BIGINT NOT NULL DEFAULT 0
      );
      CREATE TABLE doc_updates (
        room TEXT NOT NULL,
        seq BIGINT NOT NULL,
        data BYTEA NOT NULL,
        PRIMARY KEY (room, seq)
      );
    `,
  },
  {
    version: 2,
    name: 'task assignee',
    sql: `
      ALTER TABLE tasks ADD COLUMN assignee TEXT REFERENCES users(id) ON DELETE SET NULL;
      CREATE INDEX tasks_assignee ON tasks(assignee);
    `,
  },
  {
    version: 3,
    name: 'project guide',
    sql: `ALTER TABLE projects ADD COLUMN guide TEXT NOT NULL DEFAULT '';`,
  },
  {
    version: 4,
    name: 'task flag',
    sql: `ALTER TABLE tasks ADD COLUMN flag TEXT;`,
  },
  {
    version: 5,
    name: 'task objects to fix',
    sql: `ALTER TABLE tasks ADD COLUMN to_fix INTEGER NOT NULL DEFAULT 0;`,
  },
  {
    version: 6,
    name: 'task open threads and mentions',
    sql: `ALTER TABLE tasks ADD COLUMN open_threads INTEGER NOT NULL DEFAULT 0;
          ALTER TABLE tasks ADD COLUMN mentioned TEXT NOT NULL DEFAULT '[]';`,
  },
  {
    version: 7,
    name: 'webhooks and their deliveries',
    sql: `
      CREATE TABLE webhooks (
        id TEXT PRIMARY KEY,
        project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        url TEXT NOT NULL,
        secret TEXT NOT NULL,
        events TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at BIGINT NOT NULL
      );
      CREATE INDEX webhooks_project ON webhooks(project_id);
      CREATE TABLE webhook_deliveries (
        id TEXT PRIMARY KEY,
        hook_id TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        event TEXT NOT NULL,
        payload TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_at BIGINT NOT NULL,
        claimed_until BIGINT NOT NULL DEFAULT 0,
        last_status INTEGER,
        last_error TEXT,
        created_at BIGINT NOT NULL,
        delivered_at BIGINT,
        UNIQUE (hook_id, key)
      );
      CREATE INDEX webhook_deliveries_due ON webhook_deliveries(state, next_at);
    `,
  },
  {
    version: 8,
    name: 'project settings',
    sql: `ALTER TABLE projects ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';`,
  },
  {
    version: 9,
    name: 'task objects per label',
    sql: `ALTER TABLE tasks ADD COLUMN label_counts TEXT;`,
  },
  {
    version: 10,
    name: 'project jobs',
    sql: `
      CREATE TABLE project_jobs (
        project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('running', 'done', 'stopped', 'failed')),
        options TEXT NOT NULL,
        status TEXT NOT NULL,
        owner TEXT,
        lease_until BIGINT NOT NULL DEFAULT 0,
        stop_requested BOOLEAN NOT NULL DEFAULT FALSE,
        takeovers INTEGER NOT NULL DEFAULT 0,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (project_id, kind)
      );
      CREATE INDEX project_jobs_orphans ON project_jobs(kind, state, lease_until);
    `,
  },
  {
    version: 11,
    name: 'task objects per label: the room seq counted',
    sql: `ALTER TABLE tasks ADD COLUMN label_counts_seq BIGINT;`,
  },
  {
    version: 12,
    name: 'task image content hash',
    sql: `
      ALTER TABLE tasks ADD COLUMN content_hash TEXT;
      CREATE INDEX tasks_content ON tasks(project_id, content_hash);
    `,
  },
  {
    version: 13,
    name: 'project job queue',
    sql: `
      CREATE TABLE project_job_queue (
        project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        item TEXT NOT NULL,
        added_at BIGINT NOT NULL,
        PRIMARY KEY (project_id, kind, item)
      );
      CREATE INDEX project_job_queue_kind ON project_job_queue(kind, project_id, added_at);
    `,
  },
  {
    version: 14,
    name: 'task image attributes',
    sql: `ALTER TABLE tasks ADD COLUMN image_attributes TEXT;`,
  },
  {
    version: 15,
    name: 'task image hash',
    sql: `ALTER TABLE tasks ADD COLUMN image_hash TEXT;`,
  },
  {
    version: 16,
    name: 'task attribute counts',
    sql: `ALTER TABLE tasks ADD COLUMN attribute_counts TEXT;`,
  },
  {
    version: 17,
    name: 'task object checks',
    sql: `ALTER TABLE tasks ADD COLUMN object_checks TEXT;`,
  },
  {
    version: 18,
    name: 'project activity',
    sql: `
      CREATE TABLE project_activity (
        id BIGSERIAL PRIMARY KEY,
        project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        at BIGINT NOT NULL,
        user_id TEXT NOT NULL,
        action TEXT NOT NULL,
        detail TEXT NOT NULL
      );
      CREATE INDEX project_activity_project ON project_activity(project_id, id);`,
  },
];

/**
 * Applies every migration newer than the schema's recorded version. Rejects with SchemaTooNewError
 * (code `schema_too_new`), changing nothing, when the recorded version is newer than this code's.
 */
export async function migrate(pool: Pool, log: Logger): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // hashtext(current_schema()): one lock per schema, so parallel test schemas never wait on each other.
    await client.query('SELECT pg_advisory_xact_lock(hashtext(current_schema()))');
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
    );
    const current = await currentVersion(client);
    const latest = migrations.at(-1)?.version ?? 0;
    // A newer Tandem migrated this schema: refuse before running anything (the catch rolls back).
    refuseNewerSchema('postgres', current, latest);
    for (const m of migrations) {
      if (m.version <= current) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, Date.now()]);
      log.info({ version: m.version, name: m.name }, 'applied migration');
    }
    await client.query('COMMIT');
    return latest;
  } catch (e) {
    await client.query('ROLLBACK').catch((re: unknown) => log.warn({ err: re }, 'rollback after a failed migration failed'));
    throw e;
  } finally {
    client.release();
  }
}

async function currentVersion(client: PoolClient): Promise<number> {
  const r = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
  return r.rows[0]?.v ?? 0;
}
