// Step 1 of a Label Studio import: its JSON export (an array of tasks, each with its image in
// `data` and its `annotations[].result` regions), the format a team leaving Label Studio has its
// work in. A task's image is matched to a Tandem task by file name: the basename of its URL, then
// without the 8-hex prefix Label Studio puts on uploaded files ("8f3a2b1c-street.jpg"). Of its
// annotations the last one not cancelled is taken (one per image; the others are other people's
// takes). Its `polygonlabels` regions (points in percent of the image) are rasterised as COCO's
// polygons are, its `brushlabels` regions (Label Studio's RLE over the image's RGBA, shared/codecs/lsBrush.ts:
// the alpha channel the mask, at least half opaque counted in) and its `ellipselabels` (centre and
// radii in percent of the image's width and height, turned about the centre) become masks; a region's other
// results of the same id (choices, text, a number: per-region classifications) are its attribute
// values, named by their `from_name`, checked against the label's definitions; a classification
// of the image itself (no region's id) sets the image attribute of its `from_name` where the
// project defines one (others reported in `unknownImageAttributes`); a choice of several options
// (the config's `choice="multiple"`, or a result holding more than one) ticks a checkbox per option
// chosen, named as the option; the export holds no labelling config, so a new label's attributes,
// and the image's in a project defining none, are defined from the config zipped beside it
// (lsConfig.ts) and then from the results (specsFromResults). Rectangles become what the
// import asks (importBoxes.ts; a turned one, about its top-left corner, its outline); keypoints and
// other labelled regions are no masks: counted in `unsupportedShapes`.
// Like every import it checks the whole file first and writes nothing when one thing is wrong.
import { z } from 'zod';
import { polygonsToRle } from '../../../shared/codecs/polygon';
import { encodeRle, rleArea, type Rle } from '../../../shared/codecs/rle';
import { decodeLsBrush } from '../../../shared/codecs/lsBrush';
import { ellipseRing } from '../../../shared/geometry/ellipse';
import { ErrorCode, TandemError } from '../../../shared/protocol/errors';
import type { AttributeSpec } from '../../../shared/schema/attributes';
import type { Project, Task } from '../../storage/types';
import { imageAttributeReader, specsFromValues } from './importAttributes';
import { boxSink, turnedInImage } from './importBoxes';
import { labelCollector } from './importLabels';
import type { LsConfig } from './lsConfig';
import type { ImportOptions, ImportPlan, PlannedObject } from './planCocoImport';
import { problemList } from './problems';
import { imageMatcher } from './tasksByStem';

const ResultSchema = z.object({
  id: z.string().optional(),
  type: z.string(),
  from_name: z.string().optional(),
  original_width: z.number().optional(),
  original_height: z.number().optional(),
  image_rotation: z.number().optional(),
  value: z.record(z.string(), z.unknown()),
});
const LsTaskSchema = z.object({
  id: z.union([z.number(), z.string()]).optional(),
  data: z.record(z.string(), z.unknown()),
  file_upload: z.string().optional(),
  annotations: z.array(z.object({ was_cancelled: z.boolean().optional(), result: z.array(ResultSchema) })).default([]),
});
const LsExportSchema = z.array(LsTaskSchema);
type LsResult = z.infer<typeof ResultSchema>;

/** The regions that are areas: rasterised or decoded into masks. */
const MASKS = new Set(['polygonlabels', 'brushlabels', 'ellipselabels']);

