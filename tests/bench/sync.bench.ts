// Edit propagation through the real /sync server: a commit on one client → visible on the others,
// p50/p99, with 2 KB masks. The server runs as a child process (its own event loop, as deployed);
// clients are stock y-websocket providers in this process (one clock for send and receive times).
// Also the durability window (update applied → durable in the log) under the same load, read from
// an in-process server's metrics. `npm run bench -- sync [--quick]`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { makeImage } from '../helpers/images';
import { makeApi, startServerProcess, startTestServer } from '../helpers/testServer';
import { connectClient, type YClient } from '../helpers/yclient';
import type { BenchResult } from './types';

const MASK_BYTES = 2048;
const now = () => performance.timeOrigin + performance.now();

interface Scenario {
  rooms: number;
  clientsPerRoom: number;
  /** Commits per second per client. */
  hz: number;
  seconds: number;
}

/**
 * Runs one scenario against a server and returns the propagation latencies (ms) and the p99 event
 * loop delay of this (client) process: when that is close to the latency p99, the clients' own
 * process, not the server, is what the figure measures.
 */
async function propagation(url: string, wsUrl: string, token: string, sc: Scenario): Promise<{ samples: number[]; clientLoopP99: number }> {
  const api = makeApi(url, token);
  const project = await api('POST', '/api/projects', { name: 'bench' });
  const image = await makeImage(64, 64, 'png');
  const clients: YClient[] = [];
  const samples: number[] = [];
  let measuring = false;
  for (let r = 0; r < sc.rooms; r++) {
    const t = await api('POST', `/api/projects/${project.body.id}/tasks?name=b${r}.png`, image, undefined, { 'content-type': 'image/png' });
    for (let c = 0; c < sc.clientsPerRoom; c++) {
      const y = connectClient(wsUrl, `task:${t.body.id}`, token);
      const bench = y.doc.getMap<{ t: number; mask: { size: number[]; counts: string } }>('bench');
      bench.observe((ev) => {
        if (ev.transaction.local || !measuring) return;
        const at = now();
        for (const key of ev.keysChanged) {
          const v = bench.get(key);
          if (v) samples.push(at - v.t);
        }
      });
      clients.push(y);
    }
  }
  await Promise.all(clients.map((c) => c.synced(60_000)));

  // Each client commits a fresh 2 KB mask under its own key at `hz`, phases spread evenly.
  const counts = 'x'.repeat(MASK_BYTES);
  const timers: NodeJS.Timeout[] = [];
  const period = 1000 / sc.hz;
  clients.forEach((c, i) => {
    const key = String(c.doc.clientID);
    const start = setTimeout(() => {
      timers.push(setInterval(() => c.doc.getMap('bench').set(key, { t: now(), mask: { size: [64, 64], counts } }), period));
    }, (i * period) / clients.length);
    timers.push(start);
  });
  await sleep(1000); // warm-up, not measured
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  measuring = true;
  await sleep(sc.seconds * 1000);
  measuring = false;
  loop.disable();
  for (const t of timers) clearInterval(t);
  for (const c of clients) c.destroy();
  return { samples, clientLoopP99: loop.percentile(99) / 1e6 };
}

export async function run({ quick }: { quick: boolean }): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const seconds = quick ? 3 : 10;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-sync-'));
  const proc = await startServerProcess({ DATA_DIR: dataDir, LOG_LEVEL: 'error' }, 120_000);
  try {
    const a = await propagation(proc.url, proc.wsUrl, proc.adminToken, { rooms: 10, clientsPerRoom: 5, hz: 5, seconds });
    push(out, 'propagation, 10 rooms x 5 clients @ 5 Hz, 2 KB masks', a, '<= 50');
    const b = await propagation(proc.url, proc.wsUrl, proc.adminToken, { rooms: 1, clientsPerRoom: 50, hz: 1, seconds });
    push(out, 'propagation, 1 room x 50 clients @ 1 Hz each, 2 KB masks', b, '<= 100');
    out.push({ name: 'machine load average (1 min) at the end', metric: 'load', value: os.loadavg()[0], unit: '' });
  } finally {
    await proc.stop('SIGTERM');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }

  // Durability window under scenario A's load, from the server's own measurement.
  const s = await startTestServer();
  try {
    s.server.sync.metrics.persistLatency.reset();
    await propagation(s.url, s.wsUrl, s.adminToken, { rooms: 10, clientsPerRoom: 5, hz: 5, seconds: quick ? 2 : 5 });
    const m = s.server.sync.metrics.persistLatency;
    out.push({ name: 'durability window (applied -> fsynced), 10x5 @ 5 Hz, batch 25 ms', metric: 'p50', value: m.quantile(0.5), unit: 'ms' });
    out.push({ name: 'durability window (applied -> fsynced), 10x5 @ 5 Hz, batch 25 ms', metric: 'p99', value: m.quantile(0.99), unit: 'ms' });
    out.push({ name: 'durability window (applied -> fsynced), 10x5 @ 5 Hz, batch 25 ms', metric: 'max', value: m.max, unit: 'ms' });
  } finally {
    await s.close();
  }
  return out;
}

function push(out: BenchResult[], name: string, r: { samples: number[]; clientLoopP99: number }, goalP99: string): void {
  const sorted = [...r.samples].sort((x, y) => x - y);
  const q = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : NaN);
  out.push({ name, metric: 'samples', value: sorted.length, unit: 'n' });
  out.push({ name, metric: 'p50', value: q(0.5), unit: 'ms' });
  out.push({ name, metric: 'p99', value: q(0.99), unit: 'ms', goal: goalP99 });
  out.push({ name, metric: 'max', value: q(1), unit: 'ms' });
  out.push({ name, metric: 'client loop delay p99', value: r.clientLoopP99, unit: 'ms' });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

