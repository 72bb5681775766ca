// What a loaded room does when the room bus says it may have missed updates of other nodes (Redis
// restarted without its data, a stream trimmed past this node's last read, an outbox overflow):
// the seam between server/storage/redis (which detects it) and server/sync (which owns the doc).
//
// The sync layer wires it in Room.load, next to its bus subscription:
//   const offResync = deps.storage.bus.onResync?.(name, () => void resyncRoom({
//     room: name, doc: room.doc, storage: deps.storage, origin: BusOrigin, log: room.log }));
// (and calls offResync() where it unsubscribes). `origin: BusOrigin` matters: what comes back from
// PostgreSQL is relayed to this node's sockets but neither appended again nor re-published update
// by update.
import * as Y from 'yjs';
import type { Logger } from '../logger';
import type { Storage } from '../storage/types';

export interface ResyncInput {
  room: string;
  doc: Y.Doc;
  storage: Pick<Storage, 'docs' | 'bus'>;
  /** The origin the sync layer gives updates from other nodes (relayed, never re-stored). */
  origin: unknown;
  log: Logger;
}

/**
 * 1. Flushes this node's pending appends, so what only this node had is in PostgreSQL.
 * 2. Applies everything PostgreSQL holds for the room (Yjs ignores what the doc already has; the
 *    rest reaches this node's clients through the doc's update handler).
 * 3. Publishes the doc's full state once, so a node that reloaded before step 1 of this node's
 *    own resync still receives what only this node had.
 */
export async function resyncRoom({ room, doc, storage, origin, log }: ResyncInput): Promise<void> {
  try {
    await storage.docs.flush();
    const { updates } = await storage.docs.load(room);
    Y.transact(doc, () => {
      for (const u of updates) {
        try {
          Y.applyUpdate(doc, u);
        } catch (e) {
          log.error({ err: e, room }, 'skipping an unreadable stored update during resync');
        }
      }
    }, origin);
    await storage.bus.publish(room, 'update', Y.encodeStateAsUpdate(doc));
    log.info({ room, rows: updates.length }, 'room resynced from the durable store');
  } catch (e) {
    // The next reconnection signals again; meanwhile clients keep what they have.
    log.error({ err: e, room }, 'room resync failed');
  }
}
