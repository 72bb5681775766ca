// Pre-labelling a whole project with the object detector: for each task (those with no object
// yet, or all), the detector's boxes of the chosen classes become objects (prelabelTask.ts). One
// job per project at a time across the cluster, tasks one after another (the annotators' clicks
// share the workers). The job lives in the job store (storage.jobs): what it was asked, the list of
// tasks fixed when it started, and how far it got, so every node answers its status, and it is held
// under a lease that the running process renews after each task and every third of a lease. A
// process that dies (kill -9, a lost machine) stops renewing; any node with a detector takes the
// job over once the lease ran out and carries on from the last task it recorded (that task may be
// looked at twice: its write reads the room again and adds nothing already there). A server that
// shuts down hands its jobs back at once, so a deploy pauses a run instead of ending it.
import { randomBytes } from 'node:crypto';
import { ErrorCode, isTandemError, TandemError } from '../../../shared/protocol/errors';
import { mappingProblem } from '../../../shared/protocol/prelabelMapping';
import type { ProjectId, UserId } from '../../../shared/schema/ids';
import type { InferenceService } from '../../inference';
import type { Logger } from '../../logger';
import type { JobHead } from '../../storage/jobTypes';
import type { Storage, Task } from '../../storage/types';
import type { LiveRooms } from '../rooms';
import { NewUploads } from './newUploads';
import type { PrelabelRequest } from './prelabelTask';
import type { PrelabelOptions, PrelabelStatus, StoredOptions } from './prelabelTypes';
import type { Withdrawn } from './withdrawTask';
import { storedBoxes, type StoredBox } from './boxTask';
import { taskWork } from './taskWork';
import { WaitingBoxes, type BoxesWaiting } from './waitingBoxes';

const KIND = 'prelabel';
/** How long a run waits before trying an image again whose worker died under it. */
const WORKER_RETRY_MS = 1000;
/** Longest a node waits before it takes a run paused for want of a detector worker again. */
const MAX_NO_WORKER_WAIT_MS = 60_000;

export interface PrelabelDeps {
  storage: Pick<Storage, 'meta' | 'jobs' | 'images'>;
  rooms: LiveRooms;
  inference: () => InferenceService | null;
  log: Logger;
  /** Who holds the jobs this process runs (the node id); a random suffix tells this start from the next. */
  nodeId: string;
  /** How long a job stays held without a renewal before another process may take it over. */
  leaseMs: number;
  /** A run ended (done, stopped or failed): the project's webhooks hear of it (awaited before the end is stored). */
  onEnded?: (projectId: ProjectId, status: PrelabelStatus) => Promise<void> | void;
}

interface LocalJob {
  projectId: ProjectId;
  status: PrelabelStatus;
  options: StoredOptions;
  /** A box run started by an import waits for the import's objects to be written (false: the import failed). */
  after?: Promise<boolean>;
  /** Asked to stop (`asked`: by the owner, ends the run; `handback`: the server shuts down, or no worker runs the detector: another process carries it on). */
  stop: 'no' | 'asked' | 'handback';
  /** Another process holds it now, or may (this one could not renew it in time): stop, write nothing more. */
  lost: boolean;
  /** Until when this process surely holds it (its lease as last renewed). */
  heldUntil: number;
  ended?: Promise<void>;
}

const parse = <T>(json: string): T => JSON.parse(json) as T;

export class Prelabeller {
  private readonly jobs = new Map<ProjectId, LocalJob>();
  private readonly owner: string;
  private sweeper: NodeJS.Timeout | null = null;
  private sweeping = false;
  /** After a run paused here for want of a detector worker, this node takes no detection run
   *  again until then: its detector listing can say a worker is there for a while after it went
   *  (a registration not yet expired), and every sweep would claim the run, fail its next image
   *  and hand it back. Doubles at each such pause (from a lease to `MAX_NO_WORKER_WAIT_MS`), reset
   *  by an image detected. */
  private noWorker = { until: 0, waitMs: 0 };
  private closed = false;
  private readonly uploads: NewUploads;
  private readonly waitingBoxes: WaitingBoxes;

  constructor(private readonly deps: PrelabelDeps) {
    this.owner = `${deps.nodeId}/${randomBytes(4).toString('hex')}`;
    // Whether the project has a run going on, anywhere: what new uploads and waiting boxes wait for.
    const running = async (projectId: ProjectId) => (await deps.storage.jobs.get(projectId, KIND))?.state === 'running';
    this.uploads = new NewUploads({
      meta: deps.storage.meta,
      jobs: deps.storage.jobs,
      log: deps.log,
      canRun: () => !!deps.inference()?.listDetectors().length,
      running,
      start: (projectId, by, opts) => this.start(projectId, by, opts, true),
    });
    this.waitingBoxes = new WaitingBoxes({
      meta: deps.storage.meta,
      jobs: deps.storage.jobs,
      images: deps.storage.images,
      log: deps.log,
      canRun: () => !!deps.inference()?.listModels().length,
      running,
      start: (projectId, by, boxes, key) => this.segmentBoxes(projectId, by, boxes, undefined, key),
    });
  }

