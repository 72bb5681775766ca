// Commands on several selected objects at once (selection.ts): delete, relabel, hide or show,
// lock or unlock, move. Each is one transaction, so one undo step, however many objects it
// touches. Locked objects are left as they are and counted in the message: a bulk action never
// overrides a lock, and never fails as a whole because of one.
import { encodeRle, type Bbox } from '../../../shared/codecs/rle';
import type { ObjectId } from '../../../shared/schema/ids';
import type { ObjectCommandHost } from './objectCommands';
import { translate } from './raster';
import { READ_ONLY_MESSAGE } from './tools';

/** The objects among `ids` this session may change, or null (and says why) when none. */
function changeable(s: ObjectCommandHost, ids: readonly ObjectId[]): { ok: ObjectId[]; locked: number } | null {
  if (!s.canEdit) {
    s.notify(READ_ONLY_MESSAGE);
    return null;
  }
  const present = ids.map((id) => s.model.read(id)).filter((o) => o !== null);
  const ok = present.filter((o) => !o.locked).map((o) => o.id as ObjectId);
  if (ok.length === 0) {
    if (present.length) s.notify(present.length === 1 ? 'This object is locked.' : 'These objects are locked.');
    return null;
  }
  return { ok, locked: present.length - ok.length };
}

function lockedNote(n: number): string {
  return n ? ` (${n} locked ${n === 1 ? 'object' : 'objects'} left as ${n === 1 ? 'it is' : 'they are'})` : '';
}

/** Runs `fn` as one undo step of this session. */
function step(s: ObjectCommandHost, fn: () => void): void {
  s.history.boundary();
  s.model.doc.transact(fn, s.model.origin);
}

/** Deletes the objects; returns how many. */
export function deleteObjects(s: ObjectCommandHost, ids: readonly ObjectId[]): number {
  const c = changeable(s, ids);
  if (!c) return 0;
  for (const id of c.ok) s.forget(id);
  step(s, () => c.ok.forEach((id) => s.model.delete(id)));
  if (ids.length > 1) s.notify(`Deleted ${c.ok.length} ${c.ok.length === 1 ? 'object' : 'objects'}${lockedNote(c.locked)}.`);
  return c.ok.length;
}

/** Gives the objects this label; returns how many changed. */
export function relabelObjects(s: ObjectCommandHost, ids: readonly ObjectId[], label: string): number {
  const c = changeable(s, ids);
  if (!c) return 0;
  const ok = c.ok.filter((id) => s.model.read(id)?.label !== label);
  if (ok.length) step(s, () => ok.forEach((id) => s.model.setLabel(id, label, s.user.id)));
  if (ids.length > 1) s.notify(`${ok.length} ${ok.length === 1 ? 'object' : 'objects'} relabelled ${label}${lockedNote(c.locked)}.`);
  return ok.length;
}

/** Hides or shows, or locks or unlocks, the objects: shared flags (a reviewer hides what is noise
 *  for everyone, locks what is approved), so they need edit rights; locked objects take them too
 *  (a lock keeps the mask, not its visibility, and must be liftable). */
export function setObjectsFlag(s: ObjectCommandHost, ids: readonly ObjectId[], flag: { hidden: boolean } | { locked: boolean }): void {
  if (!s.canEdit) return s.notify(READ_ONLY_MESSAGE);
  step(s, () => ids.forEach((id) => s.model.setFlags(id, flag, s.user.id)));
}

/** Moves the objects' masks by (dx, dy) image px; what leaves the image is cut off. */
export function moveObjects(s: ObjectCommandHost, ids: readonly ObjectId[], dx: number, dy: number): void {
  const c = changeable(s, ids);
  if (!c || (dx === 0 && dy === 0)) return;
  const masked = c.ok.filter((id) => s.model.read(id)?.mask);
  // The objects moving together do not count against each other: where they were is left.
  const moving = new Set<string>(masked);
  let cut = false;
  step(s, () => {
    for (const id of masked) {
      const moved = translate(s.bitmapOf(id), dx, dy);
      const rle = encodeRle(moved.data, moved.width, moved.height);
      const fitted = s.masks.fit(id, rle, moving);
      cut ||= fitted !== rle;
      s.model.setMask(id, fitted, s.user.id, { source: 'move' });
    }
  });
  if (cut) s.notify('No overlap: what other objects cover stays theirs.');
}

/** The visible objects whose mask box (`boxOf`: [x, y, w, h], null without pixels) lies wholly
 *  inside the box [x0, y0, x1, y1] (a marquee). */
export function objectsInside(
  objects: ReadonlyArray<{ id: ObjectId; hidden: boolean }>,
  box: [number, number, number, number],
  boxOf: (id: ObjectId) => Bbox | null,
): ObjectId[] {
  const [x0, y0, x1, y1] = box;
  return objects
    .filter((o) => {
      const b = o.hidden ? null : boxOf(o.id);
      return !!b && b[0] >= x0 && b[1] >= y0 && b[0] + b[2] <= x1 && b[1] + b[3] <= y1;
    })
    .map((o) => o.id);
}
