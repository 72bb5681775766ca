// Reference tasks scored: what each submission sent against the answer the owner kept
// (dataset/reference/). Objects are paired one to one by mask IoU >= 0.5, the best pairs first,
// whatever their labels (a car drawn right and called a truck is a wrong label, not a miss and an
// extra); a pair of the same label is found. The score is panoptic quality: the IoU summed over the
// found, over found + (missed + extra) / 2 + wrong labels (each one both). Attributes are compared
// on the found objects and on the image, each value resolved through its definition (never set:
// the default, as the editor shows it). Pure; loadAnalytics gathers the inputs.
import { rleBbox, rleIou, type Rle } from '../../shared/codecs/rle';
import { resolveAttributes, type AttributeSpec, type AttributeValue } from '../../shared/schema/attributes';

/** The IoU from which a submitted object is the reference object's (as COCO's detection metrics). */
export const MATCH_IOU = 0.5;

export interface ScoredObject {
  label: string;
  mask: Rle;
  attributes: Readonly<Record<string, AttributeValue>>;
}

export interface ReferenceTaskInput {
  taskId: string;
  taskName: string;
  reference: { objects: ScoredObject[]; image: Readonly<Record<string, AttributeValue>> };
  /** Each time the task was sent on from work, oldest first. */
  submissions: Array<{ by: string; at: number; objects: ScoredObject[]; image: Readonly<Record<string, AttributeValue>> }>;
}

export interface Tally {
  /** Reference objects. */
  objects: number;
  found: number;
  wrongLabel: number;
  missed: number;
  extra: number;
  /** IoU summed over the found (mean: iouSum / found). */
  iouSum: number;
  attributesCompared: number;
  attributesAgreed: number;
}

export interface SubmissionFigures extends Tally {
  taskId: string;
  taskName: string;
  by: string;
  name: string;
  at: number;
  /** The annotator's first submission of the task (their unaided work; later ones follow review). */
  first: boolean;
  meanIou: number | null;
  quality: number | null;
}

export interface ReferenceAnnotatorFigures extends Tally {
  userId: string;
  name: string;
  /** Reference tasks submitted (first submissions only). */
  tasks: number;
  meanIou: number | null;
  quality: number | null;
  attributeAgreement: number | null;
}

export interface ReferenceFigures {
  /** Reference tasks in the project. */
  tasks: number;
  annotators: ReferenceAnnotatorFigures[];
  submissions: SubmissionFigures[];
}

const empty = (): Tally => ({ objects: 0, found: 0, wrongLabel: 0, missed: 0, extra: 0, iouSum: 0, attributesCompared: 0, attributesAgreed: 0 });

const boxesMeet = (a: number[], b: number[]) => a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3] && b[1] < a[1] + a[3];

/** Compares the resolved values of every defined attribute; adds to `t`. */
function compareValues(t: Tally, specs: readonly AttributeSpec[] | undefined, want: Readonly<Record<string, AttributeValue>>, got: Readonly<Record<string, AttributeValue>>): void {
  if (!specs?.length) return;
  const a = resolveAttributes(specs, want);
  const b = resolveAttributes(specs, got);
  for (const s of specs) {
    t.attributesCompared++;
    if (a[s.name] === b[s.name]) t.attributesAgreed++;
  }
}

/** One submission against the reference. `specs`: a label's attribute definitions; `imageSpecs`: the image's. */
export function scoreSubmission(
  reference: ReferenceTaskInput['reference'],
  sent: { objects: ScoredObject[]; image: Readonly<Record<string, AttributeValue>> },
  specs: (label: string) => readonly AttributeSpec[] | undefined,
  imageSpecs: readonly AttributeSpec[] = [],
): Tally {
  const t = empty();
  t.objects = reference.objects.length;
  const refBoxes = reference.objects.map((o) => rleBbox(o.mask));
  const sentBoxes = sent.objects.map((o) => rleBbox(o.mask));
  const pairs: Array<[number, number, number]> = [];
  for (let i = 0; i < reference.objects.length; i++) {
    for (let j = 0; j < sent.objects.length; j++) {
      if (!boxesMeet(refBoxes[i], sentBoxes[j])) continue;
      const iou = rleIou(reference.objects[i].mask, sent.objects[j].mask);
      if (iou >= MATCH_IOU) pairs.push([iou, i, j]);
    }
  }
  // Above 0.5 a pairing is unique anyway (two masks cannot both overlap a third by more than half);
  // best first keeps it deterministic at exactly 0.5.
  pairs.sort((a, b) => b[0] - a[0] || a[1] - b[1] || a[2] - b[2]);
  const refUsed = new Set<number>();
  const sentUsed = new Set<number>();
  for (const [iou, i, j] of pairs) {
    if (refUsed.has(i) || sentUsed.has(j)) continue;
    refUsed.add(i);
    sentUsed.add(j);
    const want = reference.objects[i];
    const got = sent.objects[j];
    if (want.label !== got.label) {
      t.wrongLabel++;
      continue;
    }
    t.found++;
    t.iouSum += iou;
    compareValues(t, specs(want.label), want.attributes, got.attributes);
  }
  t.missed = reference.objects.length - refUsed.size;
  t.extra = sent.objects.length - sentUsed.size;
  compareValues(t, imageSpecs, reference.image, sent.image);
  return t;
}

function add(into: Tally, t: Tally): void {
  for (const k of Object.keys(t) as Array<keyof Tally>) into[k] += t[k];
}

const meanIou = (t: Tally) => (t.found ? t.iouSum / t.found : null);
/** Panoptic quality; null when there was nothing to find and nothing was drawn. */
function quality(t: Tally): number | null {
  const d = t.found + (t.missed + t.extra) / 2 + t.wrongLabel;
  return d ? t.iouSum / d : null;
}

export function referenceFigures(
  tasks: readonly ReferenceTaskInput[],
  names: ReadonlyMap<string, string>,
  specs: (label: string) => readonly AttributeSpec[] | undefined,
  imageSpecs: readonly AttributeSpec[] = [],
): ReferenceFigures {
  const submissions: SubmissionFigures[] = [];
  const by = new Map<string, ReferenceAnnotatorFigures>();
  for (const task of tasks) {
    const seen = new Set<string>();
    for (const s of task.submissions) {
      const t = scoreSubmission(task.reference, s, specs, imageSpecs);
      const first = !seen.has(s.by);
      seen.add(s.by);
      const name = names.get(s.by) ?? s.by;
      submissions.push({ ...t, taskId: task.taskId, taskName: task.taskName, by: s.by, name, at: s.at, first, meanIou: meanIou(t), quality: quality(t) });
      if (!first) continue;
      let a = by.get(s.by);
      if (!a) by.set(s.by, (a = { ...empty(), userId: s.by, name, tasks: 0, meanIou: null, quality: null, attributeAgreement: null }));
      a.tasks++;
      add(a, t);
    }
  }
  for (const a of by.values()) {
    a.meanIou = meanIou(a);
    a.quality = quality(a);
    a.attributeAgreement = a.attributesCompared ? a.attributesAgreed / a.attributesCompared : null;
  }
  return {
    tasks: tasks.length,
    annotators: [...by.values()].sort((a, b) => (b.quality ?? -1) - (a.quality ?? -1) || a.name.localeCompare(b.name)),
    submissions: submissions.sort((a, b) => a.at - b.at),
  };
}
