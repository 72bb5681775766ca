// The project's activity log: who did what to it through the API, and when ("Ana deleted 300
// tasks", "Rita turned No overlap on", "the owner gave Ben a new sign-in link", "Ben exported the
// dataset"). The router calls `recordChange` after every request answered with success; a
// route listed here says what to keep of its request and answer: counts, names and choices, never
// a token, a webhook's secret or its URL's path and query (a Slack incoming webhook's path is its
// secret), nor a list of ids (only how many). Routes not listed (the editor's own writes go
// through the sync rooms, not here) record nothing.
//
// Written after the answer, off its path: a failure to record is logged, the change stands. A
// server killed between the two loses that line of the log, never the change itself.
import type { AnsweredHook } from './router';
import { factsOf } from './requestFacts';
import type { Logger } from '../logger';
import type { MetaStore } from '../storage/types';
import type { ProjectId } from '../../shared/schema/ids';

type Json = Record<string, unknown>;
interface Facts {
  params: Record<string, string>;
  query: URLSearchParams;
  body: Json;
  answer: Json;
}
/** What to keep of a change; null: the request changed nothing after all (an import's dry run). */
type Summary = (f: Facts) => { action: string; detail?: Json } | null;

/** How many ids a list held, without the ids. */
const count = (v: unknown) => (Array.isArray(v) ? v.length : 0);
/** The numbers of an answer (`{changed: 3, unchanged: 1}`): counts, never secrets. */
function numbers(answer: Json): Json {
  return Object.fromEntries(Object.entries(answer).filter(([, v]) => typeof v === 'number'));
}
/** A value cut to what a log line shows. */
const short = (v: unknown) => (typeof v === 'string' ? v.slice(0, 200) : v);
/** Only the scheme and host: a webhook's URL path and query are often its secret. */
function origin(url: unknown): string | null {
  try {
    return new URL(String(url)).origin;
  } catch {
    return null;
  }
}

const exportDetail = (query: URLSearchParams) => ({ format: query.get('format') ?? 'coco', images: query.get('images') === 'true', status: query.get('status') ?? undefined });

