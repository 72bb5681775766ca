// Pascal VOC import (the layout CVAT and Tandem's VOC export write) against real SQLite storage:
// Tandem's own VOC export comes back as the same class map and instances, labels from
// labelmap.txt; a class image alone gives one object per class; a colour no label names, or a mask
// of the wrong size, imports nothing.
import { strToU8, zipSync } from 'fflate';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { toVoc } from '../../server/dataset/export/voc';
import { importArchive } from '../../server/dataset/import/importArchive';
import { loadExportInput } from '../../server/dataset/loadExportInput';
import { storageRooms } from '../../server/dataset/rooms';
import { decodeRle, rleArea } from '../../shared/codecs/rle';
import type { AttributeSpec, AttributeValue } from '../../shared/schema/attributes';
import { PROJECT, sampleInput } from '../fixtures/dataset/sampleProject';
import { sampleStorage, type StorageFixture } from '../fixtures/dataset/storageFixture';
import { rejected } from '../helpers/rejected';

let fx: StorageFixture | null = null;
let fx2: StorageFixture | null = null;
afterEach(async () => {
  await fx?.close();
  await fx2?.close();
  fx = fx2 = null;
});

const zip = (files: Record<string, Uint8Array | string>) => zipSync(Object.fromEntries(Object.entries(files).map(([p, v]) => [p, typeof v === 'string' ? strToU8(v) : v])));
const run = (f: StorageFixture, bytes: Uint8Array, opts: Parameters<typeof importArchive>[6] = {}) => importArchive(f.storage, storageRooms(f.storage), f.project.id, bytes, 'importer', 'voc', opts);
/** An RGB PNG of width × height whose pixel (x, y) has colour rgb(x, y). */
const png = (width: number, height: number, rgb: (x: number, y: number) => [number, number, number]) => {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(rgb(x, y), 3 * (y * width + x));
  return sharp(data, { raw: { width, height, channels: 3 } }).png().toBuffer();
};

