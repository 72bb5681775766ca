// /api/projects/:id/prelabel: the owner starts, follows and stops pre-labelling the project's
// tasks with the object detector (prelabel.ts), through any node of a cluster.
import { z } from 'zod';
import { ErrorCode, TandemError } from '../../../shared/protocol/errors';
import type { ProjectId } from '../../../shared/schema/ids';
import { readJson } from '../../http/body';
import { requireOwner, requireUser, type HttpDeps } from '../../http/context';
import { sendJson, type Router } from '../../http/router';
import type { Prelabeller } from './prelabel';

const StartBody = z.object({
  labels: z.record(z.string().min(1).max(100), z.string().min(1).max(100)),
  threshold: z.number().min(0.05).max(1).optional(),
  /** A class's own least score, instead of `threshold`. */
  thresholds: z.record(z.string().min(1).max(100), z.number().min(0.05).max(1)).optional(),
  scope: z.enum(['empty', 'all']).default('empty'),
  /** Only these tasks of the project (the list as a search or filter shows it); all when absent. */
  taskIds: z.array(z.string().min(1).max(64)).min(1).max(100_000).optional(),
});

const WithdrawBody = z.object({
  taskIds: StartBody.shape.taskIds,
  /** `imports`: the objects imports brought and nobody touched (an import undone), instead of the detector's. */
  what: z.enum(['prelabels', 'imports']).default('prelabels'),
});

export function prelabelRoutes(router: Router, deps: HttpDeps, prelabel: Prelabeller): void {
  const owner = async (req: Parameters<typeof requireUser>[1], q: URLSearchParams, projectId: ProjectId) => {
    const user = await requireUser(deps, req, q);
    await requireOwner(deps, user, projectId);
    return user;
  };

  router.add('POST', '/api/projects/:projectId/prelabel', async ({ req, res, query: q, params }) => {
    const projectId = params.projectId as ProjectId;
    const user = await owner(req, q, projectId);
    const body = await readJson(req, deps.config.limits.maxJsonBytes, StartBody);
    sendJson(res, 202, await prelabel.start(projectId, user.id, body));
  });

  // Undoing a run (a poor mapping, a score too low): the pre-labels nobody touched go.
  router.add('POST', '/api/projects/:projectId/prelabel/withdraw', async ({ req, res, query: q, params }) => {
    const projectId = params.projectId as ProjectId;
    const user = await owner(req, q, projectId);
    const body = await readJson(req, deps.config.limits.maxJsonBytes, WithdrawBody);
    sendJson(res, 202, await prelabel.withdraw(projectId, user.id, body.taskIds, body.what));
  });

  router.add('GET', '/api/projects/:projectId/prelabel', async ({ req, res, query: q, params }) => {
    const projectId = params.projectId as ProjectId;
    await owner(req, q, projectId);
    const [status, waiting, waitingBoxes] = await Promise.all([prelabel.status(projectId), prelabel.waitingUploads(projectId), prelabel.waitingBoxRuns(projectId)]);
    sendJson(res, 200, { ...(status ?? { state: 'idle' }), waiting, ...(waitingBoxes && { waitingBoxes }) });
  });

  router.add('DELETE', '/api/projects/:projectId/prelabel', async ({ req, res, query: q, params }) => {
    const projectId = params.projectId as ProjectId;
    await owner(req, q, projectId);
    const st = await prelabel.stop(projectId);
    if (!st) throw new TandemError(ErrorCode.NotFound, 'this project has no pre-labelling job');
    sendJson(res, 200, st);
  });
}
