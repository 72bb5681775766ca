import { describe, expect, it } from 'vitest';
import type { Message, Thread } from '../../../shared/schema/review';
import { freshMentions, newestMentioning } from './mentions';

const msg = (id: string, by: string, at: number, mentions: string[] = []): Message => ({ id, by, at, text: id, mentions });
const thread = (id: string, createdAt: number, messages: Message[], resolved = false): Thread => ({ id, objectId: null, x: 0, y: 0, createdBy: messages[0].by, createdAt, resolved, messages });

describe('mentions', () => {
  const threads = [
    thread('t1', 1, [msg('m1', 'rita', 1, ['Ana'])]),
    thread('t2', 2, [msg('m2', 'rita', 2, ['Bo']), msg('m3', 'bo', 5, ['Ana'])]),
    thread('t3', 3, [msg('m4', 'rita', 3, ['Ana'])], true),
    thread('t4', 4, [msg('m5', 'ana', 6, ['Ana'])]),
  ];

  it('finds the newest open thread that mentions the member', () => {
    expect(newestMentioning(threads, 'Ana')?.id).toBe('t4');
    expect(newestMentioning(threads.slice(0, 3), 'Ana')?.id).toBe('t2'); // resolved t3 passed over
    expect(newestMentioning(threads, 'Zoe')).toBeNull();
  });

  it("tells each new mention by someone else once, none from before the task was opened", () => {
    const seen = new Set<string>();
    expect(freshMentions(threads, 'ana', 'Ana', 2, seen).map((m) => m.id)).toEqual(['m3', 'm4']); // m1 old, m5 her own
    expect(freshMentions(threads, 'ana', 'Ana', 2, seen)).toEqual([]);
    // An old message edited after the task was opened to mention her is new to her.
    const edited = thread('t5', 0, [{ ...msg('m6', 'rita', 1, ['Ana']), editedAt: 7 }]);
    expect(freshMentions([edited], 'ana', 'Ana', 2, seen).map((m) => m.id)).toEqual(['m6']);
  });
});
