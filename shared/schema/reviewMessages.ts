/**
 * Editing and deleting one's own messages in a review thread (a typo, a wrong @mention, a request
 * that was a mistake). Messages are plain values in the thread's `Y.Array`, so an edit replaces
 * the message at its index (a reply arriving meanwhile keeps its place: Yjs orders by item, not
 * by index). Only the author may change a message; the UI offers it to nobody else.
 */
import * as Y from 'yjs';
import { z } from 'zod';
import { ErrorCode, TandemError } from '../protocol/errors';
import { checkText, getThread, MessageSchema, threadsMap, type Message } from './review';

/** Earlier wordings a message keeps (the first and the latest). */
export const MAX_EARLIER = 20;

function findMessage(doc: Y.Doc, threadId: string, messageId: string, by: string): { messages: Y.Array<Message>; index: number; message: Message } {
  const messages = getThread(doc, threadId).get('messages');
  const list = messages instanceof Y.Array ? (messages.toArray() as unknown[]) : [];
  const index = list.findIndex((m) => (m as Message | null)?.id === messageId);
  const parsed = MessageSchema.safeParse(list[index]);
  if (index < 0 || !parsed.success || parsed.data.deleted) throw new TandemError(ErrorCode.NotFound, `message ${messageId} not found`);
  if (parsed.data.by !== by) throw new TandemError(ErrorCode.Forbidden, 'Only its author can change a message.');
  return { messages: messages as Y.Array<Message>, index, message: parsed.data };
}

/** Replaces the text (and the mentions parsed from it) of `by`'s message; marks it edited. */
export function editMessage(
  doc: Y.Doc,
  threadId: string,
  messageId: string,
  input: { by: string; text: string; mentions?: string[] },
  origin?: unknown,
): void {
  const { messages, index, message } = findMessage(doc, threadId, messageId, input.by);
  const text = checkText(input.text);
  if (text === message.text) return; // nothing to record
  // The words before this edit, kept: the first version and the latest ones when there are many.
  const was = [...(message.earlier ?? []), { text: message.text, at: message.editedAt ?? message.at }];
  const earlier = was.length > MAX_EARLIER ? [was[0], ...was.slice(was.length - MAX_EARLIER + 1)] : was;
  const edited: Message = { ...message, text, mentions: z.array(z.string()).parse(input.mentions ?? []), editedAt: Date.now(), earlier };
  doc.transact(() => {
    messages.delete(index, 1);
    messages.insert(index, [edited]);
  }, origin);
}

/**
 * Deletes `by`'s message. A thread left without a message is removed (nothing is left to read or
 * resolve); otherwise the message stays as an empty tombstone so the replies keep their context.
 * Returns whether the thread was removed.
 */
export function deleteMessage(doc: Y.Doc, threadId: string, messageId: string, by: string, origin?: unknown): boolean {
  const { messages, index, message } = findMessage(doc, threadId, messageId, by);
  const others = messages.toArray().filter((m, i) => i !== index && !(m as Message | null)?.deleted);
  doc.transact(() => {
    if (!others.length) {
      threadsMap(doc).delete(threadId);
      return;
    }
    messages.delete(index, 1);
    // Deleted means gone: its earlier wordings go too.
    const { earlier: _earlier, ...rest } = message;
    messages.insert(index, [{ ...rest, text: '', mentions: [], deleted: true, editedAt: Date.now() }]);
  }, origin);
  return !others.length;
}
