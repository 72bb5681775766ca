// Contract 5 through a real socket.io connection: a local worker process segments, every bad
// payload gets its code, roles and rate limits hold, and nothing crashes on garbage.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRle, encodeRle } from '../../shared/codecs/rle';
import { io as ioClient } from 'socket.io-client';
import { expectDiscMask } from '../helpers/inference';
import { waitFor } from '../helpers/waitFor';
import { segment, startHarness, type Harness } from './inference.harness';

describe('/inference with a local worker', () => {
  let h: Harness;
  let token: string;
  let taskId: string;
  const W = 160;
  const H = 120;

  beforeAll(async () => {
    h = await startHarness({ INFERENCE_RATE_PER_SEC: '1000' });
    token = await h.member('annotator');
    taskId = await h.addTask(W, H);
    await h.inference.waitForWorkers(1, 45_000);
  });
  afterAll(async () => h?.close());

  it('segments a click into a mask of the image size, and lists the models', async () => {
    const c = await h.client(token);
    const ack = await segment(c, { taskId, objectId: 'o1', clicks: [{ x: 88, y: 60, positive: true }] });
    expect(ack.ok).toBe(true);
    expect(ack.data.model).toBe('graphcut');
    // The synthetic image has a disc of radius 30 at (88, 60): the click lands inside it.
    expectDiscMask(ack.data.mask, W, H);
    expect(ack.data.score).toBeGreaterThan(0);
    expect(ack.data.score).toBeLessThanOrEqual(1);
    expect(ack.data.ms).toBeGreaterThanOrEqual(0);

    const models = h.inference.listModels();
    expect(models.map((x) => x.id)).toEqual(expect.arrayContaining(['graphcut', 'grabcut']));
    expect(models.filter((x) => x.default).map((x) => x.id)).toEqual(['graphcut']);
    // The worker announced what it runs.
    const [w] = h.inference.workers();
    expect(w.host).toBe('local');
    expect(w.provider).toBe('cpu');
    expect(w.models).toEqual(expect.arrayContaining(['graphcut', 'grabcut']));
  });

  it('runs grabcut on a box and takes a previous mask', async () => {
    const c = await h.client(token);
    const ack = await segment(c, { taskId, model: 'grabcut', clicks: [], box: [50, 22, 126, 98] });
    expect(ack.ok).toBe(true);
    const m = decodeRle(ack.data.mask);
    expect(m.data[60 * W + 88]).toBe(1);
    expect(m.data[60 * W + 40]).toBe(0); // outside the box
    const again = await segment(c, { taskId, clicks: [{ x: 88, y: 60, positive: true }, { x: 20, y: 20, positive: false }], prevMask: ack.data.mask });
    expect(again.ok).toBe(true);
  });

  it('runs an ONNX model of the manifest in the worker process, and lists it', async () => {
    const listed = h.inference.listModels().find((m) => m.id === 'tiny-test');
    expect(listed).toMatchObject({ engine: 'onnx', default: false }); // INFERENCE_DEFAULT_MODEL=graphcut wins
    await waitFor(() => h.inference.workers().some((w) => w.models.includes('tiny-test')), 'the worker to announce tiny-test', 20_000);
    const c = await h.client(token);
    const ack = await segment(c, { taskId, model: 'tiny-test', clicks: [{ x: 88, y: 60, positive: true }] });
    expect(ack.ok).toBe(true);
    expect(ack.data.model).toBe('tiny-test');
    // The fixture model thresholds brightness (mean of RGB > 0.5): the disc (≈ 120) is below it,
    // so the network's mask is empty and only the clicked pixel is set (a clicked pixel always
    // takes its click's label); the point is that the pipeline ran end to end with the right size.
    const m = decodeRle(ack.data.mask);
    expect([m.width, m.height]).toEqual([W, H]);
    expect([...m.data.keys()].filter((i) => m.data[i] === 1)).toEqual([60 * W + 88]);
  });

  it('answers every bad payload with its code', async () => {
    const c = await h.client(token);
    const click = { x: 10, y: 10, positive: true };
    const empty = encodeRle(new Uint8Array(W * H), W, H);
    const cases: Array<[unknown, string]> = [
      [42, 'validation_failed'],
      [null, 'validation_failed'],
      [{ clicks: [click] }, 'validation_failed'],
      [{ taskId, clicks: [{ x: '5', y: 1, positive: true }] }, 'validation_failed'],
      [{ taskId, clicks: [{ x: null, y: 1, positive: true }] }, 'validation_failed'], // NaN and Infinity arrive as null
      [{ taskId, clicks: [{ x: 1, y: 1 }] }, 'validation_failed'],
      [{ taskId, clicks: [] }, 'validation_failed'],
      [{ taskId, clicks: [{ x: W, y: 5, positive: true }] }, 'click_outside_image'],
      [{ taskId, clicks: [{ x: 5, y: -0.5, positive: true }] }, 'click_outside_image'],
      [{ taskId, clicks: Array.from({ length: 101 }, () => click) }, 'too_many_clicks'],
      [{ taskId, clicks: [], box: [0, 0, W + 1, 10] }, 'validation_failed'],
      [{ taskId, clicks: [], box: [50, 10, 20, 40] }, 'validation_failed'],
      [{ taskId, clicks: [], box: [1, 2, 3] }, 'validation_failed'],
      [{ taskId, clicks: [], scribbles: [{ points: [[5, 5], [5, H + 3]], positive: true }] }, 'click_outside_image'],
      [{ taskId, clicks: [click], prevMask: encodeRle(new Uint8Array(10 * 10), 10, 10) }, 'validation_failed'],
      [{ taskId, clicks: [click], prevMask: { size: [H, W], counts: '0' } }, 'validation_failed'],
      [{ taskId, clicks: [click], prevMask: { size: [H, W], counts: 42 } }, 'validation_failed'],
      [{ taskId, clicks: [click], model: 'no-such-model' }, 'unknown_model'],
      [{ taskId: 'nope', clicks: [click] }, 'not_found'],
    ];
    for (const [payload, code] of cases) {
      const ack = await segment(c, payload);
      expect({ payload, ok: ack.ok, code: ack.error?.code }).toEqual({ payload, ok: false, code });
      expect(typeof ack.error!.message).toBe('string');
    }
    // A valid previous mask of the right size is fine.
    expect((await segment(c, { taskId, clicks: [click], prevMask: empty })).ok).toBe(true);
  });

  it('refuses viewers and QA leads, lets reviewers segment', async () => {
    for (const role of ['viewer', 'qa'] as const) {
      const c = await h.client(await h.member(role));
      const ack = await segment(c, { taskId, clicks: [{ x: 88, y: 60, positive: true }] });
      expect(ack.error?.code).toBe('forbidden');
    }
    const r = await h.client(await h.member('reviewer'));
    expect((await segment(r, { taskId, clicks: [{ x: 88, y: 60, positive: true }] })).ok).toBe(true);
  });

  it('refuses a bad token at connect', async () => {
    const c = ioClient(`${h.url}/inference`, { auth: { token: 'not-a-token' }, transports: ['websocket'], reconnection: false });
    const err = await new Promise<Error & { data?: { code: string } }>((resolve) => c.once('connect_error', resolve));
    c.disconnect();
    expect(err.data?.code).toBe('unauthorized');
  });

  it('answers token_expired to a connection whose token expired or was revoked after it connected', async () => {
    const click = { x: 88, y: 60, positive: true };
    const member = await h.member('annotator');
    const { user } = (await h.storage.meta.resolveToken(member)) as { user: { id: string } };
    const shortLived = await h.storage.meta.createToken(user.id as never, { expiresAt: Date.now() + 1000 });
    const c = await h.client(shortLived);
    expect((await segment(c, { taskId, clicks: [click] })).ok).toBe(true);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await segment(c, { taskId, clicks: [click] })).error?.code).toBe('token_expired');
    expect((await segment(c, { taskId, clicks: [click] })).error?.code).toBe('token_expired');

    const r = await h.client(member);
    expect((await segment(r, { taskId, clicks: [click] })).ok).toBe(true);
    await h.storage.meta.revokeToken(member);
    expect((await segment(r, { taskId, clicks: [click] })).error?.code).toBe('unauthorized');
  });

  it('survives a request without an ack callback and garbage events', async () => {
    const c = await h.client(token);
    c.emit('segment', { taskId, clicks: [{ x: 88, y: 60, positive: true }] });
    c.emit('segment');
    c.emit('segment', 'x', 'y');
    c.emit('prefetch', 17);
    c.emit('prefetch', { taskId });
    const ack = await segment(c, { taskId, clicks: [{ x: 88, y: 60, positive: true }] });
    expect(ack.ok).toBe(true);
    expect(c.connected).toBe(true);
  });

  it('prefetch warms the worker that will get the task', async () => {
    const t2 = await h.addTask(200, 100);
    const c = await h.client(token);
    const ack = await c.timeout(10_000).emitWithAck('prefetch', { taskId: t2 });
    expect(ack.ok).toBe(true);
    await waitFor(() => h.inference.workers().some((w) => w.holds.includes(t2)), 'the worker to hold the task', 10_000);
  });
});

