// The project-job store (jobTypes.ts) on SQLite and PostgreSQL: the same statements, written with
// PostgreSQL's $n placeholders and turned into SQLite's ? for better-sqlite3. Each operation is one
// statement, so it is atomic on both; PostgreSQL's take-over skips a row another node is locking.
import type { Pool } from 'pg';
import { ErrorCode, TandemError } from '../../shared/protocol/errors';
import type { ProjectId } from '../../shared/schema/ids';
import type { JobHead, JobState, JobStore, ProjectJob, QueuedItem, QueueHead } from './jobTypes';
import type { SqliteDb } from './sqlite/openSqlite';

interface JobRow {
  project_id: string;
  kind: string;
  state: string;
  options: string;
  status: string;
  owner: string | null;
  lease_until: number | string;
  stop_requested: number | boolean;
  takeovers: number | string;
  updated_at: number | string;
}

/** Runs one statement: its rows (RETURNING or SELECT) and how many rows it changed. */
type Exec = <R = JobRow>(sql: string, params: unknown[]) => Promise<{ rows: R[]; changes: number }>;

/** At most this many items in one statement's parameter list. */
const CHUNK = 500;
const chunks = <T>(items: T[]): T[][] => Array.from({ length: Math.ceil(items.length / CHUNK) }, (_, i) => items.slice(i * CHUNK, (i + 1) * CHUNK));

// PostgreSQL returns BIGINT as strings and booleans as booleans, SQLite numbers for both.
const flag = (v: number | boolean): boolean => v === true || Number(v) === 1;
const toHead = (r: Omit<JobRow, 'options'>): JobHead => ({
  projectId: r.project_id as ProjectId,
  kind: r.kind,
  state: r.state as JobState,
  status: r.status,
  owner: r.owner,
  leaseUntil: Number(r.lease_until),
  stopRequested: flag(r.stop_requested),
  takeovers: Number(r.takeovers),
  updatedAt: Number(r.updated_at),
});
const toJob = (r: JobRow): ProjectJob => ({ ...toHead(r), options: r.options });

/** Every column but `options`. */
const HEAD = 'project_id, kind, state, status, owner, lease_until, stop_requested, takeovers, updated_at';

/** `$1 … $n` → `?` with the parameters in the order they appear (a $n may repeat). */
function forSqlite(sql: string, params: unknown[]): { sql: string; params: unknown[] } {
  const out: unknown[] = [];
  const text = sql.replace(/\$(\d+)/g, (_m, n: string) => (out.push(params[Number(n) - 1]), '?'));
  return { sql: text, params: out };
}

/** A row naming a project that does not exist (a foreign key refused) is `not_found`. */
function notFound(e: unknown): unknown {
  const code = (e as { code?: string }).code;
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY' ? new TandemError(ErrorCode.NotFound, 'no such project', { cause: e }) : e;
}

export class SqlJobStore implements JobStore {
  private closed = false;

  private constructor(
    private readonly exec: Exec,
    private readonly dialect: 'sqlite' | 'pg',
    private readonly onClose: () => Promise<void>,
  ) {}

  /** On its own connection to the file, like the other SQLite stores. */
  static sqlite(db: SqliteDb): SqlJobStore {
    const exec: Exec = async (sql, params) => {
      const s = forSqlite(sql, params.map((p) => (typeof p === 'boolean' ? Number(p) : p)));
      const stmt = db.prepare(s.sql);
      if (stmt.reader) {
        const rows = stmt.all(...s.params) as never[];
        return { rows, changes: rows.length };
      }
      return { rows: [], changes: stmt.run(...s.params).changes };
    };
    return new SqlJobStore(exec, 'sqlite', async () => void db.close());
  }

  /** On the nodes' shared pool; `release` ends the pool when its last store closes. */
  static pg(pool: Pool, release: () => Promise<void>): SqlJobStore {
    const exec: Exec = async (sql, params) => {
      const r = await pool.query(sql, params);
      return { rows: r.rows as never[], changes: r.rowCount ?? 0 };
    };
    return new SqlJobStore(exec, 'pg', release);
  }

  async begin(i: { projectId: ProjectId; kind: string; options: string; status: string; owner: string; leaseUntil: number; now: number }): Promise<boolean> {
    try {
      const r = await this.q(
        `INSERT INTO project_jobs (project_id, kind, state, options, status, owner, lease_until, stop_requested, takeovers, updated_at)
         VALUES ($1, $2, 'running', $3, $4, $5, $6, $7, 0, $8)
         ON CONFLICT (project_id, kind) DO UPDATE SET state = 'running', options = excluded.options, status = excluded.status,
           owner = excluded.owner, lease_until = excluded.lease_until, stop_requested = excluded.stop_requested, takeovers = 0, updated_at = excluded.updated_at
         WHERE project_jobs.state <> 'running'`,
        [i.projectId, i.kind, i.options, i.status, i.owner, i.leaseUntil, false, i.now],
      );
      return r.changes === 1;
    } catch (e) {
      throw notFound(e);
    }
  }

