// Who works which queue and whose a task is: one rule for the editor's "Next to do"
// (src/lib/components/taskNav.ts) and the home page's inbox (server/http/inbox.ts), so the two
// never disagree on what waits for whom.
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
