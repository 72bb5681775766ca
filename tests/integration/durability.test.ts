// Crash durability: clients write continuously to a server child process, which is SIGKILLed.
// Reopening its DATA_DIR without any client shows every update older than the durability window;
// after a restart on the same DATA_DIR and port the clients reconnect, push what the server lacks,
// and every edit any of them made is present everywhere.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { loadConfig } from '../../server/config';
import { createLogger } from '../../server/logger';
import { openStorage } from '../../server/storage/openStorage';
import { makeImage } from '../helpers/images';
import { makeApi, startServerProcess, type ServerProcess } from '../helpers/testServer';
import { waitFor } from '../helpers/waitFor';
import { connectClient, type YClient } from '../helpers/yclient';

/**
 * Generous bound on append → durable (batch window 25 ms + fsync), for a loaded 2-core machine.
 * The measured figure is in tests/bench/docMemory.bench.ts; this only bounds what may be missing.
 */
const DURABILITY_WINDOW_MS = 1000;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

describe('durability across SIGKILL', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-crash-'));
  let proc: ServerProcess | null = null;
  const clients: YClient[] = [];
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await proc?.stop('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every update older than the window on disk and loses no edit after a restart', async () => {
    const port = String(await freePort());
    const env = { DATA_DIR: dataDir, PORT: port };
    proc = await startServerProcess(env);
    const api = makeApi(proc.url, proc.adminToken);
    const p = await api('POST', '/api/projects', { name: 'crash' });
    const t = await api('POST', `/api/projects/${p.body.id}/tasks?name=a.png`, await makeImage(32, 32, 'png'), undefined, { 'content-type': 'image/png' });
    expect(t.status).toBe(201);
    const room = `task:${t.body.id}`;

    // Three writers, each pushing "<client>:<n>" every few ms and noting when it was written.
    const written: Array<Map<string, number>> = [];
    const timers: NodeJS.Timeout[] = [];
    for (let i = 0; i < 3; i++) {
      const c = connectClient(proc.wsUrl, room, proc.adminToken, undefined, { maxBackoffTime: 100 });
      clients.push(c);
      await c.synced();
      const mine = new Map<string, number>();
      written.push(mine);
      let n = 0;
      timers.push(
        setInterval(() => {
          const id = `${i}:${n++}`;
          c.doc.getArray<string>('log').push([id]);
          mine.set(id, Date.now());
        }, 4),
      );
    }
    // Kill only once enough writes are older than the window, so the disk check below has teeth.
    const olderThanWindow = () => written.reduce((n, w) => n + [...w.values()].filter((at) => at < Date.now() - DURABILITY_WINDOW_MS).length, 0);
    await waitFor(() => olderThanWindow() >= 150, '150 writes older than the window', 60_000);

    const killedAt = Date.now();
    await proc.stop('SIGKILL');
    // Clients keep editing while the server is down (offline edits).
    await waitFor(() => written.every((w) => [...w.values()].some((at) => at > killedAt + 50)), 'offline writes');

    // 1. The disk alone, no client: everything written before killedAt - window is there.
    const config = loadConfig({ DATA_DIR: dataDir });
    const storage = await openStorage(config, createLogger({ level: 'silent' }));
    const onDisk = new Y.Doc();
    try {
      for (const u of (await storage.docs.load(room)).updates) Y.applyUpdate(onDisk, u);
    } finally {
      await storage.close();
    }
    const stored = new Set(onDisk.getArray<string>('log').toArray());
    const old = written.flatMap((w) => [...w].filter(([, at]) => at < killedAt - DURABILITY_WINDOW_MS).map(([id]) => id));
    expect(old.length).toBeGreaterThanOrEqual(150);
    expect(old.filter((id) => !stored.has(id))).toEqual([]);

    // 2. Restart on the same DATA_DIR and port: the clients reconnect by themselves.
    proc = await startServerProcess(env);
    for (const tm of timers) clearInterval(tm);
    const all = new Set(written.flatMap((w) => [...w.keys()]));
    const hasAll = (d: Y.Doc) => {
      const got = new Set(d.getArray<string>('log').toArray());
      return [...all].every((id) => got.has(id));
    };
    await waitFor(() => clients.every((c) => c.provider.synced && hasAll(c.doc)), 'clients to exchange every edit', 30_000);
    // A fresh client, which never held any of it, gets everything from the server.
    const fresh = connectClient(proc.wsUrl, room, proc.adminToken);
    clients.push(fresh);
    await fresh.synced();
    await waitFor(() => hasAll(fresh.doc), 'the server to hold every edit', 30_000);
    const order = fresh.doc.getArray<string>('log').toArray();
    for (const c of clients) expect(c.doc.getArray<string>('log').toArray()).toEqual(order);
    expect(order.length).toBe(all.size);

    // 3. A graceful stop exits 0 and flushes: a reopened store still has everything.
    for (const c of clients) c.destroy();
    expect(await proc.stop('SIGTERM')).toBe(0);
    proc = null;
    const again = await openStorage(config, createLogger({ level: 'silent' }));
    const reopened = new Y.Doc();
    try {
      for (const u of (await again.docs.load(room)).updates) Y.applyUpdate(reopened, u);
    } finally {
      await again.close();
    }
    expect(reopened.getArray<string>('log').toArray()).toEqual(order);
  }, 300_000); // two cold starts of a tsx child process on a shared 2-core machine
});
