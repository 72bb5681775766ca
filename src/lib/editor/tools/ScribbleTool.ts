// Scribble: freehand foreground strokes (primary button) and background strokes (Alt or right
// button). Each finished stroke is sent with all earlier ones as seeds for the engine.
import type { Point } from '../camera';
import { PromptTool } from './PromptTool';
import { isNegative, READ_ONLY_MESSAGE, type Tool, type ToolKey, type ToolPointer } from './types';

/** Scribble preview radius in screen px (the seeds themselves are 1 px wide polylines). */
const PREVIEW_RADIUS_SCREEN_PX = 3;

export class ScribbleTool extends PromptTool implements Tool {
  readonly id = 'scribble' as const;
  private points: Point[] | null = null;
  private positive = true;
  get state(): string {
    return this.points ? 'drawing' : this.active ? 'active' : 'idle';
  }
  down(e: ToolPointer): void {
    if (e.button === 1) return;
    if (!this.host.canEdit) return this.host.notify(READ_ONLY_MESSAGE);
    this.points = [e.ptImage];
    this.positive = !isNegative(e);
  }
  move(e: ToolPointer): void {
    if (!this.points) return;
    const last = this.points[this.points.length - 1];
    // Keep points at least ~1 screen px apart: enough detail, fewer bytes on the wire.
    if (Math.hypot(e.ptImage.x - last.x, e.ptImage.y - last.y) * e.scale < 1) return;
    this.points.push(e.ptImage);
    this.host.setPreview({ kind: 'stroke', points: this.points, radius: PREVIEW_RADIUS_SCREEN_PX / e.scale, positive: this.positive });
  }
  up(): void {
    if (!this.points) return;
    const points = this.points;
    this.points = null;
    this.host.setPreview(null);
    const id = this.ensureObject();
    this.host.addScribble(id, { points, positive: this.positive });
  }
  key(k: ToolKey): boolean {
    return this.promptKey(k);
  }
}
