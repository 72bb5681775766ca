// One task of a pre-labelling run: the detector's boxes of the chosen classes, each through the
// click model's box prompt (the same requests the editor's "Find objects" makes), written into the
// task room as objects in one server update that reads the room again first.
import { rleArea, rleDifference } from '../../../shared/codecs/rle';
import { mapLimit } from '../../../shared/async/mapLimit';
import { DrawnBoxes } from '../../../shared/geometry/drawnBoxes';
import { ErrorCode, isTandemError, TandemError } from '../../../shared/protocol/errors';
import type { Detection } from '../../../shared/protocol/inference';
import { createObject, initTaskDoc, listObjects, readMeta } from '../../../shared/schema/annotation';
import { ServerOrigin } from '../../../shared/schema/origins';
import type { UserId } from '../../../shared/schema/ids';
import type { InferenceService } from '../../inference';
import type { Storage, Task } from '../../storage/types';
import { syncHistory } from '../history/objectHistory';
import { loadRoomDoc, mutateRoom, type LiveRooms } from '../rooms';
import type { Withdrawn } from './withdrawTask';

/** Box requests in flight at once for one task (the rest of the pool stays for the annotators). */
export const PARALLEL = 2;

/** While every worker is full (annotators' clicks come first), wait this long and ask again, this often at most (~30 s). */
const BUSY_WAIT_MS = 500;
const BUSY_TIMES = 60;

/** The request, asked again while the pool answers `busy`. */
export async function whenFree<T>(ask: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await ask();
    } catch (e) {
      if (!isTandemError(e) || e.code !== ErrorCode.Busy || attempt >= BUSY_TIMES) throw e;
      await new Promise((r) => setTimeout(r, BUSY_WAIT_MS));
    }
  }
}

export interface PrelabelRequest {
  /** Detector class → project label; classes not listed are left out. */
  labels: Record<string, string>;
  /** The least score of a detection (the detector's when absent)… */
  threshold?: number;
  /** …or of one class's: a class the detector is too eager on (people) asks more than a shy one. */
  thresholds?: Record<string, number>;
  /** `empty`: only tasks with no object yet; `all`: every task (what is there is not proposed again). */
  scope: 'empty' | 'all';
  /** `withdraw`: the run removes untouched pre-labels instead (withdrawTask.ts); `boxes`: it makes
   *  masks of an imported file's boxes (boxTask.ts). */
  mode?: 'withdraw' | 'boxes';
  /** `withdraw`: what it removes (the detector's pre-labels when absent). */
  withdraw?: Withdrawn;
}

export interface TaskJob {
  storage: Pick<Storage, 'meta'>;
  rooms: LiveRooms;
  inference: InferenceService;
  by: UserId;
  request: PrelabelRequest;
  /** The project keeps masks apart (No overlap). */
  apart: boolean;
  /** The detector's model id (the pool's first when absent). */
  detector?: string;
  /** Whether the run is still this process's (checked before writing: a run taken over writes nothing more). */
  held?: () => boolean;
}

/**
 * Before a run writes into a task's room: the task still exists (deleted while its boxes were
 * segmented, a write would leave a room without a task behind) and the run is still this
 * process's (a run taken over writes nothing more).
 */
export async function mayWrite(j: { storage: Pick<Storage, 'meta'>; held?: () => boolean }, task: Task): Promise<void> {
  if (!(await j.storage.meta.getTask(task.id))) throw new TandemError(ErrorCode.NotFound, 'the task was deleted meanwhile');
  if (j.held && !j.held()) throw new TandemError(ErrorCode.Conflict, 'the run was taken over by another process');
}

/** One task: resolves the objects added, or null when it was passed over (it has objects). */
export async function prelabelTask(j: TaskJob, task: Task): Promise<number | null> {
  const { inference, request: opts } = j;
  const room = `task:${task.id}`;
  const before = await loadRoomDoc(j.rooms, room);
  const had = listObjects(before);
  before.destroy();
  if (opts.scope === 'empty' && had.length) return null;
  // The detector answers down to the lowest score asked for; each class keeps its own.
  const perClass = Object.entries(opts.thresholds ?? {}).filter(([c]) => c in opts.labels).map(([, t]) => t);
  const least = perClass.length ? Math.min(opts.threshold ?? 1, ...perClass) : opts.threshold;
  const { detections } = await whenFree(() => inference.detectFor(task, { threshold: least, model: j.detector }));
  const drawn = new DrawnBoxes(had);
  const wanted = detections
    .filter((d) => d.score >= (opts.thresholds?.[d.label] ?? opts.threshold ?? 0))
    .map((d) => ({ d, label: opts.labels[d.label] }))
    .filter((p): p is { d: Detection; label: string } => p.label !== undefined && !drawn.has(p.label, p.d.box));
  if (!wanted.length) return 0;
  let lastError: unknown = null;
  const masks = await mapLimit(wanted, PARALLEL, (p) =>
    whenFree(() => inference.segmentFor(task, { clicks: [], box: p.d.box })).catch((e: unknown) => ((lastError = e), null)),
  );
  if (masks.every((m) => m === null) && lastError) throw lastError;
  await mayWrite(j, task);
  let added = 0;
  await mutateRoom(j.rooms, room, (doc) => {
    // Read again: someone may have drawn meanwhile. Best score first (detections come sorted),
    // so with masks kept apart the surer object keeps the contested pixels.
    const now = listObjects(doc);
    const taken = now.flatMap((o) => (o.mask ? [o.mask] : []));
    const drawnNow = new DrawnBoxes(now);
    // A task nobody opened yet has an empty document: give it its meta first.
    if (!readMeta(doc)) initTaskDoc(doc, { taskId: task.id, width: task.width, height: task.height });
    doc.transact(() => {
      wanted.forEach((p, i) => {
        const m = masks[i];
        if (!m || drawnNow.has(p.label, p.d.box)) return;
        let mask = m.mask;
        if (j.apart) for (const t of taken) mask = rleDifference(mask, t);
        if (rleArea(mask) === 0) return;
        createObject(doc, { label: p.label, mask, by: j.by, source: 'detector', model: m.model, createdFrom: 'detector' }, ServerOrigin);
        taken.push(mask);
        drawnNow.add(p.label, mask);
        added++;
      });
    }, ServerOrigin);
  });
  // What was added is version 1 of each object's history (what "restore" goes back to).
  if (added) await syncHistory(j.rooms, task.id);
  return added;
}
