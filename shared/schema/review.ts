/**
 * The review document, room `review:<taskId>`:
 *
 * - root `Y.Map('threads')`: thread id → `Y.Map` with `objectId` (or null for a thread on the
 *   image), `x`, `y` (anchor, image pixels), `createdBy`, `createdAt`, `resolved`, `resolvedBy`?,
 *   `resolvedAt`?, and `messages` (`Y.Array` of {@link Message});
 * - root `Y.Map('verdicts')`: object id → plain {@link Verdict};
 * - root `Y.Map('task')`: `status`, `by`, `at` — the task's review status.
 *
 * Same rules as the task document: mutators run in `doc.transact(fn, origin)` and throw
 * TandemError ('not_found', 'validation_failed'); readers validate and skip garbage.
 */
import * as Y from 'yjs';
import { z } from 'zod';
import { ErrorCode, TandemError } from '../protocol/errors';
import { newId, type ObjectId } from './ids';

export { parseMentions } from './mentions';

/** Longest message text, in UTF-16 code units. */
export const MAX_MESSAGE_LENGTH = 5000;

/** One message of a thread; `mentions` are member names found by {@link parseMentions}. */
export const MessageSchema = z.object({
  id: z.string().min(1),
  by: z.string(),
  at: z.number().finite(),
  text: z.string().max(MAX_MESSAGE_LENGTH),
  mentions: z.array(z.string()),
  /** Set when its author edited it (reviewMessages.ts); `deleted` leaves an empty tombstone. */
  editedAt: z.number().finite().optional(),
  deleted: z.literal(true).optional(),
  /** What it said before each edit and since when, oldest first (a request reworded after the
   *  fix stays readable as it was); at most MAX_EARLIER, the oldest kept. */
  earlier: z.array(z.object({ text: z.string().max(MAX_MESSAGE_LENGTH), at: z.number().finite() })).max(50).optional(),
});
/** A message in a comment thread. */
export type Message = z.infer<typeof MessageSchema>;

/** A comment thread anchored to a point of the image and optionally to an object. */
export const ThreadSchema = z.object({
  id: z.string().min(1),
  objectId: z.string().nullable(),
  x: z.number().finite(),
  y: z.number().finite(),
  createdBy: z.string(),
  createdAt: z.number().finite(),
  resolved: z.boolean(),
  resolvedBy: z.string().optional(),
  resolvedAt: z.number().finite().optional(),
  messages: z.array(MessageSchema),
  /** Raised by a reviewer for the annotators to act on (a missing object): work until resolved. */
  request: z.boolean().optional(),
});
/** A validated plain snapshot of a thread. */
export type Thread = z.infer<typeof ThreadSchema>;

/** The verdicts a reviewer can give an object. */
export const VerdictValues = ['approved', 'changes_requested'] as const;

/** A reviewer's verdict on one object; `threadId` links the thread that explains it. */
export const VerdictSchema = z.object({
  verdict: z.enum(VerdictValues),
  by: z.string(),
  at: z.number().finite(),
  threadId: z.string().optional(),
});
/** A verdict on an object. */
export type Verdict = z.infer<typeof VerdictSchema>;

/** Workflow states of a task. */
export const TaskStatusValues = ['todo', 'in_progress', 'in_review', 'done'] as const;
/** One of {@link TaskStatusValues}. */
export type TaskStatusValue = (typeof TaskStatusValues)[number];

/** The task's status and who set it when. */
export const TaskStatusSchema = z.object({
  status: z.enum(TaskStatusValues),
  by: z.string(),
  at: z.number().finite(),
});
/** The task's review status. */
export type TaskStatus = z.infer<typeof TaskStatusSchema>;

/** Why an image cannot be annotated as it is (someone flagged it, with a note). */
export const TaskFlagReasons = ['blurry', 'not_relevant', 'duplicate', 'corrupt', 'other'] as const;
export type TaskFlagReason = (typeof TaskFlagReasons)[number];

/** A flag on the task (key `flag` of the `task` map): reason, note, who and when. */
export const TaskFlagSchema = z.object({
  reason: z.enum(TaskFlagReasons),
  note: z.string().max(500),
  by: z.string(),
  at: z.number().finite(),
});
export type TaskFlag = z.infer<typeof TaskFlagSchema>;

