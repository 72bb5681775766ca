// A detection request (the /inference namespace's `detect`, the server's pre-labelling) to a worker: which detector, which worker
// (affinity by image, then load, like a click), a deadline, and one retry on another worker when
// the first dies mid-request. No latest-wins queue: a user asks for detections once per image,
// not on every click.
import { ErrorCode, TandemError } from '../../../shared/protocol/errors';
import type { DetectorInfo, WorkerDetectJob, WorkerDetectResult } from '../../../shared/protocol/inference';
import { newId } from '../../../shared/schema/ids';
import type { Logger } from '../../logger';
import { WorkerLostError, type WorkerPool } from './WorkerPool';

/** The detector a request names, or the only one / the first one when it names none. No detector
 *  at all is `no_worker` (one may be attached later: a pre-labelling run waits for it); others but
 *  not the one named is `unknown_model`. */
function resolveDetector(available: DetectorInfo[], id: string | undefined): DetectorInfo {
  if (!available.length) throw new TandemError(ErrorCode.NoWorker, 'no worker runs an object detector');
  if (id === undefined) return available[0];
  const d = available.find((x) => x.id === id);
  if (!d) throw new TandemError(ErrorCode.UnknownModel, `no worker runs a detector ${id}`);
  return d;
}

/** A task's image through the detector a request names (or the first), at its threshold or the detector's. */
export async function detectOnTask(
  pool: WorkerPool,
  task: { id: string; width: number; height: number },
  opts: { threshold?: number; model?: string },
  timeoutMs: number,
  log: Logger,
): Promise<{ detections: WorkerDetectResult['detections']; model: string }> {
  const detector = resolveDetector(pool.detectors(), opts.model);
  const job = { taskId: task.id, width: task.width, height: task.height, model: detector.id, threshold: opts.threshold ?? detector.threshold };
  const res = await runDetection(pool, job, timeoutMs, log);
  return { detections: res.detections, model: detector.id };
}

async function runDetection(pool: WorkerPool, job: Omit<WorkerDetectJob, 'jobId'>, timeoutMs: number, log: Logger): Promise<WorkerDetectResult> {
  const tried = new Set<string>();
  for (;;) {
    const w = pool.pickDetector(job.taskId, job.model, tried);
    if (w === 'busy') throw new TandemError(ErrorCode.Busy, 'every worker is full; try again');
    if (w === 'none') {
      if (tried.size) throw new TandemError(ErrorCode.WorkerFailed, 'the worker failed and no other worker runs the detector');
      throw new TandemError(ErrorCode.NoWorker, `no worker runs detector ${job.model}`);
    }
    tried.add(w.id);
    const jobId = newId(12);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // The deadline settles the race first; abandoning then frees the slot (the late answer is dropped).
        reject(new TandemError(ErrorCode.Timeout, `no answer within ${timeoutMs} ms`));
        pool.abandon(w.id, jobId);
      }, timeoutMs);
    });
    try {
      return await Promise.race([pool.runDetect(w, { ...job, jobId }), deadline]);
    } catch (e) {
      if (!(e instanceof WorkerLostError) || tried.size >= 2) {
        if (e instanceof WorkerLostError) throw new TandemError(ErrorCode.WorkerFailed, 'the worker failed while detecting');
        throw e;
      }
      log.warn({ jobId, worker: e.workerId }, 'worker lost mid-detection; retrying once on another worker');
    } finally {
      clearTimeout(timer);
    }
  }
}
