// The Redis Streams room bus against the real Redis on 127.0.0.1:6379: delivery between nodes,
// resuming after a dropped connection, trimming, and the resync signal when Redis restarts without
// its data. Keys live under a per-run prefix and are deleted afterwards.
import { createClient } from 'redis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config';
import { createLogger } from '../../server/logger';
import { createRedisBus, type RedisBusOptions } from '../../server/storage/redis/RedisStreamsBus';
import type { BusMessageKind } from '../../server/storage/types';
import { newId } from '../../shared/schema/ids';
import { REDIS_URL, restartRedis } from '../helpers/cluster';
import { holdRedisLock } from '../helpers/clusterFixtures';
import { waitFor } from '../helpers/waitFor';

holdRedisLock();

const keyPrefix = `tandem:test:${newId(8)}:`;
const prefix = `${keyPrefix}room:`;
const log = createLogger({ level: 'silent' });
const open: Array<{ close(): Promise<void> }> = [];

async function bus(nodeId: string, opts: RedisBusOptions = {}) {
  const b = await createRedisBus(loadConfig({ REDIS_URL, NODE_ID: nodeId, REDIS_KEY_PREFIX: keyPrefix }), log, { blockMs: 1000, ...opts });
  open.push(b);
  return b;
}

function collect() {
  const got: Array<{ kind: BusMessageKind; data: number[] }> = [];
  return { got, handler: (kind: BusMessageKind, data: Uint8Array) => got.push({ kind, data: [...data] }) };
}

