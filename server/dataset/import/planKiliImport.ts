// Step 1 of a Kili import: Kili's own ("raw") export, the format a team leaving Kili has its work
// in: a list of assets, each with its `externalId` (the image's name) and its label's
// `jsonResponse` (the latest label, `latestLabel`; a consensus export's `latestLabels` or `labels`:
// the newest by `createdAt`). A job of the response with `annotations` is an object job: each
// annotation's first category is its label, `semantic` and `polygon` annotations become masks
// (`boundingPoly` rings as a GeoJSON polygon: the first the outline, the others its holes;
// `normalizedVertices` in [0, 1] of the image, or `vertices` in pixels), `rectangle`s are boxes
// (importBoxes.ts), points, lines and poses are no masks (counted in `unsupportedShapes`). An
// annotation's `children` (classification jobs: one category a value of the job's name, several
// checkboxes of their names; transcription jobs: a text) are its attribute values, and a
// classification or transcription job of the asset itself is the image's own attribute. Kili's
// export holds no label definitions, so a new label's attributes are defined from what the file
// holds (a choice of the categories seen, checkboxes, text), and so are the image's for a
// project defining none. Images are matched by name as COCO's. Like every import it checks the
// whole file first and writes nothing when one thing is wrong.
import { z } from 'zod';
import { polygonsToRle } from '../../../shared/codecs/polygon';
import { rleArea, rleDifference, type Rle } from '../../../shared/codecs/rle';
import { ErrorCode, TandemError } from '../../../shared/protocol/errors';
import type { AttributeSpec } from '../../../shared/schema/attributes';
import type { Project, Task } from '../../storage/types';
import { imageAttributeReader, specsFromValues } from './importAttributes';
import { boxInImage, boxSink } from './importBoxes';
import { labelCollector } from './importLabels';
import type { ImportOptions, ImportPlan, PlannedObject } from './planCocoImport';
import { problemList } from './problems';
import { imageMatcher } from './tasksByStem';

const Vertex = z.object({ x: z.number(), y: z.number() });
const Ring = z.object({ normalizedVertices: z.array(Vertex).optional(), vertices: z.array(Vertex).optional() });
const Category = z.object({ name: z.string() });
/** A classification (`categories`) or transcription (`text`) job's answer. */
const Answer = z.object({ categories: z.array(Category).optional(), text: z.string().optional() }).loose();
const Annotation = z.object({
  type: z.string().optional(),
  categories: z.array(Category).default([]),
  boundingPoly: z.array(Ring).optional(),
  children: z.record(z.string(), Answer).default({}),
  mid: z.string().optional(),
}).loose();
const Job = z.object({ annotations: z.array(Annotation).optional() }).and(Answer);
const Label = z.object({ jsonResponse: z.record(z.string(), Job).default({}), createdAt: z.string().optional() }).loose();
const Asset = z.object({ externalId: z.string(), latestLabel: Label.nullish(), latestLabels: z.array(Label).optional(), labels: z.array(Label).optional() }).loose();
export const KiliExportSchema = z.array(Asset);
type KiliAsset = z.infer<typeof Asset>;
type KiliAnswer = z.infer<typeof Answer>;

/** Annotation types that are areas. */
const AREAS = new Set(['semantic', 'polygon']);

/** The label an asset's import reads: the latest, or the newest of a consensus export's. */
function labelOf(a: KiliAsset) {
  if (a.latestLabel) return a.latestLabel;
  const all = a.latestLabels ?? a.labels ?? [];
  return [...all].sort((x, y) => (x.createdAt ?? '').localeCompare(y.createdAt ?? '')).at(-1) ?? null;
}

/** A job's answer as attribute values: one category its value, several each a ticked checkbox, a text itself. */
function valuesOf(children: Record<string, KiliAnswer>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [job, answer] of Object.entries(children)) {
    if (answer.text !== undefined) out[job] = answer.text;
    const cats = answer.categories ?? [];
    if (cats.length === 1) out[job] = cats[0].name;
    else for (const c of cats) out[c.name] = true;
  }
  return out;
}

/** What the answers of the file define, by owner (a label, or '' the image): importAttributes.ts specsFromValues. */
function specsFrom(answers: Array<[owner: string, children: Record<string, KiliAnswer>]>): Map<string, AttributeSpec[]> {
  const specs = specsFromValues();
  for (const [owner, children] of answers) {
    for (const [job, answer] of Object.entries(children)) {
      if (answer.text !== undefined) specs.note(owner, job, 'text');
      else specs.note(owner, job, 'choice', (answer.categories ?? []).map((c) => c.name));
    }
  }
  return specs.specs();
}

