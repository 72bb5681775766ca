// The pre-labelling job against stand-ins for storage, rooms and the inference service: what it
// does when the pool is full (the annotators' clicks come first), and when no worker runs the
// detector any more. The real thing end to end is tests/integration/prelabel.http.test.ts.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { encodeRle } from '../../../shared/codecs/rle';
import { ErrorCode, TandemError } from '../../../shared/protocol/errors';
import { listObjects } from '../../../shared/schema/annotation';
import type { ProjectId, TaskId, UserId } from '../../../shared/schema/ids';
import type { InferenceService } from '../../inference';
import type { Storage } from '../../storage/types';
import type { LiveRooms } from '../rooms';
import { Prelabeller, type PrelabelStatus } from './prelabel';

const W = 20;
const H = 10;

function setup(inference: Partial<InferenceService>, taskCount = 2, deleted = new Set<string>()) {
  const tasks = Array.from({ length: taskCount }, (_, i) => ({ id: `t${i}` as TaskId, name: `${i}.jpg`, width: W, height: H, projectId: 'p' as ProjectId }));
  const docs = new Map<string, Y.Doc>();
  const doc = (room: string) => docs.get(room) ?? (docs.set(room, new Y.Doc()), docs.get(room)!);
  const rooms: LiveRooms = {
    readState: async (room) => Y.encodeStateAsUpdate(doc(room)),
    write: async (room, update) => Y.applyUpdate(doc(room), update),
  };
  const storage = {
    meta: {
      getProject: async () => ({ id: 'p', name: 'p', labels: [{ name: 'car', color: '#f00' }], settings: { noOverlap: false } }),
      listTasks: async () => tasks,
      getTask: async (id: string) => (deleted.has(id) ? null : tasks.find((t) => t.id === id) ?? null),
    },
  } as unknown as Storage;
  const service = { listDetectors: () => [{ id: 'det', description: '', classes: ['car'], threshold: 0.3 }], ...inference } as InferenceService;
  const ended: PrelabelStatus[] = [];
  const p = new Prelabeller({ storage, rooms, inference: () => service, log: pino({ level: 'silent' }), onEnded: (_id, st) => ended.push(st) });
  return { p, doc, ended };
}

const wholeMask = () => encodeRle(new Uint8Array(W * H).fill(1), W, H);
const until = async (cond: () => boolean) => {
  for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(cond()).toBe(true);
};

describe('Prelabeller', () => {
  it('waits while every worker is full and asks again, so no image goes without its objects', async () => {
    let busy = 3;
    const { p, doc, ended } = setup({
      detectFor: async () => {
        if (busy-- > 0) throw new TandemError(ErrorCode.Busy, 'every worker is full; try again');
        return { detections: [{ box: [0, 0, 10, 10], label: 'car', score: 0.9 }], model: 'det' };
      },
      segmentFor: async () => {
        if (busy-- > 0) throw new TandemError(ErrorCode.Busy, 'every worker is full; try again');
        return { mask: wholeMask(), model: 'click' };
      },
    });
    await p.start('p' as ProjectId, 'u' as UserId, { labels: { car: 'car' }, scope: 'empty' });
    await until(() => ended.length === 1);
    expect(ended[0]).toMatchObject({ state: 'done', done: 2, objects: 2, failedTasks: 0 });
    for (const t of ['t0', 't1']) expect(listObjects(doc(`task:${t}`)).map((o) => [o.label, o.createdFrom])).toEqual([['car', 'detector']]);
  }, 20_000);

  it('writes nothing into a task deleted while its boxes were segmented, and goes on', async () => {
    const gone = new Set<string>();
    const { p, doc, ended } = setup(
      {
        detectFor: async () => ({ detections: [{ box: [0, 0, 10, 10], label: 'car', score: 0.9 }], model: 'det' }),
        segmentFor: async (task) => {
          if (task.id === 't0') gone.add('t0'); // the owner deletes it now
          return { mask: wholeMask(), model: 'click' };
        },
      },
      2,
      gone,
    );
    await p.start('p' as ProjectId, 'u' as UserId, { labels: { car: 'car' }, scope: 'empty' });
    await until(() => ended.length === 1);
    expect(ended[0]).toMatchObject({ state: 'done', done: 2, objects: 1, failedTasks: 1, lastError: '0.jpg: the task was deleted meanwhile' });
    expect(Y.encodeStateAsUpdate(doc('task:t0')).length).toBeLessThanOrEqual(2); // nothing written
    expect(listObjects(doc('task:t1'))).toHaveLength(1);
  });

  it('stops with failed when no worker runs the detector any more, and counts other failures and goes on', async () => {
    let n = 0;
    const { p, ended } = setup(
      {
        detectFor: async () => {
          n++;
          if (n === 1) throw new TandemError(ErrorCode.Timeout, 'no answer within 60000 ms');
          throw new TandemError(ErrorCode.NoWorker, 'no worker runs detector det');
        },
      },
      3,
    );
    await p.start('p' as ProjectId, 'u' as UserId, { labels: { car: 'car' }, scope: 'empty' });
    await until(() => ended.length === 1);
    expect(ended[0]).toMatchObject({ state: 'failed', done: 2, total: 3, failedTasks: 2, lastError: '1.jpg: no worker runs detector det' });
  });
});
