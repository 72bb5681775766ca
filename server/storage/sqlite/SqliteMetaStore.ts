// Users, tokens, projects, members and tasks in SQLite. better-sqlite3 is synchronous; the methods
// are async only to satisfy the MetaStore contract that network databases share.
// Rows become objects in ../rows.ts (shared with PostgreSQL).
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
import type { ProjectSettings } from '../../../shared/protocol/http';
import { isSqliteError, openSqlite, type SqliteDb, type Synchronous } from './openSqlite';

export class SqliteMetaStore implements MetaStore {
  private closed = false;

  private constructor(private readonly db: SqliteDb) {}

  /** Opens (creating and migrating if needed) the database file. */
  static open(file: string, opts: { synchronous?: Synchronous } = {}): SqliteMetaStore {
    return new SqliteMetaStore(openSqlite(file, opts));
  }

  async createUser(input: { name: string; isAdmin?: boolean }): Promise<User> {
    const user = newUser(input);
    this.live().prepare('INSERT INTO users (id, name, is_admin, created_at) VALUES (?, ?, ?, ?)')
      .run(user.id, user.name, user.isAdmin ? 1 : 0, user.createdAt);
    return user;
  }

  async getUser(id: UserId): Promise<User | null> {
    const row = this.live().prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
    return row ? toUser(row) : null;
  }

