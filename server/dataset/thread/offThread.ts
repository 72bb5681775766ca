// Exports and import plans run off the server's thread (thread.ts) once they are worth it: on 2
// cores a 100-image full-HD project with 20 masks each took 4-23 s to export as polygons, VOC,
// YOLO, PNG masks or Label Studio (`npm run bench -- exports`), and a Kili export of 1,000 such
// images 6.5 s to plan (`npm run bench -- importTools`), all of it on the thread that relays
// every editor's sync. A small one (one task, a few masks, a file under 512 KiB) stays on it: a
// thread costs ~1 s to start (it loads the TypeScript loader). One thread at a time; the others wait.
import { Worker } from 'node:worker_threads';
import { KeyedQueue } from '../../../shared/async/keyedQueue';
import { ErrorCode, TandemError } from '../../../shared/protocol/errors';
import type { ImportPlan } from '../import/planCocoImport';
import { planFile, type PlanJob } from '../import/planFile';
import type { ExportFile, ExportFormat, ExportInput } from '../types';
import { exportDataset, zipFormatFiles, type ExportResult } from '../export/exportDataset';
import type { ThreadJob } from './thread';

/** Mask pixels an export reads (each object's image size) above which it runs on a thread of its own:
 *  ~5 ns a pixel for the slowest format, so ~0.1 s on the server's thread at most. */
export const INLINE_PIXELS = 20_000_000;
/** A file to import above this size is read and planned on a thread of its own. */
export const INLINE_FILE_BYTES = 512 * 1024;

const queue = new KeyedQueue();
const KNOWN = new Set<unknown>(Object.values(ErrorCode));

/** How much an export reads: each object's mask at its image's size. */
export function exportPixels(input: ExportInput): number {
  return input.tasks.reduce((n, t) => n + t.objects.length * t.task.width * t.task.height, 0);
}

function onThread<T>(job: ThreadJob): Promise<T> {
  return queue.run('thread', () => new Promise<T>((resolve, reject) => {
    // Its entry registers tsx's loader for the thread's TypeScript (it does not inherit the server's).
    const worker = new Worker(new URL('./thread.worker.mjs', import.meta.url), { execArgv: [] });
    let settled = false;
    const done = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
      void worker.terminate();
    };
    worker.once('message', (m: { ok?: T; error?: { message: string; code?: unknown } }) =>
      done(() => (m.error ? reject(new TandemError(KNOWN.has(m.error.code) ? (m.error.code as ErrorCode) : ErrorCode.Internal, m.error.message)) : resolve(m.ok as T))),
    );
    worker.once('error', (e) => done(() => reject(new TandemError(ErrorCode.Internal, `the work failed: ${e.message}`))));
    worker.once('exit', (code) => done(() => reject(new TandemError(ErrorCode.Internal, `the work stopped (exit ${code})`))));
    worker.postMessage(job);
  }));
}

/** exportDataset, on a thread of its own when the export is large (`inlinePixels`: tests). */
export async function exportOffThread(input: ExportInput, format: ExportFormat, name: string, inlinePixels = INLINE_PIXELS): Promise<Omit<ExportResult, 'files'>> {
  if (exportPixels(input) <= inlinePixels) return exportDataset(input, format, name);
  return onThread({ kind: 'dataset', input, format, name });
}

/** zipFormatFiles (the files an export with images streams), likewise. */
export async function zipFilesOffThread(input: ExportInput, format: 'voc' | 'yolo' | 'masks' | 'cvat', inlinePixels = INLINE_PIXELS): Promise<ExportFile[]> {
  if (exportPixels(input) <= inlinePixels) return zipFormatFiles(input, format);
  return onThread({ kind: 'files', input, format });
}

/** planFile (an import's plan), on a thread of its own for a large file (`inlineBytes`: tests). */
export async function planOffThread(job: PlanJob, inlineBytes = INLINE_FILE_BYTES): Promise<ImportPlan> {
  if (job.bytes.length <= inlineBytes) return planFile(job);
  return onThread({ kind: 'plan', ...job });
}
