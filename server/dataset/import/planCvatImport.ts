// Step 1 of a CVAT import: "CVAT for images 1.1" XML (annotations.xml, alone or in the zip CVAT
// exports), the format a team leaving CVAT has its work in, or "CVAT for video 1.1" (a video's
// <track>s, given as one image per frame: cvatTracks.ts). Each <image> is matched to a task by
// file name (then without folders, as COCO); its <polygon>s are rasterised as COCO's polygons are,
// its <mask>s (CVAT's brush: `rle` runs, background first, row by row inside the box at `left`,
// `top` of `width` x `height`) and <ellipse>s (a fine polygon of the curve) become masks, in CVAT's drawing order (z_order, then file order).
// Each shape's <attribute>s, and CVAT's own `occluded` flag where the label defines an
// `occluded` attribute, are checked against the label's definitions; labels new to the project
// come with the colour and the attribute definitions of the file's <meta> (checkbox, select / radio, number,
// text). An image's <tag>s set its own attributes where the project defines them: a checkbox
// named as the tag's label is ticked, the tag's <attribute>s set those of their names (others are
// reported in `unknownImageAttributes`); a project defining none takes the tags' definitions
// (a tag label's <meta> attributes, else a checkbox of its name), as COCO's import does. <box>es become what the import asks (importBoxes.ts: masks
// the click model makes of them, rectangles, or nothing; a turned one, `rotation`, its outline);
// polylines, points, cuboids and skeletons are no masks: counted in `unsupportedShapes`, not
// imported. Like every import it checks the whole file first and writes nothing when one thing is wrong.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { polygonsToRle } from '../../../shared/codecs/polygon';
import { encodeRle, rleArea, type Rle } from '../../../shared/codecs/rle';
import { ellipseRing } from '../../../shared/geometry/ellipse';
import { ErrorCode, TandemError } from '../../../shared/protocol/errors';
import { AttributeSpecSchema, type AttributeSpec } from '../../../shared/schema/attributes';
import type { Project, Task } from '../../storage/types';
import { imageAttributeReader } from './importAttributes';
import { boxSink, turnedInImage } from './importBoxes';
import { frameNames, framesOfTracks } from './cvatTracks';
import { hexColour, labelCollector } from './importLabels';
import type { ImportOptions, ImportPlan, PlannedObject } from './planCocoImport';
import { problemList } from './problems';
import { imageMatcher } from './tasksByStem';

/** What CVAT draws that is not a mask (counted, not imported). */
const NOT_MASKS = ['polyline', 'points', 'cuboid', 'skeleton'] as const;
const LISTS = new Set(['image', 'track', 'polygon', 'mask', 'ellipse', 'box', 'label', 'attribute', 'tag', ...NOT_MASKS]);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false, // '007' stays a text; the label's definition says what it is
  parseAttributeValue: false,
  processEntities: false, // no DOCTYPE entity expansion: the file is data, never markup
  isArray: (name) => LISTS.has(name),
});

type Node = Record<string, unknown>;
const list = (v: unknown): Node[] => (Array.isArray(v) ? (v as Node[]) : []);
const text = (v: unknown): string => (typeof v === 'string' ? v : v && typeof v === 'object' && typeof (v as Node)['#text'] === 'string' ? ((v as Node)['#text'] as string) : '');

/** A label's attribute definitions as CVAT's <meta> writes them; those that do not fit are left out. */
function specsOf(label: Node): AttributeSpec[] {
  const out: AttributeSpec[] = [];
  for (const a of list((label.attributes as Node | undefined)?.attribute)) {
    const name = text(a.name).trim();
    const lines = text(a.values).split('\n').map((v) => v.trim());
    const num = (v: string | undefined) => (v && Number.isFinite(Number(v)) ? Number(v) : undefined);
    const type = text(a.input_type);
    const spec =
      type === 'checkbox' ? { name, type: 'checkbox', default: text(a.default_value) === 'true' }
      : type === 'select' || type === 'radio' ? { name, type: 'select', options: lines.filter(Boolean), default: text(a.default_value) || undefined }
      : type === 'number' ? { name, type: 'number', min: num(lines[0]), max: num(lines[1]), step: num(lines[2]) }
      : type === 'text' ? { name, type: 'text', default: text(a.default_value) }
      : null;
    const parsed = AttributeSpecSchema.safeParse(spec);
    if (parsed.success) out.push(parsed.data);
  }
  return out;
}

/**
 * A CVAT brush mask, its runs inside its box, painted on `image` (the image's size, zeros) and
 * encoded reading only the box, then wiped there again: one image-sized buffer per image, not
 * one per mask (a fresh 24 MP array costs ~85 ms on a VM; a photo can hold a hundred masks).
 */
