// The storage contract. Every backend (SQLite default, PostgreSQL for multi-node) implements these
// interfaces and passes tests/integration/storageContract.ts. All methods are async so a network
// database fits behind the same interface.
import type { Role } from '../../shared/protocol/roles';
import type { AttributeSpec, AttributeValue } from '../../shared/schema/attributes';
import type { AttributeCounts } from '../../shared/schema/attributeCounts';
import type { CheckCounts } from '../../shared/schema/objectChecks';
import type { ProjectId, TaskId, UserId } from '../../shared/schema/ids';
import type { WebhookStore } from './webhookTypes';
import type { JobStore } from './jobTypes';
import type { ProjectSettings } from '../../shared/protocol/http';

export interface User {
  id: UserId;
  name: string;
  isAdmin: boolean;
  createdAt: number; // epoch ms
}

export interface Label {
  name: string;
  color: string; // #rrggbb
  /** What each object of this label carries beside its mask (shared/schema/attributes.ts). */
  attributes?: AttributeSpec[];
  /** What counts as this label (the editor's guide and label picker show it). */
  description?: string;
}

export interface Project {
  id: ProjectId;
  name: string;
  labels: Label[];
  /** The annotation guide: what counts as what, plain text (the editor's Guide panel). */
  guide: string;
  /** The owner's rules for every editor of the project (masks kept apart). */
  settings: ProjectSettings;
  createdBy: UserId;
  createdAt: number;
}

export interface Member {
  projectId: ProjectId;
  userId: UserId;
  name: string;
  role: Role;
}

export const TaskStatuses = ['todo', 'in_progress', 'in_review', 'done'] as const;
export type TaskStatus = (typeof TaskStatuses)[number];

export interface Task {
  id: TaskId;
  projectId: ProjectId;
  name: string;
  width: number;
  height: number;
  status: TaskStatus;
  /** Key of the original image bytes in the ImageStore. */
  imageKey: string;
  mime: 'image/jpeg' | 'image/png' | 'image/webp';
  createdAt: number;
  /** The member the task is assigned to (their queue takes it first), or null. */
  assignee: UserId | null;
  /** Why the task is flagged (its review room's flag, mirrored), or null. */
  flag: string | null;
  /** Objects whose current verdict is "changes requested", plus a reviewer's open requests on the image itself
   *  (its review room's, mirrored: shared/schema/reviewSummary.ts). */
  toFix: number;
  /** Unresolved comment threads (its review room's, mirrored). */
  openThreads: number;
  /** Member names mentioned in those threads, sorted. */
  mentioned: string[];
  /** Objects per label in its annotations (its task room's, mirrored: server/dataset/labelCounts.ts);
   *  null until the room was first read. */
  labelCounts: Record<string, number> | null;
  /** The task room's last stored update when `labelCounts` was read (null: not known); a room
   *  stored further than this since (a crash before the count was written) is counted again at start. */
  labelCountsSeq: number | null;
  /** The image's own attribute values (its task room's root map `image`, mirrored with the counts);
   *  null until first mirrored. */
  imageAttributes?: Record<string, AttributeValue> | null;
  /** Its objects' attribute values counted per label (shared/schema/attributeCounts.ts), mirrored
   *  with the counts; null until first mirrored. */
  attributeCounts?: AttributeCounts | null;
  /** Its masks' checks (shared/schema/objectChecks.ts: drawn twice, specks, tiny), mirrored with
   *  the counts; null until first mirrored. */
  objectChecks?: CheckCounts | null;
  /** A perceptual hash of its image (server/storage/images/imageHash.ts: 32 hex digits), to find
   *  images that look alike; null for a task from before it until the start's fill reaches it. */
  imageHash?: string | null;
}

/** What a new task is made of; the store sets the rest (status to do, no assignee, no flag). */
export type NewTask = Omit<Task, 'id' | 'createdAt' | 'status' | 'assignee' | 'flag' | 'toFix' | 'openThreads' | 'mentioned' | 'labelCounts' | 'labelCountsSeq' | 'imageAttributes' | 'attributeCounts' | 'objectChecks' | 'imageHash'> & { id?: TaskId; contentHash?: string; imageHash?: string };

/** One change of {@link MetaStore.assignTasks}: the task's new assignee, null to unassign. */
export interface TaskAssignment {
  taskId: TaskId;
  userId: UserId | null;
}

/** Users, tokens, projects, members and tasks. */
/** One thing someone did to a project through the API (server/http/activity.ts): who, when, which
 *  action (`flag`, `members.add`, …) and what it said (counts and names; never a token or secret). */
