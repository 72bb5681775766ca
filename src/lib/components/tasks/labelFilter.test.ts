// The task list's objects per label: the card's line, the filter, and its choices with counts.
import { describe, expect, it } from 'vitest';
import type { TaskSummary } from '../../sync/api';
import { describeLabelChoice, labelChoices, matchesLabel, NO_OBJECTS, objectsLine, WITHOUT } from './labelFilter';

const task = (name: string, labelCounts: Record<string, number> | null) =>
  ({ id: name, name, width: 1, height: 1, status: 'todo', assignee: null, flag: null, toFix: 0, openThreads: 0, mentioned: [], labelCounts, imageAttributes: null, attributeCounts: null, looksLike: null, objectChecks: null }) as TaskSummary;

describe('objects per label in the task list', () => {
  const tasks = [task('a', { car: 2, person: 1 }), task('b', { person: 3 }), task('c', {}), task('d', null), task('e', { bicycle: 1 })];

  it('says how many objects a task has and of what, and nothing for none or while not counted', () => {
    expect(objectsLine({ car: 2, person: 3 })).toEqual({ text: '5 objects', title: 'person 3, car 2' });
    expect(objectsLine({ car: 1 })).toEqual({ text: '1 object', title: 'car 1' });
    expect(objectsLine({})).toBeNull();
    expect(objectsLine(null)).toBeNull();
  });

  it('finds the images with a label, without one, or with no object yet; a task not counted matches no choice', () => {
    const pick = (choice: string) => tasks.filter((t) => matchesLabel(t, choice)).map((t) => t.name);
    expect(pick('')).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(pick('person')).toEqual(['a', 'b']);
    expect(pick('car')).toEqual(['a']);
    expect(pick(NO_OBJECTS)).toEqual(['c']);
    expect(pick('truck')).toEqual([]);
    // Without a label: the counted tasks lacking it (an empty one lacks every label).
    expect(pick(WITHOUT + 'car')).toEqual(['b', 'c', 'e']);
    expect(pick(WITHOUT + 'person')).toEqual(['c', 'e']);
    expect(pick(WITHOUT + 'truck')).toEqual(['a', 'b', 'c', 'e']);
    expect([WITHOUT + 'road', NO_OBJECTS, 'car'].map(describeLabelChoice)).toEqual(['without road', 'no object yet', 'car']);
  });

  it("offers the project's labels in its order, then labels it no longer defines, with how many images have each, and how many lack each", () => {
    expect(labelChoices(tasks, ['person', 'car', 'truck'])).toEqual([
      { value: 'person', text: 'person (2)' },
      { value: 'car', text: 'car (1)' },
      { value: 'truck', text: 'truck (0)' },
      { value: 'bicycle', text: 'bicycle (1)' },
      { value: NO_OBJECTS, text: 'No object yet (1)' },
      { value: WITHOUT + 'person', text: 'without person (2)', group: 'without' },
      { value: WITHOUT + 'car', text: 'without car (3)', group: 'without' },
      { value: WITHOUT + 'truck', text: 'without truck (4)', group: 'without' },
    ]);
  });
});
