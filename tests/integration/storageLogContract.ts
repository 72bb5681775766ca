// The update-log part of the storage contract (storageContract.ts runs it for every backend):
// append order, durability, flush, deletion, compaction and refusing bad writes.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { compactRoom } from '../../server/storage/compactRoom';
import type { DocStore, MetaStore } from '../../server/storage/types';
import type { ContractBackend } from './storageContract';

export function updateLogContract(open: () => Promise<ContractBackend>, reopen: (b: ContractBackend) => Promise<{ meta: MetaStore; docs: DocStore }>): void {
  describe('update log', () => {
    it('returns an empty room as no updates and seq 0', async () => {
      const { docs } = await open();
      expect(await docs.load('task:empty')).toEqual({ updates: [], lastSeq: 0 });
      expect(await docs.logLength('task:empty')).toBe(0);
      expect(await docs.lastSeq('task:empty')).toBe(0);
    });

    it("says each room's last stored seq, appends issued before the call included, and compaction lowers none", async () => {
      const { docs } = await open();
      for (let k = 0; k < 3; k++) void docs.append('task:s1', bytesOf(`a${k}`)); // not awaited: still queued
      await docs.append('review:s1', bytesOf('r'));
      await docs.append('task:s2', bytesOf('b'));
      expect(await docs.lastSeq('task:s1')).toBe((await docs.load('task:s1')).lastSeq);
      const seqs = await docs.lastSeqs('task:');
      expect([...seqs.keys()].filter((r) => r === 'task:s1' || r === 'task:s2' || r === 'review:s1').sort()).toEqual(['task:s1', 'task:s2']);
      expect(seqs.get('task:s1')).toBe(await docs.lastSeq('task:s1'));
      const before = await docs.load('task:s1');
      const doc = new Y.Doc();
      doc.getMap('m').set('k', 1);
      await docs.compact('task:s1', Y.encodeStateAsUpdate(doc), before.lastSeq);
      expect(await docs.lastSeq('task:s1')).toBe(before.lastSeq);
      expect((await docs.lastSeqs('task:')).get('task:s1')).toBe(before.lastSeq);
    });

    it('keeps each room\'s updates in append order across many interleaved rooms', async () => {
      const { docs } = await open();
      const rooms = Array.from({ length: 20 }, (_, i) => `task:r${i}`);
      const pending: Promise<void>[] = [];
      for (let k = 0; k < 30; k++) {
        for (const room of rooms) pending.push(docs.append(room, bytesOf(`${room}#${k}`)));
      }
      await Promise.all(pending);
      for (const room of rooms) {
        const stored = await docs.load(room);
        expect(stored.updates.map(textOf)).toEqual(Array.from({ length: 30 }, (_, k) => `${room}#${k}`));
        expect(stored.lastSeq).toBeGreaterThanOrEqual(30);
        expect(await docs.logLength(room)).toBe(30);
      }
    });

    it('makes every concurrent append durable once its promise resolves', async () => {
      const b = await open();
      const n = 600;
      const payload = (i: number) => { const u = new Uint8Array(2048).fill(i % 251); u[0] = i & 0xff; u[1] = i >> 8; return u; };
      await Promise.all(Array.from({ length: n }, (_, i) => b.docs.append(`task:c${i % 7}`, payload(i))));
      const { docs } = await reopen(b);
      let total = 0;
      for (let r = 0; r < 7; r++) {
        const stored = await docs.load(`task:c${r}`);
        total += stored.updates.length;
        for (const u of stored.updates) {
          const i = u[0] | (u[1] << 8);
          expect(i % 7).toBe(r);
          expect(u.byteLength).toBe(2048);
          expect(u[2]).toBe(i % 251);
        }
      }
      expect(total).toBe(n);
    });

    it('flush() settles every append issued before it', async () => {
      const { docs } = await open();
      let settled = 0;
      const appended = Array.from({ length: 50 }, (_, i) => docs.append('task:f', bytesOf(`u${i}`)).then(() => { settled++; }));
      await docs.flush();
      // One turn of the event loop for the settle callbacks; far shorter than any batch window.
      await new Promise((r) => setImmediate(r));
      expect(settled).toBe(50);
      await Promise.all(appended);
      expect(await docs.logLength('task:f')).toBe(50);
    });

    it("deletes a deleted task's rooms, appends still queued included, and leaves the others", async () => {
      const { docs, meta } = await open();
      const queued = [docs.append('task:gone', new Uint8Array([1])), docs.append('review:gone', new Uint8Array([2])), docs.append('task:kept', new Uint8Array([3]))];
      await docs.deleteRooms(['task:gone', 'review:gone', 'history:gone']);
      await Promise.all(queued);
      expect(await docs.load('task:gone')).toEqual({ updates: [], lastSeq: 0 });
      expect(await docs.logLength('review:gone')).toBe(0);
      expect((await docs.load('task:kept')).updates).toEqual([new Uint8Array([3])]);
      // The room can be written again afterwards (a task id is never reused, but a room name may be).
      await docs.append('task:gone', new Uint8Array([4]));
      expect((await docs.load('task:gone')).updates).toEqual([new Uint8Array([4])]);
      // And the task row.
      const owner = await meta.createUser({ name: 'Owner' });
      const p = await meta.createProject({ name: 'P', labels: [], createdBy: owner.id });
      const t = await meta.createTask({ projectId: p.id, name: 'x.png', width: 1, height: 1, imageKey: 'x', mime: 'image/png' });
      await meta.deleteTask(t.id);
      expect(await meta.getTask(t.id)).toBeNull();
      expect(await meta.listTasks(p.id)).toEqual([]);
      await expect(meta.deleteTask(t.id)).rejects.toMatchObject({ code: 'not_found' });
      // A project goes with its members and tasks.
      const q = await meta.createProject({ name: 'Q', labels: [], createdBy: owner.id });
      await meta.addMember(q.id, owner.id, 'owner');
      const u = await meta.createTask({ projectId: q.id, name: 'y.png', width: 1, height: 1, imageKey: 'y', mime: 'image/png' });
      await meta.deleteProject(q.id);
      expect(await meta.getProject(q.id)).toBeNull();
      expect(await meta.getTask(u.id)).toBeNull();
      expect(await meta.getRole(q.id, owner.id)).toBeNull();
      expect(await meta.getProject(p.id)).not.toBeNull();
      await expect(meta.deleteProject(q.id)).rejects.toMatchObject({ code: 'not_found' });
    });

    it('compacts to a snapshot that keeps the state and the rows appended after it', async () => {
      const { docs } = await open();
      const room = 'task:compact';
      const doc = new Y.Doc();
      const writes: Promise<void>[] = [];
      doc.on('update', (u: Uint8Array) => writes.push(docs.append(room, u)));
      const objects = doc.getMap<Y.Map<unknown>>('objects');
      for (let i = 0; i < 20; i++) {
        const o = new Y.Map<unknown>();
        objects.set(`o${i}`, o);
        for (let v = 0; v < 5; v++) o.set('mask', `mask-${i}-${v}-${'x'.repeat(500)}`);
      }
      await Promise.all(writes);
      const before = await docs.load(room);
      // Edits that arrive while compaction runs: after the load, and still queued (not awaited)
      // when compact() is called.
      objects.get('o3')!.set('label', 'late');
      objects.delete('o4');
      const snapshot = replay(before.updates);
      await docs.compact(room, Y.encodeStateAsUpdate(snapshot), before.lastSeq);
      await Promise.all(writes);
      const after = await docs.load(room);
      expect(after.updates).toHaveLength(3); // snapshot + the two late edits
      expect(after.lastSeq).toBeGreaterThan(before.lastSeq);
      expect(replay(after.updates).getMap('objects').toJSON()).toEqual(objects.toJSON());
      await expect(docs.compact(room, new Uint8Array([0, 0]), after.lastSeq + 10)).rejects.toBeTruthy();
      // And more appends still go after everything.
      objects.get('o5')!.set('label', 'later');
      await Promise.all(writes);
      expect(replay((await docs.load(room)).updates).getMap('objects').toJSON()).toEqual(objects.toJSON());
    });

    it('compactRoom() shrinks an overwritten log to one row with the same state', async () => {
      const { docs } = await open();
      const room = 'task:cr';
      const doc = new Y.Doc();
      const writes: Promise<void>[] = [];
      doc.on('update', (u: Uint8Array) => writes.push(docs.append(room, u)));
      const o = new Y.Map<unknown>();
      doc.getMap('objects').set('a', o);
      for (let v = 0; v < 50; v++) o.set('mask', `v${v}-${'m'.repeat(2000)}`);
      await Promise.all(writes);
      const result = await compactRoom(docs, room, Y);
      expect(result?.rowsBefore).toBe(51);
      expect(await docs.logLength(room)).toBe(1);
      const stored = await docs.load(room);
      expect(stored.updates[0].byteLength).toBeLessThan(3000); // overwritten masks are gone
      expect(replay(stored.updates).getMap('objects').toJSON()).toEqual(doc.getMap('objects').toJSON());
      expect(await compactRoom(docs, room, Y)).toBeNull(); // already one row
    });

    it('refuses writes it cannot store: bad input, and anything after close', async () => {
      const b = await open();
      await expect(b.docs.append('task:x', new Uint8Array(0))).rejects.toMatchObject({ code: 'bad_request' });
      await expect(b.docs.append('', new Uint8Array([1]))).rejects.toMatchObject({ code: 'bad_request' });
      await expect(b.docs.append('task:x', 'not bytes' as never)).rejects.toMatchObject({ code: 'bad_request' });
      await b.docs.close();
      await expect(b.docs.append('task:x', new Uint8Array([1, 2]))).rejects.toBeTruthy();
      await expect(b.docs.load('task:x')).rejects.toBeTruthy();
    });
  });
}

export function bytesOf(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

export function textOf(u: Uint8Array): string {
  return new TextDecoder().decode(u);
}

function replay(updates: Uint8Array[]): Y.Doc {
  const d = new Y.Doc();
  for (const u of updates) Y.applyUpdate(d, u);
  return d;
}
