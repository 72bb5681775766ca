// Operator metrics in Prometheus form, on prom-client. One Metrics object per server process,
// created by createTandemServer and passed down (no module singleton: two test servers in one
// process must not share counters). Other modules only call inc/set/observe on its fields. The
// sync server keeps plain counters of its own (server/sync/metrics.ts), exported by bindSyncStats.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Seconds buckets for sub-second operations (persist, durable write, HTTP). */
const FAST = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
/** Seconds buckets for inference, which runs 10 ms (decoder) to many seconds (encoder on CPU). */
const INFER = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function createMetrics(opts: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  const registers = [registry];
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'tandem_' });

  // Workers and in-flight requests are read from the pool at scrape time (bindInferenceStats).
  const inference = {
    /**
     * outcome: ok or the error code answered (busy, timeout, stale, click_outside_image …); engine:
     * the resolved model id (graphcut, grabcut, an ONNX model), `none` when refused before that.
     */
    requests: new Counter({ name: 'tandem_inference_requests_total', help: 'Segmentation requests by engine and outcome', labelNames: ['engine', 'outcome'] as const, registers }),
    seconds: new Histogram({ name: 'tandem_inference_seconds', help: 'Segmentation request latency, seconds', labelNames: ['engine'] as const, buckets: INFER, registers }),
    ahead: new Counter({ name: 'tandem_inference_prefetch_ahead_total', help: "Loads of the editor's next task ahead of need, by outcome (loaded, or skipped: no spare room)", labelNames: ['outcome'] as const, registers }),
  };

  const storage = {
    /** Updates written per append transaction. */
    appendBatchSize: new Histogram({ name: 'tandem_storage_append_batch_size', help: 'Updates per append batch', buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500], registers }),
    /** Append call to fsynced, seconds. */
    durableSeconds: new Histogram({ name: 'tandem_storage_durable_seconds', help: 'Append to durable (fsync), seconds', buckets: FAST, registers }),
    compactions: new Counter({ name: 'tandem_storage_compactions_total', help: 'Room log compactions', registers }),
  };

  const http = {
    /** route is the route pattern (/api/tasks/:id/export), never the raw path (bounded labels). */
    requests: new Counter({ name: 'tandem_http_requests_total', help: 'HTTP requests by route, method and status', labelNames: ['route', 'method', 'status'] as const, registers }),
    seconds: new Histogram({ name: 'tandem_http_request_seconds', help: 'HTTP request duration, seconds', labelNames: ['route', 'method'] as const, buckets: FAST, registers }),
  };

  return {
    registry,
    inference,
    storage,
    http,
    /** The exposition text and its content type, for GET /metrics. */
    async render(): Promise<{ contentType: string; body: string }> {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
