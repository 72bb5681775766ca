// A submission scored against a reference task's answer (the owner's kept objects and image
// values; server/dataset/reference/). Objects are paired one to one by mask IoU >= 0.5, the best
// pairs first, whatever their labels (a car drawn right and called a truck is a wrong label, not a
// miss and an extra); a pair of the same label is found. The score is panoptic quality: the IoU
// summed over the found, over found + (missed + extra) / 2 + wrong labels (each one both).
// Attributes are compared on the found objects and on the image, each value resolved through its
// definition (never set: the default, as the editor shows it). Pure and shared: the analytics
// score every submission with it, the editor shows an owner the task against its answer.
import { rleBbox, rleIou, type Rle } from '../codecs/rle';
import { resolveAttributes, type AttributeSpec, type AttributeValue } from './attributes';

/** The IoU from which a submitted object is the reference object's (as COCO's detection metrics). */
export const MATCH_IOU = 0.5;

export interface ScoredObject {
  label: string;
  mask: Rle;
  attributes: Readonly<Record<string, AttributeValue>>;
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

/** What became of the answer's objects of one label, and the objects sent with it in no answer. */
export type LabelTally = Pick<Tally, 'objects' | 'found' | 'wrongLabel' | 'missed' | 'extra' | 'iouSum'> & { label: string };

/** A scored side: the objects and the image's own values. */
export interface ScoredSide {
  objects: ScoredObject[];
  image: Readonly<Record<string, AttributeValue>>;
}

export const emptyTally = (): Tally => ({ objects: 0, found: 0, wrongLabel: 0, missed: 0, extra: 0, iouSum: 0, attributesCompared: 0, attributesAgreed: 0 });

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

/** One submission against the reference. `specs`: a label's attribute definitions; `imageSpecs`:
 *  the image's; `byLabel`, when given, gets the objects' outcomes per label added. */
export function scoreSubmission(
  reference: ScoredSide,
  sent: ScoredSide,
  specs: (label: string) => readonly AttributeSpec[] | undefined,
  imageSpecs: readonly AttributeSpec[] = [],
  byLabel?: Map<string, LabelTally>,
): Tally {
  const t = emptyTally();
  const of = (label: string) => byLabel?.get(label) ?? byLabel?.set(label, { label, objects: 0, found: 0, wrongLabel: 0, missed: 0, extra: 0, iouSum: 0 }).get(label);
  if (byLabel) for (const o of reference.objects) of(o.label)!.objects++;
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
    const l = of(want.label);
    if (want.label !== got.label) {
      t.wrongLabel++;
      if (l) l.wrongLabel++;
      continue;
    }
    t.found++;
    t.iouSum += iou;
    if (l) {
      l.found++;
      l.iouSum += iou;
    }
    compareValues(t, specs(want.label), want.attributes, got.attributes);
  }
  t.missed = reference.objects.length - refUsed.size;
  t.extra = sent.objects.length - sentUsed.size;
  if (byLabel) {
    reference.objects.forEach((o, i) => void (!refUsed.has(i) && of(o.label)!.missed++));
    sent.objects.forEach((o, j) => void (!sentUsed.has(j) && of(o.label)!.extra++));
  }
  compareValues(t, imageSpecs, reference.image, sent.image);
  return t;
}

export const meanIou = (t: Tally) => (t.found ? t.iouSum / t.found : null);
/** Panoptic quality; null when there was nothing to find and nothing was drawn. */
export function quality(t: Tally): number | null {
  const d = t.found + (t.missed + t.extra) / 2 + t.wrongLabel;
  return d ? t.iouSum / d : null;
}
