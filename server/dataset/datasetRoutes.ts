// HTTP endpoints of the dataset, history, analytics and operator-metrics work, registered on the
// core router by server/app.ts (one call). Registered before the core's routes so that
// `GET /api/tasks/:id/export` here (every format) answers rather than the COCO-only one.
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { ErrorCode, TandemError } from '../../shared/protocol/errors';
import { FillObjectAttributesSchema, FlagTasksSchema, RenameLabelSchema, TagImagesSchema, TaskIdsSchema } from '../../shared/protocol/http';
import { canWriteRoom, isProjectLead } from '../../shared/protocol/roles';
import type { ProjectId, TaskId, UserId } from '../../shared/schema/ids';
import { analyticsCsv } from '../analytics/analyticsCsv';
import { loadAnalytics } from '../analytics/loadAnalytics';
import { queryParams, readBody, readJson, validate } from '../http/body';
import { ownedProject, requireUser, type HttpDeps } from '../http/context';
import { sendJson, type Router } from '../http/router';
import { noteTask } from '../http/requestFacts';
import { createMetrics, type Metrics } from '../metrics/createMetrics';
import { bindInferenceStats } from '../metrics/inferenceStats';
import { bindSyncStats } from '../metrics/syncStats';
import { checkReadiness } from '../metrics/readiness';
import { deleteProject, deleteTask } from './deleteTask';
import { renameLabels } from './renameLabel';
import { flagTasks } from './flagTasks';
import { tagImages } from './tagImages';
import { exportOffThread } from './thread/offThread';
import { readExportTaskIds } from './exportSelection';
import { fillObjectAttributes } from './fillObjectAttributes';
import { removeSpecksIn } from './removeSpecks';
import { canIncludeImages, streamZipWithImages } from './export/withImages';
import { createHistoryRecorder, getImageHistory, getObjectHistory, listTaskHistory, restoreVersion, type HistoryRecorder } from './history/objectHistory';
import { loadExportInput } from './loadExportInput';
import { importRoutes } from './import/importRoutes';
import { ImportPreviews } from './import/importPreviews';
import { Prelabeller } from './prelabel/prelabel';
import { prelabelRoutes } from './prelabel/prelabelRoutes';
import { referenceRoutes } from './reference/referenceRoutes';
import { historyVisibleFrom } from './reference/markReferences';
import { syncRooms } from './rooms';
import { ExportFormats, ExportStatusesSchema, type ExportFormat, type ExportInput } from './types';

const ExportQuery = z.object({ format: z.enum(ExportFormats).default('coco'), images: z.enum(['true', 'false']).optional() });
const DeleteQuery = z.object({ force: z.enum(['true', 'false']).optional() });
/** A project export may keep only tasks of some statuses: `?status=done` or `?status=done,in_review`. */
const ProjectExportQuery = ExportQuery.extend({ status: ExportStatusesSchema.optional(), flagged: z.enum(['include', 'exclude']).default('exclude') });
/** `?label=car&label=person`: only those labels' objects and classes (repeated: a name may hold a comma). */
const labelsOf = (q: URLSearchParams): string[] | undefined => (q.getAll('label').length ? [...new Set(q.getAll('label'))] : undefined);
const RestoreBody = z.object({ version: z.number().int().min(1) });
const AnalyticsQuery = z.object({
  format: z.enum(['json', 'csv']).default('json'),
  table: z.enum(['objects', 'annotators', 'reviewers', 'threads', 'prelabels', 'boxes', 'imports', 'attributes', 'references', 'progress']).default('annotators'),
  /** The viewer's time zone, minutes east of UTC, for the progress days. */
  tz: z.coerce.number().int().min(-840).max(840).default(0),
});


