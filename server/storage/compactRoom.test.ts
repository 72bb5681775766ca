// compactRoom against an in-memory DocStore: the replay-and-re-encode compaction keeps the state
// (including updates that are still pending on missing dependencies) and, unlike Y.mergeUpdates,
// drops overwritten values.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { compactRoom } from './compactRoom';
import type { DocStore, StoredRoom } from './types';

/** The smallest DocStore that honours the log/compact semantics, for unit tests of compactRoom. */
function memoryDocs(): DocStore & { rows: Map<string, Array<{ seq: number; data: Uint8Array }>> } {
  const rows = new Map<string, Array<{ seq: number; data: Uint8Array }>>();
  const log = (room: string) => rows.get(room) ?? rows.set(room, []).get(room)!;
  return {
    rows,
    async append(room, update) {
      const l = log(room);
      l.push({ seq: (l.at(-1)?.seq ?? 0) + 1, data: update });
    },
    async load(room): Promise<StoredRoom> {
      const l = log(room);
      return { updates: l.map((r) => r.data), lastSeq: l.at(-1)?.seq ?? 0 };
    },
    async compact(room, snapshot, uptoSeq) {
      rows.set(room, [{ seq: uptoSeq, data: snapshot }, ...log(room).filter((r) => r.seq > uptoSeq)]);
    },
    async logLength(room) { return log(room).length; },
    async lastSeq(room) { return log(room).at(-1)?.seq ?? 0; },
    async lastSeqs(prefix) { return new Map([...rows].filter(([r, l]) => r.startsWith(prefix) && l.length).map(([r, l]) => [r, l.at(-1)!.seq])); },
    async deleteRooms(names) {
      for (const n of names) rows.delete(n);
    },
    async flush() {},
    async close() {},
  };
}

function replay(updates: Uint8Array[]): Y.Doc {
  const d = new Y.Doc();
  for (const u of updates) Y.applyUpdate(d, u);
  return d;
}

describe('compactRoom', () => {
  it('keeps the state and drops overwritten masks that Y.mergeUpdates keeps', async () => {
    const docs = memoryDocs();
    const doc = new Y.Doc();
    doc.on('update', (u: Uint8Array) => void docs.append('task:t', u));
    const objects = doc.getMap<Y.Map<unknown>>('objects');
    for (let i = 0; i < 10; i++) {
      const o = new Y.Map<unknown>();
      objects.set(`o${i}`, o);
      o.set('clicks', Y.Array.from([{ x: i, y: i, positive: true }]));
      // Ten successive masks of ~2 KB per object: only the last one is state.
      for (let v = 0; v < 10; v++) o.set('mask', { size: [100, 100], counts: `${v}${'a'.repeat(2000)}` });
    }
    objects.delete('o9');
    const before = await docs.load('task:t');
    const merged = Y.mergeUpdates(before.updates);
    const result = await compactRoom(docs, 'task:t', Y);
    const after = await docs.load('task:t');
    expect(after.updates).toHaveLength(1);
    expect(result).toMatchObject({ rowsBefore: before.updates.length, uptoSeq: before.lastSeq });
    expect(replay(after.updates).getMap('objects').toJSON()).toEqual(objects.toJSON());
    // 9 live masks of ~2 KB remain; mergeUpdates keeps all 100.
    expect(after.updates[0].byteLength).toBeLessThan(9 * 2100 + 2000);
    expect(merged.byteLength).toBeGreaterThan(90 * 2000);
  });

  it('keeps updates that wait on a missing dependency', async () => {
    const docs = memoryDocs();
    const a = new Y.Doc();
    const updates: Uint8Array[] = [];
    a.on('update', (u: Uint8Array) => updates.push(u));
    a.getArray('xs').push(['first']);
    a.getArray('xs').push(['second']);
    // The store only got the second update (the first arrives later, e.g. after a client resync).
    await docs.append('task:p', updates[1]);
    await docs.append('task:p', new Uint8Array(Y.encodeStateAsUpdate(new Y.Doc())));
    await compactRoom(docs, 'task:p', Y);
    await docs.append('task:p', updates[0]);
    expect(replay((await docs.load('task:p')).updates).getArray('xs').toArray()).toEqual(['first', 'second']);
  });

  it('does nothing for an empty or single-row room', async () => {
    const docs = memoryDocs();
    expect(await compactRoom(docs, 'task:none', Y)).toBeNull();
    await docs.append('task:one', Y.encodeStateAsUpdate(new Y.Doc()));
    expect(await compactRoom(docs, 'task:one', Y)).toBeNull();
  });
});
