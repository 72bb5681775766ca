// The object list's whole-mask commands (clean up, split, merge, copy, paste): each one undo step,
// each on the session's document through its DocModel. EditorSession delegates to these; they
// see the session through a narrow host, so they stay apart from tools and input.
import { encodeRle, rleArea, rleBbox, rleUnion, type Rle } from '../../../shared/codecs/rle';
import { fillHoles, removeSpecks, splitParts } from '../../../shared/geometry/cleanup';
import type { AttributeValue } from '../../../shared/schema/attributes';
import { newId, type ObjectId } from '../../../shared/schema/ids';
import type { DocModel } from './docModel';
import type { History } from './history';
import type { Bitmap } from './raster';
import { READ_ONLY_MESSAGE } from './tools';

/** An object on the clipboard: what a paste into an image of the same size recreates. */
export interface CopiedObject {
  label: string;
  mask: Rle;
  attributes: Record<string, AttributeValue>;
  width: number;
  height: number;
}

/** What the commands need of the session. */
export interface ObjectCommandHost {
  readonly model: DocModel;
  readonly history: History;
  readonly userId: string;
  readonly width: number;
  readonly height: number;
  readonly canEdit: boolean;
  readonly selectedId: ObjectId | null;
  notify(text: string): void;
  /** False (and says why) when the object is locked or the session read-only. */
  guard(id: ObjectId): boolean;
  /** The object's mask as a whole-image bitmap (a copy). */
  bitmapOf(id: ObjectId): Bitmap;
  select(id: ObjectId | null): void;
  /** Drops the session's in-memory state of an object about to be deleted. */
  forget(id: ObjectId): void;
}

/** The object's mask as the session edits it, with its box; null when it has no pixels. */
function editable(s: ObjectCommandHost, id: ObjectId) {
  if (!s.guard(id)) return null;
  const o = s.model.read(id);
  if (!o?.mask || rleArea(o.mask) === 0) return null;
  const [x, y, w, h] = rleBbox(o.mask);
  return { o, bm: s.bitmapOf(id), box: { x0: x, y0: y, x1: x + w, y1: y + h } };
}

/**
 * Fills the object's holes or removes its specks (shared/geometry/cleanup.ts); says so when there
 * was nothing to clean. Returns how many pixels changed.
 */
export function cleanMask(s: ObjectCommandHost, id: ObjectId, how: 'fill-holes' | 'remove-specks'): number {
  const e = editable(s, id);
  if (!e) return 0;
  const { bm, box } = e;
  const n = how === 'fill-holes' ? fillHoles(bm.data, bm.width, bm.height, box) : removeSpecks(bm.data, bm.width, bm.height, box);
  if (n === 0) {
    s.notify(how === 'fill-holes' ? 'This object has no holes.' : 'This object has no specks.');
    return 0;
  }
  s.history.boundary();
  s.model.setMask(id, encodeRle(bm.data, bm.width, bm.height), s.userId, { source: how });
  return n;
}

/**
 * One object that is really several (two cars the model took as one, an import that joined
 * them): each separate part of at least 1% becomes an object of the same label and attribute
 * values; the largest stays this object, with its history, specks with it. Returns how many
 * objects it made.
 */
export function splitObject(s: ObjectCommandHost, id: ObjectId): number {
  const e = editable(s, id);
  if (!e) return 0;
  const { o, bm, box } = e;
  const made: Rle[] = [];
  splitParts(bm.data, bm.width, bm.height, box, (pixels, b) => made.push(encodeRle(pixels, bm.width, bm.height, b)));
  if (made.length === 0) {
    s.notify('This object is in one piece.');
    return 0;
  }
  s.history.boundary();
  s.model.setMask(id, encodeRle(bm.data, bm.width, bm.height), s.userId, { source: 'split' });
  for (const mask of made) s.model.create({ id: newId() as ObjectId, label: o.label, mask, attributes: o.attributes ?? {}, by: s.userId, source: 'split' });
  s.notify(`Split into ${made.length + 1} objects.`);
  return made.length;
}

/**
 * Another object's mask joined into this one (one thing annotated in two pieces, or a duplicate):
 * `id` keeps its label, attributes and history; `other` is deleted.
 */
export function mergeObjects(s: ObjectCommandHost, id: ObjectId, other: ObjectId): void {
  if (id === other || !s.guard(id) || !s.guard(other)) return;
  const a = s.model.read(id);
  const b = s.model.read(other);
  if (!a || !b) return;
  const mask = a.mask && b.mask ? rleUnion(a.mask, b.mask) : (a.mask ?? b.mask);
  s.forget(other);
  s.history.boundary();
  if (mask) s.model.setMask(id, mask, s.userId, { source: 'merge' });
  s.model.delete(other);
}

/** The selected object as the clipboard keeps it (Ctrl/Cmd+C), or null with nothing to copy. */
export function copySelected(s: ObjectCommandHost): CopiedObject | null {
  const o = s.selectedId ? s.model.read(s.selectedId) : null;
  if (!o?.mask || rleArea(o.mask) === 0) {
    s.notify('Select an object with a mask to copy it.');
    return null;
  }
  s.notify(`Copied ${o.label}.`);
  return { label: o.label, mask: o.mask, attributes: o.attributes ?? {}, width: s.width, height: s.height };
}

/**
 * A copied object as a new object of this image (Ctrl/Cmd+V), for the next frame of a sequence
 * or a duplicate: same label, mask and attribute values; selected. Refused for an image of
 * another size (the mask would not match it). Returns the new object's id.
 */
export function pasteObject(s: ObjectCommandHost, c: CopiedObject): ObjectId | null {
  if (!s.canEdit) {
    s.notify(READ_ONLY_MESSAGE);
    return null;
  }
  if (c.width !== s.width || c.height !== s.height) {
    s.notify(`The copied object is from a ${c.width}×${c.height} image; this one is ${s.width}×${s.height}.`);
    return null;
  }
  s.history.boundary();
  const id = newId() as ObjectId;
  s.model.create({ id, label: c.label, mask: c.mask, attributes: c.attributes, by: s.userId, source: 'paste' });
  s.select(id);
  return id;
}
