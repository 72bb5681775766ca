// The editor's keyboard shortcuts that act on the session (the page handles those that act on
// the view: zoom, labels by number, copy and paste, task navigation). The active tool sees a key
// first (Enter accepts, Escape cancels its gesture); what it leaves falls through to these.
import type { EditorSession } from './EditorSession';
import { toolShortcuts, ToolIds, type ToolKey } from './tools';

/** Returns true when the key was used. */
export function sessionKey(s: EditorSession, k: ToolKey): boolean {
  const lower = k.key.toLowerCase();
  if (k.ctrl && lower === 'z') {
    if (k.shift) s.redo();
    else s.undo();
    return true;
  }
  if (k.ctrl && lower === 'y') {
    s.redo();
    return true;
  }
  if (k.ctrl && lower === 'a' && !k.shift && !k.alt) {
    s.selectMany(s.model.list().filter((o) => !o.hidden).map((o) => o.id), false); // every visible object
    return true;
  }
  if (k.ctrl) return false;
  if (s.tool.key(k)) return true;
  if (k.key === '[') {
    s.setBrushRadius(s.brushRadius / 1.25);
    return true;
  }
  if (k.key === ']') {
    s.setBrushRadius(Math.max(s.brushRadius + 1, s.brushRadius * 1.25));
    return true;
  }
  if ((k.key === 'Delete' || k.key === 'Backspace') && s.selection.size) {
    s.deleteSelected();
    return true;
  }
  if (k.key === 'Escape' && s.selection.size) {
    s.select(null);
    return true;
  }
  if (lower === 't' && !k.alt && !k.shift && s.selection.size) {
    s.refitSelected();
    return true;
  }
  if (lower === 'm' && !k.alt && !k.shift && s.selection.size > 1) {
    s.mergeSelected();
    return true;
  }
  for (const id of ToolIds) {
    if (toolShortcuts[id].key === lower && !k.alt) {
      s.setTool(id);
      return true;
    }
  }
  return false;
}
