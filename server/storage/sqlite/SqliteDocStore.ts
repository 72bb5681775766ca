// The Yjs update log in SQLite. append() queues into an in-memory batch; the batch is written in ONE
// transaction when the window (`batchMs`, from config.sync.batchMs) ends or when it reaches
// `maxBatchUpdates` / `maxBatchBytes`, and every append's promise settles with that commit. With
// synchronous=FULL (see openSqlite.ts) the commit fsyncs the WAL, so a resolved append is on disk.
//
// The commit is synchronous (better-sqlite3): it blocks the event loop for one fsync per batch
// (about a millisecond or two on this machine's disk; `npm run bench -- storage`). That is the price
// of a simple, single-writer log; the sync layer relays updates to peers before they are durable.
import type { Statement } from 'better-sqlite3';
import type { Logger } from 'pino';
import { ErrorCode, TandemError } from '../../../shared/protocol/errors';
import { RoomNameSchema } from '../validation';
import type { DocStore, StoredRoom } from '../types';
import { openSqlite, type SqliteDb, type Synchronous } from './openSqlite';

export interface SqliteDocStoreOptions {
  /** Batch window in ms (config.sync.batchMs, default 25). */
  batchMs?: number;
  /** A batch is committed at once when it holds this many updates... */
  maxBatchUpdates?: number;
  /** ...or this many bytes of update data. */
  maxBatchBytes?: number;
  synchronous?: Synchronous;
  log?: Logger;
}

interface Pending {
  room: string;
  data: Buffer;
  at: number;
  resolve: () => void;
  reject: (e: Error) => void;
}

export class SqliteDocStore implements DocStore {
  private batch: Pending[] = [];
  private batchBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly batchMs: number;
  private readonly maxBatchUpdates: number;
  private readonly maxBatchBytes: number;
  private readonly log: Logger | undefined;
  private readonly stmt: {
    maxSeq: Statement;
    insert: Statement;
    load: Statement;
    count: Statement;
    deleteUpTo: Statement;
  };
  private readonly writeBatch: (batch: Pending[]) => void;
  private readonly compactTx: (room: string, snapshot: Buffer, uptoSeq: number) => void;

  private constructor(private readonly db: SqliteDb, opts: SqliteDocStoreOptions) {
    this.batchMs = opts.batchMs ?? 25;
    this.maxBatchUpdates = opts.maxBatchUpdates ?? 1000;
    this.maxBatchBytes = opts.maxBatchBytes ?? 8 * 1024 * 1024;
    this.log = opts.log?.child({ module: 'storage.sqlite.docs' });
    this.stmt = {
      maxSeq: db.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM updates WHERE room = ?').pluck(),
      insert: db.prepare('INSERT INTO updates (room, seq, data, at) VALUES (?, ?, ?, ?)'),
      load: db.prepare('SELECT seq, data FROM updates WHERE room = ? ORDER BY seq'),
      count: db.prepare('SELECT COUNT(*) FROM updates WHERE room = ?').pluck(),
      deleteUpTo: db.prepare('DELETE FROM updates WHERE room = ? AND seq <= ?'),
    };
    this.writeBatch = db.transaction((batch: Pending[]) => {
      // Sequence numbers come from the table, not from memory, so the log stays ordered whatever
      // else wrote to the file; one MAX() per room per batch on the (room, seq) primary key.
      const next = new Map<string, number>();
      for (const p of batch) {
        let seq = next.get(p.room);
        if (seq === undefined) seq = (this.stmt.maxSeq.get(p.room) as number) + 1;
        this.stmt.insert.run(p.room, seq, p.data, p.at);
        next.set(p.room, seq + 1);
      }
    });
    this.compactTx = db.transaction((room: string, snapshot: Buffer, uptoSeq: number) => {
      const max = this.stmt.maxSeq.get(room) as number;
      if (uptoSeq > max) {
        throw new TandemError(ErrorCode.BadRequest, `compact ${room}: uptoSeq ${uptoSeq} is beyond the log (last seq ${max})`);
      }
      this.stmt.deleteUpTo.run(room, uptoSeq);
      this.stmt.insert.run(room, uptoSeq, snapshot, Date.now());
    });
  }

