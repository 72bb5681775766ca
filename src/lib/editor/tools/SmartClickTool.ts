// Smart click: click adds (positive), Alt-click or right click removes (negative).
import { PromptTool } from './PromptTool';
import { isNegative, READ_ONLY_MESSAGE, type Tool, type ToolKey, type ToolPointer } from './types';

export class SmartClickTool extends PromptTool implements Tool {
  readonly id = 'smart' as const;
  get state(): string {
    return this.active ? 'active' : 'idle';
  }
  down(e: ToolPointer): void {
    if (e.button === 1) return;
    if (!this.host.canEdit) return this.host.notify(READ_ONLY_MESSAGE);
    const id = this.ensureObject();
    this.host.addClick(id, { x: e.ptImage.x, y: e.ptImage.y, positive: !isNegative(e) });
  }
  move(): void {}
  up(): void {}
  key(k: ToolKey): boolean {
    return this.promptKey(k);
  }
}
