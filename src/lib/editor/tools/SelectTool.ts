// Select and move. A click selects the topmost object under the cursor; Shift-click adds it to
// the selection or takes it out. Dragging a selected, unlocked object moves it, and every other
// selected one with it, on release (one undo step). A drag that starts on empty space is a
// marquee: it selects the objects wholly inside it (with Shift, in addition to the selection).
// A press on an object of a multi-selection keeps the selection (it may be the start of a move);
// a release without moving then selects that object alone, as file managers and Figma do. The
// arrow keys nudge the selected masks by a pixel (Shift: 10), for the last pixel of alignment.
import type { Point } from '../camera';
import type { ObjectId } from '../../../../shared/schema/ids';
import type { Tool, ToolHost, ToolKey, ToolPointer } from './types';

const NUDGE: Record<string, [number, number]> = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

/** Screen px a marquee must span before it counts (a shaky click is a click). */
const MIN_MARQUEE_PX = 4;

type Gesture =
  | { kind: 'drag'; id: ObjectId; ids: ObjectId[]; start: Point; dx: number; dy: number }
  | { kind: 'marquee'; start: Point; end: Point; add: boolean; scale: number };

export class SelectTool implements Tool {
  readonly id = 'select' as const;
  private g: Gesture | null = null;
  constructor(private host: ToolHost) {}
  get state(): string {
    return this.g?.kind === 'drag' && this.g.ids.length ? 'moving' : this.g?.kind === 'marquee' ? 'marquee' : 'idle';
  }
  down(e: ToolPointer): void {
    if (e.button !== 0) return;
    const id = this.host.hitTest(e.ptImage);
    if (!id) {
      if (!e.shift) this.host.select(null);
      this.g = { kind: 'marquee', start: e.ptImage, end: e.ptImage, add: e.shift, scale: e.scale };
      return;
    }
    if (e.shift) return this.host.toggleSelect(id);
    if (!this.host.selectedIds().includes(id)) this.host.select(id);
    // A locked object (or a read-only role) moves nothing, but its release still narrows the selection.
    const movable = this.host.canEdit && this.host.isEditable(id);
    const ids = movable ? this.host.selectedIds().filter((x) => this.host.isEditable(x)) : [];
    this.g = { kind: 'drag', id, ids, start: e.ptImage, dx: 0, dy: 0 };
  }
  move(e: ToolPointer): void {
    const g = this.g;
    if (g?.kind === 'drag' && g.ids.length) {
      g.dx = Math.round(e.ptImage.x - g.start.x);
      g.dy = Math.round(e.ptImage.y - g.start.y);
      this.host.setPreview({ kind: 'move', ids: g.ids, dx: g.dx, dy: g.dy });
    } else if (g?.kind === 'marquee') {
      g.end = e.ptImage;
      if (this.spansEnough(g)) this.host.setPreview({ kind: 'marquee', box: box(g.start, g.end) });
    }
  }
  up(): void {
    const g = this.g;
    if (!g) return;
    this.g = null;
    this.host.setPreview(null);
    if (g.kind === 'drag') {
      if ((g.dx !== 0 || g.dy !== 0) && g.ids.length) this.host.moveObjects(g.ids, g.dx, g.dy);
      else if (this.host.selectedIds().length > 1) this.host.select(g.id);
    } else if (this.spansEnough(g)) {
      this.host.selectMany(this.host.objectsIn(box(g.start, g.end)), g.add);
    }
  }
  key(k: ToolKey): boolean {
    const nudge = NUDGE[k.key];
    if (nudge && !k.alt && !k.ctrl && !this.g) {
      const ids = this.host.canEdit ? this.host.selectedIds().filter((id) => this.host.isEditable(id)) : [];
      if (ids.length === 0) return false;
      const n = k.shift ? 10 : 1;
      this.host.moveObjects(ids, nudge[0] * n, nudge[1] * n);
      return true;
    }
    if (k.key === 'Escape') {
      if (this.g) {
        this.g = null;
        this.host.setPreview(null);
      } else this.host.select(null);
      return true;
    }
    return false;
  }
  deactivate(): void {
    this.g = null;
    this.host.setPreview(null);
  }
  private spansEnough(g: { start: Point; end: Point; scale: number }): boolean {
    return Math.max(Math.abs(g.end.x - g.start.x), Math.abs(g.end.y - g.start.y)) * g.scale >= MIN_MARQUEE_PX;
  }
}

function box(a: Point, b: Point): [number, number, number, number] {
  return [Math.min(a.x, b.x), Math.min(a.y, b.y), Math.max(a.x, b.x), Math.max(a.y, b.y)];
}
