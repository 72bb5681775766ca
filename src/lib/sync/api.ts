// Typed HTTP client for contract 2 of DESIGN.md (+ the editor's extra routes). Every response is
// validated with zod: the UI never trusts network JSON blindly. Errors become ApiError with the
// server's `{code, message}`.
import { z } from 'zod';
import { MemberRoles, Roles } from '../../../shared/protocol/roles';
import { AttributeSpecListSchema } from '../../../shared/schema/attributes';
import { CheckCountsSchema, CheckRulesSchema } from '../../../shared/schema/objectChecks';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

// Attribute definitions are read leniently: one the browser cannot parse drops the list, not the label.
export const LabelSchema = z.object({ name: z.string(), color: z.string(), attributes: AttributeSpecListSchema.optional().catch(undefined), description: z.string().optional() });
export type Label = z.infer<typeof LabelSchema>;

export const ProjectSettingsSchema = z.object({
  noOverlap: z.boolean(),
  /** New uploads pre-labelled with the detector: class → label, least score (null / absent: off). */
  autoPrelabel: z.object({ labels: z.record(z.string(), z.string()), threshold: z.number().optional(), thresholds: z.record(z.string(), z.number()).optional() }).nullable().optional(),
  /** What each image carries as a whole (the weather, the scene), set in the editor. */
  imageAttributes: AttributeSpecListSchema.optional().catch(undefined),
  /** Which checks of the objects run (kinds off, labels allowed in pieces or small). */
  checks: CheckRulesSchema.optional().catch(undefined),
});
export type ProjectSettings = z.infer<typeof ProjectSettingsSchema>;
export const ProjectSchema = z.object({
  id: z.string(),
  name: z.string(),
  labels: z.array(LabelSchema),
  /** The annotation guide (one project only; empty when none was written). */
  guide: z.string().optional(),
  /** The owner's rules for every editor (one project only). */
  settings: ProjectSettingsSchema.optional(),
  role: z.enum(Roles),
  createdAt: z.number().optional(),
  /** Tasks per status (the project list only). */
  taskCounts: z.object({ todo: z.number(), in_progress: z.number(), in_review: z.number(), done: z.number() }).optional(),
});
export type Project = z.infer<typeof ProjectSchema>;

export const TaskSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  width: z.number(),
  height: z.number(),
  status: z.string(),
  createdAt: z.number().optional(),
  assignee: z.string().nullable().default(null),
  flag: z.string().nullable().default(null),
  toFix: z.number().int().min(0).default(0),
  openThreads: z.number().int().min(0).default(0),
  mentioned: z.array(z.string()).default([]),
  labelCounts: z.record(z.string(), z.number()).nullable().default(null),
  imageAttributes: z.record(z.string(), z.union([z.boolean(), z.string(), z.number()])).nullable().default(null),
  attributeCounts: z.record(z.string(), z.record(z.string(), z.record(z.string(), z.number()))).nullable().default(null),
  // With the candidates a project's thresholds count from (pairs, small): the same schema as the row's.
  objectChecks: CheckCountsSchema.nullable().catch(null).default(null),
  /** An earlier task whose image looks like this one (re-encoded, resized), or null. */
  looksLike: z.string().nullable().default(null),
});
export type TaskSummary = z.infer<typeof TaskSummarySchema>;

export const TaskInfoSchema = TaskSummarySchema.extend({
  projectId: z.string(),
  role: z.enum(Roles),
  canWrite: z.object({ task: z.boolean(), review: z.boolean() }),
});
export type TaskInfo = z.infer<typeof TaskInfoSchema>;

export const MemberSchema = z.object({ userId: z.string(), name: z.string(), role: z.enum(Roles) });
export type Member = z.infer<typeof MemberSchema>;

export const MeSchema = z.object({ id: z.string(), name: z.string(), isAdmin: z.boolean() });
export type Me = z.infer<typeof MeSchema>;

