import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { isTandemError } from '../protocol/errors';
import { createPrng } from './prng';
import type { ObjectId } from './ids';
import {
  clearObjectVerdict,
  createThread,
  listThreads,
  observeReview,
  parseMentions,
  readTaskStatus,
  readThread,
  readVerdicts,
  reopenThread,
  reply,
  resolveThread,
  setObjectVerdict,
  setTaskStatus,
  threadsMap,
  type TaskStatusValue,
} from './review';

const obj = 'obj1' as ObjectId;

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isTandemError(e) ? e.code : 'not a TandemError';
  }
  return undefined;
}

describe('review document', () => {
  it('threads: create, reply, resolve, reopen, list', () => {
    const doc = new Y.Doc();
    const t1 = createThread(doc, { objectId: obj, x: 10, y: 20, by: 'rev', text: 'edge is off @Ana', mentions: ['Ana'], at: 1 });
    const t2 = createThread(doc, { objectId: null, x: 1, y: 2, by: 'qa', text: 'missing object here', at: 2 });
    reply(doc, t1, { by: 'ana', text: 'fixed' });
    expect(readThread(doc, t1)).toMatchObject({
      objectId: obj, x: 10, y: 20, createdBy: 'rev', resolved: false,
      messages: [{ by: 'rev', text: 'edge is off @Ana', mentions: ['Ana'] }, { by: 'ana', text: 'fixed', mentions: [] }],
    });
    resolveThread(doc, t1, 'rev');
    expect(readThread(doc, t1)).toMatchObject({ resolved: true, resolvedBy: 'rev' });
    expect(listThreads(doc).map((t) => t.id)).toEqual([t1, t2]);
    expect(listThreads(doc, { openOnly: true }).map((t) => t.id)).toEqual([t2]);
    expect(listThreads(doc, { objectId: obj }).map((t) => t.id)).toEqual([t1]);
    expect(listThreads(doc, { objectId: null }).map((t) => t.id)).toEqual([t2]);
    reopenThread(doc, t1, 'ana');
    expect(readThread(doc, t1)!.resolved).toBe(false);
    expect(readThread(doc, t1)!.resolvedBy).toBeUndefined();
  });

  it('refuses empty messages, bad anchors and unknown threads', () => {
    const doc = new Y.Doc();
    expect(code(() => createThread(doc, { objectId: null, x: 0, y: 0, by: 'u', text: '   ' }))).toBe('validation_failed');
    expect(code(() => createThread(doc, { objectId: null, x: NaN, y: 0, by: 'u', text: 'hi' }))).toBe('validation_failed');
    expect(code(() => reply(doc, 'nope', { by: 'u', text: 'hi' }))).toBe('not_found');
    expect(code(() => resolveThread(doc, 'nope', 'u'))).toBe('not_found');
    expect(code(() => setTaskStatus(doc, 'finished' as TaskStatusValue, 'u'))).toBe('validation_failed');
    expect(threadsMap(doc).size).toBe(0);
  });

  it('verdicts: approve, request changes with a linked thread, clear', () => {
    const doc = new Y.Doc();
    expect(setObjectVerdict(doc, obj, { verdict: 'approved', by: 'rev' })).toEqual({});
    expect(readVerdicts(doc)[obj]).toMatchObject({ verdict: 'approved', by: 'rev' });
    const { threadId } = setObjectVerdict(doc, obj, { verdict: 'changes_requested', by: 'rev', message: 'tail is missing', x: 5, y: 6 });
    expect(threadId).toBeTruthy();
    expect(readVerdicts(doc)[obj]).toMatchObject({ verdict: 'changes_requested', threadId });
    expect(readThread(doc, threadId!)).toMatchObject({ objectId: obj, x: 5, y: 6, messages: [{ text: 'tail is missing' }] });
    clearObjectVerdict(doc, obj);
    expect(readVerdicts(doc)).toEqual({});
    doc.getMap('verdicts').set('junk', { verdict: 'meh' });
    expect(readVerdicts(doc)).toEqual({});
  });

  it('task status', () => {
    const doc = new Y.Doc();
    expect(readTaskStatus(doc)).toBeNull();
    setTaskStatus(doc, 'in_review', 'ana');
    expect(readTaskStatus(doc)).toMatchObject({ status: 'in_review', by: 'ana' });
  });

  it('merges concurrent replies from two peers', () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    const t = createThread(a, { objectId: obj, x: 0, y: 0, by: 'rev', text: 'first' });
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    reply(a, t, { by: 'ana', text: 'from a' });
    reply(b, t, { by: 'bo', text: 'from b' });
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    expect(readThread(a, t)!.messages).toHaveLength(3);
    expect(readThread(a, t)).toEqual(readThread(b, t));
  });
});

