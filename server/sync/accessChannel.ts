// Access changes that every node must apply to its own sockets: a member taken out of a project or
// given another role (their sockets of it close), a task deleted (its rooms go). The node that
// served the request applies the change to its sockets and publishes it on the room bus (kind
// `control`, a stream of its own); every other node applies it on receipt. On one node the bus
// reaches nobody and the local step is all there is. A message published while the node's Redis
// connection is down waits in the bus's outbox like an update; a node that still misses one (Redis
// lost its data) catches up at its next access sweep (accessSweep.ts: every SYNC_ACCESS_CHECK_MS,
// and when the bus resynced this stream).
import { z } from 'zod';
import type { Logger } from '../logger';
import type { RoomBus } from '../storage/types';

/** The bus stream of access changes (not a room: no client can name it, parseRoom refuses it). */
export const ACCESS_STREAM = 'tandem:access';

const Reason = z.string().max(123);
export const AccessChangeSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('closeUser'), userId: z.string().min(1).max(128), taskIds: z.array(z.string().max(64)), code: z.number().int(), reason: Reason }),
  z.object({ op: z.literal('dropRooms'), rooms: z.array(z.string().max(256)), code: z.number().int(), reason: Reason }),
]);
export type AccessChange = z.infer<typeof AccessChangeSchema>;

export interface AccessChannel {
  /** Sends a change (already applied here) to the other nodes. Never throws: a lost one is logged. */
  publish(change: AccessChange): Promise<void>;
  close(): void;
}

/** Subscribes to the other nodes' changes, applying each with `apply`. */
export function openAccessChannel(bus: RoomBus, apply: (c: AccessChange) => Promise<unknown>, log: Logger): AccessChannel {
  const off = bus.subscribe(ACCESS_STREAM, (kind, data) => {
    if (kind !== 'control') return;
    let change: AccessChange;
    try {
      change = AccessChangeSchema.parse(JSON.parse(new TextDecoder().decode(data)));
    } catch (err) {
      log.warn({ err }, 'dropping an unreadable access change from another node');
      return;
    }
    apply(change).catch((err: unknown) => log.error({ err, op: change.op }, 'applying an access change from another node failed'));
  });
  return {
    async publish(change) {
      try {
        await bus.publish(ACCESS_STREAM, 'control', new TextEncoder().encode(JSON.stringify(change)));
      } catch (err) {
        log.warn({ err, op: change.op }, 'could not tell the other nodes of an access change');
      }
    },
    close: off,
  };
}
