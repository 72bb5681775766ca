// Undoing a pre-labelling run, or an import: one task's pre-labels that nobody touched (made by
// the detector, or brought by an import or made of an imported box, never edited since — not
// redrawn, relabelled, locked or given attributes — and without a review verdict) are removed in
// one server write, and their deletions marked withdrawn in the object history, so the analytics
// do not count them as false finds someone deleted.
import { deleteObject, listObjects, type AnnotationObject } from '../../../shared/schema/annotation';
import { readVerdicts } from '../../../shared/schema/review';
import type { ObjectId } from '../../../shared/schema/ids';
import { ServerOrigin } from '../../../shared/schema/origins';
import type { Storage, Task } from '../../storage/types';
import { syncHistory } from '../history/objectHistory';
import { madeFrom } from '../madeFrom';
import { loadRoomDoc, mutateRoom, type LiveRooms } from '../rooms';
import { mayWrite } from './prelabelTask';

/** What a withdrawal removes: the detector's pre-labels, or what imports brought (their objects and the masks of their boxes). */
export type Withdrawn = 'prelabels' | 'imports';

/** An object as the detector (`prelabels`) or an import (`imports`) left it. */
export function untouchedPrelabel(o: AnnotationObject, what: Withdrawn = 'prelabels'): boolean {
  // Its mask still the import's (the detector's), nothing changed since: as the file (run) left it.
  const from = madeFrom(o);
  const made = what === 'imports' ? (from === 'import' || from === 'box') && o.source === 'import' : from === 'detector' && o.source === 'detector';
  return made && o.updatedAt === o.createdAt;
}

/** Removes the task's untouched pre-labels (or imported objects); resolves how many. */
export async function withdrawTask(j: { storage: Pick<Storage, 'meta'>; rooms: LiveRooms; held?: () => boolean }, task: Task, what: Withdrawn = 'prelabels'): Promise<number> {
  // What a reviewer has judged stays: approved or not, it is part of the review now.
  const review = await loadRoomDoc(j.rooms, `review:${task.id}`);
  const judged = new Set(Object.keys(readVerdicts(review)));
  review.destroy();
  await mayWrite(j, task);
  const gone = new Set<string>();
  await mutateRoom(j.rooms, `task:${task.id}`, (doc) => {
    const doomed = listObjects(doc).filter((o) => untouchedPrelabel(o, what) && !judged.has(o.id));
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
