// Where the editor points a member at what mentions them: the newest open thread that does (opened
// when they came from the home page's "Mentions you"), and messages that @mention them while they
// work (a toast: the pin alone is easy to miss in a crowd of objects).
import type { Message, Thread } from '../../../shared/schema/review';

/** The newest open thread with a message that mentions `name`, or null. */
export function newestMentioning(threads: readonly Thread[], name: string): Thread | null {
  return threads.filter((t) => !t.resolved && t.messages.some((m) => m.mentions.includes(name))).at(-1) ?? null;
}

/**
 * Messages by someone else that mention member `me` (id) called `name`, written after `since`
 * (epoch ms: older ones were there when the task was opened; an edit counts as written then) and not
 * in `seen`, which it extends.
 */
export function freshMentions(threads: readonly Thread[], me: string, name: string, since: number, seen: Set<string>): Message[] {
  const out: Message[] = [];
  for (const t of threads) {
    for (const m of t.messages) {
      if ((m.editedAt ?? m.at) <= since || m.by === me || !m.mentions.includes(name) || seen.has(m.id)) continue;
      seen.add(m.id);
      out.push(m);
    }
  }
  return out;
}
