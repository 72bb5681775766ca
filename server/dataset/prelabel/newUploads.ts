// Pre-labelling new uploads by themselves (a project's `autoPrelabel` setting): each upload's task
// joins its project's waiting list on the node that took it; once uploads pause, the waiting
// images get a run of their own (one per batch), after any run going on. In memory: a node that
// dies with a waiting list loses it, and those images wait for a run started by hand.
import { ErrorCode, isTandemError } from '../../../shared/protocol/errors';
import type { ProjectId, UserId } from '../../../shared/schema/ids';
import type { Logger } from '../../logger';
import type { MetaStore } from '../../storage/types';
import type { PrelabelOptions } from './prelabel';

/** New uploads are pre-labelled once uploads pause this long (a batch of images is one run). */
const AUTO_SETTLE_MS = 2000;
/** While another run goes on (or no worker runs the detector yet), new uploads wait and ask again
 *  this often, for up to AUTO_TRIES times (10 minutes); the end of a run on this node asks at once. */
const AUTO_RETRY_MS = 5000;
const AUTO_TRIES = 120;

export interface NewUploadsDeps {
  meta: Pick<MetaStore, 'getProject' | 'listTasks'>;
  log: Logger;
  /** Starts a run marked as the new uploads' (`conflict` while one runs anywhere). */
  start: (projectId: ProjectId, by: UserId, opts: PrelabelOptions) => Promise<unknown>;
}

export class NewUploads {
  /** New uploads per project waiting for their run, and the timer that starts it. */
  private readonly fresh = new Map<ProjectId, { ids: Set<string>; timer: NodeJS.Timeout | null; tries: number }>();
  private stopped = false;

  constructor(private readonly deps: NewUploadsDeps) {}

  /**
   * An image was uploaded to the project. When its settings pre-label new uploads, the new images
   * get a run of their own once uploads pause (one run per batch), after any run going on. Kept
   * in memory on the node that took the upload: if it dies first, those images wait for a run
   * started by hand.
   */
  tasksAdded(projectId: ProjectId, taskId: string): void {
    if (this.stopped) return;
    // Only while the setting is on: an upload made before it was turned on is not a new upload.
    this.deps.meta.getProject(projectId).then(
      (p) => p?.settings?.autoPrelabel && this.noteUpload(projectId, taskId),
      (err: unknown) => this.deps.log.warn({ err, projectId }, 'could not read whether to pre-label the upload'),
    );
  }

  private noteUpload(projectId: ProjectId, taskId: string): void {
    let f = this.fresh.get(projectId);
    if (!f) this.fresh.set(projectId, (f = { ids: new Set(), timer: null, tries: 0 }));
    f.ids.add(taskId);
    this.autoLater(projectId, AUTO_SETTLE_MS);
  }

  private autoLater(projectId: ProjectId, ms: number): void {
    const f = this.fresh.get(projectId);
    if (!f || this.stopped) return;
    if (f.timer) clearTimeout(f.timer);
    f.timer = setTimeout(() => void this.autoRun(projectId), ms);
    f.timer.unref();
  }

  /** Starts the run over the project's new uploads (or tries again later while another runs). */
  private async autoRun(projectId: ProjectId): Promise<void> {
    const f = this.fresh.get(projectId);
    if (!f || !f.ids.size) return;
    f.timer = null;
    const ids = [...f.ids];
    try {
      const project = await this.deps.meta.getProject(projectId);
      const auto = project?.settings?.autoPrelabel;
      if (!project || !auto) {
        this.fresh.delete(projectId);
        return;
      }
      // Only those still in the project (some may have been deleted meanwhile).
      const have = new Set((await this.deps.meta.listTasks(projectId)).map((t) => t.id as string));
      const taskIds = ids.filter((id) => have.has(id));
      for (const id of ids) f.ids.delete(id);
      if (!taskIds.length) return;
      try {
        await this.deps.start(projectId, project.createdBy, { labels: auto.labels, threshold: auto.threshold, thresholds: auto.thresholds, scope: 'empty', taskIds });
        f.tries = 0;
      } catch (e) {
        for (const id of taskIds) f.ids.add(id);
        throw e;
      }
    } catch (e) {
      if (isTandemError(e) && (e.code === ErrorCode.Conflict || e.code === ErrorCode.NoWorker) && ++f.tries < AUTO_TRIES) this.autoLater(projectId, AUTO_RETRY_MS);
      else {
        this.deps.log.warn({ err: e, projectId }, 'could not pre-label the new uploads');
        this.fresh.delete(projectId);
      }
    }
  }

  /** A run of the project ended on this node: new uploads that waited for it go now. */
  runEnded(projectId: ProjectId): void {
    if (this.fresh.get(projectId)?.ids.size) this.autoLater(projectId, 0);
  }

  /** Shutdown: nothing more is started. */
  stop(): void {
    this.stopped = true;
    for (const f of this.fresh.values()) if (f.timer) clearTimeout(f.timer);
  }
}
