// PNG mask import (a zip in the layout of Tandem's evaluation sets: masks/<image stem>_<k>.png,
// a label folder optional) against real SQLite storage, and through the HTTP API: each mask is
// one object with exactly its pixels (above 128; the evaluation's 128 "ignore" is background), a
// folder names the label, and a mask of the wrong size or a broken file imports nothing.
import { strToU8, zipSync } from 'fflate';
import sharp from 'sharp';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { toMasks } from '../../server/dataset/export/masks';
import { importArchive } from '../../server/dataset/import/importArchive';
import { fileStem } from '../../server/dataset/types';
import { listInstances, loadGroundTruth } from '../../server/inference/eval/runEval';
import { loadExportInput } from '../../server/dataset/loadExportInput';
import { storageRooms } from '../../server/dataset/rooms';
import { decodeRle } from '../../shared/codecs/rle';
import { sampleInput, sampleTasks } from '../fixtures/dataset/sampleProject';
import { sampleStorage, type StorageFixture } from '../fixtures/dataset/storageFixture';
import { makeImage } from '../helpers/images';
import { rejected } from '../helpers/rejected';
import { startTestServer, type TestServer } from '../helpers/testServer';

let fx: StorageFixture | null = null;
afterEach(async () => {
  await fx?.close();
  fx = null;
});

