import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { encodeRle } from '../../../shared/codecs/rle';
import { createObject, initTaskDoc, listObjects } from '../../../shared/schema/annotation';
import { readTaskStatus } from '../../../shared/schema/review';
import type { Project, Storage } from '../../storage/types';
import type { HistoryRecorder } from '../history/objectHistory';
import { loadRoomDoc, mutateRoom, type LiveRooms } from '../rooms';
import { markReferences, projectReferences, readAnswer } from './markReferences';
import { readReference, referenceRoom, referencesRoom, setListed, storeAnswerOnce, writeReference } from './referenceDoc';

/** Rooms in memory, as the DocStore keeps them (a log of updates per room). */
function memoryRooms(): LiveRooms & { drop: (rooms: string[]) => void } {
  const logs = new Map<string, Uint8Array[]>();
  return {
    readState: async (room) => (logs.get(room)?.length ? Y.mergeUpdates(logs.get(room)!) : Y.encodeStateAsUpdate(new Y.Doc())),
    write: async (room, u) => void (logs.get(room) ?? logs.set(room, []).get(room)!).push(u),
    drop: (rooms) => rooms.forEach((r) => logs.delete(r)),
  };
}

const W = 20;
const H = 10;
const square = (x: number) => {
  const d = new Uint8Array(W * H);
  for (let y = 0; y < 5; y++) for (let i = x; i < x + 5; i++) d[y * W + i] = 1;
  return encodeRle(d, W, H);
};

function deps(rooms: ReturnType<typeof memoryRooms>) {
  return {
    rooms,
    storage: { meta: { listTasks: async () => [{ id: 't1' }] }, docs: { deleteRooms: async (r: string[]) => rooms.drop(r) } } as unknown as Storage,
    history: { flush: async () => {} } as unknown as HistoryRecorder,
  };
}

/** Task t1 holding a car at each of `xs`. */
const seedTask = (rooms: LiveRooms, xs: number[]) =>
  mutateRoom(rooms, 'task:t1', (doc) => {
    initTaskDoc(doc, { taskId: 't1', width: W, height: H });
    for (const x of xs) createObject(doc, { label: 'car', mask: square(x), by: 'owner' });
  });

describe('marking reference tasks', () => {
  it('two owners marking the same task at once keep the answer it held (the second does not take the cleared task for it)', async () => {
    const rooms = memoryRooms();
    const d = deps(rooms);
    const project = { id: 'p1' } as unknown as Project;
    await seedTask(rooms, [0, 10]);
    const [a, b] = await Promise.all([markReferences(d, project, ['t1'], 'owner'), markReferences(d, project, ['t1'], 'lead')]);
    expect(a.marked + b.marked).toBe(1);
    expect(a.already + b.already).toBe(1);
    expect((await readAnswer(rooms, 't1')).objects).toHaveLength(2);
    expect(await projectReferences(d, project.id)).toMatchObject([{ taskId: 't1', objects: 2, cleared: true }]);
    expect(listObjects(await loadRoomDoc(rooms, 'task:t1'))).toEqual([]);
  });

  it("an answer stored first stays: a second node's store of the cleared task writes nothing", () => {
    const doc = new Y.Doc();
    storeAnswerOnce(doc, { objects: [{ id: 'a', label: 'car', mask: square(0), attributes: {} }], image: { night: true } }, 1);
    storeAnswerOnce(doc, { objects: [], image: {} }, 2);
    expect(readReference(doc)).toEqual({ objects: [expect.objectContaining({ id: 'a' })], image: { night: true } });
  });

  it('finishes a marking cut short after the answer was stored: the task handed back, the answer kept', async () => {
    const rooms = memoryRooms();
    const d = deps(rooms);
    const project = { id: 'p1' } as unknown as Project;
    // The task still holds the answer (the process died before handing it back), listed as not cleared.
    await seedTask(rooms, [0]);
    await mutateRoom(rooms, referenceRoom('t1'), (doc) => writeReference(doc, { objects: [{ id: 'a', label: 'car', mask: square(0), attributes: {} }], image: {} }));
    await mutateRoom(rooms, referencesRoom('p1'), (doc) => setListed(doc, { taskId: 't1', by: 'owner', at: 1, objects: 1, cleared: false }));

    expect(await markReferences(d, project, ['t1'], 'owner')).toEqual({ marked: 1, already: 0, objects: 1 });
    const task = await loadRoomDoc(rooms, 'task:t1');
    expect(listObjects(task)).toEqual([]);
    expect(readTaskStatus(await loadRoomDoc(rooms, 'review:t1'))?.status).toBe('todo');
    expect((await readAnswer(rooms, 't1')).objects.map((o) => o.id)).toEqual(['a']);
    expect(await projectReferences(d, project.id)).toMatchObject([{ taskId: 't1', at: 1, cleared: true }]);
    // Now whole, marking again leaves it (and the team's work on it) alone.
    await mutateRoom(rooms, 'task:t1', (doc) => createObject(doc, { label: 'car', mask: square(10), by: 'ana' }));
    expect(await markReferences(d, project, ['t1'], 'owner')).toEqual({ marked: 0, already: 1, objects: 0 });
    expect(listObjects(await loadRoomDoc(rooms, 'task:t1'))).toHaveLength(1);
  });
});
