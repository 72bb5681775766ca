// CSV forms of the analytics (RFC 4180: comma-separated, CRLF, quotes doubled).
import type { Analytics } from './computeAnalytics';

export type AnalyticsTable = 'objects' | 'annotators' | 'reviewers' | 'threads' | 'prelabels' | 'boxes' | 'imports' | 'attributes' | 'references' | 'progress';

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(4)) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function table(header: string[], rows: unknown[][]): string {
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

/** Epoch ms as an ISO time (spreadsheets read it), empty for none. */
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function analyticsCsv(a: Analytics, which: AnalyticsTable): string {
  if (which === 'threads') {
    // The QA report: every comment thread, where it is, who raised and who settled it.
    return table(
      ['task_id', 'task_name', 'thread_id', 'object_id', 'label', 'x', 'y', 'created_by', 'created_at', 'resolved', 'resolved_by', 'resolved_at', 'messages', 'first_message'],
      a.threads.map((t) => [t.taskId, t.taskName, t.threadId, t.objectId, t.label, t.x, t.y, t.createdByName, iso(t.createdAt), t.resolved, t.resolvedByName, iso(t.resolvedAt), t.messages, t.firstMessage]),
    );
  }
  if (which === 'reviewers') {
    return table(
      ['user_id', 'name', 'verdicts', 'approved', 'changes_requested', 'request_rate', 'threads_raised'],
      a.reviewers.map((r) => [r.userId, r.name, r.verdicts, r.approved, r.changesRequested, r.requestRate, r.threadsRaised]),
    );
  }
  if (which === 'objects') {
    return table(
      ['task_id', 'task_name', 'object_id', 'label', 'created_by', 'source', 'clicks', 'time_to_accept_ms', 'first_verdict', 'verdict', 'corrections', 'kept_iou', 'created_from'],
      a.objects.map((o) => [o.taskId, o.taskName, o.objectId, o.label, o.createdBy, o.source, o.clicks, o.timeToAcceptMs, o.firstVerdict, o.verdict, o.corrections, o.keptIou, o.createdFrom]),
    );
  }
  if (which === 'attributes') {
    // The attribute balance: a row per label, attribute and value.
    return table(
      ['label', 'attribute', 'value', 'objects', 'share', 'images', 'unset'],
      a.attributes.map((r) => [r.label, r.attribute, r.value, r.objects, r.share, r.images, r.unset]),
    );
  }
  if (which === 'progress') {
    // A row per day: what was submitted, done and made.
    return table(['day', 'submitted', 'done', 'objects'], (a.progress?.days ?? []).map((d) => [d.day, d.submitted, d.done, d.objects]));
  }
  if (which === 'references') {
    // Reference tasks: a row per submission scored against the answer the owner kept.
    return table(
      ['task_id', 'task_name', 'user_id', 'name', 'submitted_at', 'first', 'objects', 'found', 'wrong_label', 'missed', 'extra', 'mean_iou', 'quality', 'attributes_compared', 'attributes_agreed', 'with'],
      a.references.submissions.map((r) => [r.taskId, r.taskName, r.by, r.name, iso(r.at), r.first, r.objects, r.found, r.wrongLabel, r.missed, r.extra, r.meanIou, r.quality, r.attributesCompared, r.attributesAgreed, r.with.join('; ')]),
    );
  }
  if (which === 'prelabels' || which === 'boxes' || which === 'imports') {
    // What became of the detector's objects (of the click model's masks of imported boxes, of an import's objects), per label made with.
    const p = { prelabels: a.prelabels, boxes: a.boxMasks, imports: a.imports }[which];
    return table(
      ['label', 'added', 'untouched', 'redrawn', 'mean_iou_redrawn', 'relabelled', 'deleted'],
      [...p.byLabel, { ...p, label: '*' }].map((r) => [r.label, r.added, r.untouched, r.redrawn, r.meanIouRedrawn, r.relabelled, r.deleted]),
    );
  }
  const header = ['user_id', 'name', 'objects', 'clicks', 'clicks_per_object', 'active_ms', 'objects_per_hour', 'mean_time_to_accept_ms', 'median_time_to_accept_ms', 'reviewed', 'approved_first_time', 'review_pass_rate', 'corrections', 'mean_kept_iou'];
  const row = (id: string, name: string, g: Analytics['project']) => [id, name, g.objects, g.clicks, g.clicksPerObject, g.activeMs, g.objectsPerHour, g.meanTimeToAcceptMs, g.medianTimeToAcceptMs, g.reviewed, g.approvedFirstTime, g.reviewPassRate, g.corrections, g.meanKeptIou];
  return table(header, [...a.annotators.map((u) => row(u.userId, u.name, u)), row('*', 'project', a.project)]);
}
