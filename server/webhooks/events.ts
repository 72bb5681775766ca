// What the project's webhooks are told, queued in the shared delivery queue (storage.hooks):
// - from the review rooms (reviewOccurrences.ts), every time the sync server reports one (loaded
//   or changed): `task.status` (a new status record), `comment.created` (a thread's first message
//   or a reply) and `task.flagged`. The queue keys each occurrence (a room loaded again, or the
//   same change seen by two nodes, is one delivery), and a webhook is told only about what happened
//   after it was created. The startup check of every review room (app.ts) passes through here
//   too, so a change the server stored but did not get to queue before a crash is queued when it
//   starts again.
// - `task.created` / `task.deleted`: raised by the upload and delete routes once the change is
//   stored, so a pipeline that mirrors the dataset hears of new and removed images.
// - `prelabel.finished`: a project's pre-labelling run ended (done, stopped or failed), so a team
//   hears that the images are ready to correct.
// Every payload carries `text`, one line a chat channel can show as it is (a Slack, Mattermost or
// Rocket.Chat incoming webhook reads that field).
import type { Doc } from 'yjs';
import type { PrelabelStatus } from '../dataset/prelabel/prelabelTypes';
import type { TaskId } from '../../shared/schema/ids';
import type { Logger } from '../logger';
import type { MetaStore, Task, User } from '../storage/types';
import type { WebhookEvent, WebhookStore } from '../storage/webhookTypes';
import { fillLine, ReviewMemory, reviewOccurrences, type Occurrence } from './reviewOccurrences';


export class WebhookEvents {
  private memory = new Map<TaskId, ReviewMemory>();
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
    /** The labels of a task's objects (its task room), so a verdict says what was judged. */
    private readonly labelsOf: (taskId: TaskId) => Promise<ReadonlyMap<string, string>> = async () => new Map(),
  ) {}

  /** A review room was loaded or changed (or read by the startup check, which has the task's row). */
  review(taskId: TaskId, doc: Doc, task?: Task): void {
    let mem = this.memory.get(taskId);
    if (!mem) this.memory.set(taskId, (mem = new ReviewMemory()));
    let found: Occurrence[];
    try {
      found = reviewOccurrences(taskId, doc, mem);
    } catch (err) {
      // Never the sync server's problem: the room's update is applied and relayed whatever this says.
      this.log.warn({ err, taskId }, 'could not read the review room for webhooks');
      return;
    }
    if (found.length === 0) return;
    const job = this.reviewEvents(taskId, found, task)
      .catch((err: unknown) => {
        this.memory.delete(taskId); // the room's next report reads it all again; the queue drops repeats
        this.log.warn({ err, taskId }, 'could not queue the review webhooks');
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
        text: `${by.name} ${event === 'task.created' ? 'uploaded' : 'deleted'} ${name}`,
      });
    } catch (err) {
      this.log.warn({ err, taskId: task.id, event }, 'could not queue the webhook event');
    }
  }

  /** A pre-labelling run of the project ended (server/dataset/prelabel); a failure to queue is logged. */
  prelabelled(projectId: Task['projectId'], run: PrelabelStatus): Promise<void> {
    const job = this.prelabelEvent(projectId, run).finally(() => this.pending.delete(job));
    this.pending.add(job);
    return job;
  }

  private async prelabelEvent(projectId: Task['projectId'], run: PrelabelStatus): Promise<void> {
    try {
      const project = await this.meta.getProject(projectId);
      if (!project) return;
      const who = await this.meta.getUser(run.by as never);
      const at = run.finishedAt ?? Date.now();
      const how = run.state === 'done' ? 'finished' : run.state === 'stopped' ? 'was stopped' : 'failed';
      const { state, total, done, skipped, objects, failedTasks, lastError, detector, resumed } = run;
      const images = `${total} image${total === 1 ? '' : 's'}`;
      const what =
        run.mode === 'withdraw' ? `Withdrawing untouched ${run.withdrawing === 'imports' ? 'imported objects' : 'pre-labels'} from ${project.name} ${how}: ${objects} removed from ${done} of ${images}`
        : run.mode === 'boxes' ? `Making masks of the boxes imported into ${project.name} ${how}: ${objects} of ${run.boxes ?? 0} made on ${done} of ${images}`
        : `Pre-labelling of ${project.name} ${how}: ${objects} object${objects === 1 ? '' : 's'} added to ${done - skipped} of ${images}`;
      await this.queue(project, 'prelabel.finished', `prelabel.finished:${projectId}:${run.startedAt}`, at, {
        prelabel: { state, total, done, skipped, objects, failedTasks, lastError, detector, startedAt: run.startedAt, resumed, auto: run.auto === true, ...(run.mode && { mode: run.mode }), ...(run.withdrawing && { withdrawing: run.withdrawing }), ...(run.mode === 'boxes' && { boxes: run.boxes ?? 0, rectangles: run.rectangles ?? 0 }) },
        by: { id: run.by, name: who?.name ?? null },
        text: `${what}${failedTasks ? `, ${failedTasks} failed` : ''}`,
      });
    } catch (err) {
      this.log.warn({ err, projectId }, 'could not queue the pre-labelling webhook');
    }
  }

  /** Resolves when nothing is being queued (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.all(this.pending);
  }

  private async reviewEvents(taskId: TaskId, found: Occurrence[], row?: Task): Promise<void> {
    const task = row ?? (await this.meta.getTask(taskId));
    if (!task) return;
    const oldest = await this.oldestHook(task.projectId, row !== undefined);
    const news = oldest === null ? [] : found.filter((o) => o.at >= oldest); // none that existed then
    if (news.length === 0) return;
    const project = await this.meta.getProject(task.projectId);
    if (!project) return;
    const names = new Map<string, string | null>();
    for (const id of new Set(news.map((o) => o.by))) names.set(id, (await this.meta.getUser(id as never))?.name ?? null);
    // A verdict names the object's label (null when the object is gone or the room unreadable).
    const labels = news.some((o) => o.event === 'object.reviewed') ? await this.labelsOf(taskId).catch(() => new Map<string, string>()) : new Map<string, string>();
    for (const o of news) {
      const name = names.get(o.by) ?? null;
      const object = (o.body as { object?: { id: string } }).object;
      const label = object ? (labels.get(object.id) ?? null) : null;
      await this.queue(project, o.event, o.key, o.at, {
        task: { id: task.id, name: task.name, ...o.task, ...this.urlOf(task) },
        by: { id: o.by, name },
        ...o.body,
        ...(object ? { object: { ...object, label } } : {}),
        text: fillLine(o.line, name, task.name, label),
      });
    }
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
