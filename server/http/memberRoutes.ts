// /api/projects/:id/members and /assignments: who works on a project, with which role, on which
// tasks. Owners change it; a change reaches open editors at once (closed, or reconnected with the
// new rights).
import { CloseCode } from '../../shared/protocol/closeCodes';
import { ErrorCode, TandemError } from '../../shared/protocol/errors';
import { AddMemberSchema, AssignTasksSchema, SetRoleSchema } from '../../shared/protocol/http';
import type { ProjectId, TaskId, UserId } from '../../shared/schema/ids';
import { readJson } from './body';
import { requireOwner, requireUser, type HttpDeps } from './context';
import { sendJson, type Router } from './router';

export function memberRoutes(router: Router, deps: HttpDeps): void {
  const { storage, config } = deps;
  const meta = storage.meta;

  // Owners hand out work: each task's assignee (their "next to do" / "next to review" takes it
  // first). All or nothing: an assignee who is not a member (or only a viewer), or a task of another
  // project, refuses the whole request.
  router.add('PUT', '/api/projects/:projectId/assignments', async ({ req, res, query, params }) => {
    const user = await requireUser(deps, req, query);
    const projectId = params.projectId as ProjectId;
    await requireOwner(deps, user, projectId);
    const body = await readJson(req, config.limits.maxJsonBytes, AssignTasksSchema);
    const roles = new Map((await meta.listMembers(projectId)).map((m) => [m.userId as string, m.role]));
    for (const a of body.assignments) {
      if (a.userId === null) continue;
      const role = roles.get(a.userId);
      if (!role) throw new TandemError(ErrorCode.ValidationFailed, `user ${a.userId} is not a member of this project`);
      if (role === 'viewer') throw new TandemError(ErrorCode.ValidationFailed, `user ${a.userId} is a viewer: viewers cannot work on tasks`);
    }
    await meta.assignTasks(projectId, body.assignments.map((a) => ({ taskId: a.taskId as TaskId, userId: a.userId as UserId | null })));
    sendJson(res, 200, { assigned: body.assignments.length });
  });

  // Owners invite: a new user with a role in this project and a fresh token (shown once).
  router.add('POST', '/api/projects/:projectId/members', async ({ req, res, query, params }) => {
    const user = await requireUser(deps, req, query);
    const projectId = params.projectId as ProjectId;
    await requireOwner(deps, user, projectId);
    const body = await readJson(req, config.limits.maxJsonBytes, AddMemberSchema);
    const member = await meta.createUser({ name: body.name });
    await meta.addMember(projectId, member.id, body.role);
    const token = await meta.createToken(member.id, { label: `member of ${projectId}` });
    sendJson(res, 201, { userId: member.id, token });
  });

  // Owners take people out: their role goes, their tasks' assignments go, and their open editors of
  // this project's tasks on this node are closed (4403); the token stays valid for other projects.
  router.add('DELETE', '/api/projects/:projectId/members/:userId', async ({ req, res, query, params }) => {
    const user = await requireUser(deps, req, query);
    const projectId = params.projectId as ProjectId;
    await requireOwner(deps, user, projectId);
    const userId = params.userId as UserId;
    await meta.removeMember(projectId, userId);
    const tasks = new Set((await meta.listTasks(projectId)).map((t) => t.id as string));
    const closed = await deps.sync.closeUser(userId, tasks, CloseCode.Forbidden, 'removed from the project');
    sendJson(res, 200, { removed: userId, closedConnections: closed });
  });

  // Owners change a member's role. Their open editors of the project reconnect (1012) and get the
  // new rights; a member made a viewer loses their assignments (viewers do not work on tasks).
  router.add('PUT', '/api/projects/:projectId/members/:userId', async ({ req, res, query, params }) => {
    const user = await requireUser(deps, req, query);
    const projectId = params.projectId as ProjectId;
    await requireOwner(deps, user, projectId);
    const userId = params.userId as UserId;
    const { role } = await readJson(req, config.limits.maxJsonBytes, SetRoleSchema);
    const current = await meta.getRole(projectId, userId);
    if (!current) throw new TandemError(ErrorCode.NotFound, 'not a member of this project');
    if (current === 'owner') throw new TandemError(ErrorCode.Conflict, "an owner's role does not change here");
    await meta.addMember(projectId, userId, role);
    const tasks = await meta.listTasks(projectId);
    if (role === 'viewer') {
      const theirs = tasks.filter((t) => t.assignee === userId).map((t) => ({ taskId: t.id, userId: null }));
      if (theirs.length) await meta.assignTasks(projectId, theirs);
    }
    await deps.sync.closeUser(userId, new Set(tasks.map((t) => t.id as string)), CloseCode.Reconnect, 'your role changed');
    sendJson(res, 200, { userId, role });
  });

  // A new sign-in link for a member whose link was lost or leaked: every token they had stops
  // working at once (open editors close with 4401 on every node, their inference requests answer
  // `unauthorized`) and the new one is shown once. Owners' and admins' links are not replaced here,
  // nor, unless an admin asks, the link of someone who is also in other projects.
  router.add('POST', '/api/projects/:projectId/members/:userId/token', async ({ req, res, query, params }) => {
    const user = await requireUser(deps, req, query);
    const projectId = params.projectId as ProjectId;
    await requireOwner(deps, user, projectId);
    const userId = params.userId as UserId;
    const [target, role] = await Promise.all([meta.getUser(userId), meta.getRole(projectId, userId)]);
    if (!target || !role) throw new TandemError(ErrorCode.NotFound, 'not a member of this project');
    if (target.isAdmin || role === 'owner') throw new TandemError(ErrorCode.Conflict, "an owner's or admin's sign-in link is not replaced here");
    const theirs = await meta.listProjects(target);
    if (!user.isAdmin && theirs.some((p) => p.id !== projectId)) {
      throw new TandemError(ErrorCode.Conflict, `${target.name} is a member of other projects too: an admin can replace their link`);
    }
    const revoked = await meta.revokeUserTokens(userId);
    const token = await meta.createToken(userId, { label: `member of ${projectId}` });
    const tasks = new Set<string>();
    for (const p of theirs) for (const t of await meta.listTasks(p.id)) tasks.add(t.id);
    const closed = await deps.sync.closeUser(userId, tasks, CloseCode.Unauthorized, 'unauthorized: sign-in link replaced');
    sendJson(res, 201, { userId, token, revoked, closedConnections: closed });
  });

  router.add('GET', '/api/projects/:projectId/members', async ({ req, res, query, params }) => {
    const user = await requireUser(deps, req, query);
    const projectId = params.projectId as ProjectId;
    await deps.auth.projectRole(user, projectId);
    const members = await meta.listMembers(projectId);
    sendJson(res, 200, members.map((m) => ({ userId: m.userId, name: m.name, role: m.role })));
  });
}
