// Compaction of a room's update log: replay everything into a fresh Y.Doc and re-encode its state.
// Not Y.mergeUpdates: merging keeps every overwritten value (each replaced mask stays in the
// output; DESIGN.md measured 955 KB against 106 KB), while replaying lets Yjs garbage-collect
// deleted content. Updates whose dependencies are missing stay pending in the doc and
// encodeStateAsUpdate includes them, so nothing stored is dropped.
import type * as Yjs from 'yjs';
import type { DocStore } from './types';

export interface CompactResult {
  /** Log rows before compaction. */
  rowsBefore: number;
  /** Bytes of update data before, and of the snapshot after. */
  bytesBefore: number;
  bytesAfter: number;
  /** The seq the snapshot took (rows after it were kept). */
  uptoSeq: number;
}

/**
 * Compacts `room` in `docs`. `Y` is the caller's yjs module (one yjs instance per process: passing
 * it avoids importing a second copy). Returns null when the room has nothing stored or is already
 * a single row.
 */
export async function compactRoom(docs: DocStore, room: string, Y: typeof Yjs): Promise<CompactResult | null> {
  const stored = await docs.load(room);
  if (stored.updates.length <= 1) return null;
  const doc = new Y.Doc();
  try {
    Y.transact(doc, () => {
      for (const u of stored.updates) Y.applyUpdate(doc, u);
    });
    const snapshot = Y.encodeStateAsUpdate(doc);
    await docs.compact(room, snapshot, stored.lastSeq);
    return {
      rowsBefore: stored.updates.length,
      bytesBefore: stored.updates.reduce((n, u) => n + u.byteLength, 0),
      bytesAfter: snapshot.byteLength,
      uptoSeq: stored.lastSeq,
    };
  } finally {
    doc.destroy();
  }
}
