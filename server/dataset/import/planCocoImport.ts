// Step 1 of a COCO import: validate everything and turn it into a plan, writing nothing. Only a
// plan without a single problem is applied (applyImportPlan), so a malformed file is rejected
// whole and nothing is half-imported.
import { fromUncompressed, isValidRle, rleArea, type Rle } from '../../../shared/codecs/rle';
import { polygonsToRle } from '../../../shared/codecs/polygon';
import { TandemError, ErrorCode } from '../../../shared/protocol/errors';
import { AttributeSpecListSchema, type AttributeSpec, type AttributeValue } from '../../../shared/schema/attributes';
import type { BoxRunner } from './applyImportPlan';
import type { LabelMap } from './labelMap';
import { attributeReader } from './importAttributes';
import { boxInImage, boxSink, type BoxMode, type PlannedBox } from './importBoxes';
import type { Label, Project, Task } from '../../storage/types';
import { fallbackColor } from '../types';
import { CocoImportSchema, type CocoSegmentation } from './cocoImportSchema';
import { MAX_PROBLEMS, problemList } from './problems';
import { taskByFileName } from './tasksByStem';

export interface ImportOptions {
  /**
   * What to do with a category whose name is not a project label: 'add' (default) appends it to
   * the project's labels; 'reject' refuses the whole file.
   */
  unknownLabels?: 'add' | 'reject';
  /**
   * What the file's boxes become (importBoxes.ts): `segment`, masks the click model makes of them
   * after the import; `rectangle`, filled boxes; `skip`, nothing (counted). YOLO's default is
   * `rectangle` (a box line was always read so), the other formats' `skip`.
   */
  boxes?: BoxMode;
  /** Who makes masks of the boxes with `boxes: 'segment'` (the server's pre-labeller; planAndApply's, the plans never read it). */
  boxRunner?: BoxRunner;
  /** Plan and report only: nothing is written, no run started (planAndApply's). */
  dryRun?: boolean;
  /** File label → project label, instead of a new label (planAndApply's, labelMap.ts). */
  labelMap?: LabelMap;
}

export interface PlannedObject {
  label: string;
  mask: Rle;
  /** Values of the label's attributes found in the annotation's `attributes` (others are ignored). */
  attributes: Record<string, AttributeValue>;
  /** The annotation id in the file, for messages and the report. */
  sourceId: string;
}

export interface ImportPlan {
  /** Labels to append to the project (empty when every category is known). */
  newLabels: Label[];
  /** Objects per task id, in file order. */
  byTask: Map<string, PlannedObject[]>;
  /** file_names of images that match no task (their annotations are not imported). */
  unmatchedImages: string[];
  /** Annotations left out because their mask is empty. */
  emptyMasks: number;
  /** Attribute values in the file that the label defines but that do not fit its definition (left at the default). */
  invalidAttributes: number;
  /** The image's own attribute values per task id (COCO `images[].attributes`, as the project defines them). */
  imageAttributes?: Map<string, Record<string, AttributeValue>>;
  /** Definitions of the image's own attributes for a project that has none yet (a Tandem export's `info.image_attributes`). */
  newImageAttributes?: AttributeSpec[];
  /** Names of image attributes the file gives values of that the project does not define (not imported). */
  unknownImageAttributes?: string[];
  /** Pascal VOC: objects of Annotations/*.xml that described no instance of the masks (their attributes not imported). */
  unmatchedObjects?: number;
  /** CVAT: shapes that are not masks (boxes, polylines, points, tags…), not imported. */
  unsupportedShapes?: number;
  /** Boxes kept for the click model (`boxes: 'segment'`), per task id in file order. */
  boxes?: Map<string, PlannedBox[]>;
  /** Boxes of the file read (as rectangles or for the click model; 0 when left out), and as what. */
  boxesRead?: number;
  boxesAs?: BoxMode;
}

