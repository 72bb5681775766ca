// The task row's `status` mirrors the task's review document, where the editor moves it (to do,
// in progress, in review, done): the task list (`GET /api/projects/:id/tasks`), the project page
// past the rooms it watches live, the editor's "next to do" and API clients read the row, which
// nothing updated before. The review document stays the truth; the row is its copy, written when
// the status changes, one write at a time per task so the row ends at the latest status. The
// row's `flag` mirrors the room's flag the same way (FlagMirror), and `to_fix` how many objects
// its verdicts ask changes on (ToFixMirror), `open_threads` and `mentioned` its open discussion
// (ThreadsMirror).
import type { Doc } from 'yjs';
import { readTaskFlag, readTaskStatus } from '../../shared/schema/review';
import { countToFix, threadSummary, type ThreadSummary } from '../../shared/schema/reviewSummary';
import type { TaskId } from '../../shared/schema/ids';
import type { Logger } from '../logger';
import type { MetaStore, Task, TaskStatus } from '../storage/types';

/** One column of the task row kept equal to what the review room says. */
export class RowMirror<V> {
  /** The latest value seen per task, and the one the row is known to hold. */
  private wanted = new Map<TaskId, V>();
  private written = new Map<TaskId, V>();
  private writing = new Map<TaskId, Promise<void>>();

  constructor(
    /** The room's value; undefined when the room says nothing (nothing to write). */
    private readonly read: (doc: Doc) => V | undefined,
    private readonly store: (taskId: TaskId, value: V) => Promise<void>,
    /** The row's value, as a task list has it. */
    private readonly rowOf: (t: Task) => V,
    private readonly log: Logger,
    private readonly what: string,
    /** Whether two values are the same row content (a summary is compared by its fields). */
    private readonly same: (a: V, b: V) => boolean = Object.is,
  ) {}

  /** Whether the row is known to hold `v` already. */
  private isWritten(taskId: TaskId, v: V): boolean {
    return this.written.has(taskId) && this.same(this.written.get(taskId) as V, v);
  }

  /** A review room was loaded or its document changed. */
  update(taskId: TaskId, doc: Doc): void {
    const v = this.read(doc);
    if (v !== undefined) this.want(taskId, v);
  }

  /**
   * Catches every row up with its review room, one task at a time, in the background: a row whose
   * write a crash cut off (the room had the status, the row not yet), or rows from before the
   * mirror, would otherwise wait until someone opens their task. `stop` ends it early (shutdown).
   * Resolves how many rows it corrected.
   */
  async reconcile(tasks: () => Promise<Task[]>, readRoom: (taskId: TaskId) => Promise<V | undefined>, stop: () => boolean): Promise<number> {
    let fixed = 0;
    for (const t of await tasks()) {
      if (stop()) break;
      const v = await readRoom(t.id).catch((err: unknown) => {
        this.log.warn({ err, taskId: t.id }, `could not read the review room to check the task row's ${this.what}`);
        return undefined;
      });
      if (this.catchUp(t, v)) fixed++;
    }
    await this.idle();
    if (fixed) this.log.info({ fixed }, `task rows' ${this.what} caught up with their review rooms`);
    return fixed;
  }

  /** The room's value (undefined: it says nothing). */
  valueOf(doc: Doc): V | undefined {
    return this.read(doc);
  }

  /** Writes `v`, read from the room by a reconcile, when the row `t` differs; true when it does.
   *  A row found equal is remembered as written, so the room's next load writes nothing. */
  catchUp(t: Task, v: V | undefined): boolean {
    // A value that arrived live meanwhile is newer than this read: it wins.
    if (v === undefined || this.wanted.has(t.id)) return false;
    if (this.same(v, this.rowOf(t))) {
      if (!this.written.has(t.id)) this.written.set(t.id, v);
      return false;
    }
    this.written.set(t.id, this.rowOf(t));
    this.want(t.id, v);
    return true;
  }

  private want(taskId: TaskId, v: V): void {
    this.wanted.set(taskId, v);
    if (!this.writing.has(taskId) && !this.isWritten(taskId, v)) {
      const job = this.write(taskId).finally(() => this.writing.delete(taskId));
      this.writing.set(taskId, job);
    }
  }

