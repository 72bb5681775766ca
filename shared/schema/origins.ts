/**
 * Transaction origins. Every write to a Tandem document runs in `doc.transact(fn, origin)`; the
 * origin says who made it, so that a `Y.UndoManager` can track only a user's own edits
 * (`trackedOrigins: new Set([localOrigin])`) and observers can tell local from remote changes.
 */

/**
 * The origin of one user's own edits in one editor session. Make one per session and pass the
 * same instance to every mutator and to the session's undo manager; edits that arrive from the
 * network carry another origin and are never undone by this user.
 */
export class LocalOrigin {
  /** `userId` is who edits; `sessionId` tells two tabs of one user apart. */
  constructor(
    readonly userId: string,
    readonly sessionId: string = '',
  ) {}
}

/** Edits the server makes itself (migrations, restoring a version, maintenance). */
export const ServerOrigin = Object.freeze({ kind: 'server' as const });

/** Edits made by importing a dataset. */
export const ImportOrigin = Object.freeze({ kind: 'import' as const });

/** True when `origin` is a {@link LocalOrigin} (of any session). */
export function isLocalOrigin(origin: unknown): origin is LocalOrigin {
  return origin instanceof LocalOrigin;
}
