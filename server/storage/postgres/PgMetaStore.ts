// MetaStore on PostgreSQL: users, tokens, projects, members and tasks. Same semantics as the SQLite
// backend (same validation schemas, same error codes; checked by tests/integration/storageContract.ts).
// Rows become objects in ../rows.ts (shared with SQLite). `ord` (bigserial) keeps insertion order
// where created_at ties.
import type { Pool, PoolClient } from 'pg';
import { inTransaction } from './transaction';
import type { ProjectSettings } from '../../../shared/protocol/http';
import { ErrorCode, TandemError } from '../../../shared/protocol/errors';
import type { Role } from '../../../shared/protocol/roles';
import type { ProjectId, TaskId, UserId } from '../../../shared/schema/ids';
import { newProject, newTask, newUser, parseInput, RoleSchema, statusCounts, toActivity, toMember, toProject, toTask, toUser, type ActivityRow, type MemberRow, type ProjectRow, type TaskRow, type UserRow } from '../rows';
import { generateToken, hashToken } from '../tokens';
import { GuideSchema, NewActivitySchema, ImageHashSchema, LabelsSchema, ProjectNameSchema, ProjectSettingsSchema, TaskFlagSchema, TaskImageAttributesSchema, TaskLabelCountsSchema, TaskStatusSchema, TaskThreadsSchema, TaskToFixSchema } from '../validation';
import type { AttributeValue } from '../../../shared/schema/attributes';
import { AttributeCountsSchema, type AttributeCounts } from '../../../shared/schema/attributeCounts';
import { CheckCountsSchema, type CheckCounts } from '../../../shared/schema/objectChecks';
import type { ActivityEntry, Label, Member, MetaStore, NewActivity, NewTask, Project, Task, TaskAssignment, TaskStatus, User } from '../types';

export class PgMetaStore implements MetaStore {
  private closed = false;

  constructor(private readonly pool: Pool, private readonly onClose: () => Promise<void>) {}

  async createUser(input: { name: string; isAdmin?: boolean }): Promise<User> {
    const user = newUser(input);
    await this.q('INSERT INTO users (id, name, is_admin, created_at) VALUES ($1, $2, $3, $4)', [user.id, user.name, user.isAdmin, user.createdAt]);
    return user;
  }

  async getUser(id: UserId): Promise<User | null> {
    const r = await this.q<UserRow>('SELECT * FROM users WHERE id = $1', [id]);
    return r.rows[0] ? toUser(r.rows[0]) : null;
  }

  async createToken(userId: UserId, opts: { expiresAt?: number; label?: string; token?: string } = {}): Promise<string> {
    const token = opts.token ?? generateToken();
    if (token.length < 16) throw new TandemError(ErrorCode.ValidationFailed, 'a token must be at least 16 characters');
    try {
      await this.q('INSERT INTO tokens (hash, user_id, label, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)', [
        hashToken(token), userId, opts.label ?? null, opts.expiresAt ?? null, Date.now(),
      ]);
    } catch (e) {
      if (pgCode(e) === FK) throw new TandemError(ErrorCode.NotFound, 'no such user', { cause: e });
      if (pgCode(e) === UNIQUE) throw new TandemError(ErrorCode.Conflict, 'this token is already issued', { cause: e });
      throw e;
    }
    return token;
  }

  async resolveToken(token: string): Promise<{ user: User; expiresAt: number | null } | { error: 'unknown' | 'expired' }> {
    if (typeof token !== 'string' || token.length === 0) return { error: 'unknown' };
    const r = await this.q<UserRow & { expires_at: string | null }>(
      'SELECT u.*, t.expires_at FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = $1',
      [hashToken(token)],
    );
    const row = r.rows[0];
    if (!row) return { error: 'unknown' };
    if (row.expires_at !== null && Number(row.expires_at) <= Date.now()) return { error: 'expired' };
    return { user: toUser(row), expiresAt: row.expires_at === null ? null : Number(row.expires_at) };
  }

  async revokeToken(token: string): Promise<void> {
    await this.q('DELETE FROM tokens WHERE hash = $1', [hashToken(token)]);
  }

  async revokeUserTokens(userId: UserId): Promise<number> {
    return (await this.q('DELETE FROM tokens WHERE user_id = $1', [userId])).rowCount ?? 0;
  }

  async createProject(input: { name: string; labels: Label[]; createdBy: UserId }): Promise<Project> {
    const project = newProject(input);
    try {
      await this.q('INSERT INTO projects (id, name, labels, created_by, created_at) VALUES ($1, $2, $3, $4, $5)', [
        project.id, project.name, JSON.stringify(project.labels), project.createdBy, project.createdAt,
      ]);
    } catch (e) {
      if (pgCode(e) === FK) throw new TandemError(ErrorCode.NotFound, 'no such user', { cause: e });
      throw e;
    }
    return project;
  }

