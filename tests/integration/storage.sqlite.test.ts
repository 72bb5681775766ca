// The SQLite backend: the storage contract, what only SQLite has (pragmas, migrations, batch
// failure, on-disk durability after SIGKILL) and openStorage's default wiring.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config';
import { createLogger } from '../../server/logger';
import { importBackend, openStorage, sqliteFile } from '../../server/storage/openStorage';
import { SchemaTooNewError } from '../../server/storage/SchemaTooNewError';
import type { ProjectId, TaskId, UserId } from '../../shared/schema/ids';
import { migrations, SCHEMA_VERSION } from '../../server/storage/sqlite/schema';
import { SqliteDocStore } from '../../server/storage/sqlite/SqliteDocStore';
import { SqliteMetaStore } from '../../server/storage/sqlite/SqliteMetaStore';
import { waitFor } from '../helpers/waitFor';
import { storageContract } from './storageContract';
import { webhookStoreContract } from './webhookStoreContract';
import { SqliteWebhookStore } from '../../server/storage/sqlite/SqliteWebhookStore';
import { SqlJobStore } from '../../server/storage/SqlJobStore';
import { openSqlite } from '../../server/storage/sqlite/openSqlite';
import { jobStoreContract } from './jobStoreContract';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tmpDirs: string[] = [];
function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-sqlite-'));
  tmpDirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of tmpDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

storageContract('sqlite', async () => {
  const file = path.join(tmpDir(), 'tandem.db');
  const openBoth = () => ({ meta: SqliteMetaStore.open(file), docs: SqliteDocStore.open(file, { batchMs: 25 }) });
  let current = openBoth();
  return {
    ...current,
    async reopen() {
      await current.docs.close();
      await current.meta.close();
      current = openBoth();
      return current;
    },
    async storedTokenValues() {
      const db = new Database(file, { readonly: true });
      try {
        return db.prepare('SELECT hash FROM tokens').pluck().all() as string[];
      } finally {
        db.close();
      }
    },
    async cleanup() {
      await current.docs.close();
      await current.meta.close();
    },
  };
});

webhookStoreContract('sqlite', async () => {
  const file = path.join(tmpDir(), 'tandem.db');
  const meta = SqliteMetaStore.open(file);
  const hooks = SqliteWebhookStore.open(file);
  return { meta, hooks, cleanup: async () => { await hooks.close(); await meta.close(); } };
});

jobStoreContract('sqlite', async () => {
  const file = path.join(tmpDir(), 'tandem.db');
  const meta = SqliteMetaStore.open(file);
  const jobs: [SqlJobStore, SqlJobStore] = [SqlJobStore.sqlite(openSqlite(file)), SqlJobStore.sqlite(openSqlite(file))];
  return { meta, jobs, cleanup: async () => { for (const j of jobs) await j.close(); await meta.close(); } };
});

