// DocStore on PostgreSQL: the append-only Yjs update log, shared by every node.
//
// Batching (group commit without a window): a batch goes out on the next turn of the event loop
// when none is in flight, else as soon as the one in flight has committed; it takes everything
// appended meanwhile (up to maxBatchUpdates / maxBatchBytes). Why no fixed window: other nodes see
// an update only once it is committed (server/cluster/durabilityGate.ts), so a 25 ms window was
// 25 ms added to every cross-node edit, while a commit here costs ~1 ms; under load batches still
// grow by themselves (to what arrives during one commit). Every promise of a batch resolves after
// its COMMIT (PostgreSQL fsyncs the WAL at commit with the default synchronous_commit=on). Batches
// of one node run one after another, so a node's updates keep their order.
//
// Sequence numbers with writers on several nodes: each room has a row in doc_rooms holding its last
// seq. A batch reserves a range with an upsert on that row, which row-locks it until COMMIT, so a
// second node appending to the same room waits and then continues from the committed value. Seqs
// therefore commit in increasing order: a reader always sees a gap-free prefix of the log, and
// compact(uptoSeq) can never delete a row that committed after the snapshot was read. (A global
// bigserial would not give that: ids are taken at INSERT time but become visible at COMMIT, so a
// reader could see id 11 before id 10 commits, and compacting up to 11 would drop 10.) Rooms are
// locked in byte order (COLLATE "C", as JS sorts ASCII names) so two nodes' multi-room batches
// cannot deadlock. A batch is ONE statement (its own transaction): one round trip, and a room's row
// lock is never held across a round trip to a busy node, which other nodes would wait out.
import type { Pool, PoolClient } from 'pg';
import { ErrorCode, TandemError } from '../../../shared/protocol/errors';
import type { Logger } from '../../logger';
import { observeCommit, type DocStoreMetrics } from '../docStoreMetrics';
import type { DocStore, StoredRoom } from '../types';
import { inTransaction } from './transaction';
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

/**
 * One batch, one statement: lock the batch's rooms in byte order while reserving their seq ranges,
 * then insert every update at its seq ($1 rooms and $2 updates are parallel arrays, in append order).
 */
const APPEND_BATCH = `
  WITH b AS (
    SELECT t.room, t.d, t.i FROM unnest($1::text[], $2::bytea[]) WITH ORDINALITY AS t(room, d, i)
  ), n AS (
    SELECT room, count(*) AS n FROM b GROUP BY room
  ), seqs AS (
    INSERT INTO doc_rooms (room, last_seq) SELECT room, n FROM n ORDER BY room COLLATE "C"
    ON CONFLICT (room) DO UPDATE SET last_seq = doc_rooms.last_seq + EXCLUDED.last_seq
    RETURNING room, last_seq
  )
  INSERT INTO doc_updates (room, seq, data)
  SELECT b.room, seqs.last_seq - n.n + row_number() OVER (PARTITION BY b.room ORDER BY b.i), b.d
  FROM b JOIN n USING (room) JOIN seqs USING (room)`;