async function redis() {
  const c = createClient({ url: REDIS_URL });
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

afterEach(async () => {
  for (const b of open.splice(0)) await b.close();
});

afterAll(async () => {
  const c = await redis();
  for await (const keys of c.scanIterator({ MATCH: `${keyPrefix}*`, COUNT: 1000 })) if (keys.length) await c.del(keys);
  c.destroy();
});

describe('Redis Streams room bus', () => {
  it('delivers updates and awareness byte for byte to the other nodes serving the room, never back to the sender', async () => {
    const [a, b, c] = [await bus('a'), await bus('b'), await bus('c')];
    const [atA, atB, atC] = [collect(), collect(), collect()];
    a.subscribe('task:1', atA.handler);
    b.subscribe('task:1', atB.handler);
    c.subscribe('task:other', atC.handler);
    await a.publish('task:1', 'update', new Uint8Array([0, 1, 255]));
    await a.publish('task:1', 'awareness', new Uint8Array([7]));
    await waitFor(() => atB.got.length === 2, 'atB.got.length === 2', 20_000);
    expect(atB.got).toEqual([{ kind: 'update', data: [0, 1, 255] }, { kind: 'awareness', data: [7] }]);
    expect(atA.got).toEqual([]);
    expect(atC.got).toEqual([]);
  });

  it('a node that subscribes late still sees what was published just before (the load/subscribe race)', async () => {
    const [a, b] = [await bus('a'), await bus('b')];
    await a.publish('task:late', 'update', new Uint8Array([1]));
    const atB = collect();
    b.subscribe('task:late', atB.handler);
    await waitFor(() => atB.got.length === 1, 'atB.got.length === 1', 20_000);
    expect(atB.got[0].data).toEqual([1]);
  });

  it('stops delivering after unsubscribe and serves the rooms that remain', async () => {
    const [a, b] = [await bus('a'), await bus('b')];
    const [one, two] = [collect(), collect()];
    const off = b.subscribe('task:u1', one.handler);
    b.subscribe('task:u2', two.handler);
    await a.publish('task:u1', 'update', new Uint8Array([1]));
    await waitFor(() => one.got.length === 1, 'one.got.length === 1', 20_000);
    off();
    await a.publish('task:u1', 'update', new Uint8Array([2]));
    await a.publish('task:u2', 'update', new Uint8Array([3]));
    await waitFor(() => two.got.length === 1, 'two.got.length === 1', 20_000);
    expect(one.got.map((m) => m.data)).toEqual([[1]]);
  });

  it('a node whose connection drops resumes where it stopped: nothing missed, nothing twice, no resync', async () => {
    const [a, b] = [await bus('a'), await bus('b')];
    const atB = collect();
    let resyncs = 0;
    b.subscribe('task:blink', atB.handler);
    b.onResync('task:blink', () => resyncs++);
    await a.publish('task:blink', 'update', new Uint8Array([1]));
    await waitFor(() => atB.got.length === 1, 'atB.got.length === 1', 20_000);
    // Kill every connection of node b (its reader and its command connection) from the outside.
    const c = await redis();
    const clients = String(await c.sendCommand(['CLIENT', 'LIST'])).split('\n');
    const bIds = clients.filter((l) => / name=tandem-bus:b(-reader)? /.test(l)).map((l) => /id=(\d+)/.exec(l)![1]);
    expect(bIds).toHaveLength(2);
    for (const id of bIds) await c.sendCommand(['CLIENT', 'KILL', 'ID', id]);
    for (let i = 2; i <= 6; i++) await a.publish('task:blink', 'update', new Uint8Array([i]));
    c.destroy();
    await waitFor(() => atB.got.length === 6, 'atB.got.length === 6', 20_000);
    expect(atB.got.map((m) => m.data[0])).toEqual([1, 2, 3, 4, 5, 6]);
    expect(resyncs).toBe(0);
  });

  it('trims entries once they are older than the retention window', async () => {
    const a = await bus('a', { retainMs: 300, trimEveryMs: 50 });
    const b = await bus('b');
    const atB = collect();
    a.subscribe('task:trim', () => undefined);
    b.subscribe('task:trim', atB.handler);
    for (let i = 0; i < 20; i++) await a.publish('task:trim', 'update', new Uint8Array([i]));
    // All 20 went through the stream (b read them from it)...
    await waitFor(() => atB.got.length === 20, 'atB.got.length === 20', 20_000);
    // ...and a's trimmer removes them once they are older than 300 ms.
    const c = await redis();
    await waitFor(async () => (await c.xLen(`${prefix}task:trim`)) === 0, 'the trimmed stream to be empty', 20_000);
    c.destroy();
  });
});

describe('Redis restart without persistence', () => {
  it('publishes without errors or waiting while Redis is down, delivers the queued updates and signals resync when it returns', async () => {
    const [a, b] = [await bus('a'), await bus('b')];
    const atB = collect();
    const resyncs = { a: 0, b: 0 };
    a.subscribe('task:r', () => undefined);
    b.subscribe('task:r', atB.handler);
    a.onResync('task:r', () => resyncs.a++);
    b.onResync('task:r', () => resyncs.b++);
    const controlAtB = collect();
    b.subscribe('tandem:access', controlAtB.handler);
    await a.publish('task:r', 'update', new Uint8Array([1]));
    await waitFor(() => atB.got.length === 1, 'atB.got.length === 1', 20_000);

    await restartRedis(async () => {
      // Redis is down: publishing must neither throw nor hang (the node keeps serving locally).
      await a.publish('task:r', 'update', new Uint8Array([2]));
      // An access change made meanwhile (a member taken out) waits for Redis too, not for the
      // other nodes' next access sweep.
      await a.publish('tandem:access', 'control', new Uint8Array([7]));
    });
    await waitFor(() => resyncs.a === 1 && resyncs.b === 1, 'resyncs.a === 1 && resyncs.b === 1', 20_000);
    await a.publish('task:r', 'update', new Uint8Array([3]));
    await waitFor(() => atB.got.some((m) => m.data[0] === 3), 'atB.got.some((m) => m.data[0] === 3)', 20_000);
    // 2 waited in a's outbox; 1 was re-sent because Redis came back empty (duplicates are harmless
    // for Yjs, losing one is not).
    expect(new Set(atB.got.map((m) => m.data[0]))).toEqual(new Set([1, 2, 3]));
    expect(atB.got.findIndex((m) => m.data[0] === 2)).toBeLessThan(atB.got.findIndex((m) => m.data[0] === 3));
    await waitFor(() => controlAtB.got.some((m) => m.kind === 'control' && m.data[0] === 7), 'the access change queued during the outage', 20_000);
  });
});
