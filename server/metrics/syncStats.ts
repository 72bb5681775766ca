// Bridges the sync server's plain counters (server/sync/metrics.ts, read at scrape time) into
// Prometheus series, so the hot path keeps incrementing plain numbers.
import { Gauge } from 'prom-client';
import type { LatencySample, SyncMetrics } from '../sync/metrics';
import type { Metrics } from './createMetrics';

/**
 * The sync server's counters as read here: the fields are defined once, in SyncMetrics; of the
 * latency sample only what is exported is needed.
 */
export type SyncStats = Omit<SyncMetrics, 'persistLatency'> & {
  persistLatency: Pick<LatencySample, 'count' | 'sum' | 'quantile'>;
};

/**
 * Registers gauges whose values are read from `stats()` on every scrape. Totals are exported as
 * gauges named `_total` (their value only grows; Prometheus' rate() works on them).
 */
export function bindSyncStats(metrics: Metrics, stats: () => SyncStats): void {
  const registers = [metrics.registry];
  const plain: Array<[string, string, (s: SyncStats) => number]> = [
    ['tandem_sync_connections', 'Open /sync WebSocket connections', (s) => s.connections],
    ['tandem_sync_connections_accepted_total', 'Sockets accepted since start', (s) => s.connectionsTotal],
    ['tandem_sync_connections_refused_total', 'Sockets refused at the upgrade', (s) => s.connectionsRefused],
    ['tandem_sync_rooms_loaded', 'Rooms loaded in memory on this node', (s) => s.rooms],
    ['tandem_sync_updates_total', 'Document updates applied', (s) => s.updates],
    ['tandem_sync_update_bytes_total', 'Bytes of document updates applied', (s) => s.updateBytes],
    ['tandem_sync_denied_writes_total', 'Writes refused from read-only sockets', (s) => s.deniedWrites],
    ['tandem_sync_malformed_frames_total', 'Frames that could not be decoded', (s) => s.malformedFrames],
    ['tandem_sync_access_withdrawn_total', 'Open sockets closed by the access re-check', (s) => s.accessWithdrawn],
    ['tandem_sync_compactions_total', 'Room compactions', (s) => s.compactions],
    ['tandem_sync_persist_errors_total', 'Failed appends to the update log', (s) => s.persistErrors],
    ['tandem_sync_persists_total', 'Appends measured for the durability window', (s) => s.persistLatency.count],
    ['tandem_sync_persist_seconds_total', 'Total append → durable time, seconds', (s) => s.persistLatency.sum / 1000],
  ];
  for (const [name, help, read] of plain) {
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read(stats()));
      },
    });
  }
  new Gauge({
    name: 'tandem_sync_persist_latency_quantile_seconds',
    help: 'Append → durable latency quantiles over recent appends, seconds',
    labelNames: ['quantile'] as const,
    registers,
    collect() {
      const s = stats().persistLatency;
      for (const q of [0.5, 0.9, 0.99]) this.set({ quantile: String(q) }, s.quantile(q) / 1000);
    },
  });
}
