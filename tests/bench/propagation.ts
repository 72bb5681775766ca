// Edit propagation, shared by sync.bench.ts and cluster.bench.ts: rooms of stock y-websocket
// clients in this process (one clock for send and receive), each committing a fresh 2 KB mask
// under its own key at a fixed rate; every remote arrival is a latency sample, taken twice: when
// its frame was read off the socket (received) and once Yjs applied it (visible).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { makeImage } from '../helpers/images';
import { makeApi } from '../helpers/testServer';
import { connectClient, type YClient } from '../helpers/yclient';
import type { BenchResult } from './types';

const MASK_BYTES = 2048;
const now = () => performance.timeOrigin + performance.now();

export interface Scenario {
  rooms: number;
  clientsPerRoom: number;
  /** Commits per second per client. */
  hz: number;
  seconds: number;
}

/** A server node the clients connect to (HTTP for setup, WebSocket for /sync). */
export interface BenchNode {
  url: string;
  wsUrl: string;
}

export interface Propagation {
  /** Commit on one client → visible on another (applied to its Y.Doc, observer ran), ms. */
  samples: number[];
  /**
   * Commit on one client → its frame read from another client's socket, before any Yjs work, ms:
   * the server and the network, without the other clients' Yjs work in this shared process.
   */
  received: number[];
  /**
   * p99 event loop delay of this (client) process, ms: when it is close to the latency p99, the
   * clients' own process, not the server, is what the figure measures.
   */
  clientLoopP99: number;
}

/**
 * Runs one scenario: a project with `rooms` tasks created through nodes[0]; client k of every room
 * connects to nodes[k % nodes.length].
 */
export async function propagation(nodes: BenchNode[], token: string, sc: Scenario): Promise<Propagation> {
  const api = makeApi(nodes[0].url, token);
  const project = await api('POST', '/api/projects', { name: 'bench' });
  const image = await makeImage(64, 64, 'png');
  const clients: YClient[] = [];
  const samples: number[] = [];
  const received: number[] = [];
  const inbox = new Inbox();
  let measuring = false;
  for (let r = 0; r < sc.rooms; r++) {
    const t = await api('POST', `/api/projects/${project.body.id}/tasks?name=b${r}.png`, image, undefined, { 'content-type': 'image/png' });
    for (let c = 0; c < sc.clientsPerRoom; c++) {
      const y = connectClient(nodes[c % nodes.length].wsUrl, `task:${t.body.id}`, token);
      inbox.attach(y);
      const bench = y.doc.getMap<{ t: number; mask: { size: number[]; counts: string } }>('bench');
      bench.observe((ev) => {
        if (ev.transaction.local || !measuring) return;
        const at = now();
        for (const key of ev.keysChanged) {
          const v = bench.get(key);
          if (!v) continue;
          samples.push(at - v.t);
          received.push(inbox.receivedAt - v.t);
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
  return { samples, received, clientLoopP99: loop.percentile(99) / 1e6 };
}

/**
 * Reads every client's frames as their sockets deliver them, stamps them, and hands them to the
 * providers one check phase later (setImmediate), in arrival order. Why: all clients share this
 * event loop, and a server broadcast makes every socket of a room readable at once; handled in
 * place, the k-th socket would only be read after the Yjs work of the k-1 before it (~0.1 ms
 * each), which is this harness, not the server: a real client is alone in its browser.
 */
class Inbox {
  /** When the frame now being handed to a provider was read from its socket (ms, epoch). */
  receivedAt = NaN;
  private queue: Array<{ at: number; ev: MessageEvent; deliver: (ev: MessageEvent) => void }> = [];

  attach(y: YClient): void {
    // The provider opens a new WebSocket (and sets its onmessage) on every (re)connect.
    y.provider.on('status', ({ status }) => {
      const ws = y.provider.ws;
      if (status !== 'connected' || !ws) return;
      const deliver = ws.onmessage!.bind(ws);
      ws.onmessage = (ev) => {
        if (this.queue.push({ at: now(), ev, deliver }) === 1) setImmediate(() => this.flush());
      };
    });
  }

  private flush(): void {
    const q = this.queue;
    this.queue = [];
    for (const m of q) {
      this.receivedAt = m.at;
      m.deliver(m.ev);
    }
    this.receivedAt = NaN;
  }
}

/** The `p` quantile (0..1) of the samples; NaN when there are none. */
export function quantile(samples: number[], p: number): number {
  const s = [...samples].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN;
}

/** Appends the sample count, p50 and p99 (with its goal) of a latency series under `name`. */
export function pushLatency(out: BenchResult[], name: string, samples: number[], goalP99?: string): void {
  out.push({ name, metric: 'samples', value: samples.length, unit: 'n' });
  out.push({ name, metric: 'p50', value: quantile(samples, 0.5), unit: 'ms' });
  out.push({ name, metric: 'p99', value: quantile(samples, 0.99), unit: 'ms', goal: goalP99 });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
