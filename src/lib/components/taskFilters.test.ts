import { describe, expect, it } from 'vitest';
import type { TaskSummary } from '../sync/api';
import { applyFilters, byAttention, isStarted, taskFilters } from './taskFilters';
import { rowChecks, type CheckRules, type RowChecks } from '../../../shared/schema/objectChecks';

const task = (id: string, extra: Partial<TaskSummary> = {}): TaskSummary =>
  ({ id, name: `${id}.png`, width: 1, height: 1, status: 'todo', assignee: null, flag: null, toFix: 0, openThreads: 0, mentioned: [], ...extra }) as TaskSummary;

describe('task filters', () => {
  const tasks = [
    task('a', { assignee: 'u-ana', openThreads: 2, mentioned: ['Ana', 'Bo'] }),
    task('b', { flag: 'blurry', looksLike: 'a' }),
    task('c', { toFix: 1, openThreads: 1, mentioned: ['Bo'] }),
    task('d', { assignee: 'u-ana', toFix: 3, objectChecks: { duplicate: 1, specks: 0, tiny: 0 } }),
    task('e', { objectChecks: { duplicate: 0, specks: 0, tiny: 0 } }),
  ];
  const filters = taskFilters('u-ana', 'Ana');
  const ids = (...on: string[]) => applyFilters(tasks, filters, new Set(on)).map((t) => t.id);

  it('narrows the list to what each filter asks for, and to what all of them ask for together', () => {
    expect(ids()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(ids('mine')).toEqual(['a', 'd']);
    expect(ids('flagged')).toEqual(['b']);
    expect(ids('to-fix')).toEqual(['c', 'd']);
    expect(ids('comments')).toEqual(['a', 'c']);
    expect(ids('mentions')).toEqual(['a']);
    expect(ids('mine', 'to-fix')).toEqual(['d']);
    expect(ids('looks-like')).toEqual(['b']);
    expect(ids('checks')).toEqual(['d']); // e was checked: nothing to look at
    // An object whose label the project does not define is one to check too.
    const withLabels = taskFilters('u-ana', 'Ana', undefined, undefined, (t): RowChecks => ({ counts: t.objectChecks, outside: t.id === 'e' ? { vehcle: 1 } : {} }));
    expect(applyFilters(tasks, withLabels, new Set(['checks'])).map((t) => t.id)).toEqual(['d', 'e']);
  });

  it("leaves out of the Checks filter what the project's rules do not check", () => {
    const rows = [
      task('p', { objectChecks: { duplicate: 0, specks: 2, tiny: 0, byLabel: { vegetation: { specks: 2, tiny: 0 } } }, labelCounts: { vegetation: 2 } }),
      task('q', { objectChecks: { duplicate: 0, specks: 1, tiny: 1, byLabel: { vegetation: { specks: 1, tiny: 0 }, bird: { specks: 0, tiny: 1 } } }, labelCounts: { vegetation: 1, bird: 1 } }),
      task('r', { objectChecks: { duplicate: 1, specks: 0, tiny: 0, byLabel: {} }, labelCounts: { car: 2, vehcle: 1 } }),
    ];
    const checked = (rules: CheckRules | null) =>
      applyFilters(rows, taskFilters('u-ana', 'Ana', undefined, undefined, (t) => rowChecks(t, ['vegetation', 'bird', 'car'], rules)), new Set(['checks'])).map((t) => t.id);
    expect(checked(null)).toEqual(['p', 'q', 'r']);
    expect(checked({ piecesOk: ['vegetation'] })).toEqual(['q', 'r']); // q's bird is still tiny
    expect(checked({ piecesOk: ['vegetation'], smallOk: ['bird'] })).toEqual(['r']);
    expect(checked({ piecesOk: ['vegetation'], smallOk: ['bird'], off: ['duplicate'] })).toEqual(['r']); // vehcle is no label
    expect(checked({ piecesOk: ['vegetation'], smallOk: ['bird'], off: ['duplicate', 'label'] })).toEqual([]);
    expect(checked({ off: ['specks', 'tiny'] })).toEqual(['r']);
  });

  it('finds the tasks that leave a required attribute unset, as the page counts them', () => {
    const unset = new Map([['b', 2], ['d', 1]]);
    const withUnset = taskFilters('u-ana', 'Ana', (t) => unset.get(t.id) ?? 0);
    expect(applyFilters(tasks, withUnset, new Set(['unset'])).map((t) => t.id)).toEqual(['b', 'd']);
    expect(applyFilters(tasks, filters, new Set(['unset']))).toEqual([]); // nothing required
  });

  it('takes a task for begun once it has objects or image values, or left to do', () => {
    expect(isStarted(task('n', { labelCounts: {}, imageAttributes: {} }), 'todo')).toBe(false); // a fresh upload
    expect(isStarted(task('n', { labelCounts: null, imageAttributes: null }), 'todo')).toBe(false);
    expect(isStarted(task('o', { labelCounts: { car: 1 }, imageAttributes: {} }), 'todo')).toBe(true);
    expect(isStarted(task('i', { labelCounts: {}, imageAttributes: { night: true } }), 'todo')).toBe(true);
    expect(isStarted(task('r', { labelCounts: {}, imageAttributes: {} }), 'in_review')).toBe(true);
  });

  it('mentions nobody before the page knows who is signed in', () => {
    expect(applyFilters(tasks, taskFilters(null, null), new Set(['mentions', 'mine']))).toEqual([]);
  });

  it('orders the tasks needing attention first: change requests, then open comments, else as listed', () => {
    const list = [task('p'), task('q', { openThreads: 1 }), task('r', { toFix: 1 }), task('s', { toFix: 3, openThreads: 0 }), task('t', { toFix: 1, openThreads: 2 }), task('u')];
    expect([...list].sort(byAttention).map((t) => t.id)).toEqual(['s', 't', 'r', 'q', 'p', 'u']);
  });
});
