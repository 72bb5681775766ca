// Step 1 of a Pascal VOC import, the layout CVAT and Tandem's VOC export write: a zip with
// SegmentationObject/<stem>.png (one colour per instance, black the background, (224,224,192)
// VOC's "void" border), SegmentationClass/<stem>.png (one colour per class) and labelmap.txt
// (`name:r,g,b::` per line). Each instance becomes an object whose label is the class most of its
// pixels have; an image with only a class PNG gets one object per class present. The PNGs are
// decoded to RGB (sharp), so the colours carry the meaning as CVAT reads them, whatever palette
// indices a tool wrote. Like the other imports it checks everything first and writes nothing when
// one file is wrong. VOC keeps one label per pixel, so objects that overlapped lost their hidden
// parts on the way out; they come back as they were drawn on top of each other. Attributes come
// from Annotations/<stem>.xml when the archive has it (vocAnnotations.ts): the k-th <object>'s,
// for instance k, when it names the same class; values checked against the label's definitions.
import sharp from 'sharp';
import { encodeRle, rleArea } from '../../../shared/codecs/rle';
import { ErrorCode, TandemError } from '../../../shared/protocol/errors';
import type { Label, Project, Task } from '../../storage/types';
import { parseHexColor } from '../types';
import type { ImportOptions, ImportPlan, PlannedObject } from './planCocoImport';
import { attributeReader } from './importAttributes';
import { problemList } from './problems';
import { readZip } from './readZip';
import { tasksByStem } from './tasksByStem';
import { instanceOfColour, matchVocObjects, readVocXml, type VocInstance } from './vocAnnotations';

/** What the PNGs and text of an archive may add up to, compressed: more is a bomb or the wrong file. */
export const MAX_VOC_ARCHIVE_BYTES = 512 * 1024 * 1024;
const VOID = 0xe0e0c0; // (224, 224, 192)

interface VocArchive {
  /** Label per colour (0xRRGGBB), from labelmap.txt; null when the archive has none. */
  labelmap: Map<number, string> | null;
  images: Map<string, { object?: Uint8Array; cls?: Uint8Array; xml?: Uint8Array; path: string }>;
}

/** The masks and labelmap of a zip; throws bad_request / payload_too_large. */
export function readVocArchive(bytes: Uint8Array): VocArchive {
  const files = readZip(bytes, (name) => /(^|\/)(Segmentation(Object|Class)\/[^/]+\.png|Annotations\/[^/]+\.xml|labelmap\.txt)$/i.test(name), MAX_VOC_ARCHIVE_BYTES, 'Pascal VOC masks');
  const images: VocArchive['images'] = new Map();
  // An XML without masks adds no object (VOC's boxes alone are not masks): kept only beside them.
  const pending = new Map<string, Uint8Array>();
  let labelmap: Map<number, string> | null = null;
  for (const [path, data] of Object.entries(files)) {
    if (/labelmap\.txt$/i.test(path)) {
      labelmap = parseLabelmap(new TextDecoder().decode(data));
      continue;
    }
    const xml = /Annotations\/([^/]+)\.xml$/i.exec(path);
    if (xml) {
      pending.set(xml[1], data);
      continue;
    }
    const m = /Segmentation(Object|Class)\/([^/]+)\.png$/i.exec(path)!;
    const entry = images.get(m[2]) ?? { path };
    if (m[1].toLowerCase() === 'object') Object.assign(entry, { object: data, path }); // reports name the object PNG
    else entry.cls = data;
    images.set(m[2], entry);
  }
  for (const [stem, xml] of pending) {
    const entry = images.get(stem);
    if (entry) entry.xml = xml;
  }
  return { labelmap, images };
}

/** `name:r,g,b:parts:actions` lines (CVAT's labelmap.txt); comments and `background` skipped. */
function parseLabelmap(text: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim() || line.startsWith('#')) continue;
    const [name, rgb] = line.split(':');
    const [r, g, b] = (rgb ?? '').split(',').map(Number);
    if (!name || name === 'background' || ![r, g, b].every((v) => Number.isInteger(v) && v >= 0 && v <= 255)) continue;
    out.set((r << 16) | (g << 8) | b, name);
  }
  return out;
}

