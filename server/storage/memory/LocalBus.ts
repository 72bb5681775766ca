// The single-node room bus: there are no other nodes, so publishing reaches nobody and a
// subscription never fires. The sync server uses the same code path for one node and for many.
import type { BusMessageKind, RoomBus } from '../types';

export class LocalBus implements RoomBus {
  constructor(readonly nodeId: string) {}

  async publish(_room: string, _kind: BusMessageKind, _data: Uint8Array): Promise<void> {}

  subscribe(_room: string, _handler: (kind: BusMessageKind, data: Uint8Array) => void): () => void {
    return () => {};
  }

  async close(): Promise<void> {}
}