export interface ActivityEntry {
  id: number;
  projectId: ProjectId;
  at: number;
  userId: UserId;
  action: string;
  detail: Record<string, unknown>;
}
export type NewActivity = Omit<ActivityEntry, 'id'>;

export interface MetaStore {
  createUser(input: { name: string; isAdmin?: boolean }): Promise<User>;
  getUser(id: UserId): Promise<User | null>;
  /**
   * Issues a new random token for the user; only its SHA-256 hash is stored. Returns the plaintext.
   * `token` (optional, at least 16 characters) registers a given plaintext instead of generating one,
   * e.g. ADMIN_TOKEN from the environment; issuing a token that exists fails with `conflict`.
   */
  createToken(userId: UserId, opts?: { expiresAt?: number; label?: string; token?: string }): Promise<string>;
  /** The token's user and when it expires (epoch ms, null: never), or why there is none. */
  resolveToken(token: string): Promise<{ user: User; expiresAt: number | null } | { error: 'unknown' | 'expired' }>;
  revokeToken(token: string): Promise<void>;
  /** Revokes every token of the user (a leaked or lost sign-in link replaced); resolves how many. */
  revokeUserTokens(userId: UserId): Promise<number>;

  createProject(input: { name: string; labels: Label[]; createdBy: UserId }): Promise<Project>;
  getProject(id: ProjectId): Promise<Project | null>;
  /** Projects the user is a member of (all projects for admins). */
  listProjects(user: User): Promise<Project[]>;
  setProjectLabels(id: ProjectId, labels: Label[]): Promise<void>;
  /** Replaces the project's guide; `not_found` when there is no such project. */
  setProjectGuide(id: ProjectId, guide: string): Promise<void>;
  /** Renames the project (1-200 characters, trimmed: `validation_failed`); `not_found` when none. */
  setProjectName(id: ProjectId, name: string): Promise<void>;
  /** Replaces the project's settings (checked: `validation_failed`); `not_found` when there is no such project. */
  setProjectSettings(id: ProjectId, settings: ProjectSettings): Promise<void>;
  /** Appends to the project's activity log (its rows go with the project). */
  recordActivity(entry: NewActivity): Promise<void>;
  /** The project's activity, newest first: at most `limit` entries, those with ids below `before`
   *  when given, only `userId`'s when given. */
  listActivity(projectId: ProjectId, opts: { before?: number; limit: number; userId?: UserId }): Promise<ActivityEntry[]>;
  /** Deletes every project's activity older than `before` (epoch ms); resolves how many lines went. */
  trimActivity(before: number): Promise<number>;
  /** Deletes a project with its members and task rows (their documents and images are the caller's). `not_found` when none. */
  deleteProject(id: ProjectId): Promise<void>;

  addMember(projectId: ProjectId, userId: UserId, role: Role): Promise<void>;
  getRole(projectId: ProjectId, userId: UserId): Promise<Role | null>;
  /**
   * Takes a user out of a project, and their tasks' assignments with them. `not_found` when they
   * are not a member; `conflict` for the project's last owner.
   */
  removeMember(projectId: ProjectId, userId: UserId): Promise<void>;
  listMembers(projectId: ProjectId): Promise<Member[]>;

  createTask(input: NewTask): Promise<Task>;
  getTask(id: TaskId): Promise<Task | null>;
  /** The project's first task whose image has these bytes (`contentHash` given when it was made), or null. */
  findTaskByContent(projectId: ProjectId, contentHash: string): Promise<Task | null>;
  /**
   * Creates the task unless the project has one with the same `contentHash`, which is answered
   * instead (`existing`). Atomic: two requests adding the same image at once, on any nodes, make
   * one task.
   */
  createTaskIfNew(input: NewTask & { contentHash: string }): Promise<{ task: Task; existing: boolean }>;
  listTasks(projectId: ProjectId): Promise<Task[]>;
  setTaskStatus(id: TaskId, status: TaskStatus): Promise<void>;
  /** Mirrors the review room's flag reason into the row (null: not flagged); `not_found` when none. */
  setTaskFlag(id: TaskId, flag: string | null): Promise<void>;
  /** Mirrors how many objects the review room asks changes on; `not_found` when there is no task. */
  setTaskToFix(id: TaskId, count: number): Promise<void>;
  /** Mirrors the review room's open threads and who they mention; `not_found` when there is no task. */
  setTaskThreads(id: TaskId, summary: { open: number; mentioned: string[] }): Promise<void>;
  /** Mirrors the task room's objects per label; `not_found` when there is no task. */
  /** `seq`: the task room's last stored update when it was counted (DocStore.lastSeq, read before);
   *  `image`: the image's own attribute values read with them, `attributes` the objects' attribute
   *  values counted per label, `checks` its masks' checks (each left as stored when not given). */
  setTaskLabelCounts(id: TaskId, counts: Record<string, number>, seq?: number | null, image?: Record<string, AttributeValue>, attributes?: AttributeCounts, checks?: CheckCounts): Promise<void>;
  /** Records the task image's perceptual hash (32 hex digits). Throws not_found, validation_failed. */
  setTaskImageHash(id: TaskId, hash: string): Promise<void>;
  /** Deletes a task's row (its documents and image are the caller's). `not_found` when there is none. */
  deleteTask(id: TaskId): Promise<void>;
  /**
   * Sets the assignee of tasks of one project, all or nothing: `not_found` when a task is not in
   * the project (or a user does not exist), and then nothing changes. Membership is the caller's check.
   */
  assignTasks(projectId: ProjectId, assignments: TaskAssignment[]): Promise<void>;
  /** How many of the project's tasks have each status (every status present, 0 when none). */
  countTasks(projectId: ProjectId): Promise<Record<TaskStatus, number>>;

