// Counts HTTP requests by route pattern, method and status, and times them. The route label is
// derived from the path (ids replaced by `:id`), so the label set stays bounded whatever clients
// send; pages and assets of the web app are one label, `(app)`.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Metrics } from './createMetrics';

/** Path segments that are followed by an id in the API. */
const ID_AFTER = new Set(['projects', 'tasks', 'objects', 'members', 'users']);
const FIXED = new Set(['/healthz', '/readyz', '/metrics']);

/** `/api/tasks/Ab12/export` → `/api/tasks/:id/export`; non-API paths → `(app)`. */
export function routeLabel(pathname: string): string {
  if (FIXED.has(pathname)) return pathname;
  if (pathname.startsWith('/socket.io')) return '/socket.io';
  if (!pathname.startsWith('/api/')) return '(app)';
  const segs = pathname.split('/').slice(0, 8); // deeper paths are not routes of ours
  for (let i = 1; i < segs.length; i++) if (ID_AFTER.has(segs[i - 1]) && segs[i]) segs[i] = ':id';
  // Anything still unusual (random ids in unknown places) is cut to keep cardinality bounded.
  return segs.map((s) => (s.length > 40 ? ':long' : s)).join('/');
}

/** Call at the start of every request: records it when the response finishes. */
export function observeHttp(metrics: Metrics, req: IncomingMessage, res: ServerResponse): void {
  const t0 = performance.now();
  res.once('finish', () => {
    const route = routeLabel(new URL(req.url ?? '/', 'http://localhost').pathname);
    const method = req.method ?? 'GET';
    metrics.http.requests.inc({ route, method, status: String(res.statusCode) });
    metrics.http.seconds.observe({ route, method }, (performance.now() - t0) / 1000);
  });
}
