// Who may keep which socket, on this node and across nodes: a member taken out or given another
// role, a task deleted (accessChannel.ts carries the change to the other nodes), and the periodic
// re-check of every open socket against the store (accessSweep.ts), which also catches what no
// message announces (an expired token) and what a node missed while Redis was away.
import { CloseCode } from '../../shared/protocol/closeCodes';
import { parseRoom } from '../../shared/protocol/roles';
import type { TaskId } from '../../shared/schema/ids';
import type { Auth } from '../auth/types';
import type { Logger } from '../logger';
import type { Storage } from '../storage/types';
import { ACCESS_STREAM, openAccessChannel } from './accessChannel';
import { withdrawnAccess, type OpenSocket } from './accessSweep';
import type { SyncMetrics } from './metrics';
import type { Conn, Room } from './Room';

export interface AccessControlDeps {
  /** The sync server's loaded rooms, by name (shared: a dropped room leaves this map). */
  rooms: Map<string, Promise<Room>>;
  storage: Storage;
  auth: Auth;
  log: Logger;
  metrics: SyncMetrics;
  accessCheckMs: number;
  isClosing(): boolean;
}

/** The SyncServer's closeUser / dropRooms / recheckAccess (documented there), and close(). */
export function createAccessControl(deps: AccessControlDeps) {
  const { rooms, storage, auth, log, metrics } = deps;

  /** The rooms loaded here now (a room that failed to load, or is closing, is none). */
  async function liveRooms(): Promise<Room[]> {
    const all = await Promise.all([...rooms.values()].map((p) => p.catch(() => null)));
    return all.filter((r): r is Room => r !== null && !r.closed);
  }

  async function closeUserHere(userId: string, taskIds: ReadonlySet<string>, code: number, reason: string): Promise<number> {
    let n = 0;
    for (const room of await liveRooms()) if (taskIds.has(room.taskId)) n += room.closeUser(userId, code, reason);
    return n;
  }

  /** Unloads the rooms loaded here (sockets closed, nothing compacted); resolves their names. */
  async function dropRoomsHere(names: string[], code: number, reason: string): Promise<string[]> {
    const dropped: string[] = [];
    for (const name of names) {
      const p = rooms.get(name);
      if (!p) continue;
      rooms.delete(name);
      const room = await p.catch(() => null);
      if (!room || room.closed) continue;
      room.closeAll(code, reason);
      await room.close({ compact: false });
      dropped.push(name);
    }
    return dropped;
  }

  /**
   * Another node deleted the task, or the access sweep found it gone: the rooms loaded here are
   * unloaded, and what they stored since the deleting node deleted the rows (their last appends
   * land after it) is deleted too, once the store confirms the task is gone.
   */
  async function dropDeletedHere(names: string[], code: number, reason: string): Promise<void> {
    const dropped = await dropRoomsHere(names, code, reason);
    const orphans: string[] = [];
    for (const name of dropped) {
      const parsed = parseRoom(name);
      if (parsed && !(await storage.meta.getTask(parsed.taskId as TaskId))) orphans.push(name);
    }
    if (orphans.length) await storage.docs.deleteRooms(orphans);
  }

  // Other nodes' access changes, applied to this node's sockets (accessChannel.ts).
  const access = openAccessChannel(
    storage.bus,
    (c) => (c.op === 'closeUser' ? closeUserHere(c.userId, new Set(c.taskIds), c.code, c.reason) : dropDeletedHere(c.rooms, c.code, c.reason)),
    log,
  );

  async function closeUser(userId: string, taskIds: ReadonlySet<string>, code: number, reason: string): Promise<number> {
    const n = await closeUserHere(userId, taskIds, code, reason);
    await access.publish({ op: 'closeUser', userId, taskIds: [...taskIds], code, reason });
    return n;
  }

  async function dropRooms(names: string[], code: number, reason: string): Promise<void> {
    await dropRoomsHere(names, code, reason);
    await access.publish({ op: 'dropRooms', rooms: names, code, reason });
  }

  // The store is the truth for access; the channel's messages only bring a change sooner.
  let sweeping: Promise<number> | null = null;
  function recheckAccess(): Promise<number> {
    return (sweeping ??= sweepAccess().finally(() => (sweeping = null)));
  }
  async function sweepAccess(): Promise<number> {
    const open: Array<OpenSocket & { conn: Conn; room: Room }> = [];
    for (const room of await liveRooms()) {
      for (const conn of room.conns) open.push({ token: conn.token, userId: conn.user.id, taskId: room.taskId, role: conn.role, conn, room });
    }
    if (open.length === 0 || deps.isClosing()) return 0;
    let withdrawn;
    try {
      withdrawn = await withdrawnAccess(open, auth);
    } catch (err) {
      log.warn({ err }, 'access re-check skipped: the store did not answer');
      return 0;
    }
    const gone = new Map<string, string>();
    for (const [{ conn, room }, w] of withdrawn) {
      if (w.code === CloseCode.UnknownRoom) gone.set(room.name, w.reason);
      else conn.ws.close(w.code, w.reason);
    }
    for (const [name, reason] of gone) await dropDeletedHere([name], CloseCode.UnknownRoom, reason);
    if (withdrawn.size) log.info({ sockets: withdrawn.size }, 'access re-check closed sockets');
    metrics.accessWithdrawn += withdrawn.size;
    return withdrawn.size;
  }
  const sweepTimer = setInterval(() => void recheckAccess(), deps.accessCheckMs);
  sweepTimer.unref();
  const offResync = storage.bus.onResync?.(ACCESS_STREAM, () => void recheckAccess());

  return {
    closeUser,
    dropRooms,
    recheckAccess,
    close() {
      access.close();
      offResync?.();
      clearInterval(sweepTimer);
    },
  };
}
