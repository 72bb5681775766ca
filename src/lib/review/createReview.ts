// Opens the review side of a task next to its editor: the `review:<taskId>` room (IndexedDB +
// websocket), its commands under this user's own origin, and the HTTP client for history.
import type { Role } from '../../../shared/protocol/roles';
import { newId } from '../../../shared/schema/ids';
import { LocalOrigin } from '../../../shared/schema/origins';
import { ReviewApi } from './reviewApi';
import { ReviewCommands } from './ReviewCommands';
import { openReviewConnection } from './ReviewConnection';
import { ReviewState } from './ReviewState.svelte';

export interface CreateReviewOptions {
  origin: string;
  token: string;
  taskId: string;
  projectId: string;
  role: Role;
  userId: string;
  /** User id → display name of the project's members (read live: the list can change). */
  names: () => Record<string, string>;
}

export function createReview(opts: CreateReviewOptions): { state: ReviewState; destroy(): void } {
  const conn = openReviewConnection({ origin: opts.origin, token: opts.token, taskId: opts.taskId });
  // Present in the review room, so the task list shows who has the task open (the server stamps
  // the user on the state). Set explicitly: Awareness's initial state has clock 0, which peers
  // ignore.
  conn.awareness.setLocalState({ open: 'editor' });
  let state: ReviewState | null = null;
  const commands = new ReviewCommands({
    doc: conn.doc,
    userId: opts.userId,
    origin: new LocalOrigin(opts.userId, newId(8)),
    memberNames: () => Object.values(opts.names()),
    canWrite: () => state?.canWrite ?? false,
    canDecide: () => state?.canDecide ?? false,
  });
  state = new ReviewState({
    conn,
    commands,
    api: new ReviewApi(opts.token, opts.origin),
    role: opts.role,
    userId: opts.userId,
    taskId: opts.taskId,
    projectId: opts.projectId,
    names: opts.names,
  });
  const s = state;
  return {
    state: s,
    destroy() {
      s.destroy();
      conn.destroy();
    },
  };
}
