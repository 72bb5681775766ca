// The image's own attribute values through time ("weather: clear → rain by Ana at 10:02"), kept
// beside the objects' versions in the task's history document (root `Y.Array('image')`): the task
// room holds only the values now and who set each last (`imageSetBy`), so a QA lead could not see
// that "night" was set, taken back and set again, or by whom before. Recorded by the same recorder
// as the objects' versions, once edits settle: a distinct state of the values is one entry.
import * as Y from 'yjs';
import { z } from 'zod';
import { AttributeValuesSchema } from '../../../shared/schema/attributes';
import { newId } from '../../../shared/schema/ids';
import { readImageAttributes, readImageSetBy } from '../../../shared/schema/imageAttributes';
import { attributesKey } from '../../../shared/schema/versionState';
import { parseEach } from './historyDoc';

export const ImageEntrySchema = z.object({
  id: z.string(),
  /** Epoch ms when recorded. */
  at: z.number(),
  /** Who set the values that changed (the latest of them), '' when the task doc does not say. */
  by: z.string(),
  /** Every value set at this state. */
  values: AttributeValuesSchema,
  /** The names whose value differs from the entry before (set, changed or taken back). */
  changed: z.array(z.string()),
});
export type ImageEntry = z.infer<typeof ImageEntrySchema>;

/** Entries kept per task; older ones are dropped. */
export const MAX_IMAGE_VERSIONS = 200;

const entries = (doc: Y.Doc) => doc.getArray<ImageEntry>('image');

/** The recorded states, oldest first, valid entries only. */
export function readImageHistory(doc: Y.Doc): ImageEntry[] {
  const out = parseEach(entries(doc).toArray(), ImageEntrySchema);
  // Two nodes may record at once: one order for everyone.
  return out.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Appends the task doc's image values when they differ from the last recorded; true when it did. */
export function recordImageValues(taskDoc: Y.Doc, history: Y.Doc, now: number): boolean {
  const values = readImageAttributes(taskDoc);
  const prev = readImageHistory(history).at(-1)?.values ?? {};
  if (attributesKey(values) === attributesKey(prev)) return false;
  const changed = [...new Set([...Object.keys(values), ...Object.keys(prev)])].filter((k) => values[k] !== prev[k]).sort();
  const setBy = readImageSetBy(taskDoc);
  const latest = changed.map((k) => setBy[k]).filter((s) => s !== undefined).sort((a, b) => b.at - a.at)[0];
  history.transact(() => {
    const arr = entries(history);
    arr.push([{ id: newId(12), at: now, by: latest?.by ?? '', values, changed }]);
    if (arr.length > MAX_IMAGE_VERSIONS) arr.delete(0, arr.length - MAX_IMAGE_VERSIONS);
  });
  return true;
}
