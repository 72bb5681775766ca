// The Yjs update log in SQLite. append() queues into an in-memory batch; the batch is written in ONE
// transaction when the window (`batchMs`, from config.sync.batchMs) ends or when it reaches
// `maxBatchUpdates` / `maxBatchBytes`, and every append's promise settles with that commit. With
// synchronous=FULL (see openSqlite.ts) the commit fsyncs the WAL, so a resolved append is on disk.
//
// Commits run in a worker thread (docWriter.worker.mjs) on their own connection: an fsync and a WAL
// checkpoint block whoever runs them, and on the main thread that would stall the sync relay once
// per batch. Batches are posted in order and the worker answers in order, so rooms keep their
// append order. Reads (load, logLength) use this thread's connection: in WAL mode they never wait
// for the writer.
import { Worker } from 'node:worker_threads';
import type { Statement } from 'better-sqlite3';
import type { Logger } from 'pino';
import { ErrorCode, TandemError } from '../../../shared/protocol/errors';
import { observeCommit, type DocStoreMetrics } from '../docStoreMetrics';
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
  /** Batch size and append → durable time, observed at each commit. */
  metrics?: DocStoreMetrics;
}

/** The writer connection's settings, as the worker reports them once it has opened the file. */
export interface WriterSettings {
  journalMode: string;
  /** 2 = FULL, 1 = NORMAL. */
  synchronous: number;
  foreignKeys: number;
}

interface Pending {
  room: string;
  data: Uint8Array;
  /** Epoch ms, stored with the row. */
  at: number;
  /** performance.now() at append(), for the durable-time metric. */
  t0: number;
  resolve: () => void;
  reject: (e: Error) => void;
}

type Reply = { type?: undefined; id: number; ok: boolean; message?: string; code?: string };
type Ready = { type: 'ready'; settings: WriterSettings };

export class SqliteDocStore implements DocStore {
  /** Resolves once the writer thread has opened the database. */
  readonly writerSettings: Promise<WriterSettings>;
  private batch: Pending[] = [];
  private batchBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private closing: Promise<void> | null = null;
  private broken: Error | null = null;
  private nextId = 1;
  private readonly requests = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  /** Settles after every request posted so far has been answered (never rejects). */
  private tail: Promise<void> = Promise.resolve();
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  private readonly batchMs: number;
  private readonly maxBatchUpdates: number;
  private readonly maxBatchBytes: number;
  private readonly log: Logger | undefined;
  private readonly metrics: DocStoreMetrics | undefined;
  private readonly stmt: { load: Statement; count: Statement; last: Statement; lasts: Statement };

  private constructor(private readonly db: SqliteDb, file: string, opts: SqliteDocStoreOptions) {
    this.batchMs = opts.batchMs ?? 25;
    this.maxBatchUpdates = opts.maxBatchUpdates ?? 1000;
    this.maxBatchBytes = opts.maxBatchBytes ?? 8 * 1024 * 1024;
    this.log = opts.log?.child({ module: 'storage.sqlite.docs' });
    this.metrics = opts.metrics;
    this.stmt = {
      load: db.prepare('SELECT seq, data FROM updates WHERE room = ? ORDER BY seq'),
      count: db.prepare('SELECT COUNT(*) FROM updates WHERE room = ?').pluck(),
      last: db.prepare('SELECT COALESCE(MAX(seq), 0) FROM updates WHERE room = ?').pluck(),
      // The primary key (room, seq) gives both the range and the maximum without a sort.
      lasts: db.prepare("SELECT room, MAX(seq) AS seq FROM updates WHERE room >= ? AND room < ? || char(1114111) GROUP BY room"),
    };
    this.worker = new Worker(new URL('./docWriter.worker.mjs', import.meta.url), {
      workerData: { file, synchronous: opts.synchronous ?? 'FULL' },
      // Plain JavaScript: without this the thread inherits `--import tsx` and spends a second or
      // more loading a TypeScript loader it does not need.
      execArgv: [],
    });
    // An idle store does not keep the process alive; pending requests do (see request()).
    this.worker.unref();
    let ready!: (s: WriterSettings) => void;
    let notReady!: (e: Error) => void;
    this.writerSettings = new Promise<WriterSettings>((res, rej) => { ready = res; notReady = rej; });
    this.writerSettings.catch(() => {}); // observed through fail() by every request instead
    this.worker.on('message', (m: Reply | Ready) => {
      if (m.type === 'ready') return ready(m.settings);
      const r = this.requests.get(m.id);
      if (!r) return;
      this.requests.delete(m.id);
      if (this.requests.size === 0) this.worker.unref();
      if (m.ok) return r.resolve();
      const code = m.code === 'bad_request' ? ErrorCode.BadRequest : ErrorCode.Internal;
      r.reject(new TandemError(code, m.message ?? 'the document store failed'));
    });
    this.worker.on('error', (e) => {
      notReady(e);
      this.fail(e);
    });
    this.exited = new Promise((res) => this.worker.once('exit', () => {
      if (!this.closed) this.fail(new Error('the document writer thread exited'));
      res();
    }));
  }

  /** Opens (creating and migrating if needed) the database file and starts the writer thread. */
  static open(file: string, opts: SqliteDocStoreOptions = {}): SqliteDocStore {
    return new SqliteDocStore(openSqlite(file, { synchronous: opts.synchronous }), file, opts);
  }

