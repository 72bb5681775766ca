// One loaded sync room: its Y.Doc, its awareness, the sockets in it. Every update applied to the
// doc (from a client, the server or another node) is relayed at once to the room's other sockets;
// updates that did not come from the bus are appended to the durable log and published on the bus.
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { CloseCode } from '../../shared/protocol/closeCodes';
import { ErrorCode, TandemError } from '../../shared/protocol/errors';
import type { Role, RoomKind } from '../../shared/protocol/roles';
import { ensureAttributeMaps, initTaskDoc } from '../../shared/schema/annotation';
import type { TaskId } from '../../shared/schema/ids';
import { migrateTaskDoc } from '../../shared/schema/migrations';
import { ServerOrigin } from '../../shared/schema/origins';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { compactRoom } from '../storage/compactRoom';
import type { BusMessageKind, Storage, Task, User } from '../storage/types';
import {
  decodeAwarenessUpdate,
  decodeFrame,
  encodeAwareness,
  encodeAwarenessUpdate,
  encodePermissionDenied,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeUpdate,
  isNoopUpdate,
} from './messages';
import type { SyncMetrics } from './metrics';
import { resyncRoom } from '../cluster/resyncRoom';

/** Origin of updates and awareness received from other nodes: relayed, never re-stored. */
export const BusOrigin = Symbol('bus');

/** One socket in a room. Its object is also the Yjs origin of the updates it sends. */
export interface Conn {
  ws: WebSocket;
  user: User;
  /** The token it signed in with: the access sweep re-checks it (accessSweep.ts). */
  token: string;
  role: Role;
  readOnly: boolean;
  /** Awareness client ids this socket set (removed when it leaves). */
  awarenessIds: Set<number>;
  /** When this socket was last told that a write was refused (ms), to throttle the answer. */
  lastDeniedAt: number;
}

export interface RoomDeps {
  config: Config;
  log: Logger;
  storage: Storage;
  metrics: SyncMetrics;
  /** Called when the last socket left. */
  onEmpty(room: Room): void;
  /** Called when an update could not be stored: the room must not serve another socket. */
  onFailed?(room: Room): void;
}

export class Room {
  readonly doc = new Y.Doc();
  readonly awareness: awarenessProtocol.Awareness;
  readonly conns = new Set<Conn>();
  /** Set once the room is unloaded; a socket that got this room late must load it again. */
  closed = false;
  /** Set when an update could not be stored: frames still arriving on its closing sockets are
   *  dropped (their clients push them again into the room loaded afresh). */
  failed = false;
  private logLength = 0;
  private compacting: Promise<void> | null = null;
  private pending = new Set<Promise<void>>();
  private unsubscribeBus: () => void = () => {};
  /** Which socket owns each awareness client id, so one socket cannot overwrite another's. */
  private awarenessOwner = new Map<number, Conn>();
  private log: Logger;

  private constructor(readonly name: string, readonly kind: RoomKind, readonly taskId: TaskId, private deps: RoomDeps) {
    this.log = deps.log.child({ room: name });
    this.awareness = new awarenessProtocol.Awareness(this.doc);
    // The server has no presence of its own.
    this.awareness.setLocalState(null);
  }

  /**
   * Loads a room: subscribe to the bus (buffering until loaded, so nothing published meanwhile is
   * missed), replay the stored log, then (task rooms) initialise meta from the Task record and
   * migrate older documents. Those last writes are ordinary updates: stored and relayed.
   */
  static async load(name: string, kind: RoomKind, task: Task, deps: RoomDeps): Promise<Room> {
    const room = new Room(name, kind, task.id, deps);
    const early: Array<[BusMessageKind, Uint8Array]> = [];
    let ready = false;
    room.unsubscribeBus = deps.storage.bus.subscribe(name, (k, data) => {
      if (ready) room.applyFromBus(k, data);
      else early.push([k, data]);
    });
    // Multi-node: when the bus says updates may have been missed, reconcile with the durable store.
    const offResync = deps.storage.bus.onResync?.(name, () => {
      if (ready && !room.closed) void resyncRoom({ room: name, doc: room.doc, storage: deps.storage, origin: BusOrigin, log: room.log });
    });
    if (offResync) {
      const offBus = room.unsubscribeBus;
      room.unsubscribeBus = () => {
        offBus();
        offResync();
      };
    }
    try {
      const stored = await deps.storage.docs.load(name);
      Y.transact(room.doc, () => {
        for (const u of stored.updates) {
          try {
            Y.applyUpdate(room.doc, u);
          } catch (e) {
            // A corrupt row must not make the whole room unloadable; clients re-push what they have.
            room.log.error({ err: e }, 'skipping an unreadable stored update');
          }
        }
      });
      room.logLength = stored.updates.length;
      room.doc.on('update', (update: Uint8Array, origin: unknown) => room.onDocUpdate(update, origin));
      room.awareness.on('update', (change: AwarenessChange, origin: unknown) => room.onAwarenessUpdate(change, origin));
      if (kind === 'task') {
        Y.transact(room.doc, () => {
          initTaskDoc(room.doc, { taskId: task.id, width: task.width, height: task.height }, ServerOrigin);
          migrateTaskDoc(room.doc, ServerOrigin);
          ensureAttributeMaps(room.doc, ServerOrigin);
        }, ServerOrigin);
      }
      ready = true;
      for (const [k, data] of early) room.applyFromBus(k, data);
      deps.metrics.rooms++;
      room.log.debug({ rows: stored.updates.length }, 'room loaded');
      return room;
    } catch (e) {
      room.unsubscribeBus();
      room.doc.destroy();
      throw e;
    }
  }