/** The root `threads` map. */
export function threadsMap(doc: Y.Doc): Y.Map<Y.Map<unknown>> {
  return doc.getMap('threads');
}

/** The root `verdicts` map (object id → {@link Verdict}). */
export function verdictsMap(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap('verdicts');
}

/** The root `task` map (status, by, at). */
export function taskStatusMap(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap('task');
}

function invalid(message: string): TandemError {
  return new TandemError(ErrorCode.ValidationFailed, message);
}

export function checkText(text: unknown): string {
  const parsed = z.string().trim().min(1).max(MAX_MESSAGE_LENGTH).safeParse(text);
  if (!parsed.success) throw invalid(`a message is 1 to ${MAX_MESSAGE_LENGTH} characters`);
  return parsed.data;
}

function checkPoint(x: unknown, y: unknown): { x: number; y: number } {
  if (typeof x !== 'number' || typeof y !== 'number' || !Number.isFinite(x) || !Number.isFinite(y)) {
    throw invalid('a thread anchor needs finite x and y in image pixels');
  }
  return { x, y };
}

export function getThread(doc: Y.Doc, id: string): Y.Map<unknown> {
  const t = threadsMap(doc).get(id);
  if (!(t instanceof Y.Map)) throw new TandemError(ErrorCode.NotFound, `thread ${id} not found`);
  return t;
}

function newMessage(by: string, text: string, mentions: string[] | undefined, at: number): Message {
  return { id: newId(), by, at, text: checkText(text), mentions: z.array(z.string()).parse(mentions ?? []) };
}

/** What {@link createThread} takes. `at` (epoch ms) defaults to now. */
export interface NewThreadInput {
  id?: string;
  objectId: ObjectId | null;
  x: number;
  y: number;
  by: string;
  text: string;
  mentions?: string[];
  at?: number;
  /** A reviewer's request to the annotators rather than a question or a note. */
  request?: boolean;
}

/** Opens a thread with its first message and returns the thread id. */
export function createThread(doc: Y.Doc, input: NewThreadInput, origin?: unknown): string {
  const id = input.id ?? newId();
  const p = checkPoint(input.x, input.y);
  const at = input.at ?? Date.now();
  const first = newMessage(input.by, input.text, input.mentions, at);
  const threads = threadsMap(doc);
  if (threads.has(id)) throw new TandemError(ErrorCode.Conflict, `thread ${id} already exists`);
  doc.transact(() => {
    const t = new Y.Map<unknown>();
    threads.set(id, t);
    t.set('objectId', input.objectId);
    t.set('x', p.x);
    t.set('y', p.y);
    t.set('createdBy', input.by);
    t.set('createdAt', at);
    t.set('resolved', false);
    if (input.request) t.set('request', true);
    const messages = new Y.Array<Message>();
    t.set('messages', messages);
    messages.push([first]);
  }, origin);
  return id;
}

/** Adds a message to a thread and returns the message id. Throws 'not_found'. */
export function reply(
  doc: Y.Doc,
  threadId: string,
  input: { by: string; text: string; mentions?: string[]; at?: number },
  origin?: unknown,
): string {
  const t = getThread(doc, threadId);
  const msg = newMessage(input.by, input.text, input.mentions, input.at ?? Date.now());
  doc.transact(() => {
    let messages = t.get('messages');
    if (!(messages instanceof Y.Array)) {
      messages = new Y.Array<Message>();
      t.set('messages', messages);
    }
    (messages as Y.Array<Message>).push([msg]);
  }, origin);
  return msg.id;
}

/** Marks a thread resolved by `by`. Throws 'not_found'. */
export function resolveThread(doc: Y.Doc, threadId: string, by: string, origin?: unknown): void {
  const t = getThread(doc, threadId);
  doc.transact(() => {
    t.set('resolved', true);
    t.set('resolvedBy', by);
    t.set('resolvedAt', Date.now());
  }, origin);
}

/** Reopens a resolved thread. Throws 'not_found'. */
export function reopenThread(doc: Y.Doc, threadId: string, _by: string, origin?: unknown): void {
  const t = getThread(doc, threadId);
  doc.transact(() => {
    t.set('resolved', false);
    t.delete('resolvedBy');
    t.delete('resolvedAt');
  }, origin);
}

