// The boxes of the objects an image already has, by label: what a detector's find is checked
// against before it becomes a pre-label (the editor's "Find objects", the server's pre-labelling),
// so running the detector twice adds nothing twice.
import { rleArea, rleBbox, type Rle } from '../codecs/rle';
import { boxIou } from './boxIou';

/** A detection whose box overlaps an object of its label at least this much is that object. */
export const SAME_OBJECT_IOU = 0.5;

export class DrawnBoxes {
  private readonly boxes: Array<{ label: string; box: number[] }> = [];

  constructor(objects: ReadonlyArray<{ label: string; mask: Rle | null }> = []) {
    for (const o of objects) this.add(o.label, o.mask);
  }

  /** An object of `label` with `mask` (one without pixels has no box and covers nothing). */
  add(label: string, mask: Rle | null): void {
    if (!mask || rleArea(mask) === 0) return;
    const [x, y, w, h] = rleBbox(mask);
    this.boxes.push({ label, box: [x, y, x + w, y + h] });
  }

  /** Whether an object of `label` is already there: its box overlaps `box` by IoU >= SAME_OBJECT_IOU. */
  has(label: string, box: readonly number[]): boolean {
    return this.boxes.some((b) => b.label === label && boxIou(b.box, box) >= SAME_OBJECT_IOU);
  }
}