export class PgDocStore implements DocStore {
  private pending: Pending[] = [];
  /** Appends made and appends settled (batches settle in order): what flush() waits on. */
  private appended = 0;
  private settled = 0;
  /** A batch is queued behind the tail of the chain; appends until it starts join it. */
  private queued = false;
  /** The tail of the batch chain; never rejects (failures go to each append's promise). */
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly pool: Pool,
    private readonly log: Logger,
    private readonly onClose: () => Promise<void>,
    /** See server/cluster/durabilityGate.ts: lets the room bus publish an update once it is stored. */
    private readonly gate: WeakMap<Uint8Array, Promise<void>> | null = null,
    /** Batch size and append → durable time, observed at each commit. */
    private readonly metrics: DocStoreMetrics | null = null,
    /** At most this many updates or bytes per batch (one statement's parameters stay bounded). */
    private readonly maxBatchUpdates = 1000,
    private readonly maxBatchBytes = 8 * 1024 * 1024,
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
    });
    this.appended++;
    this.gate?.set(update, done);
    this.schedule();
    return done;
  }

  /**
   * Queues a batch behind the one in flight (if any), started one event-loop turn later so that
   * the appends of the same tick (one Yjs transaction, one socket read) share it.
   */
  private schedule(): void {
    if (this.queued) return;
    this.queued = true;
    this.chain = this.chain
      .then(() => new Promise<void>((r) => setImmediate(r)))
      .then(() => {
        this.queued = false;
        const batch = this.take();
        // More than one batch's worth pending: the rest goes right after this one.
        if (this.pending.length > 0) this.schedule();
        return batch.length > 0 ? this.writeBatch(batch) : undefined;
      });
  }

  /** Takes the oldest pending appends, up to the batch bounds (at least one). */
  private take(): Pending[] {
    let n = 0;
    let bytes = 0;
    while (n < this.pending.length && (n === 0 || (n < this.maxBatchUpdates && bytes + this.pending[n].update.byteLength <= this.maxBatchBytes))) {
      bytes += this.pending[n].update.byteLength;
      n++;
    }
    return this.pending.splice(0, n);
  }

  private async writeBatch(batch: Pending[]): Promise<void> {
    try {
      // One statement is one transaction: resolved once committed (durable), or rolled back whole.
      await this.pool.query(APPEND_BATCH, [batch.map((p) => p.room), batch.map((p) => p.update)]);
      observeCommit(this.metrics, batch.map((p) => p.t0));
      for (const p of batch) p.resolve();
    } catch (e) {
      this.log.error({ err: e, updates: batch.length, rooms: new Set(batch.map((p) => p.room)).size }, 'appending a batch of updates failed');
      // Rolled back: none of the batch is stored, so every append of it fails (the sync layer keeps
      // the updates in memory and clients resend them on their next sync).
      const err = new TandemError(ErrorCode.Internal, 'failed to store the update batch', { cause: e });
      for (const p of batch) p.reject(err);
    } finally {
      this.settled += batch.length;
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

  async lastSeq(room: string): Promise<number> {
    await this.readYourWrites(room);
    const r = await this.pool.query<{ seq: string }>('SELECT last_seq AS seq FROM doc_rooms WHERE room = $1', [room]);
    return r.rows.length ? Number(r.rows[0].seq) : 0;
  }

  async lastSeqs(prefix: string): Promise<Map<string, number>> {
    this.live();
    await this.flush();
    // doc_rooms keeps each room's counter (never lowered by compaction): one row per room.
    const r = await this.pool.query<{ room: string; seq: string }>("SELECT room, last_seq AS seq FROM doc_rooms WHERE starts_with(room, $1) AND last_seq > 0", [prefix]);
    return new Map(r.rows.map((x) => [x.room, Number(x.seq)]));
  }

  /** Resolves once every append issued before the call has settled. */
  async flush(): Promise<void> {
    // Not "until nothing is pending": under steady appends from other rooms that may never come.
    const target = this.appended;
    while (this.settled < target) await this.chain;
  }

  /** What this node queued for the room is committed before it reads the room back. */
  private async readYourWrites(room: string): Promise<void> {
    this.live();
    await this.flush();
  }

  /** Runs `fn` in one transaction on a pooled connection: committed, or rolled back and rethrown. */
  private transaction(fn: (client: PoolClient) => Promise<void>): Promise<void> {
    return inTransaction(this.pool, fn, this.log);
  }

  async deleteRooms(rooms: string[]): Promise<void> {
    this.live();
    await this.flush(); // this node's appends to them first, so none lands after the delete
    if (!rooms.length) return;
    await this.transaction(async (client) => {
      await client.query('DELETE FROM doc_updates WHERE room = ANY($1::text[])', [rooms]);
      await client.query('DELETE FROM doc_rooms WHERE room = ANY($1::text[])', [rooms]);
    });
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
