// Deleting a task (a wrong or duplicate upload): the row first, so nobody can open it again; then
// its live rooms (open editors closed with 4404), its recorded history, its stored documents, and
// its image with the thumbnail. Its annotations go with it, so an annotated task is deleted only
// when the caller says so (`force`): a script cannot wipe work by accident.
import { CloseCode } from '../../shared/protocol/closeCodes';
import { ErrorCode, TandemError } from '../../shared/protocol/errors';
import { listObjects } from '../../shared/schema/annotation';
import type { Logger } from '../logger';
import { thumbnailKey } from '../storage/images/thumbnail';
import type { Storage, Task } from '../storage/types';
import type { SyncServer } from '../sync/SyncServer';
import { historyRoom } from './history/historyDoc';
import type { HistoryRecorder } from './history/objectHistory';

export interface DeleteTaskDeps {
  storage: Storage;
  sync: SyncServer;
  history: HistoryRecorder;
  log: Logger;
}

/** Deletes the task and everything it holds. Returns how many objects went with it. */
export async function deleteTask(d: DeleteTaskDeps, task: Task, opts: { force: boolean }): Promise<{ objects: number }> {
  const objects = await d.sync.withDoc(`task:${task.id}`, (doc) => listObjects(doc).length);
  if (objects > 0 && !opts.force) {
    throw new TandemError(ErrorCode.Conflict, `${task.name} has ${objects} annotated object${objects === 1 ? '' : 's'}; delete with force=true to delete them too`);
  }
  await d.storage.meta.deleteTask(task.id);
  const rooms = [`task:${task.id}`, `review:${task.id}`];
  await d.sync.dropRooms(rooms, CloseCode.UnknownRoom, 'the task was deleted');
  // A version still waiting to be recorded is written now, then deleted with the rest.
  await d.history.flush();
  await d.storage.docs.deleteRooms([...rooms, historyRoom(task.id)]);
  for (const key of [task.imageKey, thumbnailKey(task.imageKey)]) {
    await d.storage.images.delete(key).catch((err: unknown) => d.log.warn({ err, key }, 'could not delete an image of a deleted task'));
  }
  return { objects };
}
