// The rework loop: a reviewer asks for changes on some objects (or comments on the image where
// one is missing), the task goes back to the annotator, who fixes them and sends it to review
// again. What the editor needs to know for that, from the task's objects and the review room:
// which objects still wait for a fix, which changed since the request (for the reviewer to look
// at again), which comments on the image are open, and which verdicts name objects that are gone
// (a request to delete an object is fixed by deleting it).
import type { Thread, Verdict } from '../../../shared/schema/review';

export interface ReworkObject {
  id: string;
  /** Epoch ms of the object's last change. */
  updatedAt: number;
}

export interface Rework {
  /** Changes requested and the object not touched since: the annotator's to-do. */
  pending: string[];
  /** Changes requested and the object changed since: for the reviewer to look at again. */
  changed: string[];
  /** A reviewer's unresolved requests on the image, not on an object (ids, oldest first). */
  notes: string[];
}

/** The objects with changes requested, in the objects' order, and the open notes on the image. */
export function reworkOf(objects: readonly ReworkObject[], verdicts: Readonly<Record<string, Verdict>>, openThreads: readonly Thread[] = []): Rework {
  const out: Rework = { pending: [], changed: [], notes: openThreads.filter((t) => t.objectId === null && !t.resolved && t.request).map((t) => t.id) };
  for (const o of objects) {
    const v = verdicts[o.id];
    if (v?.verdict !== 'changes_requested') continue;
    (o.updatedAt > v.at ? out.changed : out.pending).push(o.id);
  }
  return out;
}

/** Verdicts on objects no longer in the task (deleted): cleared when the task moves on. */
export function staleVerdicts(objectIds: ReadonlySet<string>, verdicts: Readonly<Record<string, Verdict>>): string[] {
  return Object.keys(verdicts).filter((id) => !objectIds.has(id));
}