  /**
   * Looks for runs nobody holds (their process died or shut down) every third of a lease and
   * carries them on, and for new uploads waiting for their run (newUploads.ts).
   */
  startSweeping(): void {
    if (this.sweeper || this.closed) return;
    this.sweeper = setInterval(() => void this.sweep(), Math.max(100, Math.floor(this.deps.leaseMs / 3)));
    this.sweeper.unref();
    this.uploads.startSweeping();
    this.waitingBoxes.startSweeping();
  }

  /** The project's run, wherever it runs (null: never pre-labelled). */
  async status(projectId: ProjectId): Promise<PrelabelStatus | null> {
    const local = this.jobs.get(projectId);
    if (local) return { ...local.status };
    const job = await this.deps.storage.jobs.get(projectId, KIND);
    return job ? this.statusOf(job) : null;
  }

  /** How many of the project's new uploads wait for their run (another goes on, or no detector is reachable). */
  waitingUploads(projectId: ProjectId): Promise<number> {
    return this.uploads.waitingCount(projectId);
  }

  /** An import's boxes waiting for the project's run to end (null: none). */
  waitingBoxRuns(projectId: ProjectId): Promise<BoxesWaiting | null> {
    return this.waitingBoxes.count(projectId);
  }

  /**
   * An image is about to become a task of the project, before its row is written (pre-labelled by
   * itself when the project's settings say so: newUploads.ts).
   */
  async uploading(projectId: ProjectId, taskId: string): Promise<void> {
    if (!this.closed) await this.uploads.uploading(projectId, taskId);
  }

  /** The task `uploading` announced was not made after all. */
  uploadDropped(projectId: ProjectId, taskId: string): Promise<void> {
    return this.uploads.dropped(projectId, taskId);
  }

  /** Starts a run (`conflict` while one runs anywhere); resolves its first status at once, the work goes on. */
  async start(projectId: ProjectId, by: UserId, opts: PrelabelOptions, auto = false): Promise<PrelabelStatus> {
    const inference = this.deps.inference();
    const detector = inference?.listDetectors()[0];
    if (!inference || !detector) throw new TandemError(ErrorCode.NoWorker, 'no worker runs an object detector');
    const project = await this.deps.storage.meta.getProject(projectId);
    if (!project) throw new TandemError(ErrorCode.NotFound, `no project ${projectId}`);
    const problem = mappingProblem(opts, project.labels.map((l) => l.name), detector.classes);
    if (problem) throw new TandemError(ErrorCode.ValidationFailed, problem);
    const request: PrelabelRequest = { labels: opts.labels, threshold: opts.threshold ?? detector.threshold, ...(opts.thresholds ? { thresholds: opts.thresholds } : {}), scope: opts.scope };
    return this.begin(projectId, by, opts.taskIds, request, detector.id, auto ? { auto } : {});
  }

  /**
   * Undoes pre-labelling (or imports: `what`): a run of its own over the project's tasks (or those
   * named) that removes the pre-labels (imported objects) nobody touched (withdrawTask.ts). No
   * detector needed.
   */
  async withdraw(projectId: ProjectId, by: UserId, taskIds?: string[], what: Withdrawn = 'prelabels'): Promise<PrelabelStatus> {
    if (!(await this.deps.storage.meta.getProject(projectId))) throw new TandemError(ErrorCode.NotFound, `no project ${projectId}`);
    const imports = what === 'imports' ? ({ withdraw: what } as const) : {};
    return this.begin(projectId, by, taskIds, { labels: {}, scope: 'all', mode: 'withdraw', ...imports }, null, { mode: 'withdraw', ...(what === 'imports' && { withdrawing: what }) });
  }

