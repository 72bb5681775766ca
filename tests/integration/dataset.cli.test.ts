// `npm run export` as a user runs it: a child process reading a DATA_DIR written by Tandem.
import { spawnSync } from 'node:child_process';
import { makeImage } from '../helpers/images';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { toCoco } from '../../server/dataset/export/coco';
import { importCoco } from '../../server/dataset/import/importCoco';
import { mutateRoom, storageRooms } from '../../server/dataset/rooms';
import { setTaskFlag, setTaskStatus } from '../../shared/schema/review';
import { sampleInput } from '../fixtures/dataset/sampleProject';
import { sampleStorage, type StorageFixture } from '../fixtures/dataset/storageFixture';
import { decodeCocoRle } from '../fixtures/dataset/decoders';

let fx: StorageFixture | null = null;
const outs: string[] = [];
afterEach(async () => {
  await fx?.close();
  fx = null;
  for (const d of outs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function runCli(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/cli/exportCli.ts', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tmpOut(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-export-'));
  outs.push(d);
  return d;
}

describe('export CLI', () => {
  it('writes COCO, VOC and YOLO files for a project from the data directory', async () => {
    fx = await sampleStorage();
    const source = toCoco(sampleInput(), { segmentation: 'rle' });
    await importCoco(fx.storage, storageRooms(fx.storage), fx.project.id, source, 'importer');
    // Task B is done in its review room; task A was never moved (to do).
    await mutateRoom(storageRooms(fx.storage), `review:${fx.tasks.get('taskB')!.id}`, (doc) => setTaskStatus(doc, 'done', 'rita'));
    const imageBytes = new Map<string, Buffer>();
    for (const t of fx.tasks.values()) {
      const bytes = await makeImage(t.width, t.height);
      imageBytes.set(t.name, bytes);
      await fx.storage.images.put(t.imageKey, bytes);
    }
    await fx.storage.close();

    const coco = tmpOut();
    const r = runCli(['--project', fx.project.id, '--format', 'coco', '--out', coco, '--data-dir', fx.dir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/exported 2 image\(s\), 5 object\(s\)/);
    const out = JSON.parse(fs.readFileSync(path.join(coco, 'annotations.json'), 'utf8'));
    expect(out.annotations).toHaveLength(5);
    const pixels = (a: { segmentation: never }) => Buffer.from(decodeCocoRle(a.segmentation));
    const want = source.annotations.map((a) => pixels(a as never).toString('base64')).sort();
    expect(out.annotations.map((a: never) => pixels(a).toString('base64')).sort()).toEqual(want);

    const voc = tmpOut();
    expect(runCli(['--project', fx.project.id, '--format', 'voc', '--out', voc, '--data-dir', fx.dir]).code).toBe(0);
    expect(fs.readdirSync(path.join(voc, 'SegmentationClass')).sort()).toEqual(['a.png', 'b.png']);
    const yolo = tmpOut();
    expect(runCli(['--project', fx.project.id, '--format', 'yolo', '--out', yolo, '--data-dir', fx.dir]).code).toBe(0);
    expect(fs.readFileSync(path.join(yolo, 'classes.txt'), 'utf8')).toBe('cat\ndog\ntree\nbird\n');
    expect(fs.existsSync(path.join(yolo, 'images'))).toBe(false);
    // --images: the images where train.txt names them, byte for byte.
    const withImages = tmpOut();
    expect(runCli(['--project', fx.project.id, '--format', 'yolo', '--images', '--out', withImages, '--data-dir', fx.dir]).code).toBe(0);
    expect(fs.readFileSync(path.join(withImages, 'train.txt'), 'utf8').trim().split('\n')).toEqual(['images/a.jpg', 'images/b.png']);
    expect(fs.readFileSync(path.join(withImages, 'images/a.jpg')).equals(imageBytes.get('photos/a.jpg')!)).toBe(true);
    expect(fs.readFileSync(path.join(withImages, 'images/b.png')).equals(imageBytes.get('b.png')!)).toBe(true);
    expect(runCli(['--project', fx.project.id, '--format', 'coco', '--images', '--out', tmpOut(), '--data-dir', fx.dir]).code).toBe(2);

    // Only the done tasks: task B's image alone.
    const done = tmpOut();
    const d = runCli(['--project', fx.project.id, '--format', 'coco', '--out', done, '--status', 'done', '--data-dir', fx.dir]);
    expect(d.code).toBe(0);
    const doneOut = JSON.parse(fs.readFileSync(path.join(done, 'annotations.json'), 'utf8'));
    expect(doneOut.images.map((i: { file_name: string }) => i.file_name)).toEqual([fx.tasks.get('taskB')!.name]);

    // Only the dogs: YOLO's one class is the dog, class 0, in every image that has one.
    const dogs = tmpOut();
    expect(runCli(['--project', fx.project.id, '--format', 'yolo', '--label', 'dog', '--out', dogs, '--data-dir', fx.dir]).code).toBe(0);
    expect(fs.readFileSync(path.join(dogs, 'classes.txt'), 'utf8')).toBe('dog\n');
    const lines = fs.readdirSync(path.join(dogs, 'labels')).flatMap((f) => fs.readFileSync(path.join(dogs, 'labels', f), 'utf8').trim().split('\n').filter(Boolean));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => l.startsWith('0 '))).toBe(true);
  });

  it("leaves out an image flagged in its review room, even when the task's row never heard of it", async () => {
    fx = await sampleStorage();
    await importCoco(fx.storage, storageRooms(fx.storage), fx.project.id, toCoco(sampleInput(), { segmentation: 'rle' }), 'importer');
    // Written to the room alone, as a flag is in the moment before the server mirrors it.
    await mutateRoom(storageRooms(fx.storage), `review:${fx.tasks.get('taskA')!.id}`, (doc) => setTaskFlag(doc, { reason: 'duplicate' }, 'ana'));
    expect((await fx.storage.meta.listTasks(fx.project.id)).map((t) => t.flag)).toEqual([null, null]);
    await fx.storage.close();
    const names = (extra: string[]) => {
      const out = tmpOut();
      expect(runCli(['--project', fx!.project.id, '--format', 'coco', '--out', out, '--data-dir', fx!.dir, ...extra]).code).toBe(0);
      return JSON.parse(fs.readFileSync(path.join(out, 'annotations.json'), 'utf8')).images.map((i: { file_name: string }) => i.file_name).sort();
    };
    expect(names([])).toEqual([fx.tasks.get('taskB')!.name]);
    expect(names(['--include-flagged'])).toEqual([fx.tasks.get('taskA')!.name, fx.tasks.get('taskB')!.name].sort());
  });

  it('explains bad arguments and unknown projects with a non-zero exit', async () => {
    fx = await sampleStorage();
    await fx.storage.close();
    const bad = runCli(['--project', fx.project.id, '--format', 'tiff', '--out', tmpOut(), '--data-dir', fx.dir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--format/);
    const badStatus = runCli(['--project', fx.project.id, '--format', 'coco', '--status', 'finished', '--out', tmpOut(), '--data-dir', fx.dir]);
    expect(badStatus.code).toBe(2);
    expect(badStatus.stderr).toMatch(/--status/);
    const missing = runCli(['--project', 'nope', '--format', 'coco', '--out', tmpOut(), '--data-dir', fx.dir]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/not_found: project nope not found/);
    const noData = runCli(['--project', 'x', '--format', 'coco', '--out', tmpOut(), '--data-dir', path.join(fx.dir, 'absent')]);
    expect(noData.code).toBe(1);
    expect(noData.stderr).toMatch(/no Tandem data/);
  });
});
