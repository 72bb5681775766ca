// Label Studio JSON import (a team's work leaving Label Studio) against real SQLite storage: the
// last annotation not cancelled of each task; polygons (percent of the image) and brushes (Label
// Studio's RLE over RGBA) become objects in the file's order, with their per-region choices as
// attributes; rectangles counted, not imported; images matched by file name, Label Studio's
// upload prefix taken off; a brush of the wrong size or an unknown label when asked to refuse
// import nothing.
import { encode as packRle } from '@thi.ng/rle-pack';
import { strToU8, zipSync } from 'fflate';
import { afterEach, describe, expect, it } from 'vitest';
import { importLabelStudio } from '../../server/dataset/import/importOtherTools';
import { loadExportInput } from '../../server/dataset/loadExportInput';
import { storageRooms } from '../../server/dataset/rooms';
import { decodeRle, encodeRle, rleIou } from '../../shared/codecs/rle';
import type { AttributeSpec } from '../../shared/schema/attributes';
import { exportDataset } from '../../server/dataset/export/exportDataset';
import { sampleInput, sampleTasks } from '../fixtures/dataset/sampleProject';
import { sampleStorage, type StorageFixture } from '../fixtures/dataset/storageFixture';
import { rejected } from '../helpers/rejected';

let fx: StorageFixture | null = null;
afterEach(async () => {
  await fx?.close();
  fx = null;
});

/** Label Studio's brush RLE of a mask of width x height: rle-pack over RGBA, the alpha the mask. */
function brush(width: number, height: number, on: (x: number, y: number) => boolean): number[] {
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if (on(x, y)) rgba.fill(255, 4 * (y * width + x), 4 * (y * width + x) + 4);
  return Array.from(packRle(rgba, rgba.length, 8));
}
const region = (id: string, type: string, value: Record<string, unknown>, from = 'label', w = 40, h = 30) => ({ id, type, from_name: from, to_name: 'image', original_width: w, original_height: h, image_rotation: 0, value });

// The sample project: photos/a.jpg is 40x30, b.png 23x17.
const EXPORT = [
  {
    id: 1,
    data: { image: '/data/upload/3/8f3a2b1c-a.jpg' },
    annotations: [
      { was_cancelled: false, result: [region('old', 'polygonlabels', { points: [[0, 0], [50, 0], [50, 50]], polygonlabels: ['tree'] })] },
      {
        was_cancelled: false,
        result: [
          region('r1', 'polygonlabels', { points: [[10, 10], [40, 10], [40, 50], [10, 50]], polygonlabels: ['cat'] }),
          region('r1', 'choices', { choices: ['true'] }, 'occluded'),
          region('r2', 'brushlabels', { format: 'rle', rle: brush(40, 30, (x, y) => x >= 20 && x < 24 && y >= 5 && y < 8), brushlabels: ['dog'] }),
          region('r3', 'rectanglelabels', { x: 50, y: 50, width: 10, height: 10, rotation: 0, rectanglelabels: ['cat'] }),
          region('img', 'choices', { choices: ['day'] }, 'weather'),
        ],
      },
      { was_cancelled: true, result: [region('x', 'polygonlabels', { points: [[0, 0], [90, 0], [90, 90]], polygonlabels: ['tree'] })] },
    ],
  },
  { id: 2, data: { image: 'http://files.example/c.jpg?token=1' }, annotations: [{ result: [] }] },
];
const run = (f: StorageFixture, body: unknown, opts: Parameters<typeof importLabelStudio>[5] = {}) => importLabelStudio(f.storage, storageRooms(f.storage), f.project.id, strToU8(typeof body === 'string' ? body : JSON.stringify(body)), 'importer', opts);
const LABELS = [{ name: 'cat', color: '#ff0000', attributes: [{ name: 'occluded', type: 'checkbox' as const }] }, { name: 'dog', color: '#00ff00' }, { name: 'tree', color: '#0000ff' }];

