// The project-job store contract (server/storage/jobTypes.ts), run on SQLite and PostgreSQL by
// their storage test files: one running job of a kind per project, renewals only by its holder, a
// stop asked of it, and a job whose holder stopped renewing taken over by one process only.
import { describe, expect, it } from 'vitest';
import type { JobStore } from '../../server/storage/jobTypes';
import type { MetaStore } from '../../server/storage/types';
import type { ProjectId } from '../../shared/schema/ids';
import { backendProjects } from '../helpers/backendProject';

export interface JobBackend {
  meta: MetaStore;
  /** Two stores on the same database: two nodes, or this node and its next start. */
  jobs: [JobStore, JobStore];
  cleanup(): Promise<void>;
}

export function jobStoreContract(name: string, factory: () => Promise<JobBackend>): void {
  describe(`job store contract: ${name}`, () => {
    const opened = backendProjects(factory);
    async function project() {
      const b = await opened();
      const start = (jobs: JobStore, owner: string, now: number, projectId: ProjectId = b.projectId) =>
        jobs.begin({ projectId, kind: 'prelabel', options: '{"scope":"empty"}', status: '{"done":0}', owner, leaseUntil: now + 1000, now });
      return { ...b, start };
    }

    it('runs one job of a kind per project at a time, and a new one replaces an ended one', async () => {
      const { jobs: [a, other], meta, projectId, start } = await project();
      const t = 1_000_000;
      expect(await start(a, 'node-a', t)).toBe(true);
      // The head only: a status poll does not read what the job was asked (a long task list).
      expect(await a.get(projectId, 'prelabel')).toEqual({
        projectId, kind: 'prelabel', state: 'running', status: '{"done":0}',
        owner: 'node-a', leaseUntil: t + 1000, stopRequested: false, takeovers: 0, updatedAt: t,
      });
      // Another node, even once the lease ran out: the job is waiting to be taken over, not ended.
      expect(await start(other, 'node-b', t + 5000)).toBe(false);
      expect((await other.get(projectId, 'prelabel'))?.owner).toBe('node-a');
      expect(await other.get(projectId, 'other-kind')).toBeNull();
      // Ended: a new run replaces it.
      expect(await a.renew(projectId, 'prelabel', 'node-a', { state: 'done', status: '{"done":3}', leaseUntil: t + 2000, now: t + 10 })).toEqual({ stopRequested: false });
      expect(await a.get(projectId, 'prelabel')).toMatchObject({ state: 'done', status: '{"done":3}', leaseUntil: 0 });
      expect(await start(other, 'node-b', t + 20)).toBe(true);
      expect(await a.get(projectId, 'prelabel')).toMatchObject({ state: 'running', owner: 'node-b', status: '{"done":0}', takeovers: 0 });
      // No such project; a deleted project takes its job along.
      await expect(start(a, 'node-a', t, 'nope' as ProjectId)).rejects.toMatchObject({ code: 'not_found' });
      await meta.deleteProject(projectId);
      expect(await a.get(projectId, 'prelabel')).toBeNull();
      expect(await a.renew(projectId, 'prelabel', 'node-b', { state: 'running', status: '{}', leaseUntil: t + 5000, now: t + 30 })).toBeNull();
    });

    it('takes renewals from the holder only, and tells it of a stop asked for', async () => {
      const { jobs: [a, other], meta, projectId, start } = await project();
      const t = 2_000_000;
      await start(a, 'node-a', t);
      expect(await other.renew(projectId, 'prelabel', 'node-b', { state: 'running', status: '{"done":9}', leaseUntil: t + 9000, now: t + 1 })).toBeNull();
      expect(await a.renew(projectId, 'prelabel', 'node-a', { state: 'running', status: '{"done":1}', leaseUntil: t + 3000, now: t + 2 })).toEqual({ stopRequested: false });
      expect(await other.requestStop(projectId, 'prelabel', t + 3)).toMatchObject({ state: 'running', stopRequested: true, status: '{"done":1}' });
      expect(await a.renew(projectId, 'prelabel', 'node-a', { state: 'running', status: '{"done":2}', leaseUntil: t + 4000, now: t + 4 })).toEqual({ stopRequested: true });
      expect(await a.renew(projectId, 'prelabel', 'node-a', { state: 'stopped', status: '{"done":2}', leaseUntil: t + 4000, now: t + 5 })).toEqual({ stopRequested: true });
      // Ended: nothing more is taken from anyone, and a stop asked now changes nothing.
      expect(await a.renew(projectId, 'prelabel', 'node-a', { state: 'running', status: '{"done":7}', leaseUntil: t + 9000, now: t + 6 })).toBeNull();
      expect(await other.requestStop(projectId, 'prelabel', t + 7)).toMatchObject({ state: 'stopped', status: '{"done":2}', leaseUntil: 0 });
      const fresh = await meta.createProject({ name: 'q', labels: [], createdBy: (await meta.createUser({ name: 'Q' })).id });
      expect(await a.requestStop(fresh.id, 'prelabel', t)).toBeNull();
    });

    it('hands a job whose holder stopped renewing to one process, which carries on from its progress', async () => {
      const { jobs: [a, other], projectId, start } = await project();
      const t = 3_000_000;
      await start(a, 'node-a', t);
      await a.renew(projectId, 'prelabel', 'node-a', { state: 'running', status: '{"done":4}', leaseUntil: t + 1000, now: t + 100 });
      // Still held: nothing to take, nothing listed.
      const listed = async (now: number, kind = 'prelabel') => (await other.orphans(kind, now)).filter((h) => h.projectId === projectId);
      expect(await listed(t + 999)).toEqual([]);
      expect(await other.claimOrphan('prelabel', 'node-b', t + 999, t + 5000)).toBeNull();
      // The lease ran out: listed (the head, without the options) for a process to choose from.
      const [head] = await listed(t + 1001);
      expect(head).toMatchObject({ projectId, state: 'running', status: '{"done":4}', owner: 'node-a', leaseUntil: t + 1000 });
      expect(head).not.toHaveProperty('options');
      expect(await listed(t + 1001, 'export')).toEqual([]);
      // The lease ran out: one of two takers gets it.
      const [x, y] = await Promise.all([other.claimOrphan('prelabel', 'node-b', t + 1001, t + 5000), a.claimOrphan('prelabel', 'node-c', t + 1001, t + 5000)]);
      const won = [x, y].filter((j) => j !== null);
      expect(won).toHaveLength(1);
      expect(won[0]).toMatchObject({ projectId, state: 'running', options: '{"scope":"empty"}', status: '{"done":4}', leaseUntil: t + 5000, takeovers: 1 });
      const taker = won[0]!.owner!;
      expect(['node-b', 'node-c']).toContain(taker);
      // The old holder comes back: it holds nothing any more.
      expect(await a.renew(projectId, 'prelabel', 'node-a', { state: 'done', status: '{"done":9}', leaseUntil: 0, now: t + 1100 })).toBeNull();
      expect((await a.get(projectId, 'prelabel'))?.status).toBe('{"done":4}');
      // Handed back on purpose (a shutdown: lease 0): taken at once, the count goes on.
      expect(await other.renew(projectId, 'prelabel', taker, { state: 'running', status: '{"done":5}', leaseUntil: 0, now: t + 1200 })).toEqual({ stopRequested: false });
      expect(await other.claimOrphan('prelabel', 'node-d', t + 1201, t + 6000)).toMatchObject({ owner: 'node-d', status: '{"done":5}', takeovers: 2 });
      // Only the project named, when one is.
      expect(await other.renew(projectId, 'prelabel', 'node-d', { state: 'running', status: '{"done":5}', leaseUntil: 0, now: t + 1250 })).toEqual({ stopRequested: false });
      expect(await a.claimOrphan('prelabel', 'node-e', t + 1251, t + 6000, 'elsewhere' as ProjectId)).toBeNull();
      expect(await a.claimOrphan('prelabel', 'node-d', t + 1251, t + 6000, projectId)).toMatchObject({ owner: 'node-d', takeovers: 3 });
      // Ended jobs and other kinds are never taken.
      await other.renew(projectId, 'prelabel', 'node-d', { state: 'done', status: '{"done":6}', leaseUntil: 0, now: t + 1300 });
      expect(await listed(t + 99_999)).toEqual([]);
      expect(await a.claimOrphan('prelabel', 'node-e', t + 99_999, t + 100_000)).toBeNull();
      expect(await a.claimOrphan('export', 'node-e', t + 99_999, t + 100_000)).toBeNull();
    });

    it('keeps items waiting for a job until taken, seen by every node, each once', async () => {
      const { jobs: [a, other], meta, projectId, start } = await project();
      const second = (await meta.createProject({ name: 'second', labels: [], createdBy: (await meta.createUser({ name: 'q' })).id })).id;
      const t = 4_000_000;
      const mine = async () => (await other.waiting('prelabel')).filter((h) => h.projectId === projectId || h.projectId === second);
      expect(await mine()).toEqual([]);
      await a.enqueue(projectId, 'prelabel', ['t1'], t);
      await a.enqueue(projectId, 'prelabel', ['t2', 't3'], t + 10);
      // Noted twice (a retried upload): once, at its first time.
      await a.enqueue(projectId, 'prelabel', ['t1'], t + 20);
      await a.enqueue(second, 'prelabel', ['s1'], t + 5);
      await a.enqueue(projectId, 'export', ['x'], t);
      expect(await mine()).toEqual([
        { projectId, count: 3, lastAddedAt: t + 10 },
        { projectId: second, count: 1, lastAddedAt: t + 5 },
      ]);
      expect(await a.waiting('prelabel', second)).toEqual([{ projectId: second, count: 1, lastAddedAt: t + 5 }]);
      expect(await other.queued(projectId, 'prelabel')).toEqual([
        { item: 't1', addedAt: t },
        { item: 't2', addedAt: t + 10 },
        { item: 't3', addedAt: t + 10 },
      ]);
      // A job starting does not take them: only dequeue does.
      await start(a, 'node-a', t);
      await other.dequeue(projectId, 'prelabel', ['t1', 't3', 'never-queued']);
      expect(await a.queued(projectId, 'prelabel')).toEqual([{ item: 't2', addedAt: t + 10 }]);
      expect(await a.queued(projectId, 'export')).toEqual([{ item: 'x', addedAt: t }]);
      // Long lists go in parts.
      const many = Array.from({ length: 1203 }, (_, i) => `m${i}`);
      await a.enqueue(second, 'prelabel', many, t + 30);
      expect((await mine()).find((h) => h.projectId === second)).toEqual({ projectId: second, count: 1204, lastAddedAt: t + 30 });
      await other.dequeue(second, 'prelabel', many);
      expect(await a.queued(second, 'prelabel')).toEqual([{ item: 's1', addedAt: t + 5 }]);
      // No such project; a deleted project takes its queue along.
      await expect(a.enqueue('nope' as ProjectId, 'prelabel', ['z'], t)).rejects.toMatchObject({ code: 'not_found' });
      await meta.deleteProject(projectId);
      expect(await a.queued(projectId, 'prelabel')).toEqual([]);
      expect(await mine()).toEqual([{ projectId: second, count: 1, lastAddedAt: t + 5 }]);
    });
  });
}
