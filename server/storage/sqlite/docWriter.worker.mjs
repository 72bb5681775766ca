// The write side of SqliteDocStore, in a worker thread. A durable commit fsyncs (synchronous=FULL),
// and WAL auto-checkpoints write and fsync the main file; better-sqlite3 does both synchronously, so
// on the main thread every batch would stall the sync relay for the length of an fsync (measured
// 8 ms per fsync here, tens of ms with checkpoints; tests/bench/storage.bench.ts). Here they only
// stall this thread. Plain JavaScript (not TypeScript) so it loads the same under tsx, vitest and node.
//
// Protocol (parentPort), answered in order:
//   {type: 'write', id, rooms: string[], datas: Uint8Array[], ats: number[]}  -> {id, ok}
//   {type: 'compact', id, room, snapshot: Uint8Array, uptoSeq}                -> {id, ok}
//   {type: 'delete', id, rooms: string[]}                                      -> {id, ok}
//   {type: 'close', id}                                                        -> {id, ok}, then exit
// Failures answer {id, ok: false, message, code?}; a failed write or compact rolled back entirely.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { file, synchronous } = workerData;
const db = new Database(file);
db.pragma('journal_mode = WAL');
db.pragma(`synchronous = ${synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
db.pragma('foreign_keys = ON');
db.pragma('busy_timeout = 5000');
db.pragma('journal_size_limit = 67108864'); // as openSqlite.ts: truncate a WAL grown past 64 MiB

const maxSeq = db.prepare('SELECT COALESCE(MAX(seq), 0) FROM updates WHERE room = ?').pluck();
const insert = db.prepare('INSERT INTO updates (room, seq, data, at) VALUES (?, ?, ?, ?)');
const deleteUpTo = db.prepare('DELETE FROM updates WHERE room = ? AND seq <= ?');
const deleteRoom = db.prepare('DELETE FROM updates WHERE room = ?');
const deleteRooms = db.transaction((rooms) => {
  for (const room of rooms) deleteRoom.run(room);
});

// Sequence numbers come from the table, not from memory, so the log stays ordered whatever else
// wrote to the file; one MAX() per room per batch on the (room, seq) primary key.
const writeBatch = db.transaction((rooms, datas, ats) => {
  const next = new Map();
  for (let i = 0; i < rooms.length; i++) {
    const room = rooms[i];
    let seq = next.get(room);
    if (seq === undefined) seq = maxSeq.get(room) + 1;
    insert.run(room, seq, Buffer.from(datas[i].buffer, datas[i].byteOffset, datas[i].byteLength), ats[i]);
    next.set(room, seq + 1);
  }
});

class BadRequest extends Error {
  code = 'bad_request';
}

const compact = db.transaction((room, snapshot, uptoSeq) => {
  const max = maxSeq.get(room);
  if (uptoSeq > max) throw new BadRequest(`compact ${room}: uptoSeq ${uptoSeq} is beyond the log (last seq ${max})`);
  deleteUpTo.run(room, uptoSeq);
  insert.run(room, uptoSeq, Buffer.from(snapshot.buffer, snapshot.byteOffset, snapshot.byteLength), Date.now());
});

parentPort.postMessage({
  type: 'ready',
  settings: {
    journalMode: db.pragma('journal_mode', { simple: true }),
    synchronous: db.pragma('synchronous', { simple: true }),
    foreignKeys: db.pragma('foreign_keys', { simple: true }),
  },
});

parentPort.on('message', (m) => {
  try {
    // IMMEDIATE: the write lock is taken at BEGIN, where busy_timeout waits for it. A deferred
    // transaction reads MAX(seq) first and then upgrades to a write, which fails at once with
    // "database is locked" (SQLITE_BUSY_SNAPSHOT; no busy wait) whenever the main thread's
    // connection committed in between: a task row's mirror written while a batch commits.
    if (m.type === 'write') writeBatch.immediate(m.rooms, m.datas, m.ats);
    else if (m.type === 'compact') compact.immediate(m.room, m.snapshot, m.uptoSeq);
    else if (m.type === 'delete') deleteRooms.immediate(m.rooms);
    else if (m.type === 'close') {
      db.close();
      parentPort.postMessage({ id: m.id, ok: true });
      parentPort.close();
      return;
    } else throw new Error(`unknown message ${m.type}`);
    parentPort.postMessage({ id: m.id, ok: true });
  } catch (e) {
    parentPort.postMessage({ id: m.id, ok: false, message: String(e?.message ?? e), code: e?.code });
  }
});
