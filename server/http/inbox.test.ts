import { describe, expect, it } from 'vitest';
import type { Role } from '../../shared/protocol/roles';
import type { Project, Task, User } from '../storage/types';
import { inboxOf } from './inbox';

const ana = { id: 'u-ana', name: 'Ana' } as User;
const rita = { id: 'u-rita', name: 'Rita' } as User;
const project = (id: string) => ({ id, name: `project ${id}` }) as Project;
const task = (id: string, extra: Partial<Task>) =>
  ({ id, name: `${id}.png`, status: 'todo', assignee: null, flag: null, toFix: 0, openThreads: 0, mentioned: [], ...extra }) as Task;
const roles = new Map<string, Role>([['u-ana', 'annotator'], ['u-ben', 'annotator'], ['u-rita', 'reviewer'], ['u-bo', 'reviewer']]);

const tasks = [
  task('mentioned', { openThreads: 2, mentioned: ['Ana', 'Rita'] }),
  task('sent-back', { status: 'in_progress', toFix: 2 }),
  task('sent-back-to-ana', { status: 'in_progress', toFix: 1, assignee: 'u-ana' as Task['assignee'] }),
  task('sent-back-to-ben', { status: 'in_progress', toFix: 1, assignee: 'u-ben' as Task['assignee'] }),
  task('fixed', { status: 'in_review', toFix: 1, assignee: 'u-ana' as Task['assignee'] }),
  task('fixed-for-bo', { status: 'in_review', toFix: 1, assignee: 'u-bo' as Task['assignee'] }),
  task('flagged', { status: 'in_progress', toFix: 1, flag: 'blurry', mentioned: ['Ana'] }),
];
const ids = (l: Array<{ id: string }>) => l.map((t) => t.id);

describe('inbox', () => {
  it("an annotator's: threads that mention her, and the tasks sent back that are hers or nobody's", () => {
    const inbox = inboxOf(ana, [{ project: project('p'), role: 'annotator', roles, tasks }]);
    expect(ids(inbox.mentions)).toEqual(['mentioned']);
    expect(inbox.mentions[0]).toMatchObject({ projectId: 'p', projectName: 'project p', openThreads: 2 });
    expect(ids(inbox.toFix)).toEqual(['sent-back', 'sent-back-to-ana']);
    // Her queue starts at the task sent back to her: mentioned, sent-back, sent-back-to-ana wait (not Ben's, not the flagged one).
    expect(inbox.queues).toEqual([{ projectId: 'p', projectName: 'project p', reviewing: false, next: 'sent-back-to-ana', count: 3 }]);
  });

  it("a reviewer's: the fixed tasks back in review, an annotator's assignment not holding them", () => {
    const inbox = inboxOf(rita, [{ project: project('p'), role: 'reviewer', roles, tasks }]);
    expect(ids(inbox.mentions)).toEqual(['mentioned']);
    expect(ids(inbox.toFix)).toEqual(['fixed']);
    expect(inbox.queues).toEqual([{ projectId: 'p', projectName: 'project p', reviewing: true, next: 'fixed', count: 1 }]);
    // Nothing in review: no queue to start.
    expect(inboxOf(rita, [{ project: project('q'), role: 'reviewer', roles, tasks: tasks.slice(0, 4) }]).queues).toEqual([]);
  });

  it('a viewer has nothing waiting', () => {
    expect(inboxOf(ana, [{ project: project('p'), role: 'viewer', roles, tasks }])).toEqual({ mentions: [], toFix: [], queues: [], mentionsTotal: 0, toFixTotal: 0 });
  });

  it('lists the first 50 of each and says how many there are in all', () => {
    const many = Array.from({ length: 73 }, (_, i) => task(`m${i}`, { openThreads: 1, mentioned: ['Ana'], status: 'in_progress', toFix: i < 55 ? 1 : 0 }));
    const inbox = inboxOf(ana, [{ project: project('p'), role: 'annotator', roles, tasks: many }]);
    expect([inbox.mentions.length, inbox.mentionsTotal, inbox.toFix.length, inbox.toFixTotal]).toEqual([50, 73, 50, 55]);
    expect(ids(inbox.mentions).slice(0, 2)).toEqual(['m0', 'm1']);
  });
});
