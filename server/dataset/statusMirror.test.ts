import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { clearTaskFlag, setObjectVerdict, setTaskFlag, setTaskStatus } from '../../shared/schema/review';
import type { ObjectId, TaskId } from '../../shared/schema/ids';
import { createLogger } from '../logger';
import type { Task, TaskStatus } from '../storage/types';
import { FlagMirror, StatusMirror, ToFixMirror } from './statusMirror';

const log = createLogger({ level: 'silent' });
const T = 't1' as TaskId;

/** A task row whose writes take `ms` and can be made to fail. */
function slowRow(ms: number) {
  const row = { status: 'todo' as TaskStatus, writes: [] as TaskStatus[], failNext: false };
  const meta = {
    async setTaskStatus(_id: TaskId, s: TaskStatus) {
      await new Promise((r) => setTimeout(r, ms));
      if (row.failNext) {
        row.failNext = false;
        throw new Error('database down');
      }
      row.writes.push(s);
      row.status = s;
    },
  };
  return { row, meta };
}

describe('StatusMirror', () => {
  it('ends at the latest status when statuses arrive during a slow write, one write at a time', async () => {
    const { row, meta } = slowRow(20);
    const mirror = new StatusMirror(meta, log);
    const doc = new Y.Doc();
    for (const s of ['in_progress', 'in_review', 'done'] as const) {
      setTaskStatus(doc, s, 'ana');
      mirror.update(T, doc);
    }
    await mirror.idle();
    expect(row.status).toBe('done');
    expect(row.writes).toEqual(['in_progress', 'done']); // the middle one was overtaken while the first ran
    mirror.update(T, doc); // an update that does not move the status (a comment) writes nothing
    await mirror.idle();
    expect(row.writes).toHaveLength(2);
  });

  it('writes nothing for a room without a status, and catches up after a failed write', async () => {
    const { row, meta } = slowRow(1);
    const mirror = new StatusMirror(meta, log);
    const doc = new Y.Doc();
    mirror.update(T, doc);
    await mirror.idle();
    expect(row.writes).toEqual([]);
    row.failNext = true;
    setTaskStatus(doc, 'in_review', 'ana');
    mirror.update(T, doc);
    await mirror.idle();
    expect(row.status).toBe('todo');
    mirror.update(T, doc); // the room's next change (or load) tries again
    await mirror.idle();
    expect(row.status).toBe('in_review');
  });

  it('reconcile corrects the rows behind their review rooms, and leaves a status that came live alone', async () => {
    const { row, meta } = slowRow(1);
    const mirror = new StatusMirror(meta, log);
    const task = (id: string, status: TaskStatus) => ({ id: id as TaskId, status }) as Task;
    const rooms: Record<string, TaskStatus | null> = { a: 'in_review', b: 'todo', c: null, d: 'done' };
    // 'd' changes live while the check runs: the live status is newer than what the check read.
    const live = new Y.Doc();
    setTaskStatus(live, 'in_progress', 'ana');
    const fixed = await mirror.reconcile(
      async () => [task('a', 'todo'), task('b', 'todo'), task('c', 'todo'), task('d', 'todo')],
      async (id) => {
        if (id === 'd') mirror.update('d' as TaskId, live);
        return rooms[id] ?? undefined; // a room without a status says nothing
      },
      () => false,
    );
    expect(fixed).toBe(1);
    expect(row.writes).toEqual(['in_review', 'in_progress']);
    // Stopped: nothing more is read.
    let reads = 0;
    await mirror.reconcile(async () => [task('a', 'todo')], async () => (reads++, 'done'), () => true);
    expect(reads).toBe(0);
  });

  it('FlagMirror: a room never flagged writes nothing; a flag writes its reason, taking it off writes null', async () => {
    const writes: Array<string | null> = [];
    const mirror = new FlagMirror({ setTaskFlag: async (_id, f) => void writes.push(f) }, log);
    const doc = new Y.Doc();
    setTaskStatus(doc, 'in_progress', 'ana');
    mirror.update(T, doc);
    await mirror.idle();
    expect(writes).toEqual([]);
    setTaskFlag(doc, { reason: 'corrupt', note: 'half of it is grey' }, 'ana');
    mirror.update(T, doc);
    clearTaskFlag(doc);
    mirror.update(T, doc);
    await mirror.idle();
    expect(writes.at(-1)).toBeNull();
    expect(writes[0]).toBe('corrupt');
  });

  it('ToFixMirror: counts the objects whose current verdict asks for changes, down to 0 once approved', async () => {
    const writes: number[] = [];
    const mirror = new ToFixMirror({ setTaskToFix: async (_id, n) => void writes.push(n) }, log);
    const doc = new Y.Doc();
    const ask = (id: string) => setObjectVerdict(doc, id as ObjectId, { verdict: 'changes_requested', by: 'rita', message: 'the mirror is missing' });
    ask('o1');
    ask('o2');
    setObjectVerdict(doc, 'o3' as ObjectId, { verdict: 'approved', by: 'rita' });
    mirror.update(T, doc);
    await mirror.idle();
    expect(writes).toEqual([2]);
    setObjectVerdict(doc, 'o1' as ObjectId, { verdict: 'approved', by: 'rita' });
    mirror.update(T, doc);
    setObjectVerdict(doc, 'o2' as ObjectId, { verdict: 'approved', by: 'rita' });
    mirror.update(T, doc);
    await mirror.idle();
    expect(writes.at(-1)).toBe(0);
  });
});