  /** Resolves when no write is in flight (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.writing.size) await Promise.all(this.writing.values());
  }

  private async write(taskId: TaskId): Promise<void> {
    // Values that arrive while a write runs are taken by the next turn of the loop.
    for (let v = this.wanted.get(taskId) as V; !this.isWritten(taskId, v); v = this.wanted.get(taskId) as V) {
      try {
        await this.store(taskId, v);
        this.written.set(taskId, v);
      } catch (err) {
        // The review document keeps the value; the row catches up on the room's next load or change.
        this.log.warn({ err, taskId, [this.what]: v }, `could not mirror the task ${this.what} into its row`);
        return;
      }
    }
  }
}

export class StatusMirror extends RowMirror<TaskStatus> {
  constructor(meta: Pick<MetaStore, 'setTaskStatus'>, log: Logger) {
    super((doc) => readTaskStatus(doc)?.status, (id, s) => meta.setTaskStatus(id, s), (t) => t.status, log, 'status');
  }
}

/** The room's flag reason, null once taken off; undefined for a room never flagged (no write). */
export function flagReason(doc: Doc): string | null | undefined {
  const f = readTaskFlag(doc);
  return f === undefined ? undefined : (f?.reason ?? null);
}

export class FlagMirror extends RowMirror<string | null> {
  constructor(meta: Pick<MetaStore, 'setTaskFlag'>, log: Logger) {
    super(flagReason, (id, f) => meta.setTaskFlag(id, f), (t) => t.flag, log, 'flag');
  }
}

/** Objects with changes requested; 0 is a value too (a request approved away must reach the row),
 *  so a room's first load writes it unless the startup reconcile found the row equal. */
export class ToFixMirror extends RowMirror<number> {
  constructor(meta: Pick<MetaStore, 'setTaskToFix'>, log: Logger) {
    super(countToFix, (id, n) => meta.setTaskToFix(id, n), (t) => t.toFix, log, 'toFix');
  }
}

/** Same open count and the same names in the same (sorted) order. */
const sameThreads = (a: ThreadSummary, b: ThreadSummary): boolean =>
  a.open === b.open && a.mentioned.length === b.mentioned.length && a.mentioned.every((n, i) => n === b.mentioned[i]);

/** Unresolved threads and the names they mention, one write for both. */
export class ThreadsMirror extends RowMirror<ThreadSummary> {
  constructor(meta: Pick<MetaStore, 'setTaskThreads'>, log: Logger) {
    super(threadSummary, (id, s) => meta.setTaskThreads(id, s), (t) => ({ open: t.openThreads, mentioned: t.mentioned }), log, 'threads', sameThreads);
  }
}

type MirroredMeta = Pick<MetaStore, 'setTaskStatus' | 'setTaskFlag' | 'setTaskToFix' | 'setTaskThreads'>;

/** A RowMirror of any column, as the set of them uses it (a value read is handed back as read). */
interface MirrorColumn {
  update(taskId: TaskId, doc: Doc): void;
  valueOf(doc: Doc): unknown;
  catchUp(t: Task, v: unknown): boolean;
  idle(): Promise<void>;
}

/** Every column the task row copies from its review room, kept together: the sync server's
 *  review hook updates them all, and startup reads each room once for all of them. */
export class ReviewRowMirrors {
  private readonly mirrors: MirrorColumn[];

  constructor(meta: MirroredMeta, private readonly log: Logger) {
    this.mirrors = [new StatusMirror(meta, log), new FlagMirror(meta, log), new ToFixMirror(meta, log), new ThreadsMirror(meta, log)];
  }

  update(taskId: TaskId, doc: Doc): void {
    for (const m of this.mirrors) m.update(taskId, doc);
  }

  /** RowMirror.reconcile for every column, one read of each room. Resolves how many columns it corrected. */
  async reconcile(tasks: () => Promise<Task[]>, withRoom: <T>(taskId: TaskId, fn: (doc: Doc) => T, task: Task) => Promise<T>, stop: () => boolean): Promise<number> {
    let fixed = 0;
    for (const t of await tasks()) {
      if (stop()) break;
      const values = await withRoom(t.id, (doc) => this.mirrors.map((m) => m.valueOf(doc)), t).catch((err: unknown) => {
        this.log.warn({ err, taskId: t.id }, "could not read the review room to check the task's row");
        return null;
      });
      if (values) fixed += this.mirrors.filter((m, i) => m.catchUp(t, values[i])).length;
    }
    await this.idle();
    if (fixed) this.log.info({ fixed }, 'task rows caught up with their review rooms');
    return fixed;
  }

  async idle(): Promise<void> {
    await Promise.all(this.mirrors.map((m) => m.idle()));
  }
}
