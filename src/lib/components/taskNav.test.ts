import { describe, expect, it } from 'vitest';
import type { Role } from '../../../shared/protocol/roles';
import { claimFor, pickNext, submitAction, taskPosition, workQueue } from './taskNav';

const tasks = [
  { id: 'a', status: 'done' },
  { id: 'b', status: 'todo' },
  { id: 'c', status: 'done' },
  { id: 'd', status: 'in_review' },
  { id: 'e', status: 'in_progress' },
];

describe('task navigation', () => {
  it('knows the previous and next task in the project order, and the next one to do', () => {
    expect(taskPosition(tasks, 'b')).toEqual({ index: 2, count: 5, prev: 'a', next: 'c', nextOpen: 'e' });
    expect(taskPosition(tasks, 'a')).toMatchObject({ index: 1, prev: null, next: 'b', nextOpen: 'b' });
    // the last task: no next, and the open work wraps around to the start
    expect(taskPosition(tasks, 'e')).toMatchObject({ index: 5, next: null, nextOpen: 'b' });
    expect(taskPosition([{ id: 'x', status: 'todo' }], 'x')).toEqual({ index: 1, count: 1, prev: null, next: null, nextOpen: null });
  });

  it("follows the role's queue: annotators the tasks to do, reviewers and QA leads those in review", () => {
    const annotator = workQueue('annotator');
    const reviewer = workQueue('reviewer');
    expect(taskPosition(tasks, 'a', annotator.takes).nextOpen).toBe('b');
    expect(taskPosition(tasks, 'a', reviewer.takes).nextOpen).toBe('d');
    expect(taskPosition(tasks, 'd', reviewer.takes).nextOpen).toBeNull(); // the only one in review is this
    expect(workQueue('qa')).toEqual(reviewer);
    expect(workQueue('owner')).toEqual(annotator);
    expect([annotator.submitTo, reviewer.submitTo]).toEqual(['in_review', 'done']);
  });

  it('passes over flagged images in the queue, not in previous / next', () => {
    const flagged = tasks.map((t) => (t.id === 'b' ? { ...t, flag: 'blurry' } : t));
    expect(taskPosition(flagged, 'a')).toMatchObject({ next: 'b', nextOpen: 'e' });
    expect(taskPosition(flagged, 'e').nextOpen).toBeNull();
  });

  it('offers nothing for a task missing from the list', () => {
    expect(taskPosition(tasks, 'zz')).toEqual({ index: 0, count: 5, prev: null, next: null, nextOpen: null });
  });

  it("takes the member's assigned tasks first, then unassigned ones, and skips those assigned to others of the same queue", () => {
    const roles = new Map<string, Role>([['ana', 'annotator'], ['ben', 'annotator'], ['bo', 'reviewer']]);
    const queue = [
      { id: 'a', status: 'todo' },
      { id: 'b', status: 'todo', assignee: 'ben' },
      { id: 'c', status: 'todo', assignee: null },
      { id: 'd', status: 'todo', assignee: 'ana' },
      { id: 'e', status: 'in_review', assignee: 'ana' },
      { id: 'f', status: 'in_review', assignee: 'bo' },
    ];
    const ana = claimFor('ana', 'annotator', roles);
    expect(taskPosition(queue, 'a', workQueue('annotator').takes, ana).nextOpen).toBe('d'); // hers, past an open one
    expect(taskPosition(queue, 'd', workQueue('annotator').takes, ana).nextOpen).toBe('a'); // none left of hers: the first open, wrapping
    const ben = claimFor('ben', 'annotator', roles);
    expect(taskPosition(queue, 'c', workQueue('annotator').takes, ben).nextOpen).toBe('b'); // not Ana's 'd'
    expect(taskPosition(queue, 'b', workQueue('annotator').takes, ben).nextOpen).toBe('c');
    // For a reviewer an annotator's assignment leaves the task open; another reviewer's takes it.
    const zoe = claimFor('zoe', 'reviewer', new Map([...roles, ['zoe', 'reviewer']]));
    expect(taskPosition(queue, 'a', workQueue('reviewer').takes, zoe).nextOpen).toBe('e');
    expect(taskPosition(queue, 'e', workQueue('reviewer').takes, zoe).nextOpen).toBeNull();
    // Where the project page's "Start" opens, from the top of the list, and how much waits.
    expect(pickNext(queue, workQueue('annotator').takes, ana)).toEqual({ first: 'd', count: 3 }); // a, c, d: not Ben's b
    expect(pickNext(queue, workQueue('annotator').takes, ben)).toEqual({ first: 'b', count: 3 });
    expect(pickNext(queue, workQueue('reviewer').takes, zoe)).toEqual({ first: 'e', count: 1 });
    expect(pickNext([], workQueue('annotator').takes, ana)).toEqual({ first: null, count: 0 });
    // An assignee no longer in the member list does not hold the task.
    expect(claimFor('ana', 'annotator', new Map())({ id: 'x', status: 'todo', assignee: 'gone' })).toBe('open');
  });

  it('takes work that came back before new work: to fix first, still hers before anyone\'s', () => {
    const roles = new Map<string, Role>([['ana', 'annotator'], ['rita', 'reviewer']]);
    const ana = claimFor('ana', 'annotator', roles);
    const takes = workQueue('annotator').takes;
    const queue = [
      { id: 'a', status: 'todo' },
      { id: 'b', status: 'todo', assignee: 'ana' },
      { id: 'c', status: 'in_progress', toFix: 2 },
      { id: 'd', status: 'in_progress', toFix: 1, assignee: 'ana' },
      { id: 'e', status: 'in_progress', toFix: 3, flag: 'blurry' },
    ];
    expect(taskPosition(queue, 'a', takes, ana).nextOpen).toBe('d'); // hers and sent back, past hers and new
    expect(taskPosition(queue, 'd', takes, ana).nextOpen).toBe('b'); // hers next, before an open one to fix
    expect(taskPosition(queue.slice(0, 3), 'a', takes, ana).nextOpen).toBe('b');
    expect(taskPosition(queue.filter((t) => !t.assignee), 'a', takes, ana).nextOpen).toBe('c'); // flagged e stays out
    // Reviewers: a fixed task back in review before one reviewed for the first time.
    const inReview = [{ id: 'x', status: 'in_review' }, { id: 'y', status: 'in_review' }, { id: 'z', status: 'in_review', toFix: 1 }];
    expect(taskPosition(inReview, 'x', workQueue('reviewer').takes, claimFor('rita', 'reviewer', roles)).nextOpen).toBe('z');
  });

  it("sends a task back to the annotators when its reviewer still asks for changes, else moves it on", () => {
    expect(submitAction(workQueue('reviewer'), 2)).toEqual({ to: 'in_progress', label: 'Send back' });
    expect(submitAction(workQueue('qa'), 0)).toEqual({ to: 'done', label: 'Done' });
    // An annotator submits to review whatever is left to fix: the reviewer decides.
    expect(submitAction(workQueue('annotator'), 1)).toEqual({ to: 'in_review', label: 'Submit' });
  });
});
