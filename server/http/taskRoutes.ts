// /api/tasks/**, /api/me (and the inbox: inbox.ts), /api/models, /api/detectors and /healthz.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode, TandemError } from '../../shared/protocol/errors';
import { ExportQuerySchema } from '../../shared/protocol/http';
import { canWriteRoom } from '../../shared/protocol/roles';
import { readImageAttributes } from '../../shared/schema/imageAttributes';
import { listObjects } from '../../shared/schema/annotation';
import type { TaskId } from '../../shared/schema/ids';
import { validate } from './body';
import { requireUser, type HttpDeps } from './context';
import { exportTaskCoco } from './exportCoco';
import { loadInbox } from './inbox';
import { taskSummary } from './projectRoutes';
import { sendJson, type Router } from './router';
import { thumbnailKey, thumbnailOf } from '../storage/images/thumbnail';

export function taskRoutes(router: Router, deps: HttpDeps): void {
  const { storage } = deps;

  router.add('GET', '/healthz', ({ res }) => {
    if (deps.isReady()) sendJson(res, 200, { ok: true });
    else sendJson(res, 503, { error: { code: ErrorCode.Unavailable, message: 'starting' } });
  });

  router.add('GET', '/api/me', async ({ req, res, query }) => {
    const user = await requireUser(deps, req, query);
    sendJson(res, 200, { id: user.id, name: user.name, isAdmin: user.isAdmin });
  });

  router.add('GET', '/api/me/inbox', async ({ req, res, query }) => {
    const user = await requireUser(deps, req, query);
    sendJson(res, 200, await loadInbox(storage.meta, deps.auth, user));
  });

  router.add('GET', '/api/models', async ({ req, res, query }) => {
    await requireUser(deps, req, query);
    sendJson(res, 200, deps.inference()?.listModels() ?? []);
  });

  router.add('GET', '/api/detectors', async ({ req, res, query }) => {
    await requireUser(deps, req, query);
    sendJson(res, 200, deps.inference()?.listDetectors() ?? []);
  });

  router.add('GET', '/api/tasks/:taskId', async ({ req, res, query, params }) => {
    const user = await requireUser(deps, req, query);
    const { task, role } = await deps.auth.taskAccess(user, params.taskId as TaskId);
    sendJson(res, 200, {
      ...taskSummary(task),
      projectId: task.projectId,
      role,
      canWrite: { task: canWriteRoom(role, 'task'), review: canWriteRoom(role, 'review') },
    });
  });

  // Original bytes, and a small WebP of them for the task list (server/storage/images/thumbnail.ts).
  router.add('GET', '/api/tasks/:taskId/image', async ({ req, res, query, params }) => {
    const user = await requireUser(deps, req, query, true);
    const { task } = await deps.auth.taskAccess(user, params.taskId as TaskId);
    await sendImmutable(req, res, task.imageKey, task.mime, () => storage.images.get(task.imageKey));
  });
  router.add('GET', '/api/tasks/:taskId/thumbnail', async ({ req, res, query, params }) => {
    const user = await requireUser(deps, req, query, true);
    const { task } = await deps.auth.taskAccess(user, params.taskId as TaskId);
    const read = () => thumbnailOf(storage.images, task.imageKey, deps.config.limits.maxImagePixels);
    await sendImmutable(req, res, thumbnailKey(task.imageKey), 'image/webp', read);
  });

  router.add('GET', '/api/tasks/:taskId/export', async ({ req, res, query, params }) => {
    const user = await requireUser(deps, req, query, true);
    const { task } = await deps.auth.taskAccess(user, params.taskId as TaskId);
    const { format } = validate(ExportQuerySchema, { format: query.get('format') ?? undefined });
    if (format !== 'coco') throw new TandemError(ErrorCode.ValidationFailed, `format: unsupported export format "${format}" (coco)`);
    const project = await storage.meta.getProject(task.projectId);
    if (!project) throw new TandemError(ErrorCode.NotFound, 'project not found');
    const [objects, image] = await deps.sync.withDoc(`task:${task.id}`, (doc) => [listObjects(doc), readImageAttributes(doc)] as const);
    const coco = exportTaskCoco(project, task, objects, image);
    const text = JSON.stringify(coco);
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      'content-disposition': `attachment; filename="${task.id}.coco.json"`,
      'cache-control': 'no-store',
    });
    res.end(text);
  });
}

/**
 * Bytes that never change under their key (a task's image never does): the key is the ETag, a
 * matching If-None-Match gets 304 without reading them, and browsers may keep them a day;
 * `private` because the URL may carry a token.
 */
async function sendImmutable(req: IncomingMessage, res: ServerResponse, key: string, contentType: string, read: () => Promise<Uint8Array>): Promise<void> {
  const etag = `"${key}"`;
  const headers = { etag, 'cache-control': 'private, max-age=86400' };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const bytes = await read();
  res.writeHead(200, { ...headers, 'content-type': contentType, 'content-length': bytes.byteLength });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}
