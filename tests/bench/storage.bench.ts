// Storage figures: durable appends per second with batching vs one transaction per update, the
// append -> durable latency (the durability window), event-loop stalls from the synchronous commit,
// and the load time of a 100-object document log. `npm run bench -- storage [--quick]`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as Y from 'yjs';
import { compactRoom } from '../../server/storage/compactRoom';
import { SqliteDocStore, type SqliteDocStoreOptions } from '../../server/storage/sqlite/SqliteDocStore';
import type { BenchResult } from './types';

const UPDATE_BYTES = 2048;
const ROOMS = 20;

export async function run({ quick }: { quick: boolean }): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-storage-'));
  try {
    const seconds = quick ? 1 : 3;
    const burst = quick ? 2000 : 10000;

    // 1. Saturated: every append issued at once (a burst from many rooms).
    {
      const docs = open(root, 'burst', { batchMs: 25 });
      const t0 = performance.now();
      await Promise.all(Array.from({ length: burst }, (_, i) => docs.append(`task:r${i % ROOMS}`, update(i))));
      const s = (performance.now() - t0) / 1000;
      out.push({ name: `batched burst, ${ROOMS} rooms, 2 KB updates, FULL`, metric: 'appends/s', value: burst / s, unit: '/s' });
      await docs.close();
    }

    // 2. Closed loop: 100 writers (5 per room), each waits for durability before its next update.
    for (const synchronous of ['FULL', 'NORMAL'] as const) {
      const docs = open(root, `loop-${synchronous}`, { batchMs: 25, synchronous });
      const r = await closedLoop(docs, 100, seconds);
      const what = `batched (25 ms), 100 writers, ${ROOMS} rooms, ${synchronous}`;
      out.push({ name: what, metric: 'appends/s', value: r.perSec, unit: '/s' });
      out.push({ name: what, metric: 'durable p50', value: r.p50, unit: 'ms' });
      out.push({ name: what, metric: 'durable p99', value: r.p99, unit: 'ms' });
      out.push({ name: what, metric: 'event loop stall p99', value: r.loopP99, unit: 'ms' });
      out.push({ name: what, metric: 'event loop stall max', value: r.loopMax, unit: 'ms' });
      await docs.close();
    }

    // 3. Open loop at the rate of the sync benchmark (10 rooms x 5 clients x 5 Hz = 250 updates/s):
    // how long after append() an update is on disk. This is the durability window the server has.
    {
      const docs = open(root, 'window', { batchMs: 25 });
      const r = await openLoop(docs, 250, seconds * 2);
      const what = 'durability window, 250 updates/s (10 rooms x 5 clients x 5 Hz), 2 KB, FULL';
      out.push({ name: what, metric: 'p50', value: r.p50, unit: 'ms' });
      out.push({ name: what, metric: 'p99', value: r.p99, unit: 'ms' });
      out.push({ name: what, metric: 'max', value: r.max, unit: 'ms' });
      await docs.close();
    }

    // 4. One transaction (and, with FULL, one fsync) per update: what batching saves.
    for (const synchronous of ['FULL', 'NORMAL'] as const) {
      const docs = open(root, `single-${synchronous}`, { batchMs: 1, maxBatchUpdates: 1, synchronous });
      const r = await closedLoop(docs, 1, seconds);
      const what = `one transaction per update, 1 writer, ${synchronous}`;
      out.push({ name: what, metric: 'appends/s', value: r.perSec, unit: '/s' });
      out.push({ name: what, metric: 'durable p50', value: r.p50, unit: 'ms' });
      await docs.close();
    }

    // 5. Loading a 100-object document: raw log, replayed into a Y.Doc, and after compaction.
    {
      const docs = open(root, 'load', { batchMs: 25 });
      const room = 'task:hundred';
      const { rows, bytes } = await writeHundredObjectDoc(docs, room);
      const reps = quick ? 5 : 20;
      const what = `100-object document, ${rows} log rows (${(bytes / 1024).toFixed(0)} KB)`;
      out.push({ name: what, metric: 'load, median', value: await median(reps, () => docs.load(room)), unit: 'ms' });
      out.push({ name: what, metric: 'load + apply, median', value: await median(reps, () => loadDoc(docs, room)), unit: 'ms', goal: '<= 10' });
      const c = await compactRoom(docs, room, Y);
      const what2 = `100-object document, compacted (${((c?.bytesAfter ?? 0) / 1024).toFixed(0)} KB)`;
      out.push({ name: what2, metric: 'load + apply, median', value: await median(reps, () => loadDoc(docs, room)), unit: 'ms', goal: '<= 10' });
      out.push({ name: what2, metric: 'compactRoom', value: await median(1, () => compactRoomAgain(docs, room)), unit: 'ms' });
      await docs.close();
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  return out;
}

function open(root: string, name: string, opts: SqliteDocStoreOptions): SqliteDocStore {
  return SqliteDocStore.open(path.join(root, name, 'tandem.db'), opts);
}

function update(i: number): Uint8Array {
  const u = new Uint8Array(UPDATE_BYTES);
  for (let k = 0; k < u.length; k += 64) u[k] = (i + k) & 0xff;
  return u;
}

async function closedLoop(docs: SqliteDocStore, writers: number, seconds: number) {
  const latencies: number[] = [];
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const end = performance.now() + seconds * 1000;
  let n = 0;
  await Promise.all(Array.from({ length: writers }, async (_, w) => {
    while (performance.now() < end) {
      const t = performance.now();
      await docs.append(`task:r${w % ROOMS}`, update(n++));
      latencies.push(performance.now() - t);
    }
  }));
  loop.disable();
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  return {
    perSec: latencies.length / seconds,
    p50: q(0.5),
    p99: q(0.99),
    loopP99: loop.percentile(99) / 1e6, // ns -> ms
    loopMax: loop.max / 1e6,
  };
}

/** Appends at a fixed rate whatever the store does (clients do not wait for the disk). */
async function openLoop(docs: SqliteDocStore, perSec: number, seconds: number) {
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < perSec * seconds; i++) {
    const due = t0 + (i * 1000) / perSec;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const t = performance.now();
    pending.push(docs.append(`task:r${i % 10}`, update(i)).then(() => { latencies.push(performance.now() - t); }));
  }
  await Promise.all(pending);
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  return { p50: q(0.5), p99: q(0.99), max: latencies[latencies.length - 1] };
}

