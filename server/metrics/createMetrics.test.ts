import { describe, expect, it } from 'vitest';
import { createMetrics } from './createMetrics';
import { bindSyncStats, type SyncStats } from './syncStats';
import { bindInferenceStats } from './inferenceStats';

describe('createMetrics', () => {
  it('exposes sync, inference, storage and HTTP series in Prometheus text with their values', async () => {
    const m = createMetrics({ defaultMetrics: false });
    const stats: SyncStats = {
      connections: 2, connectionsTotal: 5, connectionsRefused: 1, rooms: 1, updates: 3, updateBytes: 300,
      deniedWrites: 0, malformedFrames: 0, accessWithdrawn: 0, compactions: 0, persistErrors: 0,
      persistLatency: { count: 4, sum: 40, quantile: (q) => (q < 0.9 ? 8 : 16) },
    };
    bindSyncStats(m, () => stats);
    m.inference.requests.inc({ engine: 'graphcut', outcome: 'ok' });
    m.inference.seconds.observe({ engine: 'graphcut' }, 0.2);
    const pool = {
      listModels: () => ['graphcut', 'grabcut'],
      workers: () => [
        { host: 'local', provider: 'cpu', models: ['graphcut'], capacity: 2, inFlight: 1 },
        { host: 'gpu-box', provider: 'cuda', models: ['graphcut'], capacity: 4, inFlight: 2 },
      ],
    };
    bindInferenceStats(m, () => pool);
    m.storage.appendBatchSize.observe(7);
    m.storage.durableSeconds.observe(0.02);
    m.http.requests.inc({ route: '/api/tasks/:id/export', method: 'GET', status: '200' });
    const { contentType, body } = await m.render();
    expect(contentType).toMatch(/^text\/plain/);
    expect(body).toContain('tandem_sync_connections 2');
    expect(body).toContain('tandem_sync_rooms_loaded 1');
    expect(body).toContain('tandem_sync_updates_total 3');
    expect(body).toContain('tandem_sync_persist_latency_quantile_seconds{quantile="0.99"} 0.016');
    expect(body).toContain('tandem_sync_persist_seconds_total 0.04');
    // Read at scrape time: a later change of the counters shows on the next scrape.
    stats.connections = 7;
    expect((await m.render()).body).toContain('tandem_sync_connections 7');
    expect(body).toContain('tandem_inference_requests_total{engine="graphcut",outcome="ok"} 1');
    expect(body).toContain('tandem_inference_seconds_count{engine="graphcut"} 1');
    expect(body).toContain('tandem_inference_workers{kind="local",provider="cpu"} 1');
    expect(body).toContain('tandem_inference_workers{kind="remote",provider="cuda"} 1');
    expect(body).toContain('tandem_inference_in_flight 3');
    expect(body).toContain('tandem_inference_capacity 6');
    expect(body).toContain('tandem_inference_models 2');
    expect(body).toContain('tandem_storage_append_batch_size_sum 7');
    expect(body).toContain('tandem_storage_durable_seconds_count 1');
    expect(body).toContain('tandem_http_requests_total{route="/api/tasks/:id/export",method="GET",status="200"} 1');
  });

  it('keeps two servers in one process apart (no shared global registry)', async () => {
    const a = createMetrics({ defaultMetrics: false });
    const b = createMetrics({ defaultMetrics: false });
    a.storage.compactions.inc();
    expect((await b.render()).body).toContain('tandem_storage_compactions_total 0');
    expect((await a.render()).body).toContain('tandem_storage_compactions_total 1');
  });

  it('includes process metrics by default', async () => {
    const m = createMetrics();
    expect((await m.render()).body).toContain('tandem_process_cpu_user_seconds_total');
  });
});
