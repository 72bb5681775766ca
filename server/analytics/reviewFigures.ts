// The reviewers' side of the analytics: what each reviewer decided and raised, and every comment
// thread (the QA report). Pure, like computeAnalytics.ts, over the same inputs.
import type { AnalyticsTaskInput } from './computeAnalytics';

/** One comment thread, for the QA report: what was raised where, by whom, and whether it is settled. */
export interface ThreadFigures {
  taskId: string;
  taskName: string;
  threadId: string;
  /** The object it is on, null for the image itself; `label` null when the object is gone. */
  objectId: string | null;
  label: string | null;
  x: number;
  y: number;
  createdBy: string;
  /** Member names (the id where the member is gone). */
  createdByName: string;
  createdAt: number;
  resolved: boolean;
  resolvedBy: string | null;
  resolvedByName: string | null;
  resolvedAt: number | null;
  messages: number;
  firstMessage: string;
}

/** What one member did as a reviewer: verdicts given (each one the history recorded, so a
 *  request then an approval of one object is two) and threads raised. */
export interface ReviewerFigures {
  userId: string;
  name: string;
  verdicts: number;
  approved: number;
  changesRequested: number;
  /** Change requests / verdicts, null without verdicts. */
  requestRate: number | null;
  threadsRaised: number;
}

export function reviewerFigures(tasks: readonly AnalyticsTaskInput[], names: ReadonlyMap<string, string>): ReviewerFigures[] {
  const by = new Map<string, ReviewerFigures>();
  const of = (userId: string) => {
    let r = by.get(userId);
    if (!r) by.set(userId, (r = { userId, name: names.get(userId) ?? userId, verdicts: 0, approved: 0, changesRequested: 0, requestRate: null, threadsRaised: 0 }));
    return r;
  };
  for (const t of tasks) {
    for (const events of t.verdicts.values()) {
      for (const v of events) {
        const r = of(v.by);
        r.verdicts++;
        if (v.verdict === 'approved') r.approved++;
        else r.changesRequested++;
      }
    }
    for (const th of t.threads ?? []) of(th.createdBy).threadsRaised++;
  }
  for (const r of by.values()) r.requestRate = r.verdicts ? r.changesRequested / r.verdicts : null;
  return [...by.values()].sort((a, b) => b.verdicts - a.verdicts || b.threadsRaised - a.threadsRaised || a.name.localeCompare(b.name));
}

/** The task's threads, oldest first, with who raised and resolved them by name where known. */
export function threadFigures(t: AnalyticsTaskInput, names: ReadonlyMap<string, string>): ThreadFigures[] {
  const labels = new Map(t.objects.map((o) => [o.id as string, o.label]));
  return (t.threads ?? []).map((th) => ({
    taskId: t.taskId,
    taskName: t.taskName,
    threadId: th.id,
    objectId: th.objectId,
    label: th.objectId ? (labels.get(th.objectId) ?? null) : null,
    x: th.x,
    y: th.y,
    createdBy: th.createdBy,
    createdByName: names.get(th.createdBy) ?? th.createdBy,
    createdAt: th.createdAt,
    resolved: th.resolved,
    resolvedBy: th.resolvedBy ?? null,
    resolvedByName: th.resolvedBy ? (names.get(th.resolvedBy) ?? th.resolvedBy) : null,
    resolvedAt: th.resolvedAt ?? null,
    messages: th.messages.filter((m) => !m.deleted).length,
    firstMessage: th.messages.find((m) => !m.deleted)?.text ?? '',
  }));
}
