// Seeded convergence fuzz through the real server: 5 stock y-websocket clients do random schema
// operations (create, relabel, replace mask, append/clear clicks, flags, delete, undo, redo with a
// Y.UndoManager each) with random pauses and random disconnects/reconnects; at the end every
// client, the server's live document and the stored log (replayed) are identical.
// FUZZ_SEEDS raises the seed count (CI runs >= 200); a failure names its seed.
import { afterAll, beforeAll, describe, it } from 'vitest';
import * as Y from 'yjs';
import { assertConverged, createFuzzClient, FUZZ_IMAGE, randomOperation, type FuzzClient } from '../../shared/schema/fuzz';
import { createPrng } from '../../shared/schema/prng';
import { makeImage } from '../helpers/images';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { waitFor } from '../helpers/waitFor';
import { connectClient, type YClient } from '../helpers/yclient';

const SEEDS = Number(process.env.FUZZ_SEEDS ?? 30);
const CLIENTS = 5;
const STEPS = 60;

describe('sync convergence fuzz (network)', () => {
  let s: TestServer;
  let projectId: string;
  let image: Buffer;
  let members: Array<{ userId: string; token: string }>;

  beforeAll(async () => {
    // Rooms unload 20 ms after their last client left and compact every 10 log rows, so runs also
    // cross unload/reload and compaction while clients come and go.
    s = await startTestServer({ env: { SYNC_UNLOAD_GRACE_MS: '20', SYNC_COMPACT_AFTER: '10' } });
    ({ projectId } = await s.createProjectWithTask());
    image = await makeImage(FUZZ_IMAGE.width, FUZZ_IMAGE.height, 'png');
    // Annotators and reviewers: both write task: (contract 3).
    members = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => s.addMember(projectId, i % 2 ? 'reviewer' : 'annotator', `fuzz${i}`)));
  });
  afterAll(async () => {
    await s?.close();
  });

  for (let seed = 1; seed <= SEEDS; seed++) {
    it(`seed ${seed}`, async () => {
      try {
        await runSeed(seed);
      } catch (e) {
        throw new Error(`network fuzz failed for seed ${seed} (rerun: FUZZ_SEEDS=${seed}): ${(e as Error).message}`, { cause: e });
      }
    });
  }

  async function runSeed(seed: number): Promise<void> {
    const rng = createPrng(seed);
    const up = await s.api('POST', `/api/projects/${projectId}/tasks?name=fuzz-${seed}.png`, image, undefined, { 'content-type': 'image/png' });
    const room = `task:${up.body.id}`;
    const ys: YClient[] = [];
    const fc: FuzzClient[] = [];
    try {
      for (let i = 0; i < CLIENTS; i++) {
        const y = connectClient(s.wsUrl, room, members[i].token, undefined, { maxBackoffTime: 20 });
        ys.push(y);
        fc.push(createFuzzClient(y.doc, members[i].userId));
      }
      await Promise.all(ys.map((y) => y.synced()));

      for (let step = 0; step < STEPS; step++) {
        const r = rng.next();
        const i = rng.int(0, CLIENTS - 1);
        if (r < 0.08) {
          // Disconnect or reconnect; offline clients keep editing and sync on reconnect.
          if (ys[i].provider.shouldConnect) ys[i].provider.disconnect();
          else ys[i].provider.connect();
        } else if (r < 0.8) {
          randomOperation(rng, fc[i]);
        } else {
          // Let the network run a little: frames interleave differently on every seed.
          await new Promise((res) => setTimeout(res, rng.int(0, 4)));
        }
      }
      for (const y of ys) if (!y.provider.shouldConnect) y.provider.connect();

      const docs = ys.map((y) => y.doc);
      // Snapshots (state vector + delete set), not state vectors alone: a deletion does not move
      // the state vector, so equal vectors can hide a deletion still in flight.
      await waitFor(async () => {
        if (!ys.every((y) => y.provider.wsconnected && y.provider.synced)) return false;
        const snap = Y.snapshot(docs[0]);
        if (!docs.every((d) => Y.equalSnapshots(Y.snapshot(d), snap))) return false;
        return s.server.sync.withDoc(room, (d) => Y.equalSnapshots(Y.snapshot(d), snap));
      }, 'clients and server to converge', 20_000);
      assertConverged(docs, `seed ${seed} clients`);

      // The stored log, replayed without any client, holds the same document.
      await s.server.storage.docs.flush();
      const stored = new Y.Doc();
      for (const u of (await s.server.storage.docs.load(room)).updates) Y.applyUpdate(stored, u);
      assertConverged([...docs, stored], `seed ${seed} stored`);
      stored.destroy();
    } finally {
      for (const c of fc) c.undo.destroy();
      for (const y of ys) y.destroy();
    }
  }
});
