// /api/projects/**: projects, labels, members and image uploads (which create tasks).
import { CloseCode } from '../../shared/protocol/closeCodes';
import { ErrorCode, TandemError } from '../../shared/protocol/errors';
import { AddMemberSchema, AssignTasksSchema, CreateProjectSchema, SetLabelsSchema, UploadTaskQuerySchema, type TaskSummary } from '../../shared/protocol/http';
import type { Role } from '../../shared/protocol/roles';
import { newId, type ProjectId, type TaskId, type UserId } from '../../shared/schema/ids';
import { validateImage } from '../storage/images/validateImage';
import type { Task, User } from '../storage/types';
import { readBody, readJson, validate } from './body';
import { requireUser, type HttpDeps } from './context';
import { sendJson, type Router } from './router';

const UploadTypes = ['image/jpeg', 'image/png', 'image/webp'] as const;
const extByMime: Record<string, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' };

/** The row of a task in lists (contract 2 keys first; more keys allowed). */
export function taskSummary(t: Task): TaskSummary {
  return { id: t.id, name: t.name, width: t.width, height: t.height, status: t.status, mime: t.mime, createdAt: t.createdAt, assignee: t.assignee };
}

async function requireOwner(deps: HttpDeps, user: User, projectId: ProjectId): Promise<Role> {
  const role = await deps.auth.projectRole(user, projectId);
  if (role !== 'owner') throw new TandemError(ErrorCode.Forbidden, 'only the project owner may do this');
  return role;
}

export function projectRoutes(router: Router, deps: HttpDeps): void {
  const { storage, config } = deps;
  const meta = storage.meta;

  // Admins create projects (members are users that owners invite with a token); the creator
  // becomes the project's owner.
  router.add('POST', '/api/projects', async ({ req, res, query }) => {
    const user = await requireUser(deps, req, query);
    if (!user.isAdmin) throw new TandemError(ErrorCode.Forbidden, 'only admins create projects');
    const body = await readJson(req, config.limits.maxJsonBytes, CreateProjectSchema);
    const project = await meta.createProject({ name: body.name, labels: body.labels ?? [], createdBy: user.id });
    if ((await meta.getRole(project.id, user.id)) !== 'owner') await meta.addMember(project.id, user.id, 'owner');
    sendJson(res, 201, { id: project.id });
  });

  router.add('GET', '/api/projects', async ({ req, res, query }) => {
    const user = await requireUser(deps, req, query);
    const projects = await meta.listProjects(user);
    const rows = await Promise.all(
      // taskCounts: tasks per status (the rows mirror the review rooms), for the home page's progress.
      projects.map(async (p) => ({ ...p, role: await deps.auth.projectRole(user, p.id), taskCounts: await meta.countTasks(p.id) })),
    );
    sendJson(res, 200, rows);
  });

  router.add('GET', '/api/projects/:projectId', async ({ req, res, query, params }) => {
    const user = await requireUser(deps, req, query);
    const id = params.projectId as ProjectId;
    const role = await deps.auth.projectRole(user, id);
    const project = await meta.getProject(id);
    if (!project) throw new TandemError(ErrorCode.NotFound, 'project not found');
    sendJson(res, 200, { ...project, role });
  });

  router.add('PUT', '/api/projects/:projectId/labels', async ({ req, res, query, params }) => {
    const user = await requireUser(deps, req, query);
    const id = params.projectId as ProjectId;
    await requireOwner(deps, user, id);
    const body = await readJson(req, config.limits.maxJsonBytes, SetLabelsSchema);
    await meta.setProjectLabels(id, body.labels);
    sendJson(res, 200, { labels: body.labels });
  });

  // Raw image bytes as the body; the cap applies while streaming, then sharp checks the header
  // dimensions before decoding (image bombs) and decodes once (corrupt data).
  router.add('POST', '/api/projects/:projectId/tasks', async ({ req, res, query, params }) => {
    const user = await requireUser(deps, req, query);
    const projectId = params.projectId as ProjectId;
    await requireOwner(deps, user, projectId);
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (!(UploadTypes as readonly string[]).includes(type)) {
      req.resume();
      throw new TandemError(ErrorCode.UnsupportedMediaType, `content-type must be one of ${UploadTypes.join(', ')}`);
    }
    const { name } = validate(UploadTaskQuerySchema, { name: query.get('name') ?? undefined });
    const bytes = await readBody(req, config.limits.maxImageBytes, ErrorCode.ImageTooLarge);
    const info = await validateImage(bytes, { maxBytes: config.limits.maxImageBytes, maxPixels: config.limits.maxImagePixels, declaredMime: type });
    const id = newId() as TaskId;
    // The key follows the detected format, not the declared one: the bytes are what we serve back.
    const imageKey = `${id}.${extByMime[info.mime] ?? info.format}`;
    await storage.images.put(imageKey, bytes);
    const task = await meta.createTask({ id, projectId, name, width: info.width, height: info.height, imageKey, mime: info.mime });
    sendJson(res, 201, { id: task.id, width: task.width, height: task.height });
  });

  router.add('GET', '/api/projects/:projectId/tasks', async ({ req, res, query, params }) => {
    const user = await requireUser(deps, req, query);
    const projectId = params.projectId as ProjectId;
    await deps.auth.projectRole(user, projectId);
    const tasks = await meta.listTasks(projectId);
    sendJson(res, 200, tasks.map(taskSummary));
  });

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

  router.add('GET', '/api/projects/:projectId/members', async ({ req, res, query, params }) => {
    const user = await requireUser(deps, req, query);
    const projectId = params.projectId as ProjectId;
    await deps.auth.projectRole(user, projectId);
    const members = await meta.listMembers(projectId);
    sendJson(res, 200, members.map((m) => ({ userId: m.userId, name: m.name, role: m.role })));
  });
}
