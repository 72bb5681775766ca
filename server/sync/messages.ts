// The y-websocket wire format: every frame is varUint(messageType) followed by its payload.
// Sync frames carry a y-protocols sync message (step 1, step 2 or update); awareness frames an
// awareness update; auth frames the y-protocols permission-denied message.
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as authProtocol from 'y-protocols/auth';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';

export const MessageType = {
  Sync: 0,
  Awareness: 1,
  Auth: 2,
  QueryAwareness: 3,
} as const;

export const SyncType = {
  Step1: syncProtocol.messageYjsSyncStep1,
  Step2: syncProtocol.messageYjsSyncStep2,
  Update: syncProtocol.messageYjsUpdate,
} as const;

/** A decoded client frame. Throws on anything that is not a well-formed y-websocket message. */
export type ClientFrame =
  | { type: 'step1'; stateVector: Uint8Array }
  | { type: 'step2' | 'update'; update: Uint8Array }
  | { type: 'awareness'; update: Uint8Array }
  | { type: 'queryAwareness' }
  | { type: 'auth' };

export function decodeFrame(data: Uint8Array): ClientFrame {
  const d = decoding.createDecoder(data);
  const type = decoding.readVarUint(d);
  let frame: ClientFrame;
  switch (type) {
    case MessageType.Sync: {
      const sync = decoding.readVarUint(d);
      const payload = decoding.readVarUint8Array(d);
      if (sync === SyncType.Step1) frame = { type: 'step1', stateVector: payload };
      else if (sync === SyncType.Step2) frame = { type: 'step2', update: payload };
      else if (sync === SyncType.Update) frame = { type: 'update', update: payload };
      else throw new Error(`unknown sync message ${sync}`);
      break;
    }
    case MessageType.Awareness:
      frame = { type: 'awareness', update: decoding.readVarUint8Array(d) };
      break;
    case MessageType.QueryAwareness:
      return { type: 'queryAwareness' };
    case MessageType.Auth:
      return { type: 'auth' };
    default:
      throw new Error(`unknown message type ${type}`);
  }
  // Length-prefixed payloads must fill the frame exactly: trailing bytes mean a corrupt frame.
  if (decoding.hasContent(d)) throw new Error('trailing bytes after message');
  return frame;
}

export function encodeSyncStep1(doc: Y.Doc): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MessageType.Sync);
  syncProtocol.writeSyncStep1(e, doc);
  return encoding.toUint8Array(e);
}

export function encodeSyncStep2(doc: Y.Doc, stateVector?: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MessageType.Sync);
  syncProtocol.writeSyncStep2(e, doc, stateVector);
  return encoding.toUint8Array(e);
}

export function encodeUpdate(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MessageType.Sync);
  syncProtocol.writeUpdate(e, update);
  return encoding.toUint8Array(e);
}

export function encodeAwareness(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MessageType.Awareness);
  encoding.writeVarUint8Array(e, update);
  return encoding.toUint8Array(e);
}

export function encodePermissionDenied(reason: string): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MessageType.Auth);
  authProtocol.writePermissionDenied(e, reason);
  return encoding.toUint8Array(e);
}

/**
 * Whether applying `update` would change nothing: every struct and deletion it carries is already
 * in the document. A read-only client's sync step 2 is usually such an echo (the delete set is
 * always sent whole), and it must not be reported as a refused write.
 */
export function isNoopUpdate(doc: Y.Doc, update: Uint8Array): boolean {
  return Y.snapshotContainsUpdate(Y.snapshot(doc), update);
}

/** One entry of an awareness update: client id, its clock and its state (null = removed). */
export interface AwarenessEntry {
  clientID: number;
  clock: number;
  state: Record<string, unknown> | null;
}

/** Decodes an awareness update (the y-protocols layout: count, then id, clock, JSON state). */
export function decodeAwarenessUpdate(update: Uint8Array): AwarenessEntry[] {
  const d = decoding.createDecoder(update);
  const n = decoding.readVarUint(d);
  const out: AwarenessEntry[] = [];
  for (let i = 0; i < n; i++) {
    const clientID = decoding.readVarUint(d);
    const clock = decoding.readVarUint(d);
    const state = JSON.parse(decoding.readVarString(d)) as unknown;
    if (state !== null && (typeof state !== 'object' || Array.isArray(state))) throw new Error('awareness state must be an object or null');
    out.push({ clientID, clock, state: state as Record<string, unknown> | null });
  }
  if (decoding.hasContent(d)) throw new Error('trailing bytes after awareness update');
  return out;
}

export function encodeAwarenessUpdate(entries: AwarenessEntry[]): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, entries.length);
  for (const en of entries) {
    encoding.writeVarUint(e, en.clientID);
    encoding.writeVarUint(e, en.clock);
    encoding.writeVarString(e, JSON.stringify(en.state));
  }
  return encoding.toUint8Array(e);
}