const InboxTaskSchema = z.object({ id: z.string(), name: z.string(), projectId: z.string(), projectName: z.string(), status: z.string(), toFix: z.number(), openThreads: z.number() });
/** GET /api/me/inbox (server/http/inbox.ts). */
const InboxQueueSchema = z.object({ projectId: z.string(), projectName: z.string(), reviewing: z.boolean(), next: z.string(), count: z.number() });
export const InboxSchema = z.object({
  mentions: z.array(InboxTaskSchema),
  toFix: z.array(InboxTaskSchema),
  queues: z.array(InboxQueueSchema).default([]),
  /** How many each list has in all (the lists hold the first 50). */
  mentionsTotal: z.number().optional(),
  toFixTotal: z.number().optional(),
});
export type Inbox = z.infer<typeof InboxSchema>;

export const ModelSchema = z.object({ id: z.string(), engine: z.string(), description: z.string().optional(), default: z.boolean().optional() });
export type ModelInfo = z.infer<typeof ModelSchema>;
export const DetectorSchema = z.object({ id: z.string(), description: z.string().optional(), classes: z.array(z.string()), threshold: z.number() });
export type DetectorInfo = z.infer<typeof DetectorSchema>;
export const PrelabelStatusSchema = z.object({
  state: z.enum(['idle', 'running', 'done', 'stopped', 'failed']),
  total: z.number().optional(),
  done: z.number().optional(),
  skipped: z.number().optional(),
  objects: z.number().optional(),
  failedTasks: z.number().optional(),
  lastError: z.string().nullable().optional(),
  /** How many times another server process carried the run on (its own stopped or died). */
  resumed: z.number().optional(),
  /** Started by itself for new uploads. */
  auto: z.boolean().optional(),
  /** `withdraw`: a run removing untouched pre-labels (`objects`: how many); `boxes`: a run making
   *  masks of an imported file's boxes with the click model (`objects`: how many). */
  mode: z.enum(['withdraw', 'boxes']).optional(),
  /** `withdraw`: `imports` when it removes what imports brought. */
  withdrawing: z.literal('imports').optional(),
  /** `boxes`: the boxes the run was given, and those kept as rectangles (the model failed on them). */
  boxes: z.number().optional(),
  rectangles: z.number().optional(),
  /** `no_worker`: the detector's worker went away mid-run; the run waits for one (still `running`). */
  paused: z.literal('no_worker').optional(),
  /** New uploads waiting for their run (GET only): another run goes on, or no worker runs the detector. */
  waiting: z.number().optional(),
  /** Imports' boxes waiting for the run going on to end (GET only), then made masks in a run of their own. */
  waitingBoxes: z.object({ boxes: z.number(), images: z.number() }).optional(),
});
export type PrelabelStatus = z.infer<typeof PrelabelStatusSchema>;

const ErrorEnvelope = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

export type MemberRole = (typeof MemberRoles)[number];

export class Api {
  constructor(
    private token: string,
    private base = '',
  ) {}

