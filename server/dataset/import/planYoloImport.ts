// Step 1 of a YOLO import (Ultralytics layout, what a YOLOv8-seg model's predictions or another
// tool's export look like): a zip of `labels/<stem>.txt`, one object per line, with the class names
// in `data.yaml` (`names`, a list or an id map) or `classes.txt`. A line is a polygon
// (`<class> x1 y1 x2 y2 ...`) or a box (`<class> cx cy w h`), normalised to 0..1 by the image
// size; a box is its rectangle, or, as the import asks, the click model's mask of it or nothing
// (importBoxes.ts). Label files are matched to tasks by file stem. Like the COCO import it validates
// everything first and writes nothing when one line is wrong (applyImportPlan writes the plan).
// YOLO has no holes and no multi-part objects: each line is one object, unless the zip's
// objects.csv (a Tandem export's) says which lines are parts of one object and gives each
// object's attribute values.
import { parse as parseYaml } from 'yaml';
import { polygonsToRle } from '../../../shared/codecs/polygon';
import { rleArea } from '../../../shared/codecs/rle';
import { ErrorCode, TandemError } from '../../../shared/protocol/errors';
import type { Label, Project, Task } from '../../storage/types';
import { fallbackColor } from '../types';
import type { ImportOptions, ImportPlan, PlannedObject } from './planCocoImport';
import { problemList } from './problems';
import { readZip } from './readZip';
import { tasksByStem } from './tasksByStem';
import { attributeReader } from './importAttributes';
import { boxInImage, boxSink } from './importBoxes';
import { readYoloObjectsCsv, YOLO_OBJECTS_CSV, type YoloLineInfo } from './readYoloObjectsCsv';

/** What an archive may unpack to: label text is small, so more is a zip bomb or the wrong file. */
export const MAX_YOLO_UNPACKED_BYTES = 256 * 1024 * 1024;
/** Coordinates a little past the image (rounding in other tools) are clamped, further ones refused. */
const SLACK = 0.01;
/** Image-path lists that sit beside the labels in Ultralytics datasets: not label files. */
const LISTS = /^(classes|train|val|valid|test)\.txt$/i;

interface Archive {
  labels: Array<{ path: string; stem: string; text: string }>;
  names: string[] | null;
  /** objects.csv's rows by `<label file>:<line>`, or null without one. */
  objects: Map<string, YoloLineInfo> | null;
}

/** The label files and class names in a zip; throws bad_request / payload_too_large. */
export function readYoloArchive(bytes: Uint8Array): Archive {
  const files = readZip(bytes, (name) => /\.(txt|ya?ml)$/i.test(name) || YOLO_OBJECTS_CSV.test(name), MAX_YOLO_UNPACKED_BYTES, 'YOLO labels');
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  const base = (p: string) => p.split('/').pop() ?? p;
  const paths = Object.keys(files);
  const yamlPath = paths.find((p) => base(p).toLowerCase() === 'data.yaml') ?? paths.find((p) => /\.ya?ml$/i.test(p));
  const classesPath = paths.find((p) => base(p).toLowerCase() === 'classes.txt');
  const names = yamlPath ? yamlNames(text(files[yamlPath]), yamlPath) : classesPath ? linesOf(text(files[classesPath])) : null;
  // Under labels/ when there is such a folder (Ultralytics' layout), else every other .txt.
  const txt = paths.filter((p) => /\.txt$/i.test(p) && !LISTS.test(base(p)));
  const inLabels = txt.filter((p) => p.split('/').slice(0, -1).includes('labels'));
  const labels = (inLabels.length ? inLabels : txt).map((p) => ({ path: p, stem: base(p).replace(/\.txt$/i, ''), text: text(files[p]) }));
  const csvPath = paths.filter((p) => YOLO_OBJECTS_CSV.test(p)).sort((a, b) => a.split('/').length - b.split('/').length)[0];
  const objects = csvPath === undefined ? null : readYoloObjectsCsv(csvPath, text(files[csvPath]));
  return { labels, names, objects };
}

function yamlNames(source: string, path: string): string[] {
  let doc: unknown;
  try {
    doc = parseYaml(source);
  } catch (e) {
    throw new TandemError(ErrorCode.ValidationFailed, `${path} is not valid YAML: ${(e as Error).message}`);
  }
  const names = (doc as { names?: unknown } | null)?.names;
  if (Array.isArray(names) && names.every((n) => typeof n === 'string' || typeof n === 'number')) return names.map(String);
  if (names && typeof names === 'object') {
    // `names: {0: person, 1: bicycle}`: ids 0..N-1, in any order.
    const byId = Object.entries(names as Record<string, unknown>);
    const out: string[] = [];
    for (const [k, v] of byId) {
      if (!/^\d+$/.test(k) || Number(k) >= byId.length || (typeof v !== 'string' && typeof v !== 'number')) {
        throw new TandemError(ErrorCode.ValidationFailed, `${path}: names must map the ids 0..${byId.length - 1} to names`);
      }
      out[Number(k)] = String(v);
    }
    return out;
  }
  throw new TandemError(ErrorCode.ValidationFailed, `${path} has no names list`);
}

function linesOf(s: string): string[] {
  return s.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
}

/**
 * One label line: its class id and its outline, normalised (a box as its four corners), or what is
 * wrong with it.
 */