describe('/inference loading the next task ahead', () => {
  let h: Harness;
  beforeAll(async () => {
    // A 16 MB image cache: a 3000x2000 photo (18 MB decoded) cannot be loaded ahead.
    h = await startHarness({ INFERENCE_CACHE_MB: '16', INFERENCE_RATE_PER_SEC: '1000' });
    await h.inference.waitForWorkers(1, 45_000);
  });
  afterAll(async () => h?.close());

  it('loads the task expected next into spare room and says so; one that does not fit is left alone', async () => {
    const open = await h.addTask(160, 120);
    const next = await h.addTask(200, 100);
    const huge = await h.addTask(3000, 2000);
    const c = await h.client(await h.member('annotator'));
    expect((await segment(c, { taskId: open, clicks: [{ x: 88, y: 60, positive: true }] })).ok).toBe(true);
    const ahead = (taskId: string) => c.timeout(60_000).emitWithAck('prefetch', { taskId, ahead: true });
    expect(await ahead(next)).toEqual({ ok: true, data: { loaded: true } });
    expect(h.inference.workers()[0].holds).toEqual(expect.arrayContaining([open, next]));
    expect(await ahead(huge)).toEqual({ ok: true, data: { loaded: false } });
    expect(h.inference.workers()[0].holds).not.toContain(huge);
    expect((await c.timeout(10_000).emitWithAck('prefetch', { taskId: 'nope', ahead: true })).error.code).toBe('not_found');
  });
});

describe('/inference rate limit', () => {
  let h: Harness;
  beforeAll(async () => {
    // No workers: requests that pass the limiter are answered no_worker, the rest rate_limited.
    h = await startHarness({ INFERENCE_WORKERS: '0', INFERENCE_RATE_PER_SEC: '3' });
  });
  afterAll(async () => h?.close());

  it('answers rate_limited beyond the per-user budget, per user', async () => {
    const taskId = await h.addTask(50, 50);
    const a = await h.client(await h.member('annotator'));
    const b = await h.client(await h.member('annotator'));
    const payload = { taskId, clicks: [{ x: 5, y: 5, positive: true }] };
    const acks = await Promise.all(Array.from({ length: 10 }, () => segment(a, payload)));
    const codes = acks.map((x) => x.error?.code);
    expect(codes.filter((x) => x === 'rate_limited').length).toBeGreaterThanOrEqual(6);
    expect(codes.filter((x) => x === 'no_worker').length).toBeGreaterThanOrEqual(1);
    // Another user has their own bucket.
    expect((await segment(b, payload)).error?.code).toBe('no_worker');
  });
});
