// /readyz: ready to serve work, as opposed to /healthz (the process is up). Ready means the
// storage answers a query and at least one inference engine is available.
import type { Storage } from '../storage/types';
import type { ProjectId } from '../../shared/schema/ids';

export interface ReadinessCheck {
  ready: boolean;
  checks: {
    storage: { ok: boolean; error?: string; ms?: number };
    inference: { ok: boolean; models: number; workers?: number; error?: string };
  };
}

export interface ReadinessDeps {
  storage: Storage;
  /** Null when the server runs without inference (then it is never ready for segmentation). */
  inference: { listModels(): unknown[]; workers?(): Array<{ models: string[] }> } | null;
  /** How long the storage probe may take, ms. */
  timeoutMs?: number;
}

export async function checkReadiness(deps: ReadinessDeps): Promise<ReadinessCheck> {
  const t0 = performance.now();
  const storage: ReadinessCheck['checks']['storage'] = { ok: false };
  try {
    // A read that touches the database (SQLite file or PostgreSQL connection) and finds nothing.
    await withTimeout(deps.storage.meta.getProject('__readyz__' as ProjectId), deps.timeoutMs ?? 2000);
    storage.ok = true;
    storage.ms = Math.round(performance.now() - t0);
  } catch (e) {
    storage.error = e instanceof Error ? e.message : String(e);
  }
  const inference: ReadinessCheck['checks']['inference'] = { ok: false, models: 0 };
  if (!deps.inference) inference.error = 'inference is disabled';
  else {
    try {
      inference.models = deps.inference.listModels().length;
      // An engine is available when a worker that runs a model is attached (a pool that reports
      // workers); otherwise when the service lists a model.
      const workers = deps.inference.workers?.();
      if (workers) inference.workers = workers.filter((w) => w.models.length > 0).length;
      inference.ok = workers ? inference.workers! > 0 : inference.models > 0;
      if (!inference.ok) inference.error = workers ? 'no inference worker attached' : 'no engine available';
    } catch (e) {
      inference.error = e instanceof Error ? e.message : String(e);
    }
  }
  return { ready: storage.ok && inference.ok, checks: { storage, inference } };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
