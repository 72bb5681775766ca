// Reading and restoring object versions, and the recorder that keeps history up to date.

import { clearClicks, appendClicks, createObject, readObject, setAttributes, setLabel, setMask } from '../../../shared/schema/annotation';
import type { AttributeValue } from '../../../shared/schema/attributes';
import { ServerOrigin } from '../../../shared/schema/origins';
import { TandemError, ErrorCode } from '../../../shared/protocol/errors';
import { newId, type ObjectId } from '../../../shared/schema/ids';
import type { Logger } from '../../logger';
import { loadRoomDoc, mutateRoom, type LiveRooms } from '../rooms';
import { readCurrentVerdicts } from '../../analytics/readVerdicts';
import { appendHistory, historyObjectIds, historyRoom, readHistory, recordVerdict, type HistoryEntry } from './historyDoc';
import { recordVersions } from './recordVersions';
import { recordStatus } from './submissions';
import { readTaskStatus } from '../../../shared/schema/review';
import { readImageHistory, type ImageEntry } from './imageHistory';
import { Settle } from '../settle';

export interface VersionView extends HistoryEntry {
  /** 1-based position in the object's history: what POST .../restore takes. */
  version: number;
}

/** Records what the task doc has that history lacks (writes only when there is something). */
export async function syncHistory(live: LiveRooms, taskId: string, opts: { withdrawn?: ReadonlySet<string> } = {}): Promise<void> {
  const taskDoc = await loadRoomDoc(live, `task:${taskId}`);
  const reviewDoc = await loadRoomDoc(live, `review:${taskId}`);
  try {
    await mutateRoom(live, historyRoom(taskId), (history) => {
      const now = Date.now();
      history.transact(() => {
        recordVersions(taskDoc, history, now, opts.withdrawn);
        // With the versions of the same moment: the state a submission sent (submissions.ts).
        recordStatus(history, readTaskStatus(reviewDoc), now);
        // The review doc keeps only the current verdict; recording each one seen keeps the
        // sequence (first verdict, verdicts after corrections) that analytics needs.
        for (const [objectId, v] of readCurrentVerdicts(reviewDoc)) recordVerdict(history, objectId, v);
      });
    });
  } finally {
    taskDoc.destroy();
    reviewDoc.destroy();
  }
}

/** An object's versions, oldest first, with the current state recorded first. Throws not_found. */
export async function getObjectHistory(live: LiveRooms, taskId: string, objectId: string): Promise<VersionView[]> {
  await syncHistory(live, taskId);
  const history = await loadRoomDoc(live, historyRoom(taskId));
  const versions = readHistory(history, objectId).map((e, i) => ({ ...e, version: i + 1 }));
  history.destroy();
  if (versions.length === 0) throw new TandemError(ErrorCode.NotFound, `object ${objectId} has no history in task ${taskId}`);
  return versions;
}

/** The image's own attribute values through time, oldest first, the current state recorded first. */
export async function getImageHistory(live: LiveRooms, taskId: string): Promise<ImageEntry[]> {
  await syncHistory(live, taskId);
  const history = await loadRoomDoc(live, historyRoom(taskId));
  try {
    return readImageHistory(history);
  } finally {
    history.destroy();
  }
}

export interface ObjectHistorySummary {
  objectId: string;
  label: string;
  versions: number;
  lastKind: HistoryEntry['kind'];
  lastBy: string;
  lastAt: number;
  /** When its first version was recorded. */
  firstAt: number;
  /** True when the object's last recorded state is its deletion (restore brings it back). */
  deleted: boolean;
}

/** Every object with history in a task (deleted ones included), most recently changed first. */
export async function listTaskHistory(live: LiveRooms, taskId: string): Promise<ObjectHistorySummary[]> {
  await syncHistory(live, taskId);
  const history = await loadRoomDoc(live, historyRoom(taskId));
  try {
    return historyObjectIds(history)
      .map((objectId) => {
        const v = readHistory(history, objectId);
        const last = v[v.length - 1];
        return last
          ? { objectId, label: last.label, versions: v.length, lastKind: last.kind, lastBy: last.by, lastAt: last.at, firstAt: v[0].at, deleted: last.kind === 'deleted' }
          : null;
      })
      .filter((x): x is ObjectHistorySummary => x !== null)
      .sort((a, b) => b.lastAt - a.lastAt);
  } finally {
    history.destroy();
  }
}

/**
 * Restores version `version` (1-based) of an object: its label, mask and clicks become that
 * version's again (a deleted object comes back with the same id), by user `by`. The restore is
 * itself recorded as a new version, so it can be undone by restoring the one before.
 */
