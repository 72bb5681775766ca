// Where the open task sits in its project's list (the project page's order), for the editor's
// previous / next buttons, and the role's work queue: annotators go through the tasks to do,
// reviewers and QA leads through those in review, each without going back to the list.
import type { Role } from '../../../shared/protocol/roles';

export interface NavTask {
  id: string;
  status: string;
}

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

export function workQueue(role: Role): WorkQueue {
  return role === 'reviewer' || role === 'qa' ? REVIEWING : ANNOTATING;
}

export interface TaskPosition {
  /** 1-based position of the open task, 0 when it is not in the list. */
  index: number;
  count: number;
  prev: string | null;
  next: string | null;
  /** The first task after this one (wrapping around) whose status is one of `takes`, if any. */
  nextOpen: string | null;
}

export function taskPosition(tasks: readonly NavTask[], id: string, takes: readonly string[] = ANNOTATING.takes): TaskPosition {
  const i = tasks.findIndex((t) => t.id === id);
  const n = tasks.length;
  let nextOpen: string | null = null;
  for (let k = 1; k < n && i >= 0; k++) {
    const t = tasks[(i + k) % n];
    if (takes.includes(t.status)) {
      nextOpen = t.id;
      break;
    }
  }
  return {
    index: i + 1,
    count: n,
    prev: i > 0 ? tasks[i - 1].id : null,
    next: i >= 0 && i < n - 1 ? tasks[i + 1].id : null,
    nextOpen,
  };
}
