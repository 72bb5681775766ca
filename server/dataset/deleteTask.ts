// Deleting a task (a wrong or duplicate upload), or a whole project: the row first, so nobody can
// open it again; then its live rooms (open editors closed with 4404), its recorded history, its
// stored documents, and its image with the thumbnail. Annotations go with them, so annotated work
// is deleted only when the caller says so (`force`): a script cannot wipe work by accident.
import { CloseCode } from '../../shared/protocol/closeCodes';
import { ErrorCode, TandemError } from '../../shared/protocol/errors';
import { listObjects } from '../../shared/schema/annotation';
import type { Logger } from '../logger';
import { thumbnailKey } from '../storage/images/thumbnail';
import type { Project, Storage, Task } from '../storage/types';
import type { SyncServer } from '../sync/SyncServer';
import { historyRoom } from './history/historyDoc';
import { referenceRoom, referencesRoom } from './reference/referenceDoc';
import type { HistoryRecorder } from './history/objectHistory';
import { PREVIEWS, previewFiles } from './import/importPreviews';
import { WAITING_BOXES, waitingFiles } from './prelabel/waitingBoxes';

export interface DeleteTaskDeps {
  storage: Storage;
  sync: SyncServer;
  history: HistoryRecorder;
  log: Logger;
}

const objectsOf = (d: DeleteTaskDeps, task: Task) => d.sync.withDoc(`task:${task.id}`, (doc) => listObjects(doc).length);
const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** Deletes the task and everything it holds. Returns how many objects went with it. */
export async function deleteTask(d: DeleteTaskDeps, task: Task, opts: { force: boolean }): Promise<{ objects: number }> {
  const objects = await objectsOf(d, task);
  if (objects > 0 && !opts.force) {
    throw new TandemError(ErrorCode.Conflict, `${task.name} has ${plural(objects, 'annotated object')}; delete with force=true to delete them too`);
  }
  await d.storage.meta.deleteTask(task.id);
  await purgeTask(d, task);
  return { objects };
}

/** Deletes a project: its row (members, task rows) first, then everything each task holds. */
export async function deleteProject(d: DeleteTaskDeps, project: Project, opts: { force: boolean }): Promise<{ tasks: number; objects: number }> {
  const tasks = await d.storage.meta.listTasks(project.id);
  let objects = 0;
  let annotated = 0;
  for (const t of tasks) {
    const n = await objectsOf(d, t);
    objects += n;
    if (n > 0) annotated++;
  }
  if (annotated > 0 && !opts.force) {
    throw new TandemError(ErrorCode.Conflict, `${project.name} has ${plural(annotated, 'annotated task')} (${plural(objects, 'object')}); delete with force=true to delete them too`);
  }
  // Files kept for its import previews and waiting boxes: their queue rows go with the project.
  const queued = async (kind: string) => (await d.storage.jobs.queued(project.id, kind)).map((q) => q.item);
  const kept = [...previewFiles(project.id, await queued(PREVIEWS)), ...waitingFiles(project.id, await queued(WAITING_BOXES))];
  await d.storage.meta.deleteProject(project.id);
  for (const t of tasks) await purgeTask(d, t);
  for (const key of kept) await d.storage.images.delete(key).catch((err: unknown) => d.log.warn({ err, key }, 'could not delete a file of a deleted project'));
  await d.storage.docs.deleteRooms([referencesRoom(project.id)]);
  return { tasks: tasks.length, objects };
}

/** What a task holds beside its row: live rooms, history, a reference answer, stored documents, image and thumbnail. */
async function purgeTask(d: DeleteTaskDeps, task: Task): Promise<void> {
  const rooms = [`task:${task.id}`, `review:${task.id}`];
  await d.sync.dropRooms(rooms, CloseCode.UnknownRoom, 'the task was deleted');
  // A version still waiting to be recorded is written now, then deleted with the rest.
  await d.history.flush();
  await d.storage.docs.deleteRooms([...rooms, historyRoom(task.id), referenceRoom(task.id)]);
  for (const key of [task.imageKey, thumbnailKey(task.imageKey)]) {
    await d.storage.images.delete(key).catch((err: unknown) => d.log.warn({ err, key }, 'could not delete an image of a deleted task'));
  }
}
