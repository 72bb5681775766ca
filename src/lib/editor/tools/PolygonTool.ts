// Polygon (click the vertices; double click, Enter or a click on the first vertex closes) and
// freehand lasso (press, draw the outline, release). Shift adds to the selected mask, Alt
// subtracts from it, otherwise the outline becomes a new object.
import type { Point } from '../camera';
import { Stroke } from './Stroke';
import { READ_ONLY_MESSAGE, type FillMode, type Tool, type ToolHost, type ToolKey, type ToolPointer } from './types';

/** A click within this many screen px of the first vertex closes the polygon. */
const CLOSE_RADIUS_SCREEN_PX = 8;

function modeOf(e: { alt: boolean; shift: boolean }, host: ToolHost): FillMode {
  if (!host.selectedId) return 'new';
  return e.alt ? 'subtract' : e.shift ? 'add' : 'new';
}

export class PolygonTool implements Tool {
  readonly id = 'polygon' as const;
  private points: Point[] = [];
  private mode: FillMode = 'new';
  constructor(private host: ToolHost) {}
  get state(): string {
    return this.points.length ? 'drawing' : 'idle';
  }
  down(e: ToolPointer): void {
    if (e.button !== 0) return;
    if (!this.host.canEdit) return this.host.notify(READ_ONLY_MESSAGE);
    if (this.points.length === 0) this.mode = modeOf(e, this.host);
    const first = this.points[0];
    const nearFirst = first && Math.hypot(e.ptImage.x - first.x, e.ptImage.y - first.y) * e.scale <= CLOSE_RADIUS_SCREEN_PX;
    if ((nearFirst && this.points.length >= 3) || (e.detail !== undefined && e.detail >= 2 && this.points.length >= 3)) {
      this.close();
      return;
    }
    this.points.push(e.ptImage);
    this.host.setPreview({ kind: 'polygon', points: this.points, cursor: e.ptImage });
  }
  move(e: ToolPointer): void {
    if (this.points.length) this.host.setPreview({ kind: 'polygon', points: this.points, cursor: e.ptImage });
  }
  up(): void {}
  private close(): void {
    const pts = this.points;
    this.points = [];
    this.host.setPreview(null);
    if (pts.length >= 3) this.host.fillPolygon(pts, this.mode);
  }
  key(k: ToolKey): boolean {
    if (!this.points.length) return false;
    if (k.key === 'Enter') {
      this.close();
      return true;
    }
    if (k.key === 'Escape') {
      this.points = [];
      this.host.setPreview(null);
      return true;
    }
    if (k.key === 'Backspace') {
      this.points.pop();
      this.host.setPreview(this.points.length ? { kind: 'polygon', points: this.points, cursor: null } : null);
      return true;
    }
    return false;
  }
  deactivate(): void {
    this.points = [];
    this.host.setPreview(null);
  }
}

export class LassoTool implements Tool {
  readonly id = 'lasso' as const;
  private stroke: Stroke;
  private mode: FillMode = 'new';
  constructor(private host: ToolHost) {
    this.stroke = new Stroke(host);
  }
  get state(): string {
    return this.stroke.drawing ? 'drawing' : 'idle';
  }
  down(e: ToolPointer): void {
    if (e.button !== 0) return;
    if (!this.host.canEdit) return this.host.notify(READ_ONLY_MESSAGE);
    this.mode = modeOf(e, this.host);
    this.stroke.begin(e.ptImage);
  }
  move(e: ToolPointer): void {
    // Points at least 2 screen px apart.
    if (this.stroke.extend(e.ptImage, 2 / e.scale)) this.host.setPreview({ kind: 'polygon', points: this.stroke.points!, cursor: null });
  }
  up(): void {
    const pts = this.stroke.finish();
    if (pts && pts.length >= 3) this.host.fillPolygon(pts, this.mode);
  }
  key(k: ToolKey): boolean {
    return this.stroke.escape(k.key);
  }
  deactivate(): void {
    this.stroke.cancel();
  }
}