  async getProject(id: ProjectId): Promise<Project | null> {
    const r = await this.q<ProjectRow>('SELECT * FROM projects WHERE id = $1', [id]);
    return r.rows[0] ? toProject(r.rows[0]) : null;
  }

  async listProjects(user: User): Promise<Project[]> {
    const r = user.isAdmin
      ? await this.q<ProjectRow>('SELECT * FROM projects ORDER BY created_at, ord')
      : await this.q<ProjectRow>(
          'SELECT p.* FROM projects p JOIN members m ON m.project_id = p.id WHERE m.user_id = $1 ORDER BY p.created_at, p.ord',
          [user.id],
        );
    return r.rows.map(toProject);
  }

  async setProjectLabels(id: ProjectId, labels: Label[]): Promise<void> {
    const clean = parseInput(LabelsSchema, labels, 'labels');
    const r = await this.q('UPDATE projects SET labels = $2 WHERE id = $1', [id, JSON.stringify(clean)]);
    if (r.rowCount === 0) throw new TandemError(ErrorCode.NotFound, 'no such project');
  }

  async setProjectSettings(id: ProjectId, settings: ProjectSettings): Promise<void> {
    const clean = parseInput(ProjectSettingsSchema, settings, 'settings');
    const r = await this.q('UPDATE projects SET settings = $2 WHERE id = $1', [id, JSON.stringify(clean)]);
    if (r.rowCount === 0) throw new TandemError(ErrorCode.NotFound, 'no such project');
  }

  async setProjectName(id: ProjectId, name: string): Promise<void> {
    const clean = parseInput(ProjectNameSchema, name, 'project name');
    const r = await this.q('UPDATE projects SET name = $2 WHERE id = $1', [id, clean]);
    if (r.rowCount === 0) throw new TandemError(ErrorCode.NotFound, 'no such project');
  }

  async setProjectGuide(id: ProjectId, guide: string): Promise<void> {
    const clean = parseInput(GuideSchema, guide, 'guide');
    const r = await this.q('UPDATE projects SET guide = $2 WHERE id = $1', [id, clean]);
    if (r.rowCount === 0) throw new TandemError(ErrorCode.NotFound, 'no such project');
  }

  async addMember(projectId: ProjectId, userId: UserId, role: Role): Promise<void> {
    const clean = parseInput(RoleSchema, role, 'role');
    try {
      // Adding an existing member changes their role: one role per user and project.
      await this.q(
        `INSERT INTO members (project_id, user_id, role) VALUES ($1, $2, $3)
         ON CONFLICT (project_id, user_id) DO UPDATE SET role = EXCLUDED.role`,
        [projectId, userId, clean],
      );
    } catch (e) {
      if (pgCode(e) === FK) throw new TandemError(ErrorCode.NotFound, 'no such project or user', { cause: e });
      throw e;
    }
  }

  async getRole(projectId: ProjectId, userId: UserId): Promise<Role | null> {
    const r = await this.q<{ role: string }>('SELECT role FROM members WHERE project_id = $1 AND user_id = $2', [projectId, userId]);
    return r.rows[0] ? RoleSchema.parse(r.rows[0].role) : null;
  }

  async listMembers(projectId: ProjectId): Promise<Member[]> {
    // In the order they were first added (a role change keeps the row and its place).
    const r = await this.q<MemberRow>(
      'SELECT m.user_id, u.name, m.role FROM members m JOIN users u ON u.id = m.user_id WHERE m.project_id = $1 ORDER BY m.ord',
      [projectId],
    );
    return r.rows.map((x) => toMember(projectId, x));
  }

  async createTask(input: NewTask): Promise<Task> {
    return this.insertTask(input, this.pool);
  }

