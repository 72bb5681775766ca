// One project pre-labelled by Prelabellers (processes, nodes) sharing real SQLite stores, with
// stand-ins for the task list, the rooms and the inference service: what the prelabel unit tests
// build on (server/dataset/prelabel/*.test.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { expect, onTestFinished } from 'vitest';
import * as Y from 'yjs';
import { encodeRle } from '../../shared/codecs/rle';
import { listObjects } from '../../shared/schema/annotation';
import type { ProjectId, TaskId } from '../../shared/schema/ids';
import type { LiveRooms } from '../../server/dataset/rooms';
import { Prelabeller } from '../../server/dataset/prelabel/prelabel';
import type { PrelabelStatus } from '../../server/dataset/prelabel/prelabelTypes';
import type { InferenceService } from '../../server/inference';
import { DirImageStore } from '../../server/storage/files/DirImageStore';
import { SqlJobStore } from '../../server/storage/SqlJobStore';
import { openSqlite } from '../../server/storage/sqlite/openSqlite';
import { SqliteMetaStore } from '../../server/storage/sqlite/SqliteMetaStore';
import type { Storage } from '../../server/storage/types';

export const W = 20;
export const H = 10;

/** The project and its runs in a real SQLite file; tasks, rooms and the inference service are stand-ins. */
export async function world(taskCount = 2, deleted = new Set<string>()) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-prelabel-'));
  const file = path.join(dir, 'tandem.db');
  const meta = SqliteMetaStore.open(file);
  const jobs = SqlJobStore.sqlite(openSqlite(file));
  const images = new DirImageStore(path.join(dir, 'images'));
  const user = await meta.createUser({ name: 'u' });
  const project = await meta.createProject({ name: 'p', labels: [{ name: 'car', color: '#ff0000' }], createdBy: user.id });
  const projectId = project.id;
  const tasks = Array.from({ length: taskCount }, (_, i) => ({ id: `t${i}` as TaskId, name: `${i}.jpg`, width: W, height: H, projectId }));
  const docs = new Map<string, Y.Doc>();
  const doc = (room: string) => docs.get(room) ?? (docs.set(room, new Y.Doc()), docs.get(room)!);
  const rooms: LiveRooms = {
    readState: async (room) => Y.encodeStateAsUpdate(doc(room)),
    write: async (room, update) => Y.applyUpdate(doc(room), update),
  };
  const meta_ = {
    getProject: (id: ProjectId) => meta.getProject(id),
    listTasks: async () => tasks,
    getTask: async (id: string) => (deleted.has(id) ? null : tasks.find((t) => t.id === id) ?? null),
  };
  const ended: PrelabelStatus[] = [];
  const nodes: Prelabeller[] = [];
  /**
   * One process's Prelabeller (several share the stores: nodes of a cluster, or the next start).
   * `cut()`: from now on it cannot reach the job store (a partition; to the others, a dead process).
   */
  const node = (inference: Partial<InferenceService>, leaseMs = 60_000) => {
    const service = { listDetectors: () => [{ id: 'det', description: '', classes: ['car', 'truck'], threshold: 0.3 }], listModels: () => [], ...inference } as InferenceService;
    let cut = false;
    const reach = new Proxy(jobs, {
      get: (target, key) => {
        const v = Reflect.get(target, key) as unknown;
        return typeof v !== 'function' ? v : (...args: unknown[]) => (cut ? Promise.reject(new Error('connection refused')) : (v as (...a: unknown[]) => unknown).apply(target, args));
      },
    });
    const storage = { meta: meta_, jobs: reach, images } as unknown as Storage;
    const p = new Prelabeller({ storage, rooms, inference: () => service, log: pino({ level: 'silent' }), nodeId: `n${nodes.length}`, leaseMs, onEnded: (_id, st) => void ended.push(st) });
    nodes.push(p);
    return Object.assign(p, { cut: () => void (cut = true) });
  };
  onTestFinished(async () => {
    for (const n of nodes) await n.stopAll(1000);
    await jobs.close();
    await meta.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { projectId, userId: user.id, node, doc, ended, jobs, meta, images };
}


export const wholeMask = () => encodeRle(new Uint8Array(W * H).fill(1), W, H);
export const until = async (cond: () => boolean) => {
  for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(cond()).toBe(true);
};


export const det = { detectFor: async () => ({ detections: [{ box: [0, 0, 10, 10] as [number, number, number, number], label: 'car', score: 0.9 }], model: 'det' }), segmentFor: async () => ({ mask: wholeMask(), model: 'click' }) };
/** The detector of a process that stalls at task `at` until `release()`. */
export function stallingAt(at: string) {
  let release: (() => void) | null = null;
  const reached = () => release !== null;
  return {
    inference: {
      ...det,
      detectFor: async (task: { id: string }) => {
        if (task.id === at) await new Promise<void>((r) => (release = r));
        return det.detectFor();
      },
    },
    reached,
    release: () => release?.(),
  };
}
/** `n` tasks, a run started on a first process whose detector stalls at task `at`, which it has reached. */
export async function stalledRun(n: number, at: string, leaseMs = 60_000) {
  const w = await world(n);
  const a = stallingAt(at);
  const first = w.node(a.inference, leaseMs);
  await first.start(w.projectId, w.userId, { labels: { car: 'car' }, scope: 'empty' });
  await until(a.reached);
  return { w, a, first };
}
export const carsPerTask = (doc: (room: string) => Y.Doc, n: number) => Array.from({ length: n }, (_, i) => listObjects(doc(`task:t${i}`)).length);
