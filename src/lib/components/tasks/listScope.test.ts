// The project page's narrowed list carried into the editor: what it is called, which tasks it
// keeps in which order, and only for a task it holds.
import { describe, expect, it } from 'vitest';
import { useMemorySessionStorage } from '../../../../tests/helpers/sessionStorage';
import { NO_OBJECTS, WITHOUT } from './labelFilter';
import { describeScope, readScope, saveScope, scoped } from './listScope';

describe('the list carried into the editor', () => {
  useMemorySessionStorage();

  it('says what narrowed it, and nothing when nothing did', () => {
    expect(describeScope({ label: 'bicycle', status: 'In review', filters: ['Assigned to me'], search: 'cam2', order: 'by file name' })).toBe('bicycle · In review · Assigned to me · “cam2” · by file name');
    expect(describeScope({ label: NO_OBJECTS, status: null, filters: [], search: '', order: null })).toBe('no object yet');
    expect(describeScope({ label: WITHOUT + 'road', status: 'to do', filters: [], search: '', order: null })).toBe('without road · to do');
    expect(describeScope({ label: '', status: null, filters: [], search: '', order: null })).toBe('');
    expect(describeScope({ label: ['bicycle', WITHOUT + 'road'], status: null, filters: [], search: '', order: null })).toBe('bicycle · without road'); // conditions that all hold
  });

  it('keeps the listed tasks in the list order, for a task it holds only; a list nothing narrows is forgotten', () => {
    const tasks = [{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'd' }];
    saveScope('p', { ids: ['c', 'a', 'gone'], what: 'bicycle' });
    const scope = readScope('p', 'a');
    expect(scope?.what).toBe('bicycle');
    expect(scoped(tasks, scope).map((t) => t.id)).toEqual(['c', 'a']);
    expect(readScope('p', 'b')).toBeNull(); // opened from elsewhere: the whole project
    expect(readScope('other', 'a')).toBeNull();
    expect(scoped(tasks, null).map((t) => t.id)).toEqual(['a', 'b', 'c', 'd']);
    saveScope('p', { ids: ['a'], what: '' });
    expect(readScope('p', 'a')).toBeNull();
  });
});
