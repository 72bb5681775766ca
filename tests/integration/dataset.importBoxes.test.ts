// The boxes of an imported file (CVAT's <box>, Label Studio's rectangles, a COCO detection file's
// bboxes, YOLO's box lines) against real SQLite storage, as each `boxes` choice asks: `rectangle`
// fills them (exact pixels), `segment` hands them to the box runner with their label, corners and
// attribute values (the run itself: server/dataset/prelabel/boxTask.test.ts, and through a server
// with the shipped click model: importBoxes.http.test.ts), `skip` counts them; a turned box is its
// outline (its bounds the model's prompt); a box outside the
// image refuses the file, and a runner's refusal writes nothing.
import { strToU8, zipSync } from 'fflate';
import { afterEach, describe, expect, it } from 'vitest';
import type { BoxRunner } from '../../server/dataset/import/applyImportPlan';
import type { PlannedBox } from '../../server/dataset/import/importBoxes';
import { importCoco } from '../../server/dataset/import/importCoco';
import { importArchive } from '../../server/dataset/import/importArchive';
import { importCvat, importLabelStudio } from '../../server/dataset/import/importOtherTools';
import type { ImportOptions } from '../../server/dataset/import/planCocoImport';
import { loadExportInput } from '../../server/dataset/loadExportInput';
import { storageRooms } from '../../server/dataset/rooms';
import { ErrorCode, TandemError } from '../../shared/protocol/errors';
import { rleArea, rleBbox } from '../../shared/codecs/rle';
import { sampleStorage, type StorageFixture } from '../fixtures/dataset/storageFixture';
import { rejected } from '../helpers/rejected';

let fx: StorageFixture | null = null;
afterEach(async () => {
  await fx?.close();
  fx = null;
});

// The sample project: photos/a.jpg is 40x30, b.png 23x17; labels cat, dog, tree.
const CVAT = `<?xml version="1.0" encoding="utf-8"?><annotations><version>1.1</version>
<meta><task><labels><label><name>car</name><attributes><attribute><name>parked</name><input_type>checkbox</input_type><default_value>false</default_value><values>false</values></attribute></attributes></label></labels></task></meta>
<image id="0" name="a.jpg" width="40" height="30">
  <polygon label="cat" points="0,0;4,0;4,4" z_order="0"></polygon>
  <box label="car" occluded="0" xtl="10.0" ytl="5.0" xbr="30.0" ybr="15.0" z_order="1"><attribute name="parked">true</attribute></box>
  <box label="dog" occluded="0" xtl="-3" ytl="20" xbr="6" ybr="34" z_order="0"></box>
  <box label="dog" occluded="0" xtl="1" ytl="1" xbr="9" ybr="9" rotation="30" z_order="0"></box>
</image></annotations>`;

const LS = JSON.stringify([
  {
    id: 1,
    data: { image: '/data/upload/1/8f3a2b1c-b.png' },
    annotations: [{ result: [
      { id: 'r1', type: 'rectanglelabels', from_name: 'label', original_width: 23, original_height: 17, value: { x: 10, y: 20, width: 50, height: 40, rotation: 0, rectanglelabels: ['tree'] } },
      { id: 'r1', type: 'choices', from_name: 'kind', value: { choices: ['oak'] } },
      { id: 'r2', type: 'rectanglelabels', from_name: 'label', original_width: 23, original_height: 17, value: { x: 0, y: 0, width: 10, height: 10, rotation: 45, rectanglelabels: ['tree'] } },
    ] }],
  },
]);

const COCO = JSON.stringify({
  images: [{ id: 1, file_name: 'a.jpg', width: 40, height: 30 }],
  categories: [{ id: 1, name: 'cat' }, { id: 2, name: 'person' }],
  annotations: [
    { id: 7, image_id: 1, category_id: 2, bbox: [4, 6, 10, 8], segmentation: [], area: 80, iscrowd: 0 },
    { id: 8, image_id: 1, category_id: 1, bbox: [20, 2, 5, 5] },
    { id: 9, image_id: 1, category_id: 1, segmentation: [[30, 20, 38, 20, 38, 28]] },
  ],
});

