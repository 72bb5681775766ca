// The deliverer against a real receiver on a local port and the real SQLite queue: what a
// receiver gets (body, event, delivery id, a signature it can check), and what happens when it
// fails: tried again after each wait, then marked failed; a refused connection and a receiver that
// never answers are failures too. The receivers listen on 127.0.0.1, so these deliverers allow
// private addresses; the last test checks that the default refuses them.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logger';
import { SqliteMetaStore } from '../storage/sqlite/SqliteMetaStore';
import { SqliteWebhookStore } from '../storage/sqlite/SqliteWebhookStore';
import { webhookReceiver } from '../../tests/helpers/webhookReceiver';
import { Deliverer, signature } from './deliverer';

const log = createLogger({ level: 'silent' });
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A receiver answering with `statuses` (tests/helpers/webhookReceiver.ts), closed after the test. */
async function receiver(statuses: Array<number | null>) {
  const r = await webhookReceiver(statuses);
  cleanups.push(() => r.close());
  return r;
}

async function queue(url: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-hooks-'));
  const file = path.join(dir, 'tandem.db');
  const meta = SqliteMetaStore.open(file);
  const hooks = SqliteWebhookStore.open(file);
  cleanups.push(async () => {
    await hooks.close();
    await meta.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const owner = await meta.createUser({ name: 'Olga' });
  const p = await meta.createProject({ name: 'p', labels: [], createdBy: owner.id });
  const hook = await hooks.createWebhook({ projectId: p.id, url, secret: 'shh', events: ['task.status'], createdBy: owner.id });
  const put = (key: string, payload: string) => hooks.enqueue({ projectId: p.id, event: 'task.status', key, at: Date.now(), payload });
  return { hooks, hook, put };
}

const until = async (cond: () => boolean | Promise<boolean>, ms = 5000) => {
  for (const end = Date.now() + ms; !(await cond()); ) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('webhook deliverer', () => {
  it('POSTs the payload with its event, delivery id and a signature of the body by the secret', async () => {
    const r = await receiver([204]);
    const { hooks, hook, put } = await queue(r.url);
    await put('t1:done:1', '{"event":"task.status","n":1}');
    const d = new Deliverer(hooks, log, { allowPrivate: true, pollMs: 60_000 });
    d.kick();
    await d.idle();
    expect(r.got).toHaveLength(1);
    const [{ headers, body }] = r.got;
    expect(body).toBe('{"event":"task.status","n":1}');
    expect(headers['content-type']).toBe('application/json');
    expect(headers['x-tandem-event']).toBe('task.status');
    expect(headers['x-tandem-signature']).toBe(signature('shh', body));
    expect(signature('shh', body)).toMatch(/^sha256=[0-9a-f]{64}$/);
    const [logged] = await hooks.listDeliveries(hook.id, 5);
    expect(headers['x-tandem-delivery']).toBe(logged.id);
    expect(logged).toMatchObject({ state: 'delivered', attempts: 1, lastStatus: 204, lastError: null });
    await d.stop();
  });

  it('tries again after each wait and gives up after the last; a later success is recorded', async () => {
    const r = await receiver([500, 503, 500]);
    const { hooks, hook, put } = await queue(r.url);
    await put('a', '{"a":1}');
    const d = new Deliverer(hooks, log, { allowPrivate: true, pollMs: 20, retryDelaysMs: [30, 30] });
    d.start();
    await until(async () => (await hooks.listDeliveries(hook.id, 1))[0].state === 'failed');
    expect(r.got.map((g) => g.body)).toEqual(['{"a":1}', '{"a":1}', '{"a":1}']);
    expect((await hooks.listDeliveries(hook.id, 1))[0]).toMatchObject({ attempts: 3, lastStatus: 500, lastError: 'HTTP 500' });
    // The receiver recovers: the next event goes through at the first attempt.
    const ok = await receiver([200]);
    await d.stop();
    const again = await queue(ok.url);
    await again.put('b', '{"b":1}');
    const d2 = new Deliverer(again.hooks, log, { allowPrivate: true, pollMs: 20, retryDelaysMs: [30, 30] });
    d2.start();
    await until(async () => (await again.hooks.listDeliveries(again.hook.id, 1))[0].state === 'delivered');
    await d2.stop();
  });

  it('a refused connection and a receiver that never answers are failed attempts, due again later', async () => {
    const silent = await receiver([null]);
    const { hooks, hook, put } = await queue(silent.url);
    await put('slow', '{}');
    const d = new Deliverer(hooks, log, { allowPrivate: true, pollMs: 60_000, timeoutMs: 200, retryDelaysMs: [60_000] });
    d.kick();
    await d.idle();
    const [slow] = await hooks.listDeliveries(hook.id, 1);
    expect(slow).toMatchObject({ state: 'pending', attempts: 1, lastStatus: null, lastError: 'no answer within 200 ms' });
    expect(slow.nextAt).toBeGreaterThan(Date.now() + 50_000);

    const gone = http.createServer();
    await new Promise<void>((r) => gone.listen(0, '127.0.0.1', () => r()));
    const port = (gone.address() as { port: number }).port;
    await new Promise<void>((r) => gone.close(() => r())); // nothing listens there any more
    const refused = await queue(`http://127.0.0.1:${port}/never`);
    await refused.put('r', '{}');
    const d2 = new Deliverer(refused.hooks, log, { allowPrivate: true, pollMs: 60_000, retryDelaysMs: [60_000] });
    d2.kick();
    await d2.idle();
    expect((await refused.hooks.listDeliveries(refused.hook.id, 1))[0]).toMatchObject({ state: 'pending', attempts: 1, lastStatus: null, lastError: 'ECONNREFUSED' });
    await d.stop();
    await d2.stop();
  });

  it('stopping (shutdown) cuts an attempt in flight short without counting it: the claim lapses and it is sent later', async () => {
    const silent = await receiver([null]);
    const { hooks, hook, put } = await queue(silent.url);
    await put('cut', '{}');
    const d = new Deliverer(hooks, log, { allowPrivate: true, pollMs: 60_000, timeoutMs: 30_000, leaseMs: 100 });
    d.kick();
    await until(() => silent.got.length === 1);
    const t0 = Date.now();
    await d.stop();
    expect(Date.now() - t0).toBeLessThan(5000); // not the 30 s timeout
    expect((await hooks.listDeliveries(hook.id, 1))[0]).toMatchObject({ state: 'pending', attempts: 0 });
    await new Promise((r) => setTimeout(r, 150));
    expect((await hooks.claimDue(Date.now(), 1000))?.payload).toBe('{}'); // another sender may take it
  });

  it('refuses receivers at private addresses unless allowed: a loopback IP, and a name that resolves to one', async () => {
    const r = await receiver([200, 200]);
    const port = new URL(r.url).port;
    for (const url of [r.url, `http://localhost:${port}/hook`, `http://[::ffff:127.0.0.1]:${port}/hook`]) {
      const { hooks, hook, put } = await queue(url);
      await put('t1:done:1', '{}');
      const d = new Deliverer(hooks, log, { pollMs: 60_000, retryDelaysMs: [60_000] });
      d.kick();
      await d.idle();
      await d.stop();
      const [logged] = await hooks.listDeliveries(hook.id, 5);
      expect(logged).toMatchObject({ state: 'pending', attempts: 1, lastStatus: null, lastError: expect.stringMatching(/^EPRIVATE: .* is not a public address; .* WEBHOOK_ALLOW_PRIVATE=true/) });
    }
    expect(r.got).toHaveLength(0);
  });
});