  close(): Promise<void>;
}

/** A room's persisted state: a compacted snapshot (if any) followed by the log since. */
export interface StoredRoom {
  /** Yjs updates in the order they must be applied. */
  updates: Uint8Array[];
  /** Sequence number of the last update returned; pass to compact(). 0 for an empty room. */
  lastSeq: number;
}

/** The append-only Yjs update log, per room ("task:<id>", "review:<id>"). */
export interface DocStore {
  /**
   * Appends one update. Writes are batched (a 20-50 ms window) into one transaction; the promise
   * resolves once the batch holding this update is durable on disk (fsynced).
   */
  append(room: string, update: Uint8Array): Promise<void>;
  /** Everything stored for the room. */
  load(room: string): Promise<StoredRoom>;
  /** Replaces log entries with seq <= uptoSeq by one snapshot update (the merged state). */
  compact(room: string, snapshot: Uint8Array, uptoSeq: number): Promise<void>;
  /** Number of log rows for the room (to decide when to compact). */
  logLength(room: string): Promise<number>;
  /** The seq of the room's last stored update (0: nothing stored); appends issued before the call included. */
  lastSeq(room: string): Promise<number>;
  /** The last stored seq of every room whose name starts with `prefix` (rooms with nothing stored are absent). */
  lastSeqs(prefix: string): Promise<Map<string, number>>;
  /** Removes everything stored for the rooms (a deleted task's), appends made before the call included. */
  deleteRooms(rooms: string[]): Promise<void>;
  /** Waits until every append issued so far is durable. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** Original image bytes, by key. A directory by default; an object store can implement it later. */
export interface ImageStore {
  put(key: string, bytes: Uint8Array): Promise<void>;
  get(key: string): Promise<Uint8Array>;
  /** A local file path for the key when the store is file-backed (workers read it directly). */
  localPath(key: string): string | null;
  delete(key: string): Promise<void>;
}

/**
 * What crosses node boundaries for a room: document updates and awareness updates; and `control`,
 * the sync servers' own messages (access withdrawn, a task deleted) on a stream of their own.
 */
export type BusMessageKind = 'update' | 'awareness' | 'control';

/**
 * The room bus. In-process by default (single node: nothing to do); Redis Streams in multi-node
 * mode, where every node serving a room reads what the others publish.
 */
export interface RoomBus {
  readonly nodeId: string;
  publish(room: string, kind: BusMessageKind, data: Uint8Array): Promise<void>;
  /** Subscribe to messages published by *other* nodes for the room. Returns an unsubscribe. */
  subscribe(room: string, handler: (kind: BusMessageKind, data: Uint8Array) => void): () => void;
  /**
   * Called when this node may have missed other nodes' updates for the room (the bus lost data,
   * a stream was trimmed past what this node read). The sync layer then reloads from the durable
   * store. Absent on buses that cannot miss anything (the in-process one).
   */
  onResync?(room: string, cb: () => void): () => void;
  close(): Promise<void>;
}

/** Everything the server needs from storage, opened by server/storage/openStorage.ts. */
export interface Storage {
  meta: MetaStore;
  docs: DocStore;
  /** Webhooks and their delivery queue (webhookTypes.ts). */
  hooks: WebhookStore;
  /** A project's long-running jobs, held under a lease (jobTypes.ts). */
  jobs: JobStore;
  images: ImageStore;
  bus: RoomBus;
  close(): Promise<void>;
}
