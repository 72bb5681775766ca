import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { decodeAwarenessUpdate, decodeFrame, encodeAwareness, encodeAwarenessUpdate, encodeSyncStep1, encodeSyncStep2, encodeUpdate, isNoopUpdate } from './messages';

describe('y-websocket frames', () => {
  it('decodes what the encoders write', () => {
    const doc = new Y.Doc();
    doc.getMap('m').set('a', 1);
    expect(decodeFrame(encodeSyncStep1(doc))).toEqual({ type: 'step1', stateVector: Y.encodeStateVector(doc) });
    expect(decodeFrame(encodeSyncStep2(doc)).type).toBe('step2');
    const u = Y.encodeStateAsUpdate(doc);
    expect(decodeFrame(encodeUpdate(u))).toEqual({ type: 'update', update: u });
    expect(decodeFrame(new Uint8Array([3]))).toEqual({ type: 'queryAwareness' });
  });

  it('rejects unknown types, truncated payloads and trailing bytes', () => {
    expect(() => decodeFrame(new Uint8Array([9]))).toThrow();
    expect(() => decodeFrame(new Uint8Array([0, 5, 0]))).toThrow();
    expect(() => decodeFrame(new Uint8Array([0, 2, 10, 1]))).toThrow();
    expect(() => decodeFrame(new Uint8Array([0, 0, 0, 1]))).toThrow();
    expect(() => decodeFrame(new Uint8Array([]))).toThrow();
  });

  it('round-trips awareness updates and rejects non-object states', () => {
    const entries = [
      { clientID: 7, clock: 3, state: { user: { name: 'a' }, cursor: { x: 1, y: 2 } } },
      { clientID: 9, clock: 1, state: null },
    ];
    expect(decodeAwarenessUpdate(encodeAwarenessUpdate(entries))).toEqual(entries);
    expect(decodeFrame(encodeAwareness(encodeAwarenessUpdate(entries))).type).toBe('awareness');
    const bad = encodeAwarenessUpdate([{ clientID: 1, clock: 1, state: null }]);
    bad[bad.length - 4] = 0x31; // "null" → "1ull": not JSON
    expect(() => decodeAwarenessUpdate(bad)).toThrow();
  });

  it('tells echoes from new content, deletions included', () => {
    const server = new Y.Doc();
    const client = new Y.Doc();
    server.getArray('a').push([1, 2, 3]);
    Y.applyUpdate(client, Y.encodeStateAsUpdate(server));
    // The client's full state is an echo: nothing new.
    expect(isNoopUpdate(server, Y.encodeStateAsUpdate(client))).toBe(true);
    // A new insert is not.
    client.getArray('a').push([4]);
    expect(isNoopUpdate(server, Y.encodeStateAsUpdate(client, Y.encodeStateVector(server)))).toBe(false);
    // A deletion alone (state vector unchanged on the server side) is not either.
    const del = new Y.Doc();
    Y.applyUpdate(del, Y.encodeStateAsUpdate(server));
    del.getArray('a').delete(0, 1);
    expect(isNoopUpdate(server, Y.encodeStateAsUpdate(del, Y.encodeStateVector(server)))).toBe(false);
  });
});
