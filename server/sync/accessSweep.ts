// Access re-checked for sockets already open. The upgrade checks the token, the membership and the
// task once; afterwards a token can expire or be revoked, a member can be taken out or given another
// role, a task can be deleted. The node that serves such a change closes the sockets at once and
// tells the others (accessChannel.ts), but a node can miss that message (Redis away when it went
// out). So each node re-checks its open sockets against the store every SYNC_ACCESS_CHECK_MS and
// after its bus resynced: the store is the truth, messages only make the change reach the sockets
// sooner. (An expiry is known when the socket opens: expiry.ts closes it then; the sweep still
// catches one it would have missed.)
import { CloseCode } from '../../shared/protocol/closeCodes';
import { ErrorCode, isTandemError } from '../../shared/protocol/errors';
import type { Role } from '../../shared/protocol/roles';
import type { TaskId } from '../../shared/schema/ids';
import type { Auth } from '../auth/types';
import type { User } from '../storage/types';

/** An open socket as the sweep sees it: who signed in with what, in which task, with which role. */
export interface OpenSocket {
  token: string;
  userId: string;
  taskId: string;
  role: Role;
}

export interface Withdrawal {
  code: number;
  reason: string;
}

/**
 * The sockets whose access is gone or changed, each with its close code: 4401 (token expired or
 * revoked), 4403 (no longer a member), 4404 (task deleted), 1012 (another role: reconnect).
 * Throws when the store cannot answer (a database blink must not close anyone's editor); the
 * next sweep tries again.
 */
export async function withdrawnAccess<S extends OpenSocket>(sockets: readonly S[], auth: Auth): Promise<Map<S, Withdrawal>> {
  const users = new Map<string, Promise<User | Withdrawal>>();
  const roles = new Map<string, Promise<Role | Withdrawal>>();
  const out = new Map<S, Withdrawal>();
  for (const s of sockets) {
    let user = users.get(s.token);
    if (!user) users.set(s.token, (user = auth.authenticate(s.token).catch(refused)));
    const u = await user;
    if (!('id' in u)) {
      out.set(s, u);
      continue;
    }
    // Another user on the same token would be a store bug, but the socket must not outlive it.
    if (u.id !== s.userId) {
      out.set(s, { code: CloseCode.Unauthorized, reason: 'unauthorized: token now names another user' });
      continue;
    }
    const key = `${u.id}\u0000${s.taskId}`;
    let role = roles.get(key);
    if (!role) roles.set(key, (role = auth.taskAccess(u, s.taskId as TaskId).then((a) => a.role, refused)));
    const r = await role;
    if (typeof r !== 'string') out.set(s, r);
    else if (r !== s.role) out.set(s, { code: CloseCode.Reconnect, reason: 'your role changed' });
  }
  return out;
}

/** A refusal of the store as a close code; anything else (the store failing) is rethrown. */
function refused(e: unknown): Withdrawal {
  if (!isTandemError(e)) throw e;
  switch (e.code) {
    case ErrorCode.TokenExpired:
      return { code: CloseCode.Unauthorized, reason: 'token_expired: token expired' };
    case ErrorCode.Unauthorized:
      return { code: CloseCode.Unauthorized, reason: 'unauthorized: token revoked' };
    case ErrorCode.Forbidden:
      return { code: CloseCode.Forbidden, reason: 'forbidden: not a member of this project any more' };
    case ErrorCode.NotFound:
      return { code: CloseCode.UnknownRoom, reason: 'not_found: the task was deleted' };
    default:
      throw e;
  }
}