const YOLO = zipSync({ 'data.yaml': strToU8('names: [cat, dog]\n'), 'labels/a.txt': strToU8('1 0.5 0.5 0.5 0.2\n0 0.1 0.1 0.2 0.1 0.2 0.2\n') });

type Importer = (f: StorageFixture, opts: ImportOptions) => ReturnType<typeof importCoco>;
const rooms = (f: StorageFixture) => storageRooms(f.storage);
const importers: Record<string, Importer> = {
  cvat: (f, o) => importCvat(f.storage, rooms(f), f.project.id, strToU8(CVAT), 'importer', o),
  labelstudio: (f, o) => importLabelStudio(f.storage, rooms(f), f.project.id, strToU8(LS), 'importer', o),
  coco: (f, o) => importCoco(f.storage, rooms(f), f.project.id, COCO, 'importer', o),
  yolo: (f, o) => importArchive(f.storage, rooms(f), f.project.id, YOLO, 'importer', 'yolo', o),
};

/** A runner that keeps what it was given and says the run began. */
function keeping() {
  const given: Array<Map<string, PlannedBox[]>> = [];
  const outcomes: Array<Promise<boolean>> = [];
  const runner: BoxRunner = async (_p, by, boxes, after) => {
    given.push(boxes);
    outcomes.push(after);
    return { boxRun: { state: 'running', by, startedAt: 1, finishedAt: null, total: boxes.size, done: 0, skipped: 0, objects: 0, failedTasks: 0, lastError: null, detector: null, resumed: 0, mode: 'boxes' } };
  };
  return { runner, given, outcomes };
}

async function objectsOf(f: StorageFixture, name: string) {
  const loaded = await loadExportInput(f.storage, rooms(f), f.project.id);
  return loaded.tasks.find((t) => t.task.name === name)!.objects;
}

