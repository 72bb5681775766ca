// Select and move: a click selects the topmost object under the cursor (or clears the
// selection); dragging a selected, unlocked object moves its mask on release.
import type { Point } from '../camera';
import type { ObjectId } from '../../../../shared/schema/ids';
import type { Tool, ToolHost, ToolKey, ToolPointer } from './types';

export class SelectTool implements Tool {
  readonly id = 'select' as const;
  private drag: { id: ObjectId; start: Point; dx: number; dy: number } | null = null;
  constructor(private host: ToolHost) {}
  get state(): string {
    return this.drag ? 'moving' : 'idle';
  }
  down(e: ToolPointer): void {
    if (e.button !== 0) return;
    const id = this.host.hitTest(e.ptImage);
    this.host.select(id);
    if (id && this.host.canEdit && this.host.isEditable(id)) this.drag = { id, start: e.ptImage, dx: 0, dy: 0 };
  }
  move(e: ToolPointer): void {
    if (!this.drag) return;
    this.drag.dx = Math.round(e.ptImage.x - this.drag.start.x);
    this.drag.dy = Math.round(e.ptImage.y - this.drag.start.y);
    this.host.setPreview({ kind: 'move', id: this.drag.id, dx: this.drag.dx, dy: this.drag.dy });
  }
  up(): void {
    if (!this.drag) return;
    const { id, dx, dy } = this.drag;
    this.drag = null;
    this.host.setPreview(null);
    if (dx !== 0 || dy !== 0) this.host.moveObject(id, dx, dy);
  }
  key(k: ToolKey): boolean {
    if (k.key === 'Escape') {
      if (this.drag) {
        this.drag = null;
        this.host.setPreview(null);
      } else this.host.select(null);
      return true;
    }
    return false;
  }
  deactivate(): void {
    this.drag = null;
    this.host.setPreview(null);
  }
}
