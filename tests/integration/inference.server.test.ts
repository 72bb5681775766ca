// Through the real Tandem server (startTestServer with inference): upload an image over HTTP,
// GET /api/models, segment over /inference with a member's token; and a remote worker started
// with the `npm run worker` command line joining /workers with the server's worker token.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { io as ioClient, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRle } from '../../shared/codecs/rle';
import type { InferencePool } from '../../server/inference';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { waitFor } from '../helpers/waitFor';

describe('inference through the Tandem server', () => {
  let s: TestServer;
  let cli: ChildProcess | null = null;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    s = await startTestServer({ inference: true, env: { INFERENCE_WORKERS: '1', INFERENCE_THREADS: '1', INFERENCE_TIMEOUT_MS: '60000', INFERENCE_MODELS_DIR: path.resolve('tests/fixtures/onnx') } });
  });
  afterAll(async () => {
    for (const c of sockets) c.disconnect();
    if (cli && cli.exitCode === null) {
      const gone = new Promise((r) => cli!.once('exit', r));
      cli.kill('SIGTERM');
      await gone;
    }
    await s?.close();
  });

  async function connect(token: string): Promise<Socket> {
    const c = ioClient(`${s.url}/inference`, { auth: { token }, transports: ['websocket'], reconnection: false });
    sockets.push(c);
    await new Promise<void>((resolve, reject) => {
      c.once('connect', () => resolve());
      c.once('connect_error', reject);
    });
    return c;
  }

  it('lists the models and segments an uploaded image for an annotator', async () => {
    const models = await s.api('GET', '/api/models');
    expect(models.status).toBe(200);
    expect(models.body.map((m: { id: string }) => m.id)).toEqual(expect.arrayContaining(['graphcut', 'grabcut']));
    const { projectId, taskId, width, height } = await s.createProjectWithTask();
    const { token } = await s.addMember(projectId, 'annotator');
    const c = await connect(token);
    // The local worker may still be starting: wait for it rather than polling `segment`, which
    // the per-user rate limit would (rightly) refuse.
    await (s.server.inference as InferencePool).waitForWorkers(1, 45_000);
    // The test image (64×48) has a bright square over x 16..48, y 12..36.
    const ack = await c.timeout(30_000).emitWithAck('segment', { taskId, model: 'graphcut', clicks: [{ x: 32, y: 24, positive: true }] });
    expect(ack).toMatchObject({ ok: true });
    const m = decodeRle(ack.data.mask);
    expect([m.width, m.height]).toEqual([width, height]);
    expect(m.data[24 * width + 32]).toBe(1);
    expect(m.data[2 * width + 2]).toBe(0);
  });

  it('a worker started with the npm run worker command line joins with the worker token', async () => {
    const { projectId, taskId } = await s.createProjectWithTask();
    const { token } = await s.addMember(projectId, 'annotator');
    // The server's token: WORKER_TOKEN unset, so generated and kept in DATA_DIR/worker-token.
    const fs = await import('node:fs');
    const workerToken = fs.readFileSync(path.join(s.dataDir, 'worker-token'), 'utf8').trim();
    cli = spawn(process.execPath, ['--import', 'tsx', 'server/inference/workerCli.ts', '--server', s.url, '--token', workerToken, '--providers', 'cpu', '--threads', '1', '--host', 'cli-host', '--models-dir', 'tests/fixtures/onnx'], {
      cwd: path.resolve('.'),
      env: { ...process.env, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const c = await connect(token);
    const pool = s.server.inference as InferencePool;
    expect(pool.workerToken).toBe(workerToken);
    const joined = await waitFor(() => pool.workers().find((w) => w.host === 'cli-host'), 'the CLI worker to join', 45_000);
    expect(joined.provider).toBe('cpu');
    expect(joined.models).toEqual(expect.arrayContaining(['graphcut', 'grabcut', 'tiny-test']));
    const ack = await c.timeout(30_000).emitWithAck('segment', { taskId, clicks: [{ x: 32, y: 24, positive: true }] });
    expect(ack.ok).toBe(true);
    expect(cli.exitCode).toBeNull();
  });
});
