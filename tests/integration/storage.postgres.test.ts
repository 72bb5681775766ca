// The PostgreSQL backend (shared, multi-node mode) against the real server on 127.0.0.1:5432: the
// storage contract, plus what only a shared database has (several nodes appending to one room,
// migrations racing at start, refusing a newer schema). Each test gets its own schema, dropped afterwards.
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config';
import { createLogger } from '../../server/logger';
import { openPostgresStores } from '../../server/storage/postgres/openPostgres';
import { withDefaultUser } from '../../server/storage/postgres/connectionUrl';
import { migrations } from '../../server/storage/postgres/migrations';
import { SchemaTooNewError } from '../../server/storage/SchemaTooNewError';
import { createTempSchema, type TempSchema } from '../../server/storage/postgres/tempSchema';
import type { DocStore, MetaStore } from '../../server/storage/types';
import { storageContract } from './storageContract';
import { webhookStoreContract } from './webhookStoreContract';
import { jobStoreContract } from './jobStoreContract';

const BASE_URL = 'postgres://127.0.0.1:5432/test';
const log = createLogger({ level: 'silent' });
const schemas: TempSchema[] = [];
const open = (url: string) => openPostgresStores(loadConfig({ DATABASE_URL: url, SYNC_BATCH_MS: '25' }), log);
type Stores = Awaited<ReturnType<typeof open>>;
async function closeAll(...nodes: Stores[]): Promise<void> {
  for (const n of nodes) {
    await n.docs.close();
    await n.hooks.close();
    await n.jobs.close();
    await n.meta.close();
  }
}