/** Validates a VOC archive against the project and its tasks. Throws validation_failed. */
export async function planVocImport(bytes: Uint8Array, project: Project, tasks: Task[], opts: ImportOptions = {}): Promise<ImportPlan> {
  const { labelmap, images } = readVocArchive(bytes);
  if (images.size === 0) throw new TandemError(ErrorCode.ValidationFailed, 'the archive has no Pascal VOC masks (SegmentationObject/<image name>.png, SegmentationClass/<image name>.png)');
  const problems = problemList();
  const problem = problems.add;
  // Without a labelmap, class colours are the project's label colours (a Tandem export's).
  const colourLabel = labelmap ?? new Map(project.labels.map((l) => [hex(parseHexColor(l.color)), l.name]));
  const known = new Set(project.labels.map((l) => l.name));
  const newLabels: Label[] = [];
  const byStem = tasksByStem(tasks);
  const byTask = new Map<string, PlannedObject[]>();
  const attributes = attributeReader(new Map(project.labels.map((l) => [l.name, l.attributes ?? []])));
  const unmatchedImages: string[] = [];
  let emptyMasks = 0;
  let unmatchedObjects = 0;
  for (const [stem, files] of images) {
    const task = byStem.get(stem);
    if (!task) {
      unmatchedImages.push(files.path);
      continue;
    }
    const object = files.object && (await rgbOf(files.object, task, `SegmentationObject/${stem}.png`));
    const cls = files.cls && (await rgbOf(files.cls, task, `SegmentationClass/${stem}.png`));
    if (typeof object === 'string' || typeof cls === 'string') {
      problem((typeof object === 'string' ? object : cls) as string);
      continue;
    }
    const xmlObjects = files.xml && object ? readVocXml(new TextDecoder().decode(files.xml)) : [];
    if (typeof xmlObjects === 'string') {
      problem(`Annotations/${stem}.xml is ${xmlObjects}`);
      continue;
    }
    const list: PlannedObject[] = [];
    const instances: Array<VocInstance & { planned: PlannedObject }> = [];
    const src = (object ?? cls)!;
    const w = task.width;
    // One pass per colour (at most 254 in VOC): one image-sized mask alive at a time.
    for (const colour of colours(src)) {
      const bits = new Uint8Array(task.width * task.height);
      const classes = new Map<number, number>();
      const box: [number, number, number, number] = [Infinity, Infinity, -1, -1];
      for (let i = 0; i < bits.length; i++) {
        if (src[i] !== colour) continue;
        bits[i] = 1;
        const x = i % w;
        const y = (i - x) / w;
        if (x < box[0]) box[0] = x;
        if (x >= box[2]) box[2] = x + 1;
        if (y < box[1]) box[1] = y;
        box[3] = y + 1;
        if (object && cls && cls[i] !== 0 && cls[i] !== VOID) classes.set(cls[i], (classes.get(cls[i]) ?? 0) + 1);
      }
      // An instance's label: the class colour most of its pixels have.
      const classColour = object ? mostOf(classes) : colour;
      const label = colourLabel.get(classColour);
      if (label === undefined) {
        problem(`${files.path}: ${object && !cls ? 'no SegmentationClass image names the class of an instance' : `the class colour ${rgbText(classColour)} is not in labelmap.txt`}`);
        continue;
      }
      if (!known.has(label) && !newLabels.some((l) => l.name === label)) {
        if (opts.unknownLabels === 'reject') problem(`label "${label}" is not a label of project ${project.name}`);
        // Its class colour, as labelmap.txt gives it (CVAT's and Tandem's exports: the label's own).
        else newLabels.push({ name: label, color: `#${classColour.toString(16).padStart(6, '0')}` });
      }
      const mask = encodeRle(bits, task.width, task.height);
      if (rleArea(mask) === 0) emptyMasks++;
      else {
        const planned: PlannedObject = { label, mask, attributes: {}, sourceId: `${files.path} ${rgbText(colour)}` };
        list.push(planned);
        const index = instanceOfColour.get(colour);
        if (object && index !== undefined) instances.push({ index, label, box, planned });
      }
    }
    // Each instance's attributes from the XML object that describes it (by order, else by box).
    const { byInstance, unmatched } = matchVocObjects(xmlObjects, instances);
    unmatchedObjects += unmatched;
    for (const inst of instances) {
      const described = byInstance.get(inst.index);
      if (described) inst.planned.attributes = attributes.read(described.values, inst.label);
    }
    if (list.length) byTask.set(task.id, list);
  }
  if (byTask.size === 0 && unmatchedImages.length === images.size) problem(`no mask of the archive matches a task of project ${project.name} by file name`);
  problems.throwIfAny('Pascal VOC');
  return { newLabels, byTask, unmatchedImages, emptyMasks, invalidAttributes: attributes.invalid, unmatchedObjects };
}

/** A PNG as 0xRRGGBB per pixel, or what is wrong with it (the header is checked before decoding). */
async function rgbOf(png: Uint8Array, task: Task, name: string): Promise<Uint32Array | string> {
  try {
    const meta = await sharp(png).metadata();
    if (meta.format !== 'png') return `${name} is not a PNG`;
    if (meta.width !== task.width || meta.height !== task.height) return `${name} is ${meta.width}×${meta.height}, its image ${task.name} is ${task.width}×${task.height}`;
    const { data } = await sharp(png).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    const out = new Uint32Array(task.width * task.height);
    for (let i = 0; i < out.length; i++) out[i] = (data[3 * i] << 16) | (data[3 * i + 1] << 8) | data[3 * i + 2];
    return out;
  } catch (e) {
    return `${name} is not a readable PNG (${(e as Error).message})`;
  }
}

/** The colours present but the background's and the void border's, in first-seen order. */
function colours(rgb: Uint32Array): Set<number> {
  const out = new Set<number>();
  for (let i = 0; i < rgb.length; i++) if (rgb[i] !== 0 && rgb[i] !== VOID) out.add(rgb[i]);
  return out;
}

/** The key with the largest count, or -1 for none. */
function mostOf(counts: Map<number, number>): number {
  let best = -1;
  let most = 0;
  for (const [c, k] of counts) if (k > most) [best, most] = [c, k];
  return best;
}

const hex = ([r, g, b]: [number, number, number]) => (r << 16) | (g << 8) | b;
const rgbText = (c: number) => (c < 0 ? '(none)' : `(${(c >> 16) & 255},${(c >> 8) & 255},${c & 255})`);
