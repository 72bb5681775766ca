// Shared by the inference tests (the harness's own server, and the cluster's): the check that a
// click segmented the disc of syntheticPng (./images), a worker started the way `npm run worker`
// does with test defaults, and waiting for a socket.io client to connect.
import { pino } from 'pino';
import type { Socket as ClientSocket } from 'socket.io-client';
import { expect } from 'vitest';
import { decodeRle, type Rle } from '../../shared/codecs/rle';
import { startWorker, type RunningWorker, type WorkerOptions } from '../../server/inference/worker/startWorker';
import { syntheticDisc } from './images';

/**
 * Expects `mask` to be the disc of syntheticPng(width, height), as a click at its centre segments
 * it: the image's size, the centre inside, a pixel near the corner outside, the area within 20 %.
 */
export function expectDiscMask(mask: Rle, width: number, height: number): void {
  expect(mask.size).toEqual([height, width]);
  const m = decodeRle(mask);
  const { cx, cy, r } = syntheticDisc(width, height);
  expect(m.data[Math.round(cy) * width + Math.round(cx)]).toBe(1);
  expect(m.data[5 * width + 5]).toBe(0);
  const area = m.data.reduce((s, v) => s + v, 0);
  expect(area).toBeGreaterThan(Math.PI * r * r * 0.8);
  expect(area).toBeLessThan(Math.PI * r * r * 1.2);
}

/**
 * A worker (the `npm run worker` code path) joining `server` with `token`: CPU, one thread, one
 * job at a time, no models directory (so the classical engines only), a silent log; `opts` wins.
 */
export function startTestWorker(server: string, token: string, opts: Partial<WorkerOptions> = {}): Promise<RunningWorker> {
  return startWorker({
    server,
    token,
    providers: ['cpu'],
    threads: 1,
    capacity: 1,
    cacheBytes: 1 << 20,
    modelsDir: '/nonexistent-models-dir',
    log: pino({ level: 'silent' }),
    ...opts,
  });
}

/** Resolves once `c` has connected; rejects with its connect error. */
export function connected(c: ClientSocket): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    c.once('connect', () => resolve());
    c.once('connect_error', reject);
  });
}
