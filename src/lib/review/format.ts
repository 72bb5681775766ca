// Small display formatters for the review UI (times are epoch ms, durations ms).
import type { TaskStatusValue } from '../../../shared/schema/review';

/** "just now", "5 min ago", "3 h ago", else the date. `now` for tests. */
export function ago(t: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(t).toLocaleDateString();
}

/** A duration as "850 ms", "12.3 s", "4.5 min" or "2.1 h"; "–" for null. */
export function duration(ms: number | null): string {
  if (ms === null) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** A 0..1 rate as a percentage; "–" for null. */
export function percent(rate: number | null): string {
  return rate === null ? '–' : `${Math.round(rate * 100)}%`;
}

/** Display names of the workflow states. */
export const statusText: Record<TaskStatusValue, string> = { todo: 'To do', in_progress: 'In progress', in_review: 'In review', done: 'Done' };

/** A flag's reason in words (task rows carry the reason as stored). */
export const flagText: Record<string, string> = { blurry: 'Blurry', not_relevant: 'Not relevant', duplicate: 'Duplicate', corrupt: 'Corrupt', other: 'Other problem' };

/**
 * Splits a message into text and @mention parts for display (mentions as stored with the message,
 * matched case-insensitively as `@name`).
 */
export function mentionParts(text: string, mentions: readonly string[]): Array<{ text: string; mention: boolean }> {
  if (!mentions.length) return [{ text, mention: false }];
  const names = [...mentions].sort((a, b) => b.length - a.length);
  const out: Array<{ text: string; mention: boolean }> = [];
  const lower = text.toLowerCase();
  let plain = '';
  for (let i = 0; i < text.length; ) {
    const hit = text[i] === '@' ? names.find((n) => lower.startsWith(n.toLowerCase(), i + 1)) : undefined;
    if (hit) {
      if (plain) out.push({ text: plain, mention: false });
      plain = '';
      out.push({ text: text.slice(i, i + 1 + hit.length), mention: true });
      i += 1 + hit.length;
    } else plain += text[i++];
  }
  if (plain) out.push({ text: plain, mention: false });
  return out;
}

/**
 * The @mention being typed at `caret`: the text after the last '@' that starts a word, up to the
 * caret, when it is short and on one line. Null when the caret is not in a mention.
 */
export function mentionAt(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const at = before.lastIndexOf('@');
  if (at < 0) return null;
  if (at > 0 && /[\p{L}\p{N}_.]/u.test(before[at - 1])) return null;
  const query = before.slice(at + 1);
  if (query.length > 40 || /[\n@]/.test(query)) return null;
  return { start: at, query };
}

/** An attribute value as a person reads it: yes / no, "(empty)" for the empty text. */
export function attributeValueText(v: boolean | string | number): string {
  return v === true ? 'yes' : v === false ? 'no' : v === '' ? '(empty)' : String(v);
}