/** 100 objects as contract 4 lays them out; each gets 3 clicks, with a new ~2 KB mask per click. */
async function writeHundredObjectDoc(docs: SqliteDocStore, room: string): Promise<{ rows: number; bytes: number }> {
  const doc = new Y.Doc();
  const writes: Promise<void>[] = [];
  let bytes = 0;
  doc.on('update', (u: Uint8Array) => { bytes += u.byteLength; writes.push(docs.append(room, u)); });
  doc.getMap('meta').set('schemaVersion', 1);
  const objects = doc.getMap<Y.Map<unknown>>('objects');
  for (let i = 0; i < 100; i++) {
    const o = new Y.Map<unknown>();
    doc.transact(() => {
      objects.set(`obj${i}`, o);
      o.set('label', 'cat');
      o.set('clicks', new Y.Array());
      o.set('createdBy', 'u1');
    });
    for (let c = 0; c < 3; c++) {
      doc.transact(() => {
        (o.get('clicks') as Y.Array<unknown>).push([{ x: i + c, y: i, positive: c !== 1, by: 'u1', at: Date.now() }]);
        o.set('mask', { size: [1080, 1920], counts: rleLike(i * 10 + c) });
        o.set('updatedBy', 'u1');
        o.set('updatedAt', Date.now());
      });
    }
  }
  await Promise.all(writes);
  return { rows: await docs.logLength(room), bytes };
}

/** A string with the look and size (~2 KB) of a COCO compressed RLE counts string. */
function rleLike(seed: number): string {
  const chars = '0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz';
  let s = seed >>> 0;
  let out = '';
  for (let k = 0; k < 2048; k++) out += chars[(s = (s * 1664525 + 1013904223) >>> 0) % chars.length];
  return out;
}

async function loadDoc(docs: SqliteDocStore, room: string): Promise<void> {
  const stored = await docs.load(room);
  const d = new Y.Doc();
  Y.transact(d, () => { for (const u of stored.updates) Y.applyUpdate(d, u); });
  d.destroy();
}

async function compactRoomAgain(docs: SqliteDocStore, room: string): Promise<void> {
  await docs.append(room, Y.encodeStateAsUpdate(new Y.Doc())); // a second row so there is work
  await compactRoom(docs, room, Y);
}

async function median(reps: number, fn: () => Promise<unknown>): Promise<number> {
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    await fn();
    ts.push(performance.now() - t);
  }
  ts.sort((a, b) => a - b);
  return ts[Math.floor(ts.length / 2)];
}
