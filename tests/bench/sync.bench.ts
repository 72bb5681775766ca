// Edit propagation through the real /sync server: a commit on one client → visible on the others,
// p50/p99, with 2 KB masks. The server runs as a child process (its own event loop, as deployed);
// clients are stock y-websocket providers in this process (one clock for send and receive times),
// so "visible" includes the other clients' Yjs work in this process; "received" (frame off the
// socket) does not, and is the figure to hold the server to.
// Also the durability window (update applied → durable in the log) under the same load, read from
// an in-process server's metrics. `npm run bench -- sync [--quick]`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServerProcess, startTestServer } from '../helpers/testServer';
import { propagation, pushLatency, quantile, type Propagation } from './propagation';
import type { BenchResult } from './types';

export async function run({ quick }: { quick: boolean }): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const seconds = quick ? 3 : 10;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-sync-'));
  const proc = await startServerProcess({ DATA_DIR: dataDir, LOG_LEVEL: 'error' }, 120_000);
  try {
    const a = await propagation([proc], proc.adminToken, { rooms: 10, clientsPerRoom: 5, hz: 5, seconds });
    push(out, 'propagation, 10 rooms x 5 clients @ 5 Hz, 2 KB masks', a, '<= 50');
    const b = await propagation([proc], proc.adminToken, { rooms: 1, clientsPerRoom: 50, hz: 1, seconds });
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
    await propagation([s], s.adminToken, { rooms: 10, clientsPerRoom: 5, hz: 5, seconds: quick ? 2 : 5 });
    const m = s.server.sync.metrics.persistLatency;
    out.push({ name: 'durability window (applied -> fsynced), 10x5 @ 5 Hz, batch 25 ms', metric: 'p50', value: m.quantile(0.5), unit: 'ms' });
    out.push({ name: 'durability window (applied -> fsynced), 10x5 @ 5 Hz, batch 25 ms', metric: 'p99', value: m.quantile(0.99), unit: 'ms' });
    out.push({ name: 'durability window (applied -> fsynced), 10x5 @ 5 Hz, batch 25 ms', metric: 'max', value: m.max, unit: 'ms' });
  } finally {
    await s.close();
  }
  return out;
}

function push(out: BenchResult[], name: string, r: Propagation, goalP99: string): void {
  pushLatency(out, name, r.samples, goalP99);
  out.push({ name, metric: 'max', value: quantile(r.samples, 1), unit: 'ms' });
  // Read off the socket, before Yjs: what the server and network take, without the queue that
  // every client sharing this one process adds (propagation.ts, Inbox).
  out.push({ name, metric: 'received p50', value: quantile(r.received, 0.5), unit: 'ms' });
  out.push({ name, metric: 'received p99', value: quantile(r.received, 0.99), unit: 'ms' });
  out.push({ name, metric: 'client loop delay p99', value: r.clientLoopP99, unit: 'ms' });
}
