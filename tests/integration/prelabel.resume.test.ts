// A pre-labelling run outlives the process running it: SIGKILLed halfway, the server started again
// on the same data carries the run on from the image it had reached; in a cluster on the real
// PostgreSQL and Redis every node answers the run's status and refuses a second run, and when the
// node running it is SIGKILLed another node carries it on. Each image ends with its objects once.
// New uploads waiting for their run (the project's autoPrelabel) survive a SIGKILL too.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listObjects } from '../../shared/schema/annotation';
import { boxIou } from '../../shared/geometry/boxIou';
import { rleBbox } from '../../shared/codecs/rle';
import { clusterEnv, type ClusterEnv } from '../helpers/cluster';
import { holdRedisLock } from '../helpers/clusterFixtures';
import { DEV } from '../helpers/devMasks';
import { makeApi, startServerProcess, type Api, type ServerProcess } from '../helpers/testServer';
import { waitFor } from '../helpers/waitFor';
import { connectClient } from '../helpers/yclient';

holdRedisLock();

const BAG = fs.readFileSync(path.join(DEV, 'images', 'backpack07_000000370478.jpg'));
const IMAGES = 10;
const NODE_ENV = {
  INFERENCE_WORKERS: '1',
  INFERENCE_THREADS: '1',
  INFERENCE_RATE_PER_SEC: '1000',
  INFERENCE_TIMEOUT_MS: '60000',
  PRELABEL_LEASE_MS: '1500',
};

const procs: ServerProcess[] = [];
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const p of procs.splice(0)) await p.stop('SIGKILL');
  for (const c of cleanups.splice(0)) await c();
}, 60_000);

async function start(env: Record<string, string>): Promise<{ proc: ServerProcess; api: Api }> {
  const proc = await startServerProcess({ ...NODE_ENV, ...env }, 150_000);
  procs.push(proc);
  const api = makeApi(proc.url, proc.adminToken);
  await waitFor(async () => (await api('GET', '/api/detectors')).body.length === 1, 'a worker to announce the detector', 90_000);
  return { proc, api };
}

/** A project of `n` copies of a photo with a backpack (`settings` set before the uploads); resolves its id and task ids. */
async function backpacks(api: Api, n = IMAGES, settings?: unknown): Promise<{ projectId: string; taskIds: string[] }> {
  const p = await api('POST', '/api/projects', { name: 'bags', labels: [{ name: 'Backpack', color: '#22c55e' }] });
  if (settings) expect((await api('PUT', `/api/projects/${p.body.id}/settings`, settings)).status).toBe(200);
  const taskIds: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = await api('POST', `/api/projects/${p.body.id}/tasks?name=bag${i}.jpg`, BAG, undefined, { 'content-type': 'image/jpeg' });
    expect(t.status).toBe(201);
    taskIds.push(t.body.id);
  }
  return { projectId: p.body.id, taskIds };
}

/** Starts the run and SIGKILLs `proc` once two images are done; resolves the status it had then. */
async function killHalfway(api: Api, proc: ServerProcess, projectId: string): Promise<{ done: number; total: number }> {
  expect((await api('POST', `/api/projects/${projectId}/prelabel`, { labels: { backpack: 'Backpack' } })).status).toBe(202);
  let st: { done: number; total: number; state: string } = { done: 0, total: 0, state: '' };
  await waitFor(async () => (st = (await api('GET', `/api/projects/${projectId}/prelabel`)).body).done >= 2, 'two images done', 90_000, 20);
  await proc.stop('SIGKILL');
  expect(st.state).toBe('running');
  expect(st.done).toBeLessThan(st.total); // killed halfway, or this test proves nothing
  return st;
}

/** Each task's objects: [count, and whether two of them are the same object (same label, boxes IoU >= 0.5)]. */
async function objectsPerTask(wsUrl: string, token: string, taskIds: string[]): Promise<Array<[number, boolean]>> {
  const out: Array<[number, boolean]> = [];
  for (const id of taskIds) {
    const c = connectClient(wsUrl, `task:${id}`, token);
    await c.synced();
    const objs = listObjects(c.doc);
    const boxes = objs.map((o) => (o.mask ? rleBbox(o.mask) : null)).filter((b): b is [number, number, number, number] => b !== null);
    const twice = boxes.some((b, i) => boxes.some((o, j) => j > i && boxIou(b, o) >= 0.5));
    out.push([objs.length, twice]);
    c.destroy();
  }
  return out;
}

