// Undo and redo per user over the shared undo manager (shared/schema/undo.ts): one Y.UndoManager
// per session tracking only this session's LocalOrigin, so my undo reverts my changes and never a
// collaborator's (ignoreRemoteMapChanges stays false, as DESIGN.md decides), with a capped depth.
import * as Y from 'yjs';
import { markUndoneImageValues, readImageAttributes } from '../../../shared/schema/imageAttributes';
import { LocalOrigin } from '../../../shared/schema/origins';
import { createUndoManager } from '../../../shared/schema/undo';

/** Changes within this window (ms) merge into one undo step unless a new action starts. */
const CAPTURE_MS = 600;

export class History {
  readonly manager: Y.UndoManager;
  private listeners = new Set<() => void>();
  /** The origin of the marks an undo leaves on the image's values: the same user, not tracked. */
  private readonly markOrigin: LocalOrigin;

  constructor(
    private readonly doc: Y.Doc,
    private readonly origin: LocalOrigin,
    maxDepth = 200,
  ) {
    this.markOrigin = new LocalOrigin(origin.userId, `${origin.sessionId}:undo-mark`);
    this.manager = createUndoManager(doc, origin, { captureTimeout: CAPTURE_MS, maxDepth });
    const emit = () => {
      for (const cb of this.listeners) cb();
    };
    this.manager.on('stack-item-added', emit);
    this.manager.on('stack-item-popped', emit);
    this.manager.on('stack-cleared', emit);
  }

  /** Whether a transaction with `origin` is this session's: its own edit, or its undo / redo. */
  isOwn(origin: unknown): boolean {
    return origin === this.origin || origin === this.manager;
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
    this.marked(() => this.manager.undo());
  }
  redo(): void {
    this.marked(() => this.manager.redo());
  }
  /** Runs an undo or redo; the image values it changes are marked as set by this user now. */
  private marked(step: () => void): void {
    const before = readImageAttributes(this.doc);
    step();
    markUndoneImageValues(this.doc, before, this.origin.userId, this.markOrigin);
  }
  /** Of these ids, one whose creation (its Y item, from `itemOf`) the next undo step would undo,
   *  deleting it and everything in it; null when none. */
  nextUndoDeletes(ids: Iterable<string>, itemOf: (id: string) => Y.Item | null | undefined): string | null {
    const stack = this.manager.undoStack;
    const step = stack[stack.length - 1];
    if (!step) return null;
    for (const id of ids) {
      const item = itemOf(id);
      if (item && Y.isDeleted(step.insertions, item.id)) return id;
    }
    return null;
  }
  onChange(cb: () => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }
  destroy(): void {
    this.manager.destroy();
    this.listeners.clear();
  }
}