/** Validates a parsed COCO JSON value against the project and its tasks. Throws validation_failed. */
export function planCocoImport(json: unknown, project: Project, tasks: Task[], opts: ImportOptions = {}): ImportPlan {
  const parsed = CocoImportSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, MAX_PROBLEMS).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new TandemError(ErrorCode.ValidationFailed, `not a COCO instances file: ${problems.join('; ')}`);
  }
  const coco = parsed.data;
  const problems = problemList();
  const problem = problems.add;

  // Images are matched to tasks by file name: exact first, then without directories.
  const taskOf = taskByFileName(tasks);
  const imageTask = new Map<string, Task | null>();
  const unmatchedImages: string[] = [];
  const claimed = new Map<string, string>();
  // The image's own attributes, read as the project defines them (a Tandem export writes them),
  // or as the file does for a project that defines none yet (its definitions come with it).
  const ownSpecs = project.settings?.imageAttributes ?? [];
  const fileSpecs = AttributeSpecListSchema.safeParse((coco.info as { image_attributes?: unknown } | undefined)?.image_attributes);
  const newImageAttributes = !ownSpecs.length && fileSpecs.success && fileSpecs.data.length ? fileSpecs.data : undefined;
  const imageReader = attributeReader(new Map([['', newImageAttributes ?? ownSpecs]]));
  const imageAttributes = new Map<string, Record<string, AttributeValue>>();
  const imageNames = new Set((newImageAttributes ?? ownSpecs).map((a) => a.name));
  const unknownImageAttributes = new Set<string>();
  for (const img of coco.images) {
    const key = String(img.id);
    if (imageTask.has(key)) problem(`images: duplicate image id ${key}`);
    const task = taskOf(img.file_name);
    imageTask.set(key, task);
    if (!task) {
      unmatchedImages.push(img.file_name);
      continue;
    }
    const other = claimed.get(task.id);
    if (other) problem(`images: ${img.file_name} and ${other} both match task ${task.name}`);
    claimed.set(task.id, img.file_name);
    const values = imageReader.read(img.attributes, '');
    if (img.attributes && typeof img.attributes === 'object') for (const n of Object.keys(img.attributes)) if (!imageNames.has(n)) unknownImageAttributes.add(n);
    if (Object.keys(values).length) imageAttributes.set(task.id, values);
    if (img.width !== task.width || img.height !== task.height) {
      problem(`images: ${img.file_name} is ${img.width}x${img.height} in the file but ${task.width}x${task.height} in the project`);
    }
  }
  if (coco.images.length > 0 && claimed.size === 0) {
    problem(`no image of the file matches a task of project ${project.name} by file name`);
  }

  const known = new Set(project.labels.map((l) => l.name));
  const newLabels: Label[] = [];
  const catName = new Map<string, string>();
  for (const c of coco.categories) {
    const key = String(c.id);
    if (catName.has(key)) problem(`categories: duplicate category id ${key}`);
    catName.set(key, c.name);
    if (!known.has(c.name)) {
      if (opts.unknownLabels === 'reject') problem(`categories: "${c.name}" is not a label of project ${project.name}`);
      else {
        known.add(c.name);
        // A Tandem export carries each label's attribute definitions: a new project gets them back.
        const attrs = AttributeSpecListSchema.safeParse(c.attributes);
        newLabels.push({
          name: c.name,
          color: fallbackColor(project.labels.length + newLabels.length),
          ...(attrs.success && attrs.data.length ? { attributes: attrs.data } : {}),
        });
      }
    }
  }

  const specs = new Map([...project.labels, ...newLabels].map((l) => [l.name, l.attributes ?? []]));
  const byTask = new Map<string, PlannedObject[]>();
  let emptyMasks = 0;
  const attributes = attributeReader(specs);
  const boxes = boxSink(opts.boxes);
  coco.annotations.forEach((a, i) => {
    const where = `annotations.${i} (id ${a.id ?? '?'})`;
    const imageKey = String(a.image_id);
    if (!imageTask.has(imageKey)) return problem(`${where}: image_id ${imageKey} is not in images`);
    const label = catName.get(String(a.category_id));
    if (label === undefined) return problem(`${where}: category_id ${a.category_id} is not in categories`);
    const task = imageTask.get(imageKey);
    if (!task) return; // image not in this project: reported in unmatchedImages
    const list = byTask.get(task.id) ?? [];
    const sourceId = String(a.id ?? i);
    // A detection file's annotation: its bbox ([x, y, width, height]) and no outline.
    if (!a.segmentation || (Array.isArray(a.segmentation) && !a.segmentation.length)) {
      if (!a.bbox) return problem(`${where}: it has neither a segmentation nor a bbox`);
      if (!boxes.wanted) return void boxes.skipped++;
      const [x, y, w, h] = a.bbox;
      try {
        boxes.take(task, { label, box: boxInImage([x, y, x + w, y + h], task), attributes: attributes.read(a.attributes, label), sourceId }, list);
      } catch (e) {
        return problem(`${where}: ${(e as Error).message}`);
      }
    } else {
      let mask: Rle;
      try {
        mask = toRle(a.segmentation, task);
      } catch (e) {
        return problem(`${where}: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (rleArea(mask) === 0) {
        emptyMasks++;
        return;
      }
      list.push({ label, mask, attributes: attributes.read(a.attributes, label), sourceId });
    }
    if (list.length) byTask.set(task.id, list);
  });

  problems.throwIfAny('COCO');
  return {
    newLabels, byTask, unmatchedImages, emptyMasks: emptyMasks + boxes.empty, invalidAttributes: attributes.invalid + imageReader.invalid, imageAttributes, newImageAttributes, unknownImageAttributes: [...unknownImageAttributes],
    unsupportedShapes: boxes.skipped, ...boxes.plan(),
  };
}

/** Any COCO segmentation to the compressed RLE the document stores, in the task's image size. */
function toRle(seg: CocoSegmentation, task: Task): Rle {
  if (Array.isArray(seg)) {
    // Polygons are in image pixels; pycocotools rasterises them at the image size.
    return polygonsToRle(seg, task.width, task.height);
  }
  const [h, w] = seg.size;
  if (h !== task.height || w !== task.width) {
    throw new Error(`RLE size [${h}, ${w}] is not the image size [${task.height}, ${task.width}]`);
  }
  if (typeof seg.counts === 'string') {
    // Kept byte for byte once it decodes cleanly: the round trip cannot change a pixel.
    const rle: Rle = { size: [h, w], counts: seg.counts };
    if (!isValidRle(rle)) throw new Error('corrupt compressed RLE (bad characters or runs that do not cover the image)');
    return rle;
  }
  return fromUncompressed({ size: [h, w], counts: seg.counts });
}

