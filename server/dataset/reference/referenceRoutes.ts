// HTTP endpoints of reference tasks, owner only (an annotator must not learn which images are
// checked, nor see an answer): the list, marking tasks, taking them off.
import { ReferenceTasksSchema } from '../../../shared/protocol/http';
import { readJson } from '../../http/body';
import { ownedProject, type HttpDeps } from '../../http/context';
import { sendJson, type Router } from '../../http/router';
import { markReferences, projectReferences, unmarkReferences, type ReferenceDeps } from './markReferences';

export function referenceRoutes(router: Router, deps: HttpDeps, d: ReferenceDeps): void {
  router.add('GET', '/api/projects/:projectId/references', async ({ req, res, query: q, params }) => {
    const { project } = await ownedProject(deps, req, q, params.projectId);
    sendJson(res, 200, { references: await projectReferences(d, project.id) });
  });

  router.add('POST', '/api/projects/:projectId/references', async ({ req, res, query: q, params }) => {
    const { user, project } = await ownedProject(deps, req, q, params.projectId);
    const body = await readJson(req, deps.config.limits.maxJsonBytes, ReferenceTasksSchema);
    sendJson(res, 200, await markReferences(d, project, body.taskIds, user.id));
  });

  router.add('POST', '/api/projects/:projectId/references/remove', async ({ req, res, query: q, params }) => {
    const { user, project } = await ownedProject(deps, req, q, params.projectId);
    const body = await readJson(req, deps.config.limits.maxJsonBytes, ReferenceTasksSchema);
    sendJson(res, 200, await unmarkReferences(d, project, body.taskIds, user.id, body.restore === true));
  });
}
