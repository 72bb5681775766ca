// GET /api/me/inbox: the tasks across a member's projects that wait for them in particular, for
// the home page. Read from the task rows (which mirror the review rooms: server/dataset/
// rowMirrors.ts), so it costs one task list per project and opens no room.
import { claimOf, isReviewing, pickNext } from '../../shared/protocol/queues';
import type { Role } from '../../shared/protocol/roles';
import type { Auth } from '../auth/types';
import type { MetaStore, Project, Task, User } from '../storage/types';

export interface InboxTask {
  id: string;
  name: string;
  projectId: string;
  projectName: string;
  status: string;
  toFix: number;
  openThreads: number;
}

export interface Inbox {
  /** Tasks with an open comment thread that @mentions this member. */
  mentions: InboxTask[];
  /** Tasks whose change requests are this member's to act on: sent back to the annotators, or
   *  fixed and in review again for the reviewers; assigned to this member, or to nobody of their
   *  queue (the editor's "Next to do" rule, src/lib/components/taskNav.ts). */
  toFix: InboxTask[];
  /** Per project with work in this member's queue: the task "Start" opens and how many wait. */
  queues: InboxQueue[];
  /** How many tasks each list has in all (the lists hold the first INBOX_LIMIT). */
  mentionsTotal: number;
  toFixTotal: number;
}

export interface InboxQueue {
  projectId: string;
  projectName: string;
  /** Whether the member works the review queue (reviewers, QA leads) rather than annotation. */
  reviewing: boolean;
  next: string;
  count: number;
}

/** At most this many of each list: the home page links to the project page for the rest. */
export const INBOX_LIMIT = 50;

export interface InboxProject {
  project: Project;
  /** This member's role in it. */
  role: Role;
  /** Every member's role, by user id (whose queue an assignee works). */
  roles: ReadonlyMap<string, Role>;
  tasks: readonly Task[];
}

/** The inbox of `user` from their projects. */
export function inboxOf(user: User, projects: readonly InboxProject[]): Inbox {
  const out = { mentions: [] as InboxTask[], toFix: [] as InboxTask[], queues: [] as InboxQueue[] };
  for (const { project, role, roles, tasks } of projects) {
    if (role === 'viewer') continue;
    const reviewing = isReviewing(role);
    const acting = reviewing ? ['in_review'] : ['todo', 'in_progress'];
    const claim = (assignee: string | null) => claimOf(user.id, role, assignee, (id) => roles.get(id));
    // Assigned to someone else who works the same queue: theirs.
    const theirs = (assignee: string | null) => claim(assignee) === 'others';
    const queue = pickNext(tasks, acting, (t) => claim(t.assignee));
    if (queue.first) out.queues.push({ projectId: project.id, projectName: project.name, reviewing, next: queue.first, count: queue.count });
    for (const t of tasks) {
      if (t.flag) continue; // set aside for the owner
      const ref: InboxTask = { id: t.id, name: t.name, projectId: project.id, projectName: project.name, status: t.status, toFix: t.toFix, openThreads: t.openThreads };
      if (t.mentioned.includes(user.name)) out.mentions.push(ref);
      if (t.toFix > 0 && acting.includes(t.status) && !theirs(t.assignee)) out.toFix.push(ref);
    }
  }
  return {
    mentions: out.mentions.slice(0, INBOX_LIMIT),
    toFix: out.toFix.slice(0, INBOX_LIMIT),
    queues: out.queues,
    mentionsTotal: out.mentions.length,
    toFixTotal: out.toFix.length,
  };
}

/** The inbox of `user`, read from the store: their projects, each one's members and tasks. */
export async function loadInbox(meta: MetaStore, auth: Pick<Auth, 'projectRole'>, user: User): Promise<Inbox> {
  const projects = await Promise.all(
    (await meta.listProjects(user)).map(async (project) => {
      const [role, members, tasks] = await Promise.all([auth.projectRole(user, project.id), meta.listMembers(project.id), meta.listTasks(project.id)]);
      const roles = new Map<string, Role>([[project.createdBy, 'owner'], ...members.map((m) => [m.userId, m.role] as [string, Role])]);
      return { project, role, roles, tasks };
    }),
  );
  return inboxOf(user, projects);
}
