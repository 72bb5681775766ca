// The multi-node room bus on Redis Streams (the y-redis design, none of its code).
//
// - One stream per room, `tandem:room:<room>` (`tandem:` is REDIS_KEY_PREFIX). publish() is one
//   XADD (MAXLEN ~ bounded) with the publishing node's id, the kind and the bytes, made once this
//   node's DocStore has committed the update (server/cluster/durabilityGate.ts explains why).
// - One blocking connection per node runs XREAD BLOCK over the streams of the rooms this node has
//   subscribed to. When that set changes, the read in progress is cut short with CLIENT UNBLOCK and
//   re-issued with the new set. Entries of this node are skipped.
// - The last id read is kept per room: after a disconnection the next XREAD continues from it, so
//   a node that blinks misses nothing that is still in the stream.
// - A newly subscribed room is read from the start of its stream (duplicates are harmless, Yjs
//   updates are idempotent): an update published between the sync layer's load from PostgreSQL
//   and its subscribe is still seen.
// - Trimming: PostgreSQL is the durable store and each node publishes its own updates only once
//   committed (PgDocStore, a few ms), so entries older than `retainMs` (60 s) are persisted; a
//   node that died before COMMIT never published them (its clients push them again when they
//   reconnect, DESIGN "Persistence").
//   Every node trims its rooms with XTRIM MINID ~ <now - retainMs>.
// - Redis restarts: both connections reconnect with backoff; publish() never waits for Redis (the
//   node keeps serving its own clients): updates (and control messages) go to a bounded outbox,
//   sent in order on return; awareness is dropped (clients re-send presence).
//   A key `<prefix>epoch` tells whether Redis kept its data. If it did not, the node also re-sends
//   its updates of the last 30 s (entries written just before the crash may never have reached the
//   other readers) and reads the new streams from the start. Rooms that may still have missed
//   something (Redis lost its data, a stream trimmed past our last id, an outbox overflow) get a
//   `resync` signal so the sync layer can reconcile exactly with PostgreSQL (see onResync).
import { randomUUID } from 'node:crypto';
import { ErrorCode, TandemError } from '../../../shared/protocol/errors';
import { durabilityGate } from '../../cluster/durabilityGate';
import type { Config } from '../../config';
import type { Logger } from '../../logger';
import type { BusMessageKind, RoomBus } from '../types';
import { PublishBuffer, type BufferedUpdate } from './PublishBuffer';
import { RoomCallbacks } from './roomCallbacks';
import { connectClient, type BufferClient } from './redisClient';
import { compareIds, entryGap, parseXInfo } from './streamIds';

export interface RedisBusOptions {
  /** Prefix of every key (config.shared.redisPrefix): streams are <prefix>room:<room>. */
  keyPrefix?: string;
  /** XADD MAXLEN ~ bound per stream (entries): a hard memory cap if trimming falls behind. */
  maxLen?: number;
  /** Entries older than this (ms) are trimmed: long persisted by then. */
  retainMs?: number;
  /** How often (ms) this node trims the streams of its rooms. */
  trimEveryMs?: number;
  /** XREAD BLOCK timeout (ms). Room changes interrupt it, so this only bounds idle round trips. */
  blockMs?: number;
  /** Bytes of updates kept while Redis is unreachable; beyond it the room is left to resync. */
  maxOutboxBytes?: number;
  /** Own updates of the last `recentMs` are re-sent when Redis comes back without its data. */
  recentMs?: number;
  /** Append promises of this node's DocStore (server/cluster/durabilityGate.ts). */
  gate?: WeakMap<Uint8Array, Promise<void>>;
}

type Handler = (kind: BusMessageKind, data: Uint8Array) => void;

/** Each kind's one-letter code in a stream entry (`k`). */
const KIND_CODES: Record<BusMessageKind, string> = { update: 'u', awareness: 'a', control: 'c' };

interface RoomState {
  /** Last stream entry id read for the room ('0-0': from the start). */
  lastId: string;
}

