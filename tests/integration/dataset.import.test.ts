// COCO import against real SQLite storage: round trip without changing a pixel, every
// segmentation form, and malformed files rejected whole with nothing written.
import { afterEach, describe, expect, it } from 'vitest';
import { toCoco, type CocoDataset } from '../../server/dataset/export/coco';
import { importCoco } from '../../server/dataset/import/importCoco';
import { loadExportInput } from '../../server/dataset/loadExportInput';
import { storageRooms } from '../../server/dataset/rooms';
import { isTandemError } from '../../shared/protocol/errors';
import { toUncompressed } from '../../shared/codecs/rle';
import { sampleInput } from '../fixtures/dataset/sampleProject';
import { sampleStorage, type StorageFixture } from '../fixtures/dataset/storageFixture';
import { decodeCocoRle } from '../fixtures/dataset/decoders';

let fx: StorageFixture | null = null;
afterEach(async () => {
  await fx?.close();
  fx = null;
});

function sampleCoco(): CocoDataset {
  return JSON.parse(JSON.stringify(toCoco(sampleInput(), { segmentation: 'rle', now: new Date(0) })));
}

async function exportAll(f: StorageFixture): Promise<CocoDataset> {
  return toCoco(await loadExportInput(f.storage, storageRooms(f.storage), f.project.id), { segmentation: 'rle' });
}

async function expectRejected(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(isTandemError(err), `expected a TandemError, got ${String(err)}`).toBe(true);
  expect((err as { code: string }).code).toBe(code);
  expect((err as Error).message).toMatch(message);
}

describe('COCO import', () => {
  it('round trips COCO → Tandem → COCO without changing any pixel (holes, two parts, overlap)', async () => {
    fx = await sampleStorage();
    const input = sampleCoco();
    const report = await importCoco(fx.storage, storageRooms(fx.storage), fx.project.id, JSON.stringify(input), 'importer');
    expect(report.imported).toBe(5);
    expect(report.newLabels).toEqual(['bird']); // unknown category added to the project labels
    expect((await fx.storage.meta.getProject(fx.project.id))!.labels.map((l) => l.name)).toEqual(['cat', 'dog', 'tree', 'bird']);

    const out = await exportAll(fx);
    expect(out.annotations).toHaveLength(input.annotations.length);
    const key = (c: CocoDataset, a: CocoDataset['annotations'][number]) =>
      `${c.images.find((i) => i.id === a.image_id)!.file_name}|${c.categories.find((k) => k.id === a.category_id)!.name}|${a.area}`;
    const byKey = new Map(out.annotations.map((a) => [key(out, a), a]));
    for (const a of input.annotations) {
      const b = byKey.get(key(input, a));
      expect(b, key(input, a)).toBeDefined();
      const pa = decodeCocoRle(a.segmentation as { size: [number, number]; counts: string });
      const pb = decodeCocoRle(b!.segmentation as { size: [number, number]; counts: string });
      expect(Buffer.from(pb).equals(Buffer.from(pa))).toBe(true);
      expect(b!.bbox).toEqual(a.bbox);
    }
    const loaded = await loadExportInput(fx.storage, storageRooms(fx.storage), fx.project.id);
    for (const t of loaded.tasks) for (const o of t.objects) {
      expect(o.source).toBe('import');
      expect(o.createdBy).toBe('importer');
    }
  });

  it('reads uncompressed RLE and polygons, and matches images by base name', async () => {
    fx = await sampleStorage();
    const input = sampleCoco();
    input.images[1].file_name = 'train2017/b.png';
    input.annotations[0].segmentation = toUncompressed(input.annotations[0].segmentation as never) as never;
    // A 10x6 rectangle as a polygon on pixel corners: exactly 60 pixels.
    input.annotations.push({ ...input.annotations[2], id: 99, segmentation: [[2, 20, 12, 20, 12, 26, 2, 26]], area: 60 });
    const report = await importCoco(fx.storage, storageRooms(fx.storage), fx.project.id, input, 'importer');
    expect(report.imported).toBe(6);
    const out = await exportAll(fx);
    const areas = out.annotations.map((a) => a.area).sort((x, y) => x - y);
    expect(areas).toEqual(input.annotations.map((a) => a.area).sort((x, y) => x - y));
    const rect = out.annotations.find((a) => a.area === 60)!;
    expect(rect.bbox).toEqual([2, 20, 10, 6]);
  });

  it('rejects unknown categories when asked to, naming them', async () => {
    fx = await sampleStorage();
    await expectRejected(
      importCoco(fx.storage, storageRooms(fx.storage), fx.project.id, sampleCoco(), 'u', { unknownLabels: 'reject' }),
      'validation_failed',
      /"bird" is not a label/,
    );
    expect((await exportAll(fx)).annotations).toHaveLength(0);
  });

  it.each([
    ['not JSON', () => '{"images": [', 'invalid_json', /not valid JSON/],
    ['no annotations key', () => ({ images: [], categories: [] }), 'validation_failed', /annotations/],
    ['a corrupt RLE string in the last annotation', (c: CocoDataset) => { (c.annotations[4].segmentation as { counts: string }).counts = '0~~~'; return c; }, 'validation_failed', /annotations\.4.*RLE/],
    ['RLE runs that do not cover the image', (c: CocoDataset) => { c.annotations[3].segmentation = { size: [17, 23], counts: [5, 10] } as never; return c; }, 'validation_failed', /annotations\.3/],
    ['an RLE of the wrong size', (c: CocoDataset) => { (c.annotations[2].segmentation as { size: number[] }).size = [30, 41]; return c; }, 'validation_failed', /not the image size/],
    ['an unknown image_id', (c: CocoDataset) => { c.annotations[1].image_id = 77; return c; }, 'validation_failed', /image_id 77/],
    ['an unknown category_id', (c: CocoDataset) => { c.annotations[1].category_id = 77; return c; }, 'validation_failed', /category_id 77/],
    ['an image of another size', (c: CocoDataset) => { c.images[0].width = 41; return c; }, 'validation_failed', /41x30 in the file/],
    ['a two-point polygon', (c: CocoDataset) => { c.annotations[0].segmentation = [[1, 1, 5, 5]]; return c; }, 'validation_failed', /at least 3 points/],
    ['a category name longer than a label may be', (c: CocoDataset) => { c.categories[3].name = 'x'.repeat(201); return c; }, 'validation_failed', /categories\.3\.name/],
    ['no image matching a task', (c: CocoDataset) => { c.images.forEach((i) => (i.file_name = `x${i.id}.jpg`)); return c; }, 'validation_failed', /no image of the file matches/],
  ] as const)('rejects %s with a clear code and writes nothing', async (_name, mutate, code, message) => {
    fx = await sampleStorage();
    const body = mutate(sampleCoco() as never);
    await expectRejected(importCoco(fx.storage, storageRooms(fx.storage), fx.project.id, body, 'u'), code, message);
    // Nothing half-imported: no object in any task, project labels untouched.
    expect((await exportAll(fx)).annotations).toHaveLength(0);
    expect((await fx.storage.meta.getProject(fx.project.id))!.labels.map((l) => l.name)).toEqual(['cat', 'dog', 'tree']);
    for (const t of fx.tasks.values()) expect((await fx.storage.docs.load(`task:${t.id}`)).updates).toHaveLength(0);
  });
});
