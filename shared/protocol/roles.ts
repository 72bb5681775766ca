/** Roles a user can hold in a project. `owner` created it (or was made owner by an admin). */
export const Roles = ['owner', 'annotator', 'reviewer', 'qa', 'viewer'] as const;
/** One of {@link Roles}. */
export type Role = (typeof Roles)[number];
/** Roles that `POST /api/projects/:id/members` accepts. */
export const MemberRoles = ['annotator', 'reviewer', 'qa', 'viewer'] as const;

/** The two kinds of sync rooms of a task. */
export type RoomKind = 'task' | 'review';

/**
 * Whether `role` may write the room of `kind` (contract 3 of DESIGN.md): annotators and reviewers
 * write `task:`; QA leads and viewers read it. Annotators, reviewers and QA leads write `review:`;
 * viewers read it. Owners write both.
 */
export function canWriteRoom(role: Role, kind: RoomKind): boolean {
  if (role === 'owner') return true;
  if (kind === 'task') return role === 'annotator' || role === 'reviewer';
  return role !== 'viewer';
}

/** The project's leads, owners and QA leads: they see its figures (analytics, reference tasks). */
export function isProjectLead(role: Role): boolean {
  return role === 'owner' || role === 'qa';
}

/** Whether `role` may run inference (segmentation only makes sense for those who edit masks). */
export function canSegment(role: Role): boolean {
  return canWriteRoom(role, 'task');
}

/** Parses a room name `task:<taskId>` or `review:<taskId>`; null when it is neither. */
export function parseRoom(room: string): { kind: RoomKind; taskId: string } | null {
  const m = /^(task|review):([A-Za-z0-9_-]{1,64})$/.exec(room);
  return m ? { kind: m[1] as RoomKind, taskId: m[2] } : null;
}
