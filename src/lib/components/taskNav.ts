// Where the open task sits in its project's list (the project page's order), for the editor's
// previous / next buttons, and the role's work queue: annotators go through the tasks to do,
// reviewers and QA leads through those in review, each without going back to the list. Tasks the
// owner assigned to you come first; those assigned to someone else who works the same queue are
// theirs and skipped, and so are flagged images (blurry, not relevant: the owner decides). Work that
// came back comes before new work: a task with objects to fix (sent back to an annotator, or fixed
// and in review again) first.
import type { Role } from '../../../shared/protocol/roles';
import { claimOf, isReviewing, pickNext, type Claim, type QueueTask } from '../../../shared/protocol/queues';

export { isReviewing, pickNext, type Claim };

/** A task of the project's list as navigation reads it (assignee: the member the owner assigned it to). */
export type NavTask = QueueTask;

/** What a role works on next and what its "submit" does to the open task. */
export interface WorkQueue {
  /** Statuses of the tasks this role takes next. */
  takes: readonly string[];
  /** "Next to do" / "Next to review". */
  nextLabel: string;
  /** Statuses the submit button moves on, and where to. */
  submitFrom: readonly string[];
  submitTo: 'in_review' | 'done';
  submitLabel: string;
}

const ANNOTATING: WorkQueue = { takes: ['todo', 'in_progress'], nextLabel: 'Next to do', submitFrom: ['todo', 'in_progress'], submitTo: 'in_review', submitLabel: 'Submit' };
const REVIEWING: WorkQueue = { takes: ['in_review'], nextLabel: 'Next to review', submitFrom: ['in_review'], submitTo: 'done', submitLabel: 'Done' };

/**
 * What the submit button does with the open task: a reviewer who still asks changes on some object
 * sends it back to the annotators (in progress) instead of closing it.
 */
export function submitAction(queue: WorkQueue, toFix: number): { to: 'in_review' | 'done' | 'in_progress'; label: string } {
  if (queue.submitTo === 'done' && toFix > 0) return { to: 'in_progress', label: 'Send back' };
  return { to: queue.submitTo, label: queue.submitLabel };
}

export function workQueue(role: Role): WorkQueue {
  return isReviewing(role) ? REVIEWING : ANNOTATING;
}

/** Whose each task is, for member `me` with `role` (the shared rule, shared/protocol/queues.ts). */
export function claimFor(me: string, role: Role, roleOf: ReadonlyMap<string, Role>): (t: NavTask) => Claim {
  return (t) => claimOf(me, role, t.assignee, (id) => roleOf.get(id));
}

export interface TaskPosition {
  /** 1-based position of the open task, 0 when it is not in the list. */
  index: number;
  count: number;
  prev: string | null;
  next: string | null;
  /**
   * The first task after this one (wrapping around) whose status is one of `takes`: the first
   * assigned to this member, else the first nobody of their queue has, else null; either way one
   * with objects to fix before one without.
   */
  nextOpen: string | null;
}

export function taskPosition(
  tasks: readonly NavTask[],
  id: string,
  takes: readonly string[] = ANNOTATING.takes,
  claim: (t: NavTask) => Claim = () => 'open',
): TaskPosition {
  const i = tasks.findIndex((t) => t.id === id);
  const n = tasks.length;
  // The others, from the one after this one round to the one before it.
  const after = i < 0 ? [] : [...tasks.slice(i + 1), ...tasks.slice(0, i)];
  return {
    index: i + 1,
    count: n,
    prev: i > 0 ? tasks[i - 1].id : null,
    next: i >= 0 && i < n - 1 ? tasks[i + 1].id : null,
    nextOpen: pickNext(after, takes, claim).first,
  };
}
