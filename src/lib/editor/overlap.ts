// Masks kept apart: while on, what a tool draws or the model returns for an object leaves out the
// pixels of every other object, so a car behind a person stops at the person's outline instead of
// taking the pixels the person's mask already has (instance and panoptic sets want one object per
// pixel). Hidden objects count too: hiding is a view, the pixels are still theirs. Whatever adds
// pixels is fitted (the model, the brush, polygons, fill holes, a move, a merge, a paste); erasing,
// splitting and undo only give pixels up or put back what was.
import { rleArea, rleBbox, rleDifference, type Rle } from '../../../shared/codecs/rle';
import type { ObjectId } from '../../../shared/schema/ids';
import type { DocModel } from './docModel';

const NONE: ReadonlySet<string> = new Set();

export class MaskPolicy {
  /** Keep masks apart (the toolbar's "No overlap", kept per project in the browser). */
  apart = false;

  /** `boxOf`: an object's mask box [x, y, w, h] (the session caches them per mask), null when empty. */
  constructor(
    private model: DocModel,
    private boxOf: (id: ObjectId) => readonly [number, number, number, number] | null,
  ) {}

  /**
   * `mask` as object `id` (null: a new object) may have it now. `besides`: objects whose masks do
   * not count (they move along with it, or are merged into it and go).
   */
  fit(id: ObjectId | null, mask: Rle, besides: ReadonlySet<string> = NONE): Rle {
    if (!this.apart || rleArea(mask) === 0) return mask;
    const [x, y, w, h] = rleBbox(mask);
    let out = mask;
    for (const o of this.model.list()) {
      if (o.id === id || besides.has(o.id) || !o.mask || o.mask.size[0] !== mask.size[0] || o.mask.size[1] !== mask.size[1]) continue;
      const box = this.boxOf(o.id as ObjectId);
      if (!box) continue;
      const [ox, oy, ow, oh] = box;
      if (ox >= x + w || oy >= y + h || x >= ox + ow || y >= oy + oh) continue; // boxes apart: nothing shared
      out = rleDifference(out, o.mask);
    }
    return out;
  }
}
