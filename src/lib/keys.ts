// Keyboard helpers shared by the editor's window-level key handlers (the page, the canvas, the
// task navigation): shortcuts never fire while the user types in a field.

/** Is this key event's target a place where the user types (a field, a select, contenteditable)? */
export function isTyping(t: EventTarget | null): boolean {
  return t instanceof HTMLElement && (t.isContentEditable || t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT');
}
