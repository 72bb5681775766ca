import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createThread, listThreads, readThread, reply } from './review';
import { deleteMessage, editMessage, MAX_EARLIER } from './reviewMessages';

function sync(from: Y.Doc, to: Y.Doc) {
  Y.applyUpdate(to, Y.encodeStateAsUpdate(from, Y.encodeStateVector(to)));
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe('editing and deleting review messages', () => {
  it("the author edits her message (text, mentions, marked edited); nobody else can", () => {
    const doc = new Y.Doc();
    const tid = createThread(doc, { objectId: null, x: 1, y: 2, by: 'bo', text: 'ask @Ana', mentions: ['Ana'], at: 10 });
    const first = readThread(doc, tid)!.messages[0];
    editMessage(doc, tid, first.id, { by: 'bo', text: 'ask @Cy instead', mentions: ['Cy'] });
    const edited = readThread(doc, tid)!.messages[0];
    expect(edited).toMatchObject({ id: first.id, by: 'bo', at: 10, text: 'ask @Cy instead', mentions: ['Cy'] });
    expect(edited.editedAt).toBeGreaterThan(10);
    expect(codeOf(() => editMessage(doc, tid, first.id, { by: 'ana', text: 'hijacked' }))).toBe('forbidden');
    expect(codeOf(() => editMessage(doc, tid, first.id, { by: 'bo', text: '   ' }))).toBe('validation_failed');
    expect(codeOf(() => editMessage(doc, tid, 'nope', { by: 'bo', text: 'x' }))).toBe('not_found');
    expect(readThread(doc, tid)!.messages[0].text).toBe('ask @Cy instead');
  });

  it('keeps what a message said before each edit, the first and the latest wordings; a delete takes them along', () => {
    const doc = new Y.Doc();
    const tid = createThread(doc, { objectId: null, x: 0, y: 0, by: 'rita', text: 'the tail is missing', request: true, at: 10 });
    const id = readThread(doc, tid)!.messages[0].id;
    editMessage(doc, tid, id, { by: 'rita', text: 'the tail and an ear are missing' });
    editMessage(doc, tid, id, { by: 'rita', text: 'the tail and an ear are missing' }); // unchanged: no new entry
    const once = readThread(doc, tid)!.messages[0];
    expect(once.earlier).toEqual([{ text: 'the tail is missing', at: 10 }]);
    editMessage(doc, tid, id, { by: 'rita', text: 'looks fine now' });
    const twice = readThread(doc, tid)!.messages[0];
    expect(twice.earlier).toEqual([{ text: 'the tail is missing', at: 10 }, { text: 'the tail and an ear are missing', at: once.editedAt }]);
    for (let i = 0; i < MAX_EARLIER + 5; i++) editMessage(doc, tid, id, { by: 'rita', text: `v${i}` });
    const many = readThread(doc, tid)!.messages[0];
    expect(many.earlier).toHaveLength(MAX_EARLIER);
    expect(many.earlier![0].text).toBe('the tail is missing');
    expect(many.earlier!.at(-1)!.text).toBe(`v${MAX_EARLIER + 3}`);
    reply(doc, tid, { by: 'ana', text: 'ok' });
    deleteMessage(doc, tid, id, 'rita');
    expect(readThread(doc, tid)!.messages[0]).toMatchObject({ deleted: true, text: '' });
    expect(readThread(doc, tid)!.messages[0].earlier).toBeUndefined();
  });

  it('an edit and a concurrent reply both land, in order, on every peer', () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    const tid = createThread(a, { objectId: null, x: 0, y: 0, by: 'bo', text: 'first', at: 1 });
    reply(a, tid, { by: 'bo', text: 'second', at: 2 });
    sync(a, b);
    const [m1] = readThread(a, tid)!.messages;
    editMessage(a, tid, m1.id, { by: 'bo', text: 'first, fixed' });
    reply(b, tid, { by: 'ana', text: 'third', at: 3 });
    sync(a, b);
    sync(b, a);
    for (const d of [a, b]) expect(readThread(d, tid)!.messages.map((m) => m.text)).toEqual(['first, fixed', 'second', 'third']);
  });

  it('deleting leaves a tombstone while others wrote in the thread, and removes a thread left empty', () => {
    const doc = new Y.Doc();
    const tid = createThread(doc, { objectId: null, x: 0, y: 0, by: 'bo', text: '@Ana wrong image', mentions: ['Ana'] });
    const answer = reply(doc, tid, { by: 'ana', text: 'which one?' });
    const [first] = readThread(doc, tid)!.messages;
    expect(codeOf(() => deleteMessage(doc, tid, first.id, 'ana'))).toBe('forbidden');
    expect(deleteMessage(doc, tid, first.id, 'bo')).toBe(false);
    expect(readThread(doc, tid)!.messages.map((m) => [m.text, m.mentions, m.deleted ?? false])).toEqual([
      ['', [], true],
      ['which one?', [], false],
    ]);
    expect(codeOf(() => editMessage(doc, tid, first.id, { by: 'bo', text: 'back' }))).toBe('not_found');
    expect(deleteMessage(doc, tid, answer, 'ana')).toBe(true);
    expect(listThreads(doc)).toEqual([]);
  });
});
