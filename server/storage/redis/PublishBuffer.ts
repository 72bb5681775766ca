// What the room bus keeps of its own document updates so a Redis outage loses none of them:
// - the outbox: updates (and the sync servers' control messages: access withdrawn, a task
//   deleted) published while Redis was unreachable, sent in order when it returns;
// - the recent ring: updates sent in the last `recentMs`, sent AGAIN when Redis comes back without
//   its data (restarted without persistence), because entries written just before the crash may
//   never have reached the other nodes' readers.
// Re-sending is safe: Yjs updates are idempotent. Both are bounded in bytes; a room whose update
// had to be dropped is reported (the caller then signals a resync for it).

export interface BufferedUpdate {
  room: string;
  data: Uint8Array;
  /** Outbox entries only: a control message rides it like an update but never enters the recent ring. */
  kind?: 'update' | 'control';
  /** Epoch ms when it was published (recent ring only). */
  at: number;
}

export class PublishBuffer {
  private outbox: BufferedUpdate[] = [];
  private outboxBytes = 0;
  private recent: BufferedUpdate[] = [];
  private recentHead = 0;
  private recentBytes = 0;
  /** Rooms that lost an update to the byte bounds. */
  readonly overflowed = new Set<string>();

  constructor(
    private readonly maxOutboxBytes = 64 * 1024 * 1024,
    private readonly recentMs = 30_000,
    private readonly maxRecentBytes = 32 * 1024 * 1024,
  ) {}

  get pending(): number {
    return this.outbox.length;
  }

  enqueue(room: string, data: Uint8Array, kind: 'update' | 'control' = 'update'): void {
    if (this.outboxBytes + data.byteLength > this.maxOutboxBytes) {
      this.overflowed.add(room);
      return;
    }
    this.outbox.push({ room, data, at: Date.now(), kind });
    this.outboxBytes += data.byteLength;
  }

  /** Takes up to `n` queued updates, oldest first. */
  take(n: number): BufferedUpdate[] {
    const out = this.outbox.splice(0, n);
    for (const u of out) this.outboxBytes -= u.data.byteLength;
    return out;
  }

  /** Puts updates that could not be sent back at the front, in their order. */
  putBack(updates: BufferedUpdate[]): void {
    this.outbox.unshift(...updates);
    for (const u of updates) this.outboxBytes += u.data.byteLength;
  }

  /** Records an update Redis accepted. */
  sent(room: string, data: Uint8Array, now = Date.now()): void {
    this.recent.push({ room, data, at: now });
    this.recentBytes += data.byteLength;
    this.prune(now);
  }

  /** Updates sent within the last `recentMs`, oldest first. */
  recentlySent(now = Date.now()): BufferedUpdate[] {
    this.prune(now);
    return this.recent.slice(this.recentHead);
  }

  private prune(now: number): void {
    while (
      this.recentHead < this.recent.length &&
      (this.recent[this.recentHead].at < now - this.recentMs || this.recentBytes > this.maxRecentBytes)
    ) {
      this.recentBytes -= this.recent[this.recentHead].data.byteLength;
      this.recentHead++;
    }
    // Compact the array once the dead head is large, so pruning stays O(1) amortised.
    if (this.recentHead > 1024 && this.recentHead * 2 > this.recent.length) {
      this.recent = this.recent.slice(this.recentHead);
      this.recentHead = 0;
    }
  }
}
