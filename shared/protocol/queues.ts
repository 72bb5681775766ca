// Who works which queue, whose a task is and which task a queue takes next: one rule for the
// editor's "Next to do" (src/lib/components/taskNav.ts), the project page's "Start" and the home
// page's inbox (server/http/inbox.ts), so they never disagree on what waits for whom.
import type { Role } from './roles';

/** Whether the role works the review queue (reviewers and QA leads) rather than the annotation one. */
export function isReviewing(role: Role): boolean {
  return role === 'reviewer' || role === 'qa';
}

/** A task seen from one member's queue: assigned to them, to nobody of their queue, or to someone else of it. */
export type Claim = 'mine' | 'open' | 'others';

/**
 * Whose a task assigned to `assignee` is, for member `me` with `role`: an assignee who works
 * another queue (an annotator's task, for a reviewer), or is no member any more, leaves it open.
 */
export function claimOf(me: string, role: Role, assignee: string | null | undefined, roleOf: (userId: string) => Role | undefined): Claim {
  if (!assignee) return 'open';
  if (assignee === me) return 'mine';
  const theirs = roleOf(assignee);
  return theirs !== undefined && isReviewing(theirs) === isReviewing(role) ? 'others' : 'open';
}

/** What the queue rule reads of a task. */
export interface QueueTask {
  id: string;
  status: string;
  assignee?: string | null;
  /** Why someone flagged the image (the queue passes over it), if they did. */
  flag?: string | null;
  /** Objects a reviewer asked changes on (and image comments of theirs still open). */
  toFix?: number;
}

/**
 * The first of `tasks` (in the order given) that the queue takes: status one of `takes`, not
 * flagged, not someone else's; the first assigned to this member, else the first nobody of their
 * queue has, either way one with objects to fix before one without. Also how many it takes.
 */
export function pickNext<T extends QueueTask>(tasks: Iterable<T>, takes: readonly string[], claim: (t: T) => Claim): { first: string | null; count: number } {
  // The first candidate of each kind: [mine with objects to fix, mine, open to fix, open].
  const first: Array<string | null> = [null, null, null, null];
  let count = 0;
  for (const t of tasks) {
    if (!takes.includes(t.status) || t.flag) continue; // a flagged image waits for the owner
    const c = claim(t);
    if (c === 'others') continue;
    count++;
    const kind = (c === 'mine' ? 0 : 2) + ((t.toFix ?? 0) > 0 ? 0 : 1);
    first[kind] ??= t.id;
  }
  return { first: first.find((id) => id !== null) ?? null, count };
}
