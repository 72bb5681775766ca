import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { clearTaskFlag, createThread, reply, resolveThread, setObjectVerdict, setTaskFlag, setTaskStatus } from '../../shared/schema/review';
import type { ObjectId, TaskId } from '../../shared/schema/ids';
import { createLogger } from '../logger';
import type { Task, TaskStatus } from '../storage/types';
import { FlagMirror, ReviewRowMirrors, StatusMirror, ThreadsMirror, ToFixMirror } from './rowMirrors';

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

  it('ToFixMirror: counts the objects whose current verdict asks for changes and the open comments on the image, down to 0', async () => {
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
    // "A car is missing here": a reviewer's request on the image counts until resolved; a thread on
    // an object or a question on the image does not.
    const missing = createThread(doc, { objectId: null, x: 40, y: 30, by: 'rita', text: 'a car is missing here', request: true });
    createThread(doc, { objectId: 'o1' as ObjectId, x: 4, y: 3, by: 'rita', text: 'nice' });
    createThread(doc, { objectId: null, x: 9, y: 9, by: 'ana', text: 'is the shadow part of it?' });
    mirror.update(T, doc);
    await mirror.idle();
    expect(writes.at(-1)).toBe(1);
    resolveThread(doc, missing, 'ana');
    mirror.update(T, doc);
    await mirror.idle();
    expect(writes.at(-1)).toBe(0);
  });

  it('ThreadsMirror: counts the open threads and the names mentioned in them, none once resolved', async () => {
    const writes: Array<{ open: number; mentioned: string[] }> = [];
    const mirror = new ThreadsMirror({ setTaskThreads: async (_id, s) => void writes.push(s) }, log);
    const doc = new Y.Doc();
    const first = createThread(doc, { objectId: null, x: 1, y: 2, by: 'rita', text: '@Ana is this a car?', mentions: ['Ana'] });
    createThread(doc, { objectId: null, x: 5, y: 5, by: 'rita', text: 'blurry corner' });
    reply(doc, first, { by: 'ana', text: '@Rita @Bo yes', mentions: ['Rita', 'Bo'] });
    mirror.update(T, doc);
    await mirror.idle();
    expect(writes).toEqual([{ open: 2, mentioned: ['Ana', 'Bo', 'Rita'] }]);
    resolveThread(doc, first, 'ana');
    mirror.update(T, doc);
    await mirror.idle();
    expect(writes.at(-1)).toEqual({ open: 1, mentioned: [] });
  });

  it('ReviewRowMirrors: startup reads each room once for every column and corrects only what differs', async () => {
    const written: string[] = [];
    const meta = {
      setTaskStatus: async (id: TaskId, s: TaskStatus) => void written.push(`${id} status ${s}`),
      setTaskFlag: async (id: TaskId, f: string | null) => void written.push(`${id} flag ${f}`),
      setTaskToFix: async (id: TaskId, n: number) => void written.push(`${id} toFix ${n}`),
      setTaskThreads: async (id: TaskId, s: { open: number }) => void written.push(`${id} threads ${s.open}`),
    };
    const mirrors = new ReviewRowMirrors(meta, log);
    const a = new Y.Doc();
    setTaskStatus(a, 'in_review', 'ana');
    setObjectVerdict(a, 'o1' as ObjectId, { verdict: 'changes_requested', by: 'rita', message: 'the mirror' });
    const b = new Y.Doc(); // matches its row: nothing to write
    const rows = [
      { id: 'a', status: 'todo', flag: null, toFix: 0, openThreads: 0, mentioned: [] },
      { id: 'b', status: 'todo', flag: null, toFix: 0, openThreads: 0, mentioned: [] },
    ] as unknown as Task[];
    const reads: string[] = [];
    const fixed = await mirrors.reconcile(async () => rows, async (id, fn) => (reads.push(id), fn(id === 'a' ? a : b)), () => false);
    expect(reads).toEqual(['a', 'b']);
    expect(fixed).toBe(3);
    expect(written.sort()).toEqual(['a status in_review', 'a threads 1', 'a toFix 1']);
    // Rooms loaded later (someone opens the task) write nothing where the reconcile found the row equal.
    mirrors.update('b' as TaskId, b);
    mirrors.update('a' as TaskId, a);
    await mirrors.idle();
    expect(written).toHaveLength(3);
  });
});
