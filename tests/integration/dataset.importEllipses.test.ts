// Ellipses of CVAT (`<ellipse cx cy rx ry rotation>`) and Label Studio (`ellipselabels`: centre and
// radii in percent of the image) are areas: imported as masks like polygons, in the file's
// order, turned as drawn; a malformed one refuses the file.
import { strToU8 } from 'fflate';
import { afterEach, describe, expect, it } from 'vitest';
import { importCvat, importLabelStudio } from '../../server/dataset/import/importOtherTools';
import { loadExportInput } from '../../server/dataset/loadExportInput';
import { storageRooms } from '../../server/dataset/rooms';
import { rleArea, rleBbox } from '../../shared/codecs/rle';
import { sampleStorage, type StorageFixture } from '../fixtures/dataset/storageFixture';
import { rejected } from '../helpers/rejected';

let fx: StorageFixture | null = null;
afterEach(async () => {
  await fx?.close();
  fx = null;
});

// The sample project: photos/a.jpg is 40x30; labels cat, dog, tree.
const cvat = (shapes: string) => strToU8(`<?xml version="1.0"?><annotations><version>1.1</version><image id="0" name="a.jpg" width="40" height="30">${shapes}</image></annotations>`);
async function objects(f: StorageFixture) {
  const loaded = await loadExportInput(f.storage, storageRooms(f.storage), f.project.id);
  return loaded.tasks.find((t) => t.task.name === 'photos/a.jpg')!.objects;
}

describe('ellipses imported as masks', () => {
  it('CVAT: an ellipse is its area, turned as drawn, in drawing order with the polygons', async () => {
    fx = await sampleStorage();
    const xml = cvat('<ellipse label="cat" cx="20" cy="15" rx="12" ry="5" z_order="1"></ellipse><ellipse label="dog" cx="20" cy="15" rx="12" ry="5" rotation="90" z_order="2"></ellipse><polygon label="tree" points="0,0;4,0;4,4" z_order="0"></polygon>');
    const report = await importCvat(fx.storage, storageRooms(fx.storage), fx.project.id, xml, 'importer');
    expect([report.imported, report.unsupportedShapes]).toEqual([3, 0]);
    const [tree, cat, dog] = await objects(fx);
    expect([tree.label, cat.label, dog.label]).toEqual(['tree', 'cat', 'dog']);
    expect(Math.abs(rleArea(cat.mask!) - Math.PI * 12 * 5)).toBeLessThan(12);
    expect(rleBbox(cat.mask!)).toEqual([8, 10, 24, 10]); // 24 wide, 10 high
    const [, , w, h] = rleBbox(dog.mask!); // turned a quarter: 10 wide, 24 high
    expect([w, h]).toEqual([10, 24]);
  });

  it('Label Studio: an ellipse in percent of the image, its choices as attributes', async () => {
    fx = await sampleStorage({ labels: [{ name: 'tree', color: '#00ff00', attributes: [{ name: 'kind', type: 'select', options: ['oak', 'elm'] }] }] });
    const region = (id: string, type: string, value: Record<string, unknown>) => ({ id, type, from_name: type === 'choices' ? 'kind' : 'label', original_width: 40, original_height: 30, value });
    const ls = [{ data: { image: '/data/upload/1/a.jpg' }, annotations: [{ result: [region('e', 'ellipselabels', { x: 50, y: 50, radiusX: 25, radiusY: 20, rotation: 0, ellipselabels: ['tree'] }), region('e', 'choices', { choices: ['elm'] })] }] }];
    const report = await importLabelStudio(fx.storage, storageRooms(fx.storage), fx.project.id, strToU8(JSON.stringify(ls)), 'importer');
    expect([report.imported, report.unsupportedShapes]).toEqual([1, 0]);
    const [tree] = await objects(fx);
    expect(tree.attributes).toEqual({ kind: 'elm' });
    expect(Math.abs(rleArea(tree.mask!) - Math.PI * 10 * 6)).toBeLessThan(10); // radii 25% of 40, 20% of 30
    expect(rleBbox(tree.mask!)).toEqual([10, 9, 20, 12]);
  });

  it('refuses an ellipse without its radii, writing nothing', async () => {
    fx = await sampleStorage();
    const e = await rejected(importCvat(fx.storage, storageRooms(fx.storage), fx.project.id, cvat('<ellipse label="cat" cx="20" cy="15" rx="0" ry="5" z_order="0"></ellipse>'), 'importer'));
    expect([e.code, e.message.includes('ellipse 1 (cat): its cx, cy, rx, ry are not an ellipse')]).toEqual(['validation_failed', true]);
    expect(await objects(fx)).toEqual([]);
  });
});
