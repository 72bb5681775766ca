// What changed in a mask since an earlier version, over the canvas: the pixels it gained in green,
// those it lost in red (the reviewer re-checking a fix, anyone comparing a version before
// restoring it). Two views of a MaskLayer of its own, above the masks; nothing while cleared.
import { rleArea, rleDifference, type Rle } from '../../../shared/codecs/rle';
import { MaskLayer } from './MaskLayer';

const ADDED = 0x22c55e;
const REMOVED = 0xef4444;

export interface CompareSummary {
  /** Pixels the mask has now and did not have then. */
  added: number;
  /** Pixels it had then and has no more. */
  removed: number;
}

export class CompareLayer {
  private readonly layer = new MaskLayer();
  readonly container = this.layer.container;

  /** `changed`: the host's request for a frame (the canvas renders on demand, not every frame). */
  constructor(private readonly changed: () => void = () => {}) {
    this.layer.fill = 0.7;
    this.layer.outline = 0;
    this.container.zIndex = 1;
  }

  /** Shows `now` against `before` (either may be empty); sizes must match. */
  show(before: Rle | null, now: Rle | null): CompareSummary {
    const added = now && before ? rleDifference(now, before) : now;
    const removed = before && now ? rleDifference(before, now) : before;
    this.layer.sync(['added', 'removed'], (id) => {
      const mask = id === 'added' ? added : removed;
      return mask ? { mask, color: id === 'added' ? ADDED : REMOVED, hidden: false, order: id === 'added' ? 1 : 0 } : null;
    });
    this.changed();
    return { added: added ? rleArea(added) : 0, removed: removed ? rleArea(removed) : 0 };
  }

  clear(): void {
    this.layer.sync(['added', 'removed'], () => null);
    this.changed();
  }

  destroy(): void {
    this.layer.destroy();
  }
}
