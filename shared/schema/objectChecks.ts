// Checks on a task's masks that catch what a person misses in a crowd and review catches late:
// - duplicate: the same thing drawn twice. Two people outlining one car at the same moment, a
//   pre-label kept under a redrawn one, a paste done twice: two objects whose masks overlap by IoU
//   DUPLICATE_IOU or more (whatever their labels: a car also called a truck), or of one label with
//   the smaller lying INSIDE_SHARE or more inside the other.
// - specks: parts cut off the object, smaller than what "Remove specks" removes (SPECK_SHARE of
//   the object, at least MIN_SPECK_PX; the largest part never counts): a brush's or an eraser's leftovers.
// - tiny: a whole object under TINY_SHARE of the image (at least MIN_TINY_PX), a stray click's mask.
// - label: an object whose label the project no longer defines (a label taken off the list after
//   objects had it): exports give it a class of its own. Known only where the labels are (the
//   task list and the editor apply the project's to what they show), never counted on the server.
// Pure and shared: the server counts them into the task row once edits settle (the task list's
// badge and filter), the editor lists them per object live. Both work from the COCO runs, never
// decoding a mask; an ObjectChecker keeps each mask's facts while its string is unchanged.
// The owner chooses per project (settings.checks, CheckRules): a kind turned off, labels whose
// objects come in pieces (vegetation, a fence: specks not flagged) or are small (a far bird: not
// flagged tiny), and the thresholds of the three checks (`thresholds`: a set of overlapping
// crowds may want IoU 0.9, a satellite set a smaller "tiny", a road network larger specks). The
// rules apply where the counts are read (rowChecks, applyRules, issuesUnder), never where they
// are counted: the checker reports every candidate from floors below any threshold allowed (a
// pair at IoU 0.5, or half inside; an object under 0.1% of the image; a part under 10% of its
// object or 1,000 px), the row keeps specks and tiny per label and the candidates (`pairs`,
// `small`, `pieces`), so a change of rules needs no recount of the project. The project's speck
// rule is also what "Remove specks" and "Split parts" use (speckRuleOf).
import { z } from 'zod';
import { rleCounts, runsBbox, runsIntersection, type Bbox, type Rle } from '../codecs/rle';
import { DEFAULT_SPECKS, otherParts, speckBelow, specksAmong, type SpeckRule } from '../geometry/cleanup';
import { nextTurn } from '../async/nextTurn';
import { rleParts } from '../geometry/rleParts';

export const DUPLICATE_IOU = 0.8;
export const INSIDE_SHARE = 0.9;
export const TINY_SHARE = 1e-5;
export const MIN_TINY_PX = 16;
/** The lowest thresholds a project may set: the checker reports every candidate from these. */
export const FLOOR_IOU = 0.5;
export const FLOOR_INSIDE = 0.5;
export const CEIL_TINY_SHARE = 1e-3;
export const CEIL_SPECK_SHARE = 0.1;
export const CEIL_SPECK_PX = 1000;

export type CheckKind = 'duplicate' | 'specks' | 'tiny';
export const CheckKinds: readonly CheckKind[] = ['duplicate', 'specks', 'tiny'];

export interface CheckedObject {
  id: string;
  label: string;
  mask?: Rle | null;
}

export type MaskIssue =
  /** `share`: of the smaller mask, how much lies in the other; `inside`: flagged for that, not the IoU (at the thresholds applied). */
  | { kind: 'duplicate'; objectId: string; other: string; iou: number; share: number; sameLabel: boolean; inside: boolean }
  /** `specks`: how many of its parts are (at the thresholds applied); `area`: the object's;
   *  `parts`: its parts other than the largest that some project's rule could call specks. */
  | { kind: 'specks'; objectId: string; specks: number; area: number; parts: number[] }
  /** `pixels`: the image's. */
  | { kind: 'tiny'; objectId: string; area: number; pixels: number };
export type ObjectIssue = MaskIssue | { kind: 'label'; objectId: string; label: string };

const count = z.number().int().min(0);
/** Per task: pairs drawn twice, objects with specks, tiny objects (the task row's `object_checks`);
 *  `byLabel` the specks and tiny ones per label (absent in rows counted before it: recounted). */
