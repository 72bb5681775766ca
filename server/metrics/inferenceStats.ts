// Inference pool figures read at scrape time from the pool's own status (no call sites needed):
// attached workers by host kind and provider, their capacity and requests in flight.
import { Gauge } from 'prom-client';
import type { Metrics } from './createMetrics';

/** What is read from the pool (a structural subset of server/inference InferencePool). */
export interface InferenceStatusSource {
  listModels(): unknown[];
  workers?(): Array<{ host: string; provider: string; models: string[]; capacity: number; inFlight: number }>;
}

export function bindInferenceStats(metrics: Metrics, source: () => InferenceStatusSource | null): void {
  const registers = [metrics.registry];
  const workers = () => source()?.workers?.() ?? [];
  new Gauge({
    name: 'tandem_inference_workers',
    help: 'Inference workers attached, by host kind (local | remote) and provider',
    labelNames: ['kind', 'provider'] as const,
    registers,
    collect() {
      this.reset();
      for (const w of workers()) this.inc({ kind: w.host === 'local' ? 'local' : 'remote', provider: w.provider });
    },
  });
  new Gauge({
    name: 'tandem_inference_in_flight',
    help: 'Segmentation requests running on workers',
    registers,
    collect() {
      this.set(workers().reduce((n, w) => n + w.inFlight, 0));
    },
  });
  new Gauge({
    name: 'tandem_inference_capacity',
    help: 'Requests the attached workers accept at once',
    registers,
    collect() {
      this.set(workers().reduce((n, w) => n + w.capacity, 0));
    },
  });
  new Gauge({
    name: 'tandem_inference_models',
    help: 'Models listed by the inference service',
    registers,
    collect() {
      this.set(source()?.listModels().length ?? 0);
    },
  });
}
