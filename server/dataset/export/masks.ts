// One PNG per object, in the layout of Tandem's evaluation sets (DESIGN contract 7): masks/<stem>_<k>.png,
// 255 the object and 0 the rest, k = 1.. in the task's stacking order, with masks.csv naming each
// file's label and its attribute values (JSON, as COCO's `attributes`), image_attributes.csv the image's own. Lossless (holes and parts as drawn, unlike YOLO's polygons), one object per file
// (unlike VOC's instance map, where overlapping objects hide each other), read back by the mask
// import, and with the images (`images=true`: images/<stem>.<ext>) a set `npm run eval` measures a
// model on: how many clicks the model needs on this project's own objects.
import { decodeRle } from '../../../shared/codecs/rle';
import { taskStems, type ExportFile, type ExportInput } from '../types';
import { csvField, imageAttributesCsv } from './imageAttributesCsv';
import { encodeIndexedPng } from './indexedPng';

/** Index i is grey i: the PNG reads as a greyscale image whatever the reader keeps. */
const GREY: Array<[number, number, number]> = Array.from({ length: 256 }, (_, i) => [i, i, i]);

export function toMasks(input: ExportInput): ExportFile[] {
  const stems = taskStems(input.tasks);
  const files: ExportFile[] = [];
  const rows = ['file,label,attributes'];
  for (const { task, objects } of input.tasks) {
    const stem = stems.get(task.id)!;
    let k = 0;
    for (const o of objects) {
      if (!o.mask || o.mask.size[0] !== task.height || o.mask.size[1] !== task.width) continue;
      const { data } = decodeRle(o.mask);
      const px = new Uint8Array(data.length);
      for (let i = 0; i < data.length; i++) px[i] = data[i] ? 255 : 0;
      const path = `masks/${stem}_${++k}.png`;
      files.push({ path, bytes: encodeIndexedPng(task.width, task.height, px, GREY) });
      const attributes = o.attributes && Object.keys(o.attributes).length ? JSON.stringify(o.attributes) : '';
      rows.push(`${path},${csvField(o.label)},${csvField(attributes)}`);
    }
  }
  files.push({ path: 'masks.csv', bytes: new TextEncoder().encode(rows.join('\n') + '\n') }, ...imageAttributesCsv(input, stems, 'masks'));
  return files;
}
