// Graceful shutdown with clients still connected, in process (TandemServer.close) and through
// main.ts's SIGTERM handler: an annotator's editor holds a /sync WebSocket (the stock y-websocket
// client) and a socket.io connection to /inference, plus a keep-alive HTTP connection and an
// upload still in flight. Close must finish promptly, the /sync sockets must see 1001 (going away),
// the socket.io client must be disconnected, and an edit made just before close must be stored.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { io as ioClient, type Socket } from 'socket.io-client';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CloseCode } from '../../shared/protocol/closeCodes';
import { loadConfig } from '../../server/config';
import { createLogger } from '../../server/logger';
import { openStorage } from '../../server/storage/openStorage';
import { openRaw } from '../helpers/rawSocket';
import { makeImage } from '../helpers/images';
import { makeApi, startServerProcess, startTestServer, type ServerProcess, type TestServer } from '../helpers/testServer';
import { waitFor } from '../helpers/waitFor';
import { connectClient, type YClient } from '../helpers/yclient';

/** How long close() may take with clients connected (generous for a loaded 2-core machine). */
const CLOSE_BOUND_MS = 5_000;

async function storedDoc(dataDir: string, room: string): Promise<Y.Doc> {
  const storage = await openStorage(loadConfig({ DATA_DIR: dataDir }), createLogger({ level: 'silent' }));
  const doc = new Y.Doc();
  try {
    for (const u of (await storage.docs.load(room)).updates) Y.applyUpdate(doc, u);
  } finally {
    await storage.close();
  }
  return doc;
}

/** Resolves with `p`'s value, or rejects when it takes longer than `ms`. */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (t = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(t);
  }
}

describe('closing the server with clients connected', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-shutdown-'));
  let s: TestServer | null = null;
  const clients: YClient[] = [];
  const sockets: Socket[] = [];
  const agent = new http.Agent({ keepAlive: true });
  afterEach(async () => {
    for (const c of clients) c.destroy();
    for (const c of sockets) c.disconnect();
    agent.destroy();
    // Only when the test failed before its own close (a hung close is not awaited twice).
    if (s) await within(s.server.close(), CLOSE_BOUND_MS, 'cleanup close').catch(() => {});
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('closes /sync with 1001, disconnects socket.io, drops keep-alive HTTP and keeps the last edit', async () => {
    // socket.io runs (the editor connects to /inference) but no local worker: inference is off.
    s = await startTestServer({ inference: true, dataDir, env: { INFERENCE_WORKERS: '0' } });
    const { projectId, taskId } = await s.createProjectWithTask();
    const { token } = await s.addMember(projectId, 'annotator');
    const room = `task:${taskId}`;

    // The editor: y-websocket on /sync (it reconnects after 1001, as it should) ...
    const editor = connectClient(s.wsUrl, room, token);
    clients.push(editor);
    await editor.synced();
    // ... a raw socket to see the close frame itself ...
    const raw = openRaw(s.wsUrl, room, token);
    await raw.opened;
    // ... socket.io on /inference, as src/lib/sync/inferenceSocket.ts connects ...
    const sio = ioClient(`${s.url}/inference`, { auth: { token }, transports: ['websocket'] });
    sockets.push(sio);
    await new Promise<void>((resolve, reject) => {
      sio.once('connect', () => resolve());
      sio.once('connect_error', reject);
    });
    const sioGone = new Promise<string>((resolve) => sio.once('disconnect', (reason) => resolve(reason)));
    // ... and an idle keep-alive HTTP connection (the page's last API request).
    const kept = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get(`${s!.url}/healthz`, { agent }, resolve).on('error', reject);
    });
    kept.resume();
    await new Promise((r) => kept.once('end', r));
    // ... and a request still in flight: an upload whose body has not all arrived yet.
    const upload = http.request(`${s.url}/api/projects`, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', 'content-length': '1000', authorization: `Bearer ${s.adminToken}` },
    });
    const uploadDone = new Promise<void>((resolve) => {
      upload.on('error', () => resolve());
      upload.on('response', (r) => r.resume().on('end', resolve).on('error', resolve));
    });
    upload.write('{"name":');

    // An edit, seen by the server (relayed to the raw socket), then close at once.
    const before = raw.frames.length;
    editor.doc.getArray<string>('log').push(['last edit']);
    await waitFor(() => raw.frames.length > before, 'the server to relay the edit');
    const t0 = Date.now();
    await within(s.server.close(), CLOSE_BOUND_MS, 'close()');
    const tookMs = Date.now() - t0;
    s = null;

    expect((await within(raw.closed, 1000, 'the raw close event')).code).toBe(CloseCode.GoingAway);
    await waitFor(() => editor.closes.length > 0, 'the editor to see the close');
    expect(editor.closes[0].code).toBe(CloseCode.GoingAway);
    expect(await within(sioGone, 1000, 'the socket.io disconnect')).toMatch(/transport close|io server disconnect/);
    await within(uploadDone, 1000, 'the unfinished upload to be cut');
    expect(tookMs).toBeLessThan(CLOSE_BOUND_MS);

    // The edit is durable: a fresh store on the same DATA_DIR has it.
    editor.destroy();
    const doc = await storedDoc(dataDir, room);
    expect(doc.getArray<string>('log').toArray()).toEqual(['last edit']);
  }, 60_000);
});

describe('SIGTERM with clients connected', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-sigterm-'));
  let proc: ServerProcess | null = null;
  const clients: YClient[] = [];
  const sockets: Socket[] = [];
  afterAll(async () => {
    for (const c of clients) c.destroy();
    for (const c of sockets) c.disconnect();
    await proc?.stop('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('main.ts closes through the same path: exit 0 well before its 15 s force-exit, the last edit stored', async () => {
    // main.ts runs socket.io (INFERENCE_WORKERS=0 from startServerProcess: no local worker).
    proc = await startServerProcess({ DATA_DIR: dataDir });
    const api = makeApi(proc.url, proc.adminToken);
    const p = await api('POST', '/api/projects', { name: 'sigterm' });
    const t = await api('POST', `/api/projects/${p.body.id}/tasks?name=a.png`, await makeImage(32, 32, 'png'), undefined, { 'content-type': 'image/png' });
    expect(t.status).toBe(201);
    const room = `task:${t.body.id}`;
    const editor = connectClient(proc.wsUrl, room, proc.adminToken);
    clients.push(editor);
    await editor.synced();
    const raw = openRaw(proc.wsUrl, room, proc.adminToken);
    await raw.opened;
    const sio = ioClient(`${proc.url}/inference`, { auth: { token: proc.adminToken }, transports: ['websocket'] });
    sockets.push(sio);
    await new Promise<void>((resolve, reject) => {
      sio.once('connect', () => resolve());
      sio.once('connect_error', reject);
    });
    const upload = http.request(`${proc.url}/api/projects`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': '1000', authorization: `Bearer ${proc.adminToken}` },
    });
    upload.on('error', () => {});
    upload.write('{"name":');

    const before = raw.frames.length;
    editor.doc.getArray<string>('log').push(['last edit']);
    await waitFor(() => raw.frames.length > before, 'the server to relay the edit');
    const t0 = Date.now();
    expect(await within(proc.stop('SIGTERM'), 10_000, 'exit after SIGTERM')).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    proc = null;
    expect((await within(raw.closed, 1000, 'the raw close event')).code).toBe(CloseCode.GoingAway);

    editor.destroy();
    const doc = await storedDoc(dataDir, room);
    expect(doc.getArray<string>('log').toArray()).toEqual(['last edit']);
  }, 180_000); // a cold start of a tsx child process on a shared 2-core machine
});