function parseLine(line: string): { cls: number; ring: number[]; box?: true } | { problem: string } {
  const [cls, ...rest] = line.split(/\s+/);
  const coords = rest.map(Number);
  if (!/^\d+$/.test(cls)) return { problem: `the class id ${JSON.stringify(cls)} is not a whole number` };
  if (coords.some((c) => !Number.isFinite(c))) return { problem: 'a coordinate is not a number' };
  if (coords.some((c) => c < -SLACK || c > 1 + SLACK)) return { problem: 'coordinates are normalised to 0..1, found one outside' };
  if (coords.length === 4) {
    const [cx, cy, w, h] = coords;
    return { cls: Number(cls), ring: [cx - w / 2, cy - h / 2, cx + w / 2, cy - h / 2, cx + w / 2, cy + h / 2, cx - w / 2, cy + h / 2], box: true };
  }
  if (coords.length >= 6 && coords.length % 2 === 0) return { cls: Number(cls), ring: coords };
  return { problem: `${coords.length} coordinates: a box has 4, a polygon an even number of at least 6` };
}

/** Validates an archive against the project and its tasks. Throws validation_failed. */
export function planYoloImport(bytes: Uint8Array, project: Project, tasks: Task[], opts: ImportOptions = {}): ImportPlan {
  const { labels, names, objects } = readYoloArchive(bytes);
  const problems = problemList();
  const problem = problems.add;
  if (labels.length === 0) throw new TandemError(ErrorCode.ValidationFailed, 'the archive has no YOLO label files (labels/<image name>.txt)');

  // Without a names file, class ids are the project's labels in order (a Tandem export's order).
  const classNames = names ?? project.labels.map((l) => l.name);
  const known = new Set(project.labels.map((l) => l.name));
  const newLabels: Label[] = [];
  for (const n of new Set(classNames)) {
    if (known.has(n)) continue;
    if (opts.unknownLabels === 'reject') problem(`class "${n}" is not a label of project ${project.name}`);
    else newLabels.push({ name: n, color: fallbackColor(project.labels.length + newLabels.length) });
  }

  const byStem = tasksByStem(tasks);
  const attributes = attributeReader(new Map([...project.labels, ...newLabels].map((l) => [l.name, l.attributes ?? []])));

  const byTask = new Map<string, PlannedObject[]>();
  const boxes = boxSink(opts.boxes ?? 'rectangle');
  const unmatchedImages: string[] = [];
  const claimed = new Map<string, string>();
  let emptyMasks = 0;
  let linesDescribed = 0;
  for (const file of labels) {
    const task = byStem.get(file.stem);
    if (!task) {
      unmatchedImages.push(file.path);
      continue;
    }
    const other = claimed.get(task.id);
    if (other) problem(`${file.path} and ${other} both match task ${task.name}`);
    claimed.set(task.id, file.path);
    // The file's objects in order of their first line: a multi-part object's rings together.
    const parts = new Map<string, { label: string; rings: number[][]; given: unknown; where: string; box: boolean }>();
    file.text.split(/\r?\n/).forEach((raw, i) => {
      const line = raw.trim();
      if (!line || line.startsWith('#')) return;
      const where = `${file.path} line ${i + 1}`;
      const parsed = parseLine(line);
      if ('problem' in parsed) return problem(`${where}: ${parsed.problem}`);
      const label = classNames[parsed.cls];
      if (label === undefined) return problem(`${where}: class ${parsed.cls} has no name (${classNames.length} classes)`);
      if (parsed.box && !boxes.wanted) return void boxes.skipped++;
      const px = parsed.ring.map((v, k) => Math.min(1, Math.max(0, v)) * (k % 2 === 0 ? task.width : task.height));
      const info = objects?.get(`${file.path}:${i + 1}`);
      if (info) linesDescribed++;
      // Lines of one object number and class are its parts; any other line is an object.
      const key = info ? `${info.object}\u0000${label}` : `line ${i + 1}`;
      const part = parts.get(key) ?? parts.set(key, { label, rings: [], given: info?.attributes ?? null, where, box: !!parsed.box }).get(key)!;
      if (part.rings.length) part.box = false; // an object of several lines is their union, not a box
      part.rings.push(px);
    });
    for (const { label, rings, given, where, box } of parts.values()) {
      const list = byTask.get(task.id) ?? [];
      // A box line: the import's choice (a rectangle, as YOLO's boxes always were read, or the click model's mask).
      if (box) {
        const [x0, y0, x1, , , y1] = rings[0];
        try {
          boxes.take(task, { label, box: boxInImage([x0, y0, x1, y1], task), attributes: attributes.read(given, label), sourceId: where }, list);
        } catch {
          emptyMasks++; // a box of no area: the empty mask it always made
        }
        if (list.length) byTask.set(task.id, list);
        continue;
      }
      const mask = polygonsToRle(rings, task.width, task.height);
      if (rleArea(mask) === 0) {
        emptyMasks++;
        continue;
      }
      list.push({ label, mask, attributes: attributes.read(given, label), sourceId: where });
      byTask.set(task.id, list);
    }
  }
  if (claimed.size === 0) problem(`no label file of the archive matches a task of project ${project.name} by file name`);
  problems.throwIfAny('YOLO');
  // Rows of objects.csv that named no line of a label file read here: their values went nowhere.
  const unmatchedObjects = objects ? objects.size - linesDescribed : 0;
  return { newLabels, byTask, unmatchedImages, emptyMasks: emptyMasks + boxes.empty, invalidAttributes: attributes.invalid, unmatchedObjects, unsupportedShapes: boxes.skipped, ...boxes.plan() };
}
