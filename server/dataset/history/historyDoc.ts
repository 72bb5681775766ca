// Object history, kept in a server-only document per task: room `history:<taskId>` in the
// DocStore (parseRoom rejects that name, so no client can open or forge it).
//
// Why not Yjs snapshots of the task document: restoring an old state from a snapshot needs the
// deleted content, i.e. `gc: false` on the stored doc, which keeps every overwritten mask forever
// (955 KB against 106 KB measured for one busy image) and cannot be compacted away; and replaying
// the update log only reaches back to the last compaction. Instead the server records a version
// of an object whenever its state settles (see HistoryRecorder): only distinct accepted states,
// capped per object, in a doc of its own that the live task doc never carries.
import * as Y from 'yjs';
import { z } from 'zod';
import { RleSchema } from '../../../shared/codecs/rle';
import { AttributeValuesSchema } from '../../../shared/schema/attributes';

export const HistoryEntrySchema = z.object({
  /** Unique id of the entry (two nodes may record at once; positions are not stable ids). */
  id: z.string(),
  objectId: z.string(),
  /** Epoch ms when recorded. */
  at: z.number(),
  /** Who made this state: the object's updatedBy at the time (or the restoring user). */
  by: z.string(),
  kind: z.enum(['created', 'mask', 'label', 'attributes', 'deleted', 'restored']),
  label: z.string(),
  mask: RleSchema.nullable(),
  /** The clicks that produced this mask (image pixels, each with its author and epoch ms). */
  clicks: z.array(z.object({ x: z.number(), y: z.number(), positive: z.boolean(), by: z.string(), at: z.number() })),
  source: z.string().optional(),
  model: z.string().optional(),
  /** The object's `createdFrom` (`detector`: a pre-label), carried by every version and the deletion. */
  createdFrom: z.string().optional(),
  /** Stored attribute values (versions recorded before attributes existed have none). */
  attributes: AttributeValuesSchema.optional(),
  /** The object's own updatedAt at this state (epoch ms). */
  updatedAt: z.number(),
  /** For kind 'restored': the version restored. */
  restoredFrom: z.number().optional(),
  /** For kind 'deleted': a pre-label the owner withdrew untouched (a run undone), not a false find someone deleted. */
  withdrawn: z.boolean().optional(),
});
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;

/** The entries of a history array that `schema` accepts, parsed: another node's or an older
 *  version's malformed entry is skipped, never fatal. */
export function parseEach<T>(items: readonly unknown[], schema: z.ZodType<T>): T[] {
  const out: T[] = [];
  for (const e of items) {
    const p = schema.safeParse(e);
    if (p.success) out.push(p.data);
  }
  return out;
}

/** Versions kept per object; older ones are dropped (and garbage-collected by Yjs). */
export const MAX_VERSIONS_PER_OBJECT = 100;

export function historyRoom(taskId: string): string {
  return `history:${taskId}`;
}

function entriesArray(doc: Y.Doc, objectId: string, create: boolean): Y.Array<HistoryEntry> | null {
  const root = doc.getMap<Y.Array<HistoryEntry>>('objects');
  let arr = root.get(objectId) ?? null;
  if (!arr && create) {
    arr = new Y.Array<HistoryEntry>();
    root.set(objectId, arr);
  }
  return arr;
}

/** An object's versions, oldest first, valid entries only; version numbers are 1-based positions. */
export function readHistory(doc: Y.Doc, objectId: string): HistoryEntry[] {
  const arr = entriesArray(doc, objectId, false);
  if (!arr) return [];
  const out = parseEach(arr.toArray(), HistoryEntrySchema);
  // Concurrent appends from two nodes land in either order: sort by time, then id, for one order.
  return out.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Ids of all objects that have history. */
export function historyObjectIds(doc: Y.Doc): string[] {
  return [...doc.getMap('objects').keys()];
}

/** A review verdict as recorded: the sequence of verdicts an object received, oldest first. */
export const VerdictRecordSchema = z.object({
  verdict: z.enum(['approved', 'changes_requested']),
  by: z.string(),
  at: z.number(),
});
export type VerdictRecord = z.infer<typeof VerdictRecordSchema>;

/** Recorded verdicts of an object, oldest first (the review doc only keeps the current one). */
export function readVerdictHistory(doc: Y.Doc, objectId: string): VerdictRecord[] {
  const arr = doc.getMap<Y.Array<VerdictRecord>>('verdicts').get(objectId);
  if (!arr) return [];
  return arr
    .toArray()
    .filter((v) => VerdictRecordSchema.safeParse(v).success)
    .sort((a, b) => a.at - b.at);
}

/** Appends `v` unless it is the verdict last recorded for the object. Returns whether it did. */
export function recordVerdict(doc: Y.Doc, objectId: string, v: VerdictRecord): boolean {
  const root = doc.getMap<Y.Array<VerdictRecord>>('verdicts');
  const seen = readVerdictHistory(doc, objectId);
  if (seen.some((s) => s.at === v.at && s.by === v.by && s.verdict === v.verdict)) return false;
  doc.transact(() => {
    let arr = root.get(objectId);
    if (!arr) {
      arr = new Y.Array<VerdictRecord>();
      root.set(objectId, arr);
    }
    arr.push([{ verdict: v.verdict, by: v.by, at: v.at }]);
  });
  return true;
}

export function appendHistory(doc: Y.Doc, entry: HistoryEntry): void {
  doc.transact(() => {
    const arr = entriesArray(doc, entry.objectId, true)!;
    arr.push([entry]);
    if (arr.length > MAX_VERSIONS_PER_OBJECT) arr.delete(0, arr.length - MAX_VERSIONS_PER_OBJECT);
  });
}
