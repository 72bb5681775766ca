// The task rows' objects per label follow the task rooms: counted once edits settle (one write
// for a burst), not written again when nothing changed, written at shutdown when a settle is
// pending, and at start for rows never counted or whose rooms were stored further since they were
// counted (a crash in the settle wait); a task deleted meanwhile is no error.
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { encodeRle } from '../../shared/codecs/rle';
import { createObject, deleteObject, initTaskDoc, setAttributes, setMask } from '../../shared/schema/annotation';
import { setImageAttributes } from '../../shared/schema/imageAttributes';
import type { TaskId } from '../../shared/schema/ids';
import { ErrorCode, TandemError } from '../../shared/protocol/errors';
import { createLogger } from '../logger';
import type { Task } from '../storage/types';
import { countObjects, LabelCountsMirror } from './labelCounts';

const W = 8;
const H = 6;
const square = () => {
  const data = new Uint8Array(W * H);
  data[2 * W + 3] = 1;
  return encodeRle(data, W, H);
};
const log = createLogger({ level: 'silent' });

/** Task rooms in memory and the rows the mirror writes. */
function world() {
  const docs = new Map<string, Y.Doc>();
  const rows = new Map<string, Record<string, number>>();
  const images = new Map<string, Record<string, unknown> | undefined>();
  const attributes = new Map<string, unknown>();
  const checks = new Map<string, unknown>();
  /** Each room's last stored seq, as the doc store would say, and the seq each row recorded. */
  const seqs = new Map<string, number>();
  const rowSeqs = new Map<string, number | null>();
  const writes: string[] = [];
  const gone = new Set<string>();
  const doc = (taskId: string) => {
    let d = docs.get(`task:${taskId}`);
    if (!d) {
      docs.set(`task:${taskId}`, (d = new Y.Doc()));
      initTaskDoc(d, { taskId, width: W, height: H });
    }
    return d;
  };
  const meta = {
    async setTaskLabelCounts(id: TaskId, counts: Record<string, number>, seq?: number | null, image?: Record<string, unknown>, attrs?: unknown, check?: unknown) {
      if (gone.has(id)) throw new TandemError(ErrorCode.NotFound, 'no such task');
      writes.push(id);
      checks.set(id, check);
      rows.set(id, counts);
      images.set(id, image);
      attributes.set(id, attrs);
      rowSeqs.set(id, seq ?? null);
    },
  };
  const mirror = new LabelCountsMirror(meta, async (room, fn) => fn(docs.get(room) ?? new Y.Doc()), log, {
    settleMs: 30,
    maxWaitMs: 200,
    lastSeq: async (room) => seqs.get(room) ?? 0,
    lastSeqs: async (prefix) => new Map([...seqs].filter(([r]) => r.startsWith(prefix))),
  });
  return { doc, rows, images, attributes, checks, rowSeqs, seqs, writes, gone, mirror };
}

