// The object list's whole-mask commands (clean up, split, merge, copy, paste): each one undo step,
// each on the session's document through its DocModel. EditorSession delegates to these; they
// see the session through a narrow host, so they stay apart from tools and input.
import { encodeRle, rleArea, rleBbox, rleUnion, type Rle } from '../../../shared/codecs/rle';
import { DEFAULT_SPECKS, fillHoles, removeSpecks, splitParts, type SpeckRule } from '../../../shared/geometry/cleanup';
import type { AttributeValue } from '../../../shared/schema/attributes';
import { newId, type ObjectId } from '../../../shared/schema/ids';
import type { DocModel } from './docModel';
import type { History } from './history';
import type { MaskPolicy } from './overlap';
import type { Bitmap } from './raster';
import { READ_ONLY_MESSAGE } from './tools';

/** Objects on the clipboard: what a paste into an image of the same size recreates. */
export interface CopiedObjects {
  width: number;
  height: number;
  objects: Array<{ label: string; mask: Rle; attributes: Record<string, AttributeValue> }>;
}

/** What the commands need of the session. */
export interface ObjectCommandHost {
  readonly model: DocModel;
  readonly history: History;
  /** Masks kept apart or not: what a command adds is fitted through it (overlap.ts). */
  readonly masks: MaskPolicy;
  readonly user: { id: string };
  readonly width: number;
  readonly height: number;
  readonly canEdit: boolean;
  /** The label of new objects. */
  readonly label: string;
  readonly selectedId: ObjectId | null;
  selectedIds(): readonly ObjectId[];
  selectMany(ids: readonly ObjectId[], add: boolean): void;
  notify(text: string): void;
  /** False (and says why) when the object is locked or the session read-only. */
  guard(id: ObjectId): boolean;
  /** Unlocked, and the session may edit. */
  isEditable(id: ObjectId): boolean;
  /** The object's mask as a whole-image bitmap (a copy; empty for null). */
  bitmapOf(id: ObjectId | null): Bitmap;
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
 * Fills the object's holes or removes its specks (shared/geometry/cleanup.ts; what a speck is, the
 * project's rule); says so when there was nothing to clean. Returns how many pixels changed.
 */
export function cleanMask(s: ObjectCommandHost, id: ObjectId, how: 'fill-holes' | 'remove-specks', rule: SpeckRule = DEFAULT_SPECKS): number {
  const e = editable(s, id);
  if (!e) return 0;
  const { bm, box } = e;
  const n = how === 'fill-holes' ? fillHoles(bm.data, bm.width, bm.height, box) : removeSpecks(bm.data, bm.width, bm.height, box, rule);
  if (n === 0) {
    s.notify(how === 'fill-holes' ? 'This object has no holes.' : 'This object has no specks.');
    return 0;
  }
  s.history.boundary();
  const mask = encodeRle(bm.data, bm.width, bm.height);
  // A hole that is another object (a ball in a ring) stays that object's while masks are kept apart.
  s.model.setMask(id, how === 'fill-holes' ? s.masks.fit(id, mask) : mask, s.user.id, { source: how });
  return n;
}

/**
 * One object that is really several (two cars the model took as one, an import that joined
 * them): each separate part that is no speck (the project's rule, by default under 1% or 10 px)
 * becomes an object of the same label and attribute values; the largest stays this object, with
 * its history, specks with it. Returns how many objects it made.
 */
export function splitObject(s: ObjectCommandHost, id: ObjectId, rule: SpeckRule = DEFAULT_SPECKS): number {
  const e = editable(s, id);
  if (!e) return 0;
  const { o, bm, box } = e;
  const made: Rle[] = [];
  splitParts(bm.data, bm.width, bm.height, box, (pixels, b) => made.push(encodeRle(pixels, bm.width, bm.height, b)), rule);
  if (made.length === 0) {
    s.notify('This object is in one piece.');
    return 0;
  }
  s.history.boundary();
  s.model.setMask(id, encodeRle(bm.data, bm.width, bm.height), s.user.id, { source: 'split' });
  for (const mask of made) s.model.create({ id: newId() as ObjectId, label: o.label, mask, attributes: o.attributes ?? {}, by: s.user.id, source: 'split' });
  s.notify(`Split into ${made.length + 1} objects.`);
  return made.length;
}

/**
 * Other objects' masks joined into this one (one thing annotated in pieces, or a duplicate):
 * `id` keeps its label, attributes and history; the others are deleted. One undo step.
 */
export function mergeObjects(s: ObjectCommandHost, id: ObjectId, others: readonly ObjectId[]): void {
  const rest = others.filter((x) => x !== id);
  if (rest.length === 0 || !s.guard(id) || !rest.every((x) => s.guard(x))) return;
  const a = s.model.read(id);
  const bs = rest.map((x) => s.model.read(x));
  if (!a || bs.some((b) => !b)) return;
  let mask = a.mask;
  for (const b of bs) if (b?.mask) mask = mask ? rleUnion(mask, b.mask) : b.mask;
  for (const x of rest) s.forget(x);
  // The merged objects go: only the objects that stay count against the joined mask.
  if (mask) mask = s.masks.fit(id, mask, new Set<string>(rest));
  s.history.boundary();
  s.model.doc.transact(() => {
    if (mask) s.model.setMask(id, mask, s.user.id, { source: 'merge' });
    for (const x of rest) s.model.delete(x);
  }, s.model.origin);
  if (rest.length > 1) s.notify(`Merged ${rest.length + 1} objects into one.`);
}

/** Sets one attribute of an object (undoable, like a label change); a locked object keeps its. */
export function setAttribute(s: ObjectCommandHost, id: ObjectId, name: string, value: AttributeValue): void {
  if (!s.canEdit) return s.notify(READ_ONLY_MESSAGE);
  const o = s.model.read(id);
  if (!o) return;
  if (o.locked) return s.notify('This object is locked.');
  if (o.attributes?.[name] === value) return;
  s.history.boundary();
  s.model.setAttributes(id, { [name]: value }, s.user.id);
}

/** The selected objects with a mask as the clipboard keeps them (Ctrl/Cmd+C), or null with
 *  nothing to copy. */
export function copySelected(s: ObjectCommandHost): CopiedObjects | null {
  // In stacking order, whatever order they were selected in: the copies stack as the originals.
  const selected = new Set<string>(s.selectedIds());
  const objects = s.model
    .list()
    .filter((o) => selected.has(o.id) && o.mask && rleArea(o.mask) > 0)
    .map((o) => ({ label: o.label, mask: o.mask!, attributes: o.attributes ?? {} }));
  if (objects.length === 0) {
    s.notify('Select an object with a mask to copy it.');
    return null;
  }
  s.notify(objects.length === 1 ? `Copied ${objects[0].label}.` : `Copied ${objects.length} objects.`);
  return { width: s.width, height: s.height, objects };
}

/**
 * Copied objects as new objects of this image (Ctrl/Cmd+V), for the next frame of a sequence or
 * duplicates: same labels, masks and attribute values; one undo step; selected. Refused for an
 * image of another size (the masks would not match it). Returns the new objects' ids.
 */
export function pasteObjects(s: ObjectCommandHost, c: CopiedObjects): ObjectId[] {
  if (!s.canEdit) {
    s.notify(READ_ONLY_MESSAGE);
    return [];
  }
  if (c.width !== s.width || c.height !== s.height) {
    s.notify(`The copied ${c.objects.length === 1 ? 'object is' : 'objects are'} from a ${c.width}×${c.height} image; this one is ${s.width}×${s.height}.`);
    return [];
  }
  // With masks kept apart, each copy leaves out what the objects already here have (the copies
  // among themselves were apart or not as the originals were); one wholly covered is not made.
  const copies = c.objects.map((o) => ({ ...o, mask: s.masks.fit(null, o.mask) })).filter((o) => rleArea(o.mask) > 0);
  const covered = c.objects.length - copies.length;
  if (covered) s.notify(`No overlap: ${covered === c.objects.length ? (covered === 1 ? 'the copy lies' : 'the copies lie') : `${covered} of the copies lie`} wholly on objects already here, so ${covered === 1 ? 'it was' : 'they were'} not pasted.`);
  if (copies.length === 0) return [];
  s.history.boundary();
  // Ids in ascending order: objects made in the same millisecond stack by id, so the copies keep
  // the originals' stacking.
  const ids = copies.map(() => newId() as ObjectId).sort();
  s.model.doc.transact(() => {
    copies.forEach((o, i) => s.model.create({ id: ids[i], label: o.label, mask: o.mask, attributes: o.attributes, by: s.user.id, source: 'paste' }));
  }, s.model.origin);
  s.selectMany(ids, false);
  return ids;
}