  /** Adds a socket: send our state vector (the client answers with what we lack) and presence. */
  addConn(conn: Conn): void {
    this.conns.add(conn);
    send(conn, encodeSyncStep1(this.doc));
    const states = this.awareness.getStates();
    if (states.size > 0) {
      send(conn, encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, [...states.keys()])));
    }
  }

  removeConn(conn: Conn): void {
    if (!this.conns.delete(conn)) return;
    const ids = [...conn.awarenessIds].filter((id) => this.awarenessOwner.get(id) === conn);
    for (const id of ids) this.awarenessOwner.delete(id);
    if (ids.length) awarenessProtocol.removeAwarenessStates(this.awareness, ids, null);
    // A closed room's sockets leave after it is gone: its name may belong to a new room by then.
    if (this.conns.size === 0 && !this.closed) this.deps.onEmpty(this);
  }

  /**
   * Handles one frame from a socket. Throws on a malformed frame (the caller closes with 4400).
   * Read-only sockets may sync (step 1), query and set awareness; their step 2 and update frames
   * are dropped and, if they carried anything new, answered with permission-denied + our state.
   */
  handleMessage(conn: Conn, data: Uint8Array): void {
    const frame = decodeFrame(data);
    if (this.failed || this.closed) return;
    switch (frame.type) {
      case 'step1':
        send(conn, encodeSyncStep2(this.doc, frame.stateVector));
        return;
      case 'step2':
      case 'update':
        if (conn.readOnly) this.refuseWrite(conn, frame.update);
        else Y.applyUpdate(this.doc, frame.update, conn);
        return;
      case 'awareness':
        this.applyClientAwareness(conn, frame.update);
        return;
      case 'queryAwareness': {
        const ids = [...this.awareness.getStates().keys()];
        send(conn, encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, ids)));
        return;
      }
      case 'auth':
        return; // clients have nothing to tell us over the auth channel
    }
  }

  /** Applies an update written by the server itself (imports, tools): stored, relayed, published. Resolves once durable. */
  async applyServerUpdate(update: Uint8Array): Promise<void> {
    if (this.failed || this.closed) throw new TandemError(ErrorCode.Unavailable, 'the room is being reloaded; try again');
    Y.applyUpdate(this.doc, update, ServerOrigin);
    await this.drain();
    // No client holds a server's write to push it again: its caller (an import, a rename) must
    // hear that it was not stored, and fail rather than report success.
    if (this.failed) throw new TandemError(ErrorCode.Unavailable, 'the change could not be stored; try again');
  }

  /** Resolves once every append issued so far has settled. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /**
   * Stops listening to the bus and frees the doc; the caller checked that no socket is left.
   * `compact`: fold the log into one snapshot first (an unloading room; skipped at shutdown).
   */
  async close(opts: { compact: boolean }): Promise<void> {
    this.closed = true;
    this.unsubscribeBus();
    await this.drain();
    if (opts.compact && this.logLength > 1) this.compactSoon();
    await this.compacting;
    this.awareness.destroy();
    this.doc.destroy();
    this.deps.metrics.rooms--;
  }

  /** Closes every socket (e.g. the log cannot be written: clients reconnect and push their state again). */
  closeAll(code: number, reason: string): void {
    for (const c of this.conns) c.ws.close(code, reason);
  }

  /** Closes the sockets of one user (e.g. taken out of the project). Returns how many. */
  closeUser(userId: string, code: number, reason: string): number {
    let n = 0;
    for (const c of this.conns) {
      if (c.user.id !== userId) continue;
      c.ws.close(code, reason);
      n++;
    }
    return n;
  }

  private refuseWrite(conn: Conn, update: Uint8Array): void {
    if (isNoopUpdate(this.doc, update)) return;
    this.deps.metrics.deniedWrites++;
    const now = Date.now();
    // One answer per second at most: a client that keeps writing gets no flood back.
    if (now - conn.lastDeniedAt < 1000) return;
    conn.lastDeniedAt = now;
    send(conn, encodePermissionDenied('read-only'));
    // Resync: everything the server has. Not a sync step 1: the client would answer it with the
    // refused changes again, and we would refuse them again, in a loop.
    send(conn, encodeSyncStep2(this.doc));
  }

  /**
   * Awareness from a socket: identity fields come from the token, not the client (`user.id`,
   * `user.name`, `user.role` overwritten; other `user` fields such as a colour kept), and a socket
   * may only change the client ids it introduced.
   */
  private applyClientAwareness(conn: Conn, update: Uint8Array): void {
    const identity = { id: conn.user.id, name: conn.user.name, role: conn.role };
    const kept = decodeAwarenessUpdate(update).filter((en) => {
      const owner = this.awarenessOwner.get(en.clientID);
      if (owner && owner !== conn) return false;
      if (en.state) {
        const user = en.state.user && typeof en.state.user === 'object' && !Array.isArray(en.state.user) ? en.state.user : {};
        en.state = { ...en.state, user: { ...(user as object), ...identity } };
      }
      return true;
    });
    if (kept.length) awarenessProtocol.applyAwarenessUpdate(this.awareness, encodeAwarenessUpdate(kept), conn);
  }

  private applyFromBus(kind: BusMessageKind, data: Uint8Array): void {
    try {
      if (kind === 'update') Y.applyUpdate(this.doc, data, BusOrigin);
      else if (kind === 'awareness') awarenessProtocol.applyAwarenessUpdate(this.awareness, data, BusOrigin);
    } catch (e) {
      this.log.error({ err: e, kind }, 'dropping an unreadable bus message');
    }
  }

  private onDocUpdate(update: Uint8Array, origin: unknown): void {
    const m = this.deps.metrics;
    m.updates++;
    m.updateBytes += update.byteLength;
    const frame = encodeUpdate(update);
    for (const c of this.conns) if (c !== origin) send(c, frame);
    if (origin === BusOrigin) return; // the node that received it stored it
    this.persist(update);
    this.deps.storage.bus.publish(this.name, 'update', update).catch((e: unknown) => this.log.error({ err: e }, 'bus publish failed'));
  }

  private onAwarenessUpdate(change: AwarenessChange, origin: unknown): void {
    const changed = [...change.added, ...change.updated, ...change.removed];
    if (isConn(origin)) {
      for (const id of [...change.added, ...change.updated]) {
        origin.awarenessIds.add(id);
        this.awarenessOwner.set(id, origin);
      }
      for (const id of change.removed) {
        origin.awarenessIds.delete(id);
        this.awarenessOwner.delete(id);
      }
    }
    const update = awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed);
    const frame = encodeAwareness(update);
    for (const c of this.conns) send(c, frame);
    if (origin !== BusOrigin) {
      this.deps.storage.bus.publish(this.name, 'awareness', update).catch((e: unknown) => this.log.warn({ err: e }, 'bus publish failed'));
    }
  }

  private persist(update: Uint8Array): void {
    const t0 = performance.now();
    const p = this.deps.storage.docs.append(this.name, update).then(
      () => {
        this.deps.metrics.persistLatency.add(performance.now() - t0);
        this.logLength++;
        if (this.logLength > this.deps.config.sync.compactAfter) this.compactSoon();
      },
      (e: unknown) => {
        this.deps.metrics.persistErrors++;
        this.log.error({ err: e }, 'update log append failed; dropping the room so clients resync');
        // The clients still hold the update; on reconnect their sync step 2 pushes it again. Not
        // into this room, whose doc already has it (the push would add nothing and the store would
        // never get it): the room is dropped and the next socket loads it afresh from storage.
        this.failed = true;
        this.closeAll(CloseCode.Internal, 'storage error');
        this.deps.onFailed?.(this);
      },
    );
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** Compacts the stored log in the background; one compaction per room at a time. */
  compactSoon(): void {
    if (this.compacting) return;
    this.compacting = (async () => {
      try {
        const r = await compactRoom(this.deps.storage.docs, this.name, Y);
        this.logLength = await this.deps.storage.docs.logLength(this.name);
        if (r) {
          this.deps.metrics.compactions++;
          this.log.debug({ ...r }, 'room compacted');
        }
      } catch (e) {
        this.log.error({ err: e }, 'compaction failed');
      } finally {
        this.compacting = null;
      }
    })();
  }
}

interface AwarenessChange {
  added: number[];
  updated: number[];
  removed: number[];
}

function isConn(o: unknown): o is Conn {
  return typeof o === 'object' && o !== null && 'ws' in o && 'awarenessIds' in o;
}

/**
 * Bytes queued for one socket beyond which it is dropped: a client that stopped reading must not
 * grow the server's memory without bound. It reconnects and resyncs (sync step 1/2) when it can.
 */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

function send(conn: Conn, frame: Uint8Array): void {
  if (conn.ws.readyState !== WebSocket.OPEN) return;
  if (conn.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
    conn.ws.terminate();
    return;
  }
  conn.ws.send(frame, (err) => {
    // A failed send means the socket is going away; its close handler cleans up.
    if (err) conn.ws.terminate();
  });
}
