// A VOC or YOLO export with the images in it: a dataset that trains as downloaded. The images can
// add up to gigabytes, so the zip is streamed to the response one image at a time (fflate's
// streaming Zip; images stored as they are, already compressed), waiting for the socket to drain,
// so memory holds one image, not the project.
import type { ServerResponse } from 'node:http';
import { Zip, ZipDeflate, ZipPassThrough } from 'fflate';
import type { ImageStore } from '../../storage/types';
import { taskStems, type ExportFile, type ExportFormat, type ExportInput } from '../types';

/** The formats whose zip has a place for the images, and that place. */
const IMAGE_DIRS: Partial<Record<ExportFormat, string>> = { voc: 'JPEGImages', yolo: 'images' };

export function canIncludeImages(format: ExportFormat): boolean {
  return IMAGE_DIRS[format] !== undefined;
}

/**
 * Each task's image in the zip, named as the format's own lists name it (`<stem><extension of the
 * task's name>`, the way yolo.ts lists them in train.txt), with its key in the image store.
 */
export function imageEntries(input: ExportInput, format: ExportFormat): Array<{ path: string; key: string }> {
  const dir = IMAGE_DIRS[format];
  if (!dir) return [];
  const stems = taskStems(input.tasks);
  return input.tasks.map(({ task }) => {
    const ext = /\.[^./\\]+$/.exec(task.name)?.[0] ?? (task.mime === 'image/png' ? '.png' : task.mime === 'image/webp' ? '.webp' : '.jpg');
    return { path: `${dir}/${stems.get(task.id)}${ext}`, key: task.imageKey };
  });
}

/** Streams the format's files and then the images as one zip download. */
export async function streamZipWithImages(res: ServerResponse, fileName: string, files: ExportFile[], images: Array<{ path: string; key: string }>, store: ImageStore): Promise<void> {
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
  const mtime = new Date('2020-01-01T00:00:00Z');
  for (const f of files) {
    if (res.destroyed) return;
    const entry = f.path.endsWith('.png') ? new ZipPassThrough(f.path) : new ZipDeflate(f.path, { level: 6 });
    entry.mtime = mtime;
    zip.add(entry);
    entry.push(f.bytes, true);
    await drained();
  }
  for (const img of images) {
    // An image missing from the store is a server fault: the router cuts the download.
    if (res.destroyed) return;
    const bytes = await store.get(img.key);
    const entry = new ZipPassThrough(img.path);
    entry.mtime = mtime;
    zip.add(entry);
    entry.push(bytes, true);
    await drained();
  }
  zip.end();
}