async function query<R extends object>(url: string, sql: string, params: unknown[] = []): Promise<R[]> {
  const c = new pg.Client({ connectionString: withDefaultUser(url) });
  await c.connect();
  try {
    return (await c.query<R>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

/** Every table of the schema with all its rows, in a stable order: what "unchanged" compares. */
async function dump(schema: TempSchema): Promise<Record<string, unknown[]>> {
  const tables = await query<{ table_name: string }>(
    schema.url,
    'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
    [schema.name],
  );
  const out: Record<string, unknown[]> = {};
  for (const { table_name: t } of tables) out[t] = await query(schema.url, `SELECT * FROM ${t} AS r ORDER BY r::text`);
  return out;
}

async function freshSchema(): Promise<TempSchema> {
  const s = await createTempSchema(BASE_URL);
  schemas.push(s);
  return s;
}

afterEach(async () => {
  for (const s of schemas.splice(0)) await s.drop();
});

storageContract('postgres', async () => {
  const schema = await freshSchema();
  let current = await open(schema.url);
  let closed = false;
  const closeAll = async () => {
    if (closed) return;
    closed = true;
    await current.docs.close();
    await current.hooks.close();
    await current.jobs.close();
    await current.meta.close();
  };
  return {
    get meta() { return current.meta; },
    set meta(m: MetaStore) { current.meta = m; },
    get docs() { return current.docs; },
    set docs(d: DocStore) { current.docs = d; },
    async reopen() {
      await closeAll();
      current = await open(schema.url);
      closed = false;
      return current;
    },
    storedTokenValues: async () => (await query<{ hash: string }>(schema.url, 'SELECT hash FROM tokens')).map((r) => r.hash),
    cleanup: closeAll,
  };
});

webhookStoreContract('postgres', async () => {
  const schema = await freshSchema();
  const stores = await open(schema.url);
  return { ...stores, cleanup: () => closeAll(stores) };
});

jobStoreContract('postgres', async () => {
  const schema = await freshSchema();
  const [one, two] = [await open(schema.url), await open(schema.url)];
  return { meta: one.meta, jobs: [one.jobs, two.jobs], cleanup: () => closeAll(one, two) };
});

describe('PostgreSQL specifics', () => {
  it('keeps one gap-free, ordered log when three nodes append to the same room at once', async () => {
    const schema = await freshSchema();
    const nodes = await Promise.all([0, 1, 2].map(() => open(schema.url)));
    const perNode = 60;
    const writes: Promise<void>[] = [];
    for (let i = 0; i < perNode; i++) {
      nodes.forEach((n, k) => writes.push(n.docs.append('task:shared', new Uint8Array([k, i]))));
      if (i % 10 === 9) await new Promise((r) => setImmediate(r)); // several batches per node
    }
    await Promise.all(writes);
    const rows = await query<{ seq: string; data: Buffer }>(schema.url, "SELECT seq, data FROM doc_updates WHERE room = 'task:shared' ORDER BY seq");
    expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: 3 * perNode }, (_, i) => i + 1));
    // Each node's own updates keep the order it appended them in.
    for (let k = 0; k < 3; k++) {
      const mine = rows.map((r) => [...r.data]).filter((d) => d[0] === k).map((d) => d[1]);
      expect(mine).toEqual(Array.from({ length: perNode }, (_, i) => i));
    }
    const loaded = await nodes[1].docs.load('task:shared');
    expect(loaded.lastSeq).toBe(3 * perNode);
    await closeAll(...nodes);
  });

  it('batches spanning several rooms from three nodes at once: no deadlock, every room gap-free and in order', async () => {
    // Each tick puts every room in every node's batch: the rooms' row locks are taken in one order.
    const schema = await freshSchema();
    const nodes = await Promise.all([0, 1, 2].map(() => open(schema.url)));
    const rooms = ['task:m-b', 'task:m-a', 'task:m-C', 'task:m-c'];
    const perNode = 30;
    const writes: Promise<void>[] = [];
    for (let i = 0; i < perNode; i++) {
      nodes.forEach((n, k) => rooms.forEach((room) => writes.push(n.docs.append(room, new Uint8Array([k, i])))));
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(writes);
    for (const room of rooms) {
      const rows = await query<{ seq: string; data: Buffer }>(schema.url, 'SELECT seq, data FROM doc_updates WHERE room = $1 ORDER BY seq', [room]);
      expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: 3 * perNode }, (_, i) => i + 1));
      for (let k = 0; k < 3; k++) {
        expect(rows.map((r) => [...r.data]).filter((d) => d[0] === k).map((d) => d[1])).toEqual(Array.from({ length: perNode }, (_, i) => i));
      }
    }
    await closeAll(...nodes);
  });

  it('splits a backlog beyond one batch and flush() still waits for all of it', async () => {
    const schema = await freshSchema();
    const node = await open(schema.url);
    const n = 2500; // > 1000 updates per batch
    let settled = 0;
    const writes = Array.from({ length: n }, (_, i) => node.docs.append('task:big', new Uint8Array([i & 255, i >> 8])).then(() => { settled++; }));
    await node.docs.flush();
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(n);
    await Promise.all(writes);
    const stored = await node.docs.load('task:big');
    expect(stored.updates.map((u) => u[0] | (u[1] << 8))).toEqual(Array.from({ length: n }, (_, i) => i));
    await closeAll(node);
  });

  it('a compaction on one node never loses what another node appends meanwhile', async () => {
    const schema = await freshSchema();
    const [a, b] = await Promise.all([open(schema.url), open(schema.url)]);
    for (let i = 1; i <= 5; i++) await a.docs.append('task:c', new Uint8Array([1, i]));
    const seen = await a.docs.load('task:c');
    const late = b.docs.append('task:c', new Uint8Array([2, 1]));
    await a.docs.compact('task:c', new Uint8Array([9, 9]), seen.lastSeq);
    await late;
    const after = await b.docs.load('task:c');
    expect(after.updates.map((u) => [...u])).toEqual([[9, 9], [2, 1]]);
    await closeAll(...[a, b]);
  });

  it('migrates once when several nodes start at the same moment, and records the version', async () => {
    const schema = await freshSchema();
    const nodes = await Promise.all([0, 1, 2, 3].map(() => open(schema.url)));
    const versions = await query<{ version: number }>(schema.url, 'SELECT version FROM schema_migrations ORDER BY version');
    expect(versions.map((v) => v.version)).toEqual(migrations.map((m) => m.version));
    await closeAll(...nodes);
  });

  it('refuses a schema migrated by a newer Tandem with schema_too_new, and changes nothing', async () => {
    const schema = await freshSchema();
    const node = await open(schema.url);
    const ana = await node.meta.createUser({ name: 'Ana' });
    await node.meta.createProject({ name: 'Cells', labels: [], createdBy: ana.id });
    await node.docs.append('task:t1', new Uint8Array([1, 2, 3]));
    await closeAll(node);
    const supported = migrations.at(-1)!.version;
    await query(schema.url, 'INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [supported + 1, 'from a newer Tandem', Date.now()]);
    const before = await dump(schema);
    expect(before.users).toHaveLength(1);
    expect(before.doc_updates).toHaveLength(1);

    const refused = open(schema.url);
    await expect(refused).rejects.toBeInstanceOf(SchemaTooNewError);
    await expect(refused).rejects.toMatchObject({ code: 'schema_too_new', backend: 'postgres', databaseVersion: supported + 1, supportedVersion: supported });
    await expect(refused).rejects.toThrow(`schema version ${supported + 1}, newer than this Tandem supports (${supported}); upgrade Tandem`);
    expect(await dump(schema)).toEqual(before);
  });

  it('each schema is its own world: nothing written in one is visible in another', async () => {
    const [s1, s2] = [await freshSchema(), await freshSchema()];
    const [n1, n2] = [await open(s1.url), await open(s2.url)];
    const ana = await n1.meta.createUser({ name: 'Ana' });
    expect(await n2.meta.getUser(ana.id)).toBeNull();
    expect(await n1.meta.getUser(ana.id)).toEqual(ana);
    await closeAll(n1, n2);
  });
});
