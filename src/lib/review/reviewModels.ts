// Read-models of the review document (room `review:<taskId>`): threads, verdicts and task status
// bridged into Svelte 5 runes with createSubscriber. Components read plain validated values; the
// document is observed only while something reactive reads them. Plain TypeScript (no runes) so
// they are unit-testable without the compiler, like src/lib/components/readModels.ts.
import { createSubscriber } from 'svelte/reactivity';
import type * as Y from 'yjs';
import {
  listThreads,
  observeReview,
  readTaskFlag,
  readTaskStatus,
  readVerdicts,
  type ReviewChange,
  type TaskFlag,
  type TaskStatus,
  type Thread,
  type Verdict,
} from '../../../shared/schema/review';

/** Calls `cb` on review changes matching `filter`; returns the unsubscribe function. */
function watch(doc: Y.Doc, filter: (c: ReviewChange) => boolean, cb: () => void): () => void {
  return observeReview(doc, (change) => {
    if (filter(change)) cb();
  });
}

/** Every valid thread, oldest first, recomputed at most once per change of a thread. */
export class ThreadsModel {
  #subscribe: () => void;
  #cache: Thread[] | null = null;
  #off: () => void;
  constructor(private doc: Y.Doc) {
    const touched = (c: ReviewChange) => c.threads.size > 0;
    this.#off = watch(doc, touched, () => (this.#cache = null));
    this.#subscribe = createSubscriber((update) => watch(doc, touched, update));
  }
  /** All threads (resolved included), oldest first. */
  get all(): Thread[] {
    this.#subscribe();
    return (this.#cache ??= listThreads(this.doc));
  }
  /** Unresolved threads, oldest first. */
  get open(): Thread[] {
    return this.all.filter((t) => !t.resolved);
  }
  get(id: string): Thread | null {
    return this.all.find((t) => t.id === id) ?? null;
  }
  /** Unresolved thread count per object id (threads on the image alone are under ''). */
  get openByObject(): Map<string, number> {
    const m = new Map<string, number>();
    for (const t of this.open) m.set(t.objectId ?? '', (m.get(t.objectId ?? '') ?? 0) + 1);
    return m;
  }
  destroy(): void {
    this.#off();
  }
}

/** The current verdict of each object. */
export class VerdictsModel {
  #subscribe: () => void;
  #cache: Record<string, Verdict> | null = null;
  #off: () => void;
  constructor(private doc: Y.Doc) {
    const touched = (c: ReviewChange) => c.verdicts.size > 0;
    this.#off = watch(doc, touched, () => (this.#cache = null));
    this.#subscribe = createSubscriber((update) => watch(doc, touched, update));
  }
  get all(): Record<string, Verdict> {
    this.#subscribe();
    return (this.#cache ??= readVerdicts(this.doc));
  }
  of(objectId: string | null | undefined): Verdict | null {
    return objectId ? (this.all[objectId] ?? null) : null;
  }
  destroy(): void {
    this.#off();
  }
}

/** The task's workflow status and who moved it (null when never set: "to do"). */
export class TaskStatusModel {
  #subscribe: () => void;
  constructor(private doc: Y.Doc) {
    this.#subscribe = createSubscriber((update) => watch(doc, (c) => c.task, update));
  }
  get current(): TaskStatus | null {
    this.#subscribe();
    return readTaskStatus(this.doc);
  }
  /** The task's flag, or null. */
  get flag(): TaskFlag | null {
    this.#subscribe();
    return readTaskFlag(this.doc) ?? null;
  }
}
