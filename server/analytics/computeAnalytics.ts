// Labelling-cost analytics, computed from what the documents and the recorded history hold.
// Pure: the caller gathers the inputs (loadAnalyticsInput). All times are epoch ms.
//
// Definitions (also in the JSON so a reader does not have to guess):
// - timeToAcceptMs: first click `at` → the object's accepted state, i.e. the last mask change
//   before its first review verdict (its last change when never reviewed). Objects made without
//   clicks (import, brush, polygon) have none.
// - corrections: mask changes after the first `changes_requested` verdict.
// - objects per hour: objects created / active hours, where active time is the user's activity
//   (clicks and edits) split into sessions at gaps over IDLE_GAP_MS; a lone event counts nothing.
// - clicks per object: clicks on the objects a user created / those objects.
// - review pass rate: objects whose first verdict is `approved` / objects with any verdict.
// - kept IoU: for an approved object, the IoU of its mask as first judged (the last recorded mask
//   at or before its first verdict) with its mask now: 1 when review took it as it was, lower as
//   reviewers (or the annotator, asked to) redrew it. How much of the first submission survived.
import { rleIou } from '../../shared/codecs/rle';
import type { Thread } from '../../shared/schema/review';
import type { AnnotationObject } from '../../shared/schema/annotation';
import type { HistoryEntry } from '../dataset/history/historyDoc';
import type { AttributeSpec } from '../../shared/schema/attributes';
import { attributeFigures, type AttributeValueFigures } from './attributeFigures';
import { MATCH_IOU } from '../../shared/schema/referenceScore';
import type { ReferenceFigures } from './referenceFigures';
import { IMPORTED, IMPORTED_BOX, prelabelFigures, type PrelabelFigures } from './prelabelFigures';
import { madeFrom } from '../dataset/madeFrom';
import { PACE_DAYS, type ProgressFigures } from './progressFigures';
import { reviewerFigures, threadFigures, type ReviewerFigures, type ThreadFigures } from './reviewFigures';

export const IDLE_GAP_MS = 5 * 60_000;

export interface VerdictEvent {
  verdict: 'approved' | 'changes_requested';
  by: string;
  at: number;
}

export interface AnalyticsTaskInput {
  taskId: string;
  taskName: string;
  objects: AnnotationObject[];
  /** Recorded versions per object id, oldest first (may be empty: history not recorded yet). */
  versions: Map<string, HistoryEntry[]>;
  /** Verdicts per object id, oldest first (at least the current one when there is one). */
  verdicts: Map<string, VerdictEvent[]>;
  /** The task's comment threads (resolved ones too); none when not gathered. */
  threads?: Thread[];
  /** The last recorded version of each object deleted since (kind `deleted`); none when not gathered. */
  deleted?: HistoryEntry[];
}


export interface ObjectFigures {
  taskId: string;
  taskName: string;
  objectId: string;
  label: string;
  createdBy: string;
  source: string | null;
  /** What made it when no person did (`detector`: a pre-label; `import`: a file's object; `box`:
   *  the click model's mask of a file's box), null for people's objects. */
  createdFrom: string | null;
  clicks: number;
  firstClickAt: number | null;
  acceptedAt: number;
  timeToAcceptMs: number | null;
  firstVerdict: VerdictEvent['verdict'] | null;
  verdict: VerdictEvent['verdict'] | null;
  corrections: number;
  /** Approved objects: IoU of the mask as first judged with the mask now; null otherwise. */
  keptIou: number | null;
}

export interface GroupFigures {
  objects: number;
  clicks: number;
  clicksPerObject: number | null;
  activeMs: number;
  objectsPerHour: number | null;
  meanTimeToAcceptMs: number | null;
  medianTimeToAcceptMs: number | null;
  reviewed: number;
  approvedFirstTime: number;
  reviewPassRate: number | null;
  corrections: number;
  /** Mean kept IoU of the approved objects that have one. */
  meanKeptIou: number | null;
}

export interface Analytics {
  definitions: Record<string, string>;
  project: GroupFigures;
  annotators: Array<GroupFigures & { userId: string; name: string }>;
  objects: ObjectFigures[];
  /** Per member who gave verdicts or raised threads. */
  reviewers: ReviewerFigures[];
  threads: ThreadFigures[];
  /** What became of the detector's pre-labels (prelabelFigures.ts). */
  prelabels: PrelabelFigures;
  /** What became of the click model's masks of imported boxes (the same figures). */
  boxMasks: PrelabelFigures;
  /** What became of an import's objects (a file's masks and outlines; the same figures). */
  imports: PrelabelFigures;
  /** The objects' attribute balance per label, attribute and value (attributeFigures.ts). */
  attributes: AttributeValueFigures[];
  /** Reference tasks scored (referenceFigures.ts; filled in by loadAnalytics). */
  references: ReferenceFigures;
  /** Tasks submitted and done, objects made, per day; the pace and the days left (progressFigures.ts; filled in by loadAnalytics). */
  progress?: ProgressFigures;
}

