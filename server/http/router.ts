// A small router on node:http: method + path pattern (`/api/tasks/:taskId`) → handler. Handlers
// throw TandemError; the router answers `{"error": {"code", "message"}}` with the mapped status.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorResponse } from '../errors';
import type { Logger } from '../logger';
import { noteAnswer } from './requestFacts';

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
  query: URLSearchParams;
  log: Logger;
}

export type RouteHandler = (ctx: RouteContext) => Promise<void> | void;

interface Route {
  method: string;
  /** As registered (`/api/tasks/:taskId`): what the activity log names it by. */
  path: string;
  pattern: RegExp;
  keys: string[];
  handler: RouteHandler;
}

/** A request was answered with success (activity.ts records the changes and exports). */
export type AnsweredHook = (answer: { route: string; params: Record<string, string>; query: URLSearchParams; req: IncomingMessage; res: ServerResponse }) => void;

export class Router {
  private routes: Route[] = [];
  private answered: AnsweredHook | null = null;

  constructor(private log: Logger) {}

  /** Called after each request a route answered below 400 (never throws into it). */
  onAnswered(hook: AnsweredHook): this {
    this.answered = hook;
    return this;
  }

  /** Every route as `METHOD /path/:param` (the activity log's names are checked against them). */
  paths(): string[] {
    return this.routes.map((r) => `${r.method} ${r.path}`);
  }

  /** Registers a route; `:name` segments match one URL-decoded path segment. */
  add(method: string, path: string, handler: RouteHandler): this {
    const keys: string[] = [];
    const source = path
      .split('/')
      .map((seg) => {
        if (seg.startsWith(':')) {
          keys.push(seg.slice(1));
          return '([^/]+)';
        }
        return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    this.routes.push({ method: method.toUpperCase(), path, pattern: new RegExp(`^${source}/?$`), keys, handler });
    return this;
  }

  /**
   * Handles the request when a route's path matches; returns false when none does (the caller
   * hands the request on). A path that matches with another method answers 405.
   */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let pathMatched = false;
    for (const r of this.routes) {
      const m = r.pattern.exec(url.pathname);
      if (!m) continue;
      pathMatched = true;
      if (r.method !== req.method && !(r.method === 'GET' && req.method === 'HEAD')) continue;
      const params: Record<string, string> = {};
      try {
        r.keys.forEach((k, i) => (params[k] = decodeURIComponent(m[i + 1])));
        await r.handler({ req, res, params, query: url.searchParams, log: this.log });
        if (this.answered && res.statusCode < 400) {
          try {
            this.answered({ route: `${r.method} ${r.path}`, params, query: url.searchParams, req, res });
          } catch (err) {
            this.log.warn({ err }, 'the answered hook failed');
          }
        }
      } catch (e) {
        const { status, body } = errorResponse(e, this.log, { method: req.method, path: url.pathname });
        if (!res.headersSent) sendJson(res, status, body);
        else res.destroy();
      }
      return true;
    }
    if (pathMatched) {
      sendJson(res, 405, { error: { code: 'bad_request', message: `method ${req.method} not allowed` } });
      return true;
    }
    return false;
  }
}

/** Answers JSON with the status; `no-store` because API answers depend on the token. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  noteAnswer(res, body);
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}
