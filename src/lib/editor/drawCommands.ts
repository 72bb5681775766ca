// Drawing by hand: a brush or eraser stroke into an object (or a new one), and a polygon or lasso
// shape that makes an object or is added to or cut from the selected one. Each is one undo step.
import { encodeRle, rleArea, rleDifference, rleUnion, type Rle } from '../../../shared/codecs/rle';
import { newId, type ObjectId } from '../../../shared/schema/ids';
import type { Point } from './camera';
import type { ObjectCommandHost } from './objectCommands';
import { emptyBitmap, fillPolygon, stampStroke } from './raster';
import { READ_ONLY_MESSAGE, type FillMode } from './tools';

/** Brush (value 1) or eraser (value 0) stroke into `id`, or into a new object when id is null. */
export function paintStroke(s: ObjectCommandHost, id: ObjectId | null, points: Point[], radius: number, value: 0 | 1): void {
  if (!s.canEdit) return s.notify(READ_ONLY_MESSAGE);
  s.history.boundary();
  const bm = s.bitmapOf(id);
  if (!stampStroke(bm, points, radius, value)) return;
  const drawn = encodeRle(bm.data, bm.width, bm.height);
  const mask = value ? s.masks.fit(id, drawn) : drawn;
  if (id) return s.model.setMask(id, mask, s.user.id, { source: value ? 'brush' : 'eraser' });
  create(s, mask, 'brush');
}

/** A new object of the current label, selected; nothing when other objects' masks (kept apart) left it no pixel. */
function create(s: ObjectCommandHost, mask: Rle, source: string): void {
  if (rleArea(mask) === 0) return s.notify('Nothing left to draw: other objects cover it (masks are kept apart).');
  const nid = newId() as ObjectId;
  s.model.create({ id: nid, label: s.label, mask, by: s.user.id, source });
  s.select(nid);
}

/** A closed polygon (or lasso outline): a new object, or added to / cut from the selected one. */
export function fillShape(s: ObjectCommandHost, points: Point[], mode: FillMode): void {
  if (!s.canEdit) return s.notify(READ_ONLY_MESSAGE);
  s.history.boundary();
  const bm = emptyBitmap(s.width, s.height);
  if (!fillPolygon(bm, points, 1)) return;
  const shape = encodeRle(bm.data, bm.width, bm.height);
  const target = s.selectedId;
  const current = target ? s.model.read(target)?.mask : null;
  if (mode !== 'new' && target && current && s.isEditable(target)) {
    const mask = mode === 'add' ? s.masks.fit(target, rleUnion(current, shape)) : rleDifference(current, shape);
    return s.model.setMask(target, mask, s.user.id, { source: 'polygon' });
  }
  if (mode === 'subtract') return;
  create(s, s.masks.fit(null, shape), 'polygon');
}