const ROUTES: Record<string, Summary> = {
  'POST /api/projects': ({ body }) => ({ action: 'project.create', detail: { name: short(body.name), copied: !!body.from } }),
  'PUT /api/projects/:projectId/name': ({ body }) => ({ action: 'project.rename', detail: { name: short(body.name) } }),
  'PUT /api/projects/:projectId/guide': ({ body }) => ({ action: 'guide', detail: { characters: String(body.guide ?? '').length } }),
  'PUT /api/projects/:projectId/labels': ({ body }) => ({ action: 'labels', detail: { labels: (body.labels as Array<{ name: string }>).slice(0, 25).map((l) => short(l.name)), count: count(body.labels) } }),
  'POST /api/projects/:projectId/labels/rename': ({ body }) => ({
    action: 'labels.rename',
    detail: { renames: ((body.renames as Array<{ from: string; to: string }> | undefined) ?? [body as { from: string; to: string }]).slice(0, 20).map((r) => ({ from: short(r.from), to: short(r.to) })) },
  }),
  'PUT /api/projects/:projectId/settings': ({ body }) => ({
    action: 'settings',
    detail: {
      noOverlap: body.noOverlap,
      ...(body.autoPrelabel !== undefined && { autoPrelabel: body.autoPrelabel !== null }),
      ...(body.imageAttributes !== undefined && { imageAttributes: count(body.imageAttributes) }),
      ...(body.checks !== undefined && { checks: body.checks }),
    },
  }),
  'POST /api/projects/:projectId/members': ({ body, answer }) => ({ action: 'members.add', detail: { userId: answer.userId, name: short(body.name), role: body.role } }),
  'PUT /api/projects/:projectId/members/:userId': ({ params, body }) => ({ action: 'members.role', detail: { userId: params.userId, role: body.role } }),
  'DELETE /api/projects/:projectId/members/:userId': ({ params }) => ({ action: 'members.remove', detail: { userId: params.userId } }),
  'POST /api/projects/:projectId/members/:userId/token': ({ params, answer }) => ({ action: 'members.link', detail: { userId: params.userId, revoked: answer.revoked } }),
  'PUT /api/projects/:projectId/assignments': ({ body }) => {
    const to = [...new Set((body.assignments as Array<{ userId: string | null }>).map((a) => a.userId))];
    return { action: 'assign', detail: { tasks: count(body.assignments), to: to.length === 1 ? to[0] : undefined } };
  },
  'POST /api/projects/:projectId/tasks': ({ query, answer }) => ({ action: 'upload', detail: { name: short(query.get('name') ?? answer.name ?? ''), existing: answer.existing === true } }),
  'POST /api/projects/:projectId/tasks/from-urls': ({ body, answer }) => ({ action: 'upload.urls', detail: { urls: count(body.urls), ...numbers(answer) } }),
  'DELETE /api/tasks/:taskId': ({ answer }) => ({ action: 'task.delete', detail: { objects: answer.objects } }),
  'POST /api/tasks/:taskId/objects/:objectId/restore': ({ params, body }) => ({ action: 'object.restore', detail: { objectId: params.objectId, version: body.version } }),
  'POST /api/projects/:projectId/import': ({ query, answer }) =>
    answer.dryRun ? null : { action: 'import', detail: { format: query.get('format') ?? 'coco', tasks: count(answer.tasks), ...numbers(answer), boxesAs: answer.boxesAs } },
  'POST /api/projects/:projectId/flags': ({ body, answer }) => ({ action: 'flag', detail: { tasks: count(body.taskIds), flag: (body.flag as { reason?: string } | null)?.reason ?? null, ...numbers(answer) } }),
  'POST /api/projects/:projectId/image-attributes': ({ body, answer }) => ({ action: 'image-attributes', detail: { tasks: count(body.taskIds), values: body.values, ...numbers(answer) } }),
  'POST /api/projects/:projectId/object-attributes': ({ body, answer }) => ({ action: 'object-attributes', detail: { tasks: count(body.taskIds), label: short(body.label), values: body.values, ...numbers(answer) } }),
  'POST /api/projects/:projectId/remove-specks': ({ body, answer }) => ({ action: 'remove-specks', detail: { tasks: count(body.taskIds), ...numbers(answer) } }),
  'POST /api/projects/:projectId/references': ({ body, answer }) => ({ action: 'references.mark', detail: { tasks: count(body.taskIds), ...numbers(answer) } }),
  'POST /api/projects/:projectId/references/again': ({ body, answer }) => ({ action: 'references.again', detail: { tasks: count(body.taskIds), ...numbers(answer) } }),
  'POST /api/projects/:projectId/references/remove': ({ body, answer }) => ({ action: 'references.remove', detail: { tasks: count(body.taskIds), restore: body.restore === true, ...numbers(answer) } }),
  'POST /api/projects/:projectId/prelabel': ({ body }) => ({ action: 'prelabel.start', detail: { classes: Object.keys((body.labels as Json) ?? {}).length, scope: body.scope, tasks: body.taskIds ? count(body.taskIds) : undefined } }),
  'DELETE /api/projects/:projectId/prelabel': () => ({ action: 'prelabel.stop' }),
  'POST /api/projects/:projectId/prelabel/withdraw': ({ body, answer }) => ({ action: 'prelabel.withdraw', detail: { tasks: body.taskIds ? count(body.taskIds) : undefined, what: body.what === 'imports' ? 'imports' : undefined, ...numbers(answer) } }),
  'GET /api/projects/:projectId/export': ({ query }) => ({ action: 'export', detail: exportDetail(query) }),
  'POST /api/projects/:projectId/export': ({ query }) => ({ action: 'export', detail: { ...exportDetail(query), shown: true } }),
  'POST /api/projects/:projectId/webhooks': ({ body }) => ({ action: 'webhooks.add', detail: { host: origin(body.url), events: body.events } }),
  'DELETE /api/projects/:projectId/webhooks/:hookId': ({ params }) => ({ action: 'webhooks.remove', detail: { hookId: params.hookId } }),
};

/** A detail the store takes (4,000 characters of JSON): past that, its counts and short values only. */
function fit(detail: Json): Json {
  if (JSON.stringify(detail).length <= 3500) return detail;
  const kept = Object.fromEntries(Object.entries(detail).filter(([, v]) => typeof v !== 'object' || v === null).map(([k, v]) => [k, typeof v === 'string' ? v.slice(0, 100) : v]));
  return { ...kept, cut: true };
}

/** The routes the log knows (a test checks each is a route the server has). */
export const ACTIVITY_ROUTES = Object.keys(ROUTES);

/** The router's change hook: records a listed route's change in its project's log. */
export function recordChange(meta: Pick<MetaStore, 'recordActivity'>, log: Logger, now: () => number = Date.now): AnsweredHook {
  return ({ route, params, query, req, res }) => {
    const summary = ROUTES[route];
    if (!summary) return;
    const f = factsOf(req, res);
    const answer = (f.answer ?? {}) as Json;
    const projectId = params.projectId ?? f.task?.projectId ?? (route === 'POST /api/projects' ? (answer.id as string | undefined) : undefined);
    if (!f.user || !projectId) return;
    let entry: ReturnType<Summary>;
    try {
      entry = summary({ params, query, body: (f.body ?? {}) as Json, answer });
    } catch (err) {
      log.warn({ err, route }, 'could not summarise a change for the activity log');
      return;
    }
    if (!entry) return;
    const detail = fit(JSON.parse(JSON.stringify({ ...entry.detail, ...(f.task && { taskId: f.task.id, task: f.task.name }) })) as Json);
    meta.recordActivity({ projectId: projectId as ProjectId, at: now(), userId: f.user.id, action: entry.action, detail }).catch((err: unknown) => log.warn({ err, route, projectId }, 'could not record the activity'));
  };
}
