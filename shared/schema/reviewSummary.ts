// What a task's row keeps of its review room (server/dataset/rowMirrors.ts), for the lists that
// cannot open every room: the project page's badges and filters, the work queues, API clients.
import type * as Y from 'yjs';
import { listThreads, readVerdicts } from './review';

/**
 * What the task's reviewers wait on: objects with "changes requested" as their current verdict,
 * and a reviewer's unresolved requests on the image itself (not on an object: "you missed the car
 * here", the finding no object verdict can carry; an annotator's question is no request).
 */
export function countToFix(doc: Y.Doc): number {
  const objects = Object.values(readVerdicts(doc)).filter((v) => v.verdict === 'changes_requested').length;
  return objects + listThreads(doc, { objectId: null, openOnly: true }).filter((t) => t.request).length;
}

/** Open discussion on a task: unresolved threads, and who is mentioned in them. */
export interface ThreadSummary {
  /** Unresolved threads. */
  open: number;
  /** Member names mentioned in any message of an unresolved thread, sorted, each once. */
  mentioned: string[];
}

export function threadSummary(doc: Y.Doc): ThreadSummary {
  const open = listThreads(doc, { openOnly: true });
  const names = new Set(open.flatMap((t) => t.messages.flatMap((m) => m.mentions)));
  return { open: open.length, mentioned: [...names].sort() };
}
