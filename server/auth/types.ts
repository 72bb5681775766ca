import type { Role } from '../../shared/protocol/roles';
import type { ProjectId, TaskId } from '../../shared/schema/ids';
import type { Task, User } from '../storage/types';

/** Token checks and per-project roles, shared by HTTP, /sync and socket.io. */
export interface Auth {
  /** The user of a bearer token; throws TandemError `unauthorized` or `token_expired`. */
  authenticate(token: string | null | undefined): Promise<User>;
  /** {@link authenticate} with when the token expires (epoch ms, null: never): a socket that
   *  signed in with it is closed then (server/sync/expiry.ts). */
  signIn(token: string | null | undefined): Promise<{ user: User; expiresAt: number | null }>;
  /** The user's role in a project (admins are `owner` everywhere); throws `forbidden` or `not_found`. */
  projectRole(user: User, projectId: ProjectId): Promise<Role>;
  /** The task and the user's role in its project; throws `not_found` or `forbidden`. */
  taskAccess(user: User, taskId: TaskId): Promise<{ task: Task; role: Role }>;
}
