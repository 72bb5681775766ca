// What a DocStore reports at each batch commit. Structural (server/metrics' `storage` histograms fit
// it as they are), so storage keeps importing nothing from the metrics module.

export interface DocStoreMetrics {
  /** Updates per committed append transaction. */
  appendBatchSize: { observe(updates: number): void };
  /** Per append: append() call → its batch committed (durable), seconds. */
  durableSeconds: { observe(seconds: number): void };
}

/**
 * Records one committed batch. `startedAt`: performance.now() of each append of the batch, so the
 * durable time includes the wait for the batch window, as a client experiences it.
 */
export function observeCommit(metrics: DocStoreMetrics | null | undefined, startedAt: readonly number[]): void {
  if (!metrics) return;
  const now = performance.now();
  metrics.appendBatchSize.observe(startedAt.length);
  for (const t0 of startedAt) metrics.durableSeconds.observe((now - t0) / 1000);
}
