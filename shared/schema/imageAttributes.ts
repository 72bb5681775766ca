/**
 * The image's own attributes (the weather, the scene, "contains people"): root `Y.Map('image')`
 * of the task document, attribute name → value, beside `meta` and `objects` (contract 4 lets us
 * add keys). What they may be is the project's `settings.imageAttributes`, defined as a label's
 * attributes are; as for objects, the document stores any boolean, finite number or text under a
 * name, each name its own key (two people setting different ones at once both keep theirs), and a
 * reader takes only what suits the definition (`resolveAttributes`). Who set each one last and
 * when is root `Y.Map('imageSetBy')`, name → {by, at}, written in the same transaction (the values
 * map stays name → value, so older readers read it as they did).
 */
import * as Y from 'yjs';
import { checkAttributes, isStorableAttribute } from './annotation';
import type { AttributeValue } from './attributes';

export function imageMap(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap('image');
}

/** Who set an image attribute last (a user id), and when (ms). */
export interface ImageSetBy {
  by: string;
  at: number;
}

export function imageSetByMap(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap('imageSetBy');
}

/** Who set each attribute last, where the document says so (a malformed entry is left out). */
export function readImageSetBy(doc: Y.Doc): Record<string, ImageSetBy> {
  const out: Record<string, ImageSetBy> = {};
  for (const [k, v] of imageSetByMap(doc).entries()) {
    const e = v as Partial<ImageSetBy> | null;
    if (e && typeof e === 'object' && typeof e.by === 'string' && e.by && typeof e.at === 'number' && Number.isFinite(e.at)) out[k] = { by: e.by, at: e.at };
  }
  return out;
}

/** The values stored, those a document may hold (a remote client's garbage is left out). */
export function readImageAttributes(doc: Y.Doc): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [k, v] of imageMap(doc).entries()) if (isStorableAttribute(k, v)) out[k] = v as AttributeValue;
  return out;
}

/**
 * Sets values (null removes one: it reads as its default again), recording `by` (a user id) as who
 * set them, when given. Throws 'validation_failed'.
 */
export function setImageAttributes(doc: Y.Doc, values: Record<string, AttributeValue | null>, origin?: unknown, by?: string): void {
  const entries = checkAttributes(values);
  if (!entries.length) return;
  const m = imageMap(doc);
  const setBy = imageSetByMap(doc);
  const at = Date.now();
  doc.transact(() => {
    for (const [k, v] of entries) {
      if (v === null) m.delete(k);
      else m.set(k, v);
      if (by) setBy.set(k, { by, at } satisfies ImageSetBy);
    }
  }, origin);
}

/**
 * After an undo or redo: the values it changed since `before` are marked set by `by` now (the undo
 * put back the setter of the state it restored, or none for a value taken back, so the image's
 * history could only say "someone"). Written with `origin`, which the undo manager must not track:
 * the mark is not itself a step to undo.
 */
export function markUndoneImageValues(doc: Y.Doc, before: Readonly<Record<string, AttributeValue>>, by: string, origin: unknown): void {
  const now = readImageAttributes(doc);
  const changed = [...new Set([...Object.keys(before), ...Object.keys(now)])].filter((k) => before[k] !== now[k]);
  if (!changed.length) return;
  const setBy = imageSetByMap(doc);
  const at = Date.now();
  doc.transact(() => {
    for (const k of changed) setBy.set(k, { by, at } satisfies ImageSetBy);
  }, origin);
}

/** Calls `cb` after each change of the image's attributes; returns the unsubscribe. */
export function observeImageAttributes(doc: Y.Doc, cb: () => void): () => void {
  const m = imageMap(doc);
  const h = () => cb();
  m.observe(h);
  return () => m.unobserve(h);
}
