// GET /metrics as an operator reads it, from real servers: every answered segment request shows in
// the request counter under its outcome and in the latency histogram; a document edit shows as a
// committed append batch (and its durable time) on both doc stores, SQLite and PostgreSQL.
import path from 'node:path';
import { io as ioClient, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { InferencePool } from '../../server/inference';
import { createTempSchema, type TempSchema } from '../../server/storage/postgres/tempSchema';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { waitFor } from '../helpers/waitFor';
import { connectClient, type YClient } from '../helpers/yclient';

const PG_URL = 'postgres://127.0.0.1:5432/test';

/** The value of one series (`name{labels}`) in the exposition text; 0 when it is not there yet. */
function sample(body: string, series: string): number {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

async function scrape(s: TestServer): Promise<string> {
  const r = await s.api('GET', '/metrics', undefined, null);
  expect(r.status).toBe(200);
  return (r.body as Buffer).toString('utf8');
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('/metrics wiring', () => {
  it('counts each answered segment request by engine and outcome, and times it', async () => {
    const s = await startTestServer({
      inference: true,
      env: { INFERENCE_WORKERS: '1', INFERENCE_THREADS: '1', INFERENCE_TIMEOUT_MS: '60000', INFERENCE_MODELS_DIR: path.resolve('tests/fixtures/onnx') },
    });
    cleanups.push(() => s.close());
    const { projectId, taskId } = await s.createProjectWithTask();
    const { token } = await s.addMember(projectId, 'annotator');
    const c: Socket = ioClient(`${s.url}/inference`, { auth: { token }, transports: ['websocket'], reconnection: false });
    cleanups.push(() => void c.disconnect());
    await new Promise<void>((resolve, reject) => {
      c.once('connect', () => resolve());
      c.once('connect_error', reject);
    });
    await (s.server.inference as InferencePool).waitForWorkers(1, 45_000);

    const ok = await c.timeout(30_000).emitWithAck('segment', { taskId, model: 'graphcut', clicks: [{ x: 32, y: 24, positive: true }] });
    expect(ok).toMatchObject({ ok: true });
    // Refused before the model is resolved: its engine label is `none`, not the client's string.
    const refused = await c.timeout(30_000).emitWithAck('segment', { taskId, model: 'graphcut', clicks: [{ x: 5000, y: 24, positive: true }] });
    expect(refused).toMatchObject({ ok: false, error: { code: 'click_outside_image' } });

    // Counted before the ack is sent, so the scrape after the answers sees both.
    const body = await scrape(s);
    expect(sample(body, 'tandem_inference_requests_total{engine="graphcut",outcome="ok"}')).toBe(1);
    expect(sample(body, 'tandem_inference_requests_total{engine="none",outcome="click_outside_image"}')).toBe(1);
    expect(sample(body, 'tandem_inference_seconds_count{engine="graphcut"}')).toBe(1);
    expect(sample(body, 'tandem_inference_seconds_sum{engine="graphcut"}')).toBeGreaterThan(0);
    expect(sample(body, 'tandem_inference_seconds_count{engine="none"}')).toBe(1);
  });

  const backends: Array<[string, () => Promise<Record<string, string>>]> = [
    ['sqlite', async () => ({})],
    ['postgres', async () => {
      const schema: TempSchema = await createTempSchema(PG_URL);
      cleanups.push(() => schema.drop());
      return { DATABASE_URL: schema.url };
    }],
  ];

  it.each(backends)('observes the append batch and durable time of a document edit (%s doc store)', async (_name, env) => {
    const s = await startTestServer({ env: await env() });
    cleanups.push(() => s.close());
    const { projectId, taskId } = await s.createProjectWithTask();
    const { token } = await s.addMember(projectId, 'annotator');
    const y: YClient = connectClient(s.wsUrl, `task:${taskId}`, token);
    cleanups.push(() => y.destroy());
    await y.synced();
    // What loading the room wrote (task meta) is committed and counted before the baseline.
    await s.server.storage.docs.flush();
    const before = await scrape(s);
    const batches0 = sample(before, 'tandem_storage_append_batch_size_count');
    const updates0 = sample(before, 'tandem_storage_append_batch_size_sum');
    const durable0 = sample(before, 'tandem_storage_durable_seconds_count');

    y.doc.getMap('objects').set('probe', new Y.Map([['label', 'object']]));

    const after = await waitFor(async () => {
      const b = await scrape(s);
      return sample(b, 'tandem_storage_append_batch_size_count') > batches0 ? b : null;
    }, 'the edit to be committed and observed');
    const updates = sample(after, 'tandem_storage_append_batch_size_sum') - updates0;
    expect(updates).toBeGreaterThanOrEqual(1);
    // One durable-time observation per stored update.
    expect(sample(after, 'tandem_storage_durable_seconds_count') - durable0).toBe(updates);
    expect(sample(after, 'tandem_storage_durable_seconds_sum')).toBeGreaterThan(0);
  });
});