function maskFromRuns(shape: Node, image: Uint8Array, width: number, height: number): Rle {
  const left = Number(shape['@_left']);
  const top = Number(shape['@_top']);
  const w = Number(shape['@_width']);
  const h = Number(shape['@_height']);
  if (![left, top, w, h].every(Number.isInteger) || left < 0 || top < 0 || w < 1 || h < 1 || left + w > width || top + h > height) {
    throw new Error(`its box (left ${shape['@_left']}, top ${shape['@_top']}, ${shape['@_width']}x${shape['@_height']}) is not inside the ${width}x${height} image`);
  }
  const runs = String(shape['@_rle'] ?? '').split(',').map((s) => Number(s.trim()));
  if (!runs.every((r) => Number.isInteger(r) && r >= 0)) throw new Error('its rle is not a list of run lengths');
  if (runs.reduce((a, b) => a + b, 0) !== w * h) throw new Error(`its rle covers ${runs.reduce((a, b) => a + b, 0)} pixels, its box ${w * h}`);
  let i = 0;
  runs.forEach((r, k) => {
    if (k % 2 === 1) for (let j = i; j < i + r; j++) image[(top + Math.floor(j / w)) * width + left + (j % w)] = 1;
    i += r;
  });
  const rle = encodeRle(image, width, height, { x0: left, y0: top, x1: left + w, y1: top + h });
  for (let y = top; y < top + h; y++) image.fill(0, y * width + left, y * width + left + w);
  return rle;
}

/** `x1,y1;x2,y2;…` as COCO's flat polygon. */
function polygonOf(shape: Node): number[] {
  const flat = String(shape['@_points'] ?? '').split(';').flatMap((p) => p.split(',').map(Number));
  if (flat.length < 6 || flat.length % 2 || !flat.every(Number.isFinite)) throw new Error('its points are not a polygon of 3 or more x,y pairs');
  return flat;
}

/** An <ellipse> (`cx`, `cy`, `rx`, `ry`, `rotation` in degrees) as the polygon it is rasterised from. */
function ellipseOf(shape: Node): number[] {
  const [cx, cy, rx, ry] = ['@_cx', '@_cy', '@_rx', '@_ry'].map((k) => Number(shape[k] ?? NaN));
  const turn = Number(shape['@_rotation'] ?? 0);
  if (![cx, cy, rx, ry, turn].every(Number.isFinite) || rx <= 0 || ry <= 0) throw new Error('its cx, cy, rx, ry are not an ellipse');
  return ellipseRing(cx, cy, rx, ry, turn);
}

/**
 * The image attributes a file's tags define, for a project that has none: a tag label's attribute
 * definitions in <meta> (a tag that carries values, as Tandem's export writes them), else a
 * checkbox of the label's name (a flag: "good_frame", "night").
 */
function tagSpecs(images: Node[], fileSpecs: Map<string, AttributeSpec[]>): AttributeSpec[] {
  const specs = new Map<string, AttributeSpec>();
  const labels = new Set(images.flatMap((img) => list(img.tag).map((t) => text(t['@_label']))));
  for (const label of labels) {
    const own = fileSpecs.get(label) ?? [];
    for (const s of own.length ? own : [{ name: label, type: 'checkbox' as const }]) if (s.name && !specs.has(s.name)) specs.set(s.name, s);
  }
  return [...specs.values()];
}

/** The root of a CVAT XML, or a validation_failed saying why it is not one. */
function parseCvat(xml: string): Node {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new TandemError(ErrorCode.ValidationFailed, `not a CVAT XML file: not well-formed (line ${valid.err.line}: ${valid.err.msg})`);
  const root = (parser.parse(xml) as Node).annotations;
  if (!root || typeof root !== 'object') throw new TandemError(ErrorCode.ValidationFailed, 'not a CVAT XML file: no <annotations> element');
  return root as Node;
}

