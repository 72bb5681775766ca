// Brush (paints into the selected mask, or a new object) and eraser (removes from the selected
// mask). The stroke is previewed while drawing and committed to the document once, on release.
import { Stroke } from './Stroke';
import { READ_ONLY_MESSAGE, type Tool, type ToolHost, type ToolKey, type ToolPointer } from './types';

export class BrushTool implements Tool {
  private stroke: Stroke;
  private target: ReturnType<ToolHost['hitTest']> = null;
  constructor(
    private host: ToolHost,
    readonly id: 'brush' | 'eraser',
  ) {
    this.stroke = new Stroke(host);
  }
  get state(): string {
    return this.stroke.drawing ? 'drawing' : 'idle';
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
    this.stroke.begin(e.ptImage);
    this.preview();
  }
  move(e: ToolPointer): void {
    if (this.stroke.extend(e.ptImage, Math.max(0.5, this.host.brushRadius / 4))) this.preview();
  }
  up(): void {
    const points = this.stroke.finish();
    if (points) this.host.paint(this.target, points, this.host.brushRadius, this.value);
  }
  private preview(): void {
    this.host.setPreview({ kind: 'stroke', points: this.stroke.points!, radius: this.host.brushRadius, positive: this.value === 1 });
  }
  key(k: ToolKey): boolean {
    return this.stroke.escape(k.key);
  }
  deactivate(): void {
    this.stroke.cancel();
  }
}
