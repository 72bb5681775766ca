// The /sync endpoint: the y-websocket protocol over `ws`, as a hook pipeline.
//   1. authenticate (at the upgrade): token → user, room name → task, membership → role →
//      read-only or not. Failures close the socket with a documented code (CONTEXT.md).
//   2. load: one Room (Y.Doc + awareness) per room name, loaded from the DocStore on first use,
//      unloaded (and compacted) a grace period after the last socket left.
//   3. store: every applied update is relayed at once and appended to the durable log (Room).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import * as Y from 'yjs';
import { CloseCode } from '../../shared/protocol/closeCodes';
import { ErrorCode, isTandemError } from '../../shared/protocol/errors';
import { canWriteRoom, parseRoom } from '../../shared/protocol/roles';
import type { TaskId } from '../../shared/schema/ids';
import type { Auth } from '../auth/types';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { Storage, Task } from '../storage/types';
import { createAccessControl } from './accessControl';
import { atExpiry } from './expiry';
import { createSyncMetrics, type SyncMetrics } from './metrics';
import { Room, type Conn } from './Room';

export interface SyncHooks {
  /** A task room was loaded (a user opened the task): inference warms its image. */
  onLoad?(taskId: TaskId): void;
  /** A loaded room's document changed (any origin): object history records settled states. */
  onChange?(room: string, taskId: TaskId): void;
  /** The server wrote to a room this node had not loaded (an import, a label rename, a restore). */
  onStoredWrite?(room: string, taskId: TaskId): void;
  /** A review room was loaded or its document changed (any origin): the task row mirrors its status. */
  onReview?(taskId: TaskId, doc: Y.Doc): void;
}

export interface SyncServerDeps {
  config: Config;
  log: Logger;
  storage: Storage;
  auth: Auth;
  hooks?: SyncHooks;
}

export interface SyncServer {
  /** Takes over an HTTP upgrade request for `/sync/<room>?token=`. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Runs `fn` on the room's document: the live one when loaded, else a copy replayed from storage. */
  withDoc<T>(room: string, fn: (doc: Y.Doc) => T): Promise<T>;
  /** Applies an update written by the server (imports): stored, relayed to sockets, published. Resolves once durable. */
  applyServerUpdate(room: string, update: Uint8Array): Promise<void>;
  readonly metrics: SyncMetrics;
  /** Names of the rooms loaded now: with sockets, or left within the unload grace period. */
  loadedRooms(): string[];
  /**
   * Closes a user's sockets in the rooms of the given tasks (access withdrawn, or changed: 1012),
   * with `code`: here, and on every other node through the bus (accessChannel.ts). Resolves how
   * many it closed on this node.
   */
  closeUser(userId: string, taskIds: ReadonlySet<string>, code: number, reason: string): Promise<number>;
  /**
   * Unloads rooms whose task is gone, here and on every other node: every socket closed with
   * `code`, what they applied made durable, nothing compacted. The caller deletes the stored rooms
   * afterwards.
   */
  dropRooms(names: string[], code: number, reason: string): Promise<void>;
  /**
   * Re-checks every open socket of this node against the store (accessSweep.ts) and closes those
   * whose access is gone or changed; runs every `sync.accessCheckMs` and after the bus resynced.
   * Resolves how many sockets it closed (0 when the store could not answer).
   */
  recheckAccess(): Promise<number>;
  /**
   * Shutdown: refuses new sockets, waits until every update applied so far is durable, then
   * closes every socket with 1001 (sockets that do not finish the closing handshake within
   * `CLOSE_HANDSHAKE_MS` are cut), stores what arrived meanwhile and unloads the rooms.
   */
  close(): Promise<void>;
}

/** How long a socket told 1001 has to answer the closing handshake before it is cut (ms). */
const CLOSE_HANDSHAKE_MS = 1000;

