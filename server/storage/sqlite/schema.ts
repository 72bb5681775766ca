// Schema migrations for the SQLite store, tracked by PRAGMA user_version. Migrations only ever
// append: migration i brings user_version from i to i + 1. Never edit a released migration.
import type Database from 'better-sqlite3';
import { refuseNewerSchema } from '../SchemaTooNewError';

export const migrations: string[] = [
  // 1: users, tokens, projects, members, tasks and the Yjs update log.
  `
  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    is_admin INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL          -- epoch ms
  );
  CREATE TABLE tokens (
    hash TEXT PRIMARY KEY,               -- hex SHA-256 of the token; the plaintext is never stored
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    label TEXT,
    expires_at INTEGER,                  -- epoch ms, NULL = never
    created_at INTEGER NOT NULL
  );
  CREATE INDEX tokens_user ON tokens(user_id);
  CREATE TABLE projects (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    labels TEXT NOT NULL DEFAULT '[]',   -- JSON [{name, color}]
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL
  );
  CREATE TABLE members (
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('owner', 'annotator', 'reviewer', 'qa', 'viewer')),
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
    created_at INTEGER NOT NULL
  );
  CREATE INDEX tasks_project ON tasks(project_id, created_at);
  -- The Yjs update log. seq is per room, 1-based and increasing; a compacted snapshot takes the seq
  -- of the last update it replaced, so rows appended after it still sort after it.
  CREATE TABLE updates (
    room TEXT NOT NULL,
    seq INTEGER NOT NULL,
    data BLOB NOT NULL,
    at INTEGER NOT NULL,                 -- epoch ms when appended
    PRIMARY KEY (room, seq)
  );
  `,
  // 2: a task's assignee (their queue takes it first); NULL when the user goes.
  `
  ALTER TABLE tasks ADD COLUMN assignee TEXT REFERENCES users(id) ON DELETE SET NULL;
  CREATE INDEX tasks_assignee ON tasks(assignee);
  `,
  // 3: the project's annotation guide (what counts as what), shown in the editor.
  `
  ALTER TABLE projects ADD COLUMN guide TEXT NOT NULL DEFAULT '';
  `,
  // 4: why a task is flagged (a copy of its review room's flag), NULL when it is not.
  `
  ALTER TABLE tasks ADD COLUMN flag TEXT;
  `,
  // 5: how many objects the review room asks changes on (a copy), 0 when none.
  `
  ALTER TABLE tasks ADD COLUMN to_fix INTEGER NOT NULL DEFAULT 0;
  `,
  // 6: unresolved comment threads and the member names they mention (a copy, JSON array).
  `
  ALTER TABLE tasks ADD COLUMN open_threads INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE tasks ADD COLUMN mentioned TEXT NOT NULL DEFAULT '[]';
  `,
  // 7: a project's webhooks and the durable queue of their deliveries (server/webhooks).
  `
  CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    events TEXT NOT NULL,                -- JSON array of event names
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX webhooks_project ON webhooks(project_id);
  CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,
    hook_id TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    key TEXT NOT NULL,                   -- the occurrence: queued twice, delivered once
    event TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER NOT NULL,
    claimed_until INTEGER NOT NULL DEFAULT 0,
    last_status INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    delivered_at INTEGER,
    UNIQUE (hook_id, key)
  );
  CREATE INDEX webhook_deliveries_due ON webhook_deliveries(state, next_at);
  `,
  // 8: the owner's rules for every editor of the project (JSON: noOverlap).
  `
  ALTER TABLE projects ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
  `,
  // 9: objects per label in the task's annotations (a copy, JSON {label: count}); NULL: not read yet.
  `
  ALTER TABLE tasks ADD COLUMN label_counts TEXT;
  `,
  // 10: a project's long-running job of each kind (pre-labelling), held by one process under a lease.
  `
  CREATE TABLE project_jobs (
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('running', 'done', 'stopped', 'failed')),
    options TEXT NOT NULL,               -- JSON, the job's own
    status TEXT NOT NULL,                -- JSON, the job's own
    owner TEXT,
    lease_until INTEGER NOT NULL DEFAULT 0,
    stop_requested INTEGER NOT NULL DEFAULT 0,
    takeovers INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (project_id, kind)
  );
  CREATE INDEX project_jobs_orphans ON project_jobs(kind, state, lease_until);
  `,
  // 11: the task room's last stored seq when its objects were counted (NULL: not known), so a start
  // after a crash counts again the rooms stored further since.
  `
  ALTER TABLE tasks ADD COLUMN label_counts_seq INTEGER;
  `,
  // 12: SHA-256 of a task's image bytes (NULL for tasks from before it): an import by URL does not
  // add an image the project has already.
  `
  ALTER TABLE tasks ADD COLUMN content_hash TEXT;
  CREATE INDEX tasks_content ON tasks(project_id, content_hash);
  `,
  // 13: items waiting for a project's job of a kind (new uploads waiting for their pre-labelling
  // run), kept where every node and the next start see them.
  `
  CREATE TABLE project_job_queue (
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    item TEXT NOT NULL,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (project_id, kind, item)
  );
  CREATE INDEX project_job_queue_kind ON project_job_queue(kind, project_id, added_at);
  `,
  // 14: the image's own attribute values, mirrored from the task room with the label counts.
  `
  ALTER TABLE tasks ADD COLUMN image_attributes TEXT;
  `,
  // 15: a perceptual hash of the task's image (images that look alike), filled at start for older tasks.
  `
  ALTER TABLE tasks ADD COLUMN image_hash TEXT;
  `,
  // 16: the objects' attribute values counted per label, mirrored with the label counts (null: counted again at start).
  `
  ALTER TABLE tasks ADD COLUMN attribute_counts TEXT;
  `,
  // 17: the masks' checks (drawn twice, specks, tiny), mirrored with the label counts (null: counted again at start).
  `
  ALTER TABLE tasks ADD COLUMN object_checks TEXT;
  `,
  // 18: what the owner did to the project, newest read first (server/http/activity.ts).
  `
  CREATE TABLE project_activity (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    at INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
  );
  CREATE INDEX project_activity_project ON project_activity(project_id, id);
  `,
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = migrations.length;

/**
 * Brings the file up to SCHEMA_VERSION. Throws SchemaTooNewError (code `schema_too_new`), changing
 * nothing, when user_version is newer than this code's.
 */
export function migrate(db: Database.Database): void {
  // IMMEDIATE: take the write lock before reading user_version, so two connections opening a fresh
  // file at once cannot both run migration 1.
  const run = db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    refuseNewerSchema('sqlite', current, migrations.length); // before any write; the throw rolls back
    for (let v = current; v < migrations.length; v++) {
      db.exec(migrations[v]);
      db.pragma(`user_version = ${v + 1}`);
    }
  });
  run.immediate();
}
