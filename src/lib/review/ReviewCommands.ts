// Review commands: the only place the UI writes the review document. Each is one
// `doc.transact(fn, origin)` through the shared accessors (which validate and throw TandemError);
// mentions are parsed here against the project's member names so every client stores the same.
import type * as Y from 'yjs';
import type { ObjectId } from '../../../shared/schema/ids';
import { LocalOrigin } from '../../../shared/schema/origins';
import {
  clearObjectVerdict,
  clearTaskFlag,
  createThread,
  listThreads,
  parseMentions,
  readThread,
  readVerdicts,
  reopenThread,
  reply,
  resolveThread,
  setObjectVerdict,
  setTaskFlag,
  setTaskStatus,
  type TaskFlagReason,
  type TaskStatusValue,
  type Verdict,
} from '../../../shared/schema/review';
import { deleteMessage, editMessage } from '../../../shared/schema/reviewMessages';
import { ErrorCode, TandemError } from '../../../shared/protocol/errors';
import type { Point } from '../editor/camera';

export interface ReviewCommandsInit {
  doc: Y.Doc;
  userId: string;
  origin: LocalOrigin;
  /** Member display names for @mentions (read at call time: members can be added meanwhile). */
  memberNames: () => readonly string[];
  /** Whether this user may write the review room now (role and what the server says). */
  canWrite: () => boolean;
  /** Whether this user gives verdicts (a reviewer's comment on the image is a request). */
  canDecide?: () => boolean;
}

export class ReviewCommands {
  constructor(private init: ReviewCommandsInit) {}

  private check(): void {
    if (!this.init.canWrite()) throw new TandemError(ErrorCode.ReadOnly, 'You can read the review of this task but not write to it.');
  }

  private mentions(text: string): string[] {
    return parseMentions(text, this.init.memberNames());
  }

  /** Opens a thread at `ptImage`, on `objectId` or on the image alone; returns its id. A reviewer's
   *  thread on the image is a request the annotators must act on (rework.ts) unless they say it
   *  is not (`asks: false`: a question or a note that should not send the task back). */
  comment(objectId: ObjectId | null, ptImage: Point, text: string, opts: { asks?: boolean } = {}): string {
    this.check();
    const { doc, userId, origin } = this.init;
    const request = objectId === null && (this.init.canDecide?.() ?? false) && (opts.asks ?? true);
    return createThread(doc, { objectId, x: ptImage.x, y: ptImage.y, by: userId, text, mentions: this.mentions(text), ...(request ? { request } : {}) }, origin);
  }

  reply(threadId: string, text: string): string {
    this.check();
    return reply(this.init.doc, threadId, { by: this.init.userId, text, mentions: this.mentions(text) }, this.init.origin);
  }

  /** Replaces the text of this user's own message (mentions parsed again). */
  editMessage(threadId: string, messageId: string, text: string): void {
    this.check();
    editMessage(this.init.doc, threadId, messageId, { by: this.init.userId, text, mentions: this.mentions(text) }, this.init.origin);
  }

  /** Deletes this user's own message; returns whether that removed the thread (its only message). */
  deleteMessage(threadId: string, messageId: string): boolean {
    this.check();
    return deleteMessage(this.init.doc, threadId, messageId, this.init.userId, this.init.origin);
  }

  resolve(threadId: string): void {
    this.check();
    resolveThread(this.init.doc, threadId, this.init.userId, this.init.origin);
  }

  reopen(threadId: string): void {
    this.check();
    reopenThread(this.init.doc, threadId, this.init.userId, this.init.origin);
  }

  /** Approves these objects (whatever their verdict was), in one transaction: one update for
   *  peers, one step of history. */
  approve(...objectIds: ObjectId[]): void {
    this.check();
    const { doc, userId, origin } = this.init;
    doc.transact(() => {
      for (const id of objectIds) setObjectVerdict(doc, id, { verdict: 'approved', by: userId }, origin);
    }, origin);
  }

  /**
   * Approves every object of `objectIds` that has no verdict yet; objects sent back or already
   * approved keep theirs. Returns how many were approved.
   */
  approveUnreviewed(objectIds: readonly ObjectId[]): number {
    this.check();
    const decided = readVerdicts(this.init.doc);
    const todo = objectIds.filter((id) => !decided[id]);
    this.approve(...todo);
    return todo.length;
  }

  /** Requests changes and opens a thread with `message` at `ptImage`; returns the thread id. */
  requestChanges(objectId: ObjectId, message: string, ptImage: Point): string | undefined {
    this.check();
    const { doc, userId, origin } = this.init;
    return setObjectVerdict(doc, objectId, { verdict: 'changes_requested', by: userId, message, mentions: this.mentions(message), x: ptImage.x, y: ptImage.y }, origin).threadId;
  }

  clearVerdict(objectId: ObjectId): void {
    this.check();
    clearObjectVerdict(this.init.doc, objectId, this.init.origin);
  }

  /** What {@link objectsGone} closed, per object, until it comes back (an undo of the deletion). */
  private closed = new Map<string, { verdict?: Verdict; threadIds: string[] }>();

  /** Closes the review of deleted objects (one transaction): their verdicts go and their open
   *  threads are resolved, since nobody can judge or fix them any more, and a request to delete an
   *  object is met by deleting it. What it closed is remembered for {@link objectsBack}. */
  objectsGone(objectIds: readonly string[]): void {
    this.check();
    const { doc, origin, userId } = this.init;
    const gone = new Set(objectIds);
    const verdicts = readVerdicts(doc);
    const open = listThreads(doc, { openOnly: true }).filter((t) => t.objectId && gone.has(t.objectId));
    doc.transact(() => {
      for (const id of objectIds) {
        const threadIds = open.filter((t) => t.objectId === id).map((t) => t.id);
        if (verdicts[id] || threadIds.length) this.closed.set(id, { verdict: verdicts[id], threadIds });
        clearObjectVerdict(doc, id as ObjectId, origin);
      }
      for (const t of open) resolveThread(doc, t.id, userId, origin);
    }, origin);
  }

  /** Reopens the review {@link objectsGone} closed for objects that are back (an undone
   *  deletion): the verdict as it was, unless someone has judged the object since, and the threads
   *  it resolved, unless someone else has resolved them since or they were reopened. */
  objectsBack(objectIds: readonly string[]): void {
    const back = objectIds.filter((id) => this.closed.has(id));
    if (!back.length || !this.init.canWrite()) return;
    const { doc, origin, userId } = this.init;
    const verdicts = readVerdicts(doc);
    doc.transact(() => {
      for (const id of back) {
        const { verdict, threadIds } = this.closed.get(id)!;
        this.closed.delete(id);
        if (verdict && !verdicts[id]) setObjectVerdict(doc, id as ObjectId, verdict, origin);
        for (const tid of threadIds) {
          const t = readThread(doc, tid);
          if (t?.resolved && t.resolvedBy === userId) reopenThread(doc, tid, userId, origin);
        }
      }
    }, origin);
  }

  setStatus(status: TaskStatusValue): void {
    this.check();
    setTaskStatus(this.init.doc, status, this.init.userId, this.init.origin);
  }

  /** Flags the image (blurry, not relevant, …): the queue skips it, the task list shows it. */
  flag(reason: TaskFlagReason, note: string): void {
    this.check();
    setTaskFlag(this.init.doc, { reason, note }, this.init.userId, this.init.origin);
  }

  unflag(): void {
    this.check();
    clearTaskFlag(this.init.doc, this.init.origin, this.init.userId);
  }
}