const isMaskChange = (e: HistoryEntry) => e.kind === 'created' || e.kind === 'mask' || e.kind === 'restored';

export function objectFigures(t: AnalyticsTaskInput, o: AnnotationObject): ObjectFigures {
  const verdicts = t.verdicts.get(o.id) ?? [];
  const versions = (t.versions.get(o.id) ?? []).filter(isMaskChange);
  const first = verdicts[0] ?? null;
  const firstClickAt = o.clicks.length ? Math.min(...o.clicks.map((c) => c.at)) : null;
  // Accepted state: last mask change at or before the first verdict; without history, the
  // object's last update (capped at the verdict time: a later change is a correction).
  let acceptedAt = o.updatedAt;
  let judged: HistoryEntry | null = null;
  if (first) {
    const before = versions.filter((v) => v.updatedAt <= first.at);
    judged = before.at(-1) ?? null;
    acceptedAt = judged ? judged.updatedAt : Math.min(o.updatedAt, first.at);
  }
  const verdict = verdicts.at(-1)?.verdict ?? null;
  const firstChanges = verdicts.find((v) => v.verdict === 'changes_requested');
  let corrections = 0;
  if (firstChanges) {
    const after = new Set(versions.filter((v) => v.updatedAt > firstChanges.at).map((v) => v.updatedAt));
    // Not recorded yet, but the live object changed after the request: that is one correction.
    if (o.updatedAt > firstChanges.at) after.add(o.updatedAt);
    corrections = after.size;
  }
  return {
    taskId: t.taskId,
    taskName: t.taskName,
    objectId: o.id,
    label: o.label,
    createdBy: o.createdBy,
    source: o.source ?? null,
    createdFrom: madeFrom(o, t.versions.get(o.id)?.[0]),
    clicks: o.clicks.length,
    firstClickAt,
    acceptedAt,
    timeToAcceptMs: firstClickAt === null ? null : Math.max(0, acceptedAt - firstClickAt),
    firstVerdict: first?.verdict ?? null,
    verdict,
    corrections,
    keptIou: verdict === 'approved' && judged ? keptIou(judged.mask, o.mask) : null,
  };
}

/** IoU of two masks of one image; the same mask (empty ones too) is kept whole (1), a mask that
 *  came or went is not kept at all (0), masks of different sizes are not comparable (null). */
function keptIou(before: AnnotationObject['mask'], now: AnnotationObject['mask']): number | null {
  if (!before || !now) return before === now ? 1 : 0;
  if (before.size[0] !== now.size[0] || before.size[1] !== now.size[1]) return null;
  return before.counts === now.counts ? 1 : rleIou(before, now);
}

/** Active time of a set of event times: sum of the gaps no longer than IDLE_GAP_MS. */
export function activeMs(times: number[]): number {
  const s = [...times].sort((a, b) => a - b);
  let total = 0;
  for (let i = 1; i < s.length; i++) {
    const gap = s[i] - s[i - 1];
    if (gap <= IDLE_GAP_MS) total += gap;
  }
  return total;
}

function group(objects: ObjectFigures[], activity: number[]): GroupFigures {
  const clicks = objects.reduce((n, o) => n + o.clicks, 0);
  const times = objects.map((o) => o.timeToAcceptMs).filter((t): t is number => t !== null).sort((a, b) => a - b);
  const reviewed = objects.filter((o) => o.firstVerdict !== null);
  const approvedFirstTime = reviewed.filter((o) => o.firstVerdict === 'approved').length;
  const active = activeMs(activity);
  return {
    objects: objects.length,
    clicks,
    clicksPerObject: objects.length ? clicks / objects.length : null,
    activeMs: active,
    objectsPerHour: active > 0 ? objects.length / (active / 3_600_000) : null,
    meanTimeToAcceptMs: times.length ? times.reduce((a, b) => a + b, 0) / times.length : null,
    medianTimeToAcceptMs: times.length ? median(times) : null,
    reviewed: reviewed.length,
    approvedFirstTime,
    reviewPassRate: reviewed.length ? approvedFirstTime / reviewed.length : null,
    corrections: objects.reduce((n, o) => n + o.corrections, 0),
    meanKeptIou: mean(objects.map((o) => o.keptIou).filter((v): v is number => v !== null)),
  };
}

