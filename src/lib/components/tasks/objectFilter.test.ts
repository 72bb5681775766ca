// The task list's object attribute choices: offered per label and value with how many images
// have such an object, matched as the editor shows values (unset reads as the default).
import { describe, expect, it } from 'vitest';
import type { AttributeSpec } from '../../../../shared/schema/attributes';
import type { TaskSummary } from '../../sync/api';
import { describeLabelChoice, matchesLabel } from './labelFilter';
import { objectChoice, objectChoices } from './objectFilter';

const task = (name: string, labelCounts: TaskSummary['labelCounts'], attributeCounts: TaskSummary['attributeCounts']) =>
  ({ id: name, name, width: 1, height: 1, status: 'todo', assignee: null, flag: null, toFix: 0, openThreads: 0, mentioned: [], labelCounts, imageAttributes: {}, attributeCounts, looksLike: null, objectChecks: null }) as TaskSummary;

const occluded: AttributeSpec = { name: 'occluded', type: 'checkbox' };
const colour: AttributeSpec = { name: 'colour', type: 'select', options: ['red', 'blue'], default: 'blue' };
const plate: AttributeSpec = { name: 'plate', type: 'text' };
const labels = [{ name: 'car', attributes: [occluded, colour, plate] }, { name: 'person' }];

describe('object attributes in the task list', () => {
  const tasks = [
    task('a', { car: 2 }, { car: { occluded: { true: 1 }, colour: { '"red"': 2 }, plate: { '"AB-1"': 1 } } }),
    task('b', { car: 1, person: 1 }, { car: { occluded: { false: 1 }, plate: { '"AB-1"': 1 } } }),
    task('c', { person: 2 }, {}),
    task('d', { car: 1 }, null), // not mirrored yet
  ];

  it('offers each checkbox state, select option and value found, with how many images have such an object', () => {
    const texts = objectChoices(tasks, labels).map((c) => c.text);
    expect(texts).toEqual([
      'car: occluded (1)',
      'car: not occluded (2)', // a's second car never set it; b's set it false
      'car · colour: red (1)',
      'car · colour: blue (1)',
      'car · plate: AB-1 (2)', // a's second car has the empty text: not offered
    ]);
  });

  it('finds the images with such an object; a row not mirrored matches none', () => {
    const ids = (choice: string) => tasks.filter((t) => matchesLabel(t, choice)).map((t) => t.id);
    expect(ids(objectChoice('car', occluded, true))).toEqual(['a']);
    expect(ids(objectChoice('car', occluded, false))).toEqual(['a', 'b']);
    expect(ids(objectChoice('car', colour, 'blue'))).toEqual(['b']);
    expect(ids(objectChoice('car', plate, 'AB-1'))).toEqual(['a', 'b']);
    expect(ids(objectChoice('person', occluded, false))).toEqual(['b', 'c']);
    expect(ids('\u0000object:not json')).toEqual([]);
  });

  it('reads in a sentence', () => {
    expect(describeLabelChoice(objectChoice('car', occluded, false))).toBe('car: not occluded');
    expect(describeLabelChoice(objectChoice('car', colour, 'red'))).toBe('car · colour: red');
  });
});