  /** Opens (creating and migrating if needed) the database file. */
  static open(file: string, opts: SqliteDocStoreOptions = {}): SqliteDocStore {
    return new SqliteDocStore(openSqlite(file, { synchronous: opts.synchronous }), opts);
  }

  append(room: string, update: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new TandemError(ErrorCode.Unavailable, 'the document store is closed'));
    if (!RoomNameSchema.safeParse(room).success) {
      return Promise.reject(new TandemError(ErrorCode.BadRequest, 'a room name is 1 to 256 characters'));
    }
    if (!(update instanceof Uint8Array) || update.byteLength === 0) {
      return Promise.reject(new TandemError(ErrorCode.BadRequest, 'an update is a non-empty Uint8Array'));
    }
    return new Promise<void>((resolve, reject) => {
      // Copied: the caller may reuse its buffer (e.g. a pooled socket frame) before the batch commits.
      const data = Buffer.from(update);
      this.batch.push({ room, data, at: Date.now(), resolve, reject });
      this.batchBytes += data.byteLength;
      if (this.batch.length >= this.maxBatchUpdates || this.batchBytes >= this.maxBatchBytes) {
        // Full: commit on the next turn (so appends issued in the same tick still share it).
        this.schedule(0);
      } else {
        this.schedule(this.batchMs);
      }
    });
  }

  async load(room: string): Promise<StoredRoom> {
    this.live();
    // Read-your-writes: anything queued for this room is committed first.
    if (this.batch.some((p) => p.room === room)) this.commit();
    const rows = this.stmt.load.all(room) as Array<{ seq: number; data: Buffer }>;
    return {
      updates: rows.map((r) => new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength)),
      lastSeq: rows.length ? rows[rows.length - 1].seq : 0,
    };
  }

  async compact(room: string, snapshot: Uint8Array, uptoSeq: number): Promise<void> {
    this.live();
    if (!Number.isInteger(uptoSeq) || uptoSeq < 0) throw new TandemError(ErrorCode.BadRequest, 'uptoSeq must be an integer >= 0');
    if (!(snapshot instanceof Uint8Array) || snapshot.byteLength === 0) {
      throw new TandemError(ErrorCode.BadRequest, 'a snapshot is a non-empty Uint8Array');
    }
    // Queued appends of this room get seqs above the current maximum, so they stay after the
    // snapshot whether they commit before or after it.
    this.compactTx(room, Buffer.from(snapshot), uptoSeq);
  }

  async logLength(room: string): Promise<number> {
    this.live();
    if (this.batch.some((p) => p.room === room)) this.commit();
    return this.stmt.count.get(room) as number;
  }

  async flush(): Promise<void> {
    if (this.batch.length) this.commit();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Commit what is queued (settling those promises), then refuse new appends.
    if (this.batch.length) this.commit();
    this.closed = true;
    this.db.close();
  }

  private schedule(ms: number): void {
    if (this.timer && ms > 0) return; // a commit is already due no later than this one
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.commit();
    }, ms);
  }

  /** Writes the queued batch in one transaction and settles every promise of it. */
  private commit(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const batch = this.batch;
    if (batch.length === 0) return;
    this.batch = [];
    this.batchBytes = 0;
    try {
      this.writeBatch(batch);
    } catch (e) {
      // The transaction rolled back: none of the batch is stored, so every append of it fails
      // (the sync layer keeps the updates in memory and clients resend on resync).
      this.log?.error({ err: e, updates: batch.length }, 'update batch failed to commit');
      const err = new TandemError(ErrorCode.Internal, 'failed to store the update batch', { cause: e });
      for (const p of batch) p.reject(err);
      return;
    }
    for (const p of batch) p.resolve();
  }

  private live(): void {
    if (this.closed) throw new TandemError(ErrorCode.Unavailable, 'the document store is closed');
  }
}
