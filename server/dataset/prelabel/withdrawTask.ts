// Undoing a pre-labelling run: one task's pre-labels that nobody touched (made by the detector,
// never edited since — not redrawn, relabelled, locked or given attributes — and without a
// review verdict) are removed in one server write, and their deletions marked withdrawn in the
// object history, so the analytics do not count them as false finds someone deleted.
import { deleteObject, listObjects, type AnnotationObject } from '../../../shared/schema/annotation';
import { readVerdicts } from '../../../shared/schema/review';
import type { ObjectId } from '../../../shared/schema/ids';
import { ServerOrigin } from '../../../shared/schema/origins';
import type { Storage, Task } from '../../storage/types';
import { syncHistory } from '../history/objectHistory';
import { loadRoomDoc, mutateRoom, type LiveRooms } from '../rooms';
import { mayWrite } from './prelabelTask';

/** A pre-label as the detector left it. */
export function untouchedPrelabel(o: AnnotationObject): boolean {
  return o.createdFrom === 'detector' && o.source === 'detector' && o.updatedAt === o.createdAt;
}

/** Removes the task's untouched pre-labels; resolves how many. */
export async function withdrawTask(j: { storage: Pick<Storage, 'meta'>; rooms: LiveRooms; held?: () => boolean }, task: Task): Promise<number> {
  // What a reviewer has judged stays: approved or not, it is part of the review now.
  const review = await loadRoomDoc(j.rooms, `review:${task.id}`);
  const judged = new Set(Object.keys(readVerdicts(review)));
  review.destroy();
  await mayWrite(j, task);
  const gone = new Set<string>();
  await mutateRoom(j.rooms, `task:${task.id}`, (doc) => {
    const doomed = listObjects(doc).filter((o) => untouchedPrelabel(o) && !judged.has(o.id));
    if (!doomed.length) return;
    doc.transact(() => {
      for (const o of doomed) {
        deleteObject(doc, o.id as ObjectId, ServerOrigin);
        gone.add(o.id);
      }
    }, ServerOrigin);
  });
  if (gone.size) await syncHistory(j.rooms, task.id, { withdrawn: gone });
  return gone.size;
}
