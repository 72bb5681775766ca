// GET /api/projects/:projectId/activity: the project's activity log (activity.ts), newest first, a
// page at a time, for its owners; each person named as the project knows them now.
import { z } from 'zod';
import type { UserId } from '../../shared/schema/ids';
import { validate } from './body';
import { ownedProject, type HttpDeps } from './context';
import { sendJson, type Router } from './router';

const Query = z.object({
  before: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** Only this member's. */
  userId: z.string().min(1).max(100).optional(),
});

export function activityRoutes(router: Router, deps: HttpDeps): void {
  router.add('GET', '/api/projects/:projectId/activity', async ({ req, res, query, params }) => {
    const { project } = await ownedProject(deps, req, query, params.projectId);
    const { before, limit, userId } = validate(Query, Object.fromEntries(query));
    const entries = await deps.storage.meta.listActivity(project.id, { before, limit, userId: userId as UserId | undefined });
    // Who each id is: the one who acted, and the member an entry is about (added, given a role…).
    const ids = new Set<string>();
    for (const e of entries) {
      ids.add(e.userId);
      for (const k of ['userId', 'to'] as const) if (typeof e.detail[k] === 'string') ids.add(e.detail[k] as string);
    }
    const names: Record<string, string> = {};
    for (const id of ids) {
      const user = await deps.storage.meta.getUser(id as UserId);
      if (user) names[id] = user.name;
    }
    sendJson(res, 200, { entries, names, next: entries.length === limit ? entries[entries.length - 1].id : null });
  });
}
