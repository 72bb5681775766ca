// CVAT for images 1.1 XML import (a team's work leaving CVAT) against real SQLite storage: polygons
// and brush masks become objects in CVAT's drawing order, with their attributes and CVAT's
// occluded flag, new labels with the attribute definitions of the file's <meta>; boxes and tags
// are counted, not imported; the zip CVAT exports works as the XML alone; a wrong mask, a wrong
// image size, an unknown label when asked to refuse, or XML that is not CVAT's import nothing.
import { strToU8, unzipSync, zipSync } from 'fflate';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { importCvat } from '../../server/dataset/import/importOtherTools';
import { loadExportInput } from '../../server/dataset/loadExportInput';
import { storageRooms } from '../../server/dataset/rooms';
import { decodeRle, rleArea } from '../../shared/codecs/rle';
import type { AttributeSpec } from '../../shared/schema/attributes';
import { exportDataset } from '../../server/dataset/export/exportDataset';
import { sampleInput } from '../fixtures/dataset/sampleProject';
import { sampleStorage, type StorageFixture } from '../fixtures/dataset/storageFixture';
import { makeImage } from '../helpers/images';
import { rejected } from '../helpers/rejected';
import { startTestServer, type TestServer } from '../helpers/testServer';

let fx: StorageFixture | null = null;
afterEach(async () => {
  await fx?.close();
  fx = null;
});

// The sample project: photos/a.jpg is 40x30, b.png 23x17; labels cat, dog, tree.
const META = `<meta><task><name>street</name><labels>
  <label><name>cat</name><color>#ff0000</color><attributes></attributes></label>
  <label><name>car</name><color>#fa3253</color><attributes>
    <attribute><name>colour</name><mutable>False</mutable><input_type>select</input_type><default_value>red</default_value><values>red
blue</values></attribute>
    <attribute><name>doors</name><mutable>False</mutable><input_type>number</input_type><default_value>4</default_value><values>2
5
1</values></attribute>
    <attribute><name>occluded</name><mutable>True</mutable><input_type>checkbox</input_type><default_value>false</default_value><values>false</values></attribute>
  </attributes></label>
</labels></task></meta>`;
const image = (name: string, w: number, h: number, shapes: string) => `<image id="0" name="${name}" width="${w}" height="${h}">${shapes}</image>`;
const xml = (images: string, meta = META) => `<?xml version="1.0" encoding="utf-8"?>\n<annotations><version>1.1</version>${meta}${images}</annotations>`;
// A brush mask in the box at (20, 5), 4x3: rows 0110 / 0011 / 0011 (runs start with background).
const CAR = '<mask label="car" source="manual" occluded="1" rle="1, 2, 3, 2, 2, 2" left="20" top="5" width="4" height="3" z_order="0"><attribute name="colour">red</attribute><attribute name="doors">7</attribute></mask>';
const SAMPLE = xml(
  image('frames/a.jpg', 40, 30, `<polygon label="cat" source="manual" occluded="0" points="2.00,2.00;12.00,2.00;12.00,12.00;2.00,12.00" z_order="1"></polygon>${CAR}<box label="car" occluded="0" xtl="1" ytl="1" xbr="5" ybr="5" z_order="0"></box><tag label="cat" source="manual"></tag>`) +
    image('b.png', 23, 17, '<polygon label="dog" occluded="0" points="1,1;1,1;1,1" z_order="0"></polygon>') +
    image('c.jpg', 10, 10, '<polygon label="cat" points="0,0;5,0;5,5" z_order="0"></polygon>'),
);
const run = (f: StorageFixture, body: string | Uint8Array, opts: Parameters<typeof importCvat>[5] = {}) => importCvat(f.storage, storageRooms(f.storage), f.project.id, typeof body === 'string' ? strToU8(body) : body, 'importer', opts);

