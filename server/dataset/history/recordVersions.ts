// Compares a task document with its recorded history and appends a version for every object
// whose state (label, mask, clicks, deletion) differs from its last recorded version, and one of
// the image's own attribute values when they changed (imageHistory.ts).
import type * as Y from 'yjs';
import { listObjects, type AnnotationObject } from '../../../shared/schema/annotation';
import { newId } from '../../../shared/schema/ids';
import { attributesKey, isCurrentVersion } from '../../../shared/schema/versionState';
import { appendHistory, historyObjectIds, readHistory, type HistoryEntry } from './historyDoc';
import { recordImageValues } from './imageHistory';

function kindOf(o: AnnotationObject, prev: HistoryEntry | undefined): HistoryEntry['kind'] {
  if (!prev || prev.kind === 'deleted') return 'created';
  const sameMask = prev.mask?.counts === o.mask?.counts && prev.clicks.length === o.clicks.length && (prev.model ?? null) === (o.model ?? null);
  if (sameMask && prev.label === o.label && attributesKey(prev.attributes) !== attributesKey(o.attributes)) return 'attributes';
  return prev.label !== o.label && prev.mask?.counts === o.mask?.counts ? 'label' : 'mask';
}

function entryFor(o: AnnotationObject, prev: HistoryEntry | undefined, now: number): HistoryEntry {
  const kind = kindOf(o, prev);
  return {
    id: newId(12),
    objectId: o.id,
    at: now,
    by: o.updatedBy,
    kind,
    label: o.label,
    mask: o.mask,
    clicks: o.clicks.map((c) => ({ x: c.x, y: c.y, positive: c.positive, by: c.by, at: c.at })),
    ...(o.source ? { source: o.source } : {}),
    ...(o.model ? { model: o.model } : {}),
    ...(o.createdFrom ? { createdFrom: o.createdFrom } : {}),
    ...(o.attributes && Object.keys(o.attributes).length ? { attributes: o.attributes } : {}),
    updatedAt: o.updatedAt,
  };
}

/**
 * Appends to `history` the versions `taskDoc` has that are not recorded yet. Returns how many.
 * Pure over the two docs: the caller loads and writes them. Deletions of the objects in
 * `withdrawn` are marked so (pre-labels the owner withdrew).
 */
export function recordVersions(taskDoc: Y.Doc, history: Y.Doc, now = Date.now(), withdrawn?: ReadonlySet<string>): number {
  let n = 0;
  const present = new Set<string>();
  history.transact(() => {
    for (const o of listObjects(taskDoc)) {
      present.add(o.id);
      const versions = readHistory(history, o.id);
      const last = versions[versions.length - 1];
      if (last && isCurrentVersion(last, o)) continue;
      appendHistory(history, entryFor(o, last, now));
      n++;
    }
    for (const id of historyObjectIds(history)) {
      if (present.has(id)) continue;
      const versions = readHistory(history, id);
      const last = versions[versions.length - 1];
      if (!last || last.kind === 'deleted') continue;
      // Who deleted it is not in the task doc (the entry is gone); the last editor is the best known.
      const { restoredFrom: _drop, ...rest } = last;
      appendHistory(history, { ...rest, id: newId(12), at: now, kind: 'deleted', ...(withdrawn?.has(id) ? { withdrawn: true } : {}) });
      n++;
    }
    if (recordImageValues(taskDoc, history, now)) n++;
  });
  return n;
}