export function createSyncServer(deps: SyncServerDeps): SyncServer {
  const { config, storage, auth } = deps;
  const log = deps.log.child({ module: 'sync' });
  const metrics = createSyncMetrics();
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.limits.maxFrameBytes });
  const rooms = new Map<string, Promise<Room>>();
  const unloadTimers = new Map<string, NodeJS.Timeout>();
  const unloading = new Set<Promise<void>>();
  const alive = new WeakMap<WebSocket, boolean>();
  let closing = false;
  let closed: Promise<void> | null = null;

  // Keepalive: a socket that has not answered the previous ping is dead (no close frame will come).
  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (alive.get(ws) === false) {
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
  }, config.sync.pingMs);
  heartbeat.unref();

  const roomDeps = {
    config,
    log,
    storage,
    metrics,
    onEmpty: (room: Room) => scheduleUnload(room),
    onFailed: (room: Room) => drop(room),
  };

  /** A room that could not store an update: out of the map at once (the next socket loads the
   *  room from storage, and its client's sync step 2 pushes what the store lacks), then closed. */
  function drop(room: Room): void {
    if (room.closed) return; // unloaded already (a late append): the map may hold its successor
    cancelUnload(room.name);
    rooms.delete(room.name);
    unloadInBackground(room.close({ compact: false }), room, 'closing a failed room failed');
  }

  /** A room going away in the background; shutdown waits for every one (`unloading`). */
  function unloadInBackground(job: Promise<void>, room: Room, failure: string): void {
    const tracked = job.catch((e: unknown) => log.error({ err: e, room: room.name }, failure));
    unloading.add(tracked);
    void tracked.finally(() => unloading.delete(tracked));
  }

  async function getRoom(name: string, kind: 'task' | 'review', task: Task): Promise<Room> {
    const taskId = task.id;
    for (;;) {
      if (closing) throw refusal(CloseCode.GoingAway, 'server shutting down');
      cancelUnload(name);
      let p = rooms.get(name);
      if (!p) {
        // Synchronous from the map check to the set: two sockets of one room share one load.
        const loading = Room.load(name, kind, task, roomDeps);
        p = loading;
        rooms.set(name, loading);
        loading.then(
          (room) => {
            if (kind === 'task') deps.hooks?.onLoad?.(taskId);
            if (deps.hooks?.onChange) room.doc.on('update', () => deps.hooks?.onChange?.(name, taskId));
            const onReview = deps.hooks?.onReview;
            if (kind === 'review' && onReview) {
              onReview(taskId, room.doc);
              room.doc.on('update', () => onReview(taskId, room.doc));
            }
          },
          () => {
            if (rooms.get(name) === loading) rooms.delete(name);
          },
        );
      }
      const room = await p;
      if (!room.closed) return room;
    }
  }

  function cancelUnload(name: string): void {
    const t = unloadTimers.get(name);
    if (t) {
      clearTimeout(t);
      unloadTimers.delete(name);
    }
  }

  function scheduleUnload(room: Room): void {
    if (closing) return; // close() unloads every room itself
    cancelUnload(room.name);
    const t = setTimeout(() => {
      unloadTimers.delete(room.name);
      unloadInBackground(unload(room), room, 'unloading the room failed');
    }, config.sync.unloadGraceMs);
    t.unref();
  }

  async function unload(room: Room): Promise<void> {
    await room.drain();
    // Checked after the await: a socket may have joined meanwhile. From here on everything is
    // synchronous until the room is out of the map, so no socket can join it half-closed.
    if (room.conns.size > 0 || room.closed) return;
    if (rooms.get(room.name) !== undefined) rooms.delete(room.name);
    await room.close({ compact: true });
    log.debug({ room: room.name }, 'room unloaded');
  }

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (closing) {
      socket.destroy();
      return;
    }
    // The upgrade always completes: browsers cannot read an HTTP refusal of a WebSocket, only a
    // close code, so refusals are close frames (4401/4403/4404).
    wss.handleUpgrade(req, socket, head, (ws) => void onConnection(ws, req));
  }

  async function onConnection(ws: WebSocket, req: IncomingMessage): Promise<void> {
    metrics.connections++;
    metrics.connectionsTotal++;
    alive.set(ws, true);
    const queue: Array<{ data: Uint8Array; binary: boolean }> = [];
    let room: Room | null = null;
    let conn: Conn | null = null;
    let gone = false;

    const onFrame = (data: Uint8Array, binary: boolean) => {
      if (!room || !conn) {
        queue.push({ data, binary });
        return;
      }
      try {
        if (!binary) throw new Error('text frame');
        room.handleMessage(conn, data);
      } catch (e) {
        metrics.malformedFrames++;
        log.warn({ room: room.name, user: conn.user.id, err: e }, 'malformed frame; closing the socket');
        ws.close(CloseCode.MalformedFrame, 'malformed frame');
      }
    };
    ws.on('message', (data: RawData, binary: boolean) => onFrame(toBytes(data), binary));
    ws.on('pong', () => alive.set(ws, true));
    ws.on('error', (e) => log.debug({ err: e }, 'socket error'));
    ws.on('close', () => {
      gone = true;
      metrics.connections--;
      if (room && conn) room.removeConn(conn);
    });

    const url = new URL(req.url ?? '/', 'http://localhost');
    const name = safeDecode(url.pathname.slice('/sync/'.length));
    try {
      const token = url.searchParams.get('token');
      const { user, expiresAt } = await auth.signIn(token);
      const parsed = name === null ? null : parseRoom(name);
      if (!parsed || name === null) throw refusal(CloseCode.UnknownRoom, 'unknown room');
      const { task, role } = await auth.taskAccess(user, parsed.taskId as TaskId);
      const readOnly = !canWriteRoom(role, parsed.kind);
      const r = await getRoom(name, parsed.kind, task);
      // close() began while this socket was loading its room: it was told 1001 already (or is
      // told now), and must not join a room that is being unloaded.
      if (closing) throw refusal(CloseCode.GoingAway, 'server shutting down');
      if (gone) {
        if (r.conns.size === 0) scheduleUnload(r);
        return;
      }
      conn = { ws, user, token: token ?? '', role, readOnly, awarenessIds: new Set(), lastDeniedAt: 0 };
      room = r;
      r.addConn(conn);
      if (expiresAt !== null) {
        const cancel = atExpiry(expiresAt, () => {
          metrics.accessWithdrawn++;
          ws.close(CloseCode.Unauthorized, 'token_expired: token expired');
        });
        ws.once('close', cancel);
      }
      log.debug({ room: name, user: user.id, role, readOnly }, 'socket joined');
      for (const m of queue.splice(0)) onFrame(m.data, m.binary);
    } catch (e) {
      metrics.connectionsRefused++;
      const { code, reason } = closeFor(e);
      if (code === CloseCode.Internal) log.error({ err: e, room: name }, 'socket refused: internal error');
      else log.debug({ room: name, code, reason }, 'socket refused');
      ws.close(code, reason);
    }
  }

  async function withDoc<T>(name: string, fn: (doc: Y.Doc) => T): Promise<T> {
    const live = rooms.get(name);
    if (live) {
      const room = await live.catch(() => null);
      if (room && !room.closed) return fn(room.doc);
    }
    const stored = await storage.docs.load(name);
    const doc = new Y.Doc();
    try {
      Y.transact(doc, () => {
        for (const u of stored.updates) Y.applyUpdate(doc, u);
      });
      return fn(doc);
    } finally {
      doc.destroy();
    }
  }

  async function applyServerUpdate(name: string, update: Uint8Array): Promise<void> {
    const live = rooms.get(name);
    if (live) {
      const room = await live.catch(() => null);
      if (room && !room.closed) return room.applyServerUpdate(update);
    }
    await storage.docs.append(name, update);
    await storage.bus.publish(name, 'update', update);
    // Nobody has the room open here: whoever follows its stored state is told instead of the doc.
    const parsed = parseRoom(name);
    if (parsed) deps.hooks?.onStoredWrite?.(name, parsed.taskId as TaskId);
  }

  function close(): Promise<void> {
    return (closed ??= shutdown());
  }

  async function shutdown(): Promise<void> {
    closing = true; // from here on no socket is accepted and none joins a room
    access.close();
    clearInterval(heartbeat);
    for (const t of unloadTimers.values()) clearTimeout(t);
    unloadTimers.clear();
    await Promise.all([...unloading]);
    const loaded = (await Promise.all([...rooms.values()].map((p) => p.catch(() => null)))).filter((r): r is Room => r !== null && !r.closed);
    // 1. Every update applied so far is durable before any socket is told to go: a client that
    //    sees 1001 has nothing the server took from it and could still lose.
    await Promise.all(loaded.map((r) => r.drain()));
    // 2. 1001 to every socket. Frames that arrive before a client's close frame are still applied
    //    and stored (step 3); a client that does not answer in time is cut, and pushes what it
    //    holds again (sync step 2) when it reconnects to the restarted server.
    await closeSockets(CloseCode.GoingAway, 'server shutting down', CLOSE_HANDSHAKE_MS);
    // 3. No socket is left: store what came in during the handshakes and unload.
    rooms.clear();
    await Promise.all(loaded.map((r) => r.close({ compact: false })));
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    log.debug({ rooms: loaded.length }, 'sync closed');
  }

  /** Closes every socket with `code`, waits for the closing handshakes, then cuts the rest. */
  async function closeSockets(code: number, reason: string, graceMs: number): Promise<void> {
    const gone = [...wss.clients].map((ws) => {
      const p = new Promise<void>((resolve) => ws.once('close', () => resolve()));
      ws.close(code, reason);
      return p;
    });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([Promise.all(gone), late]);
    clearTimeout(timer);
    for (const ws of wss.clients) ws.terminate();
    await Promise.all(gone);
  }

  // Access changes and the periodic re-check of open sockets (accessControl.ts).
  const access = createAccessControl({ rooms, storage, auth, log, metrics, accessCheckMs: config.sync.accessCheckMs, isClosing: () => closing });

  return {
    handleUpgrade,
    withDoc,
    applyServerUpdate,
    metrics,
    loadedRooms: () => [...rooms.keys()],
    closeUser: access.closeUser,
    dropRooms: access.dropRooms,
    recheckAccess: access.recheckAccess,
    close,
  };
}

function refusal(closeCode: number, message: string): Error {
  return Object.assign(new Error(message), { closeCode });
}

/** The close code and reason (at most 123 bytes, RFC 6455) for a refused socket. */
function closeFor(e: unknown): { code: number; reason: string } {
  let code: number = CloseCode.Internal;
  let reason = 'internal error';
  if (isTandemError(e)) {
    reason = `${e.code}: ${e.message}`;
    if (e.code === ErrorCode.Unauthorized || e.code === ErrorCode.TokenExpired) code = CloseCode.Unauthorized;
    else if (e.code === ErrorCode.Forbidden) code = CloseCode.Forbidden;
    else if (e.code === ErrorCode.NotFound || e.code === ErrorCode.UnknownRoom) code = CloseCode.UnknownRoom;
  } else if (e instanceof Error && typeof (e as { closeCode?: unknown }).closeCode === 'number') {
    code = (e as unknown as { closeCode: number }).closeCode;
    reason = e.message;
  }
  return { code, reason: Buffer.from(reason).subarray(0, 123).toString('utf8').replace(/\uFFFD$/, '') };
}

function safeDecode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