describe('Pascal VOC import', () => {
  it("brings Tandem's own VOC export back: the same class map, one object per instance, labels from labelmap.txt", async () => {
    const first = toVoc(sampleInput());
    fx = await sampleStorage();
    const report = await run(fx, zip(Object.fromEntries(first.map((f) => [`voc/${f.path}`, f.bytes]))));
    const instances = sampleInput().tasks.reduce((n, t) => n + t.objects.filter((o) => o.mask && rleArea(o.mask) > 0).length, 0);
    expect([report.imported, report.unmatchedImages]).toEqual([instances, []]);
    const again = toVoc(await loadExportInput(fx.storage, storageRooms(fx.storage), fx.project.id));
    const raw = async (bytes: Uint8Array) => (await sharp(bytes).removeAlpha().raw().toBuffer()).toString('base64');
    for (const f of first.filter((x) => x.path.startsWith('SegmentationClass/'))) {
      expect(await raw(again.find((x) => x.path === f.path)!.bytes), f.path).toBe(await raw(f.bytes));
    }
    const labels = (fs: typeof first) => new TextDecoder().decode(fs.find((x) => x.path === 'labelmap.txt')!.bytes);
    expect(labels(again)).toBe(labels(first));
  });

  it('gives one object per class from a class image alone, and refuses unknown colours and wrong sizes whole', async () => {
    fx = await sampleStorage();
    const labelmap = 'background:0,0,0::\ncar:200,0,0::\nroad:0,0,200::\n';
    // b.png is 23×17: a car on the left, road at the bottom, a void border around the car.
    const cls = await png(23, 17, (x, y) => (x < 5 ? [200, 0, 0] : x === 5 ? [224, 224, 192] : y > 12 ? [0, 0, 200] : [0, 0, 0]));
    const report = await run(fx, zip({ 'labelmap.txt': labelmap, 'SegmentationClass/b.png': cls }));
    expect([report.imported, report.newLabels]).toEqual([2, ['car', 'road']]);
    // New labels take their class colours.
    const colours = (await fx.storage.meta.getProject(fx.project.id))!.labels.filter((l) => report.newLabels.includes(l.name)).map((l) => [l.name, l.color]);
    expect(colours).toEqual([['car', '#c80000'], ['road', '#0000c8']]);
    const loaded = await loadExportInput(fx.storage, storageRooms(fx.storage), fx.project.id);
    const objs = loaded.tasks.flatMap((t) => t.objects);
    const area = (label: string) => decodeRle(objs.find((o) => o.label === label)!.mask!).data.reduce((a, v) => a + v, 0);
    expect([area('car'), area('road')]).toEqual([5 * 17, 17 * 4]);

    const unknown = await rejected(run(fx, zip({ 'labelmap.txt': labelmap, 'SegmentationClass/b.png': await png(23, 17, () => [1, 2, 3]) })));
    expect(unknown.message).toMatch(/class colour \(1,2,3\) is not in labelmap\.txt/);
    const size = await rejected(run(fx, zip({ 'labelmap.txt': labelmap, 'SegmentationClass/b.png': await png(40, 30, () => [200, 0, 0]) })));
    expect(size.message).toMatch(/SegmentationClass\/b\.png is 40×30, its image b\.png is 23×17/);
    // car and road are project labels now; a bus is not.
    const reject = await rejected(run(fx, zip({ 'labelmap.txt': 'bus:200,0,0::\n', 'SegmentationClass/b.png': cls }), { unknownLabels: 'reject' }));
    expect(reject.message).toMatch(/label "bus" is not a label/);
    expect((await rejected(run(fx, zip({ 'labels/b.txt': '0 0.5 0.5 0.1 0.1' })))).message).toMatch(/no Pascal VOC masks/);
    expect((await rejected(run(fx, strToU8('nope')))).code).toBe('bad_request');
  });

  it('brings attributes back from Annotations/<stem>.xml: checkboxes as VOC flags, the rest from <attributes>; values that do not fit are counted', async () => {
    const specs: AttributeSpec[] = [
      { name: 'occluded', type: 'checkbox', default: false },
      { name: 'colour', type: 'select', options: ['black', 'white & grey'], default: 'black' },
      { name: 'doors', type: 'number', min: 2, max: 5, default: 4 },
    ];
    const labels = PROJECT.labels.map((l) => (l.name === 'cat' ? { ...l, attributes: specs } : l));
    const input = sampleInput();
    input.project = { ...input.project, labels };
    // The ring (first instance of a.jpg) and the edge (second of b.png) carry values.
    const withValues = { 'o-ring': { occluded: true, colour: 'white & grey', doors: 2 }, 'o-edge': { colour: 'white & grey' } } as Record<string, Record<string, AttributeValue>>;
    for (const t of input.tasks) for (const o of t.objects) if (withValues[o.id]) o.attributes = withValues[o.id];
    const files = toVoc(input);
    fx = await sampleStorage({ labels });
    const report = await run(fx, zip(Object.fromEntries(files.map((f) => [f.path, f.bytes]))));
    expect(report.invalidAttributes).toBe(0);
    const loaded = await loadExportInput(fx.storage, storageRooms(fx.storage), fx.project.id);
    const cats = loaded.tasks.flatMap((t) => t.objects.filter((o) => o.label === 'cat').map((o) => [t.task.name, o.attributes ?? {}]));
    expect(cats).toEqual([
      ['photos/a.jpg', { occluded: true, colour: 'white & grey', doors: 2 }],
      ['b.png', { occluded: false, colour: 'white & grey', doors: 4 }],
    ]);

    // Another tool's XML: a value outside the definition is counted and left at the default; a
    // broken XML refuses the archive whole.
    const xml = (doors: string) => `<annotation><object><name>cat</name><occluded>1</occluded><attributes><attribute><name>doors</name><value>${doors}</value></attribute></attributes></object></annotation>`;
    const a = files.find((f) => f.path === 'SegmentationObject/a.png')!.bytes;
    const c = files.find((f) => f.path === 'SegmentationClass/a.png')!.bytes;
    const map = files.find((f) => f.path === 'labelmap.txt')!.bytes;
    fx2 = await sampleStorage({ labels });
    const odd = await run(fx2, zip({ 'SegmentationObject/a.png': a, 'SegmentationClass/a.png': c, 'labelmap.txt': map, 'Annotations/a.xml': xml('9') }));
    expect(odd.invalidAttributes).toBe(1);
    const ring = (await loadExportInput(fx2.storage, storageRooms(fx2.storage), fx2.project.id)).tasks.flatMap((t) => t.objects).find((o) => o.label === 'cat')!;
    expect(ring.attributes).toEqual({ occluded: true });
    const broken = await rejected(run(fx2, zip({ 'SegmentationObject/a.png': a, 'SegmentationClass/a.png': c, 'labelmap.txt': map, 'Annotations/a.xml': '<annotation><object></annotation>' })));
    expect(broken.message).toMatch(/Annotations\/a\.xml is not well-formed XML/);

    // Another tool lists the objects in another order, and one more that has no mask: each
    // instance still takes its own object's values (matched by class and box), the extra is counted.
    const ownXml = new TextDecoder().decode(files.find((f) => f.path === 'Annotations/a.xml')!.bytes);
    const blocks = ownXml.match(/<object>[\s\S]*?<\/object>/g)!;
    expect(blocks.length).toBeGreaterThan(1);
    const extra = '<object><name>cat</name><bndbox><xmin>0</xmin><ymin>0</ymin><xmax>2</xmax><ymax>2</ymax></bndbox><occluded>1</occluded></object>';
    const shuffled = ownXml.replace(/<object>[\s\S]*?<\/object>/g, '').replace('</annotation>', `${[extra, ...blocks.reverse()].join('\n')}\n</annotation>`);
    expect(shuffled).not.toBe(ownXml);
    const fx3 = await sampleStorage({ labels });
    try {
      const others = files.map((f) => [f.path, f.path === 'Annotations/a.xml' ? new TextEncoder().encode(shuffled) : f.bytes] as const);
      const moved = await run(fx3, zip(Object.fromEntries(others)));
      expect(moved).toMatchObject({ invalidAttributes: 0, unmatchedObjects: 1 });
      const back = await loadExportInput(fx3.storage, storageRooms(fx3.storage), fx3.project.id);
      expect(back.tasks.flatMap((t) => t.objects.filter((o) => o.label === 'cat').map((o) => [t.task.name, o.attributes ?? {}]))).toEqual(cats);
    } finally {
      await fx3.close();
    }
  });
});