  append(room: string, update: Uint8Array): Promise<void> {
    if (this.closed || this.broken) {
      return Promise.reject(new TandemError(ErrorCode.Unavailable, 'the document store is closed', { cause: this.broken }));
    }
    if (!RoomNameSchema.safeParse(room).success) {
      return Promise.reject(new TandemError(ErrorCode.BadRequest, 'a room name is 1 to 256 characters'));
    }
    if (!(update instanceof Uint8Array) || update.byteLength === 0) {
      return Promise.reject(new TandemError(ErrorCode.BadRequest, 'an update is a non-empty Uint8Array'));
    }
    return new Promise<void>((resolve, reject) => {
      // Copied into its own ArrayBuffer: the caller may reuse its buffer (a pooled socket frame)
      // before the batch commits, and an own buffer can be transferred to the writer thread.
      const data = new Uint8Array(update);
      this.batch.push({ room, data, at: Date.now(), t0: performance.now(), resolve, reject });
      this.batchBytes += data.byteLength;
      // Full: commit on the next turn (so appends issued in the same tick still share it).
      const full = this.batch.length >= this.maxBatchUpdates || this.batchBytes >= this.maxBatchBytes;
      this.schedule(full ? 0 : this.batchMs);
    });
  }

  async load(room: string): Promise<StoredRoom> {
    await this.readable();
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
    const copy = new Uint8Array(snapshot);
    await this.request({ type: 'compact', room, snapshot: copy, uptoSeq }, [copy.buffer]);
  }

  async deleteRooms(rooms: string[]): Promise<void> {
    this.live();
    // Queued appends go first (the writer answers in order), so none lands after the delete.
    this.commit();
    if (rooms.length) await this.request({ type: 'delete', rooms }, []);
  }

  async logLength(room: string): Promise<number> {
    await this.readable();
    return this.stmt.count.get(room) as number;
  }

  async lastSeq(room: string): Promise<number> {
    await this.readable();
    return this.stmt.last.get(room) as number;
  }

  async lastSeqs(prefix: string): Promise<Map<string, number>> {
    await this.readable();
    const rows = this.stmt.lasts.all(prefix, prefix) as Array<{ room: string; seq: number }>;
    return new Map(rows.map((r) => [r.room, r.seq]));
  }

  async flush(): Promise<void> {
    this.commit();
    await this.tail;
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    // Commit what is queued (settling those promises), then refuse new appends.
    this.commit();
    this.closed = true;
    this.closing = (async () => {
      await this.tail;
      if (!this.broken) {
        await this.request({ type: 'close' }, [], true).catch((e) => this.log?.error({ err: e }, 'closing the writer failed'));
      }
      await this.worker.terminate();
      await this.exited;
      this.db.close();
    })();
    return this.closing;
  }

  /** Open, and what this store queued is committed: a read sees its own writes. */
  private async readable(): Promise<void> {
    this.live();
    await this.settleWrites();
    this.live(); // closed meanwhile
  }

  private async settleWrites(): Promise<void> {
    if (this.batch.length || this.requests.size) await this.flush();
  }

  private schedule(ms: number): void {
    if (this.timer && ms > 0) return; // a commit is already due no later than this one
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.commit(), ms);
  }

  /** Sends the queued batch to the writer; every promise of it settles with that one transaction. */
  private commit(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const batch = this.batch;
    if (batch.length === 0) return;
    this.batch = [];
    this.batchBytes = 0;
    const msg = { type: 'write', rooms: batch.map((p) => p.room), datas: batch.map((p) => p.data), ats: batch.map((p) => p.at) };
    this.request(msg, batch.map((p) => p.data.buffer as ArrayBuffer)).then(
      () => {
        observeCommit(this.metrics, batch.map((p) => p.t0));
        for (const p of batch) p.resolve();
      },
      (e: Error) => {
        // The transaction rolled back: none of the batch is stored, so every append of it fails
        // (the sync layer keeps the updates in memory and clients push them again on resync).
        this.log?.error({ err: e, updates: batch.length }, 'update batch failed to commit');
        const err = new TandemError(ErrorCode.Internal, 'failed to store the update batch', { cause: e });
        for (const p of batch) p.reject(err);
      },
    );
  }

  private request(msg: Record<string, unknown>, transfer: ArrayBuffer[], closing = false): Promise<void> {
    if (this.broken) return Promise.reject(new TandemError(ErrorCode.Unavailable, 'the document store failed', { cause: this.broken }));
    if (this.closed && !closing && msg.type !== 'write') return Promise.reject(new TandemError(ErrorCode.Unavailable, 'the document store is closed'));
    const id = this.nextId++;
    const p = new Promise<void>((resolve, reject) => this.requests.set(id, { resolve, reject }));
    this.worker.ref();
    this.worker.postMessage({ ...msg, id }, transfer);
    this.tail = this.tail.then(() => p.then(() => {}, () => {}));
    return p;
  }

  /** The writer thread died: everything in flight fails, and so does every later write. */
  private fail(e: Error): void {
    if (this.broken) return;
    this.broken = e;
    this.log?.error({ err: e }, 'document writer failed');
    const err = new TandemError(ErrorCode.Internal, 'the document writer failed', { cause: e });
    for (const r of this.requests.values()) r.reject(err);
    this.requests.clear();
  }

  private live(): void {
    if (this.closed) throw new TandemError(ErrorCode.Unavailable, 'the document store is closed');
    if (this.broken) throw new TandemError(ErrorCode.Unavailable, 'the document store failed', { cause: this.broken });
  }
}
