// Scribble: freehand foreground strokes (primary button) and background strokes (Alt or right
// button). Each finished stroke is sent with all earlier ones as seeds for the engine.
import { PromptTool } from './PromptTool';
import { Stroke } from './Stroke';
import { isNegative, READ_ONLY_MESSAGE, type Tool, type ToolKey, type ToolPointer } from './types';

/** Scribble preview radius in screen px (the seeds themselves are 1 px wide polylines). */
const PREVIEW_RADIUS_SCREEN_PX = 3;

export class ScribbleTool extends PromptTool implements Tool {
  readonly id = 'scribble' as const;
  private stroke = new Stroke(this.host);
  private positive = true;
  get state(): string {
    return this.stroke.drawing ? 'drawing' : this.active ? 'active' : 'idle';
  }
  down(e: ToolPointer): void {
    if (e.button === 1) return;
    if (!this.host.canEdit) return this.host.notify(READ_ONLY_MESSAGE);
    this.stroke.begin(e.ptImage);
    this.positive = !isNegative(e);
  }
  move(e: ToolPointer): void {
    // Keep points at least ~1 screen px apart: enough detail, fewer bytes on the wire.
    if (!this.stroke.extend(e.ptImage, 1 / e.scale)) return;
    this.host.setPreview({ kind: 'stroke', points: this.stroke.points!, radius: PREVIEW_RADIUS_SCREEN_PX / e.scale, positive: this.positive });
  }
  up(): void {
    const points = this.stroke.finish();
    if (!points) return;
    const id = this.ensureObject();
    this.host.addScribble(id, { points, positive: this.positive });
  }
  key(k: ToolKey): boolean {
    return this.promptKey(k);
  }
}
