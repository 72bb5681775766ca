// Counters of the sync server, read by the /metrics endpoint and the benchmarks. Plain numbers so
// any exporter (Prometheus or JSON) can read them without coupling to this module.

/** A bounded sample of latencies (ms) for percentiles: the most recent `cap` values. */
export class LatencySample {
  private values: number[] = [];
  private next = 0;
  count = 0;
  sum = 0;
  max = 0;
  constructor(private cap = 4096) {}
  add(ms: number): void {
    this.count++;
    this.sum += ms;
    if (ms > this.max) this.max = ms;
    if (this.values.length < this.cap) this.values.push(ms);
    else {
      this.values[this.next] = ms;
      this.next = (this.next + 1) % this.cap;
    }
  }
  /** The q-quantile (0..1) of the kept samples; 0 when empty. */
  quantile(q: number): number {
    if (this.values.length === 0) return 0;
    const sorted = [...this.values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  }
  reset(): void {
    this.values = [];
    this.next = 0;
    this.count = this.sum = this.max = 0;
  }
}

export interface SyncMetrics {
  /** Open sockets now. */
  connections: number;
  /** Sockets accepted since start. */
  connectionsTotal: number;
  /** Sockets refused at the upgrade (bad token, unknown room, no access). */
  connectionsRefused: number;
  /** Rooms loaded now. */
  rooms: number;
  /** Document updates applied (from clients, the server and other nodes). */
  updates: number;
  /** Bytes of those updates. */
  updateBytes: number;
  /** Writes refused because the socket is read-only. */
  deniedWrites: number;
  /** Frames that could not be decoded (socket closed with 4400). */
  malformedFrames: number;
  /** Open sockets closed by the access re-check (token expired or revoked, access gone or changed). */
  accessWithdrawn: number;
  /** Room compactions run. */
  compactions: number;
  /** Failed appends to the update log. */
  persistErrors: number;
  /** Append → durable (fsynced) latency, ms: the durability window. */
  persistLatency: LatencySample;
}

export function createSyncMetrics(): SyncMetrics {
  return {
    connections: 0,
    connectionsTotal: 0,
    connectionsRefused: 0,
    rooms: 0,
    updates: 0,
    updateBytes: 0,
    deniedWrites: 0,
    malformedFrames: 0,
    accessWithdrawn: 0,
    compactions: 0,
    persistErrors: 0,
    persistLatency: new LatencySample(),
  };
}