  private async call<T>(method: string, path: string, schema: z.ZodType<T>, body?: unknown, signal?: AbortSignal): Promise<T> {
    const res = await fetch(this.base + path, {
      method,
      signal,
      headers: { authorization: `Bearer ${this.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    return readAnswer(res, path, schema);
  }

  me() {
    return this.call('GET', '/api/me', MeSchema);
  }
  inbox() {
    return this.call('GET', '/api/me/inbox', InboxSchema);
  }
  projects() {
    return this.call('GET', '/api/projects', z.array(ProjectSchema));
  }
  project(id: string) {
    return this.call('GET', `/api/projects/${encodeURIComponent(id)}`, ProjectSchema);
  }
  createProject(name: string, labels: Label[] = []) {
    return this.call('POST', '/api/projects', z.object({ id: z.string() }), { name, labels });
  }
  /** Images the server fetches from `urls` and adds as tasks; an outcome per URL, in order. */
  addFromUrls(projectId: string, urls: string[]) {
    const Result = z.union([
      z.object({ url: z.string(), id: z.string(), name: z.string(), width: z.number(), height: z.number(), existing: z.literal(true).optional() }),
      z.object({ url: z.string(), error: z.object({ code: z.string(), message: z.string() }) }),
    ]);
    return this.call('POST', `/api/projects/${encodeURIComponent(projectId)}/tasks/from-urls`, z.object({ added: z.number(), existing: z.number().default(0), failed: z.number(), results: z.array(Result) }), { urls });
  }
  /** A project with the setup (labels, guide, settings) of `from`, and its members if asked. */
  copyProject(name: string, from: string, members: boolean) {
    return this.call('POST', '/api/projects', z.object({ id: z.string() }), { name, from, members });
  }
  /** Renames a label; its objects in every task follow. */
  renameLabels(projectId: string, renames: Array<{ from: string; to: string }>) {
    return this.call('POST', `/api/projects/${encodeURIComponent(projectId)}/labels/rename`, z.object({ objects: z.number(), tasks: z.number() }), { renames });
  }
  setLabels(projectId: string, labels: Label[]) {
    return this.call('PUT', `/api/projects/${encodeURIComponent(projectId)}/labels`, z.object({ labels: z.array(LabelSchema) }), { labels });
  }
  /** Replaces the project's settings (owners): masks kept apart in every editor. */
  setSettings(projectId: string, settings: ProjectSettings) {
    return this.call('PUT', `/api/projects/${encodeURIComponent(projectId)}/settings`, ProjectSettingsSchema, settings);
  }
  /** Renames the project (owners). */
  renameProject(projectId: string, name: string) {
    return this.call('PUT', `/api/projects/${encodeURIComponent(projectId)}/name`, z.object({ name: z.string() }), { name });
  }
  /** Replaces the project's annotation guide (owners). */
  setGuide(projectId: string, guide: string) {
    return this.call('PUT', `/api/projects/${encodeURIComponent(projectId)}/guide`, z.object({ guide: z.string() }), { guide });
  }
  /** The project's activity log, newest first; `before` the `next` of the page before (owners). */
  activity(projectId: string, before?: number, userId?: string) {
    const entry = z.object({ id: z.number(), at: z.number(), userId: z.string(), action: z.string(), detail: z.record(z.string(), z.unknown()) });
    return this.call('GET', `/api/projects/${encodeURIComponent(projectId)}/activity?limit=50${before ? `&before=${before}` : ''}${userId ? `&userId=${encodeURIComponent(userId)}` : ''}`, z.object({ entries: z.array(entry), names: z.record(z.string(), z.string()), next: z.number().nullable() }));
  }
  tasks(projectId: string) {
    return this.call('GET', `/api/projects/${encodeURIComponent(projectId)}/tasks`, z.array(TaskSummarySchema));
  }
  task(taskId: string) {
    return this.call('GET', `/api/tasks/${encodeURIComponent(taskId)}`, TaskInfoSchema);
  }
  /** A flag on each of the tasks, or (null) their flags taken off (owners). */
  flagTasks(projectId: string, taskIds: string[], flag: { reason: string; note?: string } | null) {
    return this.call('POST', `/api/projects/${encodeURIComponent(projectId)}/flags`, z.object({ changed: z.number(), unchanged: z.number() }), { taskIds, flag });
  }
  /** Image attribute values (null: the default) on each of the tasks (owners). */
  tagImages(projectId: string, taskIds: string[], values: Record<string, boolean | string | number | null>) {
    return this.call('POST', `/api/projects/${encodeURIComponent(projectId)}/image-attributes`, z.object({ changed: z.number(), unchanged: z.number() }), { taskIds, values });
  }
  /** Attribute values on every object of `label` in the tasks that has none for them (owners). */
  fillObjectAttributes(projectId: string, taskIds: string[], label: string, values: Record<string, boolean | string | number>) {
    return this.call('POST', `/api/projects/${encodeURIComponent(projectId)}/object-attributes`, z.object({ changed: z.number(), unchanged: z.number(), objects: z.number() }), { taskIds, label, values });
  }
  /** Removes the specks around the masks of the tasks (owners): `objects` cleaned on `changed` tasks. */
  removeSpecks(projectId: string, taskIds: string[]) {
    return this.call('POST', `/api/projects/${encodeURIComponent(projectId)}/remove-specks`, z.object({ changed: z.number(), unchanged: z.number(), objects: z.number(), pixels: z.number() }), { taskIds });
  }
  /** The project's reference tasks (owners). */
  references(projectId: string) {
    return this.call('GET', `/api/projects/${encodeURIComponent(projectId)}/references`, z.object({ references: z.array(z.object({ taskId: z.string(), by: z.string(), at: z.number(), objects: z.number() })) }));
  }
  /** Makes the tasks reference tasks: what each holds is kept as the answer, the image goes back cleared (owners). */
  markReferences(projectId: string, taskIds: string[]) {
    return this.call('POST', `/api/projects/${encodeURIComponent(projectId)}/references`, z.object({ marked: z.number(), already: z.number(), objects: z.number() }), { taskIds });
  }
  /** Hands reference tasks back to the team again, cleared: another annotator's turn on the same answer (owners). */
  handBackReferences(projectId: string, taskIds: string[]) {
    return this.call('POST', `/api/projects/${encodeURIComponent(projectId)}/references/again`, z.object({ handedBack: z.number(), notReference: z.number() }), { taskIds });
  }
  /** Takes the tasks off the reference list; `restore`: each answer put back as the task's annotation (owners). */
  unmarkReferences(projectId: string, taskIds: string[], restore: boolean) {
    return this.call('POST', `/api/projects/${encodeURIComponent(projectId)}/references/remove`, z.object({ unmarked: z.number(), restored: z.number() }), { taskIds, restore });
  }
  /** Sets each listed task's assignee (null unassigns); the owner's, all or nothing. */
  assignTasks(projectId: string, assignments: Array<{ taskId: string; userId: string | null }>) {
    return this.call('PUT', `/api/projects/${encodeURIComponent(projectId)}/assignments`, z.object({ assigned: z.number() }), { assignments });
  }
  members(projectId: string) {
    return this.call('GET', `/api/projects/${encodeURIComponent(projectId)}/members`, z.array(MemberSchema));
  }
  /** Deletes a project with every task (owners; `force` when any task is annotated). */
  deleteProject(projectId: string, force: boolean) {
    return this.call('DELETE', `/api/projects/${encodeURIComponent(projectId)}${force ? '?force=true' : ''}`, z.object({ deleted: z.string(), tasks: z.number(), objects: z.number() }));
  }
  /** Deletes a task with its annotations (owners; `force` for an annotated one). */
  deleteTask(taskId: string, force: boolean) {
    return this.call('DELETE', `/api/tasks/${encodeURIComponent(taskId)}${force ? '?force=true' : ''}`, z.object({ deleted: z.string(), objects: z.number() }));
  }
  /** Changes a member's role (owners); their open editors reconnect with the new rights. */
  setRole(projectId: string, userId: string, role: MemberRole) {
    return this.call('PUT', `/api/projects/${encodeURIComponent(projectId)}/members/${encodeURIComponent(userId)}`, z.object({ role: z.string() }), { role });
  }
  /** Takes a member out of the project (owners); their open editors of it are closed. */
  removeMember(projectId: string, userId: string) {
    return this.call('DELETE', `/api/projects/${encodeURIComponent(projectId)}/members/${encodeURIComponent(userId)}`, z.object({ removed: z.string() }));
  }
  /** A new sign-in link for a member (owners): every token they had stops working. */
  replaceToken(projectId: string, userId: string) {
    return this.call('POST', `/api/projects/${encodeURIComponent(projectId)}/members/${encodeURIComponent(userId)}/token`, z.object({ userId: z.string(), token: z.string() }));
  }
  addMember(projectId: string, name: string, role: MemberRole) {
    return this.call('POST', `/api/projects/${encodeURIComponent(projectId)}/members`, z.object({ userId: z.string(), token: z.string() }), { name, role });
  }
  models() {
    return this.call('GET', '/api/models', z.array(ModelSchema));
  }
  /** The project's pre-labelling job with the detector (`{state: 'idle'}` before the first). */
  prelabelStatus(projectId: string, signal?: AbortSignal) {
    return this.call('GET', `/api/projects/${encodeURIComponent(projectId)}/prelabel`, PrelabelStatusSchema, undefined, signal);
  }
  startPrelabel(projectId: string, body: { labels: Record<string, string>; threshold: number; thresholds?: Record<string, number>; scope: 'empty' | 'all'; taskIds?: string[] }) {
    return this.call('POST', `/api/projects/${encodeURIComponent(projectId)}/prelabel`, PrelabelStatusSchema, body);
  }
  /** Removes the untouched pre-labels of the project's tasks (or those named), as a run. */
  withdrawPrelabels(projectId: string, taskIds?: string[]) {
    return this.call('POST', `/api/projects/${encodeURIComponent(projectId)}/prelabel/withdraw`, PrelabelStatusSchema, taskIds ? { taskIds } : {});
  }
  stopPrelabel(projectId: string) {
    return this.call('DELETE', `/api/projects/${encodeURIComponent(projectId)}/prelabel`, PrelabelStatusSchema);
  }
  /** The object detectors the workers run (pre-labelling); empty when none. */
  detectors(signal?: AbortSignal) {
    return this.call('GET', '/api/detectors', z.array(DetectorSchema), undefined, signal);
  }
  /** URL of the original image (an <img> cannot send headers, so the token rides in the query). */
  imageUrl(taskId: string): string {
    return `${this.base}/api/tasks/${encodeURIComponent(taskId)}/image?token=${encodeURIComponent(this.token)}`;
  }
  /** A small WebP of the task's image (at most 384 px a side), for lists. */
  thumbnailUrl(taskId: string): string {
    return `${this.base}/api/tasks/${encodeURIComponent(taskId)}/thumbnail?token=${encodeURIComponent(this.token)}`;
  }

  /**
   * Uploads one image with progress (XHR: fetch has no upload progress). `onProgress` gets 0..1.
   */
  /** `ifNew`: an image with the same bytes in the project already is answered (`existing`, its task's name) instead of added.
   *  `name`: the task's name (a folder's or archive's path), the file's name by default. */
  upload(projectId: string, file: File, onProgress: (fraction: number) => void, ifNew = false, name = file.name): Promise<{ id: string; width: number; height: number; existing?: true; name?: string }> {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', `${this.base}/api/projects/${encodeURIComponent(projectId)}/tasks?name=${encodeURIComponent(name)}${ifNew ? '&ifNew=1' : ''}`);
      xhr.setRequestHeader('authorization', `Bearer ${this.token}`);
      xhr.setRequestHeader('content-type', file.type || 'application/octet-stream');
      xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
      xhr.onerror = () => reject(new ApiError(0, 'unavailable', 'network error'));
      xhr.onload = () => {
        let json: unknown = null;
        try {
          json = JSON.parse(xhr.responseText);
        } catch {
          /* handled below: json stays null */
        }
        if (xhr.status === 201 || xhr.status === 200) {
          const ok = z.object({ id: z.string(), width: z.number(), height: z.number(), existing: z.literal(true).optional(), name: z.string().optional() }).safeParse(json);
          if (ok.success) return resolve(ok.data);
        }
        const err = ErrorEnvelope.safeParse(json);
        reject(err.success ? new ApiError(xhr.status, err.data.error.code, err.data.error.message) : new ApiError(xhr.status, 'internal', `HTTP ${xhr.status}`));
      };
      xhr.send(file);
    });
  }
}

/** Reads a JSON answer: the server's error envelope as an ApiError, else the body checked by `schema`. */
export async function readAnswer<T>(res: Response, path: string, schema: z.ZodType<T>): Promise<T> {
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiError(res.status, 'invalid_json', `the server answered ${res.status} with non-JSON`);
  }
  if (!res.ok) {
    const err = ErrorEnvelope.safeParse(json);
    throw err.success ? new ApiError(res.status, err.data.error.code, err.data.error.message) : new ApiError(res.status, 'internal', `HTTP ${res.status}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new ApiError(res.status, 'validation_failed', `unexpected answer from ${path}: ${parsed.error.message}`);
  return parsed.data;
}