/** What {@link setObjectVerdict} takes. */
export interface VerdictInput {
  verdict: Verdict['verdict'];
  by: string;
  /** With `changes_requested`, opens a thread on the object with this first message. */
  message?: string;
  mentions?: string[];
  /** Anchor of that thread in image pixels (the UI passes where the reviewer clicked). Default (0, 0). */
  x?: number;
  y?: number;
  /** A verdict put back as it was (an undone deletion): its time and thread, not now's. */
  at?: number;
  threadId?: string;
}

/**
 * Records a verdict on an object (replacing any earlier one). A `changes_requested` verdict with
 * a message also opens a thread on the object, linked from the verdict; returns its id.
 */
export function setObjectVerdict(doc: Y.Doc, objectId: ObjectId, input: VerdictInput, origin?: unknown): { threadId?: string } {
  const verdict = z.enum(VerdictValues).safeParse(input.verdict);
  if (!verdict.success) throw invalid(`verdict must be one of ${VerdictValues.join(', ')}`);
  const at = input.at ?? Date.now();
  let threadId = input.threadId;
  doc.transact(() => {
    if (verdict.data === 'changes_requested' && input.message !== undefined && threadId === undefined) {
      threadId = createThread(doc, { objectId, x: input.x ?? 0, y: input.y ?? 0, by: input.by, text: input.message, mentions: input.mentions, at }, origin);
    }
    const v: Verdict = { verdict: verdict.data, by: input.by, at, ...(threadId ? { threadId } : {}) };
    verdictsMap(doc).set(objectId, v);
  }, origin);
  return threadId ? { threadId } : {};
}

/** Removes the verdict on an object (e.g. after the annotator changed it). No-op when absent. */
export function clearObjectVerdict(doc: Y.Doc, objectId: ObjectId, origin?: unknown): void {
  if (!verdictsMap(doc).has(objectId)) return;
  doc.transact(() => verdictsMap(doc).delete(objectId), origin);
}

/** Sets the task's status. Throws 'validation_failed' on an unknown status. */
export function setTaskStatus(doc: Y.Doc, status: TaskStatusValue, by: string, origin?: unknown): void {
  const parsed = z.enum(TaskStatusValues).safeParse(status);
  if (!parsed.success) throw invalid(`status must be one of ${TaskStatusValues.join(', ')}`);
  const m = taskStatusMap(doc);
  doc.transact(() => {
    m.set('status', parsed.data);
    m.set('by', by);
    m.set('at', Date.now());
  }, origin);
}

/** Flags the task (an image nobody should annotate as it is), replacing any flag it had. */
export function setTaskFlag(doc: Y.Doc, flag: { reason: TaskFlagReason; note?: string }, by: string, origin?: unknown): void {
  const parsed = TaskFlagSchema.safeParse({ reason: flag.reason, note: (flag.note ?? '').trim(), by, at: Date.now() });
  if (!parsed.success) throw invalid(`a flag has a reason (${TaskFlagReasons.join(', ')}) and a note of at most 500 characters`);
  doc.transact(() => taskStatusMap(doc).set('flag', parsed.data), origin);
}

/** Who took a task's flag off, and when: what `flag` holds then (no flag to every reader). */
export const FlagOffSchema = z.object({ off: z.literal(true), by: z.string(), at: z.number().finite() });

/** Takes the task's flag off, recording who (`by`) and when; without `by`, as null. Either way no
 *  reader sees a flag, and a mirror sees the change. */
export function clearTaskFlag(doc: Y.Doc, origin?: unknown, by?: string): void {
  if (!readTaskFlag(doc)) return;
  doc.transact(() => taskStatusMap(doc).set('flag', by === undefined ? null : { off: true, by, at: Date.now() }), origin);
}

/** Who took the task's flag off and when, while it stays off; null otherwise. */
export function readFlagOff(doc: Y.Doc): { by: string; at: number } | null {
  const parsed = FlagOffSchema.safeParse(taskStatusMap(doc).get('flag'));
  return parsed.success ? { by: parsed.data.by, at: parsed.data.at } : null;
}

