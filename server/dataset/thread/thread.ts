// The worker thread a large export or import plan runs in (offThread.ts): both are pure
// functions of the project, its masks and the file, but tracing contours, encoding PNGs and
// brushes, or parsing and validating a file of thousands of images, take seconds, and on the
// server's thread that would stall every live editor of the node.
import { parentPort } from 'node:worker_threads';
import type { ExportFormat, ExportInput } from '../types';
import { exportDataset, zipFormatFiles } from '../export/exportDataset';
import { planFile, type PlanJob } from '../import/planFile';

export type ThreadJob =
  | { kind: 'dataset'; input: ExportInput; format: ExportFormat; name: string }
  | { kind: 'files'; input: ExportInput; format: 'voc' | 'yolo' | 'masks' | 'cvat' }
  | ({ kind: 'plan' } & PlanJob);

parentPort!.once('message', (job: ThreadJob) => {
  try {
    if (job.kind === 'plan') {
      parentPort!.postMessage({ ok: planFile(job) });
    } else if (job.kind === 'dataset') {
      const { fileName, contentType, bytes } = exportDataset(job.input, job.format, job.name);
      // The body goes back without a copy (the files are the CLI's, which exports in its own process).
      parentPort!.postMessage({ ok: { fileName, contentType, bytes } }, [bytes.buffer as ArrayBuffer]);
    } else {
      const files = zipFormatFiles(job.input, job.format);
      parentPort!.postMessage({ ok: files });
    }
  } catch (e) {
    parentPort!.postMessage({ error: { message: (e as Error).message, code: (e as { code?: unknown }).code } });
  }
});
