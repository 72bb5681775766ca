// What became of the detector's pre-labels (objects with `createdFrom: 'detector'`, from the
// editor's "Find objects" or the project's pre-labelling): kept as the detector drew them,
// redrawn (and how far: the IoU of the detector's mask, the object's first recorded version,
// with the mask now), given another label, or deleted (a false find). How much annotation the
// detector saved, and which classes to stop mapping. The same for the click model's masks of an
// imported file's boxes (`createdFrom: 'box'`, `source: 'import'` until redrawn): how good the
// masks made from a team's boxes were, by what review kept of them; and for an import's own
// objects (`createdFrom: 'import'`, or from before it was set: `madeFrom`).
import { rleIou } from '../../shared/codecs/rle';
import type { AnnotationObject } from '../../shared/schema/annotation';
import type { HistoryEntry } from '../dataset/history/historyDoc';
import { madeFrom } from '../dataset/madeFrom';

export interface PrelabelCounts {
  /** Pre-labels made, those still there and those deleted since. */
  added: number;
  /** Still there with the detector's mask and label. */
  untouched: number;
  /** Still there, the mask redrawn (clicks, brush, eraser...). */
  redrawn: number;
  /** Still there under another label than the one it was made with. */
  relabelled: number;
  /** Deleted since. */
  deleted: number;
  /** Redrawn ones whose first version is recorded: mean IoU of the detector's mask with the mask now. */
  meanIouRedrawn: number | null;
}

export interface PrelabelFigures extends PrelabelCounts {
  /** The same per label the pre-label was made with. */
  byLabel: Array<PrelabelCounts & { label: string }>;
}

export interface PrelabelTaskInput {
  objects: AnnotationObject[];
  /** Recorded versions per object id, oldest first. */
  versions: Map<string, HistoryEntry[]>;
  /** The last recorded version of each object deleted since (kind `deleted`). */
  deleted?: HistoryEntry[];
}

/** Which machine-made objects: what made them (`createdFrom`) and their `source` while nobody redrew them. */
export interface Origin {
  from: string;
  source: string;
}
export const DETECTOR: Origin = { from: 'detector', source: 'detector' };
export const IMPORTED_BOX: Origin = { from: 'box', source: 'import' };
export const IMPORTED: Origin = { from: 'import', source: 'import' };

interface One {
  label: string;
  state: 'untouched' | 'redrawn' | 'deleted';
  relabelled: boolean;
  iou: number | null;
}

function counts(ones: One[]): PrelabelCounts {
  const ious = ones.map((o) => o.iou).filter((v): v is number => v !== null);
  return {
    added: ones.length,
    untouched: ones.filter((o) => o.state === 'untouched' && !o.relabelled).length,
    redrawn: ones.filter((o) => o.state === 'redrawn').length,
    relabelled: ones.filter((o) => o.state !== 'deleted' && o.relabelled).length,
    deleted: ones.filter((o) => o.state === 'deleted').length,
    meanIouRedrawn: ious.length ? ious.reduce((a, b) => a + b, 0) / ious.length : null,
  };
}

export function prelabelFigures(tasks: PrelabelTaskInput[], { from: FROM, source: SOURCE }: Origin = DETECTOR): PrelabelFigures {
  const ones: One[] = [];
  for (const t of tasks) {
    for (const o of t.objects) {
      const first = t.versions.get(o.id)?.[0];
      if (madeFrom(o, first) !== FROM) continue;
      const made = first?.kind === 'created' ? first : undefined;
      const label = made?.label ?? o.label;
      // `source` follows the mask: still the detector's (the import's) when nobody redrew it.
      const redrawn = o.source !== SOURCE;
      const iou = redrawn && made?.source === SOURCE && made.mask && o.mask && made.mask.size[0] === o.mask.size[0] && made.mask.size[1] === o.mask.size[1] ? rleIou(made.mask, o.mask) : null;
      ones.push({ label, state: redrawn ? 'redrawn' : 'untouched', relabelled: label !== o.label, iou });
    }
    for (const d of t.deleted ?? []) {
      // Withdrawn untouched by the owner (a run undone): neither the detector's find nor a false one.
      if (madeFrom(d) !== FROM || d.withdrawn) continue;
      ones.push({ label: d.label, state: 'deleted', relabelled: false, iou: null });
    }
  }
  const labels = [...new Set(ones.map((o) => o.label))].sort();
  return {
    ...counts(ones),
    byLabel: labels.map((label) => ({ label, ...counts(ones.filter((o) => o.label === label)) })).sort((a, b) => b.added - a.added || a.label.localeCompare(b.label)),
  };
}
