import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { mutateRoom, type LiveRooms } from './rooms';

/** One room in memory: its stored updates, and what was written. */
function memoryRooms(start: Y.Doc): LiveRooms & { writes: Uint8Array[] } {
  const stored = [Y.encodeStateAsUpdate(start)];
  const writes: Uint8Array[] = [];
  return {
    writes,
    readState: async () => Y.mergeUpdates(stored),
    write: async (_room, u) => {
      writes.push(u);
      stored.push(u);
    },
  };
}

describe('mutateRoom', () => {
  it('writes nothing when the change changes nothing, in a room that ever had a deletion', async () => {
    const doc = new Y.Doc();
    doc.getMap('image').set('weather', 'rain');
    doc.getMap('image').delete('weather');
    doc.getMap('image').set('night', true);
    const rooms = memoryRooms(doc);
    expect(await mutateRoom(rooms, 'task:t', () => {})).toBe(false);
    expect(await mutateRoom(rooms, 'task:t', (d) => d.transact(() => {}))).toBe(false);
    expect(rooms.writes).toHaveLength(0);
  });

  it('writes what the change made (a deletion alone too), once', async () => {
    const doc = new Y.Doc();
    doc.getMap('image').set('night', true);
    const rooms = memoryRooms(doc);
    expect(await mutateRoom(rooms, 'task:t', (d) => d.getMap('image').delete('night'))).toBe(true);
    expect(await mutateRoom(rooms, 'task:t', (d) => (d.getMap('image').set('a', 1), d.getMap('image').set('b', 2)))).toBe(true);
    expect(rooms.writes).toHaveLength(2);
    const after = new Y.Doc();
    Y.applyUpdate(after, await rooms.readState('task:t'));
    expect(after.getMap('image').toJSON()).toEqual({ a: 1, b: 2 });
  });
});
