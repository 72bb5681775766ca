// Row → object mapping shared by the SQL MetaStores, so SQLite and PostgreSQL return the same
// objects. The drivers differ in column types: `pg` returns BIGINT as a string, BOOLEAN as a
// boolean and JSONB parsed; better-sqlite3 returns INTEGER as a number, booleans as 0/1 and our
// JSON columns as text. The row types take either; the SQL itself stays in each store.
import { z } from 'zod';
import { ErrorCode, TandemError } from '../../shared/protocol/errors';
import { Roles } from '../../shared/protocol/roles';
import { newId, type ProjectId, type TaskId, type UserId } from '../../shared/schema/ids';
import { TaskStatuses, type ActivityEntry, type Member, type Project, type Task, type TaskStatus, type User } from './types';
import type { ProjectSettings } from '../../shared/protocol/http';
import { AttributeCountsSchema } from '../../shared/schema/attributeCounts';
import { CheckCountsSchema } from '../../shared/schema/objectChecks';
import { LabelsSchema, ProjectNameSchema, ProjectSettingsSchema, TaskImageAttributesSchema, TaskInputSchema, TaskLabelCountsSchema, TaskStatusSchema, UserNameSchema } from './validation';

/** Epoch ms: a number from SQLite, a string from a `pg` BIGINT. */
type Millis = number | string;

export interface UserRow { id: string; name: string; is_admin: boolean | number; created_at: Millis }
export interface ProjectRow { id: string; name: string; labels: unknown; guide: string; settings?: string | null; created_by: string; created_at: Millis }
export interface TaskRow {
  id: string; project_id: string; name: string; width: number; height: number; status: string;
  image_key: string; mime: string; created_at: Millis; assignee: string | null; flag?: string | null; to_fix?: number | string | null;
  open_threads?: number | string | null; mentioned?: string | null; label_counts?: string | null; label_counts_seq?: number | string | null; image_attributes?: string | null; attribute_counts?: string | null; object_checks?: string | null;
  image_hash?: string | null;
}
export interface MemberRow { user_id: string; name: string; role: string }
export interface ActivityRow { id: number | string; project_id: string; at: number | string; user_id: string; action: string; detail: string }

export const RoleSchema = z.enum(Roles);

/** Parses store input, refusing it as `validation_failed` with every issue listed. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    throw new TandemError(ErrorCode.ValidationFailed, `invalid ${what}: ${r.error.issues.map((i) => `${i.path.join('.') || '(value)'}: ${i.message}`).join('; ')}`);
  }
  return r.data;
}

/** The user a createUser call stores (name checked, created now). */
export function newUser(input: { name: string; isAdmin?: boolean }): User {
  const name = parseInput(UserNameSchema, input.name, 'user name');
  return { id: newId() as UserId, name, isAdmin: input.isAdmin === true, createdAt: Date.now() };
}

/** The project a createProject call stores (name and labels checked, created now). */
export function newProject(input: { name: string; labels: unknown; createdBy: UserId }): Project {
  return {
    id: newId() as ProjectId,
    name: parseInput(ProjectNameSchema, input.name, 'project name'),
    labels: parseInput(LabelsSchema, input.labels, 'labels'),
    guide: '',
    settings: { noOverlap: false },
    createdBy: input.createdBy,
    createdAt: Date.now(),
  };
}

/** The task a createTask call stores (input checked, status `todo`, created now). */
export function newTask(input: unknown): Task {
  const clean = parseInput(TaskInputSchema, input, 'task');
  return {
    id: (clean.id ?? newId()) as TaskId,
    projectId: clean.projectId as ProjectId,
    name: clean.name,
    width: clean.width,
    height: clean.height,
    status: 'todo',
    imageKey: clean.imageKey,
    mime: clean.mime,
    createdAt: Date.now(),
    assignee: null,
    flag: null,
    toFix: 0,
    openThreads: 0,
    mentioned: [],
    labelCounts: {}, // a new task's room holds no object yet
    labelCountsSeq: 0, // and has stored nothing
    imageAttributes: {},
    attributeCounts: {},
    objectChecks: { duplicate: 0, specks: 0, tiny: 0, byLabel: {}, pairs: [], small: {}, pieces: {} },
    imageHash: clean.imageHash ?? null,
  };
}

