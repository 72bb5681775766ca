// The storage contract: one describe() suite that every backend (SQLite, PostgreSQL) must pass.
// Usage, in a *.test.ts file:
//   storageContract('sqlite', async () => ({ meta, docs, cleanup, reopen, storedTokenValues }));
// The factory is called once per test and must return a fresh, empty store.
import { afterEach, describe, expect, it } from 'vitest';
import type { ProjectId, TaskId, UserId } from '../../shared/schema/ids';
import type { DocStore, MetaStore, Task } from '../../server/storage/types';
import { bytesOf, textOf, updateLogContract } from './storageLogContract';

export interface ContractBackend {
  meta: MetaStore;
  docs: DocStore;
  /** Closes whatever is still open and removes the backing data. */
  cleanup(): Promise<void>;
  /**
   * Closes `meta` and `docs` (as the server does on shutdown) and opens the SAME backing store again.
   * Required by the durability tests; optional in the type only so a backend can be written first.
   */
  reopen?(): Promise<{ meta: MetaStore; docs: DocStore }>;
  /** Every value stored in the token column(s), to check that no plaintext token is kept. Required. */
  storedTokenValues?(): Promise<string[]>;
}

export function storageContract(name: string, factory: () => Promise<ContractBackend>): void {
  describe(`storage contract: ${name}`, () => {
    let backend: ContractBackend | null = null;
    const open = async () => (backend = await factory());
    afterEach(async () => {
      await backend?.cleanup();
      backend = null;
    });

    const reopen = async (b: ContractBackend) => {
      if (!b.reopen) throw new Error(`the ${name} contract backend must implement reopen()`);
      const again = await b.reopen();
      b.meta = again.meta;
      b.docs = again.docs;
      return again;
    };

    describe('users and tokens', () => {
      it('creates users and finds them by id', async () => {
        const { meta } = await open();
        const ana = await meta.createUser({ name: 'Ana' });
        const root = await meta.createUser({ name: 'Root', isAdmin: true });
        expect(await meta.getUser(ana.id)).toEqual(ana);
        expect(ana.isAdmin).toBe(false);
        expect((await meta.getUser(root.id))?.isAdmin).toBe(true);
        expect(ana.id).not.toBe(root.id);
        expect(await meta.getUser('nobody' as UserId)).toBeNull();
      });

      it('resolves a token to its user and keeps only a hash of it', async () => {
        const b = await open();
        const ana = await b.meta.createUser({ name: 'Ana' });
        const token = await b.meta.createToken(ana.id, { label: 'laptop' });
        expect(token.length).toBeGreaterThanOrEqual(32);
        expect(await b.meta.resolveToken(token)).toEqual({ user: ana, expiresAt: null });
        expect(await b.meta.resolveToken(token + 'x')).toEqual({ error: 'unknown' });
        expect(await b.meta.resolveToken('')).toEqual({ error: 'unknown' });
        if (!b.storedTokenValues) throw new Error(`the ${name} contract backend must implement storedTokenValues()`);
        const stored = await b.storedTokenValues();
        expect(stored).toHaveLength(1);
        expect(stored[0]).not.toContain(token);
        expect(stored[0]).toMatch(/^[0-9a-f]{64}$/); // hex SHA-256
      });

      it('issues distinct tokens, accepts a given one once, and refuses short ones', async () => {
        const { meta } = await open();
        const ana = await meta.createUser({ name: 'Ana' });
        const t1 = await meta.createToken(ana.id);
        const t2 = await meta.createToken(ana.id);
        expect(t1).not.toBe(t2);
        const given = 'admin-token-from-the-environment';
        expect(await meta.createToken(ana.id, { token: given })).toBe(given);
        expect(await meta.resolveToken(given)).toEqual({ user: ana, expiresAt: null });
        await expect(meta.createToken(ana.id, { token: given })).rejects.toMatchObject({ code: 'conflict' });
        await expect(meta.createToken(ana.id, { token: 'short' })).rejects.toMatchObject({ code: 'validation_failed' });
        await expect(meta.createToken('nobody' as UserId)).rejects.toMatchObject({ code: 'not_found' });
      });

      it('reports expired tokens as expired', async () => {
        const { meta } = await open();
        const ana = await meta.createUser({ name: 'Ana' });
        const past = await meta.createToken(ana.id, { expiresAt: Date.now() - 1000 });
        const at = Date.now() + 3_600_000;
        const future = await meta.createToken(ana.id, { expiresAt: at });
        expect(await meta.resolveToken(past)).toEqual({ error: 'expired' });
        expect(await meta.resolveToken(future)).toEqual({ user: ana, expiresAt: at }); // open sockets close then
      });

      it('revokes one token and leaves the others', async () => {
        const { meta } = await open();
        const ana = await meta.createUser({ name: 'Ana' });
        const a = await meta.createToken(ana.id);
        const b = await meta.createToken(ana.id);
        await meta.revokeToken(a);
        expect(await meta.resolveToken(a)).toEqual({ error: 'unknown' });
        expect(await meta.resolveToken(b)).toEqual({ user: ana, expiresAt: null });
        await meta.revokeToken('never-issued-token-value'); // no error
      });

      it("revokes every token of one user and nobody else's", async () => {
        const { meta } = await open();
        const ana = await meta.createUser({ name: 'Ana' });
        const bob = await meta.createUser({ name: 'Bob' });
        const a = [await meta.createToken(ana.id), await meta.createToken(ana.id, { expiresAt: Date.now() + 60_000 })];
        const b = await meta.createToken(bob.id);
        expect(await meta.revokeUserTokens(ana.id)).toBe(2);
        for (const t of a) expect(await meta.resolveToken(t)).toEqual({ error: 'unknown' });
        expect(await meta.resolveToken(b)).toEqual({ user: bob, expiresAt: null });
        expect(await meta.revokeUserTokens(ana.id)).toBe(0);
      });
    });

    describe('projects, members and tasks', () => {
      const labels = [{ name: 'cat', color: '#ff0000' }, { name: 'dog', color: '#00ff00' }];

      it('stores projects with their labels and updates the labels', async () => {
        const { meta } = await open();
        const owner = await meta.createUser({ name: 'Owner' });
        const p = await meta.createProject({ name: 'Pets', labels, createdBy: owner.id });
        expect(await meta.getProject(p.id)).toEqual({ ...p, labels });
        await meta.setProjectLabels(p.id, [{ name: 'bird', color: '#0000ff' }]);
        expect((await meta.getProject(p.id))?.labels).toEqual([{ name: 'bird', color: '#0000ff' }]);
        await expect(meta.setProjectLabels(p.id, [{ name: 'x', color: 'red' }])).rejects.toMatchObject({ code: 'validation_failed' });
        await expect(meta.setProjectLabels('nope' as ProjectId, [])).rejects.toMatchObject({ code: 'not_found' });
        // The name: trimmed, bounded.
        await meta.setProjectName(p.id, '  Street scenes, batch 2 ');
        expect((await meta.getProject(p.id))?.name).toBe('Street scenes, batch 2');
        await expect(meta.setProjectName(p.id, '   ')).rejects.toMatchObject({ code: 'validation_failed' });
        await expect(meta.setProjectName(p.id, 'x'.repeat(201))).rejects.toMatchObject({ code: 'validation_failed' });
        await expect(meta.setProjectName('nope' as ProjectId, 'x')).rejects.toMatchObject({ code: 'not_found' });
        // The guide: empty at first, replaced whole, bounded, stored as typed (lines and spaces).
        expect((await meta.getProject(p.id))?.guide).toBe('');
        const guide = 'Cars:\n  - include mirrors\n  - not reflections';
        await meta.setProjectGuide(p.id, guide);
        expect((await meta.getProject(p.id))?.guide).toBe(guide);
        await expect(meta.setProjectGuide(p.id, 'x'.repeat(20_001))).rejects.toMatchObject({ code: 'validation_failed' });
        await expect(meta.setProjectGuide('nope' as ProjectId, '')).rejects.toMatchObject({ code: 'not_found' });
        expect((await meta.getProject(p.id))?.guide).toBe(guide);
        // The owner's settings: masks kept apart in every editor of the project.
        expect((await meta.getProject(p.id))?.settings).toEqual({ noOverlap: false });
        await meta.setProjectSettings(p.id, { noOverlap: true });
        expect((await meta.getProject(p.id))?.settings).toEqual({ noOverlap: true });
        await expect(meta.setProjectSettings(p.id, { noOverlap: 'yes' } as never)).rejects.toMatchObject({ code: 'validation_failed' });
        await expect(meta.setProjectSettings('nope' as ProjectId, { noOverlap: false })).rejects.toMatchObject({ code: 'not_found' });
        expect((await meta.getProject(p.id))?.settings).toEqual({ noOverlap: true });
        await expect(meta.createProject({ name: '', labels: [], createdBy: owner.id })).rejects.toMatchObject({ code: 'validation_failed' });
        expect(await meta.getProject('nope' as ProjectId)).toBeNull();
      });

      it('lists a user\'s projects in creation order, and all of them for admins', async () => {
        const { meta } = await open();
        const admin = await meta.createUser({ name: 'Admin', isAdmin: true });
        const ana = await meta.createUser({ name: 'Ana' });
        const ids: ProjectId[] = [];
        for (let i = 0; i < 5; i++) ids.push((await meta.createProject({ name: `P${i}`, labels: [], createdBy: admin.id })).id);
        await meta.addMember(ids[3], ana.id, 'annotator');
        await meta.addMember(ids[1], ana.id, 'viewer');
        expect((await meta.listProjects(ana)).map((p) => p.id)).toEqual([ids[1], ids[3]]);
        expect((await meta.listProjects(admin)).map((p) => p.id)).toEqual(ids);
      });

      it('keeps one role per member, changeable, and lists members with names', async () => {
        const { meta } = await open();
        const owner = await meta.createUser({ name: 'Owner' });
        const ana = await meta.createUser({ name: 'Ana' });
        const p = await meta.createProject({ name: 'P', labels: [], createdBy: owner.id });
        const other = await meta.createProject({ name: 'Q', labels: [], createdBy: owner.id });
        await meta.addMember(p.id, owner.id, 'owner');
        await meta.addMember(p.id, ana.id, 'annotator');
        expect(await meta.getRole(p.id, ana.id)).toBe('annotator');
        await meta.addMember(p.id, ana.id, 'reviewer');
        expect(await meta.getRole(p.id, ana.id)).toBe('reviewer');
        expect(await meta.getRole(other.id, ana.id)).toBeNull();
        expect(await meta.listMembers(p.id)).toEqual([
          { projectId: p.id, userId: owner.id, name: 'Owner', role: 'owner' },
          { projectId: p.id, userId: ana.id, name: 'Ana', role: 'reviewer' },
        ]);
        await expect(meta.addMember(p.id, ana.id, 'boss' as never)).rejects.toMatchObject({ code: 'validation_failed' });
        await expect(meta.addMember('nope' as ProjectId, ana.id, 'viewer')).rejects.toMatchObject({ code: 'not_found' });
        await expect(meta.addMember(p.id, 'nobody' as UserId, 'viewer')).rejects.toMatchObject({ code: 'not_found' });
      });

      it('creates tasks, lists them per project in creation order and updates status', async () => {
        const { meta } = await open();
        const owner = await meta.createUser({ name: 'Owner' });
        const p = await meta.createProject({ name: 'P', labels, createdBy: owner.id });
        const q = await meta.createProject({ name: 'Q', labels, createdBy: owner.id });
        const made: Task[] = [];
        for (let i = 0; i < 6; i++) {
          made.push(await meta.createTask({
            projectId: i === 2 ? q.id : p.id, name: `img${i}.jpg`, width: 640 + i, height: 480,
            imageKey: `k/${i}.jpg`, mime: 'image/jpeg',
          }));
        }
        expect(made[0].status).toBe('todo');
        expect(await meta.getTask(made[0].id)).toEqual(made[0]);
        expect((await meta.listTasks(p.id)).map((t) => t.name)).toEqual(['img0.jpg', 'img1.jpg', 'img3.jpg', 'img4.jpg', 'img5.jpg']);
        expect(await meta.listTasks(q.id)).toEqual([made[2]]);
        await meta.setTaskStatus(made[1].id, 'in_review');
        expect((await meta.getTask(made[1].id))?.status).toBe('in_review');
        expect(await meta.countTasks(p.id)).toEqual({ todo: 4, in_progress: 0, in_review: 1, done: 0 });
        expect(await meta.countTasks(q.id)).toEqual({ todo: 1, in_progress: 0, in_review: 0, done: 0 });
        await expect(meta.setTaskStatus(made[1].id, 'lost' as never)).rejects.toMatchObject({ code: 'validation_failed' });
        await expect(meta.setTaskStatus('nope' as TaskId, 'done')).rejects.toMatchObject({ code: 'not_found' });
        // The flag column: a reason or null, mirrored from the review room.
        expect((await meta.getTask(made[1].id))?.flag).toBeNull();
        await meta.setTaskFlag(made[1].id, 'duplicate');
        expect((await meta.listTasks(p.id)).map((t) => t.flag)).toEqual([null, 'duplicate', null, null, null]);
        await meta.setTaskFlag(made[1].id, null);
        expect((await meta.getTask(made[1].id))?.flag).toBeNull();
        await expect(meta.setTaskFlag(made[1].id, 'boring')).rejects.toMatchObject({ code: 'validation_failed' });
        await expect(meta.setTaskFlag('nope' as TaskId, null)).rejects.toMatchObject({ code: 'not_found' });
        // The objects-to-fix column: a count mirrored from the review room's verdicts.
        expect((await meta.getTask(made[1].id))?.toFix).toBe(0);
        await meta.setTaskToFix(made[1].id, 3);
        expect((await meta.listTasks(p.id)).map((t) => t.toFix)).toEqual([0, 3, 0, 0, 0]);
        await meta.setTaskToFix(made[1].id, 0);
        expect((await meta.getTask(made[1].id))?.toFix).toBe(0);
        await expect(meta.setTaskToFix(made[1].id, -1)).rejects.toMatchObject({ code: 'validation_failed' });
        await expect(meta.setTaskToFix(made[1].id, 1.5)).rejects.toMatchObject({ code: 'validation_failed' });
        await expect(meta.setTaskToFix('nope' as TaskId, 1)).rejects.toMatchObject({ code: 'not_found' });
        // Open threads and the names they mention.
        expect(await meta.getTask(made[1].id)).toMatchObject({ openThreads: 0, mentioned: [] });
        await meta.setTaskThreads(made[1].id, { open: 2, mentioned: ['Ana', 'Rita Ó'] });
        expect((await meta.listTasks(p.id)).map((t) => [t.openThreads, t.mentioned])).toEqual([[0, []], [2, ['Ana', 'Rita Ó']], [0, []], [0, []], [0, []]]);
        await meta.setTaskThreads(made[1].id, { open: 0, mentioned: [] });
        expect(await meta.getTask(made[1].id)).toMatchObject({ openThreads: 0, mentioned: [] });
        await expect(meta.setTaskThreads(made[1].id, { open: -1, mentioned: [] })).rejects.toMatchObject({ code: 'validation_failed' });
        await expect(meta.setTaskThreads(made[1].id, { open: 1, mentioned: [''] })).rejects.toMatchObject({ code: 'validation_failed' });
        await expect(meta.setTaskThreads('nope' as TaskId, { open: 0, mentioned: [] })).rejects.toMatchObject({ code: 'not_found' });
        // Objects per label: none in a new task, then as mirrored.
        expect(await meta.getTask(made[1].id)).toMatchObject({ labelCounts: {} });
        await meta.setTaskLabelCounts(made[1].id, { car: 3, 'traffic light': 1 });
        expect((await meta.listTasks(p.id)).map((t) => t.labelCounts)).toEqual([{}, { car: 3, 'traffic light': 1 }, {}, {}, {}]);
        expect(await meta.getTask(made[1].id)).toMatchObject({ labelCountsSeq: null }); // counted without a seq
        await meta.setTaskLabelCounts(made[1].id, {}, 7);
        expect(await meta.getTask(made[1].id)).toMatchObject({ labelCounts: {}, labelCountsSeq: 7 });
        expect(made[0].labelCountsSeq).toBe(0); // a new task's room has stored nothing
        expect((await meta.getTask(made[0].id))?.labelCountsSeq).toBe(0);
        await expect(meta.setTaskLabelCounts(made[1].id, { car: 0 })).rejects.toMatchObject({ code: 'validation_failed' });
        await expect(meta.setTaskLabelCounts(made[1].id, { '': 2 })).rejects.toMatchObject({ code: 'validation_failed' });
        await expect(meta.setTaskLabelCounts('nope' as TaskId, {})).rejects.toMatchObject({ code: 'not_found' });
        // The image's own attributes, mirrored with the counts; left as they are when not given.
        expect(await meta.getTask(made[1].id)).toMatchObject({ imageAttributes: {} });
        await meta.setTaskLabelCounts(made[1].id, { car: 1 }, 8, { weather: 'rain', night: true, people: 3 });
        expect(await meta.getTask(made[1].id)).toMatchObject({ labelCounts: { car: 1 }, imageAttributes: { weather: 'rain', night: true, people: 3 } });
        await meta.setTaskLabelCounts(made[1].id, { car: 2 }, 9);
        expect((await meta.listTasks(p.id))[1]).toMatchObject({ labelCounts: { car: 2 }, imageAttributes: { weather: 'rain', night: true, people: 3 } });
        await meta.setTaskLabelCounts(made[1].id, {}, 10, {});
        expect(await meta.getTask(made[1].id)).toMatchObject({ labelCounts: {}, imageAttributes: {} });
        await expect(meta.setTaskLabelCounts(made[1].id, {}, 11, { bad: [1] as never })).rejects.toMatchObject({ code: 'validation_failed' });
        // The objects' attribute values per label, mirrored with the counts: none in a new task,
        // left as they are when not given.
        expect(await meta.getTask(made[1].id)).toMatchObject({ attributeCounts: {} });
        const tally = { car: { occluded: { true: 2, false: 1 }, colour: { '"red"': 3 } } };
        await meta.setTaskLabelCounts(made[1].id, { car: 3 }, 12, { weather: 'rain' }, tally);
        expect((await meta.listTasks(p.id))[1]).toMatchObject({ labelCounts: { car: 3 }, attributeCounts: tally });
        await meta.setTaskLabelCounts(made[1].id, { car: 3 }, 13);
        expect(await meta.getTask(made[1].id)).toMatchObject({ attributeCounts: tally, imageAttributes: { weather: 'rain' } });
        await expect(meta.setTaskLabelCounts(made[1].id, {}, 14, {}, { car: { occluded: { true: 0 } } })).rejects.toMatchObject({ code: 'validation_failed' });
        expect(await meta.getTask(made[1].id)).toMatchObject({ attributeCounts: tally }); // a refused write changes nothing
        await meta.setTaskLabelCounts(made[1].id, {}, 15, {}, {});
        expect(await meta.getTask(made[1].id)).toMatchObject({ attributeCounts: {} });
        // The masks' checks, mirrored with the counts: none in a new task, kept when not given.
        expect((await meta.getTask(made[1].id))?.objectChecks).toEqual({ duplicate: 0, specks: 0, tiny: 0, byLabel: {}, pairs: [], small: {}, pieces: {} });
        const checks = { duplicate: 1, specks: 2, tiny: 0, byLabel: { car: { specks: 2, tiny: 0 } } };
        await meta.setTaskLabelCounts(made[1].id, { car: 2 }, 16, {}, {}, checks);
        expect((await meta.listTasks(p.id))[1]).toMatchObject({ objectChecks: checks });
        await meta.setTaskLabelCounts(made[1].id, { car: 2 }, 17);
        expect(await meta.getTask(made[1].id)).toMatchObject({ objectChecks: checks });
        await expect(meta.setTaskLabelCounts(made[1].id, {}, 18, {}, {}, { duplicate: -1, specks: 0, tiny: 0 })).rejects.toMatchObject({ code: 'validation_failed' });
        expect(await meta.getTask(made[1].id)).toMatchObject({ objectChecks: checks });
        // Found by its image's bytes (SHA-256), within its project only; tasks made without one are never found.
        const hash = 'ab'.repeat(32);
        expect(await meta.findTaskByContent(p.id, hash)).toBeNull();
        const hashed = await meta.createTask({ projectId: p.id, name: 'h.png', width: 1, height: 1, imageKey: 'h', mime: 'image/png', contentHash: hash });
        await meta.createTask({ projectId: p.id, name: 'h2.png', width: 1, height: 1, imageKey: 'h2', mime: 'image/png', contentHash: hash });
        expect((await meta.findTaskByContent(p.id, hash))?.id).toBe(hashed.id); // the first made
        expect(await meta.findTaskByContent('elsewhere' as ProjectId, hash)).toBeNull();
        await expect(meta.createTask({ projectId: p.id, name: 'b.png', width: 1, height: 1, imageKey: 'b', mime: 'image/png', contentHash: 'not-a-hash' })).rejects.toMatchObject({ code: 'validation_failed' });
        // The image's perceptual hash: given at creation, or set later (a task from before it); checked.
        expect(made[1].imageHash).toBeNull();
        const looked = await meta.createTask({ projectId: p.id, name: 'l.png', width: 1, height: 1, imageKey: 'l', mime: 'image/png', imageHash: '0123456789abcdef0123456789abcdef' });
        expect((await meta.getTask(looked.id))?.imageHash).toBe('0123456789abcdef0123456789abcdef');
        await meta.setTaskImageHash(made[1].id, 'fedcba9876543210fedcba9876543210');
        expect((await meta.listTasks(p.id)).find((t) => t.id === made[1].id)?.imageHash).toBe('fedcba9876543210fedcba9876543210');
        await expect(meta.setTaskImageHash(made[1].id, 'XYZ')).rejects.toMatchObject({ code: 'validation_failed' });
        await expect(meta.setTaskImageHash('nope' as TaskId, '0123456789abcdef0123456789abcdef')).rejects.toMatchObject({ code: 'not_found' });
        await expect(meta.createTask({ projectId: p.id, name: 'm.png', width: 1, height: 1, imageKey: 'm', mime: 'image/png', imageHash: 'short' })).rejects.toMatchObject({ code: 'validation_failed' });
        await meta.deleteTask(hashed.id);
        expect((await meta.findTaskByContent(p.id, hash))?.name).toBe('h2.png');
        // Made only when new, atomically: eight requests adding one image at once make one task.
        const fresh = 'cd'.repeat(32);
        await Promise.all(Array.from({ length: 8 }, () => meta.listTasks(p.id))); // connections open, so the eight below do run at once
        const racing = await Promise.all(
          Array.from({ length: 8 }, (_, i) => meta.createTaskIfNew({ projectId: p.id, name: `r${i}.png`, width: 1, height: 1, imageKey: `r${i}`, mime: 'image/png', contentHash: fresh })),
        );
        expect(racing.filter((r) => !r.existing)).toHaveLength(1);
        expect(new Set(racing.map((r) => r.task.id)).size).toBe(1);
        expect((await meta.listTasks(p.id)).filter((t) => t.name.startsWith('r'))).toHaveLength(1);
        expect(await meta.createTaskIfNew({ projectId: p.id, name: 'again.png', width: 1, height: 1, imageKey: 'g', mime: 'image/png', contentHash: hash })).toMatchObject({ existing: true, task: { name: 'h2.png' } });
        const fixed = await meta.createTask({ id: 'myTaskId' as TaskId, projectId: p.id, name: 'x.png', width: 1, height: 1, imageKey: 'x', mime: 'image/png' });
        expect(fixed.id).toBe('myTaskId');
        await expect(meta.createTask({ id: 'myTaskId' as TaskId, projectId: p.id, name: 'y.png', width: 1, height: 1, imageKey: 'y', mime: 'image/png' }))
          .rejects.toMatchObject({ code: 'conflict' });
        await expect(meta.createTask({ projectId: 'nope' as ProjectId, name: 'z.png', width: 1, height: 1, imageKey: 'z', mime: 'image/png' }))
          .rejects.toMatchObject({ code: 'not_found' });
        await expect(meta.createTask({ projectId: p.id, name: 'z.png', width: 0, height: 1, imageKey: 'z', mime: 'image/png' }))
          .rejects.toMatchObject({ code: 'validation_failed' });
        expect(await meta.getTask('nope' as TaskId)).toBeNull();
      });

      it("keeps each project's activity, newest first, a page at a time, and drops it with the project", async () => {
        const { meta } = await open();
        const owner = await meta.createUser({ name: 'Owner' });
        const p = await meta.createProject({ name: 'p', labels: [], createdBy: owner.id });
        const q = await meta.createProject({ name: 'q', labels: [], createdBy: owner.id });
        for (let i = 0; i < 5; i++) await meta.recordActivity({ projectId: p.id, at: 1000 + i, userId: owner.id, action: 'flag', detail: { tasks: i, flag: 'blurry' } });
        await meta.recordActivity({ projectId: q.id, at: 2000, userId: owner.id, action: 'settings', detail: {} });
        const first = await meta.listActivity(p.id, { limit: 3 });
        expect(first.map((e) => [e.at, e.detail.tasks])).toEqual([[1004, 4], [1003, 3], [1002, 2]]);
        expect(first[0]).toMatchObject({ projectId: p.id, userId: owner.id, action: 'flag', detail: { tasks: 4, flag: 'blurry' } });
        const next = await meta.listActivity(p.id, { limit: 3, before: first[2].id });
        expect(next.map((e) => e.at)).toEqual([1001, 1000]);
        expect((await meta.listActivity(q.id, { limit: 10 })).map((e) => e.action)).toEqual(['settings']);
        // One person's part.
        const other = await meta.createUser({ name: 'Other' });
        await meta.recordActivity({ projectId: p.id, at: 1005, userId: other.id, action: 'labels', detail: {} });
        expect((await meta.listActivity(p.id, { limit: 10, userId: other.id })).map((e) => e.action)).toEqual(['labels']);
        expect((await meta.listActivity(p.id, { limit: 10, userId: owner.id })).map((e) => e.at)).toEqual([1004, 1003, 1002, 1001, 1000]);
        // What a store refuses: a detail that is a payload, an action not of its form.
        await expect(meta.recordActivity({ projectId: p.id, at: 1, userId: owner.id, action: 'flag', detail: { names: 'x'.repeat(5000) } })).rejects.toMatchObject({ code: 'validation_failed' });
        await expect(meta.recordActivity({ projectId: p.id, at: 1, userId: owner.id, action: 'DROP TABLE', detail: {} })).rejects.toMatchObject({ code: 'validation_failed' });
        await meta.deleteProject(p.id);
        expect(await meta.listActivity(p.id, { limit: 10 })).toEqual([]);
        expect(await meta.listActivity(q.id, { limit: 10 })).toHaveLength(1);
      });

      it('trims every project\'s activity older than a time, and only that', async () => {
        const { meta } = await open();
        const owner = await meta.createUser({ name: 'Owner' });
        const p = await meta.createProject({ name: 'p', labels: [], createdBy: owner.id });
        const q = await meta.createProject({ name: 'q', labels: [], createdBy: owner.id });
        for (const [projectId, at] of [[p.id, 100], [p.id, 200], [q.id, 150], [q.id, 300]] as const) await meta.recordActivity({ projectId, at, userId: owner.id, action: 'guide', detail: {} });
        expect(await meta.trimActivity(200)).toBe(2);
        expect((await meta.listActivity(p.id, { limit: 10 })).map((e) => e.at)).toEqual([200]);
        expect((await meta.listActivity(q.id, { limit: 10 })).map((e) => e.at)).toEqual([300]);
        expect(await meta.trimActivity(200)).toBe(0);
      });

      it('removes a member with their assignments, and never the last owner', async () => {
        const { meta } = await open();
        const owner = await meta.createUser({ name: 'Owner' });
        const ana = await meta.createUser({ name: 'Ana' });
        const p = await meta.createProject({ name: 'P', labels, createdBy: owner.id });
        const q = await meta.createProject({ name: 'Q', labels, createdBy: owner.id });
        await meta.addMember(p.id, owner.id, 'owner');
        await meta.addMember(p.id, ana.id, 'annotator');
        await meta.addMember(q.id, ana.id, 'annotator');
        const mk = (projectId: ProjectId, i: number) => meta.createTask({ projectId, name: `r${i}.png`, width: 1, height: 1, imageKey: `r${i}`, mime: 'image/png' });
        const [tp, tq] = [await mk(p.id, 0), await mk(q.id, 1)];
        await meta.assignTasks(p.id, [{ taskId: tp.id, userId: ana.id }]);
        await meta.assignTasks(q.id, [{ taskId: tq.id, userId: ana.id }]);
        await meta.removeMember(p.id, ana.id);
        expect(await meta.getRole(p.id, ana.id)).toBeNull();
        expect((await meta.getTask(tp.id))?.assignee).toBeNull();
        // Her other project is untouched.
        expect(await meta.getRole(q.id, ana.id)).toBe('annotator');
        expect((await meta.getTask(tq.id))?.assignee).toBe(ana.id);
        await expect(meta.removeMember(p.id, ana.id)).rejects.toMatchObject({ code: 'not_found' });
        await expect(meta.removeMember(p.id, owner.id)).rejects.toMatchObject({ code: 'conflict' });
        expect(await meta.getRole(p.id, owner.id)).toBe('owner');
        const second = await meta.createUser({ name: 'Second owner' });
        await meta.addMember(p.id, second.id, 'owner');
        await meta.removeMember(p.id, owner.id);
        expect(await meta.getRole(p.id, owner.id)).toBeNull();
      });

      it('assigns tasks of one project all or nothing, and unassigns', async () => {
        const { meta } = await open();
        const owner = await meta.createUser({ name: 'Owner' });
        const ana = await meta.createUser({ name: 'Ana' });
        const ben = await meta.createUser({ name: 'Ben' });
        const p = await meta.createProject({ name: 'P', labels, createdBy: owner.id });
        const q = await meta.createProject({ name: 'Q', labels, createdBy: owner.id });
        const mk = (projectId: ProjectId, i: number) => meta.createTask({ projectId, name: `a${i}.png`, width: 1, height: 1, imageKey: `a${i}`, mime: 'image/png' });
        const [t0, t1, t2] = [await mk(p.id, 0), await mk(p.id, 1), await mk(p.id, 2)];
        const other = await mk(q.id, 3);
        expect(t0.assignee).toBeNull();
        await meta.assignTasks(p.id, [{ taskId: t0.id, userId: ana.id }, { taskId: t1.id, userId: ben.id }, { taskId: t2.id, userId: ana.id }]);
        expect((await meta.listTasks(p.id)).map((t) => t.assignee)).toEqual([ana.id, ben.id, ana.id]);
        expect((await meta.getTask(t1.id))?.assignee).toBe(ben.id);
        // One task of another project: nothing changes, not even the valid ones before it.
        await expect(meta.assignTasks(p.id, [{ taskId: t0.id, userId: ben.id }, { taskId: other.id, userId: ben.id }])).rejects.toMatchObject({ code: 'not_found' });
        await expect(meta.assignTasks(p.id, [{ taskId: t1.id, userId: 'nobody' as UserId }])).rejects.toMatchObject({ code: 'not_found' });
        expect((await meta.listTasks(p.id)).map((t) => t.assignee)).toEqual([ana.id, ben.id, ana.id]);
        expect((await meta.getTask(other.id))?.assignee).toBeNull();
        await meta.assignTasks(p.id, [{ taskId: t0.id, userId: null }, { taskId: t2.id, userId: ben.id }]);
        expect((await meta.listTasks(p.id)).map((t) => t.assignee)).toEqual([null, ben.id, ben.id]);
      });
    });

    updateLogContract(open, reopen);

    it('keeps metadata and the update log across close and reopen', async () => {
      const b = await open();
      const ana = await b.meta.createUser({ name: 'Ana' });
      const token = await b.meta.createToken(ana.id);
      const p = await b.meta.createProject({ name: 'P', labels: [{ name: 'cat', color: '#123456' }], createdBy: ana.id });
      await b.meta.addMember(p.id, ana.id, 'owner');
      const t = await b.meta.createTask({ projectId: p.id, name: 'a.jpg', width: 10, height: 20, imageKey: 'a', mime: 'image/jpeg' });
      await b.meta.setTaskStatus(t.id, 'done');
      // Not awaited before close: close() must flush the queued batch.
      const appends = Array.from({ length: 10 }, (_, i) => b.docs.append('task:keep', bytesOf(`k${i}`)));
      const { meta, docs } = await reopen(b);
      await Promise.all(appends);
      expect(await meta.resolveToken(token)).toEqual({ user: ana, expiresAt: null });
      expect(await meta.getProject(p.id)).toEqual(p);
      expect(await meta.getRole(p.id, ana.id)).toBe('owner');
      expect(await meta.getTask(t.id)).toEqual({ ...t, status: 'done' });
      expect((await docs.load('task:keep')).updates.map(textOf)).toEqual(Array.from({ length: 10 }, (_, i) => `k${i}`));
      await docs.append('task:keep', bytesOf('k10'));
      expect((await docs.load('task:keep')).updates.map(textOf).at(-1)).toBe('k10');
    });
  });
}
