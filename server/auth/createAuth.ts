// Token checks and per-project roles. One instance is shared by the HTTP API, /sync and the
// socket.io namespaces, so every entry point answers the same codes for the same token.
import { ErrorCode, TandemError } from '../../shared/protocol/errors';
import type { Role } from '../../shared/protocol/roles';
import type { ProjectId, TaskId } from '../../shared/schema/ids';
import type { MetaStore, Task, User } from '../storage/types';
import type { Auth } from './types';

/** Builds the Auth service over a MetaStore (tokens are stored hashed by the MetaStore). */
export function createAuth(meta: MetaStore): Auth {
  async function signIn(token: string | null | undefined): Promise<{ user: User; expiresAt: number | null }> {
    if (!token || typeof token !== 'string') throw new TandemError(ErrorCode.Unauthorized, 'missing token');
    const r = await meta.resolveToken(token);
    if ('user' in r) return r;
    if (r.error === 'expired') throw new TandemError(ErrorCode.TokenExpired, 'token expired');
    throw new TandemError(ErrorCode.Unauthorized, 'unknown token');
  }

  async function projectRole(user: User, projectId: ProjectId): Promise<Role> {
    const project = await meta.getProject(projectId);
    if (!project) throw new TandemError(ErrorCode.NotFound, 'project not found');
    // Admins own every project: they can add members and write every room.
    if (user.isAdmin) return 'owner';
    const role = await meta.getRole(projectId, user.id);
    if (!role) throw new TandemError(ErrorCode.Forbidden, 'not a member of this project');
    return role;
  }

  async function taskAccess(user: User, taskId: TaskId): Promise<{ task: Task; role: Role }> {
    const task = await meta.getTask(taskId);
    if (!task) throw new TandemError(ErrorCode.NotFound, 'task not found');
    const role = await projectRole(user, task.projectId);
    return { task, role };
  }

  const authenticate = async (token: string | null | undefined): Promise<User> => (await signIn(token)).user;

  return { authenticate, signIn, projectRole, taskAccess };
}
