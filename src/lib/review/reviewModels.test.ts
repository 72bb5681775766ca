// The review read-models and commands against real Y.Docs: what the panel would show after local
// commands and after remote updates from another peer (applied as Yjs updates, as the provider
// does), and that a read-only user's commands write nothing.
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import type { ObjectId } from '../../../shared/schema/ids';
import { LocalOrigin } from '../../../shared/schema/origins';
import { ReviewCommands } from './ReviewCommands';
import { TaskStatusModel, ThreadsModel, VerdictsModel } from './reviewModels';

const obj = 'obj1' as ObjectId;

function peer(userId: string, canWrite = true) {
  const doc = new Y.Doc();
  const commands = new ReviewCommands({ doc, userId, origin: new LocalOrigin(userId, 's'), memberNames: () => ['Ana', 'Bo Li'], canWrite: () => canWrite });
  return { doc, commands };
}

/** Sends everything `from` has that `to` lacks, as the sync provider would. */
function sync(from: Y.Doc, to: Y.Doc) {
  Y.applyUpdate(to, Y.encodeStateAsUpdate(from, Y.encodeStateVector(to)), 'remote');
}

describe('review read-models and commands', () => {
  afterEach(() => vi.useRealTimers());

  it('a change request opens a thread the annotator sees, with the mention parsed', () => {
    const reviewer = peer('bo');
    const annotator = peer('ana');
    const threads = new ThreadsModel(annotator.doc);
    const verdicts = new VerdictsModel(annotator.doc);
    expect(threads.all).toEqual([]);
    const tid = reviewer.commands.requestChanges(obj, '@ana the tail is missing', { x: 12, y: 30 });
    sync(reviewer.doc, annotator.doc);
    expect(verdicts.of(obj)).toMatchObject({ verdict: 'changes_requested', by: 'bo', threadId: tid });
    expect(threads.open).toHaveLength(1);
    expect(threads.all[0]).toMatchObject({ id: tid, objectId: obj, x: 12, y: 30, resolved: false });
    expect(threads.all[0].messages[0]).toMatchObject({ by: 'bo', text: '@ana the tail is missing', mentions: ['Ana'] });
    expect(threads.openByObject.get(obj)).toBe(1);
  });

  it('replies, resolve and reopen from either side show up on the other', () => {
    const a = peer('ana');
    const b = peer('bo');
    const tid = b.commands.comment(null, { x: 1, y: 2 }, 'is this a dog?');
    sync(b.doc, a.doc);
    a.commands.reply(tid, 'yes, @Bo Li: see the ears');
    a.commands.resolve(tid);
    sync(a.doc, b.doc);
    const tb = new ThreadsModel(b.doc);
    expect(tb.get(tid)?.messages.map((m) => [m.by, m.mentions])).toEqual([['bo', []], ['ana', ['Bo Li']]]);
    expect(tb.get(tid)).toMatchObject({ resolved: true, resolvedBy: 'ana' });
    expect(tb.open).toEqual([]);
    b.commands.reopen(tid);
    expect(tb.open.map((t) => t.id)).toEqual([tid]);
  });

  it('the cached thread list is replaced only when threads change', () => {
    // Threads are listed by creation time, then id: the clock moves between the two comments (in
    // the same millisecond they would be ordered by their random ids).
    vi.useFakeTimers({ toFake: ['Date'], now: 1_000 });
    const a = peer('ana');
    const threads = new ThreadsModel(a.doc);
    a.commands.comment(obj, { x: 0, y: 0 }, 'first');
    const first = threads.all;
    expect(threads.all).toBe(first);
    a.commands.setStatus('in_review'); // not a thread change
    expect(threads.all).toBe(first);
    vi.setSystemTime(1_001);
    a.commands.comment(obj, { x: 5, y: 5 }, 'second');
    expect(threads.all).not.toBe(first);
    expect(threads.all.map((t) => t.messages[0].text)).toEqual(['first', 'second']);
    threads.destroy();
  });

  it('task status says who moved it; approval replaces a change request', () => {
    const a = peer('ana');
    const b = peer('bo');
    const status = new TaskStatusModel(b.doc);
    expect(status.current).toBeNull();
    a.commands.setStatus('in_review');
    sync(a.doc, b.doc);
    expect(status.current).toMatchObject({ status: 'in_review', by: 'ana' });
    b.commands.requestChanges(obj, 'fix it', { x: 0, y: 0 });
    b.commands.approve(obj);
    expect(new VerdictsModel(b.doc).of(obj)).toMatchObject({ verdict: 'approved', by: 'bo' });
  });

  it('approves every object without a verdict at once, leaving change requests and approvals alone', () => {
    const b = peer('bo');
    const a = peer('ana');
    const ids = ['o1', 'o2', 'o3', 'o4'] as ObjectId[];
    b.commands.requestChanges(ids[1], 'the tail is missing', { x: 0, y: 0 });
    a.commands.approve(ids[2]);
    sync(a.doc, b.doc);
    let updates = 0;
    b.doc.on('update', () => updates++);
    expect(b.commands.approveUnreviewed(ids)).toBe(2);
    expect(updates).toBe(1); // one transaction
    const v = new VerdictsModel(b.doc);
    expect(ids.map((id) => [v.of(id)?.verdict, v.of(id)?.by])).toEqual([
      ['approved', 'bo'],
      ['changes_requested', 'bo'],
      ['approved', 'ana'],
      ['approved', 'bo'],
    ]);
    expect(b.commands.approveUnreviewed(ids)).toBe(0);
    // Several selected objects approved at once, a sent-back one too: one update again.
    updates = 0;
    b.commands.approve(ids[1], ids[3]);
    expect(updates).toBe(1);
    expect(v.of(ids[1])?.verdict).toBe('approved');
    expect(() => peer('vi', false).commands.approveUnreviewed(ids)).toThrow(/not write/);
  });

  it('a read-only user (viewer) is refused and writes nothing; empty messages are refused', () => {
    const v = peer('vi', false);
    expect(() => v.commands.comment(null, { x: 0, y: 0 }, 'hello')).toThrow(/not write/);
    expect(() => v.commands.approve(obj)).toThrow(/not write/);
    expect(() => v.commands.setStatus('done')).toThrow(/not write/);
    expect(Y.encodeStateVector(v.doc)).toEqual(Y.encodeStateVector(new Y.Doc()));
    const a = peer('ana');
    expect(() => a.commands.comment(null, { x: 0, y: 0 }, '   ')).toThrow(/1 to/);
  });

  it("a reviewer's comment on the image is a request the annotators must act on; a question, a reviewer's note or a comment on an object is not", () => {
    const doc = new Y.Doc();
    const as = (userId: string, decides: boolean) =>
      new ReviewCommands({ doc, userId, origin: new LocalOrigin(userId, 's'), memberNames: () => [], canWrite: () => true, canDecide: () => decides });
    const request = as('bo', true).comment(null, { x: 5, y: 5 }, 'a car is missing here');
    const onObject = as('bo', true).comment(obj, { x: 5, y: 5 }, 'the mirror');
    const question = as('ana', false).comment(null, { x: 5, y: 5 }, 'is the shadow part of it?');
    const note = as('bo', true).comment(null, { x: 5, y: 5 }, 'nice work on the crowd', { asks: false });
    const threads = new ThreadsModel(doc);
    expect([request, onObject, question, note].map((id) => threads.get(id)?.request ?? false)).toEqual([true, false, false, false]);
    threads.destroy();
  });

  it('deleting an object closes its review and undoing the deletion reopens it as it was', () => {
    const reviewer = peer('bo');
    const annotator = peer('ana');
    const other = 'obj2' as ObjectId;
    const tid = reviewer.commands.requestChanges(obj, 'not a car: delete it', { x: 3, y: 4 })!;
    reviewer.commands.approve(other);
    const note = reviewer.commands.comment(other, { x: 9, y: 9 }, 'nice edges');
    sync(reviewer.doc, annotator.doc);
    const verdicts = new VerdictsModel(annotator.doc);
    const threads = new ThreadsModel(annotator.doc);
    const asJudged = verdicts.of(obj);
    annotator.commands.objectsGone([obj, other]);
    expect([verdicts.of(obj), verdicts.of(other)]).toEqual([null, null]);
    expect(threads.open).toEqual([]);
    expect(threads.get(tid)).toMatchObject({ resolved: true, resolvedBy: 'ana' });
    // Meanwhile the reviewer reopens and resolves the note on the other object herself.
    sync(annotator.doc, reviewer.doc);
    reviewer.commands.reopen(note);
    reviewer.commands.resolve(note);
    sync(reviewer.doc, annotator.doc);
    annotator.commands.objectsBack([obj, other, 'never-gone']);
    expect(verdicts.of(obj)).toEqual(asJudged); // the same reviewer, time and thread
    expect(verdicts.of(other)).toMatchObject({ verdict: 'approved', by: 'bo' });
    expect(threads.open.map((t) => t.id)).toEqual([tid]); // hers stays as she left it
    expect(threads.get(note)).toMatchObject({ resolved: true, resolvedBy: 'bo' });
    // Only once: a later re-creation of the same id (a redo of a creation) restores nothing again.
    annotator.commands.clearVerdict(obj);
    const before = Y.encodeStateVector(annotator.doc);
    annotator.commands.objectsBack([obj]);
    expect(Y.encodeStateVector(annotator.doc)).toEqual(before);
    verdicts.destroy();
    threads.destroy();
  });
});
