// The project page's on/off task filters beyond status: each narrows the list to the tasks that
// need a certain someone (assigned to me, mentioning me) or a certain kind of attention (flagged,
// changes requested, open comments, an image that looks like an earlier one, a required attribute unset, a reference task, masks worth a check). Shown only while some task matches (or the filter is on).
import type { TaskSummary } from '../sync/api';
import { checkTotal, type RowChecks } from '../../../shared/schema/objectChecks';

export interface TaskFilter {
  /** Also the button's test id: `filter-<key>`. */
  key: 'mine' | 'flagged' | 'to-fix' | 'comments' | 'mentions' | 'looks-like' | 'unset' | 'reference' | 'checks';
  label: string;
  title: string;
  test: (t: TaskSummary) => boolean;
}

/** The filters for member `me` (user id) called `myName` (how @mentions spell them); `unset` says
 *  how many required attributes a task leaves unset (the project's definitions applied to its row);
 *  `reference`: whether it is a reference task (the owner's list); `checksOf`: its checks as the
 *  project's rules leave them, with its objects per label the project does not define (rowChecks). */
export function taskFilters(
  me: string | null,
  myName: string | null,
  unset: (t: TaskSummary) => number = () => 0,
  reference: (t: TaskSummary) => boolean = () => false,
  checksOf: (t: TaskSummary) => RowChecks = (t) => ({ counts: t.objectChecks, outside: {} }),
): TaskFilter[] {
  return [
    { key: 'mine', label: 'Assigned to me', title: 'The tasks the owner assigned to you', test: (t) => !!me && t.assignee === me },
    { key: 'flagged', label: 'Flagged', title: 'Images someone flagged (blurry, not relevant…): the queue passes over them', test: (t) => !!t.flag },
    { key: 'to-fix', label: 'Changes requested', title: "A reviewer asked for changes on some object, or left a request on the image", test: (t) => t.toFix > 0 },
    { key: 'comments', label: 'Open comments', title: 'Comment threads nobody has resolved yet', test: (t) => t.openThreads > 0 },
    { key: 'mentions', label: 'Mentions me', title: 'An open comment thread @mentions you', test: (t) => !!myName && t.mentioned.includes(myName) },
    { key: 'looks-like', label: 'Look-alikes', title: 'Images that look like one uploaded before (the same photo re-encoded, resized or mirrored, a twin frame): flag or delete the ones the set should not have twice', test: (t) => !!t.looksLike },
    { key: 'reference', label: 'Reference', title: 'Reference tasks: the answer is kept apart and each submission is scored against it in Analytics', test: reference },
    { key: 'unset', label: 'Required unset', title: 'Images someone has begun where an attribute the project requires is not set yet, on the image or on one of its objects (marked required after they were done, or imported without it)', test: (t) => unset(t) > 0 },
    { key: 'checks', label: 'Checks', title: 'Images whose objects are worth a look: one that seems drawn twice (two masks over one thing), specks left around a mask, a tiny object (a stray click), a label the project no longer has', test: (t) => {
      const c = checksOf(t);
      return checkTotal(c.counts, c.outside) > 0;
    } },
  ];
}

/**
 * Whether someone has begun the task (it has objects or image attribute values, or moved past to
 * do): what it leaves unset of the project's required attributes is worth a mark then, while a
 * fresh upload lacks everything and says nothing.
 */
export function isStarted(t: TaskSummary, status: string): boolean {
  return status !== 'todo' || Object.keys(t.labelCounts ?? {}).length > 0 || Object.keys(t.imageAttributes ?? {}).length > 0;
}

/** The tasks every filter that is on lets through. */
export function applyFilters<T extends TaskSummary>(tasks: readonly T[], filters: readonly TaskFilter[], on: ReadonlySet<string>): T[] {
  const active = filters.filter((f) => on.has(f.key));
  return tasks.filter((t) => active.every((f) => f.test(t)));
}

/** "Needs attention" order: the tasks with more change requests first, then more open comments;
 *  ties keep the list's order (Array.prototype.sort is stable). */
export function byAttention(a: TaskSummary, b: TaskSummary): number {
  return b.toFix - a.toFix || b.openThreads - a.openThreads;
}
