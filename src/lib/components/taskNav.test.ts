import { describe, expect, it } from 'vitest';
import { taskPosition } from './taskNav';

const tasks = [
  { id: 'a', status: 'done' },
  { id: 'b', status: 'todo' },
  { id: 'c', status: 'done' },
  { id: 'd', status: 'in_review' },
];

describe('task navigation', () => {
  it('knows the previous and next task in the project order, and the next one not done', () => {
    expect(taskPosition(tasks, 'b')).toEqual({ index: 2, count: 4, prev: 'a', next: 'c', nextOpen: 'd' });
    expect(taskPosition(tasks, 'a')).toMatchObject({ index: 1, prev: null, next: 'b', nextOpen: 'b' });
    // the last task: no next, and the open work wraps around to the start
    expect(taskPosition(tasks, 'd')).toMatchObject({ index: 4, next: null, nextOpen: 'b' });
    expect(taskPosition([{ id: 'x', status: 'todo' }], 'x')).toEqual({ index: 1, count: 1, prev: null, next: null, nextOpen: null });
  });

  it('offers nothing for a task missing from the list', () => {
    expect(taskPosition(tasks, 'zz')).toEqual({ index: 0, count: 4, prev: null, next: null, nextOpen: null });
  });
});