export const CheckCountsSchema = z.object({
  duplicate: count,
  specks: count,
  tiny: count,
  byLabel: z.record(z.string(), z.object({ specks: count, tiny: count })).optional(),
  /** Every pair that a project's thresholds could call drawn twice: [IoU, share of the smaller inside, same label 1/0]
   *  (absent in rows counted before thresholds could be set: recounted). */
  pairs: z.array(z.tuple([z.number(), z.number(), z.number()])).optional(),
  /** Per label, every object that a project's threshold could call tiny: [area, image pixels]. */
  small: z.record(z.string(), z.array(z.tuple([z.number(), z.number()]))).optional(),
  /** Per label, every object with a part that a project's rule could call a speck: [area, its smallest other part]
   *  (absent in rows counted before the speck rule could be set: recounted). */
  pieces: z.record(z.string(), z.array(z.tuple([z.number(), z.number()]))).optional(),
});
export type CheckCounts = z.infer<typeof CheckCountsSchema>;

const labelName = z.string().min(1).max(100);
/** The owner's choice of checks for a project (settings.checks). */
export const CheckRulesSchema = z
  .object({
    /** Kinds not checked in this project. */
    off: z.array(z.enum(['duplicate', 'specks', 'tiny', 'label'])).max(4).optional(),
    /** Labels whose objects come in pieces: their specks are not flagged, nor removed in bulk. */
    piecesOk: z.array(labelName).max(1000).optional(),
    /** Labels of small things: their objects are never flagged tiny. */
    smallOk: z.array(labelName).max(1000).optional(),
    /** The duplicate and tiny checks' thresholds, where the defaults do not suit the set. */
    thresholds: z
      .object({
        /** Two masks overlapping by this IoU are the same thing drawn twice (default DUPLICATE_IOU). */
        duplicateIou: z.number().min(FLOOR_IOU).max(0.99).optional(),
        /** One of a label lying this much inside another of it is too (default INSIDE_SHARE). */
        insideShare: z.number().min(FLOOR_INSIDE).max(1).optional(),
        /** An object under this share of the image is tiny (default TINY_SHARE; at least MIN_TINY_PX). */
        tinyShare: z.number().min(0).max(CEIL_TINY_SHARE).optional(),
        /** A part under this share of its object is a speck (default SPECK_SHARE; the largest part never is)... */
        speckShare: z.number().min(0).max(CEIL_SPECK_SHARE).optional(),
        /** ...or under this many pixels (default MIN_SPECK_PX). */
        speckPixels: z.number().int().min(0).max(CEIL_SPECK_PX).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type CheckRules = z.infer<typeof CheckRulesSchema>;
export type CheckThresholds = NonNullable<CheckRules['thresholds']>;

/** The thresholds in force: the project's, else the defaults. */
export function thresholdsOf(rules: CheckRules | null | undefined): Required<CheckThresholds> {
  const t = rules?.thresholds;
  return {
    duplicateIou: t?.duplicateIou ?? DUPLICATE_IOU,
    insideShare: t?.insideShare ?? INSIDE_SHARE,
    tinyShare: t?.tinyShare ?? TINY_SHARE,
    speckShare: t?.speckShare ?? DEFAULT_SPECKS.share,
    speckPixels: t?.speckPixels ?? DEFAULT_SPECKS.pixels,
  };
}

/** What a speck is in the project: its thresholds, else the defaults ("Remove specks" and the check agree). */
export function speckRuleOf(rules: CheckRules | null | undefined): SpeckRule {
  const t = thresholdsOf(rules);
  return { share: t.speckShare, pixels: t.speckPixels };
}

/** The rule in words, for the buttons that apply it: "under 1% of this mask or 10 px". */
export function describeSpeckRule(rule: SpeckRule): string {
  const share = `${Number((rule.share * 100).toFixed(2))}% of this mask`;
  if (!rule.pixels) return `under ${share}`;
  return rule.share ? `under ${share} or ${rule.pixels} px` : `under ${rule.pixels} px`;
}

/** The defaults, and the floors the checker reports candidates from (no project may go below them). */
const DEFAULTS = thresholdsOf(null);
const FLOORS: Required<CheckThresholds> = { duplicateIou: FLOOR_IOU, insideShare: FLOOR_INSIDE, tinyShare: CEIL_TINY_SHARE, speckShare: CEIL_SPECK_SHARE, speckPixels: CEIL_SPECK_PX };
const CEIL_RULE = speckRuleOf({ thresholds: { speckShare: CEIL_SPECK_SHARE, speckPixels: CEIL_SPECK_PX } });

/** Whether a candidate pair is drawn twice at the thresholds, and as what: by its IoU, or as one lying inside the other. */
function pairAt(iou: number, share: number, sameLabel: boolean, t: Required<CheckThresholds>): 'over' | 'inside' | null {
  if (iou >= t.duplicateIou) return 'over';
  return sameLabel && share >= t.insideShare ? 'inside' : null;
}

/** Whether an object of `area` on an image of `pixels` is tiny at the thresholds. */
const tinyAt = (area: number, pixels: number, t: Required<CheckThresholds>) => area < Math.max(MIN_TINY_PX, t.tinyShare * pixels);
export type RuleKind = NonNullable<CheckRules['off']>[number];

/** Whether the rules check `kind` at all. */
export const checks = (rules: CheckRules | null | undefined, kind: RuleKind) => !rules?.off?.includes(kind);

/** Whether an object of `label` is checked for `kind` under the rules. */
export function checkedFor(rules: CheckRules | null | undefined, kind: RuleKind, label: string): boolean {
  if (!checks(rules, kind)) return false;
  if (kind === 'specks') return !rules?.piecesOk?.includes(label);
  if (kind === 'tiny') return !rules?.smallOk?.includes(label);
  return true;
}

interface Facts {
  counts: number[];
  box: Bbox;
  area: number;
  /** Its parts other than the largest (one of them, on a tie) that the loosest rule allowed calls specks. */
  parts: number[];
}

function factsOf(mask: Rle): Facts {
  const counts = rleCounts(mask);
  const [h, w] = mask.size;
  const { total: area, others } = otherParts(rleParts(counts, h));
  const below = speckBelow(area, CEIL_RULE);
  return { counts, box: runsBbox(counts, h, w), area, parts: others.filter((p) => p < below) };
}

const boxesMeet = (a: Bbox, b: Bbox) => a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3] && b[1] < a[1] + a[3];

/** The smallest object area the checker does not report as a tiny candidate, on an image of `width` x `height`. */
const candidateArea = (width: number, height: number) => Math.max(MIN_TINY_PX, CEIL_TINY_SHARE * width * height);

export class ObjectChecker {
  /** Per object id: the mask string its facts were read from. */
  private cache = new Map<string, { counts: string; facts: Facts | null }>();
  /** Run lengths kept in all (memory: 8 bytes each; a server bounds its checkers by it). */
  runs = 0;

  private facts(o: CheckedObject): Facts | null {
    if (!o.mask) return null;
    const hit = this.cache.get(o.id);
    if (hit && hit.counts === o.mask.counts) return hit.facts;
    let facts: Facts | null = null;
    try {
      facts = factsOf(o.mask);
    } catch {
      facts = null; // a corrupt mask is refused where it is written; nothing to check here
    }
    this.runs += (facts?.counts.length ?? 0) - (hit?.facts?.counts.length ?? 0);
    this.cache.set(o.id, { counts: o.mask.counts, facts });
    return facts;
  }

  /**
   * Reads the facts of the masks it does not keep yet, giving the thread back every `sliceMs`: a
   * server counting a busy room it never read (a 24 MP image with 100 ragged masks, ~300 ms)
   * must not stall every socket that long. `check` then costs only the pairs.
   */
  async warm(objects: readonly CheckedObject[], sliceMs = 8): Promise<void> {
    let start = performance.now();
    for (const o of objects) {
      this.facts(o);
      if (performance.now() - start < sliceMs) continue;
      await nextTurn();
      start = performance.now();
    }
  }

  /** Every candidate issue of the objects from the floors (issuesUnder keeps those a project's
   *  thresholds flag; objects without a mask, being drawn, are left out). */
  check(objects: readonly CheckedObject[]): MaskIssue[] {
    const ids = new Set(objects.map((o) => o.id));
    for (const [id, hit] of this.cache) {
      if (ids.has(id)) continue;
      this.runs -= hit.facts?.counts.length ?? 0;
      this.cache.delete(id);
    }
    const issues: MaskIssue[] = [];
    const seen: Array<{ o: CheckedObject; f: Facts }> = [];
    for (const o of objects) {
      const f = this.facts(o);
      if (!f || f.area === 0) continue;
      const [h, w] = o.mask!.size;
      if (f.area < candidateArea(w, h)) issues.push({ kind: 'tiny', objectId: o.id, area: f.area, pixels: w * h });
      if (f.parts.length) issues.push({ kind: 'specks', objectId: o.id, specks: specksAmong(f.area, f.parts, DEFAULT_SPECKS), area: f.area, parts: f.parts });
      for (const s of seen) {
        if (!boxesMeet(s.f.box, f.box) || s.f.counts.length === 0) continue;
        if (o.mask!.size[0] !== s.o.mask!.size[0] || o.mask!.size[1] !== s.o.mask!.size[1]) continue;
        const inter = runsIntersection(s.f.counts, f.counts);
        if (!inter) continue;
        const iou = inter / (s.f.area + f.area - inter);
        const share = inter / Math.min(s.f.area, f.area);
        const sameLabel = s.o.label === o.label;
        // "Inside" only where the IoU alone would not tell (a small copy within a large one).
        if (!pairAt(iou, share, sameLabel, FLOORS)) continue;
        const inside = pairAt(iou, share, sameLabel, DEFAULTS) === 'inside';
        issues.push({ kind: 'duplicate', objectId: s.o.id, other: o.id, iou, share, sameLabel, inside });
        issues.push({ kind: 'duplicate', objectId: o.id, other: s.o.id, iou, share, sameLabel, inside });
      }
      seen.push({ o, f });
    }
    return issues;
  }
}

/** A candidate's measure as a row keeps it: cut (never rounded up) to 4 decimals, so it meets a
 *  threshold of up to 4 decimals exactly when the unrounded one does. */
const cut = (x: number) => Math.floor(x * 1e4) / 1e4;

/** The task's counts at the default thresholds: each pair drawn twice once, each object with
 *  specks, each tiny object, the last two per label of `objects` too; and every candidate pair and
 *  small object, for a project's own thresholds (applyRules). */
export function countChecks(issues: readonly MaskIssue[], objects: readonly CheckedObject[] = []): CheckCounts {
  const c: CheckCounts = { duplicate: 0, specks: 0, tiny: 0, byLabel: {}, pairs: [], small: {}, pieces: {} };
  const labelOf = new Map(objects.map((o) => [o.id, o.label]));
  const t = DEFAULTS;
  for (const i of issues) {
    const label = labelOf.get(i.objectId);
    if (i.kind === 'duplicate') {
      if (i.objectId < i.other) c.pairs!.push([cut(i.iou), cut(i.share), i.sameLabel ? 1 : 0]);
      if (pairAt(i.iou, i.share, i.sameLabel, t)) c.duplicate += 0.5;
      continue;
    }
    if (i.kind === 'tiny') {
      if (label !== undefined) (c.small![label] ??= []).push([i.area, i.pixels]);
      if (!tinyAt(i.area, i.pixels, t)) continue;
    }
    if (i.kind === 'specks') {
      if (label !== undefined) (c.pieces![label] ??= []).push([i.area, i.parts.reduce((a, b) => Math.min(a, b))]);
      if (!specksAmong(i.area, i.parts, DEFAULT_SPECKS)) continue;
    }
    c[i.kind]++;
    if (label !== undefined) (c.byLabel![label] ??= { specks: 0, tiny: 0 })[i.kind]++;
  }
  return c;
}

/** A row's counts under the project's rules: kinds turned off are 0, the specks and tiny objects
 *  of the labels that allow them are taken off (a row without `byLabel` keeps them), and the
 *  project's thresholds, if any, count drawn twice, specks and tiny again from the row's candidates. */
export function applyRules(c: CheckCounts | null | undefined, rules: CheckRules | null | undefined): CheckCounts | null {
  if (!c) return null;
  const t = thresholdsOf(rules);
  const own = !!rules?.thresholds && c.pairs !== undefined && c.small !== undefined;
  const ownSpecks = !!rules?.thresholds && c.pieces !== undefined;
  const duplicate = own ? c.pairs!.filter(([iou, share, same]) => pairAt(iou, share, same === 1, t)).length : c.duplicate;
  const out = { duplicate: checks(rules, 'duplicate') ? duplicate : 0, specks: checks(rules, 'specks') ? c.specks : 0, tiny: checks(rules, 'tiny') ? c.tiny : 0 };
  for (const [label, n] of Object.entries(c.byLabel ?? {})) {
    if (!ownSpecks && !checkedFor(rules, 'specks', label)) out.specks = Math.max(0, out.specks - n.specks);
    if (!own && !checkedFor(rules, 'tiny', label)) out.tiny = Math.max(0, out.tiny - n.tiny);
  }
  if (ownSpecks && checks(rules, 'specks')) {
    const rule = speckRuleOf(rules);
    out.specks = Object.entries(c.pieces!).reduce((n, [label, objects]) => n + (checkedFor(rules, 'specks', label) ? objects.filter(([area, smallest]) => smallest < speckBelow(area, rule)).length : 0), 0);
  }
  if (own && checks(rules, 'tiny')) {
    out.tiny = Object.entries(c.small!).reduce((n, [label, small]) => n + (checkedFor(rules, 'tiny', label) ? small.filter(([area, pixels]) => tinyAt(area, pixels, t)).length : 0), 0);
  }
  return out;
}

/** A task row's checks as the list shows them: its counts under the rules, and its objects of
 *  labels the project does not define (none when that check is off). */
export interface RowChecks {
  counts: CheckCounts | null;
  outside: Record<string, number>;
}

export function rowChecks(
  row: { objectChecks: CheckCounts | null; labelCounts: Readonly<Record<string, number>> | null },
  labels: readonly string[],
  rules: CheckRules | null | undefined,
): RowChecks {
  return { counts: applyRules(row.objectChecks, rules), outside: checks(rules, 'label') ? labelsOutside(row.labelCounts, labels) : {} };
}

/** The issues the rules keep (the editor's list), given each object's label: the checker's
 *  candidates at the project's thresholds (or the defaults), of the kinds and labels it checks. */
export function issuesUnder(issues: readonly MaskIssue[], objects: readonly CheckedObject[], rules: CheckRules | null | undefined): MaskIssue[] {
  const labelOf = new Map(objects.map((o) => [o.id, o.label]));
  const t = thresholdsOf(rules);
  const rule = speckRuleOf(rules);
  return issues.flatMap((i): MaskIssue[] => {
    if (!checkedFor(rules, i.kind, labelOf.get(i.objectId) ?? '')) return [];
    if (i.kind === 'tiny') return tinyAt(i.area, i.pixels, t) ? [i] : [];
    if (i.kind === 'specks') {
      const specks = specksAmong(i.area, i.parts, rule);
      return specks ? [{ ...i, specks }] : [];
    }
    const at = pairAt(i.iou, i.share, i.sameLabel, t);
    return at ? [{ ...i, inside: at === 'inside' }] : [];
  });
}

/** How many things a task row asks to look at (a pair drawn twice is one), with its objects of
 *  labels the project does not define (labelsOutside). */
export function checkTotal(c: CheckCounts | null | undefined, outside: Readonly<Record<string, number>> = {}): number {
  return (c ? CheckKinds.reduce((n, k) => n + c[k], 0) : 0) + Object.values(outside).reduce((a, b) => a + b, 0);
}

/** The issues per object id under the rules, with those of objects whose label is not one of
 *  `labels` added (none while the labels are not known yet: empty). */
export function groupIssues(issues: readonly MaskIssue[], objects: readonly CheckedObject[], labels: readonly string[], rules?: CheckRules | null): Map<string, ObjectIssue[]> {
  const m = new Map<string, ObjectIssue[]>();
  const add = (i: ObjectIssue) => m.set(i.objectId, [...(m.get(i.objectId) ?? []), i]);
  issuesUnder(issues, objects, rules).forEach(add);
  const known = new Set(labels);
  if (known.size && checks(rules, 'label')) for (const o of objects) if (o.mask && !known.has(o.label)) add({ kind: 'label', objectId: o.id, label: o.label });
  return m;
}

/** A task row's objects whose label is not one of `labels`, per such label (`{}` for none, and
 *  while the labels are not known yet: empty). */
export function labelsOutside(counts: Readonly<Record<string, number>> | null, labels: readonly string[]): Record<string, number> {
  if (!labels.length) return {};
  const known = new Set(labels);
  return Object.fromEntries(Object.entries(counts ?? {}).filter(([l, n]) => n > 0 && !known.has(l)));
}

/** The counts in words: "1 object drawn twice · 2 with specks · 1 tiny · 2 labelled vehcle, not a label". */
export function describeChecks(c: CheckCounts | null, outside: Readonly<Record<string, number>> = {}): string {
  const parts: string[] = [];
  if (c?.duplicate) parts.push(`${c.duplicate} object${c.duplicate === 1 ? '' : 's'} drawn twice?`);
  if (c?.specks) parts.push(`${c.specks} with specks`);
  if (c?.tiny) parts.push(`${c.tiny} tiny`);
  for (const [label, n] of Object.entries(outside)) parts.push(`${n} labelled ${label}, not a label of the project`);
  return parts.join(' · ');
}
