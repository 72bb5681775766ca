// `task.created` (an image uploaded) and `task.deleted` (the owner deleted it) for the project's
// webhooks, queued by the HTTP routes once the change is stored, so a pipeline that mirrors the
// dataset hears of new and removed images without listing the project.
import type { Logger } from '../logger';
import type { Task, User } from '../storage/types';
import type { WebhookStore } from '../storage/webhookTypes';

export class TaskEvents {
  constructor(
    private readonly hooks: Pick<WebhookStore, 'enqueue'>,
    private readonly log: Logger,
    /** Called after something was queued (the deliverer sends it at once). */
    private readonly queued: () => void,
    private readonly publicUrl: string | null,
  ) {}

  /** Queues the event; a failure to queue is logged, never the request's failure (the change is made). */
  async told(event: 'task.created' | 'task.deleted', task: Task, by: Pick<User, 'id' | 'name'>, project: { id: string; name: string }): Promise<void> {
    const at = Date.now();
    const key = `${event}:${task.id}`;
    const payload = JSON.stringify({
      event,
      id: key,
      at,
      project,
      task: {
        id: task.id,
        name: task.name,
        width: task.width,
        height: task.height,
        ...(event === 'task.created' && this.publicUrl ? { url: new URL(`/tasks/${task.id}`, this.publicUrl).href } : {}),
      },
      by: { id: by.id, name: by.name },
    });
    try {
      if ((await this.hooks.enqueue({ projectId: task.projectId, event, key, at, payload })) > 0) this.queued();
    } catch (err) {
      this.log.warn({ err, taskId: task.id, event }, 'could not queue the webhook event');
    }
  }
}
