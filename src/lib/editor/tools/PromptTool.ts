// Smart click, box and scribble share one life cycle: an object in progress that prompts refine,
// Enter/N accepts it and Escape cancels it. This base holds that cycle.
import type { ObjectId } from '../../../../shared/schema/ids';
import type { ToolHost, ToolKey } from './types';

export abstract class PromptTool {
  protected objectId: ObjectId | null = null;
  protected isNew = false;
  constructor(protected host: ToolHost) {}

  /** The object in progress, starting one (or refining the selected mask) when there is none. */
  protected ensureObject(): ObjectId {
    if (this.objectId) return this.objectId;
    const sel = this.host.selectedId;
    if (sel && this.host.hasMask(sel) && this.host.isEditable(sel)) {
      // Refine an existing (imported, drawn or earlier) mask: it is prevMask of the next prompt.
      this.objectId = sel;
      this.isNew = false;
    } else {
      this.objectId = this.host.beginObject();
      this.isNew = true;
    }
    return this.objectId;
  }

  get active(): boolean {
    return this.objectId !== null;
  }

  accept(): void {
    if (this.objectId) this.host.acceptObject(this.objectId);
    this.objectId = null;
    this.isNew = false;
  }

  cancel(): void {
    if (this.objectId) this.host.cancelObject(this.objectId, this.isNew);
    this.objectId = null;
    this.isNew = false;
    this.host.setPreview(null);
  }

  /** Enter/N accept (N with nothing in progress starts afresh), Escape cancels. */
  protected promptKey(k: ToolKey): boolean {
    const key = k.key.toLowerCase();
    if ((key === 'enter' || key === 'n') && !k.ctrl) {
      if (this.objectId) this.accept();
      else this.host.select(null);
      return true;
    }
    if (key === 'escape' && this.objectId) {
      this.cancel();
      return true;
    }
    return false;
  }

  deactivate(): void {
    if (this.objectId) this.accept();
    this.host.setPreview(null);
  }
}
