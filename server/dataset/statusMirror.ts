// The task row's `status` mirrors the task's review document, where the editor moves it (to do,
// in progress, in review, done): the task list (`GET /api/projects/:id/tasks`), the project page
// past the rooms it watches live, the editor's "next to do" and API clients read the row, which
// nothing updated before. The review document stays the truth; the row is its copy, written when
// the status changes, one write at a time per task so the row ends at the latest status.
import type { Doc } from 'yjs';
import { readTaskStatus } from '../../shared/schema/review';
import type { TaskId } from '../../shared/schema/ids';
import type { Logger } from '../logger';
import type { MetaStore, Task, TaskStatus } from '../storage/types';

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
    if (status) this.want(taskId, status);
  }

  /**
   * Catches every row up with its review room, one task at a time, in the background: a row whose
   * write a crash cut off (the room had the status, the row not yet), or rows from before the
   * mirror, would otherwise wait until someone opens their task. `stop` ends it early (shutdown).
   * Resolves how many rows it corrected.
   */
  async reconcile(tasks: () => Promise<Task[]>, readStatus: (taskId: TaskId) => Promise<TaskStatus | null>, stop: () => boolean): Promise<number> {
    let fixed = 0;
    for (const t of await tasks()) {
      if (stop()) break;
      const status = await readStatus(t.id).catch((err: unknown) => {
        this.log.warn({ err, taskId: t.id }, 'could not read the review room to check the task row');
        return null;
      });
      // A status that arrived live meanwhile is newer than this read: it wins.
      if (!status || status === t.status || this.wanted.has(t.id)) continue;
      this.written.set(t.id, t.status);
      this.want(t.id, status);
      fixed++;
    }
    await this.idle();
    if (fixed) this.log.info({ fixed }, 'task rows caught up with their review rooms');
    return fixed;
  }

  private want(taskId: TaskId, status: TaskStatus): void {
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
