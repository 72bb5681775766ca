// Brush (paints into the selected mask, or a new object) and eraser (removes from the selected
// mask). The stroke is previewed while drawing and committed to the document once, on release.
import type { Point } from '../camera';
import { READ_ONLY_MESSAGE, type Tool, type ToolHost, type ToolKey, type ToolPointer } from './types';

export class BrushTool implements Tool {
  private points: Point[] | null = null;
  private target: ReturnType<ToolHost['hitTest']> = null;
  constructor(
    private host: ToolHost,
    readonly id: 'brush' | 'eraser',
  ) {}
  get state(): string {
    return this.points ? 'drawing' : 'idle';
  }
  private get value(): 0 | 1 {
    return this.id === 'brush' ? 1 : 0;
  }
  down(e: ToolPointer): void {
    if (e.button !== 0) return;
    if (!this.host.canEdit) return this.host.notify(READ_ONLY_MESSAGE);
    let target = this.host.selectedId;
    if (this.id === 'eraser' && !target) {
      // Erase from whatever is under the cursor when nothing is selected.
      target = this.host.hitTest(e.ptImage);
      if (!target) return this.host.notify('Select an object to erase from.');
      this.host.select(target);
    }
    if (target && !this.host.isEditable(target)) return this.host.notify('This object is locked.');
    this.target = target;
    this.points = [e.ptImage];
    this.preview();
  }
  move(e: ToolPointer): void {
    if (!this.points) return;
    const last = this.points[this.points.length - 1];
    if (Math.hypot(e.ptImage.x - last.x, e.ptImage.y - last.y) < Math.max(0.5, this.host.brushRadius / 4)) return;
    this.points.push(e.ptImage);
    this.preview();
  }
  up(): void {
    if (!this.points) return;
    const points = this.points;
    this.points = null;
    this.host.setPreview(null);
    this.host.paint(this.target, points, this.host.brushRadius, this.value);
  }
  private preview(): void {
    this.host.setPreview({ kind: 'stroke', points: this.points!, radius: this.host.brushRadius, positive: this.value === 1 });
  }
  key(k: ToolKey): boolean {
    if (k.key === 'Escape' && this.points) {
      this.points = null;
      this.host.setPreview(null);
      return true;
    }
    return false;
  }
  deactivate(): void {
    this.points = null;
    this.host.setPreview(null);
  }
}
