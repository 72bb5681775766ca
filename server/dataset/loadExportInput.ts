// Gathers what the exporters need: the project, its tasks and each task's objects.
import { listObjects } from '../../shared/schema/annotation';
import { readImageAttributes } from '../../shared/schema/imageAttributes';
import { readTaskFlag, readTaskStatus, type TaskStatusValue } from '../../shared/schema/review';
import { TandemError, ErrorCode } from '../../shared/protocol/errors';
import type { ProjectId, TaskId } from '../../shared/schema/ids';
import type { Storage } from '../storage/types';
import { loadRoomDoc, type LiveRooms } from './rooms';
import type { ExportInput } from './types';

/**
 * All tasks of a project, or only `taskIds` (in that order), or only those whose status (read from
 * each task's review room, the truth the task rows mirror) is one of `statuses`. `skipFlagged`
 * leaves out flagged images (blurry, a duplicate: no training example), by the room's flag.
 * `labels`: only objects of these labels (every image stays: one without them is a negative
 * example), the project's classes cut down to them. Throws not_found, and validation_failed for a
 * label the project does not have.
 */
export async function loadExportInput(
  storage: Storage,
  rooms: LiveRooms,
  projectId: ProjectId,
  taskIds?: TaskId[],
  opts: { statuses?: readonly TaskStatusValue[]; skipFlagged?: boolean; labels?: readonly string[] } = {},
): Promise<ExportInput> {
  const found = await storage.meta.getProject(projectId);
  if (!found) throw new TandemError(ErrorCode.NotFound, `project ${projectId} not found`);
  // Only some labels (a one-class set from a many-class project): the others' objects stay out,
  // and so do their classes, so the classes are numbered as if the project had only these.
  const only = opts.labels ? new Set(opts.labels) : null;
  const unknown = opts.labels?.filter((l) => !found.labels.some((x) => x.name === l)) ?? [];
  if (unknown.length) throw new TandemError(ErrorCode.ValidationFailed, `not a label of the project: ${unknown.join(', ')}`);
  const project = only ? { ...found, labels: found.labels.filter((l) => only.has(l.name)) } : found;
  const all = await storage.meta.listTasks(projectId);
  const tasks = taskIds
    ? taskIds.map((id) => {
        const t = all.find((x) => x.id === id);
        if (!t) throw new TandemError(ErrorCode.NotFound, `task ${id} not found in project ${projectId}`);
        return t;
      })
    : all;
  const out: ExportInput = { project, tasks: [] };
  for (const task of tasks) {
    if (opts.statuses || opts.skipFlagged) {
      // The room, not the row: a flag or verdict set a moment ago may not be mirrored yet.
      const review = await loadRoomDoc(rooms, `review:${task.id}`);
      const status = readTaskStatus(review)?.status ?? 'todo';
      const flagged = !!readTaskFlag(review);
      review.destroy();
      if ((opts.statuses && !opts.statuses.includes(status)) || (opts.skipFlagged && flagged)) continue;
    }
    const doc = await loadRoomDoc(rooms, `task:${task.id}`);
    const objects = listObjects(doc);
    out.tasks.push({ task, objects: only ? objects.filter((o) => only.has(o.label)) : objects, imageAttributes: readImageAttributes(doc) });
    doc.destroy();
  }
  return out;
}
