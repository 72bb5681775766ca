// Undo and redo per user. One Y.UndoManager per client over the objects map, tracking only this
// client's local origin: my undo reverts my changes and never touches a collaborator's (Yjs keeps
// their later edits because ignoreRemoteMapChanges stays false, as DESIGN.md decides).
import * as Y from 'yjs';

/** Changes within this window (ms) merge into one undo step unless a new action starts. */
const CAPTURE_MS = 600;

export class History {
  readonly manager: Y.UndoManager;
  private listeners = new Set<() => void>();

  constructor(scope: Y.Map<unknown>, origin: unknown, readonly maxDepth = 200) {
    this.manager = new Y.UndoManager(scope, { trackedOrigins: new Set([origin]), captureTimeout: CAPTURE_MS });
    this.manager.on('stack-item-added', () => {
      // Capped depth: drop the oldest steps so a day of editing does not grow memory without end.
      while (this.manager.undoStack.length > this.maxDepth) this.manager.undoStack.shift();
      while (this.manager.redoStack.length > this.maxDepth) this.manager.redoStack.shift();
      this.emit();
    });
    this.manager.on('stack-item-popped', () => this.emit());
    this.manager.on('stack-cleared', () => this.emit());
  }

  get canUndo(): boolean {
    return this.manager.undoStack.length > 0;
  }
  get canRedo(): boolean {
    return this.manager.redoStack.length > 0;
  }
  /** Call when a new user action starts so it becomes its own undo step. */
  boundary(): void {
    this.manager.stopCapturing();
  }
  undo(): void {
    this.manager.stopCapturing();
    this.manager.undo();
  }
  redo(): void {
    this.manager.redo();
  }
  onChange(cb: () => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }
  destroy(): void {
    this.manager.destroy();
    this.listeners.clear();
  }
  private emit(): void {
    for (const cb of this.listeners) cb();
  }
}
