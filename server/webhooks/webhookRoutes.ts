// /api/projects/:id/webhooks: the owner's webhooks (a URL told when a task's status changes, e.g.
// to start a training run when a batch is done, an image is uploaded or deleted, a comment is
// written or an image flagged), their delivery log, and a test delivery.
import crypto from 'node:crypto';
import { z } from 'zod';
import { ErrorCode, TandemError } from '../../shared/protocol/errors';
import type { ProjectId } from '../../shared/schema/ids';
import { readJson } from '../http/body';
import { requireOwner, requireUser, type HttpDeps } from '../http/context';
import { sendJson, type Router } from '../http/router';
import { ToldEvents, type Webhook } from '../storage/webhookTypes';
import type { Deliverer } from './deliverer';
import { checkUrlHost } from '../net/privateAddress';

/** At most this many webhooks per project. */
export const MAX_WEBHOOKS = 10;

export const CreateWebhookSchema = z.object({
  url: z
    .string()
    .max(2000)
    .url()
    .refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), 'the URL must be http or https'),
  events: z
    .array(z.enum(ToldEvents))
    .max(ToldEvents.length)
    .default(['task.status'])
    .transform((e) => [...new Set(e)]),
});

export function webhookRoutes(router: Router, deps: HttpDeps, deliverer: Deliverer): void {
  const hooks = deps.storage.hooks;
  const owned = async (req: Parameters<typeof requireUser>[1], query: URLSearchParams, projectId: string) => {
    const user = await requireUser(deps, req, query);
    await requireOwner(deps, user, projectId as ProjectId);
    return user;
  };
  const find = async (projectId: string, hookId: string): Promise<Webhook> => {
    const h = (await hooks.listWebhooks(projectId as ProjectId)).find((x) => x.id === hookId);
    if (!h) throw new TandemError(ErrorCode.NotFound, 'no such webhook');
    return h;
  };

  router.add('GET', '/api/projects/:projectId/webhooks', async ({ req, res, query, params }) => {
    await owned(req, query, params.projectId);
    const list = await hooks.listWebhooks(params.projectId as ProjectId);
    const rows = await Promise.all(list.map(async (h) => ({ ...h, lastDelivery: (await hooks.listDeliveries(h.id, 1))[0] ?? null })));
    sendJson(res, 200, rows);
  });

  router.add('POST', '/api/projects/:projectId/webhooks', async ({ req, res, query, params }) => {
    const user = await owned(req, query, params.projectId);
    const body = await readJson(req, deps.config.limits.maxJsonBytes, CreateWebhookSchema);
    const projectId = params.projectId as ProjectId;
    if ((await hooks.listWebhooks(projectId)).length >= MAX_WEBHOOKS) throw new TandemError(ErrorCode.Conflict, `a project has at most ${MAX_WEBHOOKS} webhooks`);
    await checkUrlHost(body.url, { allowPrivate: deliverer.allowPrivate, setting: 'WEBHOOK_ALLOW_PRIVATE' });
    const secret = crypto.randomBytes(24).toString('base64url');
    const hook = await hooks.createWebhook({ projectId, url: body.url, secret, events: body.events, createdBy: user.id });
    sendJson(res, 201, hook);
  });

  router.add('DELETE', '/api/projects/:projectId/webhooks/:hookId', async ({ req, res, query, params }) => {
    await owned(req, query, params.projectId);
    await hooks.deleteWebhook(params.projectId as ProjectId, params.hookId);
    sendJson(res, 200, { deleted: params.hookId });
  });

  router.add('GET', '/api/projects/:projectId/webhooks/:hookId/deliveries', async ({ req, res, query, params }) => {
    await owned(req, query, params.projectId);
    const hook = await find(params.projectId, params.hookId);
    const limit = Math.min(100, Math.max(1, Number(query.get('limit')) || 20));
    sendJson(res, 200, await hooks.listDeliveries(hook.id, limit));
  });

  // A test delivery (event `ping`) to this webhook, sent at once: the owner sees whether the
  // receiver answers (and checks its signature) before a real event depends on it.
  router.add('POST', '/api/projects/:projectId/webhooks/:hookId/ping', async ({ req, res, query, params }) => {
    const user = await owned(req, query, params.projectId);
    const hook = await find(params.projectId, params.hookId);
    const at = Date.now();
    const key = `ping:${crypto.randomUUID()}`;
    const payload = JSON.stringify({ event: 'ping', id: key, at, project: { id: hook.projectId }, by: { id: user.id, name: user.name }, text: `${user.name} sent a test from Tandem` });
    await hooks.enqueue({ projectId: hook.projectId, event: 'ping', key, at, payload, hookId: hook.id });
    deliverer.kick();
    sendJson(res, 202, { queued: key });
  });
}
