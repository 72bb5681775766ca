// Turns review rooms into `task.status` webhook events: every time the sync server reports a
// review room (loaded or changed), the status record (status, who, when) is compared with the last
// one seen for the task; a new one is queued for the project's webhooks. The queue keys it by
// task, status and time, so a room loaded again, or the same change seen by two nodes, is one
// delivery, and a webhook is told only about changes made after it was created. The startup check
// of every review room (app.ts) passes through here too, so a change the server stored but did
// not get to queue before a crash is queued when it starts again.
import type { Doc } from 'yjs';
import type { TaskId } from '../../shared/schema/ids';
import { readTaskStatus } from '../../shared/schema/review';
import type { Logger } from '../logger';
import type { MetaStore, Task } from '../storage/types';
import type { WebhookStore } from '../storage/webhookTypes';

export class StatusEvents {
  private seen = new Map<TaskId, string>();
  private pending = new Set<Promise<void>>();
  /** A project's webhooks, briefly: the startup check reads every room, most projects have none. */
  private hooksOf = new Map<string, { at: number; oldest: number | null }>();

  constructor(
    private readonly meta: Pick<MetaStore, 'getTask' | 'getProject' | 'getUser'>,
    private readonly hooks: Pick<WebhookStore, 'enqueue' | 'listWebhooks'>,
    private readonly log: Logger,
    /** Called after something was queued (the deliverer sends it at once). */
    private readonly queued: () => void,
    private readonly publicUrl: string | null,
  ) {}

  /** A review room was loaded or changed (or read by the startup check, which has the task's row). */
  update(taskId: TaskId, doc: Doc, task?: Task): void {
    const s = readTaskStatus(doc);
    if (!s) return;
    const key = `${taskId}:${s.status}:${s.at}`;
    if (this.seen.get(taskId) === key) return;
    this.seen.set(taskId, key);
    const job = this.enqueue(taskId, key, s, task)
      .catch((err: unknown) => {
        this.seen.delete(taskId); // the room's next report tries again
        this.log.warn({ err, taskId }, 'could not queue the task status webhook');
      })
      .finally(() => this.pending.delete(job));
    this.pending.add(job);
  }

  /** Resolves when nothing is being queued (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.all(this.pending);
  }

  private async enqueue(taskId: TaskId, key: string, s: { status: string; by: string; at: number }, row?: Task): Promise<void> {
    const task = row ?? (await this.meta.getTask(taskId));
    if (!task) return;
    const oldest = await this.oldestHook(task.projectId, row !== undefined);
    if (oldest === null || oldest > s.at) return; // no webhook, or none that existed then
    const [project, by] = await Promise.all([this.meta.getProject(task.projectId), this.meta.getUser(s.by as never)]);
    if (!project) return;
    const payload = JSON.stringify({
      event: 'task.status',
      id: key,
      at: s.at,
      project: { id: project.id, name: project.name },
      task: { id: task.id, name: task.name, status: s.status, ...(this.publicUrl ? { url: new URL(`/tasks/${task.id}`, this.publicUrl).href } : {}) },
      by: { id: s.by, name: by?.name ?? null },
    });
    if ((await this.hooks.enqueue({ projectId: project.id, event: 'task.status', key, at: s.at, payload })) > 0) this.queued();
  }

  /** When the project's oldest webhook was made (null: it has none). The startup check (`cached`)
   *  reads it at most every 2 s per project; a live change reads it fresh (a webhook just made). */
  private async oldestHook(projectId: string, cached: boolean): Promise<number | null> {
    const hit = this.hooksOf.get(projectId);
    if (cached && hit && Date.now() - hit.at < 2000) return hit.oldest;
    const list = await this.hooks.listWebhooks(projectId as Task['projectId']);
    const oldest = list.length ? Math.min(...list.map((h) => h.createdAt)) : null;
    this.hooksOf.set(projectId, { at: Date.now(), oldest });
    return oldest;
  }
}
