// Edit propagation across nodes: a commit on one client → visible on the others (p50/p99), with the
// clients of each room spread over 3 nodes (PostgreSQL + Redis Streams), against all clients on
// one node in the default single-node mode (SQLite, in-process bus), and all on one node of the
// cluster. Then the load held: rooms of 5 clients at 5 Hz are added until p99 passes 100 ms.
// Nodes are child processes (own event loops, as deployed); clients are stock y-websocket
// providers in this process (one clock for send and receive). `npm run bench -- cluster [--quick]`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { clusterEnv, startProcessCluster } from '../integration/cluster.support';
import { makeImage } from '../helpers/images';
import { makeApi, startServerProcess, type ServerProcess } from '../helpers/testServer';
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

type Node = Pick<ServerProcess, 'url' | 'wsUrl'>;

/** Runs one scenario; client k of every room connects to nodes[k % nodes.length]. Latencies in ms. */
async function propagation(nodes: Node[], token: string, sc: Scenario): Promise<number[]> {
  const api = makeApi(nodes[0].url, token);
  const project = await api('POST', '/api/projects', { name: 'bench' });
  const image = await makeImage(64, 64, 'png');
  const clients: YClient[] = [];
  const samples: number[] = [];
  let measuring = false;
  for (let r = 0; r < sc.rooms; r++) {
    const t = await api('POST', `/api/projects/${project.body.id}/tasks?name=b${r}.png`, image, undefined, { 'content-type': 'image/png' });
    for (let c = 0; c < sc.clientsPerRoom; c++) {
      const y = connectClient(nodes[c % nodes.length].wsUrl, `task:${t.body.id}`, token);
      const bench = y.doc.getMap<{ t: number; counts: string }>('bench');
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
  // Each client commits a fresh 2 KB value under its own key at `hz`, phases spread evenly.
  const counts = 'x'.repeat(MASK_BYTES);
  const timers: NodeJS.Timeout[] = [];
  const period = 1000 / sc.hz;
  clients.forEach((c, i) => {
    const key = String(c.doc.clientID);
    timers.push(setTimeout(() => {
      timers.push(setInterval(() => c.doc.getMap('bench').set(key, { t: now(), counts }), period));
    }, (i * period) / clients.length));
  });
  await sleep(1000); // warm-up, not measured
  measuring = true;
  await sleep(sc.seconds * 1000);
  measuring = false;
  for (const t of timers) clearInterval(t);
  for (const c of clients) c.destroy();
  return samples;
}

const quantile = (samples: number[], p: number) => {
  const s = [...samples].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN;
};

function push(out: BenchResult[], name: string, samples: number[], goalP99?: string): void {
  out.push({ name, metric: 'samples', value: samples.length, unit: 'n' });
  out.push({ name, metric: 'p50', value: quantile(samples, 0.5), unit: 'ms' });
  out.push({ name, metric: 'p99', value: quantile(samples, 0.99), unit: 'ms', goal: goalP99 });
}

/** Adds rooms of 5 clients at 5 Hz until p99 passes 100 ms; the last level under it is "held". */
async function loadHeld(nodes: Node[], token: string, seconds: number, levels: number[], label: string, out: BenchResult[]): Promise<void> {
  let held: { rooms: number; p99: number } | null = null;
  for (const rooms of levels) {
    const s = await propagation(nodes, token, { rooms, clientsPerRoom: 5, hz: 5, seconds });
    const p99 = quantile(s, 0.99);
    console.log(`  ${label}: ${rooms} rooms x 5 clients @ 5 Hz (${rooms * 25} commits/s): p50 ${quantile(s, 0.5).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`);
    if (!(p99 <= 100)) break;
    held = { rooms, p99 };
  }
  const name = `load held with p99 <= 100 ms, ${label}`;
  out.push({ name, metric: 'clients', value: (held?.rooms ?? 0) * 5, unit: 'n' });
  out.push({ name, metric: 'commits/s', value: (held?.rooms ?? 0) * 25, unit: '1/s' });
}

export async function run({ quick }: { quick: boolean }): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const seconds = quick ? 3 : 8;
  const levels = quick ? [2, 6, 12] : [2, 4, 8, 12, 16, 24, 32];
  const base: Scenario = { rooms: 4, clientsPerRoom: 6, hz: 5, seconds };
  const what = `${base.rooms} rooms x ${base.clientsPerRoom} clients @ ${base.hz} Hz, 2 KB`;

  // Single node, default mode (SQLite, no Redis): the baseline.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-cluster-'));
  const single = await startServerProcess({ DATA_DIR: dataDir, LOG_LEVEL: 'error' }, 120_000);
  try {
    push(out, `one node (SQLite), ${what}`, await propagation([single], single.adminToken, base), '<= 100');
    await loadHeld([single], single.adminToken, seconds, levels, 'one node (SQLite)', out);
  } finally {
    await single.stop('SIGTERM');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }

  // Three nodes on PostgreSQL + Redis.
  const env = await clusterEnv();
  env.env.LOG_LEVEL = 'error';
  const nodes = await startProcessCluster(env, 3);
  try {
    const token = nodes[0].adminToken;
    push(out, `3-node cluster, all clients on one node, ${what}`, await propagation([nodes[0]], token, base), '<= 100');
    push(out, `3-node cluster, clients spread over 3 nodes, ${what}`, await propagation(nodes, token, base), '<= 100');
    await loadHeld(nodes, token, seconds, levels, 'clients spread over 3 nodes', out);
  } finally {
    for (const n of nodes) await n.stop('SIGTERM');
    await env.cleanup();
  }
  return out;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
