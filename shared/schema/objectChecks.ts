// Checks on a task's masks that catch what a person misses in a crowd and review catches late:
// - duplicate: the same thing drawn twice. Two people outlining one car at the same moment, a
//   pre-label kept under a redrawn one, a paste done twice: two objects whose masks overlap by IoU
//   DUPLICATE_IOU or more (whatever their labels: a car also called a truck), or of one label with
//   the smaller lying INSIDE_SHARE or more inside the other.
// - specks: parts cut off the object, smaller than what "Remove specks" removes (SPECK_SHARE of
//   the object, at least MIN_SPECK_PX; the largest part never counts): a brush's or an eraser's leftovers.
// - tiny: a whole object under TINY_SHARE of the image (at least MIN_TINY_PX), a stray click's mask.
// Pure and shared: the server counts them into the task row once edits settle (the task list's
// badge and filter), the editor lists them per object live. Both work from the COCO runs, never
// decoding a mask; an ObjectChecker keeps each mask's facts while its string is unchanged.
import { z } from 'zod';
import { rleCounts, runsBbox, runsIntersection, type Bbox, type Rle } from '../codecs/rle';
import { MIN_SPECK_PX, SPECK_SHARE } from '../geometry/cleanup';
import { rleParts } from '../geometry/rleParts';

export const DUPLICATE_IOU = 0.8;
export const INSIDE_SHARE = 0.9;
export const TINY_SHARE = 1e-5;
export const MIN_TINY_PX = 16;

export type CheckKind = 'duplicate' | 'specks' | 'tiny';
export const CheckKinds: readonly CheckKind[] = ['duplicate', 'specks', 'tiny'];

export interface CheckedObject {
  id: string;
  label: string;
  mask?: Rle | null;
}

export type ObjectIssue =
  | { kind: 'duplicate'; objectId: string; other: string; iou: number; inside: boolean }
  | { kind: 'specks'; objectId: string; specks: number }
  | { kind: 'tiny'; objectId: string; area: number };

/** Per task: pairs drawn twice, objects with specks, tiny objects (the task row's `object_checks`). */
export const CheckCountsSchema = z.object({ duplicate: z.number().int().min(0), specks: z.number().int().min(0), tiny: z.number().int().min(0) });
export type CheckCounts = z.infer<typeof CheckCountsSchema>;

interface Facts {
  counts: number[];
  box: Bbox;
  area: number;
  specks: number;
}

function factsOf(mask: Rle): Facts {
  const counts = rleCounts(mask);
  const [h, w] = mask.size;
  const parts = rleParts(counts, h);
  const area = parts.reduce((a, b) => a + b, 0);
  const largest = Math.max(0, ...parts);
  const minArea = Math.max(MIN_SPECK_PX, SPECK_SHARE * area);
  let specks = 0;
  let largestSeen = false;
  for (const p of parts) {
    if (p === largest && !largestSeen) largestSeen = true;
    else if (p < minArea) specks++;
  }
  return { counts, box: runsBbox(counts, h, w), area, specks };
}

const boxesMeet = (a: Bbox, b: Bbox) => a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3] && b[1] < a[1] + a[3];

/** The smallest object area that is not tiny, on an image of `width` x `height`. */
export const tinyArea = (width: number, height: number) => Math.max(MIN_TINY_PX, TINY_SHARE * width * height);

export class ObjectChecker {
  /** Per object id: the mask string its facts were read from. */
  private cache = new Map<string, { counts: string; facts: Facts | null }>();

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
    this.cache.set(o.id, { counts: o.mask.counts, facts });
    return facts;
  }

  /** Every issue of the objects (objects without a mask, being drawn, are left out). */
  check(objects: readonly CheckedObject[]): ObjectIssue[] {
    const ids = new Set(objects.map((o) => o.id));
    for (const id of this.cache.keys()) if (!ids.has(id)) this.cache.delete(id);
    const issues: ObjectIssue[] = [];
    const seen: Array<{ o: CheckedObject; f: Facts }> = [];
    for (const o of objects) {
      const f = this.facts(o);
      if (!f || f.area === 0) continue;
      const [h, w] = o.mask!.size;
      if (f.area < tinyArea(w, h)) issues.push({ kind: 'tiny', objectId: o.id, area: f.area });
      if (f.specks) issues.push({ kind: 'specks', objectId: o.id, specks: f.specks });
      for (const s of seen) {
        if (!boxesMeet(s.f.box, f.box) || s.f.counts.length === 0) continue;
        if (o.mask!.size[0] !== s.o.mask!.size[0] || o.mask!.size[1] !== s.o.mask!.size[1]) continue;
        const inter = runsIntersection(s.f.counts, f.counts);
        if (!inter) continue;
        const iou = inter / (s.f.area + f.area - inter);
        // "Inside" only where the IoU alone would not tell (a small copy within a large one).
        const inside = iou < DUPLICATE_IOU && s.o.label === o.label && inter >= INSIDE_SHARE * Math.min(s.f.area, f.area);
        if (iou < DUPLICATE_IOU && !inside) continue;
        issues.push({ kind: 'duplicate', objectId: s.o.id, other: o.id, iou, inside });
        issues.push({ kind: 'duplicate', objectId: o.id, other: s.o.id, iou, inside });
      }
      seen.push({ o, f });
    }
    return issues;
  }
}

/** The task's counts: each pair drawn twice once, each object with specks, each tiny object. */
export function countChecks(issues: readonly ObjectIssue[]): CheckCounts {
  const c: CheckCounts = { duplicate: 0, specks: 0, tiny: 0 };
  for (const i of issues) c[i.kind] += i.kind === 'duplicate' ? 0.5 : 1;
  return c;
}

/** Any check counted. */
export const hasChecks = (c: CheckCounts | null | undefined): boolean => !!c && CheckKinds.some((k) => c[k] > 0);

/** How many things the counts ask to look at (a pair drawn twice is one). */
export const checkTotal = (c: CheckCounts | null | undefined): number => (c ? c.duplicate + c.specks + c.tiny : 0);

/** The counts in words: "1 object drawn twice · 2 with specks · 1 tiny". */
export function describeChecks(c: CheckCounts): string {
  const parts: string[] = [];
  if (c.duplicate) parts.push(`${c.duplicate} object${c.duplicate === 1 ? '' : 's'} drawn twice?`);
  if (c.specks) parts.push(`${c.specks} with specks`);
  if (c.tiny) parts.push(`${c.tiny} tiny`);
  return parts.join(' · ');
}
