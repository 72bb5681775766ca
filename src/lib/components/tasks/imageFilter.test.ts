import { describe, expect, it } from 'vitest';
import type { AttributeSpec } from '../../../../shared/schema/attributes';
import type { TaskSummary } from '../../sync/api';
import { describeLabelChoice, matchesLabel } from './labelFilter';
import { imageChoices, imageLine } from './imageFilter';

const task = (name: string, imageAttributes: TaskSummary['imageAttributes'], labelCounts: TaskSummary['labelCounts'] = {}) =>
  ({ id: name, name, width: 1, height: 1, status: 'todo', assignee: null, flag: null, toFix: 0, openThreads: 0, mentioned: [], labelCounts, imageAttributes, attributeCounts: null, looksLike: null, objectChecks: null }) as TaskSummary;

const specs: AttributeSpec[] = [
  { name: 'weather', type: 'select', options: ['clear', 'rain'] },
  { name: 'night', type: 'checkbox' },
  { name: 'scene', type: 'text' },
];

describe('the task list filtered by image attributes', () => {
  const tasks = [
    task('a', { weather: 'rain', night: true, scene: 'highway' }),
    task('b', { weather: 'clear', scene: 'city' }),
    task('f', { scene: 'city' }),
    task('c', {}), // set nothing: the defaults (clear, not night)
    task('d', null), // new since the upgrade, mirrored with the counts: the defaults
    task('e', null, null), // not mirrored yet: matches no choice
  ];

  it('offers each option and checkbox state with how many images have it, defaults counted', () => {
    // A text attribute offers the values the images have, the most frequent first.
    expect(imageChoices(tasks, specs).map((c) => c.text)).toEqual(['weather: clear (4)', 'weather: rain (1)', 'night (1)', 'not night (4)', 'scene: city (2)', 'scene: highway (1)']);
  });

  it('finds the images with the value, and says the choice in words', () => {
    const choices = imageChoices(tasks, specs);
    const pick = (text: string) => {
      const c = choices.find((x) => x.text.startsWith(text))!;
      return [tasks.filter((t) => matchesLabel(t, c.value)).map((t) => t.name), describeLabelChoice(c.value)];
    };
    expect(pick('weather: rain')).toEqual([['a'], 'weather: rain']);
    expect(pick('weather: clear')).toEqual([['b', 'f', 'c', 'd'], 'weather: clear']);
    expect(pick('not night')).toEqual([['b', 'f', 'c', 'd'], 'not night']);
    expect(pick('scene: city')).toEqual([['b', 'f'], 'scene: city']);
    expect(imageChoices(tasks, [])).toEqual([]);
  });

  it("says on the card what an image's values are besides the defaults", () => {
    expect(imageLine(specs, { weather: 'rain', night: true, scene: 'highway' })).toBe('rain · night · scene: highway');
    // Defaults, values the definition does not take and names it does not define say nothing.
    expect(imageLine(specs, { weather: 'clear', night: false, scene: '' })).toBeNull();
    expect(imageLine(specs, { weather: 'fog', night: 1, mood: 'calm' } as never)).toBeNull();
    expect(imageLine([{ name: 'day', type: 'checkbox', default: true }], { day: false })).toBe('not day');
    expect(imageLine(specs, null)).toBeNull();
  });
});
