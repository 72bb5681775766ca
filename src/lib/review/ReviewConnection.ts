// The review room of a task (`review:<taskId>`, contract 3) uses the same connection as the task
// room: y-indexeddb first, then y-websocket on /sync, with sync status and read-only detection.
// One class for both rooms so offline comments survive a closed tab exactly like masks do.
import { TaskConnection } from '../sync/TaskConnection';

/** The room name of a task's review document. */
export function reviewRoom(taskId: string): string {
  return `review:${taskId}`;
}

/**
 * Opens the review room of `taskId`. The editor's connection is present in the room (createReview
 * sets its awareness state, which the server stamps with the user): the task list shows who is in
 * each task from it. Watchers (the task list's badges) pass `watch: true`: no IndexedDB copy per
 * task, and no awareness state, so looking at the list does not put anyone "in" a task.
 */
export function openReviewConnection(opts: { origin: string; token: string; taskId: string; watch?: boolean }): TaskConnection {
  return new TaskConnection({ origin: opts.origin, token: opts.token, room: reviewRoom(opts.taskId), persist: !opts.watch, observer: opts.watch });
}
