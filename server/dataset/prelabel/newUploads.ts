// Pre-labelling new uploads by themselves (a project's `autoPrelabel` setting): each upload's task
// joins its project's waiting list in the job store before its row is written, so a node that dies
// (kill -9, a deploy) loses none: whichever node can run the detector starts the run. Once uploads
// pause, the waiting images get a run of their own (one per batch), after any run going on.
import { coalesced } from '../../../shared/async/coalesced';
import { ErrorCode, isTandemError } from '../../../shared/protocol/errors';
import type { ProjectId, UserId } from '../../../shared/schema/ids';
import type { Logger } from '../../logger';
import type { JobStore } from '../../storage/jobTypes';
import type { MetaStore } from '../../storage/types';
import type { PrelabelOptions } from './prelabelTypes';

/** The job store's queue of new uploads waiting for their pre-labelling run. */
export const NEW_UPLOADS = 'prelabel:new-uploads';
/** New uploads are pre-labelled once uploads pause this long (a batch of images is one run). */
const AUTO_SETTLE_MS = 2000;
/** How often each node looks at the waiting lists (another run going on, no detector yet, another node's uploads, a dead node's). */
const AUTO_RETRY_MS = 5000;
/** An upload noted whose task never appeared this long after (its upload failed after the note) is dropped. */
const ORPHAN_MS = 60_000;

export interface NewUploadsDeps {
  meta: Pick<MetaStore, 'getProject' | 'listTasks'>;
  jobs: Pick<JobStore, 'enqueue' | 'waiting' | 'queued' | 'dequeue'>;
  log: Logger;
  /** Whether this process reaches a worker that runs the detector (only such a node starts runs). */
  canRun: () => boolean;
  /** Whether the project has a run going on, anywhere (the uploads then wait: nothing more is read). */
  running: (projectId: ProjectId) => Promise<boolean>;
  /** Starts a run marked as the new uploads' (`conflict` while one runs anywhere). */
  start: (projectId: ProjectId, by: UserId, opts: PrelabelOptions) => Promise<unknown>;
}

export class NewUploads {
  private readonly timers = new Map<ProjectId, NodeJS.Timeout>();
  private sweeper: NodeJS.Timeout | null = null;
  private stopped = false;
  /** One look at every project's waiting uploads at a time; a look asked meanwhile runs after it. */
  private readonly sweep = coalesced(() => this.sweepOnce(), (err) => this.deps.log.warn({ err }, 'looking at the new uploads waiting for pre-labelling failed'), () => this.stopped);

  constructor(private readonly deps: NewUploadsDeps) {}

  /**
   * An image is about to become a task of the project (called before its row is written). When the
   * project's settings pre-label new uploads, it is noted as waiting, durably: a task whose row
   * exists is surely noted. Rejects when the note cannot be stored (the upload then fails too).
   */
  async uploading(projectId: ProjectId, taskId: string): Promise<void> {
    if (this.stopped) return;
    // Only while the setting is on: an upload made before it was turned on is not a new upload.
    const project = await this.deps.meta.getProject(projectId);
    if (!project?.settings?.autoPrelabel) return;
    await this.deps.jobs.enqueue(projectId, NEW_UPLOADS, [taskId], Date.now());
    this.later(projectId, AUTO_SETTLE_MS);
  }

  /** The task announced was not made after all (the same image was there, or its write failed). */
  async dropped(projectId: ProjectId, taskId: string): Promise<void> {
    await this.deps.jobs.dequeue(projectId, NEW_UPLOADS, [taskId]);
  }

  /** How many of the project's new uploads wait for their run. */
  async waitingCount(projectId: ProjectId): Promise<number> {
    return (await this.deps.jobs.waiting(NEW_UPLOADS, projectId))[0]?.count ?? 0;
  }

  /** Looks at the waiting lists now and every AUTO_RETRY_MS (a start picks up what a dead process left). */
  startSweeping(): void {
    if (this.sweeper || this.stopped) return;
    this.sweeper = setInterval(() => void this.sweep(), AUTO_RETRY_MS);
    this.sweeper.unref();
    void this.sweep();
  }

  /** A run of the project ended on this node: new uploads that waited for it go now. */
  runEnded(projectId: ProjectId): void {
    this.later(projectId, 0);
  }

  /** Shutdown: nothing more is started (what waits stays stored for the next start or another node). */
  stop(): void {
    this.stopped = true;
    if (this.sweeper) clearInterval(this.sweeper);
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private later(projectId: ProjectId, ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timers.get(projectId));
    const timer = setTimeout(() => {
      this.timers.delete(projectId);
      void this.sweep();
    }, ms);
    timer.unref();
    this.timers.set(projectId, timer);
  }

  private async sweepOnce(): Promise<void> {
    if (this.stopped || !this.deps.canRun()) return;
    const now = Date.now();
    for (const head of await this.deps.jobs.waiting(NEW_UPLOADS)) {
      if (this.stopped) return;
      const settle = head.lastAddedAt + AUTO_SETTLE_MS - now;
      if (settle > 0) this.later(head.projectId, settle); // still uploading
      else await this.runWaiting(head.projectId);
    }
  }

  /** Starts the run over the project's waiting uploads; they leave the list once the run holds them. */
  private async runWaiting(projectId: ProjectId): Promise<void> {
    const { meta, jobs } = this.deps;
    if (await this.deps.running(projectId)) return; // asked again when it ends (here) or at the next look
    const [project, waiting] = await Promise.all([meta.getProject(projectId), jobs.queued(projectId, NEW_UPLOADS)]);
    const auto = project?.settings?.autoPrelabel;
    if (!project || !auto) {
      // The setting was turned off meanwhile: those uploads stay as they are.
      await jobs.dequeue(projectId, NEW_UPLOADS, waiting.map((w) => w.item));
      return;
    }
    const have = new Set((await meta.listTasks(projectId)).map((t) => t.id as string));
    const taskIds = waiting.filter((w) => have.has(w.item)).map((w) => w.item);
    // Deleted since, or an upload that failed after its note (a task row may still be on its way).
    const gone = waiting.filter((w) => !have.has(w.item) && Date.now() - w.addedAt > ORPHAN_MS).map((w) => w.item);
    if (gone.length) await jobs.dequeue(projectId, NEW_UPLOADS, gone);
    if (!taskIds.length) return;
    try {
      await this.deps.start(projectId, project.createdBy, { labels: auto.labels, threshold: auto.threshold, thresholds: auto.thresholds, scope: 'empty', taskIds });
    } catch (e) {
      // Another run goes on, or the detector is gone: they wait for the next look.
      if (isTandemError(e) && (e.code === ErrorCode.Conflict || e.code === ErrorCode.NoWorker)) return;
      this.deps.log.warn({ err: e, projectId }, 'could not pre-label the new uploads');
    }
    // The run holds them now (its task list is stored). A process killed right here leaves them
    // waiting: the next look starts another run over them, which passes over those with objects.
    await jobs.dequeue(projectId, NEW_UPLOADS, taskIds);
  }
}