function sendFile(res: ServerResponse, contentType: string, fileName: string, bytes: Uint8Array | string): void {
  const body = typeof bytes === 'string' ? Buffer.from(bytes) : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  res.writeHead(200, {
    'content-type': contentType.startsWith('application/json') || contentType === 'application/xml' || contentType.startsWith('text/') ? `${contentType}; charset=utf-8` : contentType,
    'content-length': body.byteLength,
    'content-disposition': `attachment; filename="${fileName.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
    'cache-control': 'no-store',
  });
  res.end(body);
}

export interface DatasetService {
  /** The Prometheus registry other modules increment (HTTP, inference, storage call sites). */
  metrics: Metrics;
  /**
   * Records object versions once edits settle. The sync server should call
   * `history.notify(taskId)` on every applied update of a `task:` room (`{ now: true }` for a
   * `review:` room: a review event records the judged state at once), and the
   * server `history.flush()` on close; until then versions are recorded at import, restore and
   * whenever history or analytics are read.
   */
  history: HistoryRecorder;
  /** Pre-labelling jobs with the object detector; the server stops them before closing the rooms. */
  prelabel: Prelabeller;
  /** Files kept from import previews; the server sweeps the expired ones. */
  previews: ImportPreviews;
}

/** Registers the routes; returns what other modules hook into. */
export function datasetRoutes(router: Router, deps: HttpDeps, metrics: Metrics = createMetrics()): DatasetService {
  const { storage } = deps;
  const rooms = syncRooms(deps.sync);
  bindSyncStats(metrics, () => deps.sync.metrics);
  bindInferenceStats(metrics, () => deps.inference());
  const history = createHistoryRecorder({ live: rooms, log: deps.log, taskExists: async (id) => (await storage.meta.getTask(id as TaskId)) !== null });

  /** The export as one body, or (`images`, VOC and YOLO) a zip streamed with the images in it. */
  async function sendExport(res: ServerResponse, input: ExportInput, format: ExportFormat, name: string, images: boolean): Promise<void> {
    if (!images) {
      const out = await exportOffThread(input, format, name);
      return sendFile(res, out.contentType, out.fileName, out.bytes);
    }
    if (!canIncludeImages(format)) throw new TandemError(ErrorCode.ValidationFailed, `images=true is for the zip formats (voc, yolo), not ${format}`);
    await streamZipWithImages(res, input, format, name, storage.images);
  }

  router.add('GET', '/api/tasks/:taskId/export', async ({ req, res, query: q, params }) => {
    const user = await requireUser(deps, req, q, true);
    const { task } = await deps.auth.taskAccess(user, params.taskId as TaskId);
    const { format, images } = validate(ExportQuery, queryParams(q));
    const input = await loadExportInput(storage, rooms, task.projectId, [task.id]);
    await sendExport(res, input, format, task.name.replace(/\.[^.]+$/, ''), images === 'true');
  });

  // A project's export: GET for every task, POST for the tasks the body names (what a search or
  // filter shows), in that order (one not in the project is not_found and exports nothing).
  for (const method of ['GET', 'POST'] as const) {
    router.add(method, '/api/projects/:projectId/export', async ({ req, res, query: q, params }) => {
      const user = await requireUser(deps, req, q, true);
      const projectId = params.projectId as ProjectId;
      await deps.auth.projectRole(user, projectId);
      const { format, status, images, flagged } = validate(ProjectExportQuery, queryParams(q));
      const taskIds = method === 'POST' ? await readExportTaskIds(req, deps.config.limits.maxJsonBytes) : undefined;
      // Flagged images (blurry, duplicates) stay out of a project's dataset unless asked for.
      const input = await loadExportInput(storage, rooms, projectId, taskIds, { statuses: status, skipFlagged: flagged === 'exclude', labels: labelsOf(q) });
      await sendExport(res, input, format, input.project.name, images === 'true');
    });
  }

  // Owners delete a task (a wrong or duplicate upload) with its annotations (`?force=true` when it has any).
  router.add('DELETE', '/api/tasks/:taskId', async ({ req, res, query: q, params }) => {
    const user = await requireUser(deps, req, q);
    const { task, role } = await deps.auth.taskAccess(user, params.taskId as TaskId);
    if (role !== 'owner') throw new TandemError(ErrorCode.Forbidden, 'only the project owner may delete tasks');
    noteTask(req, task);
    const { force } = validate(DeleteQuery, queryParams(q));
    const { objects } = await deleteTask({ storage, sync: deps.sync, history, log: deps.log }, task, { force: force === 'true' });
    // Not waiting for pre-labelling any more (the project page would count it while no detector runs).
    await deps.uploadDropped?.(task.projectId, task.id).catch((err: unknown) => deps.log.warn({ err, taskId: task.id }, 'could not drop the pre-labelling note of a deleted task'));
    await deps.hookEvents?.told('task.deleted', task, user);
    sendJson(res, 200, { deleted: task.id, objects });
  });


  // Owners rename labels; their objects in every task follow (PUT .../labels alone would orphan them).
  router.add('POST', '/api/projects/:projectId/labels/rename', async ({ req, res, query: q, params }) => {
    const { user, project } = await ownedProject(deps, req, q, params.projectId);
    const body = await readJson(req, deps.config.limits.maxJsonBytes, RenameLabelSchema);
    sendJson(res, 200, await renameLabels(storage, rooms, project, 'renames' in body ? body.renames : [body], user.id));
  });

  // Owners set image attributes on many tasks at once (the ones a search or filter shows).
  router.add('POST', '/api/projects/:projectId/image-attributes', async ({ req, res, query: q, params }) => {
    const { user, project } = await ownedProject(deps, req, q, params.projectId);
    const body = await readJson(req, deps.config.limits.maxJsonBytes, TagImagesSchema);
    sendJson(res, 200, await tagImages(storage, rooms, project, body, user.id));
  });

  // Owners fill the attribute values a label's objects lack across many tasks (values set stay).
  router.add('POST', '/api/projects/:projectId/object-attributes', async ({ req, res, query: q, params }) => {
    const { user, project } = await ownedProject(deps, req, q, params.projectId);
    const body = await readJson(req, deps.config.limits.maxJsonBytes, FillObjectAttributesSchema);
    sendJson(res, 200, await fillObjectAttributes(storage, rooms, project, body, user.id));
  });

  // Owners remove the specks around the masks of the tasks a list shows (the Checks filter's).
  router.add('POST', '/api/projects/:projectId/remove-specks', async ({ req, res, query: q, params }) => {
    const { user, project } = await ownedProject(deps, req, q, params.projectId);
    const body = await readJson(req, deps.config.limits.maxJsonBytes, TaskIdsSchema);
    sendJson(res, 200, await removeSpecksIn(storage, rooms, project, body.taskIds, user.id));
  });

  // Owners flag many tasks at once (the look-alikes a filter shows, as duplicates), or unflag them.
  router.add('POST', '/api/projects/:projectId/flags', async ({ req, res, query: q, params }) => {
    const { user, project } = await ownedProject(deps, req, q, params.projectId);
    const body = await readJson(req, deps.config.limits.maxJsonBytes, FlagTasksSchema);
    sendJson(res, 200, await flagTasks(storage, rooms, project, body, user.id));
  });

  // Owners delete a whole project (`?force=true` when any task has annotations).
  router.add('DELETE', '/api/projects/:projectId', async ({ req, res, query: q, params }) => {
    const { project } = await ownedProject(deps, req, q, params.projectId);
    const { force } = validate(DeleteQuery, queryParams(q));
    const out = await deleteProject({ storage, sync: deps.sync, history, log: deps.log }, project, { force: force === 'true' });
    sendJson(res, 200, { deleted: project.id, ...out });
  });

  /** An object's versions, not_found for one first recorded before `from` (a reference task's earlier turns, historyVisibleFrom). */
  async function visibleHistory(taskId: string, objectId: string, from: number) {
    const versions = await getObjectHistory(rooms, taskId, objectId);
    if (versions[0].at < from) throw new TandemError(ErrorCode.NotFound, `object ${objectId} has no history in task ${taskId}`);
    return versions;
  }

  // Browsing: every object with history, deleted ones included (they are gone from the doc).
  router.add('GET', '/api/tasks/:taskId/history', async ({ req, res, query: q, params }) => {
    const user = await requireUser(deps, req, q);
    const { task, role } = await deps.auth.taskAccess(user, params.taskId as TaskId);
    const from = await historyVisibleFrom(rooms, task, role);
    sendJson(res, 200, { taskId: task.id, objects: (await listTaskHistory(rooms, task.id)).filter((o) => o.firstAt >= from) });
  });

  // The image's own attribute values through time (who set, changed or took back what, when).
  router.add('GET', '/api/tasks/:taskId/image/history', async ({ req, res, query: q, params }) => {
    const user = await requireUser(deps, req, q);
    const { task, role } = await deps.auth.taskAccess(user, params.taskId as TaskId);
    const from = await historyVisibleFrom(rooms, task, role);
    sendJson(res, 200, { taskId: task.id, versions: (await getImageHistory(rooms, task.id)).filter((v) => v.at >= from) });
  });

  router.add('GET', '/api/tasks/:taskId/objects/:objectId/history', async ({ req, res, query: q, params }) => {
    const user = await requireUser(deps, req, q);
    const { task, role } = await deps.auth.taskAccess(user, params.taskId as TaskId);
    sendJson(res, 200, { taskId: task.id, objectId: params.objectId, versions: await visibleHistory(task.id, params.objectId, await historyVisibleFrom(rooms, task, role)) });
  });

  router.add('POST', '/api/tasks/:taskId/objects/:objectId/restore', async ({ req, res, query: q, params }) => {
    const user = await requireUser(deps, req, q);
    const { task, role } = await deps.auth.taskAccess(user, params.taskId as TaskId);
    if (!canWriteRoom(role, 'task')) throw new TandemError(ErrorCode.ReadOnly, `a ${role} cannot change masks`);
    noteTask(req, task);
    // Checked only where something is hidden (restoreVersion reads the versions itself).
    const from = await historyVisibleFrom(rooms, task, role);
    if (from) await visibleHistory(task.id, params.objectId, from);
    const { version } = await readJson(req, deps.config.limits.maxJsonBytes, RestoreBody);
    sendJson(res, 200, await restoreVersion(rooms, task.id, params.objectId, version, user.id));
  });

  // Per-annotator productivity is for the project's leads: owners and QA leads.
  router.add('GET', '/api/projects/:projectId/analytics', async ({ req, res, query: q, params }) => {
    const user = await requireUser(deps, req, q, true);
    const projectId = params.projectId as ProjectId;
    const role = await deps.auth.projectRole(user, projectId);
    if (!isProjectLead(role)) throw new TandemError(ErrorCode.Forbidden, `a ${role} cannot see project analytics`);
    const opts = validate(AnalyticsQuery, queryParams(q));
    const analytics = await loadAnalytics(storage, rooms, projectId, { tzOffsetMinutes: opts.tz });
    if (opts.format === 'csv') sendFile(res, 'text/csv', `analytics_${opts.table}.csv`, analyticsCsv(analytics, opts.table));
    else sendJson(res, 200, analytics);
  });

  // Prometheus scrapes without a token, like /healthz: restrict it at the network level.
  router.add('GET', '/metrics', async ({ res }) => {
    const { contentType, body } = await metrics.render();
    res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
    res.end(body);
  });

  router.add('GET', '/readyz', async ({ res }) => {
    const r = await checkReadiness({ storage, inference: deps.inference() as Parameters<typeof checkReadiness>[0]['inference'] });
    sendJson(res, r.ready ? 200 : 503, r);
  });

  const prelabel = new Prelabeller({
    storage,
    rooms,
    inference: deps.inference,
    log: deps.log.child({ module: 'prelabel' }),
    nodeId: deps.config.nodeId,
    leaseMs: deps.config.prelabel.leaseMs,
    onEnded: (projectId, status) => deps.hookEvents?.prelabelled(projectId, status),
  });
  prelabelRoutes(router, deps, prelabel);
  const previews = new ImportPreviews({ images: storage.images, jobs: storage.jobs, log: deps.log.child({ module: 'import' }) });
  importRoutes(router, deps, { storage, rooms, prelabel, previews });
  referenceRoutes(router, deps, { storage, rooms, history });
  return { metrics, history, prelabel, previews };
}
