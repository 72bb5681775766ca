// The task's status changes, kept in its history document (root `Y.Array('statuses')`) beside the
// objects' versions, and what the task held when each was set. The review room keeps only the
// status now; a reference task's score (reference/) needs what the annotator sent at each
// submission, before review fixed anything. The recorder writes a status record in the same
// transaction, with the same time, as the versions it records then, so `stateAt(history,
// record.recordedAt)` is the task as it was submitted.
import type * as Y from 'yjs';
import { z } from 'zod';
import type { Rle } from '../../../shared/codecs/rle';
import type { AttributeValue } from '../../../shared/schema/attributes';
import { TaskStatusValues, type TaskStatus } from '../../../shared/schema/review';
import { historyObjectIds, parseEach, readHistory } from './historyDoc';
import { readImageHistory } from './imageHistory';

export const StatusRecordSchema = z.object({
  status: z.enum(TaskStatusValues),
  by: z.string(),
  /** When it was set (the review room's `at`). */
  at: z.number(),
  /** When the recorder saw it: the versions recorded with it carry the same time. */
  recordedAt: z.number(),
});
export type StatusRecord = z.infer<typeof StatusRecordSchema>;

/** Records kept per task; older ones are dropped. */
export const MAX_STATUS_RECORDS = 200;

const records = (doc: Y.Doc) => doc.getArray<StatusRecord>('statuses');

/** The recorded status changes, oldest first. */
export function readStatuses(history: Y.Doc): StatusRecord[] {
  return parseEach(records(history).toArray(), StatusRecordSchema).sort((a, b) => a.at - b.at || a.recordedAt - b.recordedAt);
}

/** Appends the status unless it is recorded already (the same status set at the same time). */
export function recordStatus(history: Y.Doc, s: TaskStatus | null, now: number): boolean {
  if (!s) return false;
  if (readStatuses(history).some((r) => r.at === s.at && r.status === s.status && r.by === s.by)) return false;
  history.transact(() => {
    const arr = records(history);
    arr.push([{ status: s.status, by: s.by, at: s.at, recordedAt: now }]);
    if (arr.length > MAX_STATUS_RECORDS) arr.delete(0, arr.length - MAX_STATUS_RECORDS);
  });
  return true;
}

const sent = (s: string) => s === 'in_review' || s === 'done';

/** Of status changes in order, those that sent the task on from work (to review or done): an
 *  approval in review is not one. */
export function sentOn<T extends { status: string }>(records: readonly T[]): T[] {
  let before = 'todo';
  const out: T[] = [];
  for (const r of records) {
    if (sent(r.status) && !sent(before)) out.push(r);
    before = r.status;
  }
  return out;
}

export interface StateObject {
  objectId: string;
  label: string;
  mask: Rle;
  attributes: Record<string, AttributeValue>;
  /** Who made that state. */
  by: string;
}

/** The objects (not deleted, with a mask) and the image's values as recorded up to `t`. */
export function stateAt(history: Y.Doc, t: number): { objects: StateObject[]; image: Record<string, AttributeValue> } {
  const objects: StateObject[] = [];
  for (const id of historyObjectIds(history)) {
    const last = readHistory(history, id)
      .filter((e) => e.at <= t)
      .at(-1);
    if (!last || last.kind === 'deleted' || !last.mask) continue;
    objects.push({ objectId: id, label: last.label, mask: last.mask, attributes: last.attributes ?? {}, by: last.by });
  }
  const image = readImageHistory(history)
    .filter((e) => e.at <= t)
    .at(-1);
  return { objects, image: image?.values ?? {} };
}
