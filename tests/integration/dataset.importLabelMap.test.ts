// The file's label names mapped to the project's own at import (`labelMap`, chosen in the page's
// preview instead of editing the file), against real SQLite storage: mapped objects and boxes
// take the project's label and are checked against its attribute definitions, no new label is
// made of a mapped name and `unknownLabels: reject` accepts it; a map naming a label the project
// lacks, or one it has already, refuses the import with nothing written.
import { strToU8 } from 'fflate';
import { afterEach, describe, expect, it } from 'vitest';
import { importCoco } from '../../server/dataset/import/importCoco';
import { importCvat } from '../../server/dataset/import/importOtherTools';
import { loadExportInput } from '../../server/dataset/loadExportInput';
import { storageRooms } from '../../server/dataset/rooms';
import { sampleStorage, type StorageFixture } from '../fixtures/dataset/storageFixture';
import { rejected } from '../helpers/rejected';

let fx: StorageFixture | null = null;
afterEach(async () => {
  await fx?.close();
  fx = null;
});

// The sample project: photos/a.jpg is 40x30; labels cat, dog, tree.
const COCO = JSON.stringify({
  images: [{ id: 1, file_name: 'a.jpg', width: 40, height: 30 }],
  categories: [{ id: 1, name: 'Cat' }, { id: 2, name: 'person' }],
  annotations: [
    { id: 1, image_id: 1, category_id: 1, segmentation: [[0, 0, 10, 0, 10, 10]] },
    { id: 2, image_id: 1, category_id: 2, segmentation: [[20, 20, 30, 20, 30, 29]] },
    { id: 3, image_id: 1, category_id: 1, bbox: [12, 2, 6, 6] },
  ],
});

const CVAT = `<?xml version="1.0"?><annotations><version>1.1</version>
<image id="0" name="a.jpg" width="40" height="30">
  <polygon label="kitty" points="0,0;10,0;10,10" z_order="0"><attribute name="indoor">true</attribute><attribute name="size">huge</attribute></polygon>
</image></annotations>`;

const rooms = (f: StorageFixture) => storageRooms(f.storage);
async function objects(f: StorageFixture) {
  const loaded = await loadExportInput(f.storage, rooms(f), f.project.id);
  return loaded.tasks.find((t) => t.task.name === 'photos/a.jpg')!.objects;
}
const labelNames = async (f: StorageFixture) => (await f.storage.meta.getProject(f.project.id))!.labels.map((l) => l.name);

describe('mapping a file\'s labels to the project\'s at import', () => {
  it('gives the mapped objects and boxes the project\'s label; unmapped names are new labels as before', async () => {
    fx = await sampleStorage();
    const report = await importCoco(fx.storage, rooms(fx), fx.project.id, COCO, 'importer', { labelMap: { Cat: 'cat' }, boxes: 'rectangle' });
    expect([report.imported, report.newLabels]).toEqual([3, ['person']]);
    expect((await objects(fx)).map((o) => o.label)).toEqual(['cat', 'person', 'cat']);
    expect(await labelNames(fx)).toEqual(['cat', 'dog', 'tree', 'person']);
  });

  it('reads the values against the project label\'s definitions, and lets a mapped name through unknownLabels=reject', async () => {
    fx = await sampleStorage({ labels: [{ name: 'cat', color: '#ff0000', attributes: [{ name: 'indoor', type: 'checkbox', default: false }, { name: 'size', type: 'select', options: ['small', 'big'] }] }] });
    const report = await importCvat(fx.storage, rooms(fx), fx.project.id, strToU8(CVAT), 'importer', { labelMap: { kitty: 'cat' }, unknownLabels: 'reject' });
    expect([report.imported, report.newLabels, report.invalidAttributes]).toEqual([1, [], 1]); // "huge" is no size of a cat
    const [cat] = await objects(fx);
    expect([cat.label, cat.attributes]).toEqual(['cat', { indoor: true }]);
    // Without the map the same file is refused: kitty is not a label.
    expect(await rejected(importCvat(fx.storage, rooms(fx), fx.project.id, strToU8(CVAT), 'importer', { unknownLabels: 'reject' }))).toMatchObject({ code: 'validation_failed' });
  });

  it('refuses a map to a label the project lacks, or of a name it has, writing nothing', async () => {
    fx = await sampleStorage();
    for (const [labelMap, says] of [
      [{ Cat: 'kat' }, '"Cat" is mapped to "kat", which is not a label of the project'],
      [{ dog: 'cat' }, '"dog" is a label of the project already'],
    ] as const) {
      const e = await rejected(importCoco(fx.storage, rooms(fx), fx.project.id, COCO, 'importer', { labelMap }));
      expect([e.code, e.message.includes(says)]).toEqual(['validation_failed', true]);
    }
    expect(await objects(fx)).toEqual([]);
    expect(await labelNames(fx)).toEqual(['cat', 'dog', 'tree']);
  });
});
