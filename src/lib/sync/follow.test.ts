// Following a run's status through the real Api and fetch, against a real HTTP server that
// misbehaves the way a restart or a network change does: a request accepted and never answered,
// a server gone (connection refused), answers arriving out of order.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Api, type PrelabelStatus } from './api';
import { follow, type Follower } from './follow';
import { watchDetectors } from './watchDetectors';
import { waitFor } from '../../../tests/helpers/waitFor';

type Reply = { hang: true } | { delayMs?: number; status: unknown; code?: number };

/** A server answering from a script, one entry per request (the last repeats). */
async function scripted(replies: Reply[]) {
  let n = 0;
  const server = http.createServer((req, res) => {
    const r = replies[Math.min(n++, replies.length - 1)];
    if ('hang' in r) return; // accepted, read, never answered: the connection stays open
    setTimeout(() => {
      res.writeHead(r.code ?? 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(r.status));
    }, r.delayMs ?? 0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    requests: () => n,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

const running = (done: number): PrelabelStatus => ({ state: 'running', done, total: 3, objects: done, skipped: 0, failedTasks: 0 });
const done: PrelabelStatus = { state: 'done', done: 3, total: 3, objects: 3, skipped: 0, failedTasks: 0 };

describe('following a run', () => {
  const open: Array<{ close(): Promise<void> }> = [];
  let f: Follower | null = null;
  afterEach(async () => {
    f?.stop();
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  /** Follows like the project page does: every second while running, then it stops asking. */
  function start(api: Api, seen: PrelabelStatus[], failures: string[], timeoutMs = 400) {
    f = follow((signal) => api.prelabelStatus('p1', signal), (st) => (seen.push(st), st.state === 'running' ? 50 : null), {
      timeoutMs,
      retryMs: 50,
      failed: (e) => failures.push((e as Error).message),
    });
  }

  it('a request that never answers is given up and asked again: the page still sees the run end', async () => {
    const srv = await scripted([{ status: running(1) }, { hang: true }, { status: running(2) }, { status: done }]);
    open.push(srv);
    const seen: PrelabelStatus[] = [];
    const failures: string[] = [];
    start(new Api('t', srv.base), seen, failures);
    await waitFor(() => seen.at(-1)?.state === 'done', 'the end of the run', 10_000);
    expect(seen.map((s) => `${s.state} ${s.done}`)).toEqual(['running 1', 'running 2', 'done 3']);
    expect(failures).toEqual(['no answer in 0.4 s']);
    const asked = srv.requests();
    await new Promise((r) => setTimeout(r, 300));
    expect(srv.requests()).toBe(asked); // ended: no more requests
  });

  it('keeps asking while the server is away, and carries on once it is back', async () => {
    const first = await scripted([{ status: running(1) }]);
    const seen: PrelabelStatus[] = [];
    const failures: string[] = [];
    const port = Number(new URL(first.base).port);
    start(new Api('t', first.base), seen, failures);
    await waitFor(() => seen.length > 0, 'the first status', 5000);
    await first.close(); // the restart: connections refused for a while
    await waitFor(() => failures.length >= 3, 'failures while the server is away', 5000);
    // Back on the same port.
    const back = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(done));
    });
    await new Promise<void>((resolve) => back.listen(port, '127.0.0.1', resolve));
    open.push({ close: () => new Promise<void>((resolve) => (back.closeAllConnections(), back.close(() => resolve()))) });
    await waitFor(() => seen.at(-1)?.state === 'done', 'the end of the run after the restart', 10_000);
  });

  it('asking now drops the answer of an older request still on its way', async () => {
    // The first request answers late with an older state; the one asked meanwhile answers at once.
    const srv = await scripted([{ delayMs: 300, status: running(1) }, { status: done }]);
    open.push(srv);
    const seen: PrelabelStatus[] = [];
    start(new Api('t', srv.base), seen, [], 5000);
    await waitFor(() => srv.requests() === 1, 'the first request', 5000);
    f!.now();
    await waitFor(() => seen.length > 0, 'an answer', 5000);
    await new Promise((r) => setTimeout(r, 500));
    expect(seen.map((s) => s.state)).toEqual(['done']);
  });

  it('watches for a detector through a failed request (a page loading while the server restarts) until one is listed', async () => {
    const detector = { id: 'coco-detector', classes: ['person'], threshold: 0.35 };
    const unavailable = { error: { code: 'unavailable', message: 'starting' } };
    const srv = await scripted([{ code: 503, status: unavailable }, { status: [] }, { status: [detector] }]);
    open.push(srv);
    const lists: unknown[][] = [];
    const stop = watchDetectors(new Api('t', srv.base), (ds) => lists.push(ds));
    try {
      await waitFor(() => lists.at(-1)?.length, 'the detector', 15_000);
      expect(lists).toEqual([[], [detector]]);
      await new Promise((r) => setTimeout(r, 3500));
      expect(srv.requests()).toBe(3); // listed: asked no more
    } finally {
      stop();
    }
  }, 30_000);
});
