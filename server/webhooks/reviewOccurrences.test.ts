// The review room read as webhook occurrences: each status record, comment, flag and object
// verdict once per process, under a key another node (or the next start) finds the same, and
// nothing for changes a pipeline does not hear of (an edit, a resolve, a verdict taken back).
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { ObjectId, TaskId } from '../../shared/schema/ids';
import { clearObjectVerdict, clearTaskFlag, createThread, reply, resolveThread, setObjectVerdict, setTaskFlag, setTaskStatus } from '../../shared/schema/review';
import { deleteMessage, editMessage } from '../../shared/schema/reviewMessages';
import { COMMENT_HORIZON_MS, fillLine, ReviewMemory, reviewOccurrences } from './reviewOccurrences';

const task = 't1' as TaskId;
const keys = (os: ReturnType<typeof reviewOccurrences>) => os.map((o) => `${o.event} ${o.key}`);
let told: string[] = [];
/** reviewOccurrences, remembering every key told in `told`. */
const read = (doc: Y.Doc, mem: ReviewMemory) => {
  const os = reviewOccurrences(task, doc, mem);
  told.push(...keys(os));
  return os;
};

describe('review occurrences', () => {
  it('a status, a comment, a reply, a verdict, a flag and its taking off each once; edits and resolves are not told', () => {
    told = [];
    const doc = new Y.Doc();
    const mem = new ReviewMemory();
    expect(read(doc, mem)).toEqual([]);
    setTaskStatus(doc, 'in_review', 'ana');
    const thread = createThread(doc, { objectId: 'o1' as ObjectId, x: 10, y: 20, by: 'rev', text: 'the tail is missing', request: true });
    const [status, comment] = read(doc, mem);
    expect(status).toMatchObject({ event: 'task.status', task: { status: 'in_review' }, by: 'ana', line: '{by} set {task} to in review' });
    expect(comment).toMatchObject({
      event: 'comment.created',
      by: 'rev',
      body: { thread: { id: thread, objectId: 'o1', x: 10, y: 20, request: true, resolved: false, reply: false }, message: { text: 'the tail is missing', mentions: [] } },
      line: '{by} asked for a fix on {task}: the tail is missing',
    });
    expect(read(doc, mem)).toEqual([]);

    const replyId = reply(doc, thread, { by: 'ana', text: 'fixed @Rev', mentions: ['Rev'] });
    const judged = Date.now();
    setObjectVerdict(doc, 'o1' as ObjectId, { verdict: 'approved', by: 'rev', at: judged });
    expect(read(doc, mem)).toMatchObject([
      { event: 'comment.created', key: `comment:t1:${replyId}`, body: { message: { mentions: ['Rev'] }, thread: { reply: true } }, line: '{by} replied on {task}: fixed @Rev' },
      { event: 'object.reviewed', key: `verdict:t1:o1:${judged}`, at: judged, by: 'rev', body: { object: { id: 'o1' }, verdict: 'approved', threadId: null }, line: '{by} approved {object} of {task}' },
    ]);
    // Changes asked on another object, with a message: the verdict names its thread.
    const { threadId } = setObjectVerdict(doc, 'o2' as ObjectId, { verdict: 'changes_requested', by: 'rev', message: 'wheel cut off' });
    expect(read(doc, mem)).toMatchObject([
      { event: 'comment.created', body: { thread: { id: threadId, objectId: 'o2' } } },
      { event: 'object.reviewed', by: 'rev', body: { object: { id: 'o2' }, verdict: 'changes_requested', threadId }, line: '{by} asked for changes on {object} of {task}' },
    ]);
    // Taken back (the annotator changed the object): nothing to tell.
    clearObjectVerdict(doc, 'o2' as ObjectId);
    editMessage(doc, thread, replyId, { by: 'ana', text: 'fixed now' });
    resolveThread(doc, thread, 'rev');
    expect(read(doc, mem)).toEqual([]);

    setTaskFlag(doc, { reason: 'not_relevant', note: 'a test card' }, 'ana');
    expect(read(doc, mem)).toMatchObject([{ event: 'task.flagged', by: 'ana', body: { flag: { reason: 'not_relevant', note: 'a test card' } }, line: '{by} flagged {task}: not relevant (a test card)' }]);
    expect(read(doc, mem)).toEqual([]);
    clearTaskFlag(doc, undefined, 'olga');
    expect(read(doc, mem)).toMatchObject([{ event: 'task.unflagged', by: 'olga', line: '{by} took the flag off {task}' }]);
    expect(read(doc, mem)).toEqual([]);

    // Another node, or the next start, reads the same occurrences under the same keys.
    expect(told).toHaveLength(8);
    // (The flag is off by now, and o2's verdict taken back: a fresh read finds the flag's taking off, not the flag before it, nor that verdict.)
    expect(keys(reviewOccurrences(task, doc, new ReviewMemory())).sort()).toEqual(told.filter((k) => !k.startsWith('task.flagged') && !k.startsWith('object.reviewed verdict:t1:o2:')).sort());
  });

  it('a deleted message, comments and verdicts older than the horizon at the first read, and values that are no thread are not told', () => {
    const doc = new Y.Doc();
    const now = Date.now();
    createThread(doc, { objectId: null, x: 1, y: 1, by: 'rev', text: 'old news', at: now - COMMENT_HORIZON_MS - 1000 });
    setObjectVerdict(doc, 'o9' as ObjectId, { verdict: 'approved', by: 'rev', at: now - COMMENT_HORIZON_MS - 1000 });
    const t = createThread(doc, { objectId: null, x: 2, y: 2, by: 'rev', text: 'typo' });
    const gone = reply(doc, t, { by: 'rev', text: 'oops' });
    deleteMessage(doc, t, gone, 'rev');
    // What a client may write under `threads` that is no thread (readers skip it): not read, no throw.
    doc.getMap('threads').set('junk', 7);
    doc.getMap('threads').set('empty', new Y.Map());
    const found = reviewOccurrences(task, doc, new ReviewMemory(), now);
    expect(found.map((o) => [o.event, (o.body.message as { text: string }).text])).toEqual([['comment.created', 'typo']]);
  });

  it("fills in who and the task's name as they are written, whatever characters they hold", () => {
    expect(fillLine('{by} replied on {task}: see {task}', 'Rita $& Co', 'img_$1.jpg')).toBe('Rita $& Co replied on img_$1.jpg: see {task}');
    expect(fillLine('{by} commented on {task}: x', null, 'a.png')).toBe('someone commented on a.png: x');
    expect(fillLine('{by} commented on {task}: x', 'Mr {task}', 'a.png')).toBe('Mr {task} commented on a.png: x');
    expect([fillLine('{by} approved {object} of {task}', 'Rita', 'a.png', 'car'), fillLine('{by} approved {object} of {task}', 'Rita', 'a.png')]).toEqual(['Rita approved an object (car) of a.png', 'Rita approved an object of a.png']);
  });
});