describe('review convergence (seeded, 5 peers, reordered and duplicated updates)', () => {
  it('all peers end with the same threads, verdicts and status, every thread valid', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const rng = createPrng(seed);
      const docs = Array.from({ length: 5 }, () => new Y.Doc());
      const pending: { to: number; u: Uint8Array }[] = [];
      docs.forEach((d, i) =>
        d.on('update', (u: Uint8Array, origin: unknown) => {
          if (origin !== 'net') docs.forEach((_, j) => j !== i && pending.push({ to: j, u }));
        }),
      );
      const objs = ['a', 'b', 'c'] as ObjectId[];
      for (let step = 0; step < 60; step++) {
        if (rng.chance(0.4) && pending.length) {
          const [m] = pending.splice(rng.int(0, pending.length - 1), 1);
          Y.applyUpdate(docs[m.to], m.u, 'net');
          if (rng.chance(0.1)) pending.push(m);
          continue;
        }
        const d = rng.pick(docs);
        const ids = [...threadsMap(d).keys()];
        const who = `u${rng.int(0, 4)}`;
        const op = rng.int(0, 5);
        if (op === 0 || !ids.length) createThread(d, { objectId: rng.chance(0.7) ? rng.pick(objs) : null, x: rng.int(0, 99), y: rng.int(0, 99), by: who, text: 'note' });
        else if (op === 1) reply(d, rng.pick(ids), { by: who, text: `re ${step}` });
        else if (op === 2) resolveThread(d, rng.pick(ids), who);
        else if (op === 3) reopenThread(d, rng.pick(ids), who);
        else if (op === 4) setObjectVerdict(d, rng.pick(objs), { verdict: rng.pick(['approved', 'changes_requested'] as const), by: who, message: rng.chance(0.5) ? 'fix' : undefined });
        else setTaskStatus(d, rng.pick(['todo', 'in_progress', 'in_review', 'done'] as const), who);
      }
      while (pending.length) {
        const [m] = pending.splice(rng.int(0, pending.length - 1), 1);
        Y.applyUpdate(docs[m.to], m.u, 'net');
      }
      const view = (d: Y.Doc) => JSON.stringify([listThreads(d), readVerdicts(d), readTaskStatus(d)]);
      for (const d of docs) {
        expect(view(d), `seed ${seed}`).toBe(view(docs[0]));
        expect(listThreads(d).length).toBe(threadsMap(d).size);
      }
    }
  });
});

describe('observeReview', () => {
  it('reports threads (also replies and resolution), verdicts and status per transaction, with origin', () => {
    const doc = new Y.Doc();
    const seen: string[] = [];
    const stop = observeReview(doc, (c, origin) =>
      seen.push(`${[...c.threads].join(',')}|${[...c.verdicts].join(',')}|${c.task}|${String(origin)}`),
    );
    const t = createThread(doc, { id: 't1', objectId: obj, x: 0, y: 0, by: 'rev', text: 'hi' }, 'o1');
    reply(doc, t, { by: 'ana', text: 'yo' }, 'o2');
    resolveThread(doc, t, 'rev', 'o3');
    setObjectVerdict(doc, obj, { verdict: 'approved', by: 'rev' }, 'o4');
    setTaskStatus(doc, 'done', 'qa', 'o5');
    doc.getMap('unrelated').set('x', 1);
    stop();
    setTaskStatus(doc, 'todo', 'qa');
    expect(seen).toEqual(['t1||false|o1', 't1||false|o2', 't1||false|o3', '|obj1|false|o4', '||true|o5']);
  });
});

describe('parseMentions', () => {
  const members = ['Ana', 'Ana Lopez', 'bo', 'Zoë'];
  it('finds @names case-insensitively, longest first, once each, in order', () => {
    expect(parseMentions('@bo and @ana lopez, then @Ana and @BO again', members)).toEqual(['bo', 'Ana Lopez', 'Ana']);
    expect(parseMentions('thanks @zoë!', members)).toEqual(['Zoë']);
  });
  it('ignores e-mail addresses, partial words and unknown names', () => {
    expect(parseMentions('mail ana@bo.com or @bob or @carl', members)).toEqual([]);
    expect(parseMentions('@Anabel', members)).toEqual([]);
    expect(parseMentions('', members)).toEqual([]);
  });
});