describe('the boxes of an imported file', () => {
  it('CVAT: rectangles in drawing order, cut at the image edge; a turned box is its turned outline', async () => {
    fx = await sampleStorage();
    const report = await importers.cvat(fx, { boxes: 'rectangle' });
    expect([report.imported, report.boxes, report.boxesAs, report.unsupportedShapes, report.newLabels]).toEqual([4, 3, 'rectangle', 0, ['car']]);
    const objects = await objectsOf(fx, 'photos/a.jpg');
    expect(objects.map((o) => o.label)).toEqual(['cat', 'dog', 'dog', 'car']); // z_order 0, 0, 0, then 1
    // The 8 px square at (1, 1) turned 30 degrees about its centre: still 64 px, now reaching past its old sides.
    const turned = objects[2];
    expect(Math.abs(rleArea(turned.mask!) - 64)).toBeLessThanOrEqual(6);
    expect(rleBbox(turned.mask!)[2]).toBeGreaterThanOrEqual(10);
    const car = objects[3];
    expect(rleArea(car.mask!)).toBe(20 * 10);
    expect(rleBbox(car.mask!)).toEqual([10, 5, 20, 10]);
    expect(car.attributes).toEqual({ parked: true });
    expect(rleBbox(objects[1].mask!)).toEqual([0, 20, 6, 10]); // (-3, 20) to (6, 34): cut at the edges
  });

  it('CVAT: kept for the click model with label, corners and values; the run waits for the import', async () => {
    fx = await sampleStorage();
    const k = keeping();
    const report = await importers.cvat(fx, { boxes: 'segment', boxRunner: k.runner });
    expect([report.imported, report.boxes, report.boxesAs, report.boxRun?.mode]).toEqual([1, 3, 'segment', 'boxes']);
    const [boxes] = k.given;
    const taskA = fx.tasks.get('taskA')!.id;
    expect([...boxes.keys()]).toEqual([taskA]);
    const given = boxes.get(taskA)!;
    expect(given.map((b) => [b.label, b.box.map((v) => Math.round(v * 100) / 100), b.attributes, !!b.ring])).toEqual([
      ['dog', [0, 20, 6, 30], {}, false],
      ['dog', [0, 0, 10.46, 10.46], {}, true], // the turned square's bounds prompt the model
      ['car', [10, 5, 30, 15], { parked: true }, false],
    ]);
    expect(await k.outcomes[0]).toBe(true);
    expect((await objectsOf(fx, 'photos/a.jpg')).map((o) => o.label)).toEqual(['cat']); // the boxes are the run's
  });

  it('CVAT: left out and counted when asked (the default), as before', async () => {
    fx = await sampleStorage();
    const report = await importers.cvat(fx, {});
    expect([report.imported, report.boxes, report.boxesAs, report.unsupportedShapes, report.newLabels]).toEqual([1, 0, 'skip', 3, []]);
  });

  it('Label Studio: rectangles in percent of the image with their per-region choices; a turned one about its top-left corner', async () => {
    fx = await sampleStorage({ labels: [{ name: 'tree', color: '#00ff00', attributes: [{ name: 'kind', type: 'select', options: ['oak', 'elm'] }] }] });
    const k = keeping();
    const report = await importers.labelstudio(fx, { boxes: 'segment', boxRunner: k.runner });
    expect([report.imported, report.boxes, report.unsupportedShapes]).toEqual([0, 2, 0]);
    const [box, turned] = [...k.given[0].values()][0];
    expect(box.label).toBe('tree');
    expect(box.box.map((v) => Math.round(v * 100) / 100)).toEqual([2.3, 3.4, 13.8, 10.2]);
    expect(box.attributes).toEqual({ kind: 'oak' });
    // 10% of 23 x 10% of 17 at the top-left corner, turned 45 degrees about it: it swings left, cut at the edge.
    expect(turned.ring!.slice(0, 2)).toEqual([0, 0]);
    expect(turned.box.map((v) => Math.round(v * 100) / 100)).toEqual([0, 0, 1.63, 2.83]);
    const rect = await importers.labelstudio(fx, { boxes: 'rectangle' });
    expect(rect.imported).toBe(2);
    const [tree] = await objectsOf(fx, 'b.png');
    expect(rleArea(tree.mask!)).toBeGreaterThan(0);
  });

  it('COCO: a detection file\'s bboxes (no segmentation, or an empty one) beside an outlined object', async () => {
    fx = await sampleStorage();
    const skipped = await importers.coco(fx, {});
    expect([skipped.imported, skipped.boxes, skipped.unsupportedShapes]).toEqual([1, 0, 2]);
    await fx.close();
    fx = await sampleStorage();
    const report = await importers.coco(fx, { boxes: 'rectangle' });
    expect([report.imported, report.boxes, report.newLabels]).toEqual([3, 2, ['person']]);
    const [person, cat] = await objectsOf(fx, 'photos/a.jpg');
    expect([person.label, rleBbox(person.mask!), rleArea(person.mask!)]).toEqual(['person', [4, 6, 10, 8], 80]);
    expect([cat.label, rleArea(cat.mask!)]).toEqual(['cat', 25]);
    const k = keeping();
    await importers.coco(fx, { boxes: 'segment', boxRunner: k.runner });
    expect([...k.given[0].values()][0].map((b) => b.box)).toEqual([[4, 6, 14, 14], [20, 2, 25, 7]]);
  });

  it('COCO: an annotation with neither an outline nor a box refuses the file', async () => {
    fx = await sampleStorage();
    const bad = JSON.stringify({ images: [{ id: 1, file_name: 'a.jpg', width: 40, height: 30 }], categories: [{ id: 1, name: 'cat' }], annotations: [{ id: 3, image_id: 1, category_id: 1, segmentation: [] }] });
    const e = await rejected(importCoco(fx.storage, rooms(fx), fx.project.id, bad, 'importer', { boxes: 'rectangle' }));
    expect(e).toMatchObject({ code: 'validation_failed' });
    expect(e.message).toContain('neither a segmentation nor a bbox');
  });

  it('YOLO: box lines are rectangles by default and the click model\'s when asked; polygons stay polygons', async () => {
    fx = await sampleStorage();
    const report = await importers.yolo(fx, {});
    expect([report.imported, report.boxes, report.boxesAs]).toEqual([2, 1, 'rectangle']);
    const k = keeping();
    const segmented = await importers.yolo(fx, { boxes: 'segment', boxRunner: k.runner });
    expect([segmented.imported, segmented.boxes]).toEqual([1, 1]);
    expect([...k.given[0].values()][0].map((b) => [b.label, b.box])).toEqual([['dog', [10, 12, 30, 18]]]);
    const skipped = await importers.yolo(fx, { boxes: 'skip' });
    expect([skipped.imported, skipped.unsupportedShapes]).toEqual([1, 1]);
  });

  it('a dry run answers what the import will do, writing nothing and starting no run', async () => {
    fx = await sampleStorage();
    const k = keeping();
    const preview = await importers.cvat(fx, { boxes: 'segment', boxRunner: k.runner, dryRun: true });
    expect(k.given).toEqual([]);
    expect(await objectsOf(fx, 'photos/a.jpg')).toEqual([]);
    expect((await fx.storage.meta.getProject(fx.project.id))!.labels.map((l) => l.name)).toEqual(['cat', 'dog', 'tree']);
    const real = await importers.cvat(fx, { boxes: 'segment', boxRunner: k.runner });
    const { dryRun, ...planned } = preview;
    const { boxRun, ...done } = real;
    expect([dryRun, boxRun?.mode]).toEqual([true, 'boxes']);
    expect(planned).toEqual(done);
    expect(planned).toMatchObject({ imported: 1, boxes: 3, newLabels: ['car'] });
    // A file the import refuses is refused by its dry run too, with the same reasons.
    const outside = CVAT.replace('xtl="10.0" ytl="5.0" xbr="30.0" ybr="15.0"', 'xtl="50" ytl="5" xbr="60" ybr="15"');
    const e = await rejected(importCvat(fx.storage, rooms(fx), fx.project.id, strToU8(outside), 'importer', { boxes: 'rectangle', dryRun: true }));
    expect(e.message).toContain('lies outside the 40x30 image');
  });

  it('a box outside the image refuses the file; a runner\'s refusal writes nothing', async () => {
    fx = await sampleStorage();
    const outside = CVAT.replace('xtl="10.0" ytl="5.0" xbr="30.0" ybr="15.0"', 'xtl="50" ytl="5" xbr="60" ybr="15"');
    const e = await rejected(importCvat(fx.storage, rooms(fx), fx.project.id, strToU8(outside), 'importer', { boxes: 'rectangle' }));
    expect(e.message).toContain('lies outside the 40x30 image');
    const gone: BoxRunner = async () => {
      throw new TandemError(ErrorCode.NoWorker, 'no worker runs the click model');
    };
    expect(await rejected(importers.cvat(fx, { boxes: 'segment', boxRunner: gone }))).toMatchObject({ code: 'no_worker' });
    expect(await rejected(importers.cvat(fx, { boxes: 'segment' }))).toMatchObject({ code: 'no_worker' });
    expect(await objectsOf(fx, 'photos/a.jpg')).toEqual([]);
    const project = await fx.storage.meta.getProject(fx.project.id);
    expect(project!.labels.map((l) => l.name)).toEqual(['cat', 'dog', 'tree']); // not even the new label
  });
});
