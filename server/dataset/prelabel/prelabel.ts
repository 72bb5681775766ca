// Pre-labelling a whole project with the object detector: for each task (those with no object
// yet, or all), the detector's boxes of the chosen classes, each through the click model's box
// prompt (the same requests the editor's "Find objects" makes), written into the task room as
// objects in one server update. One job per project at a time, tasks one after another (the
// annotators' clicks share the workers); its progress is kept in memory on the node that runs it.
// Every task's objects are durable once written, so a job stopped (or a node restarted) halfway
// loses nothing, and running it again on "tasks with no object" carries on where it stopped.
import { rleArea, rleDifference, type Rle } from '../../../shared/codecs/rle';
import { mapLimit } from '../../../shared/async/mapLimit';
import { DrawnBoxes } from '../../../shared/geometry/drawnBoxes';
import { ErrorCode, isTandemError, TandemError } from '../../../shared/protocol/errors';
import type { Detection } from '../../../shared/protocol/inference';
import { createObject, initTaskDoc, listObjects, readMeta } from '../../../shared/schema/annotation';
import { ServerOrigin } from '../../../shared/schema/origins';
import type { ProjectId, UserId } from '../../../shared/schema/ids';
import type { InferenceService } from '../../inference';
import type { Logger } from '../../logger';
import type { Storage, Task } from '../../storage/types';
import { syncHistory } from '../history/objectHistory';
import { loadRoomDoc, mutateRoom, type LiveRooms } from '../rooms';

/** Box requests in flight at once for one task (the rest of the pool stays for the annotators). */
const PARALLEL = 2;

/** While every worker is full (annotators' clicks come first), wait this long and ask again, this often at most (~30 s). */
const BUSY_WAIT_MS = 500;
const BUSY_TIMES = 60;

/** The request, asked again while the pool answers `busy`. */
async function whenFree<T>(ask: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await ask();
    } catch (e) {
      if (!isTandemError(e) || e.code !== ErrorCode.Busy || attempt >= BUSY_TIMES) throw e;
      await new Promise((r) => setTimeout(r, BUSY_WAIT_MS));
    }
  }
}

export interface PrelabelOptions {
  /** Detector class → project label; classes not listed are left out. */
  labels: Record<string, string>;
  threshold?: number;
  /** `empty`: only tasks with no object yet; `all`: every task (what is there is not proposed again). */
  scope: 'empty' | 'all';
  /** Only these tasks of the project (a search or filter's list), in the project's order; all when absent. */
  taskIds?: string[];
}

export interface PrelabelStatus {
  state: 'running' | 'done' | 'stopped' | 'failed';
  by: string;
  startedAt: number;
  finishedAt: number | null;
  total: number;
  /** Tasks looked at (pre-labelled or passed over). */
  done: number;
  /** Tasks passed over because they had objects (scope `empty`). */
  skipped: number;
  objects: number;
  /** Tasks whose detection or write failed, with the last reason. */
  failedTasks: number;
  lastError: string | null;
  detector: string | null;
}

export interface PrelabelDeps {
  storage: Storage;
  rooms: LiveRooms;
  inference: () => InferenceService | null;
  log: Logger;
  /** A run ended (done, stopped or failed): the project's webhooks hear of it. */
  onEnded?: (projectId: ProjectId, status: PrelabelStatus) => void;
}

export class Prelabeller {
  private readonly jobs = new Map<ProjectId, { status: PrelabelStatus; stop: boolean; ended?: Promise<void> }>();

  constructor(private readonly deps: PrelabelDeps) {}

  status(projectId: ProjectId): PrelabelStatus | null {
    const j = this.jobs.get(projectId);
    return j ? { ...j.status } : null;
  }

  /** Starts a job (`conflict` while one runs); resolves its first status at once, the work goes on. */
  async start(projectId: ProjectId, by: UserId, opts: PrelabelOptions): Promise<PrelabelStatus> {
    if (this.jobs.get(projectId)?.status.state === 'running') throw new TandemError(ErrorCode.Conflict, 'this project is being pre-labelled already');
    const inference = this.deps.inference();
    const detector = inference?.listDetectors()[0];
    if (!inference || !detector) throw new TandemError(ErrorCode.NoWorker, 'no worker runs an object detector');
    const project = await this.deps.storage.meta.getProject(projectId);
    if (!project) throw new TandemError(ErrorCode.NotFound, `no project ${projectId}`);
    const names = new Set(project.labels.map((l) => l.name));
    const classes = new Set(detector.classes);
    const pairs = Object.entries(opts.labels);
    if (!pairs.length) throw new TandemError(ErrorCode.ValidationFailed, 'choose at least one class and the label it becomes');
    for (const [cls, label] of pairs) {
      if (!classes.has(cls)) throw new TandemError(ErrorCode.ValidationFailed, `the detector has no class "${cls}"`);
      if (!names.has(label)) throw new TandemError(ErrorCode.ValidationFailed, `the project has no label "${label}"`);
    }
    let tasks = await this.deps.storage.meta.listTasks(projectId);
    if (opts.taskIds) {
      const known = new Set(tasks.map((t) => t.id as string));
      const unknown = opts.taskIds.filter((id) => !known.has(id));
      if (unknown.length) throw new TandemError(ErrorCode.ValidationFailed, `${unknown.length} of the tasks named are not in this project (${unknown.slice(0, 3).join(', ')})`);
      const wanted = new Set(opts.taskIds);
      tasks = tasks.filter((t) => wanted.has(t.id));
    }
    const job: { status: PrelabelStatus; stop: boolean; ended?: Promise<void> } = {
      stop: false,
      status: { state: 'running', by, startedAt: Date.now(), finishedAt: null, total: tasks.length, done: 0, skipped: 0, objects: 0, failedTasks: 0, lastError: null, detector: detector.id } as PrelabelStatus,
    };
    this.jobs.set(projectId, job);
    job.ended = this.run(job, tasks, by, opts, project.settings?.noOverlap === true)
      .catch((e: unknown) => {
        this.deps.log.error({ err: e, projectId }, 'pre-labelling failed');
        job.status.state = 'failed';
        job.status.lastError = 'internal error';
        job.status.finishedAt = Date.now();
      })
      .then(() => this.deps.onEnded?.(projectId, { ...job.status }));
    return { ...job.status };
  }

