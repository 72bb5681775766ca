// Step 1 of a mask import: a zip of binary PNG masks, one object each, in the layout of Tandem's
// evaluation sets (DESIGN contract 7, and of many segmentation datasets): `masks/<image stem>.png`
// or `masks/<image stem>_<k>.png`, 255 (above 128) the object, 0 the background; 128 ("ignore"
// in the evaluation) is background here. A folder between `masks/` and the file names the label
// (`masks/car/street_1.png`), or a `masks.csv` (`file,label[,attributes]` rows, the attribute
// values as JSON, as the masks export writes them);
// without either, the `label` option (default: the project's first label). Masks are matched to tasks by file stem and must have their task's size. Like the other
// imports it checks everything first and writes nothing when one mask is wrong.
import sharp from 'sharp';
import { encodeRle, rleArea } from '../../../shared/codecs/rle';
import { ErrorCode, TandemError } from '../../../shared/protocol/errors';
import type { Label, Project, Task } from '../../storage/types';
import { fallbackColor } from '../types';
import type { ImportOptions, ImportPlan, PlannedObject } from './planCocoImport';
import { parseCsv } from './csv';
import { attributeReader } from './importAttributes';
import { problemList } from './problems';
import { readZip } from './readZip';
import { tasksByStem } from './tasksByStem';

/** What the PNGs of an archive may add up to, compressed: more is a bomb or the wrong file. */
export const MAX_MASK_ARCHIVE_BYTES = 512 * 1024 * 1024;

export interface MaskImportOptions extends ImportOptions {
  /** The label of masks not in a label folder (default: the project's first label). */
  label?: string;
}

interface MaskFile {
  path: string;
  /** The file name without `.png`: `<image stem>` or `<image stem>_<k>`. */
  name: string;
  /** Its label (masks.csv, else its folder's name), or null. */
  folder: string | null;
  /** Its attribute values from masks.csv (JSON text), or ''. */
  attributes: string;
  png: Uint8Array;
}

/** The PNG masks of a zip (under a `masks/` folder when there is one), each with its label from
 *  its folder or from `masks.csv`; throws bad_request. */
export function readMaskArchive(bytes: Uint8Array): MaskFile[] {
  const files = readZip(bytes, (name) => /(^|\/)masks\.csv$/i.test(name) || /\.png$/i.test(name), MAX_MASK_ARCHIVE_BYTES, 'PNG masks');
  const all = Object.keys(files);
  const csvPath = all.find((p) => /(^|\/)masks\.csv$/i.test(p));
  const listed = csvPath ? csvLabels(new TextDecoder().decode(files[csvPath]), csvPath.slice(0, csvPath.length - 'masks.csv'.length)) : new Map<string, { label: string; attributes: string }>();
  const paths = all.filter((p) => /\.png$/i.test(p));
  const inMasks = paths.filter((p) => p.split('/').slice(0, -1).includes('masks'));
  return (inMasks.length ? inMasks : paths).map((path) => {
    const parts = path.split('/');
    const at = parts.lastIndexOf('masks');
    const between = at >= 0 ? parts.slice(at + 1, -1) : [];
    const row = listed.get(path);
    const folder = row?.label ?? (between.length ? between.join('/') : null);
    return { path, name: parts[parts.length - 1].replace(/\.png$/i, ''), folder, attributes: row?.attributes ?? '', png: files[path] };
  });
}

/** `file,label[,attributes]` rows (RFC 4180 quoting; a header row is skipped), files relative to
 *  the CSV's folder. */
function csvLabels(text: string, dir: string): Map<string, { label: string; attributes: string }> {
  const out = new Map<string, { label: string; attributes: string }>();
  for (const [file, label, attributes] of parseCsv(text)) {
    if (!file || !label || (file === 'file' && label === 'label')) continue;
    out.set(dir + file, { label, attributes: attributes ?? '' });
  }
  return out;
}

/** Validates an archive of masks against the project and its tasks. Throws validation_failed. */
export async function planMaskImport(bytes: Uint8Array, project: Project, tasks: Task[], opts: MaskImportOptions = {}): Promise<ImportPlan> {
  const masks = readMaskArchive(bytes);
  if (masks.length === 0) throw new TandemError(ErrorCode.ValidationFailed, 'the archive has no PNG masks (masks/<image name>_<k>.png)');
  const problems = problemList();
  const problem = problems.add;
  const fallback = opts.label ?? project.labels[0]?.name;
  if (!fallback && masks.some((m) => m.folder === null)) problem('the project has no labels: give the masks a label folder (masks/<label>/...) or ?label=');

  const known = new Set(project.labels.map((l) => l.name));
  const newLabels: Label[] = [];
  for (const name of new Set(masks.map((m) => m.folder ?? fallback).filter((n): n is string => !!n))) {
    if (known.has(name)) continue;
    if (opts.unknownLabels === 'reject') problem(`label "${name}" is not a label of project ${project.name}`);
    else newLabels.push({ name, color: fallbackColor(project.labels.length + newLabels.length) });
  }

  const byStem = tasksByStem(tasks);
  const attributes = attributeReader(new Map([...project.labels, ...newLabels].map((l) => [l.name, l.attributes ?? []])));
  const byTask = new Map<string, PlannedObject[]>();
  const unmatchedImages: string[] = [];
  let emptyMasks = 0;
  for (const m of masks) {
    // `street_1` may itself be an image's stem: the exact name first, then without its `_<k>`.
    const task = byStem.get(m.name) ?? byStem.get(m.name.replace(/_\d+$/, ''));
    if (!task) {
      unmatchedImages.push(m.path);
      continue;
    }
    const label = m.folder ?? fallback;
    if (!label) continue;
    let given: unknown = null;
    try {
      given = m.attributes ? JSON.parse(m.attributes) : null;
    } catch {
      problem(`masks.csv: the attributes of ${m.path} are not JSON`);
      continue;
    }
    const mask = await decodeMask(m, task);
    if (typeof mask === 'string') {
      problem(mask);
      continue;
    }
    if (rleArea(mask) === 0) {
      emptyMasks++;
      continue;
    }
    const list = byTask.get(task.id) ?? [];
    list.push({ label, mask, attributes: attributes.read(given, label), sourceId: m.path });
    byTask.set(task.id, list);
  }
  if (byTask.size === 0 && emptyMasks === 0) problem(`no mask of the archive matches a task of project ${project.name} by file name`);
  problems.throwIfAny('Mask');
  return { newLabels, byTask, unmatchedImages, emptyMasks, invalidAttributes: attributes.invalid };
}

/** A PNG as its task's mask (first channel above 128), or what is wrong with it. */
async function decodeMask(m: MaskFile, task: Task) {
  try {
    // The header first: a mask of another size (or a bomb's declared size) is refused undecoded.
    const meta = await sharp(m.png).metadata();
    if (meta.format !== 'png') return `${m.path} is not a PNG`;
    if (meta.width !== task.width || meta.height !== task.height) return `${m.path} is ${meta.width}×${meta.height}, its image ${task.name} is ${task.width}×${task.height}`;
    const { data } = await sharp(m.png).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    const bits = new Uint8Array(task.width * task.height);
    for (let i = 0; i < bits.length; i++) bits[i] = data[i] > 128 ? 1 : 0;
    return encodeRle(bits, task.width, task.height);
  } catch (e) {
    return `${m.path} is not a readable PNG (${(e as Error).message})`;
  }
}
