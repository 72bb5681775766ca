// The review room of a task (`review:<taskId>`, contract 3) uses the same connection as the task
// room: y-indexeddb first, then y-websocket on /sync, with sync status and read-only detection.
// One class for both rooms so offline comments survive a closed tab exactly like masks do.
import { TaskConnection } from '../sync/TaskConnection';

/** The room name of a task's review document. */
export function reviewRoom(taskId: string): string {
  return `review:${taskId}`;
}

/**
 * Opens the review room of `taskId`. `persist: false` for short-lived read-only watchers (the task
 * list's status badges) that should not fill IndexedDB with one copy per task.
 */
export function openReviewConnection(opts: { origin: string; token: string; taskId: string; persist?: boolean }): TaskConnection {
  return new TaskConnection({ origin: opts.origin, token: opts.token, room: reviewRoom(opts.taskId), persist: opts.persist });
}