/** A one-channel PNG of width × height whose pixel (x, y) is value(x, y). */
const png = (width: number, height: number, value: (x: number, y: number) => number) => {
  const data = Buffer.alloc(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = value(x, y);
  return sharp(data, { raw: { width, height, channels: 1 } }).png().toBuffer();
};
const zip = (files: Record<string, Uint8Array | string>) => zipSync(Object.fromEntries(Object.entries(files).map(([p, v]) => [p, typeof v === 'string' ? strToU8(v) : v])));
const run = (f: StorageFixture, bytes: Uint8Array, opts: Parameters<typeof importArchive>[6] = {}) => importArchive(f.storage, storageRooms(f.storage), f.project.id, bytes, 'importer', 'masks', opts);


describe('PNG mask import', () => {
  it('makes each mask an object with exactly its pixels; a folder names the label, else the first label or ?label', async () => {
    fx = await sampleStorage();
    // Task a (photos/a.jpg, 40×30): a square, with a band of 128 ("ignore") that stays background,
    // and a bird (a folder the project does not know: added). Task b (b.png, 23×17): a line.
    const square = (x: number, y: number) => (x >= 5 && x < 15 && y >= 5 && y < 15 ? (y === 5 ? 128 : 255) : 0);
    const bird = (x: number, y: number) => (x >= 20 && x < 30 && y >= 3 && y < 6 ? 255 : 0);
    const line = (x: number, y: number) => (y === 8 ? 200 : 0);
    const archive = zip({
      'masks/a_1.png': await png(40, 30, square),
      'masks/bird/a_2.png': await png(40, 30, bird),
      'masks/b.png': await png(23, 17, line),
      'masks/a_3.png': await png(40, 30, () => 0), // empty: counted, not imported
      'masks/zebra_1.png': await png(8, 8, () => 255), // no such image
      'README.txt': 'ignored',
    });
    const report = await run(fx, archive);
    expect([report.imported, report.newLabels, report.emptyMasks, report.unmatchedImages]).toEqual([3, ['bird'], 1, ['masks/zebra_1.png']]);
    const loaded = await loadExportInput(fx.storage, storageRooms(fx.storage), fx.project.id);
    const objects = loaded.tasks.flatMap((t) => t.objects.map((o) => ({ task: t.task.name, label: o.label, px: decodeRle(o.mask!).data })));
    const expected = (w: number, h: number, f: (x: number, y: number) => number) => Uint8Array.from({ length: w * h }, (_, i) => (f(i % w, Math.floor(i / w)) > 128 ? 1 : 0));
    const find = (task: string, label: string) => objects.find((o) => o.task === task && o.label === label)!;
    expect(Buffer.from(find('photos/a.jpg', 'cat').px).equals(Buffer.from(expected(40, 30, square)))).toBe(true);
    expect(Buffer.from(find('photos/a.jpg', 'bird').px).equals(Buffer.from(expected(40, 30, bird)))).toBe(true);
    expect(Buffer.from(find('b.png', 'cat').px).equals(Buffer.from(expected(23, 17, line)))).toBe(true);
    // ?label names the label of masks outside a folder.
    const again = await run(fx, zip({ 'masks/b_7.png': await png(23, 17, line) }), { label: 'tree' });
    expect([again.imported, again.newLabels]).toEqual([1, []]);
  });

  it('rejects the whole archive for a mask of the wrong size, a broken PNG or an unknown label when told to; imports nothing', async () => {
    fx = await sampleStorage();
    const good = await png(40, 30, (x) => (x < 10 ? 255 : 0));
    const wrongSize = await rejected(run(fx, zip({ 'masks/a_1.png': good, 'masks/b_1.png': good })));
    expect(wrongSize.code).toBe('validation_failed');
    expect(wrongSize.message).toMatch(/masks\/b_1\.png is 40×30, its image b\.png is 23×17/);
    const broken = await rejected(run(fx, zip({ 'masks/a_1.png': good, 'masks/a_2.png': strToU8('not a png at all') })));
    expect(broken.message).toMatch(/masks\/a_2\.png is not a readable PNG/);
    const unknown = await rejected(run(fx, zip({ 'masks/fox/a_1.png': good }), { unknownLabels: 'reject' }));
    expect(unknown.message).toMatch(/label "fox" is not a label/);
    expect((await rejected(run(fx, strToU8('{}')))).code).toBe('bad_request');
    expect((await rejected(run(fx, zip({ 'labels/a.txt': '0 0.5 0.5 0.1 0.1' })))).message).toMatch(/no PNG masks/);
    expect((await rejected(run(fx, zip({ 'masks/zebra.png': good })))).message).toMatch(/no mask of the archive matches a task/);
    const loaded = await loadExportInput(fx.storage, storageRooms(fx.storage), fx.project.id);
    expect(loaded.tasks.flatMap((t) => t.objects)).toEqual([]);
  });
});

describe('PNG masks export', () => {
  it('comes back through the import lossless (holes and parts kept), labels from masks.csv, in the layout npm run eval reads', async () => {
    const files = toMasks(sampleInput());
    const csv = new TextDecoder().decode(files.find((f) => f.path === 'masks.csv')!.bytes);
    expect(csv.split('\n')[0]).toBe('file,label,attributes');
    fx = await sampleStorage();
    const archive = zip(Object.fromEntries(files.map((f) => [f.path, f.bytes])));
    const report = await run(fx, archive);
    const drawn = sampleTasks().flatMap((t) => t.drawn.filter((d) => d.object.mask).map((d) => ({ task: t.task.name, label: d.object.label, px: d.pixels })));
    expect(report.imported).toBe(drawn.length);
    const loaded = await loadExportInput(fx.storage, storageRooms(fx.storage), fx.project.id);
    const back = loaded.tasks.flatMap((t) => t.objects.map((o) => ({ task: t.task.name, label: o.label, px: decodeRle(o.mask!).data })));
    const key = (o: { task: string; label: string; px: Uint8Array }) => `${o.task}|${o.label}|${Buffer.from(o.px).toString('base64')}`;
    expect(back.map(key).sort()).toEqual(drawn.map(key).sort());

    // masks/ and images/ as contract 7 lays a dataset out: every mask pairs with its image.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-masks-'));
    try {
      for (const f of files) {
        fs.mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
        fs.writeFileSync(path.join(dir, f.path), f.bytes);
      }
      fs.mkdirSync(path.join(dir, 'images'));
      for (const t of sampleTasks()) fs.writeFileSync(path.join(dir, 'images', `${fileStem(t.task.name)}.png`), await makeImage(t.task.width, t.task.height));
      const instances = listInstances(dir);
      expect(instances.map((i) => i.imageId).sort()).toEqual(drawn.map((d) => fileStem(d.task)).sort());
      const gt = await loadGroundTruth(instances[0].maskFile);
      expect(gt.gt.reduce((a, v) => a + v, 0)).toBeGreaterThan(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('carries attribute values in masks.csv both ways; a value that does not fit is counted and left at the default', async () => {
    const input = sampleInput();
    const first = input.tasks[0].objects[0];
    first.attributes = { occluded: true };
    const csv = new TextDecoder().decode(toMasks(input).find((f) => f.path === 'masks.csv')!.bytes);
    expect(csv.split('\n')[1]).toMatch(/^masks\/a_1\.png,\w+,"\{""occluded"":true\}"$/);
    const labels = [{ name: 'cat', color: '#ff0000', attributes: [{ name: 'occluded', type: 'checkbox' as const }, { name: 'doors', type: 'number' as const, min: 2, max: 5 }] }];
    fx = await sampleStorage({ labels });
    const one = await png(23, 17, (x) => (x < 5 ? 255 : 0));
    const report = await run(fx, zip({ 'masks.csv': 'file,label,attributes\nmasks/b_1.png,cat,"{""occluded"":true,""doors"":9}"\n', 'masks/b_1.png': one }));
    expect([report.imported, report.invalidAttributes]).toEqual([1, 1]);
    const loaded = await loadExportInput(fx.storage, storageRooms(fx.storage), fx.project.id);
    expect(loaded.tasks.flatMap((t) => t.objects.map((o) => o.attributes))).toEqual([{ occluded: true }]);
    const bad = await rejected(run(fx, zip({ 'masks.csv': 'file,label,attributes\nmasks/b_1.png,cat,{oops\n', 'masks/b_1.png': one })));
    expect(bad.message).toMatch(/attributes of masks\/b_1\.png are not JSON/);
  });

  it('reads labels with commas and quotes from masks.csv', async () => {
    fx = await sampleStorage();
    const one = await png(23, 17, (x) => (x < 5 ? 255 : 0));
    const report = await run(fx, zip({ 'export/masks.csv': 'file,label\nmasks/b_1.png,"car, ""parked"""\r\n', 'export/masks/b_1.png': one }));
    expect(report.newLabels).toEqual(['car, "parked"']);
  });
});

describe('POST /api/projects/:id/import?format=masks', () => {
  let s: TestServer;
  afterAll(async () => s?.close());

  it('imports a zip of masks for owners and annotators, not for viewers', async () => {
    s = await startTestServer();
    const { projectId, taskId } = await s.createProjectWithTask({ image: await makeImage(64, 48), taskName: 'street.png', labels: [{ name: 'car', color: '#ff0000' }] });
    const viewer = await s.addMember(projectId, 'viewer');
    const archive = Buffer.from(zip({ 'masks/street_1.png': await png(64, 48, (x, y) => (x >= 24 && x < 40 && y >= 12 && y < 36 ? 255 : 0)) }));
    const post = (body: Buffer, token?: string) => s.api('POST', `/api/projects/${projectId}/import?format=masks&label=car`, body, token, { 'content-type': 'application/zip' });
    expect((await post(archive, viewer.token)).status).toBe(403);
    const r = await post(archive);
    expect([r.status, r.body.imported, r.body.tasks[0].taskId]).toEqual([200, 1, taskId]);
    const coco = await s.api('GET', `/api/tasks/${taskId}/export?format=coco`);
    expect([coco.body.annotations[0].bbox, coco.body.categories[0].name]).toEqual([[24, 12, 16, 24], 'car']);
    const bad = await s.api('POST', `/api/projects/${projectId}/import?format=masks&label=`, archive, undefined, { 'content-type': 'application/zip' });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'validation_failed']);
  });
});