  /**
   * Masks of an imported file's boxes (import/importBoxes.ts): a run of its own over the tasks
   * that have boxes, each through the click model's box prompt (boxTask.ts). Started before the
   * import writes anything (a refusal then leaves nothing half-done), it waits for `after`.
   * `key` names its objects (a waiting request's id: started twice, it adds nothing twice).
   */
  async segmentBoxes(projectId: ProjectId, by: UserId, boxes: Map<string, StoredBox[]>, after?: Promise<boolean>, key?: string): Promise<PrelabelStatus> {
    if (!this.deps.inference()?.listModels().length) {
      throw new TandemError(ErrorCode.NoWorker, 'no worker runs the click model to make masks of the boxes: import them as rectangles (boxes=rectangle), or attach a worker');
    }
    const stored = Object.fromEntries(storedBoxes(boxes));
    const count = [...boxes.values()].reduce((n, l) => n + l.length, 0);
    return this.begin(projectId, by, [...boxes.keys()], { labels: {}, scope: 'all', mode: 'boxes', boxes: stored, ...(key && { key }) }, null, { mode: 'boxes', boxes: count, rectangles: 0 }, after);
  }

  /**
   * An import's boxes (segmentBoxes), or, while another run of the project goes on, stored to run
   * after it (waitingBoxes.ts) instead of refusing the import.
   */
  async segmentBoxesOrWait(projectId: ProjectId, by: UserId, boxes: Map<string, StoredBox[]>, after: Promise<boolean>): Promise<{ boxRun: PrelabelStatus } | { boxesWaiting: BoxesWaiting }> {
    try {
      return { boxRun: await this.segmentBoxes(projectId, by, boxes, after) };
    } catch (e) {
      if (!isTandemError(e) || e.code !== ErrorCode.Conflict || this.closed) throw e;
      return { boxesWaiting: await this.waitingBoxes.add(projectId, by, storedBoxes(boxes), after) };
    }
  }

  /** The task list fixed, the run stored (`conflict` while one runs anywhere), then worked through here. */
  private async begin(projectId: ProjectId, by: UserId, taskIds: string[] | undefined, request: PrelabelRequest & Pick<StoredOptions, 'boxes' | 'key'>, detector: string | null, extra: Partial<PrelabelStatus>, after?: Promise<boolean>): Promise<PrelabelStatus> {
    let tasks = await this.deps.storage.meta.listTasks(projectId);
    if (taskIds) {
      const known = new Set(tasks.map((t) => t.id as string));
      const unknown = taskIds.filter((id) => !known.has(id));
      if (unknown.length) throw new TandemError(ErrorCode.ValidationFailed, `${unknown.length} of the tasks named are not in this project (${unknown.slice(0, 3).join(', ')})`);
      const wanted = new Set(taskIds);
      tasks = tasks.filter((t) => wanted.has(t.id));
    }
    const now = Date.now();
    const status: PrelabelStatus = {
      state: 'running', by, startedAt: now, finishedAt: null, total: tasks.length, done: 0, skipped: 0, objects: 0, failedTasks: 0, lastError: null, detector, resumed: 0, ...extra,
    };
    const options: StoredOptions = { ...request, queue: tasks.map((t) => t.id) };
    const begun = await this.deps.storage.jobs.begin({
      projectId, kind: KIND, options: JSON.stringify(options), status: JSON.stringify(status), owner: this.owner, leaseUntil: now + this.deps.leaseMs, now,
    });
    if (!begun) throw new TandemError(ErrorCode.Conflict, 'this project is being pre-labelled already');
    const job: LocalJob = { projectId, status, options, stop: 'no', lost: false, heldUntil: now + this.deps.leaseMs, after };
    this.launch(job, tasks);
    return { ...status };
  }

  /** Stops the project's run after the task in hand (what is written stays); null: it never had one. */
  async stop(projectId: ProjectId): Promise<PrelabelStatus | null> {
    const local = this.jobs.get(projectId);
    if (local) {
      if (local.stop === 'no') local.stop = 'asked';
      return { ...local.status };
    }
    const now = Date.now();
    const job = await this.deps.storage.jobs.requestStop(projectId, KIND, now);
    // Nobody holds it (its process died, no node has taken it over yet): end it here.
    if (job?.state === 'running' && job.leaseUntil < now) {
      const mine = await this.deps.storage.jobs.claimOrphan(KIND, this.owner, now, now + this.deps.leaseMs, projectId);
      if (mine) {
        const { paused: _, ...rest } = this.statusOf(mine); // ended: paused no more
        const status: PrelabelStatus = { ...rest, state: 'stopped', finishedAt: now };
        await this.finish({ projectId, status, options: parse(mine.options), stop: 'asked', lost: false, heldUntil: mine.leaseUntil });
        return { ...status };
      }
    }
    return job ? this.statusOf(job) : null;
  }

