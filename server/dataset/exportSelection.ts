// The tasks a project export keeps when the caller names them (`POST /api/projects/:id/export`):
// what the project page's list shows after a search or filter ("every night image with an
// occluded car"), too many ids for a URL. A browser form sends them as `tasks=<id>,<id>,…`
// (urlencoded: the download then streams like a link's), an API client as JSON `{taskIds}`.
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { ErrorCode, TandemError } from '../../shared/protocol/errors';
import type { TaskId } from '../../shared/schema/ids';
import { readBody, readJson, validate } from '../http/body';

/** Most tasks one export may name (a 1 MiB body holds ~50,000 ids). */
export const MAX_EXPORT_TASKS = 50_000;

const TaskIdsSchema = z.object({ taskIds: z.array(z.string().min(1).max(64)).min(1).max(MAX_EXPORT_TASKS) });

/** The task ids of the body, each once, in the order given. */
export async function readExportTaskIds(req: IncomingMessage, maxBytes: number): Promise<TaskId[]> {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  let ids: string[];
  if (type === 'application/x-www-form-urlencoded') {
    const form = new URLSearchParams((await readBody(req, maxBytes)).toString('utf8'));
    const list = form.get('tasks');
    if (list === null) throw new TandemError(ErrorCode.ValidationFailed, 'tasks: the form names no tasks (tasks=<id>,<id>,…)');
    ids = validate(TaskIdsSchema, { taskIds: list.split(',').filter(Boolean) }).taskIds;
  } else {
    ids = (await readJson(req, maxBytes, TaskIdsSchema)).taskIds;
  }
  return [...new Set(ids)] as TaskId[];
}
