// Pascal VOC segmentation masks as CVAT writes them: SegmentationClass/<stem>.png (pixel = class
// index, 0 background), SegmentationObject/<stem>.png (pixel = instance index 1..K in object
// order, 0 background), Annotations/<stem>.xml (a box, the class and the attributes of each of
// those instances, in the same order: vocXml.ts), labelmap.txt (`name:r,g,b::`) and
// ImageSets/Segmentation/default.txt (and Main/, the same list, for detection readers), and the
// image's own attributes in image_attributes.csv.
// Both PNGs are 8-bit palette images, so a reader that keeps indices (PIL mode "P") gets the
// indices and one that converts to RGB (sharp, browsers) gets the labelmap colours.
import { rleArea } from '../../../shared/codecs/rle';
import { TandemError, ErrorCode } from '../../../shared/protocol/errors';
import { exportLabels, imageFileName, parseHexColor, taskStems, vocColor, type ExportFile, type ExportInput } from '../types';
import { imageAttributesCsv } from './imageAttributesCsv';
import { encodeIndexedPng } from './indexedPng';
import { forEachPixel } from './maskRuns';
import { vocXml } from './vocXml';

/** Index 255 is VOC's "void/boundary" value, so 254 classes or instances per image at most. */
const MAX_INDEX = 254;

export function toVoc(input: ExportInput): ExportFile[] {
  const labels = exportLabels(input);
  if (labels.length > MAX_INDEX) {
    throw new TandemError(ErrorCode.BadRequest, `Pascal VOC masks hold at most ${MAX_INDEX} labels, project has ${labels.length}`);
  }
  const classIndex = new Map(labels.map((l, i) => [l.name, i + 1]));
  const specs = new Map(labels.map((l) => [l.name, l.attributes]));
  // Class palette: background black, label i+1 in its project colour, the rest the VOC colormap.
  const classPalette: Array<[number, number, number]> = [];
  for (let i = 0; i < 256; i++) classPalette.push(i >= 1 && i <= labels.length ? parseHexColor(labels[i - 1].color) : vocColor(i));
  const instancePalette: Array<[number, number, number]> = [];
  for (let i = 0; i < 256; i++) instancePalette.push(vocColor(i));

  const enc = new TextEncoder();
  const stems = taskStems(input.tasks);
  const files: ExportFile[] = [];
  for (const { task, objects } of input.tasks) {
    const stem = stems.get(task.id)!;
    const { width: w, height: h } = task;
    const cls = new Uint8Array(w * h);
    const inst = new Uint8Array(w * h);
    let instance = 0;
    const numbered: typeof objects = [];
    // Objects in creation order: a later object paints over an earlier one where they overlap,
    // as in CVAT's z-order.
    for (const o of objects) {
      if (!o.mask || o.mask.size[0] !== h || o.mask.size[1] !== w) continue;
      if (rleArea(o.mask) === 0) continue;
      instance++;
      numbered.push(o);
      if (instance > MAX_INDEX) {
        throw new TandemError(ErrorCode.BadRequest, `Pascal VOC masks hold at most ${MAX_INDEX} objects per image; ${task.name} has more`);
      }
      const c = classIndex.get(o.label)!;
      const n = instance;
      forEachPixel(o.mask, (i) => {
        cls[i] = c;
        inst[i] = n;
      });
    }
    files.push({ path: `SegmentationClass/${stem}.png`, bytes: encodeIndexedPng(w, h, cls, classPalette) });
    files.push({ path: `SegmentationObject/${stem}.png`, bytes: encodeIndexedPng(w, h, inst, instancePalette) });
    files.push({ path: `Annotations/${stem}.xml`, bytes: enc.encode(vocXml(task, imageFileName(task, stem), numbered, specs)) });
  }
  const labelmap = ['# label:color_rgb:parts:actions', 'background:0,0,0::']
    .concat(labels.map((l) => `${l.name}:${parseHexColor(l.color).join(',')}::`))
    .join('\n');
  files.push({ path: 'labelmap.txt', bytes: enc.encode(labelmap + '\n') });
  const list = input.tasks.map((t) => stems.get(t.task.id)!).join('\n');
  for (const set of ['Segmentation', 'Main']) files.push({ path: `ImageSets/${set}/default.txt`, bytes: enc.encode(list + (list ? '\n' : '')) });
  files.push(...imageAttributesCsv(input, stems, 'voc'));
  return files;
}
