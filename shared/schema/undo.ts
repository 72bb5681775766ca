/**
 * Per-user undo over a task document (DESIGN.md "Undo"): one `Y.UndoManager` per editor session,
 * tracking only that session's {@link LocalOrigin}, so undo never reverts a collaborator's edit.
 */
import * as Y from 'yjs';
import { objectsMap } from './annotation';
import { imageMap, imageSetByMap } from './imageAttributes';
import type { LocalOrigin } from './origins';

/** Options of {@link createUndoManager}. */
export interface UndoOptions {
  /** Edits closer together than this (ms) undo as one step. Default 500, like Yjs. */
  captureTimeout?: number;
  /** Most undo steps kept; older ones are dropped. Default 100. */
  maxDepth?: number;
}

/**
 * An undo manager over the `objects`, `image` and `imageSetBy` maps that tracks `origin` only, with
 * `ignoreRemoteMapChanges: false` (a remote edit made after ours is not overwritten by our undo)
 * and a capped stack.
 */
export function createUndoManager(doc: Y.Doc, origin: LocalOrigin, opts: UndoOptions = {}): Y.UndoManager {
  const um = new Y.UndoManager([objectsMap(doc), imageMap(doc), imageSetByMap(doc)], {
    trackedOrigins: new Set([origin]),
    captureTimeout: opts.captureTimeout ?? 500,
    ignoreRemoteMapChanges: false,
  });
  const maxDepth = opts.maxDepth ?? 100;
  um.on('stack-item-added', () => {
    for (const stack of [um.undoStack, um.redoStack]) {
      if (stack.length > maxDepth) stack.splice(0, stack.length - maxDepth);
    }
  });
  return um;
}
