// DocStore on PostgreSQL: the append-only Yjs update log, shared by every node.
//
// Batching: appends collect for `batchMs` (config.sync.batchMs, 20-50 ms) and go out in ONE
// transaction; every promise of the batch resolves after COMMIT (PostgreSQL fsyncs the WAL at
// commit with the default synchronous_commit=on). Batches of one node run one after another, so a
// node's updates keep their order.
//
// Sequence numbers with writers on several nodes: each room has a row in doc_rooms holding its last
// seq. A batch reserves a range with an upsert on that row, which row-locks it until COMMIT, so a
// second node appending to the same room waits and then continues from the committed value. Seqs
// therefore commit in increasing order: a reader always sees a gap-free prefix of the log, and
// compact(uptoSeq) can never delete a row that committed after the snapshot was read. (A global
// bigserial would not give that: ids are taken at INSERT time but become visible at COMMIT, so a
// reader could see id 11 before id 10 commits, and compacting up to 11 would drop 10.) Rooms are
// locked in sorted order so two nodes' multi-room batches cannot deadlock.
import type { Pool, PoolClient } from 'pg';
import { ErrorCode, TandemError } from '../../../shared/protocol/errors';
import type { Logger } from '../../logger';
import { observeCommit, type DocStoreMetrics } from '../docStoreMetrics';
import type { DocStore, StoredRoom } from '../types';
import { RoomNameSchema } from '../validation';

interface Pending {
  room: string;
  update: Buffer;
  /** performance.now() at append(), for the durable-time metric. */
  t0: number;
  resolve: () => void;
  reject: (e: unknown) => void;
}

const toBuffer = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

export class PgDocStore implements DocStore {
  private pending: Pending[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  /** The tail of the batch chain; never rejects (failures go to each append's promise). */
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly pool: Pool,
    private readonly log: Logger,
    private readonly batchMs: number,
    private readonly onClose: () => Promise<void>,
    /** A batch goes out at once when it holds this many updates or bytes (as the SQLite store). */
    private readonly maxBatchUpdates = 1000,
    private readonly maxBatchBytes = 8 * 1024 * 1024,
    /** See server/cluster/durabilityGate.ts: lets the room bus publish an update once it is stored. */
    private readonly gate: WeakMap<Uint8Array, Promise<void>> | null = null,
    /** Batch size and append → durable time, observed at each commit. */
    private readonly metrics: DocStoreMetrics | null = null,
  ) {}

