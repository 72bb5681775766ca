// One task of a run making masks of an imported file's boxes (import/importBoxes.ts): each box
// through the click model's box prompt (the editor's box tool, server-side), the mask kept inside
// the box, written into the task room in one server update with the box's label and attribute
// values. Each object's id is fixed by the run and the box, so a task looked at twice (a run
// carried on after its process died) adds nothing twice. A box the model fails on is kept as its
// rectangle rather than lost: the file's box is the annotation the team brought along.
import { rleArea, rleDifference } from '../../../shared/codecs/rle';
import { keepInBox, outlineRle, type Corners } from '../../../shared/geometry/boxMask';
import { mapLimit } from '../../../shared/async/mapLimit';
import { ErrorCode, isTandemError } from '../../../shared/protocol/errors';
import { createObject, initTaskDoc, listObjects, readMeta } from '../../../shared/schema/annotation';
import type { AttributeValue } from '../../../shared/schema/attributes';
import type { ObjectId, UserId } from '../../../shared/schema/ids';
import { ImportOrigin } from '../../../shared/schema/origins';
import type { InferenceService } from '../../inference';
import type { Storage, Task } from '../../storage/types';
import { syncHistory } from '../history/objectHistory';
import { loadRoomDoc, mutateRoom, type LiveRooms } from '../rooms';
import { mayWrite, PARALLEL, whenFree } from './prelabelTask';

/** A box of the file as the run keeps it (the import's PlannedBox without its source). */
export interface StoredBox {
  label: string;
  box: Corners;
  /** A turned box's outline: the mask is kept inside it (grown as a box is), and it is the rectangle. */
  ring?: number[];
  attributes: Record<string, AttributeValue>;
}

/** Each task's boxes as a run stores them (an import's carry their source too, which is not kept). */
export const storedBoxes = (boxes: Map<string, StoredBox[]>): Map<string, StoredBox[]> =>
  new Map([...boxes].map(([id, list]) => [id, list.map(({ label, box, attributes, ring }) => ({ label, box, attributes, ...(ring && { ring }) }))]));

export interface BoxJob {
  storage: Pick<Storage, 'meta'>;
  rooms: LiveRooms;
  inference: InferenceService;
  by: UserId;
  /** The project keeps masks apart (No overlap): earlier objects keep their pixels. */
  apart: boolean;
  /** The run's own key (its start time): with the box's place, each object's id. */
  run: string;
  held?: () => boolean;
}

/** What a box task did: masks made, and boxes kept as rectangles because the model failed on them. */
export interface BoxesDone {
  objects: number;
  rectangles: number;
}

/** An error the run handles itself: the worker went away or died under the image (paused, tried again). */
const theRuns = (e: unknown) => isTandemError(e) && (e.code === ErrorCode.NoWorker || e.code === ErrorCode.WorkerFailed);

export async function boxTask(j: BoxJob, task: Task, boxes: StoredBox[]): Promise<BoxesDone> {
  const room = `task:${task.id}`;
  const idOf = (k: number) => `box-${j.run}-${task.id}-${k}` as ObjectId;
  const before = await loadRoomDoc(j.rooms, room);
  const there = new Set(listObjects(before).map((o) => o.id as string));
  before.destroy();
  const todo = boxes.map((b, k) => ({ b, id: idOf(k) })).filter((p) => !there.has(p.id));
  if (!todo.length) return { objects: 0, rectangles: 0 };
  const masks = await mapLimit(todo, PARALLEL, (p) =>
    whenFree(() => j.inference.segmentFor(task, { clicks: [], box: p.b.box })).catch((e: unknown) => {
      if (theRuns(e)) throw e;
      return null;
    }),
  );
  await mayWrite(j, task);
  const done: BoxesDone = { objects: 0, rectangles: 0 };
  await mutateRoom(j.rooms, room, (doc) => {
    const now = listObjects(doc);
    const have = new Set(now.map((o) => o.id as string));
    const taken = now.flatMap((o) => (o.mask ? [o.mask] : []));
    if (!readMeta(doc)) initTaskDoc(doc, { taskId: task.id, width: task.width, height: task.height });
    const at = Date.now();
    doc.transact(() => {
      todo.forEach((p, i) => {
        if (have.has(p.id)) return;
        const m = masks[i];
        let mask = m ? keepInBox(m.mask, p.b, task.width, task.height) : null;
        const rectangle = !mask || rleArea(mask) === 0;
        if (rectangle) mask = outlineRle(p.b, task.width, task.height);
        if (j.apart) for (const t of taken) mask = rleDifference(mask!, t);
        if (rleArea(mask!) === 0) return;
        createObject(doc, { id: p.id, label: p.b.label, mask, attributes: p.b.attributes, by: j.by, source: 'import', ...(m && !rectangle ? { model: m.model } : {}), createdFrom: 'box', at: at + i }, ImportOrigin);
        taken.push(mask!);
        if (rectangle) done.rectangles++;
        else done.objects++;
      });
    }, ImportOrigin);
  });
  // What was added is version 1 of each object's history (what "restore" goes back to).
  if (done.objects + done.rectangles) await syncHistory(j.rooms, task.id);
  return done;
}