export class RedisStreamsBus implements RoomBus {
  readonly nodeId: string;
  /** The rooms this node reads, each while it has a handler. */
  private readonly rooms = new Map<string, RoomState>();
  private readonly handlers: RoomCallbacks<[BusMessageKind, Uint8Array]>;
  private readonly resyncHandlers: RoomCallbacks<[]>;
  /** Own updates not yet in Redis (outage) and recently sent ones (for a Redis that lost its data). */
  private readonly buffer: PublishBuffer;
  private flushing = false;
  private readonly prefix: string;
  /** Holds a random value set by the first node after Redis starts: if it changes, Redis lost its data. */
  private readonly epochKey: string;
  private readonly maxLen: number;
  private readonly retainMs: number;
  private readonly blockMs: number;
  private readonly gate: WeakMap<Uint8Array, Promise<void>> | undefined;
  private epoch: string | null = null;
  private readerId: number | null = null;
  /** Bumped on every change of the room set; the reader compares it with what it is reading. */
  private roomsGen = 0;
  private readingGen = -1;
  private wake: (() => void) | null = null;
  private closed = false;
  private loop: Promise<void> = Promise.resolve();
  private trimTimer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly cmd: BufferClient,
    private readonly reader: BufferClient,
    nodeId: string,
    private readonly log: Logger,
    opts: RedisBusOptions,
  ) {
    this.nodeId = nodeId;
    this.prefix = `${opts.keyPrefix ?? 'tandem:'}room:`;
    this.epochKey = `${opts.keyPrefix ?? 'tandem:'}epoch`;
    this.maxLen = opts.maxLen ?? 10_000;
    this.retainMs = opts.retainMs ?? 60_000;
    this.blockMs = opts.blockMs ?? 5_000;
    this.buffer = new PublishBuffer(opts.maxOutboxBytes, opts.recentMs);
    this.gate = opts.gate;
    this.handlers = new RoomCallbacks(log, 'room bus handler');
    this.resyncHandlers = new RoomCallbacks(log, 'resync handler');
    const trimEvery = opts.trimEveryMs ?? 5_000;
    this.trimTimer = setInterval(() => void this.trim(), trimEvery);
    this.trimTimer.unref();
  }

  static async open(url: string, nodeId: string, log: Logger, opts: RedisBusOptions = {}): Promise<RedisStreamsBus> {
    const cmd = connectClient(url, log, `tandem-bus:${nodeId}`);
    const reader = connectClient(url, log, `tandem-bus:${nodeId}-reader`);
    try {
      await cmd.connect();
      await reader.connect();
    } catch (e) {
      cmd.destroy();
      reader.destroy();
      throw e;
    }
    const bus = new RedisStreamsBus(cmd, reader, nodeId, log, opts);
    bus.epoch = await bus.readEpoch();
    // Later 'ready' events are reconnections (the first one has fired already).
    cmd.on('ready', () => void bus.afterReconnect());
    reader.on('ready', () => {
      bus.readerId = null;
      bus.kickReader();
    });
    bus.loop = bus.readLoop();
    return bus;
  }

  async publish(room: string, kind: BusMessageKind, data: Uint8Array): Promise<void> {
    if (this.closed) throw new TandemError(ErrorCode.Unavailable, 'the room bus is closed');
    const stored = kind === 'update' ? this.gate?.get(data) : undefined;
    if (stored) {
      // Publish-after-persist (server/cluster/durabilityGate.ts): other nodes never store what
      // they receive, so nothing may reach them that this node has not stored.
      try {
        await stored;
      } catch {
        // Not stored: the sync layer closes the room's sockets and the clients push it again.
        return;
      }
      if (this.closed) return;
    }
    // Awareness is ephemeral (clients re-send presence): dropped while Redis is away. Control
    // messages (access withdrawn, a task deleted) wait in the outbox like updates, so the other
    // nodes apply them when Redis is back instead of at their next access sweep.
    const queued = kind !== 'awareness';
    if (queued && (!this.cmd.isReady || this.buffer.pending > 0 || this.flushing)) {
      // Behind the outbox, never around it: a node's updates reach Redis in the order it made them.
      this.buffer.enqueue(room, data, kind);
      if (this.cmd.isReady && !this.flushing) void this.flushOutbox();
      return;
    }
    if (!this.cmd.isReady) return;
    try {
      await this.xadd(room, kind, data);
      if (kind === 'update') this.buffer.sent(room, data);
    } catch (e) {
      if (queued) this.buffer.enqueue(room, data, kind);
      this.log.debug({ err: (e as Error).message, room }, 'publish failed; queued until Redis is back');
    }
  }

  private xadd(room: string, kind: BusMessageKind, data: Uint8Array) {
    return this.cmd.xAdd(
      this.key(room),
      '*',
      { n: this.nodeId, k: KIND_CODES[kind], d: Buffer.from(data.buffer, data.byteOffset, data.byteLength) },
      { TRIM: { strategy: 'MAXLEN', strategyModifier: '~', threshold: this.maxLen } },
    );
  }

  /** Sends the outbox (after `first`, when given) in order; stops at the first failure. */
  private async flushOutbox(first: BufferedUpdate[] = []): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      if (first.length) this.buffer.putBack(first);
      while (!this.closed && this.cmd.isReady && this.buffer.pending > 0) {
        // 200 at a time: node-redis pipelines the XADDs of one tick into one round trip.
        const chunk = this.buffer.take(200);
        const results = await Promise.allSettled(chunk.map((u) => this.xadd(u.room, u.kind ?? 'update', u.data)));
        const failedAt = results.findIndex((r) => r.status === 'rejected');
        const ok = failedAt < 0 ? chunk : chunk.slice(0, failedAt);
        for (const u of ok) if (u.kind !== 'control') this.buffer.sent(u.room, u.data);
        if (failedAt >= 0) {
          this.buffer.putBack(chunk.slice(failedAt));
          return; // Redis went away again: the next reconnection resumes
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  subscribe(room: string, handler: Handler): () => void {
    if (!this.rooms.has(room)) {
      this.rooms.set(room, { lastId: '0-0' });
      this.roomsChanged();
    }
    const remove = this.handlers.add(room, handler);
    return () => {
      remove();
      if (!this.handlers.has(room) && this.rooms.delete(room)) this.roomsChanged();
    };
  }

  /**
   * Called when this node may have missed updates of the room from other nodes (Redis lost its
   * data, the stream was trimmed past what this node had read) or could not publish its own.
   * The sync layer must then: flush its DocStore, apply everything DocStore.load(room) returns to
   * the room's document (relaying the difference to its clients), and publish the document's full
   * state (Y.encodeStateAsUpdate) on the bus so other nodes get what only this node had.
   */
  onResync(room: string, cb: () => void): () => void {
    return this.resyncHandlers.add(room, cb);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.trimTimer) clearInterval(this.trimTimer);
    this.kickReader();
    // destroy(), not quit(): the reader may sit in XREAD BLOCK, and nothing here needs a reply.
    this.reader.destroy();
    await this.loop;
    this.cmd.destroy();
  }

  private key(room: string): string {
    return this.prefix + room;
  }

  private async readEpoch(): Promise<string> {
    await this.cmd.set(this.epochKey, randomUUID(), { condition: 'NX' });
    const v = await this.cmd.get(this.epochKey);
    return v ? v.toString() : '';
  }

  private roomsChanged(): void {
    this.roomsGen++;
    this.kickReader();
  }

  /** Makes the reader re-issue its XREAD (new room set, reconnection, close). */
  private kickReader(): void {
    this.wake?.();
    this.wake = null;
    void this.unblockReader();
  }

  private async unblockReader(): Promise<void> {
    // The XREAD may not have reached Redis yet when we ask (UNBLOCK answers 0): try again shortly,
    // as long as the reader is still on an older room set.
    for (let i = 0; i < 50 && !this.closed && this.readingGen !== -1 && this.readingGen < this.roomsGen; i++) {
      if (this.readerId === null || !this.cmd.isReady) return;
      try {
        const n = await this.cmd.sendCommand(['CLIENT', 'UNBLOCK', String(this.readerId)]);
        if (Number(n) === 1) return;
      } catch (e) {
        this.log.debug({ err: (e as Error).message }, 'CLIENT UNBLOCK failed');
        return;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  private async readLoop(): Promise<void> {
    let backoff = 50;
    while (!this.closed) {
      const rooms = [...this.rooms.entries()];
      if (rooms.length === 0 || !this.reader.isReady) {
        // Nothing to read (or no connection): sleep until a change, polling readiness meanwhile.
        await new Promise<void>((r) => {
          // Cleared on wake, so a closed bus leaves no timer holding the process open.
          const t = setTimeout(r, rooms.length === 0 ? this.blockMs : 100);
          this.wake = () => {
            clearTimeout(t);
            r();
          };
        });
        continue;
      }
      try {
        this.readerId ??= await this.reader.clientId();
        this.readingGen = this.roomsGen;
        const res = await this.reader.xRead(
          rooms.map(([room, s]) => ({ key: this.key(room), id: s.lastId })),
          { BLOCK: this.blockMs, COUNT: 1000 },
        );
        this.readingGen = -1;
        backoff = 50;
        if (res) this.dispatch(res as unknown as StreamReply[]);
      } catch (e) {
        this.readingGen = -1;
        if (this.closed) break;
        this.log.debug({ err: (e as Error).message }, 'XREAD failed; retrying');
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 2000);
      }
    }
  }

  private dispatch(streams: StreamReply[]): void {
    for (const stream of streams) {
      const room = stream.name.toString().slice(this.prefix.length);
      const state = this.rooms.get(room);
      if (!state) continue; // unsubscribed while the read was in flight
      for (const m of stream.messages) {
        const id = m.id.toString();
        if (compareIds(id, state.lastId) <= 0) continue;
        state.lastId = id;
        if (m.message.n?.toString() === this.nodeId) continue;
        const data = m.message.d;
        if (!data) continue;
        const code = m.message.k?.toString();
        const kind: BusMessageKind = code === 'a' ? 'awareness' : code === 'c' ? 'control' : 'update';
        this.handlers.emit(room, kind, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      }
    }
  }

  /**
   * After a reconnection: send what was queued (and, if Redis lost its data, what was sent just
   * before), then signal the rooms that may have missed something.
   */
  private async afterReconnect(): Promise<void> {
    if (this.closed) return;
    const needResync = new Set<string>();
    try {
      const epoch = await this.readEpoch();
      const lost = epoch !== this.epoch;
      this.epoch = epoch;
      if (lost) {
        this.log.warn('Redis lost its data (restarted without persistence): re-sending recent updates; every room resyncs');
        for (const [room, s] of this.rooms) {
          s.lastId = '0-0';
          needResync.add(room);
        }
      } else {
        for (const [room, s] of this.rooms) {
          if (s.lastId === '0-0') continue;
          const raw = await this.cmd.sendCommand(['XINFO', 'STREAM', this.key(room)]).catch(() => null);
          if (entryGap(s.lastId, raw ? parseXInfo(raw) : null)) needResync.add(room);
        }
      }
      this.kickReader();
      await this.flushOutbox(lost ? this.buffer.recentlySent() : []);
    } catch (e) {
      this.log.warn({ err: (e as Error).message }, 'checking Redis after reconnection failed; resyncing every room');
      for (const room of this.rooms.keys()) needResync.add(room);
    }
    for (const room of this.buffer.overflowed) needResync.add(room);
    this.buffer.overflowed.clear();
    for (const room of needResync) this.emitResync(room);
  }

  private emitResync(room: string): void {
    if (this.resyncHandlers.emit(room)) this.log.info({ room }, 'room resync');
  }

  private async trim(): Promise<void> {
    if (this.closed || !this.cmd.isReady) return;
    const minId = `${Math.max(0, Date.now() - this.retainMs)}-0`;
    for (const room of this.rooms.keys()) {
      try {
        await this.cmd.xTrim(this.key(room), 'MINID', minId, { strategyModifier: '~' });
      } catch (e) {
        this.log.debug({ err: (e as Error).message, room }, 'XTRIM failed');
        return;
      }
    }
  }
}

interface StreamReply {
  name: Buffer;
  messages: Array<{ id: Buffer; message: Record<string, Buffer | undefined> }>;
}

/** The bus of shared mode (REDIS_URL), loaded by server/storage/openStorage.ts. */
export async function createRedisBus(config: Config, log: Logger, opts: RedisBusOptions = {}): Promise<RoomBus & Pick<RedisStreamsBus, 'onResync'>> {
  const url = config.shared.redisUrl;
  if (!url) throw new Error('createRedisBus needs REDIS_URL');
  return RedisStreamsBus.open(url, config.nodeId, log.child({ module: 'storage.redis' }), {
    keyPrefix: config.shared.redisPrefix,
    gate: durabilityGate(config),
    ...opts,
  });
}
