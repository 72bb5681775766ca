// The owner makes tasks reference tasks, or takes them back. Marking one keeps what it holds now
// (its objects and the image's values, the answer the owner checked) in its reference document, then
// hands the image back to the team as new work: objects and values cleared, verdicts and comment
// threads cleared, status "todo", its recorded history deleted (restoring an old version would show the answer).
// Annotators see an ordinary task; each time one sends it on, analytics scores what they sent.
// Handed back again, it is another annotator's turn on the same answer. Taking it back drops the
// answer, or (`restore`) puts it back as the task's annotation.
import { createObject, deleteObject, listObjects, objectsMap } from '../../../shared/schema/annotation';
import type { ObjectId } from '../../../shared/schema/ids';
import { imageMap, readImageAttributes, setImageAttributes } from '../../../shared/schema/imageAttributes';
import { ServerOrigin } from '../../../shared/schema/origins';
import { setTaskStatus, threadsMap, verdictsMap } from '../../../shared/schema/review';
import { isProjectLead, type Role } from '../../../shared/protocol/roles';
import { KeyedQueue } from '../../../shared/async/keyedQueue';
import type { Project, Storage } from '../../storage/types';
import { historyRoom } from '../history/historyDoc';
import { syncHistory, type HistoryRecorder } from '../history/objectHistory';
import { loadRoomDoc, mutateRoom, projectTaskIds, type LiveRooms } from '../rooms';
import { listReferences, readReference, referenceRoom, referencesRoom, setListed, storeAnswerOnce, type Reference, type ReferenceInfo } from './referenceDoc';

// Marking, handing back and taking off read the project's listing, decide per task and write:
// two at once (two owners, a double-clicked button) would each find a task unlisted, and the
// second would store the task the first had just cleared as its answer. One at a time per project
// on a node; across nodes the answer's first store wins (storeAnswerOnce).
const perProject = new KeyedQueue();
/** `fn`, run one at a time per project (its second argument). */
const onePerProject =
  <A extends unknown[], R>(fn: (d: ReferenceDeps, project: Project, ...rest: A) => Promise<R>) =>
  (d: ReferenceDeps, project: Project, ...rest: A): Promise<R> =>
    perProject.run(project.id, () => fn(d, project, ...rest));

export interface ReferenceDeps {
  storage: Storage;
  rooms: LiveRooms;
  history: HistoryRecorder;
}

/** The project's list of reference tasks by task id, as stored (a deleted task's entry included). */
export async function referenceListing(rooms: LiveRooms, projectId: string): Promise<Map<string, ReferenceInfo>> {
  const doc = await loadRoomDoc(rooms, referencesRoom(projectId));
  try {
    return new Map(listReferences(doc).map((r) => [r.taskId, r]));
  } finally {
    doc.destroy();
  }
}

/** The project's reference tasks (those whose task still exists). */
export async function projectReferences(d: Pick<ReferenceDeps, 'storage' | 'rooms'>, projectId: Project['id']): Promise<ReferenceInfo[]> {
  const tasks = new Set((await d.storage.meta.listTasks(projectId)).map((t) => t.id as string));
  return [...(await referenceListing(d.rooms, projectId)).values()].filter((r) => tasks.has(r.taskId));
}

/** What the task holds now, as a reference. */
async function currentAnswer(rooms: LiveRooms, taskId: string): Promise<Reference> {
  const doc = await loadRoomDoc(rooms, `task:${taskId}`);
  try {
    const objects = listObjects(doc)
      .filter((o) => o.mask)
      .map((o) => ({ id: o.id as string, label: o.label, mask: o.mask!, attributes: o.attributes ?? {} }));
    return { objects, image: readImageAttributes(doc) };
  } finally {
    doc.destroy();
  }
}

/** Replaces the task's objects and image values with `answer` (none: cleared). */
async function putAnswer(rooms: LiveRooms, taskId: string, answer: Reference, by: string): Promise<void> {
  await mutateRoom(rooms, `task:${taskId}`, (doc) => {
    doc.transact(() => {
      for (const id of [...objectsMap(doc).keys()]) deleteObject(doc, id as ObjectId, ServerOrigin);
      const names = [...imageMap(doc).keys()];
      setImageAttributes(doc, { ...Object.fromEntries(names.map((k) => [k, null])), ...answer.image }, ServerOrigin, by);
      for (const o of answer.objects) createObject(doc, { label: o.label, mask: o.mask, attributes: o.attributes, by, source: 'reference' }, ServerOrigin);
    }, ServerOrigin);
  });
}

/** Hands the task back to the team: objects and values cleared, verdicts and threads off, status
 *  todo, and (`dropHistory`: the answer's own versions) its recorded history gone. */
