// The stock y-websocket client (npm `y-websocket`, not our code) in Node, for integration tests.
import * as decoding from 'lib0/decoding';
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { waitFor } from './waitFor';

// Each provider adds a process 'exit' listener; tests open dozens of providers on purpose.
process.setMaxListeners(Math.max(process.getMaxListeners(), 500));

export interface YClient {
  doc: Y.Doc;
  provider: WebsocketProvider;
  /** Permission-denied reasons the server sent (y-protocols auth messages). */
  denied: string[];
  /** Close events from the server: code and reason. */
  closes: Array<{ code: number; reason: string }>;
  synced(timeoutMs?: number): Promise<void>;
  destroy(): void;
}

/**
 * Connects a WebsocketProvider to `wsUrl` (ws://host/sync) for `room` with `token`.
 * BroadcastChannel is off: in one Node process providers of the same room would otherwise sync
 * with each other directly, around the server, and hide what the server refuses.
 */
export function connectClient(wsUrl: string, room: string, token: string, doc = new Y.Doc(), opts: { connect?: boolean; maxBackoffTime?: number } = {}): YClient {
  const provider = new WebsocketProvider(wsUrl, room, doc, {
    params: { token },
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    connect: opts.connect ?? true,
    maxBackoffTime: opts.maxBackoffTime ?? 200,
  });
  const denied: string[] = [];
  const closes: Array<{ code: number; reason: string }> = [];
  // The provider logs permission-denied with console.warn; record it instead.
  provider.messageHandlers[2] = (_enc, dec) => {
    // auth message: varUint(0 = permission denied), varString(reason)
    if (decoding.readVarUint(dec) === 0) denied.push(decoding.readVarString(dec));
  };
  provider.on('connection-close', (ev) => {
    if (ev) closes.push({ code: ev.code, reason: ev.reason });
  });
  return {
    doc,
    provider,
    denied,
    closes,
    async synced(timeoutMs = 10_000) {
      await waitFor(() => provider.synced, `${room} to sync`, timeoutMs);
    },
    destroy() {
      provider.destroy();
    },
  };
}

/** A copy of a room's document as a client syncs it now (connected, synced, then closed). */
export async function roomSnapshot(wsUrl: string, room: string, token: string): Promise<Y.Doc> {
  const c = connectClient(wsUrl, room, token);
  await c.synced();
  const doc = new Y.Doc();
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(c.doc));
  c.destroy();
  return doc;
}
