// Gathers the analytics inputs of a project: each task's objects, its recorded history (versions
// and verdicts) and its current review verdicts; a reference task's answer and what each of its
// submissions sent. Reads only; nothing is recorded here.
import { listObjects } from '../../shared/schema/annotation';
import { listThreads } from '../../shared/schema/review';
import { TandemError, ErrorCode } from '../../shared/protocol/errors';
import type { ProjectId } from '../../shared/schema/ids';
import type { Storage } from '../storage/types';
import { historyObjectIds, historyRoom, readHistory, readVerdictHistory, type HistoryEntry } from '../dataset/history/historyDoc';
import { loadRoomDoc, type LiveRooms } from '../dataset/rooms';
import { madeFrom } from '../dataset/madeFrom';
import { computeAnalytics, type Analytics, type AnalyticsTaskInput, type VerdictEvent } from './computeAnalytics';
import { readCurrentVerdicts } from './readVerdicts';
import { referenceFigures, type ReferenceTaskInput } from './referenceFigures';
import { readAnswer, referenceListing } from '../dataset/reference/markReferences';
import { readStatuses, sentOn, stateAt } from '../dataset/history/submissions';
import { readTaskStatus } from '../../shared/schema/review';
import { progressFigures, type ProgressTaskInput } from './progressFigures';

/** `tzOffsetMinutes`: the viewer's time zone, east of UTC, for the progress days. */
export async function loadAnalytics(storage: Storage, rooms: LiveRooms, projectId: ProjectId, opts: { tzOffsetMinutes?: number; now?: number } = {}): Promise<Analytics> {
  const project = await storage.meta.getProject(projectId);
  if (!project) throw new TandemError(ErrorCode.NotFound, `project ${projectId} not found`);
  const inputs: AnalyticsTaskInput[] = [];
  // The listing as stored: the loop below goes over the tasks that exist.
  const references = await referenceListing(rooms, projectId);
  const scored: ReferenceTaskInput[] = [];
  const progress: ProgressTaskInput[] = [];
  for (const task of await storage.meta.listTasks(projectId)) {
    const [taskDoc, reviewDoc, historyDoc] = await Promise.all([
      loadRoomDoc(rooms, `task:${task.id}`),
      loadRoomDoc(rooms, `review:${task.id}`),
      loadRoomDoc(rooms, historyRoom(task.id)),
    ]);
    const objects = listObjects(taskDoc);
    const current = readCurrentVerdicts(reviewDoc);
    const versions = new Map<string, HistoryEntry[]>();
    const verdicts = new Map<string, VerdictEvent[]>();
    for (const o of objects) {
      versions.set(o.id, readHistory(historyDoc, o.id));
      const seen: VerdictEvent[] = readVerdictHistory(historyDoc, o.id);
      const now = current.get(o.id);
      // The current verdict may not be recorded yet (the recorder runs after a pause).
      if (now && !seen.some((v) => v.at === now.at && v.by === now.by && v.verdict === now.verdict)) seen.push(now);
      if (seen.length) verdicts.set(o.id, seen.sort((a, b) => a.at - b.at));
    }
    const live = new Set(objects.map((o) => o.id as string));
    const deleted = historyObjectIds(historyDoc)
      .filter((id) => !live.has(id))
      .map((id) => readHistory(historyDoc, id).at(-1))
      .filter((e): e is HistoryEntry => e?.kind === 'deleted');
    inputs.push({ taskId: task.id, taskName: task.name, objects, versions, verdicts, threads: listThreads(reviewDoc), deleted });
    // Its status changes as recorded, and the current one (recorded after a pause, or from before the records).
    const recorded = readStatuses(historyDoc);
    const now = readTaskStatus(reviewDoc);
    const statuses = now && !recorded.some((s) => s.at === now.at && s.status === now.status) ? [...recorded, { ...now, recordedAt: now.at }] : recorded;
    progress.push({
      statuses: statuses.sort((a, b) => a.at - b.at),
      objectsMade: objects.filter((o) => madeFrom(o, versions.get(o.id)?.[0]) === null).map((o) => ({ by: o.createdBy, at: o.createdAt })),
      status: now?.status ?? task.status,
      flagged: !!task.flag,
    });
    if (references.has(task.id)) {
      // What each submission sent: the versions recorded with its status record.
      const sent = sentOn(recorded).map((s) => {
        const state = stateAt(historyDoc, s.recordedAt);
        return { by: s.by, at: s.at, ...state, drawers: state.objects.map((o) => o.by) };
      });
      scored.push({ taskId: task.id, taskName: task.name, reference: await readAnswer(rooms, task.id), submissions: sent });
    }
    taskDoc.destroy();
    reviewDoc.destroy();
    historyDoc.destroy();
  }
  const names = new Map((await storage.meta.listMembers(projectId)).map((m) => [m.userId as string, m.name]));
  const specs = (label: string) => project.labels.find((l) => l.name === label)?.attributes;
  return {
    ...computeAnalytics(inputs, names, project.labels),
    references: referenceFigures(scored, names, specs, project.settings.imageAttributes ?? []),
    progress: progressFigures(progress, opts.now ?? Date.now(), opts.tzOffsetMinutes ?? 0, names),
  };
}