  append(room: string, update: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new TandemError(ErrorCode.Unavailable, 'the document store is closed'));
    if (!RoomNameSchema.safeParse(room).success) {
      return Promise.reject(new TandemError(ErrorCode.BadRequest, 'a room name is 1 to 256 characters'));
    }
    if (!(update instanceof Uint8Array) || update.byteLength === 0) {
      return Promise.reject(new TandemError(ErrorCode.BadRequest, 'an update is a non-empty Uint8Array'));
    }
    const done = new Promise<void>((resolve, reject) => {
      // Copied: the caller may reuse its buffer (a pooled socket frame) before the batch commits.
      const copy = Buffer.from(update);
      this.pending.push({ room, update: copy, t0: performance.now(), resolve, reject });
      this.pendingBytes += copy.byteLength;
      if (this.pending.length >= this.maxBatchUpdates || this.pendingBytes >= this.maxBatchBytes) {
        // Full: send on the next turn, so appends issued in the same tick still share the batch.
        if (this.timer) clearTimeout(this.timer);
        this.timer = setTimeout(() => void this.kick(), 0);
      } else {
        this.timer ??= setTimeout(() => void this.kick(), this.batchMs);
      }
    });
    this.gate?.set(update, done);
    return done;
  }

  /** Sends what is pending now as one batch (after the batches before it). */
  private kick(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    if (batch.length > 0) this.chain = this.chain.then(() => this.writeBatch(batch));
    return this.chain;
  }

  private async writeBatch(batch: Pending[]): Promise<void> {
    const byRoom = new Map<string, Buffer[]>();
    for (const p of batch) {
      const list = byRoom.get(p.room) ?? [];
      list.push(p.update);
      byRoom.set(p.room, list);
    }
    try {
      await this.transaction(async (client) => {
        for (const room of [...byRoom.keys()].sort()) {
          const updates = byRoom.get(room)!;
          const r = await client.query<{ last_seq: string }>(
            `INSERT INTO doc_rooms (room, last_seq) VALUES ($1, $2)
             ON CONFLICT (room) DO UPDATE SET last_seq = doc_rooms.last_seq + EXCLUDED.last_seq
             RETURNING last_seq`,
            [room, updates.length],
          );
          const first = Number(r.rows[0].last_seq) - updates.length + 1;
          await client.query(
            'INSERT INTO doc_updates (room, seq, data) SELECT $1, $2::bigint + t.i - 1, t.d FROM unnest($3::bytea[]) WITH ORDINALITY AS t(d, i)',
            [room, first, updates],
          );
        }
      });
      observeCommit(this.metrics, batch.map((p) => p.t0));
      for (const p of batch) p.resolve();
    } catch (e) {
      this.log.error({ err: e, updates: batch.length, rooms: byRoom.size }, 'appending a batch of updates failed');
      // Rolled back: none of the batch is stored, so every append of it fails (the sync layer keeps
      // the updates in memory and clients resend them on their next sync).
      const err = new TandemError(ErrorCode.Internal, 'failed to store the update batch', { cause: e });
      for (const p of batch) p.reject(err);
    }
  }

  async load(room: string): Promise<StoredRoom> {
    await this.readYourWrites(room);
    const r = await this.pool.query<{ seq: string; data: Buffer }>('SELECT seq, data FROM doc_updates WHERE room = $1 ORDER BY seq', [room]);
    const updates = r.rows.map((x) => new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength));
    return { updates, lastSeq: r.rows.length ? Number(r.rows[r.rows.length - 1].seq) : 0 };
  }

  async compact(room: string, snapshot: Uint8Array, uptoSeq: number): Promise<void> {
    this.live();
    if (!Number.isInteger(uptoSeq) || uptoSeq < 0) throw new TandemError(ErrorCode.BadRequest, 'uptoSeq must be an integer >= 0');
    if (!(snapshot instanceof Uint8Array) || snapshot.byteLength === 0) {
      throw new TandemError(ErrorCode.BadRequest, 'a snapshot is a non-empty Uint8Array');
    }
    await this.transaction(async (client) => {
      // Waits for an append in flight on this room, so the delete sees every row up to uptoSeq.
      const r = await client.query<{ last_seq: string }>('SELECT last_seq FROM doc_rooms WHERE room = $1 FOR UPDATE', [room]);
      const last = r.rows[0] ? Number(r.rows[0].last_seq) : 0;
      if (uptoSeq > last) {
        throw new TandemError(ErrorCode.BadRequest, `compact ${room}: uptoSeq ${uptoSeq} is beyond the log (last seq ${last})`);
      }
      await client.query('DELETE FROM doc_updates WHERE room = $1 AND seq <= $2', [room, uptoSeq]);
      // Two nodes compacting up to the same seq hold equivalent snapshots: either one will do.
      await client.query(
        'INSERT INTO doc_updates (room, seq, data) VALUES ($1, $2, $3) ON CONFLICT (room, seq) DO UPDATE SET data = EXCLUDED.data',
        [room, uptoSeq, toBuffer(snapshot)],
      );
    });
  }

  async logLength(room: string): Promise<number> {
    await this.readYourWrites(room);
    const r = await this.pool.query<{ n: string }>('SELECT count(*) AS n FROM doc_updates WHERE room = $1', [room]);
    return Number(r.rows[0].n);
  }

  async flush(): Promise<void> {
    await this.kick();
  }

  /** What this node queued for the room is committed before it reads the room back. */
  private async readYourWrites(room: string): Promise<void> {
    this.live();
    if (this.pending.some((p) => p.room === room)) await this.kick();
    else await this.chain;
  }

  /** Runs `fn` in one transaction on a pooled connection: committed, or rolled back and rethrown. */
  private async transaction(fn: (client: PoolClient) => Promise<void>): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await fn(client);
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch((re: unknown) => this.log.warn({ err: re }, 'rollback failed'));
      throw e;
    } finally {
      client.release();
    }
  }

  private live(): void {
    if (this.closed) throw new TandemError(ErrorCode.Unavailable, 'the document store is closed');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    await this.onClose();
  }
}
