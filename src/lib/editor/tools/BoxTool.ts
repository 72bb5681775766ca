// Box: drag a box around the object, then refine it with clicks (Alt/right click negative).
import type { Point } from '../camera';
import { PromptTool } from './PromptTool';
import { isNegative, READ_ONLY_MESSAGE, type Tool, type ToolKey, type ToolPointer } from './types';

/** Boxes smaller than this many screen px on a side are taken as an accidental click. */
const MIN_BOX_SCREEN_PX = 4;

export class BoxTool extends PromptTool implements Tool {
  readonly id = 'box' as const;
  private start: Point | null = null;
  get state(): string {
    return this.start ? 'dragging' : this.active ? 'refining' : 'idle';
  }
  down(e: ToolPointer): void {
    if (e.button === 1) return;
    if (!this.host.canEdit) return this.host.notify(READ_ONLY_MESSAGE);
    if (this.active) {
      this.host.addClick(this.objectId!, { x: e.ptImage.x, y: e.ptImage.y, positive: !isNegative(e) });
      return;
    }
    this.start = e.ptImage;
  }
  move(e: ToolPointer): void {
    if (!this.start) return;
    this.host.setPreview({ kind: 'box', box: boxOf(this.start, e.ptImage) });
  }
  up(e: ToolPointer): void {
    if (!this.start) return;
    const box = boxOf(this.start, e.ptImage);
    this.start = null;
    this.host.setPreview(null);
    const minImage = MIN_BOX_SCREEN_PX / e.scale;
    if (box[2] - box[0] < minImage || box[3] - box[1] < minImage) return;
    // A box always starts a new object (it describes the whole object).
    this.host.select(null);
    const id = this.ensureObject();
    this.host.setBox(id, box);
  }
  key(k: ToolKey): boolean {
    if (k.key === 'Escape' && this.start) {
      this.start = null;
      this.host.setPreview(null);
      return true;
    }
    return this.promptKey(k);
  }
}

function boxOf(a: Point, b: Point): [number, number, number, number] {
  return [Math.min(a.x, b.x), Math.min(a.y, b.y), Math.max(a.x, b.x), Math.max(a.y, b.y)];
}
