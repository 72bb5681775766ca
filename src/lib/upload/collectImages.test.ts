// What the upload takes from what was dropped: images, the images of zip archives (named by their
// path inside), nothing silently left out.
import fs from 'node:fs';
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { collectImages, droppedFiles, eachImage } from './collectImages';

const JPEG = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 4, 5]);
const file = (bytes: Uint8Array, name: string, type = '') => new File([bytes as BlobPart], name, { type });

describe('the images of an upload', () => {
  it('takes images by type or extension, names them by their path, and says what it leaves out', async () => {
    const got = await collectImages([
      { file: file(JPEG, 'a.jpg', 'image/jpeg') },
      { file: file(PNG, 'b.PNG'), path: 'night/b.PNG' }, // from a folder: no MIME type, the extension says
      { file: file(strToU8('hi'), 'notes.txt', 'text/plain'), path: 'night/notes.txt' },
      { file: file(JPEG, '.DS_Store'), path: 'night/.DS_Store' },
    ]);
    expect(got.images.map((i) => [i.name, i.file.type])).toEqual([
      ['a.jpg', 'image/jpeg'],
      ['night/b.PNG', 'image/png'],
    ]);
    expect(got.skipped).toEqual([{ name: 'night/notes.txt', why: 'not a JPEG, PNG or WebP image' }]);
  });

  it("unpacks a zip's images with their bytes, named by their path in it; other entries said, macOS' copies ignored", async () => {
    const zip = zipSync({ 'batch/one.jpg': JPEG, 'batch/sub/two.webp': PNG, 'batch/labels.json': strToU8('{}'), '__MACOSX/batch/._one.jpg': JPEG, 'batch/empty/': new Uint8Array(0) });
    const got = await collectImages([{ file: file(zip, 'batch.zip', 'application/zip') }]);
    expect(got.images.map((i) => [i.name, i.file.name, i.file.type]).sort()).toEqual([
      ['batch/one.jpg', 'one.jpg', 'image/jpeg'],
      ['batch/sub/two.webp', 'two.webp', 'image/webp'],
    ]);
    const one = got.images.find((i) => i.name === 'batch/one.jpg')!;
    expect(new Uint8Array(await one.file.arrayBuffer())).toEqual(JPEG);
    expect(got.skipped).toEqual([{ name: 'batch.zip: batch/labels.json', why: 'not a JPEG, PNG or WebP image' }]);
  });

  it('reads an archive only as far as the images taken need, so its size does not matter', async () => {
    // 30 photos of 50 KB, stored (JPEGs are not compressed again), read in 16 KB chunks.
    const photos = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`cam/${String(i).padStart(3, '0')}.jpg`, Uint8Array.from({ length: 50_000 }, (_, j) => (i * 7 + j) & 255)]));
    const zip = zipSync(photos, { level: 0 });
    let read = 0;
    let cancelled = false;
    const big = () =>
      ({
        name: 'cam.zip',
        type: 'application/zip',
        size: zip.length,
        stream: () =>
          new ReadableStream<Uint8Array>({
            pull(c) {
              if (read >= zip.length) return c.close();
              const chunk = zip.slice(read, read + 16_384);
              read += chunk.length;
              c.enqueue(chunk);
            },
            cancel() {
              cancelled = true;
            },
          }, { highWaterMark: 0 }),
      }) as unknown as File;
    const images = eachImage([{ file: big() }], () => {});
    const first = await images.next();
    expect(first.value?.name).toBe('cam/000.jpg');
    expect(read).toBeLessThan(zip.length / 10); // a chunk or five, not 1.5 MB
    // The page leaves early: the rest is never read.
    await images.return(undefined);
    expect(cancelled).toBe(true);
    // Taken to the end: every photo, in order, with its bytes.
    read = 0;
    const all = await collectImages([{ file: big() }]);
    expect(all.images.map((i) => i.name)).toEqual(Object.keys(photos));
    expect(new Uint8Array(await all.images[29].file.arrayBuffer())).toEqual(photos['cam/029.jpg']);
    expect(read).toBe(zip.length);
  });

  it('reads zip64 entries (as archives past 4 GB have them), stored and deflated', async () => {
    // Made by Python's zipfile (force_zip64), the local headers' 32-bit sizes then set to 0xFFFFFFFF as
    // an entry past 4 GB has them: the sizes are only in the zip64 extra field.
    const bytes = fs.readFileSync('tests/fixtures/zip/zip64.zip');
    const got = await collectImages([{ file: file(bytes, 'big.zip') }]);
    expect(got.skipped).toEqual([]);
    expect(got.images.map((i) => [i.name, i.file.size])).toEqual([['cam/0.jpg', 1000], ['cam/1.jpg', 1000]]);
    expect([...new Uint8Array(await got.images[1].file.arrayBuffer()).slice(0, 6)]).toEqual([0xff, 0xd8, 0xff, 0xe0, 1, 2]);
  });

  it('says so of an archive it cannot read', async () => {
    const got = await collectImages([{ file: file(strToU8('not a zip at all'), 'broken.zip') }]);
    expect(got.images).toEqual([]);
    expect(got.skipped).toHaveLength(1);
    expect(got.skipped[0]).toMatchObject({ name: 'broken.zip' });
    expect(got.skipped[0].why).toMatch(/^not a readable zip archive/);
  });

  it("reads a dropped folder through, sub-folders too, each file with its path", async () => {
    const fileEntry = (fullPath: string, f: File) => ({ isFile: true, isDirectory: false, fullPath, file: (ok: (f: File) => void) => ok(f) });
    const dirEntry = (fullPath: string, children: unknown[]) => {
      let read = false;
      return { isFile: false, isDirectory: true, fullPath, createReader: () => ({ readEntries: (ok: (e: unknown[]) => void) => ok(read ? [] : ((read = true), children)) }) };
    };
    const tree = dirEntry('/night', [fileEntry('/night/a.jpg', file(JPEG, 'a.jpg', 'image/jpeg')), dirEntry('/night/cam2', [fileEntry('/night/cam2/a.jpg', file(JPEG, 'a.jpg', 'image/jpeg'))])]);
    const items = [{ kind: 'file', webkitGetAsEntry: () => tree }] as unknown as DataTransferItemList;
    const files = await droppedFiles(items, null);
    expect(files.map((f) => f.path)).toEqual(['night/a.jpg', 'night/cam2/a.jpg']);
    // A browser without entries: the plain file list.
    const plain = await droppedFiles(null, [file(JPEG, 'x.jpg', 'image/jpeg')] as unknown as FileList);
    expect(plain.map((f) => f.file.name)).toEqual(['x.jpg']);
  });
});