/** A ring's points in image pixels, flat [x, y, …]. */
function ringOf(ring: z.infer<typeof Ring>, task: Pick<Task, 'width' | 'height'>): number[] {
  if (ring.normalizedVertices) return ring.normalizedVertices.flatMap((v) => [v.x * task.width, v.y * task.height]);
  if (ring.vertices) return ring.vertices.flatMap((v) => [v.x, v.y]);
  throw new Error('its boundingPoly has neither normalizedVertices nor vertices');
}

/** A semantic or polygon annotation's mask: its outline less its holes. */
function areaMask(rings: z.infer<typeof Ring>[], task: Pick<Task, 'width' | 'height'>): Rle {
  const [outline, ...holes] = rings.map((r) => ringOf(r, task));
  if (!outline) throw new Error('it has no boundingPoly');
  let mask = polygonsToRle([outline], task.width, task.height);
  if (holes.length) mask = rleDifference(mask, polygonsToRle(holes, task.width, task.height));
  return mask;
}

/** Validates a Kili raw export (its assets) against the project and its tasks. Throws validation_failed. */
export function planKiliImport(json: unknown, project: Project, tasks: Task[], opts: ImportOptions = {}): ImportPlan {
  const parsed = KiliExportSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TandemError(ErrorCode.ValidationFailed, `not a Kili export: ${issue?.path.join('.') || 'the file'}: ${issue?.message}`);
  }
  const problems = problemList();
  const problem = problems.add;
  const boxes = boxSink(opts.boxes);
  // Each asset's jobs, and its own answers (the jobs without annotations: the image's attributes).
  const assets = parsed.data.map((a) => {
    const jobs = Object.entries(labelOf(a)?.jsonResponse ?? {});
    return { asset: a, jobs, own: Object.fromEntries(jobs.filter(([, job]) => !job.annotations)) as Record<string, KiliAnswer> };
  });
  const objectsOf = (jobs: (typeof assets)[number]['jobs']) => jobs.flatMap(([, job]) => job.annotations ?? []);
  const kept = (a: z.infer<typeof Annotation>) => AREAS.has(a.type ?? 'polygon') || (boxes.wanted && a.type === 'rectangle');
  const labelName = (a: z.infer<typeof Annotation>) => a.categories[0]?.name ?? '';
  const specs = specsFrom([
    ...assets.flatMap(({ jobs }) => objectsOf(jobs).filter(kept).map((a) => [labelName(a), a.children] as [string, Record<string, KiliAnswer>])),
    ...assets.map(({ own }) => ['', own] as [string, Record<string, KiliAnswer>]),
  ]);
  const labels = labelCollector(project, opts, problem, (name) => specs.get(name) ?? []);
  for (const { jobs } of assets) for (const a of objectsOf(jobs).filter(kept)) labels.add(labelName(a), "an annotation's");
  const attributes = labels.reader();
  const image = imageAttributeReader(project, specs.get('') ?? []);
  const matcher = imageMatcher(tasks, problem);

  const byTask = new Map<string, PlannedObject[]>();
  let emptyMasks = 0;
  let unsupportedShapes = 0;
  for (const { asset, jobs, own } of assets) {
    const name = asset.externalId;
    const task = matcher.match(name);
    if (!task) continue;
    image.read(task.id, valuesOf(own));
    const objects: PlannedObject[] = [];
    objectsOf(jobs).forEach((a, i) => {
      const label = labelName(a);
      const sourceId = `${name}#${a.mid ?? i + 1}`;
      if (!kept(a)) {
        unsupportedShapes++; // a point, a line, a pose (or a box left out)
        return;
      }
      const values = attributes.read(valuesOf(a.children), label);
      try {
        if (a.type === 'rectangle') {
          const xs = ringOf(a.boundingPoly?.[0] ?? {}, task);
          const [x, y] = [xs.filter((_, k) => k % 2 === 0), xs.filter((_, k) => k % 2 === 1)];
          boxes.take(task, { label, box: boxInImage([Math.min(...x), Math.min(...y), Math.max(...x), Math.max(...y)], task), attributes: values, sourceId }, objects);
          return;
        }
        const mask = areaMask(a.boundingPoly ?? [], task);
        if (rleArea(mask) === 0) emptyMasks++;
        else objects.push({ label, mask, attributes: values, sourceId });
      } catch (e) {
        problem(`${name}: annotation ${a.mid ?? i + 1} (${label}): ${(e as Error).message}`);
      }
    });
    if (objects.length) byTask.set(task.id, objects);
  }
  matcher.done(assets.length, project.name);
  problems.throwIfAny('Kili');
  return {
    newLabels: labels.newLabels, byTask, unmatchedImages: matcher.unmatched, emptyMasks: emptyMasks + boxes.empty, invalidAttributes: attributes.invalid + image.invalid,
    unsupportedShapes, ...image.plan(), ...boxes.plan(),
  };
}
