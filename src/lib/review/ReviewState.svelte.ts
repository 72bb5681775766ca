// Per-task review UI state, created once per open task and passed through context (never a module
// singleton). Document state comes through the read-models of reviewModels.ts; only UI choices
// (filter, open thread, pin placement) live here as runes.
import { getContext, setContext } from 'svelte';
import { canWriteRoom, type Role } from '../../../shared/protocol/roles';
import type { ObjectId } from '../../../shared/schema/ids';
import { SyncModel } from '../components/readModels';
import type { TaskConnection } from '../sync/TaskConnection';
import type { ReviewApi } from './reviewApi';
import type { ReviewCommands } from './ReviewCommands';
import { TaskStatusModel, ThreadsModel, VerdictsModel } from './reviewModels';

const KEY = Symbol('tandem.review');

/** What a click on the canvas does while the reviewer is placing a pin. */
export interface Placing {
  /** The object the new thread is about, or null for the image. */
  objectId: ObjectId | null;
  /** 'comment' opens a plain thread; 'changes' requests changes on objectId with `message`. */
  kind: 'comment' | 'changes';
  message?: string;
}

export interface ReviewStateInit {
  conn: TaskConnection;
  commands: ReviewCommands;
  api: ReviewApi;
  role: Role;
  userId: string;
  taskId: string;
  projectId: string;
  /** User id → display name (project members). */
  names: () => Record<string, string>;
}

export class ReviewState {
  readonly conn: TaskConnection;
  readonly commands: ReviewCommands;
  readonly api: ReviewApi;
  readonly threads: ThreadsModel;
  readonly verdicts: VerdictsModel;
  readonly status: TaskStatusModel;
  readonly sync: SyncModel;
  readonly role: Role;
  readonly userId: string;
  readonly taskId: string;
  readonly projectId: string;
  private namesOf: () => Record<string, string>;
  /** Show resolved threads too (default: unresolved only). */
  showResolved = $state(false);
  /** The thread shown open in the side panel (and highlighted on the canvas). */
  activeThreadId = $state<string | null>(null);
  /** Set while the next canvas click places a new thread's pin. */
  placing = $state<Placing | null>(null);
  /** Side panel tab. */
  tab = $state<'review' | 'history'>('review');
  /** Asks the history panel to compare the selected object with its version as of this time
   *  (epoch ms; the rework banner's "what changed since the request"), once its versions load. */
  compareAt = $state<number | null>(null);
  /** Last command error, shown by the panel until the next action. */
  error = $state<string | null>(null);

  constructor(init: ReviewStateInit) {
    this.conn = init.conn;
    this.commands = init.commands;
    this.api = init.api;
    this.role = init.role;
    this.userId = init.userId;
    this.taskId = init.taskId;
    this.projectId = init.projectId;
    this.namesOf = init.names;
    this.threads = new ThreadsModel(init.conn.doc);
    this.verdicts = new VerdictsModel(init.conn.doc);
    this.status = new TaskStatusModel(init.conn.doc);
    this.sync = new SyncModel(init.conn);
  }

  /** May this user comment, decide and move the task (role, and the server agrees)? */
  get canWrite(): boolean {
    return canWriteRoom(this.role, 'review') && !this.sync.readOnly && !this.sync.closedReason;
  }

  /** May this user give verdicts? Annotators comment; reviewers, QA leads and owners decide. */
  get canDecide(): boolean {
    return this.canWrite && (this.role === 'reviewer' || this.role === 'qa' || this.role === 'owner');
  }

  nameOf(userId: string): string {
    return this.namesOf()[userId] ?? (userId === this.userId ? 'you' : userId);
  }

  memberNames(): string[] {
    return Object.values(this.namesOf());
  }

  /** Runs a command; a TandemError or validation error becomes the panel's message. */
  run<T>(fn: () => T): T | undefined {
    try {
      this.error = null;
      return fn();
    } catch (e) {
      this.error = (e as Error).message;
      return undefined;
    }
  }

  destroy(): void {
    this.threads.destroy();
    this.verdicts.destroy();
  }
}

export function setReviewState(s: ReviewState): ReviewState {
  return setContext(KEY, s);
}

export function getReviewState(): ReviewState {
  const s = getContext<ReviewState | undefined>(KEY);
  if (!s) throw new Error('getReviewState() outside a review scope');
  return s;
}