describe('Label Studio import', () => {
  it("imports the last annotation's polygons and brushes with their choices; rectangles counted, not imported", async () => {
    fx = await sampleStorage({ labels: LABELS });
    const report = await run(fx, EXPORT);
    expect([report.imported, report.newLabels, report.unmatchedImages, report.unsupportedShapes, report.invalidAttributes]).toEqual([2, [], ['c.jpg'], 1, 0]);
    // The image's own choice, in a project defining no image attributes: defined from the file.
    expect([report.newImageAttributes, report.unknownImageAttributes]).toEqual([['weather'], []]);
    expect((await fx.storage.meta.getProject(fx.project.id))!.settings!.imageAttributes).toEqual([{ name: 'weather', type: 'select', options: ['day'] }]);
    const loaded = await loadExportInput(fx.storage, storageRooms(fx.storage), fx.project.id);
    const a = loaded.tasks.find((t) => t.task.name === 'photos/a.jpg')!.objects;
    expect(a.map((o) => [o.label, o.attributes])).toEqual([['cat', { occluded: true }], ['dog', {}]]);
    const on = (i: number) => {
      const { data } = decodeRle(a[i].mask!);
      const out: string[] = [];
      for (let y = 0; y < 30; y++) for (let x = 0; x < 40; x++) if (data[y * 40 + x]) out.push(`${x},${y}`);
      return out;
    };
    expect(on(1)).toEqual(['20,5', '21,5', '22,5', '23,5', '20,6', '21,6', '22,6', '23,6', '20,7', '21,7', '22,7', '23,7']);
    // The polygon, 10-40% of 40 px across and 10-50% of 30 px down: 12 x 12 px, as COCO rasterises it.
    const cat = on(0);
    expect(cat.length).toBeGreaterThanOrEqual(12 * 12);
    expect(cat.length).toBeLessThanOrEqual(13 * 13);
    expect(cat[0]).toBe('4,3');
  });

  it("sets the image's own attributes from its image-level choices where the project defines them", async () => {
    fx = await sampleStorage({ labels: LABELS });
    await fx.storage.meta.setProjectSettings(fx.project.id, { noOverlap: false, imageAttributes: [{ name: 'weather', type: 'select', options: ['day', 'night'] }] });
    const report = await run(fx, EXPORT);
    expect([report.imagesWithAttributes, report.unknownImageAttributes]).toEqual([1, []]);
    const loaded = await loadExportInput(fx.storage, storageRooms(fx.storage), fx.project.id);
    expect(loaded.tasks.find((t) => t.task.name === 'photos/a.jpg')!.imageAttributes).toEqual({ weather: 'day' });
  });

  it('ticks a checkbox per option of a choice of several, defined so in a project without them', async () => {
    fx = await sampleStorage({ labels: [] });
    const file = [{
      data: { image: 'a.jpg' },
      annotations: [{ result: [
        region('r1', 'polygonlabels', { points: [[10, 10], [40, 10], [40, 50]], polygonlabels: ['car'] }),
        region('r1', 'choices', { choices: ['scratch', 'dent'] }, 'damage'),
        region('r2', 'polygonlabels', { points: [[50, 10], [80, 10], [80, 50]], polygonlabels: ['car'] }),
        region('r2', 'choices', { choices: ['rust'] }, 'damage'),
      ] }],
    }];
    const report = await run(fx, file);
    expect([report.imported, report.invalidAttributes]).toEqual([2, 0]);
    const project = (await fx.storage.meta.getProject(fx.project.id))!;
    expect(project.labels[0].attributes).toEqual(['scratch', 'dent', 'rust'].map((name) => ({ name, type: 'checkbox' })));
    const objects = (await loadExportInput(fx.storage, storageRooms(fx.storage), fx.project.id)).tasks.flatMap((t) => t.objects);
    expect(objects.map((o) => o.attributes)).toEqual([{ scratch: true, dent: true }, { rust: true }]);
  });

  it('refuses the whole file, writing nothing, for a brush of the wrong size, an unknown label when asked to, or what is not an export', async () => {
    fx = await sampleStorage({ labels: LABELS });
    const small = [{ data: { image: 'a.jpg' }, annotations: [{ result: [region('b', 'brushlabels', { format: 'rle', rle: brush(10, 10, () => true), brushlabels: ['dog'] })] }] }];
    expect(await rejected(run(fx, small))).toMatchObject({ code: 'validation_failed', message: expect.stringContaining('its brush holds 100 pixels, the image 1200') });
    const elsewhere = [{ data: { image: 'a.jpg' }, annotations: [{ result: [region('p', 'polygonlabels', { points: [[0, 0], [9, 0], [9, 9]], polygonlabels: ['cat'] }, 'label', 80, 60)] }] }];
    expect((await rejected(run(fx, elsewhere))).message).toContain('drawn on a 80x60 image');
    const turned = [{ data: { image: 'a.jpg' }, annotations: [{ result: [{ ...region('p', 'polygonlabels', { points: [[0, 0], [9, 0], [9, 9]], polygonlabels: ['cat'] }), image_rotation: 90 }] }] }];
    expect((await rejected(run(fx, turned))).message).toContain('turned by 90°');
    const car = [{ data: { image: 'a.jpg' }, annotations: [{ result: [region('p', 'polygonlabels', { points: [[0, 0], [9, 0], [9, 9]], polygonlabels: ['car'] })] }] }];
    expect((await rejected(run(fx, car, { unknownLabels: 'reject' }))).message).toContain('"car" is not a label of project');
    expect((await rejected(run(fx, { images: [], annotations: [] }))).message).toMatch(/not a Label Studio JSON export/);
    expect((await rejected(run(fx, '[{"data": '))).code).toBe('invalid_json');
    const loaded = await loadExportInput(fx.storage, storageRooms(fx.storage), fx.project.id);
    expect(loaded.tasks.flatMap((t) => t.objects)).toEqual([]);
    // Without the refusal, an unknown label comes in as a new one.
    expect((await run(fx, car)).newLabels).toEqual(['car']);
  });
});

