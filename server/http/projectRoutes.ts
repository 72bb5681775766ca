// /api/projects/**: projects, labels and image uploads (which create tasks); members and
// assignments are in memberRoutes.ts.
import type { z } from 'zod';
import { ErrorCode, TandemError } from '../../shared/protocol/errors';
import { CreateProjectSchema, ProjectSettingsSchema, SetGuideSchema, SetLabelsSchema, SetProjectNameSchema, UploadTaskQuerySchema, type TaskSummary } from '../../shared/protocol/http';
import { mappingProblem } from '../../shared/protocol/prelabelMapping';
import type { ProjectId } from '../../shared/schema/ids';
import type { Task } from '../storage/types';
import { addImage, UploadTypes } from './addImage';
import { readBody, readJson, validate } from './body';
import { requireOwner, requireUser, type HttpDeps } from './context';
import { nearDuplicatesCached } from './nearDuplicates';
import { sendJson, type Router } from './router';


/** The row of a task in lists (contract 2 keys first; more keys allowed). */
export function taskSummary(t: Task, looksLike: string | null = null): TaskSummary {
  return { id: t.id, name: t.name, width: t.width, height: t.height, status: t.status, mime: t.mime, createdAt: t.createdAt, assignee: t.assignee, flag: t.flag, toFix: t.toFix, openThreads: t.openThreads, mentioned: t.mentioned, labelCounts: t.labelCounts, imageAttributes: t.imageAttributes ?? null, attributeCounts: t.attributeCounts ?? null, objectChecks: t.objectChecks ?? null, looksLike };
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
    if (body.members && !body.from) throw new TandemError(ErrorCode.ValidationFailed, 'members: true copies the members of `from`, which is missing');
    const source = body.from ? await meta.getProject(body.from as ProjectId) : null;
    if (body.from && !source) throw new TandemError(ErrorCode.NotFound, `project ${body.from} not found`);
    const project = await meta.createProject({ name: body.name, labels: body.labels ?? source?.labels ?? [], createdBy: user.id });
    if ((await meta.getRole(project.id, user.id)) !== 'owner') await meta.addMember(project.id, user.id, 'owner');
    if (source) {
      if (source.guide) await meta.setProjectGuide(project.id, source.guide);
      await meta.setProjectSettings(project.id, source.settings);
      if (body.members) {
        for (const m of await meta.listMembers(source.id)) {
          if (m.userId !== user.id) await meta.addMember(project.id, m.userId, m.role);
        }
      }
    }
    sendJson(res, 201, { id: project.id });
  });

  router.add('GET', '/api/projects', async ({ req, res, query }) => {
    const user = await requireUser(deps, req, query);
    const projects = await meta.listProjects(user);
    const rows = await Promise.all(
      // taskCounts: tasks per status (the rows mirror the review rooms), for the home page's progress.
      // The guide is read with one project, not with the list.
      projects.map(async ({ guide: _guide, ...p }) => ({ ...p, role: await deps.auth.projectRole(user, p.id), taskCounts: await meta.countTasks(p.id) })),
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

  /** A project setting only its owner changes: a JSON body checked by `schema`, stored, echoed (or what `store` says it stored). */
  function ownerPut<S extends z.ZodType>(path: string, schema: S, store: (id: ProjectId, body: z.infer<S>) => Promise<unknown>): void {
    router.add('PUT', `/api/projects/:projectId/${path}`, async ({ req, res, query, params }) => {
      const user = await requireUser(deps, req, query);
      const id = params.projectId as ProjectId;
      await requireOwner(deps, user, id);
      const body = await readJson(req, config.limits.maxJsonBytes, schema);
      const stored = await store(id, body);
      sendJson(res, 200, stored ?? body);
    });
  }
  ownerPut('labels', SetLabelsSchema, (id, b) => meta.setProjectLabels(id, b.labels));
  // The annotation guide: the owner writes it, every member reads it with the project.
  ownerPut('guide', SetGuideSchema, (id, b) => meta.setProjectGuide(id, b.guide));
  // A typo in the name, or a batch renamed once it is known what it holds.
  ownerPut('name', SetProjectNameSchema, (id, b) => meta.setProjectName(id, b.name));
  // The owner's rules for every editor of the project (masks kept apart), read with the project.
  // Pre-labelling new uploads names project labels: refused here, not found missing at every upload.
  // `autoPrelabel` left out keeps the stored one (null turns it off): a client from before it, or a
  // script that sets noOverlap, must not switch the owner's pre-labelling of new uploads off.
  // The same for the image attributes (an empty list removes them) and the checks' rules.
  ownerPut('settings', ProjectSettingsSchema, async (id, b) => {
    const project = await meta.getProject(id);
    if (b.autoPrelabel) {
      // The detector's classes when a worker announces one now (else checked when a run starts).
      const problem = mappingProblem(b.autoPrelabel, project?.labels.map((l) => l.name) ?? [], deps.inference()?.listDetectors()[0]?.classes ?? null);
      if (problem) throw new TandemError(ErrorCode.ValidationFailed, problem);
    }
    const settings = { ...b };
    if (b.autoPrelabel === undefined && project?.settings?.autoPrelabel) settings.autoPrelabel = project.settings.autoPrelabel;
    if (b.imageAttributes === undefined && project?.settings?.imageAttributes) settings.imageAttributes = project.settings.imageAttributes;
    if (b.checks === undefined && project?.settings?.checks) settings.checks = project.settings.checks;
    await meta.setProjectSettings(id, settings);
    return settings;
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
    const { name, ifNew } = validate(UploadTaskQuerySchema, { name: query.get('name') ?? undefined, ifNew: query.get('ifNew') ?? undefined });
    const bytes = await readBody(req, config.limits.maxImageBytes, ErrorCode.ImageTooLarge);
    // ifNew: a folder dropped again after an interrupted upload adds only what is missing.
    const task = await addImage(deps, projectId, name, bytes, type, user, { ifNew: ifNew === '1' });
    if (task.existing) sendJson(res, 200, { id: task.id, width: task.width, height: task.height, name: task.name, existing: true });
    else sendJson(res, 201, { id: task.id, width: task.width, height: task.height });
  });

  router.add('GET', '/api/projects/:projectId/tasks', async ({ req, res, query, params }) => {
    const user = await requireUser(deps, req, query);
    const projectId = params.projectId as ProjectId;
    await deps.auth.projectRole(user, projectId);
    const tasks = await meta.listTasks(projectId);
    const alike = nearDuplicatesCached(projectId, tasks);
    sendJson(res, 200, tasks.map((t) => taskSummary(t, alike.get(t.id) ?? null)));
  });
}