  async get(projectId: ProjectId, kind: string): Promise<JobHead | null> {
    const r = await this.q(`SELECT ${HEAD} FROM project_jobs WHERE project_id = $1 AND kind = $2`, [projectId, kind]);
    return r.rows[0] ? toHead(r.rows[0]) : null;
  }

  async renew(projectId: ProjectId, kind: string, owner: string, u: { state: JobState; status: string; leaseUntil: number; now: number }): Promise<{ stopRequested: boolean } | null> {
    const r = await this.q(
      `UPDATE project_jobs SET state = $4, status = $5, lease_until = $6, updated_at = $7
       WHERE project_id = $1 AND kind = $2 AND owner = $3 AND state = 'running' RETURNING stop_requested`,
      [projectId, kind, owner, u.state, u.status, u.state === 'running' ? u.leaseUntil : 0, u.now],
    );
    const row = r.rows[0];
    return row ? { stopRequested: flag(row.stop_requested) } : null;
  }

  async requestStop(projectId: ProjectId, kind: string, now: number): Promise<JobHead | null> {
    await this.q(`UPDATE project_jobs SET stop_requested = $3, updated_at = $4 WHERE project_id = $1 AND kind = $2 AND state = 'running'`, [projectId, kind, true, now]);
    return this.get(projectId, kind);
  }

  async claimOrphan(kind: string, owner: string, now: number, leaseUntil: number, projectId?: ProjectId): Promise<ProjectJob | null> {
    const lock = this.dialect === 'pg' ? 'FOR UPDATE SKIP LOCKED' : '';
    const r = await this.q(
      `UPDATE project_jobs SET owner = $2, lease_until = $4, takeovers = takeovers + 1, updated_at = $3
       WHERE (project_id, kind) IN (
         SELECT project_id, kind FROM project_jobs WHERE kind = $1 AND state = 'running' AND lease_until < $3 AND (CAST($5 AS TEXT) IS NULL OR project_id = $5)
         ORDER BY updated_at, project_id LIMIT 1 ${lock}
       ) AND state = 'running' AND lease_until < $3 RETURNING *`,
      [kind, owner, now, leaseUntil, projectId ?? null],
    );
    return r.rows[0] ? toJob(r.rows[0]) : null;
  }

  async orphans(kind: string, now: number, limit = 100): Promise<JobHead[]> {
    const r = await this.q(
      `SELECT ${HEAD} FROM project_jobs WHERE kind = $1 AND state = 'running' AND lease_until < $2 ORDER BY updated_at, project_id LIMIT $3`,
      [kind, now, limit],
    );
    return r.rows.map(toHead);
  }

  async enqueue(projectId: ProjectId, kind: string, items: string[], now: number): Promise<void> {
    try {
      for (const part of chunks(items)) {
        const values = part.map((_, k) => `($1, $2, $${k + 4}, $3)`).join(', ');
        await this.q(`INSERT INTO project_job_queue (project_id, kind, item, added_at) VALUES ${values} ON CONFLICT DO NOTHING`, [projectId, kind, now, ...part]);
      }
    } catch (e) {
      throw notFound(e);
    }
  }

  async waiting(kind: string, projectId?: ProjectId): Promise<QueueHead[]> {
    const r = await this.q<{ project_id: string; n: number | string; last: number | string }>(
      `SELECT project_id, COUNT(*) AS n, MAX(added_at) AS last FROM project_job_queue WHERE kind = $1 AND (CAST($2 AS TEXT) IS NULL OR project_id = $2)
       GROUP BY project_id ORDER BY MIN(added_at), project_id`,
      [kind, projectId ?? null],
    );
    return r.rows.map((x) => ({ projectId: x.project_id as ProjectId, count: Number(x.n), lastAddedAt: Number(x.last) }));
  }

  async queued(projectId: ProjectId, kind: string): Promise<QueuedItem[]> {
    const r = await this.q<{ item: string; added_at: number | string }>(
      `SELECT item, added_at FROM project_job_queue WHERE kind = $1 AND project_id = $2 ORDER BY added_at, item`,
      [kind, projectId],
    );
    return r.rows.map((x) => ({ item: x.item, addedAt: Number(x.added_at) }));
  }

  async dequeue(projectId: ProjectId, kind: string, items: string[]): Promise<void> {
    for (const part of chunks(items)) {
      const list = part.map((_, k) => `$${k + 3}`).join(', ');
      await this.q(`DELETE FROM project_job_queue WHERE project_id = $1 AND kind = $2 AND item IN (${list})`, [projectId, kind, ...part]);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.onClose();
  }

  private q<R = JobRow>(sql: string, params: unknown[]) {
    if (this.closed) throw new TandemError(ErrorCode.Unavailable, 'the job store is closed');
    return this.exec<R>(sql, params);
  }
}