describe('SQLite specifics', () => {
  it('opens in WAL mode with synchronous=FULL, foreign keys on and the current schema version', async () => {
    const file = path.join(tmpDir(), 'tandem.db');
    const docs = SqliteDocStore.open(file);
    const meta = SqliteMetaStore.open(file);
    const db = new Database(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    db.close();
    // Per-connection pragmas, read through the stores' own connections.
    const inner = (s: object) => (s as unknown as { db: Database.Database }).db;
    expect(inner(docs).pragma('synchronous', { simple: true })).toBe(2); // 2 = FULL
    // The connection that commits is the writer thread's.
    expect(await docs.writerSettings).toEqual({ journalMode: 'wal', synchronous: 2, foreignKeys: 1 });
    expect(inner(meta).pragma('foreign_keys', { simple: true })).toBe(1);
    await docs.close();
    await meta.close();
  });

  it('brings a version-1 file up to date keeping its tasks, which start unassigned', async () => {
    const file = path.join(tmpDir(), 'tandem.db');
    const old = new Database(file);
    old.exec(migrations[0]);
    old.pragma('user_version = 1');
    old.prepare('INSERT INTO users (id, name, is_admin, created_at) VALUES (?, ?, 0, 0)').run('u1', 'Ana');
    old.prepare('INSERT INTO projects (id, name, labels, created_by, created_at) VALUES (?, ?, ?, ?, 0)').run('p1', 'P', '[]', 'u1');
    old.prepare("INSERT INTO tasks (id, project_id, name, width, height, status, image_key, mime, created_at) VALUES ('t1', 'p1', 'a.png', 4, 3, 'done', 'k', 'image/png', 0)").run();
    old.close();
    const meta = SqliteMetaStore.open(file);
    expect(await meta.listTasks('p1' as ProjectId)).toEqual([expect.objectContaining({ id: 't1', status: 'done', assignee: null })]);
    await meta.assignTasks('p1' as ProjectId, [{ taskId: 't1' as TaskId, userId: 'u1' as UserId }]);
    expect((await meta.getTask('t1' as TaskId))?.assignee).toBe('u1');
    expect((await meta.getProject('p1' as ProjectId))?.guide).toBe(''); // migration 3
    await meta.setProjectGuide('p1' as ProjectId, 'Cars: include mirrors.');
    expect((await meta.getProject('p1' as ProjectId))?.guide).toBe('Cars: include mirrors.');
    await meta.close();
    const db = new Database(file);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    db.close();
  });

  it('refuses a database written by a newer schema with schema_too_new, and changes nothing', async () => {
    const dir = tmpDir();
    const file = sqliteFile(dir);
    const meta = SqliteMetaStore.open(file);
    const docs = SqliteDocStore.open(file);
    const ana = await meta.createUser({ name: 'Ana' });
    await meta.createProject({ name: 'Cells', labels: [], createdBy: ana.id });
    await docs.append('task:t1', new Uint8Array([1, 2, 3]));
    await docs.close();
    await meta.close();
    const db = new Database(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const before = dump(file);
    expect(before.users).toHaveLength(1);
    expect(before.updates).toHaveLength(1);

    const refusal = { code: 'schema_too_new', backend: 'sqlite', databaseVersion: SCHEMA_VERSION + 1, supportedVersion: SCHEMA_VERSION };
    const message = `schema version ${SCHEMA_VERSION + 1}, newer than this Tandem supports (${SCHEMA_VERSION}); upgrade Tandem`;
    for (const openStore of [() => SqliteMetaStore.open(file), () => SqliteDocStore.open(file)]) {
      expect(openStore).toThrow(SchemaTooNewError);
      expect(openStore).toThrow(expect.objectContaining(refusal));
      expect(openStore).toThrow(message);
    }
    // Startup: openStorage is what createTandemServer opens first.
    const started = openStorage(loadConfig({ DATA_DIR: dir }), createLogger({ level: 'silent' }));
    await expect(started).rejects.toMatchObject(refusal);
    expect(dump(file)).toEqual(before);
  });

  it('a failed batch rejects every append of that batch and the next batch still commits', async () => {
    const file = path.join(tmpDir(), 'tandem.db');
    const docs = SqliteDocStore.open(file, { batchMs: 1000, log: createLogger({ level: 'silent' }) });
    const db = new Database(file);
    db.exec(`CREATE TRIGGER boom BEFORE INSERT ON updates WHEN NEW.room = 'task:boom' BEGIN SELECT RAISE(ABORT, 'disk says no'); END`);
    const ok = docs.append('task:ok', new Uint8Array([1]));
    const bad = docs.append('task:boom', new Uint8Array([2]));
    const okAfter = docs.append('task:ok', new Uint8Array([3]));
    const results = Promise.allSettled([ok, bad, okAfter]);
    await docs.flush();
    expect((await results).map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    await expect(ok).rejects.toMatchObject({ code: 'internal' });
    expect(db.prepare('SELECT COUNT(*) FROM updates').pluck().get()).toBe(0); // all or nothing
    db.exec('DROP TRIGGER boom');
    db.close();
    const again = docs.append('task:ok', new Uint8Array([4]));
    await docs.flush();
    await again;
    expect((await docs.load('task:ok')).updates).toEqual([new Uint8Array([4])]);
    await docs.close();
  });

  it('fails every pending and later append when the writer thread dies, instead of hanging', async () => {
    const file = path.join(tmpDir(), 'tandem.db');
    const docs = SqliteDocStore.open(file, { batchMs: 600_000, log: createLogger({ level: 'silent' }) });
    await docs.writerSettings;
    const queued = docs.append('task:a', new Uint8Array([1]));
    await (docs as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await docs.flush();
    await expect(queued).rejects.toMatchObject({ code: 'internal' });
    await expect(docs.append('task:a', new Uint8Array([2]))).rejects.toMatchObject({ code: 'unavailable' });
    await docs.close();
  });

  it('flush() commits the batch without waiting for the window', async () => {
    const file = path.join(tmpDir(), 'tandem.db');
    const docs = SqliteDocStore.open(file, { batchMs: 600_000 });
    const reader = new Database(file, { readonly: true });
    const count = reader.prepare('SELECT COUNT(*) FROM updates').pluck();
    const pending = Promise.all([docs.append('task:a', new Uint8Array([1])), docs.append('task:b', new Uint8Array([2]))]);
    expect(count.get()).toBe(0);
    await docs.flush();
    await pending;
    expect(count.get()).toBe(2); // visible to another connection: committed
    reader.close();
    await docs.close();
  });

  it('a full batch commits before the window ends', async () => {
    const file = path.join(tmpDir(), 'tandem.db');
    const docs = SqliteDocStore.open(file, { batchMs: 600_000, maxBatchUpdates: 10 });
    // With a 10-minute window only the size limit can settle these within the test timeout.
    await Promise.all(Array.from({ length: 10 }, (_, i) => docs.append('task:full', new Uint8Array([i + 1]))));
    expect(await docs.logLength('task:full')).toBe(10);
    await docs.close();
  });

  it('keeps every acknowledged append when the writing process is SIGKILLed', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'tandem.db');
    const child = path.join(dir, 'writer.mts');
    const storeUrl = new URL('server/storage/sqlite/SqliteDocStore.ts', `file://${repoRoot}/`).href;
    // The writer keeps 40 appends in flight over 5 rooms and prints "room index" when each resolves.
    fs.writeFileSync(child, `
      import { SqliteDocStore } from ${JSON.stringify(storeUrl)};
      const docs = SqliteDocStore.open(${JSON.stringify(file)}, { batchMs: 5 });
      const next = [0, 0, 0, 0, 0];
      const body = new Uint8Array(1024).fill(7);
      function one(r) {
        const i = next[r]++;
        const u = new Uint8Array(1028); u.set(body, 4); new DataView(u.buffer).setUint32(0, i);
        docs.append('task:crash' + r, u).then(() => { process.stdout.write(r + ' ' + i + '\\n'); one(r); });
      }
      for (let k = 0; k < 40; k++) one(k % 5);
    `);
    const proc = spawn(process.execPath, ['--import', 'tsx', child], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    const acked = [new Set<number>(), new Set<number>(), new Set<number>(), new Set<number>(), new Set<number>()];
    let total = 0;
    let buf = '';
    let stderr = '';
    proc.stderr.on('data', (d) => (stderr += d));
    proc.stdout.on('data', (d) => {
      buf += d;
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) {
        const [r, i] = l.split(' ').map(Number);
        acked[r].add(i);
        total++;
      }
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.on('exit', (_c, sig) => resolve(sig)));
    await waitFor(() => total >= 1000 || proc.exitCode !== null, '1000 acknowledged appends or the writer exiting', 50_000);
    expect(stderr).toBe('');
    proc.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const docs = SqliteDocStore.open(file);
    for (let r = 0; r < 5; r++) {
      const stored = await docs.load(`task:crash${r}`);
      const seen = stored.updates.map((u) => new DataView(u.buffer, u.byteOffset).getUint32(0));
      // Batches are atomic and ordered: what survived is a gap-free prefix 0..k of the issued appends...
      expect(seen).toEqual(seen.map((_, k) => k));
      // ...that holds every append whose promise had resolved.
      const missing = [...acked[r]].filter((i) => i >= seen.length);
      expect(missing).toEqual([]);
    }
    await docs.close();
  });
});

describe('openStorage (default, single node)', () => {
  it('creates the data and image directories, SQLite at DATA_DIR/tandem.db and a local bus', async () => {
    const dir = path.join(tmpDir(), 'nested', 'data');
    const config = loadConfig({ DATA_DIR: dir, NODE_ID: 'node-a' });
    const storage = await openStorage(config, createLogger({ level: 'silent' }));
    expect(fs.existsSync(sqliteFile(dir))).toBe(true);
    expect(fs.statSync(config.shared.imageDir).isDirectory()).toBe(true);
    expect(storage.bus.nodeId).toBe('node-a');
    let heard = 0;
    const off = storage.bus.subscribe('task:x', () => heard++);
    await storage.bus.publish('task:x', 'update', new Uint8Array([1]));
    off();
    expect(heard).toBe(0); // single node: nobody else publishes, and our own messages do not echo

    const user = await storage.meta.createUser({ name: 'Ana' });
    await storage.images.put('t1.png', new Uint8Array([1, 2, 3]));
    expect(storage.images.localPath('t1.png')).toBe(path.join(config.shared.imageDir, 't1.png'));
    const appended = storage.docs.append('task:t1', new Uint8Array([9, 9]));
    await storage.close();
    await appended; // close() flushed it
    await storage.close(); // idempotent

    const again = await openStorage(config, createLogger({ level: 'silent' }));
    expect(await again.meta.getUser(user.id)).toEqual(user);
    expect((await again.docs.load('task:t1')).updates).toEqual([new Uint8Array([9, 9])]);
    expect(await again.images.get('t1.png')).toEqual(new Uint8Array([1, 2, 3]));
    await again.close();
  });

  it('says clearly which backend module is missing', async () => {
    await expect(importBackend('./nowhere/openNothing', 'openNothing', 'SOME_URL'))
      .rejects.toThrow(/SOME_URL is set but server\/storage\/nowhere\/openNothing\.ts is not available/);
  });
});

/** Every table of the file with all its rows, its schema and user_version: what "unchanged" compares. */
function dump(file: string): Record<string, unknown> {
  const db = new Database(file, { readonly: true });
  try {
    const out: Record<string, unknown> = {
      userVersion: db.pragma('user_version', { simple: true }),
      schema: db.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY type, name').all(),
    };
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[];
    for (const t of tables) out[t] = db.prepare(`SELECT * FROM "${t}" ORDER BY rowid`).all();
    return out;
  } finally {
    db.close();
  }
}
