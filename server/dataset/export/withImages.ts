// A VOC or YOLO export with the images in it: a dataset that trains as downloaded. The images can
// add up to gigabytes, so the zip is streamed to the response one image at a time (fflate's
// streaming Zip; images stored as they are, already compressed), waiting for the socket to drain,
// so memory holds one image, not the project.
import type { ServerResponse } from 'node:http';
import { Zip, ZipDeflate, ZipPassThrough } from 'fflate';
import type { ImageStore } from '../../storage/types';
import { EXPORT_IMAGE_DIRS, imageFileName, taskStems, type ExportFormat, type ExportInput } from '../types';
import { exportFileName, ZIP_MTIME, zipLevel } from './exportDataset';
import { zipFilesOffThread } from '../thread/offThread';

/** The formats whose zip has a place for the images, and that place. */
const IMAGE_DIRS = EXPORT_IMAGE_DIRS;
type WithImagesFormat = keyof typeof IMAGE_DIRS;

export function canIncludeImages(format: ExportFormat): format is WithImagesFormat {
  return format in IMAGE_DIRS;
}

/** Each task's image in the zip, named as the format's own lists name it, with its key in the image store. */
export function imageEntries(input: ExportInput, format: WithImagesFormat): Array<{ path: string; key: string }> {
  const stems = taskStems(input.tasks);
  return input.tasks.map(({ task }) => ({ path: `${IMAGE_DIRS[format]}/${imageFileName(task, stems.get(task.id)!)}`, key: task.imageKey }));
}

/** Streams the format's files and then the images as one zip download named after `baseName`. */
export async function streamZipWithImages(res: ServerResponse, input: ExportInput, format: WithImagesFormat, baseName: string, store: ImageStore): Promise<void> {
  const files = await zipFilesOffThread(input, format);
  const fileName = exportFileName(baseName, format);
  res.writeHead(200, {
    'content-type': 'application/zip',
    'content-disposition': `attachment; filename="${fileName.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
    'cache-control': 'no-store',
  });
  let failed: Error | null = null;
  let waiting: Promise<void> | null = null;
  const zip = new Zip((err, chunk, final) => {
    if (err) failed = err;
    // A client that goes away never drains: 'close' ends the wait too, and the loop stops.
    else if (!res.write(chunk) && !waiting) waiting = new Promise((resolve) => {
      res.once('drain', () => resolve());
      res.once('close', () => resolve());
    });
    if (final) res.end();
  });
  const drained = async () => {
    if (failed) throw failed;
    if (waiting) await waiting;
    waiting = null;
  };
  for (const f of files) {
    if (res.destroyed) return;
    const entry = zipLevel(f.path) === 0 ? new ZipPassThrough(f.path) : new ZipDeflate(f.path, { level: zipLevel(f.path) });
    entry.mtime = ZIP_MTIME;
    zip.add(entry);
    entry.push(f.bytes, true);
    await drained();
  }
  for (const img of imageEntries(input, format)) {
    // An image missing from the store is a server fault: the router cuts the download.
    if (res.destroyed) return;
    const bytes = await store.get(img.key);
    const entry = new ZipPassThrough(img.path);
    entry.mtime = ZIP_MTIME;
    zip.add(entry);
    entry.push(bytes, true);
    await drained();
  }
  zip.end();
}
