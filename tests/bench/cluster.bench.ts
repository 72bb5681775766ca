// Edit propagation across nodes: a commit on one client → visible on the others (p50/p99), with the
// clients of each room spread over 3 nodes (PostgreSQL + Redis Streams), against all clients on
// one node in the default single-node mode (SQLite, in-process bus), and all on one node of the
// cluster. Then the load held: rooms of 5 clients at 5 Hz are added until p99 passes 100 ms.
// Nodes are child processes (own event loops, as deployed); clients are stock y-websocket
// providers in this process (one clock for send and receive). `npm run bench -- cluster [--quick]`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { clusterEnv, startProcessCluster } from '../helpers/cluster';
import { startServerProcess } from '../helpers/testServer';
import { propagation, pushLatency, quantile, type BenchNode, type Scenario } from './propagation';
import type { BenchResult } from './types';

/** Adds rooms of 5 clients at 5 Hz until p99 passes 100 ms; the last level under it is "held". */
async function loadHeld(nodes: BenchNode[], token: string, seconds: number, levels: number[], label: string, out: BenchResult[]): Promise<void> {
  let held: { rooms: number; p99: number } | null = null;
  for (const rooms of levels) {
    const { samples: s } = await propagation(nodes, token, { rooms, clientsPerRoom: 5, hz: 5, seconds });
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
    pushLatency(out, `one node (SQLite), ${what}`, (await propagation([single], single.adminToken, base)).samples, '<= 100');
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
    pushLatency(out, `3-node cluster, all clients on one node, ${what}`, (await propagation([nodes[0]], token, base)).samples, '<= 100');
    pushLatency(out, `3-node cluster, clients spread over 3 nodes, ${what}`, (await propagation(nodes, token, base)).samples, '<= 100');
    await loadHeld(nodes, token, seconds, levels, 'clients spread over 3 nodes', out);
  } finally {
    for (const n of nodes) await n.stop('SIGTERM');
    await env.cleanup();
  }
  return out;
}