const mirrors: LabelCountsMirror[] = [];
afterEach(async () => {
  for (const m of mirrors.splice(0)) await m.stop();
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('objects per label, mirrored', () => {
  it('counts the objects with a mask per label', () => {
    const { doc } = world();
    const d = doc('t1');
    createObject(d, { label: 'car', mask: square(), by: 'ana' });
    createObject(d, { label: 'car', mask: square(), by: 'ana' });
    createObject(d, { label: 'person', mask: square(), by: 'ana' });
    createObject(d, { label: 'person', mask: null, by: 'ana' }); // being drawn: no mask yet
    expect(countObjects(d).labels).toEqual({ car: 2, person: 1 });
    expect(countObjects(new Y.Doc()).labels).toEqual({});
  });

  it("counts the same objects' attribute values per label, and writes when only they change", async () => {
    const w = world();
    mirrors.push(w.mirror);
    const d = w.doc('t1');
    const a = createObject(d, { label: 'car', mask: square(), by: 'ana', attributes: { occluded: true, colour: 'red' } });
    createObject(d, { label: 'car', mask: square(), by: 'ana', attributes: { occluded: false } });
    createObject(d, { label: 'car', mask: null, by: 'ana', attributes: { occluded: true } }); // no mask: not counted, as in labelCounts
    createObject(d, { label: 'person', mask: square(), by: 'ana' });
    expect(countObjects(d)).toMatchObject({ labels: { car: 2, person: 1 }, attributes: { car: { occluded: { true: 1, false: 1 }, colour: { '"red"': 1 } } } });
    w.mirror.changed('t1' as TaskId);
    await sleep(60);
    await w.mirror.idle();
    expect(w.attributes.get('t1')).toEqual({ car: { occluded: { true: 1, false: 1 }, colour: { '"red"': 1 } } });
    setAttributes(d, a, { occluded: false, colour: null }, 'ana'); // the counts per label are as they were
    w.mirror.changed('t1' as TaskId);
    await sleep(60);
    await w.mirror.idle();
    expect(w.attributes.get('t1')).toEqual({ car: { occluded: { false: 2 } } });
    expect(w.writes).toEqual(['t1', 't1']);
  });

  it("mirrors the masks' checks with the counts, and writes when only they change", async () => {
    const w = world();
    mirrors.push(w.mirror);
    const d = w.doc('t1');
    const big = (x0: number) => {
      const data = new Uint8Array(W * H);
      for (let y = 0; y < 4; y++) for (let x = x0; x < x0 + 4; x++) data[y * W + x] = 1;
      return encodeRle(data, W, H);
    };
    createObject(d, { label: 'car', mask: big(0), by: 'ana' });
    const b = createObject(d, { label: 'car', mask: big(0), by: 'ben' }); // the same car, drawn twice
    w.mirror.changed('t1' as TaskId);
    await sleep(60);
    await w.mirror.idle();
    expect(w.checks.get('t1')).toEqual({ duplicate: 1, specks: 0, tiny: 0, byLabel: {}, pairs: [[1, 1, 1]], small: {}, pieces: {} });
    setMask(d, b, big(4), 'ben'); // moved onto the next car: the counts per label are as they were
    w.mirror.changed('t1' as TaskId);
    await sleep(60);
    await w.mirror.idle();
    expect(w.checks.get('t1')).toEqual({ duplicate: 0, specks: 0, tiny: 0, byLabel: {}, pairs: [], small: {}, pieces: {} });
    expect(w.writes).toEqual(['t1', 't1']);
  });

  it('writes once a burst of edits settles, and not again when nothing changed', async () => {
    const w = world();
    mirrors.push(w.mirror);
    const d = w.doc('t1');
    for (let i = 0; i < 5; i++) {
      createObject(d, { label: 'car', mask: square(), by: 'ana' });
      w.mirror.changed('t1' as TaskId);
      await sleep(5);
    }
    expect(w.writes).toEqual([]); // still editing
    await sleep(60);
    await w.mirror.idle();
    expect(w.rows.get('t1')).toEqual({ car: 5 });
    expect(w.writes).toEqual(['t1']);
    w.mirror.changed('t1' as TaskId); // a change that changes no count (a mask redrawn)
    await sleep(60);
    await w.mirror.idle();
    expect(w.writes).toEqual(['t1']);
    const [first] = [...d.getMap('objects').keys()];
    deleteObject(d, first as never);
    w.mirror.changed('t1' as TaskId);
    await sleep(60);
    await w.mirror.idle();
    expect(w.rows.get('t1')).toEqual({ car: 4 });
  });

  it("mirrors the image's own attributes with the counts, and writes when only they change", async () => {
    const w = world();
    mirrors.push(w.mirror);
    const d = w.doc('t1');
    createObject(d, { label: 'car', mask: square(), by: 'ana' });
    setImageAttributes(d, { weather: 'rain' });
    w.mirror.changed('t1' as TaskId);
    await sleep(60);
    await w.mirror.idle();
    expect([w.rows.get('t1'), w.images.get('t1')]).toEqual([{ car: 1 }, { weather: 'rain' }]);
    setImageAttributes(d, { weather: 'snow', night: true }); // the objects are as they were
    w.mirror.changed('t1' as TaskId);
    await sleep(60);
    await w.mirror.idle();
    expect(w.images.get('t1')).toEqual({ weather: 'snow', night: true });
    expect(w.writes).toEqual(['t1', 't1']);
  });

  it('edits that never pause are counted by the longest wait; a pending count is written at shutdown', async () => {
    const w = world();
    const d = w.doc('t1');
    const end = Date.now() + 500; // well past the longest wait (200 ms)
    while (Date.now() < end) {
      createObject(d, { label: 'person', mask: square(), by: 'ana' });
      w.mirror.changed('t1' as TaskId);
      await sleep(10);
    }
    expect(w.writes.length).toBeGreaterThanOrEqual(1);
    createObject(d, { label: 'dog', mask: square(), by: 'ana' });
    w.mirror.changed('t1' as TaskId);
    await w.mirror.stop();
    expect(w.rows.get('t1')).toMatchObject({ dog: 1 });
  });

  it('counts at start the rows never counted and those whose rooms were stored further since; a task deleted meanwhile is no error', async () => {
    const w = world();
    mirrors.push(w.mirror);
    createObject(w.doc('old'), { label: 'car', mask: square(), by: 'ana' });
    w.doc('empty');
    w.doc('gone');
    w.gone.add('gone');
    for (const id of ['known', 'moved', 'legacy']) createObject(w.doc(id), { label: 'car', mask: square(), by: 'ana' });
    createObject(w.doc('moved'), { label: 'car', mask: square(), by: 'ana' }); // stored; the server died before counting it
    for (const [room, seq] of [['old', 1], ['known', 3], ['moved', 5], ['legacy', 2]] as const) w.seqs.set(`task:${room}`, seq);
    const rows = [
      { id: 'old', labelCounts: null, labelCountsSeq: null },
      { id: 'known', labelCounts: { car: 1 }, labelCountsSeq: 3 },
      { id: 'unattributed', labelCounts: { car: 1 }, labelCountsSeq: 3, attributeCounts: null }, // counted before attribute counts
      { id: 'moved', labelCounts: { car: 1 }, labelCountsSeq: 3 },
      { id: 'legacy', labelCounts: { car: 1 }, labelCountsSeq: null }, // counted by a Tandem that kept no seq
      { id: 'new', labelCounts: {}, labelCountsSeq: 0 }, // uploaded, never opened
      { id: 'perLabel', labelCounts: { car: 1 }, labelCountsSeq: 3, objectChecks: { duplicate: 0, specks: 0, tiny: 0 } }, // checks counted before they were kept per label
      { id: 'empty', labelCounts: null, labelCountsSeq: null },
      { id: 'gone', labelCounts: null, labelCountsSeq: null },
    ] as unknown as Task[];
    createObject(w.doc('unattributed'), { label: 'car', mask: square(), by: 'ana', attributes: { occluded: true } });
    w.seqs.set('task:unattributed', 3);
    createObject(w.doc('perLabel'), { label: 'car', mask: square(), by: 'ana' });
    w.seqs.set('task:perLabel', 3);
    expect(await w.mirror.fillStale(async () => rows, () => false)).toBe(7);
    expect(Object.fromEntries(w.rows)).toEqual({ old: { car: 1 }, unattributed: { car: 1 }, moved: { car: 2 }, legacy: { car: 1 }, empty: {}, perLabel: { car: 1 } });
    expect(w.attributes.get('unattributed')).toEqual({ car: { occluded: { true: 1 } } });
    expect(Object.fromEntries(w.rowSeqs)).toEqual({ old: 1, unattributed: 3, moved: 5, legacy: 2, empty: 0, perLabel: 3 });
  });
});
