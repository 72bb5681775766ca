// Live review status of many tasks for the project's task list. The server's task list carries
// each task's status as of the request (the row mirrors the review room: server/dataset/
// rowMirrors.ts); this reads it from each task's `review:` room (read-only use, no IndexedDB
// copy) so the list stays live as reviewers move tasks, with who has each task open (the editor's
// review connection is present in the room; these watchers are not). Capped: the project page
// watches the cards on screen (components/visibleCards.ts), at most MAX_WATCHED of them; the others
// show the server's column, which the page re-reads every 30 s.
import { createSubscriber } from 'svelte/reactivity';
import { z } from 'zod';
import { observeReview, readTaskStatus, type TaskStatus } from '../../../shared/schema/review';
import type { TaskConnection } from '../sync/TaskConnection';
import { openReviewConnection } from './ReviewConnection';

/** A present user as the server stamps it on awareness states (other people's JSON: validated). */
const PresentUser = z.object({ id: z.string(), name: z.string() });

/** At most this many review rooms are opened at once (one websocket each). */
export const MAX_WATCHED = 48;

export class TaskStatuses {
  #conns = new Map<string, { conn: TaskConnection; off: () => void }>();
  #listeners = new Set<() => void>();
  #subscribe: () => void;

  constructor(private opts: { origin: string; token: string }) {
    this.#subscribe = createSubscriber((update) => {
      this.#listeners.add(update);
      return () => this.#listeners.delete(update);
    });
  }

  /** Watches exactly these tasks (the first MAX_WATCHED), closing rooms of tasks no longer listed. */
  watch(taskIds: readonly string[]): void {
    const want = new Set(taskIds.slice(0, MAX_WATCHED));
    for (const [id, c] of this.#conns) {
      if (want.has(id)) continue;
      c.off();
      c.conn.destroy();
      this.#conns.delete(id);
    }
    for (const id of want) {
      if (this.#conns.has(id)) continue;
      const conn = openReviewConnection({ ...this.opts, taskId: id, watch: true });
      const offReview = observeReview(conn.doc, (c) => c.task && this.#notify());
      const onPresence = () => this.#notify();
      conn.awareness.on('change', onPresence);
      const off = () => {
        offReview();
        conn.awareness.off('change', onPresence);
      };
      this.#conns.set(id, { conn, off });
    }
    this.#notify();
  }

  #notify(): void {
    for (const l of this.#listeners) l();
  }

  /** The task's review status (who moved it, when), or null when unknown or never set. */
  of(taskId: string): TaskStatus | null {
    this.#subscribe();
    const c = this.#conns.get(taskId);
    return c ? readTaskStatus(c.conn.doc) : null;
  }

  /** Who has the task open in the editor now (one entry per user, by name), when watched. */
  present(taskId: string): Array<{ id: string; name: string }> {
    this.#subscribe();
    const c = this.#conns.get(taskId);
    if (!c) return [];
    const byId = new Map<string, string>();
    c.conn.awareness.getStates().forEach((state, clientId) => {
      const user = PresentUser.safeParse((state as { user?: unknown }).user);
      if (clientId !== c.conn.awareness.clientID && user.success) byId.set(user.data.id, user.data.name);
    });
    return [...byId].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name));
  }

  destroy(): void {
    for (const c of this.#conns.values()) {
      c.off();
      c.conn.destroy();
    }
    this.#conns.clear();
    this.#listeners.clear();
  }
}
