// Client of /api/projects/:id/webhooks (server/webhooks/webhookRoutes.ts), for the project page's
// Webhooks card (owners only).
import { z } from 'zod';
import { readAnswer } from './api';

export const DeliverySchema = z.object({
  id: z.string(),
  event: z.string(),
  state: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number(),
  nextAt: z.number(),
  lastStatus: z.number().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.number(),
  deliveredAt: z.number().nullable(),
});
export type Delivery = z.infer<typeof DeliverySchema>;

export const WebhookSchema = z.object({
  id: z.string(),
  url: z.string(),
  secret: z.string(),
  events: z.array(z.string()),
  createdAt: z.number(),
  lastDelivery: DeliverySchema.nullable().optional(),
});
export type Webhook = z.infer<typeof WebhookSchema>;

export class WebhooksApi {
  constructor(
    private token: string,
    private projectId: string,
  ) {}

  private async call<T>(method: string, path: string, schema: z.ZodType<T>, body?: unknown): Promise<T> {
    const url = `/api/projects/${encodeURIComponent(this.projectId)}/webhooks${path}`;
    const res = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    return readAnswer(res, url, schema);
  }

  list() {
    return this.call('GET', '', z.array(WebhookSchema));
  }
  /** `events`: what it is told (server/storage/webhookTypes.ts `ToldEvents`). */
  create(url: string, events: string[]) {
    return this.call('POST', '', WebhookSchema, { url, events });
  }
  remove(id: string) {
    return this.call('DELETE', `/${encodeURIComponent(id)}`, z.object({ deleted: z.string() }));
  }
  ping(id: string) {
    return this.call('POST', `/${encodeURIComponent(id)}/ping`, z.object({ queued: z.string() }));
  }
  deliveries(id: string) {
    return this.call('GET', `/${encodeURIComponent(id)}/deliveries?limit=10`, z.array(DeliverySchema));
  }
}
