// What the project page's upload takes: images, folders of images (dropped, or chosen with the
// folder picker) and zip archives of images of any size (unpacked in the browser an entry at a
// time, as the upload takes them), each
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

/**
 * The images of the files, folders' files and archives given, each with its name, one at a time
 * as the caller asks for them: an archive is read only as far as the images taken need, so a
 * 20 GB zip of photos holds about one chunk of it and the images not uploaded yet in the tab,
 * never the whole. What is left out is told to `skip` as it is met.
 */
export async function* eachImage(files: ReadonlyArray<{ file: File; path?: string }>, skip: (s: { name: string; why: string }) => void): AsyncGenerator<UploadItem> {
  for (const { file, path } of files) {
    const name = path ?? file.name;
    if (isJunk(name)) continue;
    if (isZip(file)) {
      yield* unpack(file, name, skip);
      continue;
    }
    const type = imageType(file);
    if (!type) skip({ name, why: NOT_IMAGE });
    else yield { file: file.type === type ? file : new File([file], file.name, { type }), name };
  }
}

/** Every image at once (small selections, tests): `eachImage` gathered. */
export async function collectImages(files: ReadonlyArray<{ file: File; path?: string }>): Promise<Collected> {
  const out: Collected = { images: [], skipped: [] };
  for await (const image of eachImage(files, (s) => out.skipped.push(s))) out.images.push(image);
  return out;
}

/**
 * The archive's images in the order they are stored, read from its stream a chunk at a time and
 * only when the images already unpacked have been taken (inflated here, so the page gets its turn
 * between chunks; fflate's worker inflater spawns a worker per entry: slower for a thousand photos).
 */
async function* unpack(zip: File, zipName: string, skip: (s: { name: string; why: string }) => void): AsyncGenerator<UploadItem> {
  const ready: UploadItem[] = [];
  let failure: Error | null = null;
  let seen = 0;
  const unzip = new Unzip((entry) => {
    seen++;
    if (entry.name.endsWith('/') || isJunk(entry.name)) return;
    const type = imageType({ type: '', name: entry.name });
    if (!type) {
      skip({ name: `${zipName}: ${entry.name}`, why: NOT_IMAGE });
      return;
    }
    const chunks: Uint8Array[] = [];
    entry.ondata = (err, chunk, final) => {
      if (err) {
        failure = err;
        return;
      }
      chunks.push(chunk);
      if (final) ready.push({ file: new File(chunks as BlobPart[], entry.name.split('/').pop() ?? entry.name, { type }), name: entry.name });
    };
    entry.start();
  });
  unzip.register(UnzipInflate);
  const reader = zip.stream().getReader();
  try {
    for (let done = false; !done; ) {
      const next = await reader.read();
      done = next.done;
      unzip.push(next.value ?? new Uint8Array(0), done);
      if (failure) throw failure;
      while (ready.length) yield ready.shift()!;
    }
    if (!seen) skip({ name: zipName, why: 'not a readable zip archive (no entries found)' });
  } catch (e) {
    skip({ name: zipName, why: `not a readable zip archive (${(e as Error).message})` });
  } finally {
    // Left early (the page went away): the rest of the file is not read.
    reader.cancel().catch(() => {});
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