  /** Server shutdown: every run here stops after its task in hand and is handed back (another process carries it on); resolves when they have (or after `waitMs`). */
  async stopAll(waitMs = 5000): Promise<void> {
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    this.uploads.stop();
    this.waitingBoxes.stop();
    for (const j of this.jobs.values()) j.stop = 'handback';
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((r) => (timer = setTimeout(r, waitMs)));
    await Promise.race([Promise.all([...this.jobs.values()].map((j) => j.ended)), late]);
    clearTimeout(timer);
    // A task in hand that outlasted the wait (a loaded machine, a busy pool): hand the run back
    // anyway, before the storage closes, so the next start carries it on at once instead of a
    // lease later; this process writes nothing more for it (the image in hand is done again).
    await Promise.all(
      [...this.jobs.values()].map(async (j) => {
        if (j.lost || j.status.state !== 'running') return;
        await this.renew(j, 0);
        j.lost = true;
      }),
    );
  }

  /** Takes over one run nobody holds: any, when this process can run the detector; else a withdrawal (it detects nothing). */
  private async sweep(): Promise<void> {
    if (this.sweeping || this.closed) return;
    this.sweeping = true;
    try {
      const now = Date.now();
      const until = now + this.deps.leaseMs;
      const inference = this.deps.inference();
      const ready = now >= this.noWorker.until;
      let job;
      if (inference?.listDetectors().length && ready) job = await this.deps.storage.jobs.claimOrphan(KIND, this.owner, now, until);
      else {
        // Without a detector: a withdrawal (it needs no model), or a box run where the click model is served.
        const segments = ready && !!inference?.listModels().length;
        const runnable = (await this.deps.storage.jobs.orphans(KIND, now)).find((h) => {
          const mode = parse<PrelabelStatus>(h.status).mode;
          return mode === 'withdraw' || (mode === 'boxes' && segments);
        });
        job = runnable && (await this.deps.storage.jobs.claimOrphan(KIND, this.owner, now, until, runnable.projectId));
      }
      if (!job) return;
      const options = parse<StoredOptions>(job.options);
      // A pause for want of a worker stays until an image is done here (a node whose listing is
      // stale would otherwise show the run as running while it fails its next image).
      const status = this.statusOf(job);
      const byId = new Map((await this.deps.storage.meta.listTasks(job.projectId)).map((t) => [t.id as string, t]));
      const rest = options.queue.slice(status.done).map((id) => byId.get(id) ?? null);
      this.deps.log.info({ projectId: job.projectId, done: status.done, total: status.total, takeovers: job.takeovers }, 'carrying on a pre-labelling run nobody held');
      this.launch({ projectId: job.projectId, status, options, stop: job.stopRequested ? 'asked' : 'no', lost: false, heldUntil: job.leaseUntil }, rest);
    } catch (err) {
      this.deps.log.warn({ err }, 'looking for pre-labelling runs to carry on failed');
    } finally {
      this.sweeping = false;
    }
  }

  private statusOf(job: JobHead): PrelabelStatus {
    return { ...parse<PrelabelStatus>(job.status), resumed: job.takeovers };
  }


  /** Runs `tasks` (the rest of the queue; null: deleted since) here, renewing the lease as it goes. */
  private launch(job: LocalJob, tasks: Array<Task | null>): void {
    this.jobs.set(job.projectId, job);
    const beat = setInterval(() => void this.renew(job), Math.max(100, Math.floor(this.deps.leaseMs / 3)));
    job.ended = this.run(job, tasks)
      .catch((e: unknown) => {
        this.deps.log.error({ err: e, projectId: job.projectId }, 'pre-labelling failed');
        Object.assign(job.status, { state: 'failed', lastError: 'internal error', finishedAt: Date.now() });
      })
      .then(async () => {
        clearInterval(beat);
        await this.renewing;
        if (job.lost) this.deps.log.warn({ projectId: job.projectId }, 'another process took the pre-labelling run over');
        else if (job.stop === 'handback' && job.status.state === 'running') await this.renew(job, 0);
        else await this.finish(job);
      })
      .catch((err: unknown) => this.deps.log.error({ err, projectId: job.projectId }, 'recording the end of a pre-labelling run failed'))
      .finally(() => {
        if (this.jobs.get(job.projectId) === job) this.jobs.delete(job.projectId);
        this.uploads.runEnded(job.projectId); // new uploads that waited for this run go next
        this.waitingBoxes.runEnded(); // and imports' boxes
      });
  }

  private renewing: Promise<unknown> = Promise.resolve();