describe("Tandem's Label Studio export, read back", () => {
  it('brings the objects back as polygons close to their masks, with their labels and values, and the image\'s own', async () => {
    const input = sampleInput();
    const catSpecs: AttributeSpec[] = [{ name: 'occluded', type: 'checkbox' }, { name: 'colour', type: 'select', options: ['black', 'white'] }, { name: 'lives', type: 'number', min: 1, max: 9 }, { name: 'note', type: 'text' }];
    input.project = { ...input.project, labels: input.project.labels.map((l) => (l.name === 'cat' ? { ...l, attributes: catSpecs } : l)), settings: { noOverlap: false, imageAttributes: [{ name: 'night', type: 'checkbox' }] } };
    input.tasks[0].objects[0] = { ...input.tasks[0].objects[0], attributes: { occluded: true, colour: 'white', lives: 7, note: 'a ring' } };
    input.tasks[0].imageAttributes = { night: true };
    const out = exportDataset(input, 'labelstudio', 'sample');
    expect([out.fileName, out.contentType]).toEqual(['sample_labelstudio.json', 'application/json']);
    // Into a project with nothing defined: Label Studio's export carries no config, so the labels'
    // attributes and the image's are defined from the values the file holds.
    fx = await sampleStorage({ labels: [] });
    const report = await run(fx, JSON.parse(new TextDecoder().decode(out.bytes)));
    expect([report.unmatchedImages, report.invalidAttributes, report.imagesWithAttributes, report.newImageAttributes]).toEqual([[], 0, 2, ['night']]); // b.png's default written too
    const project = (await fx.storage.meta.getProject(fx.project.id))!;
    expect(project.labels.find((l) => l.name === 'cat')!.attributes).toEqual([
      { name: 'occluded', type: 'checkbox' },
      { name: 'colour', type: 'select', options: ['white', 'black'] },
      { name: 'lives', type: 'number' },
      { name: 'note', type: 'text' },
    ]);
    const loaded = await loadExportInput(fx.storage, storageRooms(fx.storage), fx.project.id);
    const back = (name: string) => loaded.tasks.find((t) => t.task.name === name)!;
    const a = back('photos/a.jpg');
    expect(a.imageAttributes).toEqual({ night: true });
    expect(a.objects[0].attributes).toEqual({ occluded: true, colour: 'white', lives: 7, note: 'a ring' });
    // Each object in one piece comes back close to its mask (a ring as its outline: polygons have
    // no holes); the two-part object as one object per part.
    const drawn = new Map(sampleTasks().flatMap((t) => t.drawn.map((d) => [d.object.id as string, { d, t }])));
    const iouWith = (o: { mask?: unknown }, id: string, fill = false) => {
      const { d, t } = drawn.get(id)!;
      const px = fill ? d.pixels.map((v, i) => (v || Math.hypot((i % t.task.width) - 12, Math.floor(i / t.task.width) - 14) <= 4 ? 1 : 0)) : d.pixels;
      return rleIou(o.mask as Parameters<typeof rleIou>[0], encodeRle(px, t.task.width, t.task.height));
    };
    expect(a.objects.map((o) => o.label)).toEqual(['cat', 'dog', 'dog', 'tree']);
    expect(iouWith(a.objects[0], 'o-ring', true)).toBeGreaterThan(0.9);
    expect(iouWith(a.objects[3], 'o-over')).toBeGreaterThan(0.9);
    const b = back('b.png');
    expect(b.objects.map((o) => o.label)).toEqual(['bird', 'cat']);
    for (const [o, id] of [[b.objects[0], 'o-tri'], [b.objects[1], 'o-edge']] as const) expect(iouWith(o, id)).toBeGreaterThan(0.85);
  });

  it('brings every mask back pixel for pixel from the brush export, holes and parts included, with its values', async () => {
    const input = sampleInput();
    const catSpecs: AttributeSpec[] = [{ name: 'occluded', type: 'checkbox' }];
    input.project = { ...input.project, labels: input.project.labels.map((l) => (l.name === 'cat' ? { ...l, attributes: catSpecs } : l)) };
    input.tasks[0].objects[0] = { ...input.tasks[0].objects[0], attributes: { occluded: true } };
    const out = exportDataset(input, 'labelstudio-brush', 'sample');
    expect([out.fileName, out.contentType, out.files[0].path]).toEqual(['sample_labelstudio_brush.json', 'application/json', 'labelstudio_brush.json']);
    const tasks = JSON.parse(new TextDecoder().decode(out.bytes)) as Array<{ annotations: Array<{ result: Array<{ type: string }> }> }>;
    // A region per object (the two-part one too); no polygon anywhere.
    expect(tasks.map((t) => t.annotations[0].result.map((r) => r.type))).toEqual([['brushlabels', 'choices', 'brushlabels', 'brushlabels'], ['brushlabels', 'brushlabels', 'choices']]); // b's cat: its default
    fx = await sampleStorage({ labels: [] });
    const report = await run(fx, tasks);
    expect([report.unmatchedImages, report.invalidAttributes, report.imported]).toEqual([[], 0, 5]);
    const loaded = await loadExportInput(fx.storage, storageRooms(fx.storage), fx.project.id);
    const sent = input.tasks.flatMap((t) => t.objects.filter((o) => o.mask));
    const back = loaded.tasks.flatMap((t) => t.objects);
    expect(back.map((o) => o.label)).toEqual(sent.map((o) => o.label));
    expect(back.map((o) => o.attributes ?? {})).toEqual([{ occluded: true }, {}, {}, {}, { occluded: false }]);
    for (const [k, o] of back.entries()) expect(rleIou(o.mask!, sent[k].mask!)).toBe(1); // the ring's hole too
  });

  it('with its labelling config zipped beside it, brings the labels back whole: colours, every option, bounds, defaults and required flags', async () => {
    const input = sampleInput();
    const cat: AttributeSpec[] = [
      { name: 'occluded', type: 'checkbox', required: true },
      { name: 'colour', type: 'select', options: ['black', 'white', 'ginger'], default: 'black' },
      { name: 'lives', type: 'number', min: 1, max: 9 },
    ];
    const imageSpecs: AttributeSpec[] = [{ name: 'weather', type: 'select', options: ['sun', 'rain'], required: true }];
    input.project = { ...input.project, labels: input.project.labels.map((l) => (l.name === 'cat' ? { ...l, attributes: cat, description: 'Pets, not lions' } : l)), settings: { noOverlap: false, imageAttributes: imageSpecs } };
    input.tasks[0].objects[0] = { ...input.tasks[0].objects[0], attributes: { occluded: true, colour: 'white', lives: 7 } };
    const file = (format: 'labelstudio-brush' | 'labelstudio-config') => exportDataset(input, format, 'sample').bytes;
    const zip = zipSync({ 'tasks.json': file('labelstudio-brush'), 'labelling_config.xml': file('labelstudio-config') });
    fx = await sampleStorage({ labels: [] });
    const report = await importLabelStudio(fx.storage, storageRooms(fx.storage), fx.project.id, zip, 'importer');
    expect([report.imported, report.newLabels, report.newImageAttributes]).toEqual([5, ['cat', 'dog', 'tree', 'bird'], ['weather']]);
    const project = (await fx.storage.meta.getProject(fx.project.id))!;
    // Labels in the file's order, with the colours, descriptions and definitions Tandem had: nothing inferred from values.
    const sent = new Map(input.project.labels.map((l) => [l.name, l]));
    for (const l of project.labels.filter((l) => sent.has(l.name))) expect(l).toEqual(sent.get(l.name));
    expect(project.settings?.imageAttributes).toEqual(imageSpecs);
    const loaded = await loadExportInput(fx.storage, storageRooms(fx.storage), fx.project.id);
    expect(loaded.tasks.find((t) => t.task.name === 'photos/a.jpg')!.objects[0].attributes).toEqual({ occluded: true, colour: 'white', lives: 7 });
    // Two JSON files, or a config that is not one, refuse the zip with nothing written.
    const two = zipSync({ 'a.json': file('labelstudio-brush'), 'b.json': file('labelstudio-brush') });
    const bad = zipSync({ 'tasks.json': file('labelstudio-brush'), 'config.xml': strToU8('<View><Choices></View>') });
    for (const [body, message] of [[two, /one .json/], [bad, /not well-formed/]] as const) {
      const refusal = await rejected(importLabelStudio(fx.storage, storageRooms(fx.storage), fx.project.id, body, 'importer'));
      expect(refusal).toMatchObject({ code: 'validation_failed', message: expect.stringMatching(message) });
    }
    expect((await loadExportInput(fx.storage, storageRooms(fx.storage), fx.project.id)).tasks.flatMap((t) => t.objects)).toHaveLength(5);
  });
});
