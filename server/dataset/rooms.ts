// Reading and writing room documents from outside a socket. On the server this goes through the
// sync server (server/sync/SyncServer: `withDoc` reads the live doc when the room is loaded, else
// the stored log; `applyServerUpdate` applies to the live doc — relayed to connected clients and
// persisted — or appends to the log and publishes on the bus). The CLI and tests without a server
// use the storage directly.
import * as Y from 'yjs';
import { mapLimit } from '../../shared/async/mapLimit';
import { ErrorCode, TandemError } from '../../shared/protocol/errors';
import type { Project, Storage } from '../storage/types';

export interface LiveRooms {
  /** The room's current state as one Yjs update (live doc when loaded, else the stored log). */
  readState(room: string): Promise<Uint8Array>;
  /** Writes a server-made update to the room; resolves once it is durable. */
  write(room: string, update: Uint8Array): Promise<void>;
}

/** What LiveRooms needs from the sync server (a structural subset of SyncServer). */
export interface SyncRoomsSource {
  withDoc<T>(room: string, fn: (doc: Y.Doc) => T): Promise<T>;
  applyServerUpdate(room: string, update: Uint8Array): Promise<void>;
}

/** Rooms through the running sync server (HTTP handlers). */
export function syncRooms(sync: SyncRoomsSource): LiveRooms {
  return {
    readState: (room) => sync.withDoc(room, (doc) => Y.encodeStateAsUpdate(doc)),
    write: (room, update) => sync.applyServerUpdate(room, update),
  };
}

/**
 * Rooms straight from storage, for the CLI and tests that run no server. Do not write this way
 * while a server has the room loaded: its clients would not see the write until reload.
 */
export function storageRooms(storage: Storage): LiveRooms {
  return {
    async readState(room) {
      const { updates } = await storage.docs.load(room);
      return updates.length ? Y.mergeUpdates(updates) : Y.encodeStateAsUpdate(new Y.Doc());
    },
    write: (room, update) => storage.docs.append(room, update),
  };
}

/** A private copy of the room's current state (mutating it changes nothing until written). */
export async function loadRoomDoc(rooms: LiveRooms, room: string): Promise<Y.Doc> {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, await rooms.readState(room));
  return doc;
}

/**
 * Runs `mutate` on a copy of the room's current state and writes the resulting update, if any.
 * Returns whether something was written.
 */
export async function mutateRoom(rooms: LiveRooms, room: string, mutate: (doc: Y.Doc) => void): Promise<boolean> {
  const doc = await loadRoomDoc(rooms, room);
  try {
    // What the transactions made, as Yjs reports them: a transaction that changed nothing reports
    // no update. (`encodeStateAsUpdate(doc, before)` would not do: it carries the doc's whole
    // delete set, so a room that ever had a deletion got a write that changed nothing.)
    const made: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => made.push(u));
    mutate(doc);
    if (made.length === 0) return false;
    await rooms.write(room, made.length === 1 ? made[0] : Y.mergeUpdates(made));
    return true;
  } finally {
    doc.destroy();
  }
}

/** The ids, each once, checked to be the project's tasks; throws validation_failed naming the first that is not. */
export async function projectTaskIds(storage: Pick<Storage, 'meta'>, project: Project, taskIds: readonly string[]): Promise<string[]> {
  const ids = [...new Set(taskIds)];
  const mine = new Set((await storage.meta.listTasks(project.id)).map((t) => t.id as string));
  const stranger = ids.find((id) => !mine.has(id));
  if (stranger !== undefined) throw new TandemError(ErrorCode.ValidationFailed, `task ${stranger} is not in this project`);
  return ids;
}

/** Rooms a bulk write works on at once (`npm run bench -- bulkWrites`). */
export const BULK_ROOMS_AT_ONCE = 16;

/**
 * The owner's bulk writes (image attributes, flags, object attributes filled): `mutate` on the `kind` room of each of the
 * project's tasks, BULK_ROOMS_AT_ONCE at a time. Every id is checked to be the project's first (validation_failed,
 * nothing written); `mutate` writes only what differs, so `unchanged` counts the tasks that were so
 * already and a request cut short is finished by sending it again.
 */
export async function mutateTaskRooms(
  storage: Pick<Storage, 'meta'>,
  rooms: LiveRooms,
  project: Project,
  taskIds: readonly string[],
  kind: 'task' | 'review',
  mutate: (doc: Y.Doc) => void,
): Promise<{ changed: number; unchanged: number }> {
  const ids = await projectTaskIds(storage, project, taskIds);
  // Several rooms at once: each write waits for its fsync batch (a 20-50 ms window), so one at a
  // time paid that window per task (~26 ms a task: 4 minutes for 10,000); rooms are independent.
  const written = await mapLimit(ids, BULK_ROOMS_AT_ONCE, (id) => mutateRoom(rooms, `${kind}:${id}`, mutate));
  const changed = written.filter(Boolean).length;
  return { changed, unchanged: ids.length - changed };
}