/** The task's flag; null when none (or invalid); undefined when it was never flagged. */
export function readTaskFlag(doc: Y.Doc): TaskFlag | null | undefined {
  const m = taskStatusMap(doc);
  if (!m.has('flag')) return undefined;
  const parsed = TaskFlagSchema.safeParse(m.get('flag'));
  return parsed.success ? parsed.data : null;
}

/** The task's status, or null when never set (or invalid). */
export function readTaskStatus(doc: Y.Doc): TaskStatus | null {
  const parsed = TaskStatusSchema.safeParse(taskStatusMap(doc).toJSON());
  return parsed.success ? parsed.data : null;
}

/** One thread as a validated plain value; null when missing or invalid. */
export function readThread(doc: Y.Doc, id: string): Thread | null {
  const t = threadsMap(doc).get(id);
  if (!(t instanceof Y.Map)) return null;
  const messages = t.get('messages');
  const raw = { id, ...t.toJSON(), messages: messages instanceof Y.Array ? messages.toArray() : messages };
  const parsed = ThreadSchema.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

/**
 * Valid threads sorted by `createdAt`, then id; only those on `objectId` when given, and only
 * unresolved ones when `openOnly`.
 */
export function listThreads(doc: Y.Doc, opts: { objectId?: ObjectId | null; openOnly?: boolean } = {}): Thread[] {
  const out: Thread[] = [];
  for (const id of threadsMap(doc).keys()) {
    const t = readThread(doc, id);
    if (!t) continue;
    if (opts.objectId !== undefined && t.objectId !== opts.objectId) continue;
    if (opts.openOnly && t.resolved) continue;
    out.push(t);
  }
  return out.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Every valid verdict, by object id (keys in sorted order, the same on every peer). */
export function readVerdicts(doc: Y.Doc): Record<string, Verdict> {
  const out: Record<string, Verdict> = {};
  const m = verdictsMap(doc);
  // Sorted keys: Y.Map iteration order depends on the order updates arrived in.
  for (const id of [...m.keys()].sort()) {
    const parsed = VerdictSchema.safeParse(m.get(id));
    if (parsed.success) out[id] = parsed.data;
  }
  return out;
}

/** What changed in one transaction of a review document (see {@link observeReview}). */
export interface ReviewChange {
  /** Threads added, changed (replies, resolution) or deleted. */
  threads: Set<string>;
  /** Object ids whose verdict was set or cleared. */
  verdicts: Set<string>;
  /** True when the task status changed. */
  task: boolean;
}

/**
 * Calls `cb` after every transaction that touches threads, verdicts or the task status, with
 * what changed and the transaction's origin. Returns the function that stops observing.
 */
export function observeReview(doc: Y.Doc, cb: (change: ReviewChange, origin: unknown) => void): () => void {
  const threads = threadsMap(doc);
  const verdicts = verdictsMap(doc);
  const task = taskStatusMap(doc);
  const threadOf = (type: Y.AbstractType<unknown>): string | null => {
    // Climb from a nested type (a thread's Y.Map, its messages array) to the thread's key.
    for (let t: Y.AbstractType<unknown> | null = type; t?._item; ) {
      const parent = t._item.parent as Y.AbstractType<unknown>;
      if ((parent as unknown) === threads) return t._item.parentSub;
      t = parent;
    }
    return null;
  };
  const handler = (txn: Y.Transaction): void => {
    const change: ReviewChange = { threads: new Set(), verdicts: new Set(), task: false };
    for (const [type, keys] of txn.changed) {
      const t = type as unknown;
      if (t === threads) {
        for (const k of keys) if (k !== null) change.threads.add(k);
      } else if (t === verdicts) {
        for (const k of keys) if (k !== null) change.verdicts.add(k);
      } else if (t === task) {
        change.task = true;
      } else {
        const id = threadOf(type as Y.AbstractType<unknown>);
        if (id !== null) change.threads.add(id);
      }
    }
    if (change.threads.size || change.verdicts.size || change.task) cb(change, txn.origin);
  };
  doc.on('afterTransaction', handler);
  return () => doc.off('afterTransaction', handler);
}