async function handBack(d: ReferenceDeps, taskId: string, by: string, dropHistory: boolean): Promise<void> {
  await putAnswer(d.rooms, taskId, { objects: [], image: {} }, by);
  await mutateRoom(d.rooms, `review:${taskId}`, (doc) => {
    doc.transact(() => {
      // The review of the answer goes with it: its verdicts, and its threads ("the car's wheel is
      // cut off here"), which would tell the team the answer and ask them for fixes.
      verdictsMap(doc).clear();
      threadsMap(doc).clear();
      setTaskStatus(doc, 'todo', by);
    }, ServerOrigin);
  });
  if (!dropHistory) return;
  // The deletions recorded, then the history dropped: its versions are the answer.
  await d.history.flush();
  await d.storage.docs.deleteRooms([historyRoom(taskId)]);
}

/**
 * Makes the tasks reference tasks. Checked whole first. A task that is one already is left as it
 * is (`already`: marking again would take the team's work for the answer), unless its marking was
 * cut short before the task was handed back: that is finished.
 */
export const markReferences = onePerProject(async (d, project, taskIds: readonly string[], by: string): Promise<{ marked: number; already: number; objects: number }> => {
  const ids = await projectTaskIds(d.storage, project, taskIds);
  const listed = await referenceListing(d.rooms, project.id);
  let marked = 0;
  let objects = 0;
  for (const id of ids) {
    const was = listed.get(id);
    if (was?.cleared) continue;
    let info = was;
    if (!info) {
      const answer = await currentAnswer(d.rooms, id);
      // The answer stored and listed before anything is cleared: a process killed in between
      // leaves it listed as not cleared, and the next request finishes the job; never an answer lost.
      // An answer another node stored first stays, and is the one counted.
      await mutateRoom(d.rooms, referenceRoom(id), (doc) => storeAnswerOnce(doc, answer, Date.now()));
      info = { taskId: id, by, at: Date.now(), objects: (await readAnswer(d.rooms, id)).objects.length, cleared: false };
      await mutateRoom(d.rooms, referencesRoom(project.id), (doc) => setListed(doc, info!));
    }
    await handBack(d, id, by, true);
    await mutateRoom(d.rooms, referencesRoom(project.id), (doc) => setListed(doc, { ...info!, cleared: true }));
    marked++;
    objects += info.objects;
  }
  return { marked, already: ids.length - marked, objects };
});

/**
 * Hands reference tasks back to the team again once someone has sent them on: another annotator's
 * turn on the same image (assign it to them), scored against the same answer. What was drawn goes;
 * its history stays (it holds the earlier submissions, which the analytics keep scoring, and none
 * of the answer). Tasks that are not reference tasks are counted apart and left as they are.
 */
export const handBackAgain = onePerProject(async (d, project, taskIds: readonly string[], by: string): Promise<{ handedBack: number; notReference: number }> => {
  const ids = await projectTaskIds(d.storage, project, taskIds);
  const listing = await referenceListing(d.rooms, project.id);
  const mine = ids.filter((id) => listing.get(id)?.cleared);
  for (const id of mine) {
    // Whatever the team has in hand is recorded first, so the last submission's versions are kept.
    await syncHistory(d.rooms, id);
    await handBack(d, id, by, false);
    // The clearing recorded too, before the new turn begins: it belongs to the turn it ends.
    await syncHistory(d.rooms, id);
    await mutateRoom(d.rooms, referencesRoom(project.id), (doc) => setListed(doc, { ...listing.get(id)!, turnAt: Date.now() }));
  }
  return { handedBack: mine.length, notReference: ids.length - mine.length };
});

/** Takes tasks off the reference list; `restore` puts each answer back as the task's annotation. */
export const unmarkReferences = onePerProject(async (d, project, taskIds: readonly string[], by: string, restore: boolean): Promise<{ unmarked: number; restored: number }> => {
  const ids = await projectTaskIds(d.storage, project, taskIds);
  const listed = await referenceListing(d.rooms, project.id);
  let unmarked = 0;
  let restored = 0;
  for (const id of ids) {
    if (!listed.has(id)) continue;
    if (restore) {
      await putAnswer(d.rooms, id, await readAnswer(d.rooms, id), by);
      restored++;
    }
    await mutateRoom(d.rooms, referencesRoom(project.id), (doc) => setListed(doc, { taskId: id, remove: true }));
    await d.storage.docs.deleteRooms([referenceRoom(id)]);
    unmarked++;
  }
  return { unmarked, restored };
});

/**
 * From when a member in `role` may see the task's recorded history: for the team on a reference
 * task, from its current turn on (the earlier turns' objects would hand the next annotator a
 * scored submission to restore); everything (0) for the owner and QA leads, and on other tasks.
 */
export async function historyVisibleFrom(rooms: LiveRooms, task: { id: string; projectId: string }, role: Role): Promise<number> {
  if (isProjectLead(role)) return 0;
  const info = (await referenceListing(rooms, task.projectId)).get(task.id);
  return info ? (info.turnAt ?? info.at) : 0;
}

/** A task's answer (analytics). */
export async function readAnswer(rooms: LiveRooms, taskId: string): Promise<Reference> {
  const doc = await loadRoomDoc(rooms, referenceRoom(taskId));
  try {
    return readReference(doc);
  } finally {
    doc.destroy();
  }
}