export function toUser(r: UserRow): User {
  return { id: r.id as UserId, name: r.name, isAdmin: r.is_admin === true || r.is_admin === 1, createdAt: Number(r.created_at) };
}

export function toProject(r: ProjectRow): Project {
  return {
    id: r.id as ProjectId,
    name: r.name,
    // SQLite keeps JSON text, JSONB comes back parsed. Checked either way: a hand-edited or corrupt
    // row must not reach clients unchecked.
    labels: LabelsSchema.parse(typeof r.labels === 'string' ? JSON.parse(r.labels) : r.labels),
    guide: r.guide ?? '',
    settings: settingsOf(r.settings),
    createdBy: r.created_by as UserId,
    createdAt: Number(r.created_at),
  };
}

/** The row's settings; a hand-edited or corrupt one reads as the defaults rather than failing. */
function settingsOf(text: string | null | undefined): ProjectSettings {
  try {
    const parsed = ProjectSettingsSchema.safeParse(JSON.parse(text ?? '{}'));
    return parsed.success ? parsed.data : { noOverlap: false };
  } catch {
    return { noOverlap: false };
  }
}

/** The row's mention list; a hand-edited or corrupt one reads as none rather than failing the list. */
function mentionedOf(text: string | null | undefined): string[] {
  try {
    const v: unknown = JSON.parse(text ?? '[]');
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

export function toTask(r: TaskRow): Task {
  return {
    id: r.id as TaskId,
    projectId: r.project_id as ProjectId,
    name: r.name,
    width: r.width,
    height: r.height,
    status: TaskStatusSchema.parse(r.status),
    imageKey: r.image_key,
    mime: TaskInputSchema.shape.mime.parse(r.mime),
    createdAt: Number(r.created_at),
    assignee: (r.assignee ?? null) as UserId | null,
    flag: r.flag ?? null,
    toFix: Number(r.to_fix ?? 0),
    openThreads: Number(r.open_threads ?? 0),
    mentioned: mentionedOf(r.mentioned),
    labelCounts: mirrored(TaskLabelCountsSchema, r.label_counts),
    labelCountsSeq: r.label_counts_seq === null || r.label_counts_seq === undefined ? null : Number(r.label_counts_seq),
    imageAttributes: mirrored(TaskImageAttributesSchema, r.image_attributes),
    attributeCounts: mirrored(AttributeCountsSchema, r.attribute_counts),
    objectChecks: mirrored(CheckCountsSchema, r.object_checks),
    imageHash: r.image_hash ?? null,
  };
}

/** A mirrored JSON column (objects per label, image attribute values); a hand-edited or corrupt
 *  one reads as not known (null), as does one never written. */
function mirrored<T>(schema: z.ZodType<T>, text: string | null | undefined): T | null {
  if (text == null) return null;
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function toMember(projectId: ProjectId, r: MemberRow): Member {
  return { projectId, userId: r.user_id as UserId, name: r.name, role: RoleSchema.parse(r.role) };
}

/** An activity row (PostgreSQL's bigints come as strings). */
export function toActivity(r: ActivityRow): ActivityEntry {
  return { id: Number(r.id), projectId: r.project_id as ProjectId, at: Number(r.at), userId: r.user_id as UserId, action: r.action, detail: JSON.parse(r.detail) as Record<string, unknown> };
}

/** GROUP BY status rows (counts as numbers, or as strings from PostgreSQL's bigint) → every status's count. */
export function statusCounts(rows: ReadonlyArray<{ status: string; n: number | string }>): Record<TaskStatus, number> {
  const out = Object.fromEntries(TaskStatuses.map((s) => [s, 0])) as Record<TaskStatus, number>;
  for (const r of rows) if (r.status in out) out[r.status as TaskStatus] = Number(r.n);
  return out;
}