export async function restoreVersion(
  live: LiveRooms,
  taskId: string,
  objectId: string,
  version: number,
  by: string,
): Promise<VersionView> {
  const versions = await getObjectHistory(live, taskId, objectId);
  const target = versions[version - 1];
  if (!target) throw new TandemError(ErrorCode.NotFound, `object ${objectId} has versions 1..${versions.length}, not ${version}`);
  if (target.kind === 'deleted') throw new TandemError(ErrorCode.BadRequest, `version ${version} is a deletion; restore the version before it`);
  const id = objectId as ObjectId;
  await mutateRoom(live, `task:${taskId}`, (doc) => {
    doc.transact(() => {
      if (!readObject(doc, id)) {
        createObject(doc, { id, label: target.label, mask: target.mask, clicks: target.clicks, by, source: target.source, model: target.model, createdFrom: target.createdFrom, attributes: target.attributes }, ServerOrigin);
        return;
      }
      // The version's attribute values exactly: names it lacks go back to their defaults.
      const now = readObject(doc, id)?.attributes ?? {};
      const values: Record<string, AttributeValue | null> = Object.fromEntries(Object.keys(now).map((k) => [k, null]));
      setAttributes(doc, id, { ...values, ...(target.attributes ?? {}) }, by, ServerOrigin);
      setLabel(doc, id, target.label, by, ServerOrigin);
      setMask(doc, id, target.mask, by, { source: target.source, model: target.model }, ServerOrigin);
      clearClicks(doc, id, by, ServerOrigin);
      if (target.clicks.length) appendClicks(doc, id, target.clicks, by, ServerOrigin);
    }, ServerOrigin);
  });
  const entry: HistoryEntry = { ...stripVersion(target), id: newId(12), at: Date.now(), by, kind: 'restored', restoredFrom: version, updatedAt: Date.now() };
  await mutateRoom(live, historyRoom(taskId), (history) => appendHistory(history, entry));
  const after = await getObjectHistory(live, taskId, objectId);
  return after[after.length - 1];
}

function stripVersion(v: VersionView): HistoryEntry {
  const { version: _v, restoredFrom: _r, ...rest } = v;
  return rest;
}

/**
 * Keeps history current while people edit: the sync server calls notify(taskId) whenever a
 * task or review room's doc changes. Task edits are recorded once they settle (`settleMs` without
 * further change: the user accepted the mask and moved on), and at the latest `maxWaitMs` after
 * the first unrecorded edit, so two people editing without pause still get versions. A review
 * event (`{ now: true }`: a comment, a verdict) records at once, so the state the reviewer judged is
 * its own version even when the fix follows within the settle time. One recording per task at a
 * time; notifications while one is queued share it.
 */
/**
 * `taskExists`: asked before each recording; a task deleted meanwhile (on another node, whose
 * room here has not been dropped yet) gets no history rows that nothing would ever delete.
 */
export function createHistoryRecorder(deps: { live: LiveRooms; log: Logger; settleMs?: number; maxWaitMs?: number; taskExists?: (taskId: string) => Promise<boolean> }) {
  /** Per task: the wait for its edits to settle. */
  const settle = new Settle<string>((taskId) => void run(taskId), deps.settleMs, deps.maxWaitMs);
  const running = new Map<string, Promise<void>>();
  const queued = new Map<string, Promise<void>>();
  const log = deps.log.child({ module: 'history' });

  function run(taskId: string): Promise<void> {
    const waiting = queued.get(taskId);
    if (waiting) return waiting;
    const prev = running.get(taskId) ?? Promise.resolve();
    const next = prev
      .then(async () => {
        queued.delete(taskId);
        if (deps.taskExists && !(await deps.taskExists(taskId))) return;
        return syncHistory(deps.live, taskId);
      })
      .catch((err) => log.error({ err, taskId }, 'recording object history failed'));
    queued.set(taskId, next);
    running.set(taskId, next);
    void next.finally(() => {
      if (running.get(taskId) === next) running.delete(taskId);
    });
    return next;
  }

  function runNow(taskId: string): Promise<void> {
    settle.cancel(taskId);
    return run(taskId);
  }

  return {
    notify(taskId: string, opts: { now?: boolean } = {}): void {
      if (opts.now) {
        void runNow(taskId);
        return;
      }
      settle.touch(taskId);
    },
    /** Records every pending task now (on room unload and on shutdown). */
    async flush(): Promise<void> {
      await Promise.all([...settle.takeAll().map(run), ...running.values()]);
    },
  };
}

export type HistoryRecorder = ReturnType<typeof createHistoryRecorder>;