describe('CVAT XML import', () => {
  it('imports polygons and brush masks in drawing order, with attributes and new labels; boxes and tags counted, not imported', async () => {
    fx = await sampleStorage();
    const report = await run(fx, SAMPLE);
    expect([report.imported, report.newLabels, report.unmatchedImages, report.emptyMasks, report.invalidAttributes, report.unsupportedShapes]).toEqual([2, ['car'], ['c.jpg'], 1, 1, 1]);
    // The tag, in a project defining no image attributes: a flag of its name comes along.
    expect([report.newImageAttributes, report.unknownImageAttributes, report.imagesWithAttributes]).toEqual([['cat'], [], 1]);
    const project = await fx.storage.meta.getProject(fx.project.id);
    expect(project!.labels.find((l) => l.name === 'car')!.attributes).toEqual([
      { name: 'colour', type: 'select', options: ['red', 'blue'], default: 'red' },
      { name: 'doors', type: 'number', min: 2, max: 5, step: 1 },
      { name: 'occluded', type: 'checkbox', default: false },
    ]);
    const loaded = await loadExportInput(fx.storage, storageRooms(fx.storage), fx.project.id);
    const a = loaded.tasks.find((t) => t.task.name === 'photos/a.jpg')!.objects;
    expect(a.map((o) => o.label)).toEqual(['car', 'cat']); // z_order 0 under 1
    const car = decodeRle(a[0].mask!);
    const on: string[] = [];
    for (let y = 0; y < 30; y++) for (let x = 0; x < 40; x++) if (car.data[y * 40 + x]) on.push(`${x},${y}`);
    expect(on).toEqual(['21,5', '22,5', '22,6', '23,6', '22,7', '23,7']);
    // doors 7 is past the label's 2-5: left at the default and counted; CVAT's occluded flag kept.
    expect(a[0].attributes).toEqual({ colour: 'red', occluded: true });
    const cat = decodeRle(a[1].mask!).data.reduce((n, v) => n + v, 0);
    expect(cat).toBeGreaterThanOrEqual(100); // the 10x10 square, rasterised as COCO polygons are
    expect(cat).toBeLessThanOrEqual(121);
  });

  it("sets the image's own attributes from its tags where the project defines them", async () => {
    fx = await sampleStorage();
    await fx.storage.meta.setProjectSettings(fx.project.id, { noOverlap: false, imageAttributes: [{ name: 'night', type: 'checkbox' }, { name: 'weather', type: 'select', options: ['rain', 'sun'] }] });
    // "scene" carries a value (it is no flag itself); "sunny" is a flag the project does not define.
    const tags = '<tag label="night" source="manual"></tag><tag label="scene" source="manual"><attribute name="weather">rain</attribute></tag><tag label="sunny"></tag>';
    const report = await run(fx, xml(image('a.jpg', 40, 30, tags + CAR)));
    expect([report.imagesWithAttributes, report.unknownImageAttributes, report.newImageAttributes]).toEqual([1, ['sunny'], []]);
    const loaded = await loadExportInput(fx.storage, storageRooms(fx.storage), fx.project.id);
    expect(loaded.tasks.find((t) => t.task.name === 'photos/a.jpg')!.imageAttributes).toEqual({ night: true, weather: 'rain' });
  });

  it("takes the image's own attributes back from Tandem's CVAT export, definitions included, into a project without them", async () => {
    const input = sampleInput();
    const specs: AttributeSpec[] = [{ name: 'weather', type: 'select', options: ['sun', 'rain'] }, { name: 'night', type: 'checkbox' }, { name: 'cars', type: 'number', min: 0 }];
    input.project = { ...input.project, settings: { noOverlap: false, imageAttributes: specs } };
    input.tasks[0].imageAttributes = { weather: 'rain', night: true, cars: 3 };
    const xmlOut = new TextDecoder().decode(unzipSync(exportDataset(input, 'cvat', 'sample').bytes)['annotations.xml']);
    expect(xmlOut).toContain('<label><name>image</name><color>#808080</color><type>tag</type>');
    fx = await sampleStorage({ labels: [] });
    const report = await run(fx, strToU8(xmlOut));
    expect([report.newImageAttributes, report.unknownImageAttributes, report.imagesWithAttributes]).toEqual([['weather', 'night', 'cars'], [], input.tasks.length]);
    expect((await fx.storage.meta.getProject(fx.project.id))!.settings!.imageAttributes).toEqual([
      { name: 'weather', type: 'select', options: ['sun', 'rain'], default: 'sun' },
      { name: 'night', type: 'checkbox', default: false },
      { name: 'cars', type: 'number', min: 0, step: 1 },
    ]);
    const loaded = await loadExportInput(fx.storage, storageRooms(fx.storage), fx.project.id);
    const byName = new Map(loaded.tasks.map((t) => [t.task.name, t.imageAttributes]));
    expect(byName.get(input.tasks[0].task.name)).toEqual({ weather: 'rain', night: true, cars: 3 });
    expect(byName.get(input.tasks[1].task.name)).toEqual({ weather: 'sun', night: false, cars: 0 }); // the defaults, as exported
  });

  it("reads the zip CVAT exports (annotations.xml beside the images)", async () => {
    fx = await sampleStorage();
    const report = await run(fx, zipSync({ 'annotations.xml': strToU8(SAMPLE), 'images/a.jpg': new Uint8Array([0xff, 0xd8]) }));
    expect(report.imported).toBe(2);
    await fx.close();
    fx = await sampleStorage();
    expect((await rejected(run(fx, zipSync({ 'images/a.jpg': new Uint8Array([0xff, 0xd8]) })))).message).toMatch(/no annotations\.xml/);
  });

  it('refuses the whole file, writing nothing, for a wrong mask, a wrong image size or an unknown label when asked to', async () => {
    fx = await sampleStorage();
    const labels = async () => (await fx!.storage.meta.getProject(fx!.project.id))!.labels.map((l) => l.name);
    const badRuns = xml(image('a.jpg', 40, 30, CAR.replace('rle="1, 2, 3, 2, 2, 2"', 'rle="1, 2, 3"')));
    expect(await rejected(run(fx, badRuns))).toMatchObject({ code: 'validation_failed', message: expect.stringContaining('its rle covers 6 pixels, its box 12') });
    const outside = xml(image('a.jpg', 40, 30, CAR.replace('left="20"', 'left="38"')));
    expect((await rejected(run(fx, outside))).message).toContain('is not inside the 40x30 image');
    const size = xml(image('a.jpg', 41, 30, CAR));
    expect((await rejected(run(fx, size))).message).toContain('a.jpg is 41x30 in the file but 40x30 in the project');
    expect((await rejected(run(fx, SAMPLE, { unknownLabels: 'reject' }))).message).toContain('"car" is not a label of project');
    const unnamed = xml(image('a.jpg', 40, 30, CAR.replace('label="car"', 'label=""')));
    expect((await rejected(run(fx, unnamed))).message).toContain('is not a label name');
    expect((await rejected(run(fx, '<annotations><image name="a.jpg"'))).message).toMatch(/not well-formed/);
    expect((await rejected(run(fx, '{"images": []}'))).code).toBe('validation_failed');
    expect(await labels()).toEqual(['cat', 'dog', 'tree']);
    const loaded = await loadExportInput(fx.storage, storageRooms(fx.storage), fx.project.id);
    expect(loaded.tasks.flatMap((t) => t.objects)).toEqual([]);
  });

  it("takes Tandem's own CVAT export back: the same masks in the same order, labels with their colours and attributes", async () => {
    const input = sampleInput();
    const catSpecs: AttributeSpec[] = [{ name: 'occluded', type: 'checkbox' }, { name: 'colour', type: 'select', options: ['black', 'white'] }, { name: 'lives', type: 'number', min: 1, max: 9 }];
    input.project = { ...input.project, labels: input.project.labels.map((l) => (l.name === 'cat' ? { ...l, attributes: catSpecs } : l)) };
    const ring = input.tasks[0].objects[0];
    input.tasks[0].objects[0] = { ...ring, attributes: { occluded: true, colour: 'white', lives: 7 } };
    const files = exportDataset(input, 'cvat', 'sample');
    expect(files.fileName).toBe('sample_cvat.zip');
    fx = await sampleStorage({ labels: [{ name: 'tree', color: '#0000ff' }] });
    const report = await run(fx, files.bytes);
    const drawn = input.tasks.flatMap((t) => t.objects.filter((o) => o.mask && rleArea(o.mask) > 0));
    expect([report.imported, report.newLabels, report.unmatchedImages]).toEqual([drawn.length, ['cat', 'dog', 'bird'], []]);
    const project = await fx.storage.meta.getProject(fx.project.id);
    expect(project!.labels.find((l) => l.name === 'cat')!.attributes).toEqual([
      { name: 'occluded', type: 'checkbox', default: false },
      { name: 'colour', type: 'select', options: ['black', 'white'], default: 'black' },
      { name: 'lives', type: 'number', min: 1, max: 9, step: 1 },
    ]);
    // The colours of <meta> (the undefined 'bird' has the export's own, which comes back too).
    const colour = (labels: Array<{ name: string; color: string }>, name: string) => labels.find((l) => l.name === name)?.color;
    expect(['cat', 'dog'].map((n) => colour(project!.labels, n))).toEqual(['#ff0000', '#00ff00']);
    expect(colour(project!.labels, 'bird')).toMatch(/^#[0-9a-f]{6}$/);
    const loaded = await loadExportInput(fx.storage, storageRooms(fx.storage), fx.project.id);
    for (const t of input.tasks) {
      const back = loaded.tasks.find((l) => l.task.name === t.task.name)!.objects;
      const sent = t.objects.filter((o) => o.mask && rleArea(o.mask) > 0);
      expect(back.map((o) => [o.label, o.mask!.counts])).toEqual(sent.map((o) => [o.label, o.mask!.counts]));
    }
    expect(loaded.tasks[0].objects[0].attributes).toEqual({ occluded: true, colour: 'white', lives: 7 });
  });

  it('never expands an entity a DOCTYPE declares (the file is data)', async () => {
    fx = await sampleStorage();
    const doc = `<?xml version="1.0"?><!DOCTYPE annotations [<!ENTITY name "a.jpg">]><annotations>${image('&name;', 40, 30, '<polygon label="cat" points="0,0;5,0;5,5"></polygon>')}</annotations>`;
    expect((await rejected(run(fx, doc))).message).toContain('no image of the file matches a task');
  });
});

describe('POST /api/projects/:id/import?format=cvat', () => {
  let s: TestServer;
  afterAll(async () => s?.close());

  it('imports the XML through the API, for owners and annotators only', async () => {
    s = await startTestServer();
    const { projectId, taskId } = await s.createProjectWithTask({ image: await makeImage(40, 30), taskName: 'a.jpg', labels: [{ name: 'cat', color: '#ff0000' }] });
    const viewer = await s.addMember(projectId, 'viewer');
    const post = (token?: string) => s.api('POST', `/api/projects/${projectId}/import?format=cvat`, Buffer.from(SAMPLE), token, { 'content-type': 'application/xml' });
    expect((await post(viewer.token)).status).toBe(403);
    const r = await post();
    expect([r.status, r.body.imported, r.body.tasks[0].taskId, r.body.unsupportedShapes]).toEqual([200, 2, taskId, 1]);
    // And out again for CVAT, with the image under the name the XML gives it.
    const out = await fetch(`${s.url}/api/projects/${projectId}/export?format=cvat&images=true&token=${encodeURIComponent(s.adminToken)}`);
    expect([out.status, out.headers.get('content-type')]).toEqual([200, 'application/zip']);
    const files = unzipSync(new Uint8Array(await out.arrayBuffer()));
    expect(Object.keys(files).sort()).toEqual(['annotations.xml', 'images/a.jpg']);
    const xmlOut = new TextDecoder().decode(files['annotations.xml']);
    expect(xmlOut).toContain('<image id="0" name="a.jpg" width="40" height="30">');
    expect(xmlOut.match(/<mask label="(\w+)"/g)).toEqual(['<mask label="car"', '<mask label="cat"']);
  });
});
