// What the project's webhooks are told, queued in the shared delivery queue (storage.hooks):
// - `task.status`: every time the sync server reports a review room (loaded or changed), its
//   status record (status, who, when) is compared with the last one seen for the task; a new one
//   is queued. The queue keys it by task, status and time, so a room loaded again, or the same
//   change seen by two nodes, is one delivery, and a webhook is told only about changes made after
//   it was created. The startup check of every review room (app.ts) passes through here too, so a
//   change the server stored but did not get to queue before a crash is queued when it starts again.
// - `task.created` / `task.deleted`: raised by the upload and delete routes once the change is
//   stored, so a pipeline that mirrors the dataset hears of new and removed images.
import type { Doc } from 'yjs';
import type { TaskId } from '../../shared/schema/ids';
import { readTaskStatus } from '../../shared/schema/review';
import type { Logger } from '../logger';
import type { MetaStore, Task, User } from '../storage/types';
import type { WebhookEvent, WebhookStore } from '../storage/webhookTypes';

export class WebhookEvents {
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
  status(taskId: TaskId, doc: Doc, task?: Task): void {
    const s = readTaskStatus(doc);
    if (!s) return;
    const key = `${taskId}:${s.status}:${s.at}`;
    if (this.seen.get(taskId) === key) return;
    this.seen.set(taskId, key);
    const job = this.statusEvent(taskId, key, s, task)
      .catch((err: unknown) => {
        this.seen.delete(taskId); // the room's next report tries again
        this.log.warn({ err, taskId }, 'could not queue the task status webhook');
      })
      .finally(() => this.pending.delete(job));
    this.pending.add(job);
  }

  /** An image uploaded or deleted (the change is stored); a failure to queue is logged, never the request's. */
  async told(event: 'task.created' | 'task.deleted', task: Task, by: Pick<User, 'id' | 'name'>): Promise<void> {
    try {
      const project = await this.meta.getProject(task.projectId);
      if (!project) return;
      const at = Date.now();
      const { id, name, width, height } = task;
      await this.queue(project, event, `${event}:${task.id}`, at, {
        task: { id, name, width, height, ...(event === 'task.created' ? this.urlOf(task) : {}) },
        by: { id: by.id, name: by.name },
      });
    } catch (err) {
      this.log.warn({ err, taskId: task.id, event }, 'could not queue the webhook event');
    }
  }

  /** Resolves when nothing is being queued (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.all(this.pending);
  }

  private async statusEvent(taskId: TaskId, key: string, s: { status: string; by: string; at: number }, row?: Task): Promise<void> {
    const task = row ?? (await this.meta.getTask(taskId));
    if (!task) return;
    const oldest = await this.oldestHook(task.projectId, row !== undefined);
    if (oldest === null || oldest > s.at) return; // no webhook, or none that existed then
    const [project, by] = await Promise.all([this.meta.getProject(task.projectId), this.meta.getUser(s.by as never)]);
    if (!project) return;
    await this.queue(project, 'task.status', key, s.at, {
      task: { id: task.id, name: task.name, status: s.status, ...this.urlOf(task) },
      by: { id: s.by, name: by?.name ?? null },
    });
  }

  /** The event's JSON (`{event, id, at, project, ...body}`) queued for the project's webhooks that take it. */
  private async queue(project: { id: Task['projectId']; name: string }, event: WebhookEvent, key: string, at: number, body: object): Promise<void> {
    const payload = JSON.stringify({ event, id: key, at, project: { id: project.id, name: project.name }, ...body });
    if ((await this.hooks.enqueue({ projectId: project.id, event, key, at, payload })) > 0) this.queued();
  }

  /** The task's address in the editor, when PUBLIC_URL says where Tandem is. */
  private urlOf(task: Task): { url?: string } {
    return this.publicUrl ? { url: new URL(`/tasks/${task.id}`, this.publicUrl).href } : {};
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