const finished = async (api: Api, projectId: string) => {
  let st: any;
  await waitFor(async () => (st = (await api('GET', `/api/projects/${projectId}/prelabel`)).body).state !== 'running', 'the run to finish', 120_000);
  return st;
};

describe('a pre-labelling run outlives its process', () => {
  it('SIGKILLed halfway: the server started again on the same data carries it on from the image it had reached', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-resume-'));
    cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const env = { DATA_DIR: dataDir, ADMIN_TOKEN: randomBytes(24).toString('base64url') };
    const first = await start(env);
    const { projectId, taskIds } = await backpacks(first.api);
    const atKill = await killHalfway(first.api, first.proc, projectId);

    const again = await start(env);
    const st = await finished(again.api, projectId);
    expect(st).toMatchObject({ state: 'done', total: IMAGES, done: IMAGES, failedTasks: 0, resumed: 1 });
    expect(st.objects).toBeGreaterThanOrEqual(IMAGES);
    const perTask = await objectsPerTask(again.proc.wsUrl, again.proc.adminToken, taskIds);
    // Every image got the same objects, none twice: the images done before the kill were not done again.
    expect(perTask.every(([n, twice]) => n === perTask[0][0] && n >= 1 && !twice)).toBe(true);
    expect(st.objects).toBe(perTask.reduce((s, [n]) => s + n, 0));
    expect(atKill.done).toBeGreaterThanOrEqual(2);
  }, 360_000);

  it('SIGKILLed right after new uploads, before their run started: the server started again pre-labels them', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-resume-'));
    cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const env = { DATA_DIR: dataDir, ADMIN_TOKEN: randomBytes(24).toString('base64url') };
    const first = await start(env);
    const { projectId, taskIds } = await backpacks(first.api, 3, { noOverlap: false, autoPrelabel: { labels: { backpack: 'Backpack' } } });
    const atKill = (await first.api('GET', `/api/projects/${projectId}/prelabel`)).body;
    await first.proc.stop('SIGKILL');
    expect(atKill.state).toBe('idle'); // killed before the uploads' run started, or this test proves nothing

    const again = await start(env);
    let st: any;
    await waitFor(async () => (st = (await again.api('GET', `/api/projects/${projectId}/prelabel`)).body).state === 'done', 'the run over the new uploads', 120_000);
    expect(st).toMatchObject({ auto: true, total: 3, done: 3, failedTasks: 0, resumed: 0 });
    const perTask = await objectsPerTask(again.proc.wsUrl, again.proc.adminToken, taskIds);
    expect(perTask.every(([n, twice]) => n >= 1 && !twice)).toBe(true);
  }, 360_000);

  it('in a cluster, every node answers its status and refuses a second run; another node carries it on when its node is SIGKILLed', async () => {
    const c: ClusterEnv = await clusterEnv();
    cleanups.push(() => c.cleanup());
    const node = (i: number) => start({ ...c.env, NODE_ID: `node-${i}`, DATA_DIR: fs.mkdtempSync(path.join(c.root, `node-${i}-`)) });
    const a = await node(0);
    const b = await node(1);
    const { projectId, taskIds } = await backpacks(a.api);
    expect((await a.api('POST', `/api/projects/${projectId}/prelabel`, { labels: { backpack: 'Backpack' } })).status).toBe(202);
    const seenOnB = (await b.api('GET', `/api/projects/${projectId}/prelabel`)).body;
    expect(seenOnB).toMatchObject({ state: 'running', total: IMAGES });
    const second = await b.api('POST', `/api/projects/${projectId}/prelabel`, { labels: { backpack: 'Backpack' }, scope: 'all' });
    expect([second.status, second.body.error?.code]).toEqual([409, 'conflict']);
    let before: any;
    await waitFor(async () => (before = (await b.api('GET', `/api/projects/${projectId}/prelabel`)).body).done >= 2, 'two images done', 90_000, 20);
    await a.proc.stop('SIGKILL');
    expect(before.done).toBeLessThan(IMAGES); // killed halfway, or this test proves nothing

    const st = await finished(b.api, projectId);
    expect(st).toMatchObject({ state: 'done', total: IMAGES, done: IMAGES, failedTasks: 0, resumed: 1 });
    const perTask = await objectsPerTask(b.proc.wsUrl, b.proc.adminToken, taskIds);
    expect(perTask.every(([n, twice]) => n === perTask[0][0] && n >= 1 && !twice)).toBe(true);
    expect(st.objects).toBe(perTask.reduce((s, [n]) => s + n, 0));
  }, 420_000);
});
