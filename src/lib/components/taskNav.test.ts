import { describe, expect, it } from 'vitest';
import { taskPosition, workQueue } from './taskNav';

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

  it('offers nothing for a task missing from the list', () => {
    expect(taskPosition(tasks, 'zz')).toEqual({ index: 0, count: 5, prev: null, next: null, nextOpen: null });
  });
});
