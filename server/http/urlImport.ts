// POST /api/projects/:id/tasks/from-urls: the owner hands the server image URLs (a bucket's
// signed links, a public dataset, an image server inside the company if the admin allows it) and
// the server fetches each and adds it as a task, as an upload would. Each URL succeeds or fails
// on its own (an answer per URL, in order); four are fetched at a time and the tasks made in the
// order given. The task is named after the URL's last path segment. An image the project has
// already (the same bytes, however it came) is answered with its task and not added again, so a
// list sent twice (a script retried, signed links renewed) adds each image once.
import { ErrorCode, TandemError, isTandemError } from '../../shared/protocol/errors';
import { mapLimit } from '../../shared/async/mapLimit';
import { ImportUrlsSchema, type ImportUrlResult } from '../../shared/protocol/http';
import type { ProjectId } from '../../shared/schema/ids';
import { fetchBytes } from '../net/fetchBytes';
import { addImage } from './addImage';
import { readJson } from './body';
import { requireOwner, requireUser, type HttpDeps } from './context';
import { sendJson, type Router } from './router';

/** How many images are fetched at once. */
const PARALLEL = 4;

/** The task's name: the URL's last path segment, decoded ("…/frames/0001.jpg?sig=…" → 0001.jpg). */
export function nameFromUrl(url: string): string {
  const u = new URL(url);
  const last = u.pathname.split('/').filter(Boolean).pop() ?? '';
  let name: string;
  try {
    name = decodeURIComponent(last);
  } catch {
    name = last;
  }
  return (name.trim() || u.hostname).slice(0, 500);
}

export function urlImportRoutes(router: Router, deps: HttpDeps): void {
  const reach = { allowPrivate: deps.config.imports.allowPrivate, setting: 'IMPORT_ALLOW_PRIVATE' };

  router.add('POST', '/api/projects/:projectId/tasks/from-urls', async ({ req, res, query, params }) => {
    const user = await requireUser(deps, req, query);
    const projectId = params.projectId as ProjectId;
    await requireOwner(deps, user, projectId);
    const { urls } = await readJson(req, deps.config.limits.maxJsonBytes, ImportUrlsSchema);
    const failure = (url: string, e: unknown): ImportUrlResult => {
      if (!isTandemError(e)) deps.log.warn({ err: e, url }, 'import by URL failed');
      const err = isTandemError(e) ? e : new TandemError(ErrorCode.Internal, 'the image could not be added');
      return { url, error: { code: err.code, message: err.message } };
    };
    // Fetched four at a time, added one at a time in the order given (frames of a sequence stay
    // in order): a worker holds its one fetched image until the URLs before it are done.
    const results: ImportUrlResult[] = new Array(urls.length);
    let turn = 0;
    const waiting = new Map<number, () => void>();
    const myTurn = (i: number) => (i === turn ? Promise.resolve() : new Promise<void>((r) => waiting.set(i, r)));
    const pass = () => {
      turn++;
      waiting.get(turn)?.();
      waiting.delete(turn);
    };
    await mapLimit(urls, PARALLEL, async (url, i) => {
      // fetchBytes refuses private addresses itself, on the address each connection uses.
      const fetched = await fetchBytes(url, { reach, maxBytes: deps.config.limits.maxImageBytes, timeoutMs: deps.config.imports.fetchTimeoutMs }).catch((e: unknown) => failure(url, e));
      await myTurn(i);
      try {
        if ('bytes' in fetched) {
          const task = await addImage(deps, projectId, nameFromUrl(url), fetched.bytes, null, user, { ifNew: true });
          results[i] = { url, id: task.id, name: task.name, width: task.width, height: task.height, ...(task.existing ? { existing: true as const } : {}) };
        } else results[i] = fetched;
      } catch (e) {
        results[i] = failure(url, e);
      } finally {
        pass();
      }
    });
    const existing = results.filter((r) => 'existing' in r).length;
    const added = results.filter((r) => 'id' in r).length - existing;
    sendJson(res, 200, { added, existing, failed: results.length - added - existing, results });
  });
}