  /** Stops the project's job after the task in hand (what is written stays). */
  stop(projectId: ProjectId): PrelabelStatus | null {
    const j = this.jobs.get(projectId);
    if (j?.status.state === 'running') j.stop = true;
    return j ? { ...j.status } : null;
  }

  /** Server shutdown: every job stops after its task in hand; resolves when they have (or after `waitMs`). */
  async stopAll(waitMs = 5000): Promise<void> {
    for (const j of this.jobs.values()) j.stop = true;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((r) => (timer = setTimeout(r, waitMs)));
    await Promise.race([Promise.all([...this.jobs.values()].map((j) => j.ended)), late]);
    clearTimeout(timer);
  }

  private async run(job: { status: PrelabelStatus; stop: boolean }, tasks: Task[], by: UserId, opts: PrelabelOptions, apart: boolean): Promise<void> {
    const st = job.status;
    for (const task of tasks) {
      if (job.stop) break;
      const inference = this.deps.inference();
      if (!inference) break;
      try {
        const n = await this.one(inference, task, by, opts, apart, st.detector ?? undefined);
        if (n === null) st.skipped++;
        else st.objects += n;
      } catch (e) {
        st.failedTasks++;
        st.lastError = `${task.name}: ${isTandemError(e) ? e.message : 'internal error'}`;
        if (!isTandemError(e)) this.deps.log.error({ err: e, taskId: task.id }, 'pre-labelling a task failed');
        // No worker runs the detector any more: the next tasks would fail the same way.
        if (isTandemError(e) && (e.code === ErrorCode.NoWorker || e.code === ErrorCode.UnknownModel)) {
          st.done++;
          st.state = 'failed';
          st.finishedAt = Date.now();
          return;
        }
      }
      st.done++;
    }
    st.state = job.stop ? 'stopped' : 'done';
    st.finishedAt = Date.now();
  }

  /** One task: resolves the objects added, or null when it was passed over (it has objects). */
  private async one(inference: InferenceService, task: Task, by: UserId, opts: PrelabelOptions, apart: boolean, detector?: string): Promise<number | null> {
    const room = `task:${task.id}`;
    const before = await loadRoomDoc(this.deps.rooms, room);
    const had = listObjects(before);
    before.destroy();
    if (opts.scope === 'empty' && had.length) return null;
    const { detections } = await whenFree(() => inference.detectFor(task, { threshold: opts.threshold, model: detector }));
    const drawn = new DrawnBoxes(had);
    const wanted = detections
      .map((d) => ({ d, label: opts.labels[d.label] }))
      .filter((p): p is { d: Detection; label: string } => p.label !== undefined && !drawn.has(p.label, p.d.box));
    if (!wanted.length) return 0;
    let lastError: unknown = null;
    const masks = await mapLimit(wanted, PARALLEL, (p) =>
      whenFree(() => inference.segmentFor(task, { clicks: [], box: p.d.box })).catch((e: unknown) => ((lastError = e), null)),
    );
    if (masks.every((m) => m === null) && lastError) throw lastError;
    // Deleted while its boxes were segmented: writing would leave a room without a task behind.
    if (!(await this.deps.storage.meta.getTask(task.id))) throw new TandemError(ErrorCode.NotFound, 'the task was deleted meanwhile');
    let added = 0;
    await mutateRoom(this.deps.rooms, room, (doc) => {
      // Read again: someone may have drawn meanwhile. Best score first (detections come sorted),
      // so with masks kept apart the surer object keeps the contested pixels.
      const now = listObjects(doc);
      const taken = now.flatMap((o) => (o.mask ? [o.mask] : []));
      const drawnNow = new DrawnBoxes(now);
      // A task nobody opened yet has an empty document: give it its meta first.
      if (!readMeta(doc)) initTaskDoc(doc, { taskId: task.id, width: task.width, height: task.height });
      doc.transact(() => {
        wanted.forEach((p, i) => {
          const m = masks[i];
          if (!m || drawnNow.has(p.label, p.d.box)) return;
          let mask = m.mask;
          if (apart) for (const t of taken) mask = rleDifference(mask, t);
          if (rleArea(mask) === 0) return;
          createObject(doc, { label: p.label, mask, by, source: 'detector', model: m.model, createdFrom: 'detector' }, ServerOrigin);
          taken.push(mask);
          drawnNow.add(p.label, mask);
          added++;
        });
      }, ServerOrigin);
    });
    // What was added is version 1 of each object's history (what "restore" goes back to).
    if (added) await syncHistory(this.deps.rooms, task.id);
    return added;
  }
}