  /** Writes the job's progress and extends its lease (`leaseUntil` 0: hands it back); one write at a time, in order. */
  private renew(job: LocalJob, leaseUntil = Date.now() + this.deps.leaseMs): Promise<void> {
    const status = JSON.stringify(job.status);
    const state = job.status.state;
    const next = this.renewing.then(async () => {
      if (!this.holds(job)) return;
      try {
        const r = await this.deps.storage.jobs.renew(job.projectId, KIND, this.owner, { state, status, leaseUntil, now: Date.now() });
        if (!r) job.lost = true;
        else {
          job.heldUntil = leaseUntil;
          if (r.stopRequested && job.stop === 'no') job.stop = 'asked';
        }
      } catch (err) {
        // The database blinked: the run goes on; the next renewal writes the progress (if the lease
        // runs out first, another process carries the run on and this one finds it lost).
        this.deps.log.warn({ err, projectId: job.projectId }, 'renewing the pre-labelling run failed');
      }
    });
    this.renewing = next;
    return next;
  }

  /** Whether this process still holds the run: renewed in time, not taken over. Past its lease it acts no more. */
  private holds(job: LocalJob): boolean {
    if (!job.lost && Date.now() >= job.heldUntil) job.lost = true;
    return !job.lost;
  }

  /** The run ended: the webhooks are told first (keyed by the run: told twice, delivered once), then the end is stored. */
  private async finish(job: LocalJob): Promise<void> {
    await this.deps.onEnded?.(job.projectId, { ...job.status });
    for (let attempt = 0; attempt < 5; attempt++) {
      const r = await this.deps.storage.jobs
        .renew(job.projectId, KIND, this.owner, { state: job.status.state, status: JSON.stringify(job.status), leaseUntil: 0, now: Date.now() })
        .then((x) => (x ? 'stored' : 'lost'), () => 'retry');
      if (r !== 'retry') return;
      await new Promise((res) => setTimeout(res, 1000));
    }
    this.deps.log.warn({ projectId: job.projectId }, 'could not store the end of the pre-labelling run; another process will end it again');
  }

  private async run(job: LocalJob, tasks: Array<Task | null>): Promise<void> {
    const st = job.status;
    // An import's boxes: its own objects first (their stacking order), none if it failed.
    if (job.after && !(await job.after)) {
      Object.assign(st, { state: 'failed', lastError: 'the import that brought the boxes failed', finishedAt: Date.now() });
      return;
    }
    const project = await this.deps.storage.meta.getProject(job.projectId);
    const apart = project?.settings?.noOverlap === true;
    const held = () => this.holds(job);
    const work = () => taskWork(job.options, st, { storage: this.deps.storage, rooms: this.deps.rooms, inference: this.deps.inference(), apart, held });
    for (const task of tasks) {
      if (job.stop !== 'no' || !held()) break;
      const one = work();
      if (!one) break;
      if (task) {
        try {
          const n = await one(task).catch(async (e: unknown) => {
            // The worker died under this image: one more try after a second. A worker gone for
            // good then answers `no_worker` (the run pauses and the image is done later); one that
            // fails again on this image counts it failed and the run goes on.
            if (!isTandemError(e) || e.code !== ErrorCode.WorkerFailed) throw e;
            await new Promise((r) => setTimeout(r, WORKER_RETRY_MS));
            return one(task);
          });
          if (n === null) st.skipped++;
          else st.objects += n;
          if (job.options.mode !== 'withdraw') this.noWorker = { until: 0, waitMs: 0 };
          delete st.paused;
        } catch (e) {
          // The worker running the detector went away (a GPU worker restarted, say): the run waits
          // for one, handed back, and this task is done again by whoever carries it on.
          if (isTandemError(e) && e.code === ErrorCode.NoWorker) {
            st.paused = 'no_worker';
            job.stop = 'handback';
            const waitMs = Math.min(MAX_NO_WORKER_WAIT_MS, Math.max(this.deps.leaseMs, this.noWorker.waitMs * 2));
            this.noWorker = { until: Date.now() + waitMs, waitMs };
            return;
          }
          delete st.paused; // a worker answered, if only with a failure
          st.failedTasks++;
          st.lastError = `${task.name}: ${isTandemError(e) ? e.message : 'internal error'}`;
          if (!isTandemError(e)) this.deps.log.error({ err: e, taskId: task.id }, 'pre-labelling a task failed');
          // The detector the run uses is not served any more: the next tasks would fail the same way.
          if (isTandemError(e) && e.code === ErrorCode.UnknownModel) {
            st.done++;
            st.state = 'failed';
            st.finishedAt = Date.now();
            return;
          }
        }
      }
      st.done++;
      await this.renew(job); // the progress stored, and a stop asked on another node seen, before the next task
    }
    if (job.stop === 'handback' || job.lost) return;
    delete st.paused;
    st.state = job.stop === 'asked' ? 'stopped' : 'done';
    st.finishedAt = Date.now();
  }
}