const IMAGE = /\.(jpe?g|png|webp|bmp|tiff?)(\?|#|$)/i;
/** The image's file name from a task: its upload's name, else the first image URL of its data. */
function imageName(t: z.infer<typeof LsTaskSchema>): string | null {
  const url = t.file_upload ?? Object.values(t.data).find((v): v is string => typeof v === 'string' && IMAGE.test(v));
  if (!url) return null;
  const path = url.split(/[?#]/)[0];
  let base = path.split('/').pop() ?? path;
  try {
    base = decodeURIComponent(base);
  } catch {
    // a literal % in the name: kept as written
  }
  return base;
}

/** A region was drawn on the task's image as it is (not another size, not turned), or an error saying how not. */
function sameImage(r: LsResult, task: Task): void {
  if ((r.original_width ?? task.width) !== task.width || (r.original_height ?? task.height) !== task.height) {
    throw new Error(`it was drawn on a ${r.original_width}x${r.original_height} image, the task's is ${task.width}x${task.height}`);
  }
  if (r.image_rotation) throw new Error(`it was drawn on the image turned by ${r.image_rotation}°, which is not read`);
}

/** A region's mask on the task's image, or why it cannot be one. */
function regionMask(r: LsResult, task: Task): Rle {
  sameImage(r, task);
  if (r.type === 'ellipselabels') {
    const [x, y, rx, ry, turn] = ['x', 'y', 'radiusX', 'radiusY', 'rotation'].map((k) => r.value[k] ?? (k === 'rotation' ? 0 : undefined));
    if (![x, y, rx, ry, turn].every((v) => typeof v === 'number' && Number.isFinite(v)) || (rx as number) <= 0 || (ry as number) <= 0) throw new Error('its x, y, radiusX and radiusY are not an ellipse');
    const pct = (v: unknown, side: number) => ((v as number) / 100) * side;
    return polygonsToRle([ellipseRing(pct(x, task.width), pct(y, task.height), pct(rx, task.width), pct(ry, task.height), turn as number)], task.width, task.height);
  }
  if (r.type === 'polygonlabels') {
    const points = r.value.points;
    if (!Array.isArray(points) || points.length < 3 || !points.every((p) => Array.isArray(p) && p.length === 2 && p.every((v) => typeof v === 'number' && Number.isFinite(v)))) {
      throw new Error('its points are not a polygon of 3 or more [x%, y%] pairs');
    }
    return polygonsToRle([(points as number[][]).flatMap(([x, y]) => [(x / 100) * task.width, (y / 100) * task.height])], task.width, task.height);
  }
  const rle = r.value.rle;
  if (r.value.format !== 'rle' || !Array.isArray(rle) || !rle.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)) throw new Error('its brush is not Label Studio RLE bytes');
  let mask: Uint8Array;
  try {
    mask = decodeLsBrush(Uint8Array.from(rle as number[]), task.width, task.height);
  } catch (e) {
    const why = (e as Error).message;
    throw new Error(why.startsWith('its brush') ? why : `its brush RLE does not decode (${why})`);
  }
  return encodeRle(mask, task.width, task.height);
}

/** A rectangle in the task's pixels (Label Studio keeps it in percent of the image), turned by `rotation` degrees about its top-left corner as Label Studio draws it. */
function rectangleBox(r: LsResult, task: Task): ReturnType<typeof turnedInImage> {
  sameImage(r, task);
  const [x, y, w, h] = ['x', 'y', 'width', 'height'].map((k) => r.value[k]);
  if (![x, y, w, h].every((v) => typeof v === 'number')) throw new Error('its x, y, width and height are not numbers');
  const [x0, y0, x1, y1] = [((x as number) / 100) * task.width, ((y as number) / 100) * task.height, (((x as number) + (w as number)) / 100) * task.width, (((y as number) + (h as number)) / 100) * task.height];
  return turnedInImage(x0, y0, x1, y1, Number(r.value.rotation ?? 0), task, [x0, y0]);
}

/** The value a per-region classification gives (its first choice, text or number). */
function classified(r: LsResult): unknown {
  const v = r.value;
  for (const key of ['choices', 'text', 'taxonomy']) if (Array.isArray(v[key])) return (v[key] as unknown[])[0];
  for (const key of ['number', 'rating']) if (typeof v[key] === 'number') return v[key];
  return undefined;
}

/** The choices a result holds, as text. */
const chosen = (r: LsResult) => (r.type === 'choices' && Array.isArray(r.value.choices) ? (r.value.choices as unknown[]).map(String) : []);

/** The controls that take several choices (the config says so, or a result holds more than one): a checkbox per option. */
function multipleChoices(tasks: Array<readonly LsResult[]>, config: LsConfig | undefined): Set<string> {
  const out = new Set(config?.multiple);
  for (const results of tasks) for (const r of results) if (r.from_name && chosen(r).length > 1) out.add(r.from_name);
  return out;
}

/** A classification's values by attribute name: a multiple choice ticks a checkbox per option chosen. */
function valuesOf(r: LsResult, multiple: ReadonlySet<string>): Record<string, unknown> {
  if (multiple.has(r.from_name!)) return Object.fromEntries(chosen(r).map((c) => [c, true]));
  const v = classified(r);
  return v === undefined ? {} : { [r.from_name!]: v };
}

/**
 * What a file's classifications define, by owner (a region's label, or '' the image): Label
 * Studio's export holds no labelling config, so a new label's attributes (and the image's, for a
 * project defining none) are made from the results (importAttributes.ts specsFromValues).
 */
function specsFromResults(tasks: Array<readonly LsResult[]>, multiple: ReadonlySet<string>): Map<string, AttributeSpec[]> {
  const specs = specsFromValues();
  for (const results of tasks) {
    const labelOf = new Map(results.filter((r) => r.type.endsWith('labels') && r.id).map((r) => [r.id!, (r.value[r.type] as unknown[] | undefined)?.[0]]));
    for (const r of results) {
      if (r.type.endsWith('labels') || !r.from_name) continue;
      const kind = r.type === 'textarea' ? 'text' : r.type === 'number' || r.type === 'rating' ? 'number' : r.type === 'choices' || r.type === 'taxonomy' ? 'choice' : null;
      if (!kind) continue;
      const owner = r.id && labelOf.has(r.id) ? String(labelOf.get(r.id) ?? '') : '';
      if (multiple.has(r.from_name)) {
        for (const c of chosen(r)) specs.note(owner, c, 'choice', ['true']); // a checkbox of the option's name
        continue;
      }
      const v = classified(r);
      specs.note(owner, r.from_name, kind, kind === 'choice' && v !== undefined ? [String(v)] : []);
    }
  }
  return specs.specs();
}

/** The config's definitions first, then what the values define that it does not (a control it lacks). */
function withConfig(fromValues: Map<string, AttributeSpec[]>, config: LsConfig | undefined): Map<string, AttributeSpec[]> {
  if (!config) return fromValues;
  const out = new Map(config.specs);
  for (const [owner, specs] of fromValues) {
    const have = out.get(owner) ?? [];
    out.set(owner, [...have, ...specs.filter((s) => !have.some((h) => h.name === s.name))]);
  }
  return out;
}

/**
 * Validates a Label Studio JSON export against the project and its tasks (`config`: its project's
 * labelling config, lsConfig.ts, for the new labels' colours and definitions). Throws validation_failed.
 */
export function planLabelStudioImport(json: unknown, project: Project, tasks: Task[], opts: ImportOptions = {}, config?: LsConfig): ImportPlan {
  const parsed = LsExportSchema.safeParse(json);
  if (!parsed.success) {
    const where = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new TandemError(ErrorCode.ValidationFailed, `not a Label Studio JSON export (an array of tasks with data and annotations): ${where.join('; ')}`);
  }
  const problems = problemList();
  const problem = problems.add;
  // Label Studio puts an 8-hex prefix on the files uploaded to it.
  const matcher = imageMatcher(tasks, problem, (name) => name.replace(/^[0-9a-f]{8}-/, ''));
  const regions = (t: z.infer<typeof LsTaskSchema>) => [...t.annotations].reverse().find((a) => !a.was_cancelled)?.result ?? [];
  const multiple = multipleChoices(parsed.data.map(regions), config);
  const fileSpecs = withConfig(specsFromResults(parsed.data.map(regions), multiple), config);
  const labels = labelCollector(project, opts, problem, (name) => fileSpecs.get(name) ?? [], (name) => config && { color: config.colours.get(name), description: config.hints.get(name) });
  const labelOf = (r: LsResult) => {
    const names = r.value[r.type];
    return Array.isArray(names) && typeof names[0] === 'string' ? names[0] : '';
  };
  const boxes = boxSink(opts.boxes);
  const isBox = (r: LsResult) => boxes.wanted && r.type === 'rectanglelabels';
  for (const t of parsed.data) {
    for (const r of regions(t)) {
      if (MASKS.has(r.type) || isBox(r)) labels.add(labelOf(r), "a region's");
    }
  }
  const attributes = labels.reader();
  const image = imageAttributeReader(project, fileSpecs.get('') ?? []);

  const byTask = new Map<string, PlannedObject[]>();
  let emptyMasks = 0;
  let unsupportedShapes = 0;
  parsed.data.forEach((t, k) => {
    const name = imageName(t);
    if (!name) return void matcher.unmatched.push(`task ${t.id ?? k} (no image file name in its data)`);
    const task = matcher.match(name);
    if (!task) return;
    const results = regions(t);
    // A region's per-region classifications: the other results that share its id.
    // A classification without a region of its id is the image's own.
    const values = new Map<string, Record<string, unknown>>();
    const regionIds = new Set(results.filter((r) => r.type.endsWith('labels')).map((r) => r.id));
    const own: Record<string, unknown> = {};
    for (const r of results) {
      if (r.type.endsWith('labels') || !r.from_name) continue;
      const v = valuesOf(r, multiple);
      if (r.id && regionIds.has(r.id)) values.set(r.id, { ...values.get(r.id), ...v });
      else Object.assign(own, v);
    }
    image.read(task.id, own);
    const objects: PlannedObject[] = [];
    results.forEach((r, i) => {
      const label = labelOf(r);
      const sourceId = `${name}#${r.id ?? i + 1}`;
      if (isBox(r)) {
        try {
          boxes.take(task, { label, ...rectangleBox(r, task), attributes: attributes.read(r.id ? values.get(r.id) : undefined, label), sourceId }, objects);
        } catch (e) {
          problem(`${name}: region ${r.id ?? i + 1} (${label}): ${(e as Error).message}`);
        }
        return;
      }
      if (!MASKS.has(r.type)) {
        // A labelled region of another kind (a rectangle, a keypoint) is counted; a classification
        // (of a region, read above, or of the image) is no shape.
        if (r.type.endsWith('labels')) unsupportedShapes++;
        return;
      }
      let mask: Rle;
      try {
        mask = regionMask(r, task);
      } catch (e) {
        return problem(`${name}: region ${r.id ?? i + 1} (${label}): ${(e as Error).message}`);
      }
      if (rleArea(mask) === 0) {
        emptyMasks++;
        return;
      }
      objects.push({ label, mask, attributes: attributes.read(r.id ? values.get(r.id) : undefined, label), sourceId });
    });
    if (objects.length) byTask.set(task.id, objects);
  });
  matcher.done(parsed.data.length, project.name);
  problems.throwIfAny('Label Studio');
  return {
    newLabels: labels.newLabels, byTask, unmatchedImages: matcher.unmatched, emptyMasks: emptyMasks + boxes.empty, invalidAttributes: attributes.invalid + image.invalid,
    unsupportedShapes, ...image.plan(), ...boxes.plan(),
  };
}