function mean(xs: number[]): number | null {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

function median(sorted: number[]): number {
  const m = sorted.length >> 1;
  return sorted.length % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
}

/** Figures per object, per annotator (by object creator) and for the project. */
export function computeAnalytics(tasks: AnalyticsTaskInput[], names: Map<string, string> = new Map(), labels: ReadonlyArray<{ name: string; attributes?: AttributeSpec[] }> = []): Analytics {
  const objects: ObjectFigures[] = [];
  // Activity per user: their clicks and the edits recorded as theirs (creation, mask versions).
  const activity = new Map<string, number[]>();
  const act = (user: string, at: number) => {
    const l = activity.get(user) ?? [];
    l.push(at);
    activity.set(user, l);
  };
  for (const t of tasks) {
    for (const o of t.objects) {
      const figures = objectFigures(t, o);
      objects.push(figures);
      const prelabel = figures.createdFrom !== null;
      for (const c of o.clicks) act(c.by, c.at);
      // A pre-label's (an import's) creation is the detector's (the file's) doing, not activity of whoever ran it.
      if (!prelabel) act(o.createdBy, o.createdAt);
      if (!prelabel || o.updatedAt !== o.createdAt) act(o.updatedBy, o.updatedAt);
      for (const v of t.versions.get(o.id) ?? []) if (isMaskChange(v) && !(prelabel && v.kind === 'created')) act(v.by, v.updatedAt);
    }
  }
  // Pre-labels are the detector's objects, not anyone's work: counted under `prelabels`, left out of
  // objects per hour, clicks and time per object (a run of 500 images would credit whoever started
  // it with thousands of objects an hour); so are an import's (`boxMasks` for those made from its
  // boxes). The clicks that refine them still count as activity.
  const made = objects.filter((o) => o.createdFrom === null);
  const byUser = new Map<string, ObjectFigures[]>();
  for (const o of made) byUser.set(o.createdBy, [...(byUser.get(o.createdBy) ?? []), o]);
  const annotators = [...byUser.entries()]
    .map(([userId, objs]) => ({ userId, name: names.get(userId) ?? userId, ...group(objs, activity.get(userId) ?? []) }))
    .sort((a, b) => b.objects - a.objects || a.name.localeCompare(b.name));
  // Project active time: the union of everyone's activity (parallel work is not double-counted).
  const all = [...activity.values()].flat();
  return {
    definitions: {
      timeToAcceptMs: 'first click → last mask change before the first review verdict (last change if never reviewed)',
      corrections: 'mask changes after the first changes_requested verdict',
      objectsPerHour: `objects created / active hours (activity split into sessions at gaps over ${IDLE_GAP_MS / 60000} min)`,
      clicksPerObject: 'clicks on the objects created / objects created',
      reviewPassRate: 'objects approved at their first verdict / objects with a verdict',
      keptIou: 'approved objects: IoU of the mask as first judged (last recorded at or before the first verdict) with the mask now',
      attributes: "per label and attribute it defines: the label's objects (with a mask) showing each value as the editor shows it (never set: the default, also counted in unset), their share of the label's objects, and the images with such an object; a text or number attribute's 20 most frequent values",
      references: `reference tasks (the owner kept the answer, the team annotates the image again): each submission's objects paired one to one with the answer's by mask IoU >= ${MATCH_IOU}, best first; found (same label), wrongLabel, missed, extra; meanIou over the found; quality = IoU summed over the found / (found + (missed + extra) / 2 + wrongLabel), panoptic quality; attributeAgreement over the found objects' and the image's values; per annotator their first submission of each task`,
      progress: `per day (the viewer's, tzOffsetMinutes east of UTC): tasks sent on from work (submitted), tasks reaching done, objects people made; left: tasks neither done nor flagged; pacePerDay: tasks reaching done per day over the last ${PACE_DAYS} days (or since the first thing done); daysLeft = left / pacePerDay. Status changes are known from the recorded history (kept since status records began) and each task's current status`,
      prelabels: "objects the detector made (not counted in the objects, clicks and times above; listed in objects): untouched (its mask and label), redrawn (meanIouRedrawn: its mask, the first recorded version, against the mask now), relabelled, deleted since",
      boxMasks: "the click model's masks of an imported file's boxes (createdFrom box; not counted in the objects, clicks, times and review figures above): untouched, redrawn (meanIouRedrawn: the model's mask against the mask now), relabelled, deleted since",
      imports: "objects an import brought (createdFrom import, or from before imports said so a first version made by the import; not counted above either: the file made them, not the importer): untouched, redrawn (meanIouRedrawn: the imported mask against the mask now), relabelled, deleted since",
    },
    project: group(made, all),
    annotators,
    objects,
    reviewers: reviewerFigures(tasks, names),
    threads: tasks.flatMap((t) => threadFigures(t, names)),
    prelabels: prelabelFigures(tasks),
    boxMasks: prelabelFigures(tasks, IMPORTED_BOX),
    imports: prelabelFigures(tasks, IMPORTED),
    attributes: attributeFigures(tasks, labels),
    references: { tasks: 0, byLabel: [], annotators: [], submissions: [] },
  };
}
