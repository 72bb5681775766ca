// The task row's `status` mirrors the task's review document, where the editor moves it (to do,
// in progress, in review, done): the task list (`GET /api/projects/:id/tasks`), the project page
// past the rooms it watches live, the editor's "next to do" and API clients read the row, which
// nothing updated before. The review document stays the truth; the row is its copy, written when
// the status changes, one write at a time per task so the row ends at the latest status.
import type { Doc } from 'yjs';
import { readTaskStatus } from '../../shared/schema/review';
import type { TaskId } from '../../shared/schema/ids';
import type { Logger } from '../logger';
import type { MetaStore, TaskStatus } from '../storage/types';

export class StatusMirror {
  /** The latest status seen per task, and the one the row is known to hold. */
  private wanted = new Map<TaskId, TaskStatus>();
  private written = new Map<TaskId, TaskStatus>();
  private writing = new Map<TaskId, Promise<void>>();

  constructor(
    private readonly meta: Pick<MetaStore, 'setTaskStatus'>,
    private readonly log: Logger,
  ) {}

  /** A review room was loaded or its document changed. */
  update(taskId: TaskId, doc: Doc): void {
    const status = readTaskStatus(doc)?.status;
    if (!status) return;
    this.wanted.set(taskId, status);
    if (!this.writing.has(taskId) && this.written.get(taskId) !== status) {
      const job = this.write(taskId).finally(() => this.writing.delete(taskId));
      this.writing.set(taskId, job);
    }
  }

  /** Resolves when no write is in flight (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.writing.size) await Promise.all(this.writing.values());
  }

  private async write(taskId: TaskId): Promise<void> {
    // Statuses that arrive while a write runs are taken by the next turn of the loop.
    for (let s = this.wanted.get(taskId)!; this.written.get(taskId) !== s; s = this.wanted.get(taskId)!) {
      try {
        await this.meta.setTaskStatus(taskId, s);
        this.written.set(taskId, s);
      } catch (err) {
        // The review document keeps the status; the row catches up on the room's next load or change.
        this.log.warn({ err, taskId, status: s }, 'could not mirror the task status into its row');
        return;
      }
    }
  }
}
