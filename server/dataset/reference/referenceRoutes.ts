// HTTP endpoints of reference tasks (an annotator must not learn which images are checked, nor see
// an answer): marking tasks, handing them back and taking them off, the owner's; the list and a
// task's answer, for the owner and QA leads too (who see the scores in the analytics already), to
// find them on the project page and compare them in the editor.
import { ReferenceTasksSchema } from '../../../shared/protocol/http';
import { readJson } from '../../http/body';
import { ownedProject, requireUser, type HttpDeps } from '../../http/context';
import type { ProjectId, TaskId } from '../../../shared/schema/ids';
import { ErrorCode, TandemError } from '../../../shared/protocol/errors';
import { sendJson, type Router } from '../../http/router';
import { isProjectLead } from '../../../shared/protocol/roles';
import { handBackAgain, markReferences, projectReferences, readAnswer, referenceListing, unmarkReferences, type ReferenceDeps } from './markReferences';

export function referenceRoutes(router: Router, deps: HttpDeps, d: ReferenceDeps): void {
  router.add('GET', '/api/projects/:projectId/references', async ({ req, res, query: q, params }) => {
    const user = await requireUser(deps, req, q);
    const projectId = params.projectId as ProjectId;
    const role = await deps.auth.projectRole(user, projectId);
    if (!isProjectLead(role)) throw new TandemError(ErrorCode.Forbidden, `a ${role} cannot see which tasks are reference tasks`);
    sendJson(res, 200, { references: await projectReferences(d, projectId) });
  });

  router.add('POST', '/api/projects/:projectId/references', async ({ req, res, query: q, params }) => {
    const { user, project } = await ownedProject(deps, req, q, params.projectId);
    const body = await readJson(req, deps.config.limits.maxJsonBytes, ReferenceTasksSchema);
    sendJson(res, 200, await markReferences(d, project, body.taskIds, user.id));
  });

  router.add('POST', '/api/projects/:projectId/references/again', async ({ req, res, query: q, params }) => {
    const { user, project } = await ownedProject(deps, req, q, params.projectId);
    const body = await readJson(req, deps.config.limits.maxJsonBytes, ReferenceTasksSchema);
    sendJson(res, 200, await handBackAgain(d, project, body.taskIds, user.id));
  });

  router.add('POST', '/api/projects/:projectId/references/remove', async ({ req, res, query: q, params }) => {
    const { user, project } = await ownedProject(deps, req, q, params.projectId);
    const body = await readJson(req, deps.config.limits.maxJsonBytes, ReferenceTasksSchema);
    sendJson(res, 200, await unmarkReferences(d, project, body.taskIds, user.id, body.restore === true));
  });

  router.add('GET', '/api/tasks/:taskId/reference', async ({ req, res, query: q, params }) => {
    const user = await requireUser(deps, req, q);
    const { task, role } = await deps.auth.taskAccess(user, params.taskId as TaskId);
    if (!isProjectLead(role)) throw new TandemError(ErrorCode.Forbidden, `a ${role} cannot see a reference answer`);
    const info = (await referenceListing(d.rooms, task.projectId)).get(task.id);
    if (!info) throw new TandemError(ErrorCode.NotFound, `${task.name} is not a reference task`);
    const answer = await readAnswer(d.rooms, task.id);
    sendJson(res, 200, { ...info, answer: answer.objects, image: answer.image });
  });
}
