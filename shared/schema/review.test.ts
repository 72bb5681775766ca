import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { isTandemError } from '../protocol/errors';
import type { ObjectId } from './ids';
import {
  clearObjectVerdict,
  createThread,
  listThreads,
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
