// What a review room says happened, as webhook occurrences: the task's status record, each new
// comment (a thread's first message or a reply), a flag put on the image and taken off, each
// verdict given on an object. Each occurrence has a
// key that names it wherever it is seen (the same change read by two nodes, or by the room's next
// load, is one delivery: the queue deduplicates by key) and the time it happened (a webhook is told
// only what happened after it was made). `ReviewMemory` keeps what this process has already read
// of a task so a room that changes reports only what is new; a fresh process reads everything
// again and the queue drops what it already holds.
import * as Y from 'yjs';
import type { TaskId } from '../../shared/schema/ids';
import { listThreads, readFlagOff, readTaskFlag, readTaskStatus, threadsMap, VerdictSchema, verdictsMap } from '../../shared/schema/review';
import type { WebhookEvent } from '../storage/webhookTypes';

/** Comments and verdicts older than this at the room's first read are not told: the queue forgets
 *  delivered events after 30 days, and a comment that old found at start is history, not news. */
export const COMMENT_HORIZON_MS = 2 * 24 * 3600_000;

export interface Occurrence {
  event: WebhookEvent;
  key: string;
  at: number;
  /** The user id it is by. */
  by: string;
  /** Event-specific fields of the payload (besides event, id, at, project, task, by). */
  body: Record<string, unknown>;
  /** The task fields it adds (the status). */
  task?: Record<string, unknown>;
  /** A line for a chat channel, with `{by}` and `{task}` (and `{object}`, an object's label) to fill in. */
  line: string;
}

/** An occurrence's chat line with who (a missing user: "someone") and the task's name filled in:
 *  the first of each placeholder, in one pass over the line, so neither what is filled in (a
 *  name holding `{task}` or `$&`) nor a message quoting a placeholder is read as one. */
export function fillLine(line: string, byName: string | null, taskName: string, objectLabel: string | null = null): string {
  const done = new Set<string>();
  return line.replace(/\{by\}|\{task\}|\{object\}/g, (m) => {
    if (done.has(m)) return m;
    done.add(m);
    return m === '{by}' ? (byName ?? 'someone') : m === '{task}' ? taskName : objectLabel ? `an object (${objectLabel})` : 'an object';
  });
}

export class ReviewMemory {
  status: string | null = null;
  flag: string | null = null;
  /** Message ids read (kept per task while the process lives; a few bytes each). */
  messages = new Set<string>();
  /** Threads seen, by how many messages they had: a room update re-reads only threads that grew. */
  counts = new Map<string, number>();
  /** The time of each object's verdict read. */
  verdicts = new Map<string, number>();
}

/** What is new in the review doc since `mem` last read it; updates `mem`. */
export function reviewOccurrences(taskId: TaskId, doc: Y.Doc, mem: ReviewMemory, now = Date.now()): Occurrence[] {
  const out: Occurrence[] = [];
  const s = readTaskStatus(doc);
  if (s) {
    const key = `${taskId}:${s.status}:${s.at}`;
    if (mem.status !== key) {
      mem.status = key;
      out.push({ event: 'task.status', key, at: s.at, by: s.by, body: {}, task: { status: s.status }, line: `{by} set {task} to ${s.status.replace('_', ' ')}` });
    }
  }
  const flag = readTaskFlag(doc);
  const off = flag ? null : readFlagOff(doc);
  if (flag) {
    const key = `flag:${taskId}:${flag.at}`;
    if (mem.flag !== key) {
      mem.flag = key;
      out.push({ event: 'task.flagged', key, at: flag.at, by: flag.by, body: { flag: { reason: flag.reason, note: flag.note } }, line: `{by} flagged {task}: ${flag.reason.replace('_', ' ')}${flag.note ? ` (${flag.note})` : ''}` });
    }
  } else if (off) {
    const key = `unflag:${taskId}:${off.at}`;
    if (mem.flag !== key) {
      mem.flag = key;
      out.push({ event: 'task.unflagged', key, at: off.at, by: off.by, body: {}, line: '{by} took the flag off {task}' });
    }
  }
  out.push(...newComments(taskId, doc, mem, now), ...newVerdicts(taskId, doc, mem, now));
  return out;
}

/** Each verdict given on an object since the last read (given again: a new one; taken back: none). */
function newVerdicts(taskId: TaskId, doc: Y.Doc, mem: ReviewMemory, now: number): Occurrence[] {
  const out: Occurrence[] = [];
  // Every review room update comes through here: only a verdict whose time changed is parsed.
  verdictsMap(doc).forEach((raw, objectId) => {
    const at = (raw as { at?: unknown } | null)?.at;
    if (mem.verdicts.get(objectId) === at) return;
    const parsed = VerdictSchema.safeParse(raw);
    if (!parsed.success) return;
    const v = parsed.data;
    mem.verdicts.set(objectId, v.at);
    if (now - v.at > COMMENT_HORIZON_MS) return;
    const approved = v.verdict === 'approved';
    out.push({
      event: 'object.reviewed',
      key: `verdict:${taskId}:${objectId}:${v.at}`,
      at: v.at,
      by: v.by,
      body: { object: { id: objectId }, verdict: v.verdict, threadId: v.threadId ?? null },
      line: approved ? '{by} approved {object} of {task}' : '{by} asked for changes on {object} of {task}',
    });
  });
  return out;
}

function newComments(taskId: TaskId, doc: Y.Doc, mem: ReviewMemory, now: number): Occurrence[] {
  // Cheap check first: a room update that added no message (a verdict, a resolve) reads no thread.
  let grew = false;
  threadsMap(doc).forEach((t, id) => {
    // Anything a client wrote under `threads` is read, valid thread or not (readers skip the rest).
    const messages = t instanceof Y.Map ? t.get('messages') : undefined;
    const n = messages instanceof Y.Array ? messages.length : 0;
    if (mem.counts.get(id) !== n) grew = true;
    mem.counts.set(id, n);
  });
  if (!grew) return [];
  const out: Occurrence[] = [];
  for (const t of listThreads(doc)) {
    t.messages.forEach((m, i) => {
      if (mem.messages.has(m.id)) return;
      mem.messages.add(m.id);
      if (m.deleted || now - m.at > COMMENT_HORIZON_MS) return;
      out.push({
        event: 'comment.created',
        key: `comment:${taskId}:${m.id}`,
        at: m.at,
        by: m.by,
        body: {
          thread: { id: t.id, objectId: t.objectId, x: t.x, y: t.y, request: t.request === true, resolved: t.resolved, reply: i > 0 },
          message: { id: m.id, text: m.text, mentions: m.mentions },
        },
        line: `{by} ${i > 0 ? 'replied' : t.request ? 'asked for a fix' : 'commented'} on {task}: ${m.text.length > 200 ? `${m.text.slice(0, 199)}…` : m.text}`,
      });
    });
  }
  return out;
}
