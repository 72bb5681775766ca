// What the project page's upload takes: images, folders of images (dropped, or chosen with the
// folder picker) and zip archives of images (unpacked in the browser, an entry at a time), each
// image named by its path in the folder or archive ("night/frame_001.jpg"), so two folders'
// frame_001.jpg stay two names. Anything else is named in `skipped` with why, never dropped
// silently.
import { Unzip, UnzipInflate } from 'fflate';

/** An image to upload: the bytes (as a File, with its MIME type) and the task's name. */
export interface UploadItem {
  file: File;
  name: string;
}

export interface Collected {
  images: UploadItem[];
  /** Files left out, with the reason ("not a JPEG, PNG or WebP image"). */
  skipped: Array<{ name: string; why: string }>;
}

/** Largest archive unpacked in the browser: its images all sit in the tab's memory until uploaded
 *  (a folder's files are read from disk one at a time instead). */
export const MAX_ARCHIVE_BYTES = 1024 ** 3;

const TYPES: Record<string, string> = { jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' };
const NOT_IMAGE = 'not a JPEG, PNG or WebP image';

const extension = (name: string) => /\.([^./]+)$/.exec(name)?.[1]?.toLowerCase() ?? '';
const isZip = (f: File) => f.type === 'application/zip' || f.type === 'application/x-zip-compressed' || extension(f.name) === 'zip';
/** Hidden files and the archivers' own (macOS' __MACOSX/ copies, .DS_Store) are no one's images. */
const isJunk = (path: string) => path.split('/').some((part) => part.startsWith('.') || part === '__MACOSX');

/** The image type of a file, by its MIME type, else by its extension (zip entries have none). */
function imageType(f: { type: string; name: string }): string | null {
  if (/^image\/(jpeg|png|webp)$/.test(f.type)) return f.type;
  return TYPES[extension(f.name)] ?? null;
}

/** The images of the files, folders' files and archives given, each with its name. */
export async function collectImages(files: ReadonlyArray<{ file: File; path?: string }>): Promise<Collected> {
  const out: Collected = { images: [], skipped: [] };
  for (const { file, path } of files) {
    const name = path ?? file.name;
    if (isJunk(name)) continue;
    if (isZip(file)) {
      if (file.size > MAX_ARCHIVE_BYTES) out.skipped.push({ name, why: `an archive over ${MAX_ARCHIVE_BYTES / 1024 ** 3} GiB: unpack it and drop the folder` });
      else await unpack(file, name, out);
      continue;
    }
    const type = imageType(file);
    if (!type) out.skipped.push({ name, why: NOT_IMAGE });
    else out.images.push({ file: file.type === type ? file : new File([file], file.name, { type }), name });
  }
  return out;
}

/** The archive's images, read from its stream an entry at a time (never the whole zip in memory). */
async function unpack(zip: File, zipName: string, out: Collected): Promise<void> {
  const entries: Array<Promise<void>> = [];
  let seen = 0;
  const unzip = new Unzip((entry) => {
    seen++;
    if (entry.name.endsWith('/') || isJunk(entry.name)) return;
    const type = imageType({ type: '', name: entry.name });
    if (!type) {
      out.skipped.push({ name: `${zipName}: ${entry.name}`, why: NOT_IMAGE });
      return;
    }
    entries.push(
      new Promise<void>((resolve, reject) => {
        const chunks: Uint8Array[] = [];
        entry.ondata = (err, chunk, final) => {
          if (err) return reject(err);
          chunks.push(chunk);
          if (!final) return;
          const base = entry.name.split('/').pop() ?? entry.name;
          out.images.push({ file: new File(chunks as BlobPart[], base, { type }), name: entry.name });
          resolve();
        };
        entry.start();
      }),
    );
  });
  // Inflated here, a chunk of the file's stream at a time, so the page gets its turn between
  // chunks (fflate's worker inflater spawns a worker per entry: slower for a thousand photos).
  unzip.register(UnzipInflate);
  try {
    const reader = zip.stream().getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      unzip.push(value);
    }
    unzip.push(new Uint8Array(0), true);
    await Promise.all(entries);
    if (!seen) out.skipped.push({ name: zipName, why: 'not a readable zip archive (no entries found)' });
  } catch (e) {
    out.skipped.push({ name: zipName, why: `not a readable zip archive (${(e as Error).message})` });
  }
}

/** A dropped item's files, a folder's read through (paths from the dropped item, "night/a.jpg"). */
export async function droppedFiles(items: DataTransferItemList | null, fallback: FileList | null): Promise<Array<{ file: File; path?: string }>> {
  const entries = [...(items ?? [])].map((i) => (i.kind === 'file' ? i.webkitGetAsEntry?.() : null));
  if (!entries.length || entries.some((e) => !e)) return [...(fallback ?? [])].map((file) => ({ file }));
  const out: Array<{ file: File; path?: string }> = [];
  for (const entry of entries as FileSystemEntry[]) await walk(entry, out);
  return out;
}

async function walk(entry: FileSystemEntry, out: Array<{ file: File; path?: string }>): Promise<void> {
  const path = entry.fullPath.replace(/^\//, '');
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push({ file, path });
    return;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  // readEntries answers in batches (100 in Chromium) until it answers none.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (!batch.length) break;
    for (const e of batch) await walk(e, out);
  }
}