/** Validates a CVAT for images (or video) XML against the project and its tasks. Throws validation_failed. */
export function planCvatImport(xml: string, project: Project, tasks: Task[], opts: ImportOptions = {}): ImportPlan {
  const root = parseCvat(xml);
  const problems = problemList();
  const problem = problems.add;
  // The labels as a task's, a project's or a job's export defines them.
  const meta = (root.meta ?? {}) as Node;
  const owner = (meta.task ?? meta.project ?? meta.job) as Node | undefined;
  const defined = list((owner?.labels as Node | undefined)?.label);
  const fileSpecs = new Map(defined.map((l) => [text(l.name), specsOf(l)]));
  const colours = new Map(defined.map((l) => [text(l.name), hexColour(text(l.color))]));

  const labels = labelCollector(project, opts, problem, (name) => fileSpecs.get(name) ?? [], (name) => ({ color: colours.get(name) }));
  // A video's tracks (CVAT for video 1.1) come as one image per frame with what they show on it.
  const video = framesOfTracks(root, owner);
  if (video.badFrames) problem(`${video.badFrames} shapes of its tracks have no frame number`);
  const images = [...list(root.image), ...video.images];
  const boxes = boxSink(opts.boxes);
  const kinds = boxes.wanted ? (['polygon', 'mask', 'ellipse', 'box'] as const) : (['polygon', 'mask', 'ellipse'] as const);
  for (const img of images) for (const kind of kinds) for (const s of list(img[kind])) labels.add(text(s['@_label']), "a shape's");
  const attributes = labels.reader();
  const image = imageAttributeReader(project, tagSpecs(images, fileSpecs));
  const matcher = imageMatcher(tasks, problem, video.tracks ? frameNames(tasks, video.size) : undefined);

  const byTask = new Map<string, PlannedObject[]>();
  let emptyMasks = 0;
  let unsupportedShapes = 0;
  for (const img of images) {
    const name = text(img['@_name']);
    for (const kind of NOT_MASKS) unsupportedShapes += list(img[kind]).length;
    if (!boxes.wanted) unsupportedShapes += list(img.box).length;
    const task = matcher.match(name);
    if (!task) continue;
    // A video's frames have a size only where <meta> says it (original_size).
    if (img['@_width'] !== undefined && (Number(img['@_width']) !== task.width || Number(img['@_height']) !== task.height)) {
      problem(`${name} is ${img['@_width']}x${img['@_height']} in the file but ${task.width}x${task.height} in the project`);
      continue;
    }
    const given: Record<string, string> = {};
    for (const tag of list(img.tag)) {
      // A tag with values carries them (Tandem's export: one `image` tag); its label is no attribute itself unless one is named so.
      const label = text(tag['@_label']);
      if (!list(tag.attribute).length || image.defines(label)) given[label] = 'true';
      for (const a of list(tag.attribute)) given[text(a['@_name'])] = text(a);
    }
    image.read(task.id, given);
    const shapes = [...list(img.polygon).map((s) => ['polygon', s] as const), ...list(img.mask).map((s) => ['mask', s] as const), ...list(img.ellipse).map((s) => ['ellipse', s] as const), ...(boxes.wanted ? list(img.box) : []).map((s) => ['box', s] as const)]
      .map(([kind, s], order) => ({ kind, s, order, z: Number(s['@_z_order'] ?? 0) || 0 }))
      .sort((a, b) => a.z - b.z || a.order - b.order);
    const objects: PlannedObject[] = [];
    let canvas: Uint8Array | null = null; // the masks' buffer, made when the image has one
    for (const { kind, s, order } of shapes) {
      const label = text(s['@_label']);
      const given: Record<string, string> = Object.fromEntries(list(s.attribute).map((a) => [text(a['@_name']), text(a)]));
      if (s['@_occluded'] === '1' && !('occluded' in given)) given.occluded = 'true';
      const sourceId = s['@_track'] !== undefined ? `${name}#track${s['@_track']}` : `${name}#${kind}${order + 1}`;
      if (kind === 'box') {
        try {
          // Turned by `rotation` degrees about its centre: its bounds prompt the model, its outline keeps the mask.
          const [x0, y0, x1, y1] = ['@_xtl', '@_ytl', '@_xbr', '@_ybr'].map((k) => Number(s[k] ?? NaN));
          boxes.take(task, { label, ...turnedInImage(x0, y0, x1, y1, Number(s['@_rotation'] ?? 0), task), attributes: attributes.read(given, label), sourceId }, objects);
        } catch (e) {
          problem(`${name}: box ${order + 1} (${label}): ${(e as Error).message}`);
        }
        continue;
      }
      let mask;
      try {
        mask =
          kind === 'polygon' ? polygonsToRle([polygonOf(s)], task.width, task.height)
          : kind === 'ellipse' ? polygonsToRle([ellipseOf(s)], task.width, task.height)
          : maskFromRuns(s, (canvas ??= new Uint8Array(task.width * task.height)), task.width, task.height);
      } catch (e) {
        problem(`${name}: ${kind} ${order + 1} (${label}): ${(e as Error).message}`);
        continue;
      }
      if (rleArea(mask) === 0) {
        emptyMasks++;
        continue;
      }
      objects.push({ label, mask, attributes: attributes.read(given, label), sourceId });
    }
    if (objects.length) byTask.set(task.id, objects);
  }
  const unmatched = new Set(matcher.unmatched);
  if (video.images.length && video.images.every((f) => unmatched.has(text(f['@_name'])))) {
    problem(`no frame of the video matches an image of project ${project.name}: its frames are matched to images named frame_000000, frame_000001… (as CVAT exports them), or in file-name order where the project holds exactly the video's ${video.size ?? '?'} frames`);
  }
  matcher.done(images.length, project.name);
  problems.throwIfAny('CVAT');
  return {
    newLabels: labels.newLabels, byTask, unmatchedImages: matcher.unmatched, emptyMasks: emptyMasks + boxes.empty, invalidAttributes: attributes.invalid + image.invalid,
    unsupportedShapes, ...image.plan(), ...boxes.plan(),
  };
}