  async createToken(userId: UserId, opts: { expiresAt?: number; label?: string; token?: string } = {}): Promise<string> {
    const token = opts.token ?? generateToken();
    if (token.length < 16) throw new TandemError(ErrorCode.ValidationFailed, 'a token must be at least 16 characters');
    try {
      this.live().prepare('INSERT INTO tokens (hash, user_id, label, expires_at, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(hashToken(token), userId, opts.label ?? null, opts.expiresAt ?? null, Date.now());
    } catch (e) {
      if (isSqliteError(e, 'SQLITE_CONSTRAINT_FOREIGNKEY')) throw new TandemError(ErrorCode.NotFound, 'no such user', { cause: e });
      if (isSqliteError(e, 'SQLITE_CONSTRAINT_PRIMARYKEY')) throw new TandemError(ErrorCode.Conflict, 'this token is already issued', { cause: e });
      throw e;
    }
    return token;
  }

  async resolveToken(token: string): Promise<{ user: User; expiresAt: number | null } | { error: 'unknown' | 'expired' }> {
    if (typeof token !== 'string' || token.length === 0) return { error: 'unknown' };
    const row = this.live().prepare(
      `SELECT u.*, t.expires_at AS expires_at FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?`,
    ).get(hashToken(token)) as (UserRow & { expires_at: number | null }) | undefined;
    if (!row) return { error: 'unknown' };
    if (row.expires_at !== null && row.expires_at <= Date.now()) return { error: 'expired' };
    return { user: toUser(row), expiresAt: row.expires_at };
  }

  async revokeToken(token: string): Promise<void> {
    this.live().prepare('DELETE FROM tokens WHERE hash = ?').run(hashToken(token));
  }

  async revokeUserTokens(userId: UserId): Promise<number> {
    return this.live().prepare('DELETE FROM tokens WHERE user_id = ?').run(userId).changes;
  }

  async createProject(input: { name: string; labels: Label[]; createdBy: UserId }): Promise<Project> {
    const project = newProject(input);
    try {
      this.live().prepare('INSERT INTO projects (id, name, labels, created_by, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(project.id, project.name, JSON.stringify(project.labels), project.createdBy, project.createdAt);
    } catch (e) {
      if (isSqliteError(e, 'SQLITE_CONSTRAINT_FOREIGNKEY')) throw new TandemError(ErrorCode.NotFound, 'no such user', { cause: e });
      throw e;
    }
    return project;
  }

  async getProject(id: ProjectId): Promise<Project | null> {
    const row = this.live().prepare('SELECT * FROM projects WHERE id = ?').get(id) as ProjectRow | undefined;
    return row ? toProject(row) : null;
  }

  async listProjects(user: User): Promise<Project[]> {
    const db = this.live();
    // rowid breaks created_at ties (same millisecond) in insertion order.
    const rows = (user.isAdmin
      ? db.prepare('SELECT * FROM projects ORDER BY created_at, rowid').all()
      : db.prepare(
        `SELECT p.* FROM projects p JOIN members m ON m.project_id = p.id WHERE m.user_id = ?
         ORDER BY p.created_at, p.rowid`,
      ).all(user.id)) as ProjectRow[];
    return rows.map(toProject);
  }

  async setProjectLabels(id: ProjectId, labels: Label[]): Promise<void> {
    const clean = parseInput(LabelsSchema, labels, 'labels');
    const r = this.live().prepare('UPDATE projects SET labels = ? WHERE id = ?').run(JSON.stringify(clean), id);
    if (r.changes === 0) throw new TandemError(ErrorCode.NotFound, 'no such project');
  }

  async setProjectSettings(id: ProjectId, settings: ProjectSettings): Promise<void> {
    const clean = parseInput(ProjectSettingsSchema, settings, 'settings');
    const r = this.live().prepare('UPDATE projects SET settings = ? WHERE id = ?').run(JSON.stringify(clean), id);
    if (r.changes === 0) throw new TandemError(ErrorCode.NotFound, 'no such project');
  }

  async setProjectName(id: ProjectId, name: string): Promise<void> {
    const clean = parseInput(ProjectNameSchema, name, 'project name');
    const r = this.live().prepare('UPDATE projects SET name = ? WHERE id = ?').run(clean, id);
    if (r.changes === 0) throw new TandemError(ErrorCode.NotFound, 'no such project');
  }

  async setProjectGuide(id: ProjectId, guide: string): Promise<void> {
    const clean = parseInput(GuideSchema, guide, 'guide');
    const r = this.live().prepare('UPDATE projects SET guide = ? WHERE id = ?').run(clean, id);
    if (r.changes === 0) throw new TandemError(ErrorCode.NotFound, 'no such project');
  }

  async addMember(projectId: ProjectId, userId: UserId, role: Role): Promise<void> {
    const r = parseInput(RoleSchema, role, 'role');
    try {
      // Adding an existing member changes their role: one role per user and project.
      this.live().prepare(
        `INSERT INTO members (project_id, user_id, role) VALUES (?, ?, ?)
         ON CONFLICT (project_id, user_id) DO UPDATE SET role = excluded.role`,
      ).run(projectId, userId, r);
    } catch (e) {
      if (isSqliteError(e, 'SQLITE_CONSTRAINT_FOREIGNKEY')) throw new TandemError(ErrorCode.NotFound, 'no such project or user', { cause: e });
      throw e;
    }
  }

  async removeMember(projectId: ProjectId, userId: UserId): Promise<void> {
    const db = this.live();
    db.transaction(() => {
      const row = db.prepare('SELECT role FROM members WHERE project_id = ? AND user_id = ?').get(projectId, userId) as { role: string } | undefined;
      if (!row) throw new TandemError(ErrorCode.NotFound, 'not a member of this project');
      if (row.role === 'owner') {
        const owners = db.prepare("SELECT COUNT(*) AS n FROM members WHERE project_id = ? AND role = 'owner'").get(projectId) as { n: number };
        if (owners.n <= 1) throw new TandemError(ErrorCode.Conflict, 'a project keeps at least one owner');
      }
      db.prepare('DELETE FROM members WHERE project_id = ? AND user_id = ?').run(projectId, userId);
      db.prepare('UPDATE tasks SET assignee = NULL WHERE project_id = ? AND assignee = ?').run(projectId, userId);
    }).immediate();
  }

  async getRole(projectId: ProjectId, userId: UserId): Promise<Role | null> {
    const row = this.live().prepare('SELECT role FROM members WHERE project_id = ? AND user_id = ?')
      .get(projectId, userId) as { role: string } | undefined;
    return row ? RoleSchema.parse(row.role) : null;
  }

  async listMembers(projectId: ProjectId): Promise<Member[]> {
    const rows = this.live().prepare(
      `SELECT m.user_id, m.role, u.name FROM members m JOIN users u ON u.id = m.user_id
       WHERE m.project_id = ? ORDER BY m.rowid`,
    ).all(projectId) as MemberRow[];
    return rows.map((r) => toMember(projectId, r));
  }

  async createTask(input: NewTask): Promise<Task> {
    return this.insertTask(input);
  }

  async createTaskIfNew(input: NewTask & { contentHash: string }): Promise<{ task: Task; existing: boolean }> {
    const db = this.live();
    // One write transaction (IMMEDIATE: the write lock first), so no other connection adds the same image between the look and the insert.
    return db.transaction(() => {
      const same = this.firstByContent(input.projectId, input.contentHash);
      return same ? { task: same, existing: true } : { task: this.insertTask(input), existing: false };
    }).immediate();
  }

  private insertTask(input: NewTask): Task {
    const task = newTask(input);
    try {
      this.live().prepare(
        `INSERT INTO tasks (id, project_id, name, width, height, status, image_key, mime, created_at, label_counts, label_counts_seq, content_hash, image_attributes, image_hash, attribute_counts, object_checks)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '{}', 0, ?, '{}', ?, '{}', '{"duplicate":0,"specks":0,"tiny":0,"byLabel":{},"pairs":[],"small":{},"pieces":{}}')`,
      ).run(task.id, task.projectId, task.name, task.width, task.height, task.status, task.imageKey, task.mime, task.createdAt, input.contentHash ?? null, task.imageHash ?? null);
    } catch (e) {
      if (isSqliteError(e, 'SQLITE_CONSTRAINT_FOREIGNKEY')) throw new TandemError(ErrorCode.NotFound, 'no such project', { cause: e });
      if (isSqliteError(e, 'SQLITE_CONSTRAINT_PRIMARYKEY')) throw new TandemError(ErrorCode.Conflict, 'a task with this id exists', { cause: e });
      throw e;
    }
    return task;
  }

  async getTask(id: TaskId): Promise<Task | null> {
    const row = this.live().prepare('SELECT * FROM tasks WHERE id = ?').get(id) as TaskRow | undefined;
    return row ? toTask(row) : null;
  }

  async findTaskByContent(projectId: ProjectId, contentHash: string): Promise<Task | null> {
    return this.firstByContent(projectId, contentHash);
  }

  /** The project's first task with these image bytes (synchronous: usable inside a transaction). */
  private firstByContent(projectId: ProjectId, contentHash: string): Task | null {
    const row = this.live().prepare('SELECT * FROM tasks WHERE project_id = ? AND content_hash = ? ORDER BY created_at, rowid LIMIT 1').get(projectId, contentHash) as TaskRow | undefined;
    return row ? toTask(row) : null;
  }

  async listTasks(projectId: ProjectId): Promise<Task[]> {
    const rows = this.live().prepare('SELECT * FROM tasks WHERE project_id = ? ORDER BY created_at, rowid')
      .all(projectId) as TaskRow[];
    return rows.map(toTask);
  }

  async deleteProject(id: ProjectId): Promise<void> {
    const r = this.live().prepare('DELETE FROM projects WHERE id = ?').run(id);
    if (r.changes === 0) throw new TandemError(ErrorCode.NotFound, 'no such project');
  }

  async deleteTask(id: TaskId): Promise<void> {
    const r = this.live().prepare('DELETE FROM tasks WHERE id = ?').run(id);
    if (r.changes === 0) throw new TandemError(ErrorCode.NotFound, 'no such task');
  }

  async setTaskStatus(id: TaskId, status: TaskStatus): Promise<void> {
    const s = parseInput(TaskStatusSchema, status, 'task status');
    const r = this.live().prepare('UPDATE tasks SET status = ? WHERE id = ?').run(s, id);
    if (r.changes === 0) throw new TandemError(ErrorCode.NotFound, 'no such task');
  }

  async setTaskFlag(id: TaskId, flag: string | null): Promise<void> {
    const f = parseInput(TaskFlagSchema, flag, 'task flag');
    const r = this.live().prepare('UPDATE tasks SET flag = ? WHERE id = ?').run(f, id);
    if (r.changes === 0) throw new TandemError(ErrorCode.NotFound, 'no such task');
  }

  async setTaskToFix(id: TaskId, count: number): Promise<void> {
    const n = parseInput(TaskToFixSchema, count, 'objects to fix');
    const r = this.live().prepare('UPDATE tasks SET to_fix = ? WHERE id = ?').run(n, id);
    if (r.changes === 0) throw new TandemError(ErrorCode.NotFound, 'no such task');
  }

  async setTaskThreads(id: TaskId, summary: { open: number; mentioned: string[] }): Promise<void> {
    const s = parseInput(TaskThreadsSchema, summary, 'open threads');
    const r = this.live().prepare('UPDATE tasks SET open_threads = ?, mentioned = ? WHERE id = ?').run(s.open, JSON.stringify(s.mentioned), id);
    if (r.changes === 0) throw new TandemError(ErrorCode.NotFound, 'no such task');
  }

  async setTaskLabelCounts(id: TaskId, counts: Record<string, number>, seq: number | null = null, image?: Record<string, AttributeValue>, attributes?: AttributeCounts, checks?: CheckCounts): Promise<void> {
    const c = parseInput(TaskLabelCountsSchema, counts, 'objects per label');
    const i = image === undefined ? null : JSON.stringify(parseInput(TaskImageAttributesSchema, image, 'image attributes'));
    const a = attributes === undefined ? null : JSON.stringify(parseInput(AttributeCountsSchema, attributes, 'attribute counts'));
    const k = checks === undefined ? null : JSON.stringify(parseInput(CheckCountsSchema, checks, 'object checks'));
    const r = this.live()
      .prepare('UPDATE tasks SET label_counts = ?, label_counts_seq = ?, image_attributes = COALESCE(?, image_attributes), attribute_counts = COALESCE(?, attribute_counts), object_checks = COALESCE(?, object_checks) WHERE id = ?')
      .run(JSON.stringify(c), seq, i, a, k, id);
    if (r.changes === 0) throw new TandemError(ErrorCode.NotFound, 'no such task');
  }

  async setTaskImageHash(id: TaskId, hash: string): Promise<void> {
    const h = parseInput(ImageHashSchema, hash, 'image hash');
    const r = this.live().prepare('UPDATE tasks SET image_hash = ? WHERE id = ?').run(h, id);
    if (r.changes === 0) throw new TandemError(ErrorCode.NotFound, 'no such task');
  }

  async assignTasks(projectId: ProjectId, assignments: TaskAssignment[]): Promise<void> {
    const db = this.live();
    const set = db.prepare('UPDATE tasks SET assignee = ? WHERE id = ? AND project_id = ?');
    try {
      db.transaction(() => {
        for (const a of assignments) {
          if (set.run(a.userId, a.taskId, projectId).changes === 0) throw new TandemError(ErrorCode.NotFound, `task ${a.taskId} is not in project ${projectId}`);
        }
      })();
    } catch (e) {
      if (isSqliteError(e, 'SQLITE_CONSTRAINT_FOREIGNKEY')) throw new TandemError(ErrorCode.NotFound, 'no such user', { cause: e });
      throw e;
    }
  }

  async recordActivity(e: NewActivity): Promise<void> {
    const a = parseInput(NewActivitySchema, e, 'activity');
    this.live().prepare('INSERT INTO project_activity (project_id, at, user_id, action, detail) VALUES (?, ?, ?, ?, ?)').run(a.projectId, a.at, a.userId, a.action, JSON.stringify(a.detail));
  }

  async listActivity(projectId: ProjectId, opts: { before?: number; limit: number; userId?: UserId }): Promise<ActivityEntry[]> {
    const rows = this.live()
      .prepare('SELECT * FROM project_activity WHERE project_id = ? AND id < ? AND (? IS NULL OR user_id = ?) ORDER BY id DESC LIMIT ?')
      .all(projectId, opts.before ?? Number.MAX_SAFE_INTEGER, opts.userId ?? null, opts.userId ?? null, opts.limit) as ActivityRow[];
    return rows.map(toActivity);
  }

  async trimActivity(before: number): Promise<number> {
    return this.live().prepare('DELETE FROM project_activity WHERE at < ?').run(before).changes;
  }

  async countTasks(projectId: ProjectId): Promise<Record<TaskStatus, number>> {
    const rows = this.live().prepare('SELECT status, COUNT(*) AS n FROM tasks WHERE project_id = ? GROUP BY status')
      .all(projectId) as Array<{ status: string; n: number }>;
    return statusCounts(rows);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private live(): SqliteDb {
    if (this.closed) throw new TandemError(ErrorCode.Unavailable, 'the metadata store is closed');
    return this.db;
  }
}
