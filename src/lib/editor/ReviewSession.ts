// The review room of a task (`review:<taskId>`): task status, per-object verdicts and comment
// threads, over the shared accessors of shared/schema/review.ts. Writes carry this session's
// origin; whether the server accepts them is decided per socket (QA and reviewers write).
import type * as Y from 'yjs';
import type { ObjectId } from '../../../shared/schema/ids';
import type { LocalOrigin } from '../../../shared/schema/origins';
import {
  createThread, listThreads, observeReview, readTaskStatus, readVerdicts, reply, resolveThread, setObjectVerdict, setTaskStatus,
  type TaskStatusValue, type Thread, type Verdict,
} from '../../../shared/schema/review';

export class ReviewSession {
  constructor(
    readonly doc: Y.Doc,
    readonly origin: LocalOrigin,
    readonly userId: string,
    public canWrite: boolean,
  ) {}

  status(): TaskStatusValue | null {
    return readTaskStatus(this.doc)?.status ?? null;
  }
  verdicts(): Record<string, Verdict> {
    return readVerdicts(this.doc);
  }
  threads(objectId?: ObjectId | null): Thread[] {
    return listThreads(this.doc, objectId === undefined ? {} : { objectId });
  }
  setStatus(status: TaskStatusValue): void {
    if (this.canWrite) setTaskStatus(this.doc, status, this.userId, this.origin);
  }
  verdict(objectId: ObjectId, verdict: Verdict['verdict'], message?: string, at?: { x: number; y: number }): void {
    if (!this.canWrite) return;
    setObjectVerdict(this.doc, objectId, { verdict, by: this.userId, message: message?.trim() || undefined, x: at?.x, y: at?.y }, this.origin);
  }
  comment(objectId: ObjectId | null, text: string, at: { x: number; y: number }): void {
    if (this.canWrite && text.trim()) createThread(this.doc, { objectId, x: at.x, y: at.y, by: this.userId, text: text.trim() }, this.origin);
  }
  reply(threadId: string, text: string): void {
    if (this.canWrite && text.trim()) reply(this.doc, threadId, { by: this.userId, text: text.trim() }, this.origin);
  }
  resolve(threadId: string): void {
    if (this.canWrite) resolveThread(this.doc, threadId, this.userId, this.origin);
  }
  observe(cb: () => void): () => void {
    return observeReview(this.doc, () => cb());
  }
}