  async createTaskIfNew(input: NewTask & { contentHash: string }): Promise<{ task: Task; existing: boolean }> {
    return this.tx(async (c) => {
      // Two nodes adding the same image at once: the second waits here, then finds the first's row.
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`task-content:${input.projectId}:${input.contentHash}`]);
      const same = await this.firstByContent(input.projectId, input.contentHash, c);
      return same ? { task: same, existing: true } : { task: await this.insertTask(input, c), existing: false };
    });
  }

  private async insertTask(input: NewTask, on: Pick<Pool, 'query'>): Promise<Task> {
    if (this.closed) throw new TandemError(ErrorCode.Unavailable, 'the metadata store is closed');
    const task = newTask(input);
    try {
      await on.query(
        `INSERT INTO tasks (id, project_id, name, width, height, status, image_key, mime, created_at, label_counts, label_counts_seq, content_hash, image_attributes, image_hash, attribute_counts, object_checks)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '{}', 0, $10, '{}', $11, '{}', '{"duplicate":0,"specks":0,"tiny":0,"byLabel":{},"pairs":[],"small":{},"pieces":{}}')`,
        [task.id, task.projectId, task.name, task.width, task.height, task.status, task.imageKey, task.mime, task.createdAt, input.contentHash ?? null, task.imageHash ?? null],
      );
    } catch (e) {
      if (pgCode(e) === FK) throw new TandemError(ErrorCode.NotFound, 'no such project', { cause: e });
      if (pgCode(e) === UNIQUE) throw new TandemError(ErrorCode.Conflict, 'a task with this id exists', { cause: e });
      throw e;
    }
    return task;
  }

  async getTask(id: TaskId): Promise<Task | null> {
    const r = await this.q<TaskRow>('SELECT * FROM tasks WHERE id = $1', [id]);
    return r.rows[0] ? toTask(r.rows[0]) : null;
  }

  async findTaskByContent(projectId: ProjectId, contentHash: string): Promise<Task | null> {
    if (this.closed) throw new TandemError(ErrorCode.Unavailable, 'the metadata store is closed');
    return this.firstByContent(projectId, contentHash, this.pool);
  }

  /** The project's first task with these image bytes, on the pool or inside a transaction. */
  private async firstByContent(projectId: ProjectId, contentHash: string, on: Pick<Pool, 'query'>): Promise<Task | null> {
    const r = await on.query<TaskRow>('SELECT * FROM tasks WHERE project_id = $1 AND content_hash = $2 ORDER BY created_at, ord LIMIT 1', [projectId, contentHash]);
    return r.rows[0] ? toTask(r.rows[0]) : null;
  }

  async listTasks(projectId: ProjectId): Promise<Task[]> {
    const r = await this.q<TaskRow>('SELECT * FROM tasks WHERE project_id = $1 ORDER BY created_at, ord', [projectId]);
    return r.rows.map(toTask);
  }

  async deleteProject(id: ProjectId): Promise<void> {
    const r = await this.q('DELETE FROM projects WHERE id = $1', [id]);
    if (r.rowCount === 0) throw new TandemError(ErrorCode.NotFound, 'no such project');
  }

  async deleteTask(id: TaskId): Promise<void> {
    const r = await this.q('DELETE FROM tasks WHERE id = $1', [id]);
    if (r.rowCount === 0) throw new TandemError(ErrorCode.NotFound, 'no such task');
  }

  async setTaskImageHash(id: TaskId, hash: string): Promise<void> {
    const h = parseInput(ImageHashSchema, hash, 'image hash');
    const r = await this.q('UPDATE tasks SET image_hash = $2 WHERE id = $1', [id, h]);
    if (r.rowCount === 0) throw new TandemError(ErrorCode.NotFound, 'no such task');
  }

  async setTaskStatus(id: TaskId, status: TaskStatus): Promise<void> {
    const s = parseInput(TaskStatusSchema, status, 'task status');
    const r = await this.q('UPDATE tasks SET status = $2 WHERE id = $1', [id, s]);
    if (r.rowCount === 0) throw new TandemError(ErrorCode.NotFound, 'no such task');
  }

  async setTaskFlag(id: TaskId, flag: string | null): Promise<void> {
    const f = parseInput(TaskFlagSchema, flag, 'task flag');
    const r = await this.q('UPDATE tasks SET flag = $2 WHERE id = $1', [id, f]);
    if (r.rowCount === 0) throw new TandemError(ErrorCode.NotFound, 'no such task');
  }

  async setTaskToFix(id: TaskId, count: number): Promise<void> {
    const n = parseInput(TaskToFixSchema, count, 'objects to fix');
    const r = await this.q('UPDATE tasks SET to_fix = $2 WHERE id = $1', [id, n]);
    if (r.rowCount === 0) throw new TandemError(ErrorCode.NotFound, 'no such task');
  }

  async setTaskThreads(id: TaskId, summary: { open: number; mentioned: string[] }): Promise<void> {
    const s = parseInput(TaskThreadsSchema, summary, 'open threads');
    const r = await this.q('UPDATE tasks SET open_threads = $2, mentioned = $3 WHERE id = $1', [id, s.open, JSON.stringify(s.mentioned)]);
    if (r.rowCount === 0) throw new TandemError(ErrorCode.NotFound, 'no such task');
  }

  async setTaskLabelCounts(id: TaskId, counts: Record<string, number>, seq: number | null = null, image?: Record<string, AttributeValue>, attributes?: AttributeCounts, checks?: CheckCounts): Promise<void> {
    const c = parseInput(TaskLabelCountsSchema, counts, 'objects per label');
    const i = image === undefined ? null : JSON.stringify(parseInput(TaskImageAttributesSchema, image, 'image attributes'));
    const a = attributes === undefined ? null : JSON.stringify(parseInput(AttributeCountsSchema, attributes, 'attribute counts'));
    const k = checks === undefined ? null : JSON.stringify(parseInput(CheckCountsSchema, checks, 'object checks'));
    const r = await this.q('UPDATE tasks SET label_counts = $2, label_counts_seq = $3, image_attributes = COALESCE($4, image_attributes), attribute_counts = COALESCE($5, attribute_counts), object_checks = COALESCE($6, object_checks) WHERE id = $1', [id, JSON.stringify(c), seq, i, a, k]);
    if (r.rowCount === 0) throw new TandemError(ErrorCode.NotFound, 'no such task');
  }

  async assignTasks(projectId: ProjectId, assignments: TaskAssignment[]): Promise<void> {
    // The last assignment of a task wins, as in the SQLite store's loop.
    const last = new Map(assignments.map((a) => [a.taskId, a.userId]));
    if (!last.size) return;
    try {
      await this.tx(async (c) => {
        const r = await c.query(
          'UPDATE tasks t SET assignee = a.u FROM unnest($1::text[], $2::text[]) AS a(id, u) WHERE t.id = a.id AND t.project_id = $3',
          [[...last.keys()], [...last.values()], projectId],
        );
        if (r.rowCount !== last.size) throw new TandemError(ErrorCode.NotFound, `a task is not in project ${projectId}`);
      });
    } catch (e) {
      if (pgCode(e) === FK) throw new TandemError(ErrorCode.NotFound, 'no such user', { cause: e });
      throw e;
    }
  }

  async removeMember(projectId: ProjectId, userId: UserId): Promise<void> {
    await this.tx(async (c) => {
      // Owners' rows locked first: two owners removing each other at once cannot leave none.
      const owners = await c.query<{ user_id: string }>("SELECT user_id FROM members WHERE project_id = $1 AND role = 'owner' FOR UPDATE", [projectId]);
      const r = await c.query<{ role: string }>('DELETE FROM members WHERE project_id = $1 AND user_id = $2 RETURNING role', [projectId, userId]);
      if (!r.rowCount) throw new TandemError(ErrorCode.NotFound, 'not a member of this project');
      if (r.rows[0].role === 'owner' && owners.rowCount! <= 1) throw new TandemError(ErrorCode.Conflict, 'a project keeps at least one owner');
      await c.query('UPDATE tasks SET assignee = NULL WHERE project_id = $1 AND assignee = $2', [projectId, userId]);
    });
  }

  private tx<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, fn);
  }

  async countTasks(projectId: ProjectId): Promise<Record<TaskStatus, number>> {
    const r = await this.q<{ status: string; n: string }>('SELECT status, COUNT(*) AS n FROM tasks WHERE project_id = $1 GROUP BY status', [projectId]);
    return statusCounts(r.rows);
  }

  async recordActivity(e: NewActivity): Promise<void> {
    const a = parseInput(NewActivitySchema, e, 'activity');
    await this.q('INSERT INTO project_activity (project_id, at, user_id, action, detail) VALUES ($1, $2, $3, $4, $5)', [a.projectId, a.at, a.userId, a.action, JSON.stringify(a.detail)]);
  }

  async listActivity(projectId: ProjectId, opts: { before?: number; limit: number; userId?: UserId }): Promise<ActivityEntry[]> {
    const r = await this.q<ActivityRow>('SELECT * FROM project_activity WHERE project_id = $1 AND id < $2 AND ($3::text IS NULL OR user_id = $3) ORDER BY id DESC LIMIT $4', [
      projectId,
      opts.before ?? Number.MAX_SAFE_INTEGER,
      opts.userId ?? null,
      opts.limit,
    ]);
    return r.rows.map(toActivity);
  }

  async trimActivity(before: number): Promise<number> {
    return (await this.q('DELETE FROM project_activity WHERE at < $1', [before])).rowCount ?? 0;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.onClose();
  }

  private q<R extends object = Record<string, unknown>>(sql: string, params: unknown[] = []) {
    if (this.closed) throw new TandemError(ErrorCode.Unavailable, 'the metadata store is closed');
    return this.pool.query<R>(sql, params);
  }
}

// PostgreSQL SQLSTATEs we translate into protocol errors.
const FK = '23503';
const UNIQUE = '23505';
const pgCode = (e: unknown): string | undefined =>
  typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
