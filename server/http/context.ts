// What the HTTP routes need, built once by server/app.ts.
import type { IncomingMessage } from 'node:http';
import { ErrorCode, TandemError } from '../../shared/protocol/errors';
import type { Role } from '../../shared/protocol/roles';
import type { ProjectId } from '../../shared/schema/ids';
import type { Auth } from '../auth/types';
import type { Config } from '../config';
import type { InferenceService } from '../inference/index';
import type { Logger } from '../logger';
import type { Project, Storage, User } from '../storage/types';
import type { SyncServer } from '../sync/SyncServer';
import type { WebhookEvents } from '../webhooks/events';
import { noteUser } from './requestFacts';

export interface HttpDeps {
  config: Config;
  log: Logger;
  storage: Storage;
  auth: Auth;
  sync: SyncServer;
  inference: () => InferenceService | null;
  /** True once every part has started (GET /healthz answers 200 only then). */
  isReady: () => boolean;
  /** Webhook events the routes raise (uploads, deletions); absent in tools that run no server. */
  hookEvents?: Pick<WebhookEvents, 'told' | 'prelabelled'>;
  /**
   * An image is about to become a task of the project, called before its row is written
   * (pre-labelling new uploads, when the project asks for it). A rejection fails the upload.
   */
  uploading?: (projectId: ProjectId, taskId: string) => Promise<void>;
  /** The task `uploading` announced is not to be pre-labelled after all: not made (the same image was there, or the write failed), or deleted. */
  uploadDropped?: (projectId: ProjectId, taskId: string) => Promise<void>;
}

/**
 * The user of a request: `Authorization: Bearer <token>`, or, where `allowQueryToken` (GETs the
 * browser makes without headers: <img> and download links), `?token=`.
 */
export async function requireUser(deps: HttpDeps, req: IncomingMessage, query: URLSearchParams, allowQueryToken = false): Promise<User> {
  const header = req.headers.authorization;
  let token: string | null = null;
  if (header) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) throw new TandemError(ErrorCode.Unauthorized, 'Authorization header must be "Bearer <token>"');
    token = m[1];
  } else if (allowQueryToken) {
    token = query.get('token');
  }
  const user = await deps.auth.authenticate(token);
  noteUser(req, user);
  return user;
}

/** The caller's role in the project, which must be `owner` (else `forbidden`). */
export async function requireOwner(deps: HttpDeps, user: User, projectId: ProjectId): Promise<Role> {
  const role = await deps.auth.projectRole(user, projectId);
  if (role !== 'owner') throw new TandemError(ErrorCode.Forbidden, 'only the project owner may do this');
  return role;
}

/** The signed-in user, who must own the project, and the project (`not_found` when it is gone). */
export async function ownedProject(deps: HttpDeps, req: IncomingMessage, query: URLSearchParams, id: string): Promise<{ user: User; project: Project }> {
  const user = await requireUser(deps, req, query);
  await requireOwner(deps, user, id as ProjectId);
  const project = await deps.storage.meta.getProject(id as ProjectId);
  if (!project) throw new TandemError(ErrorCode.NotFound, 'project not found');
  return { user, project };
}
