// The image's own values through time: a state recorded when it differs from the last, with what
// changed and who set it; nothing when nothing changed.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { setImageAttributes } from '../../../shared/schema/imageAttributes';
import { readImageHistory, recordImageValues } from './imageHistory';

describe('image attribute history', () => {
  it('records each distinct state with what changed and who set it, and nothing while unchanged', () => {
    const task = new Y.Doc();
    const history = new Y.Doc();
    expect(recordImageValues(task, history, 1)).toBe(false); // nothing set yet: nothing to record
    setImageAttributes(task, { weather: 'clear', night: false }, undefined, 'ana');
    expect(recordImageValues(task, history, 2)).toBe(true);
    expect(recordImageValues(task, history, 3)).toBe(false);
    setImageAttributes(task, { weather: 'rain' }, undefined, 'rita');
    recordImageValues(task, history, 4);
    setImageAttributes(task, { night: null }, undefined, 'ana'); // taken back: the default again
    recordImageValues(task, history, 5);
    expect(readImageHistory(history).map(({ at, by, values, changed }) => ({ at, by, values, changed }))).toEqual([
      { at: 2, by: 'ana', values: { weather: 'clear', night: false }, changed: ['night', 'weather'] },
      { at: 4, by: 'rita', values: { weather: 'rain', night: false }, changed: ['weather'] },
      { at: 5, by: 'ana', values: { weather: 'rain' }, changed: ['night'] },
    ]);
  });

  it('says nobody where the task doc does not say who set a value (an import from before who-set-it)', () => {
    const task = new Y.Doc();
    task.getMap('image').set('scene', 'highway');
    const history = new Y.Doc();
    recordImageValues(task, history, 1);
    expect(readImageHistory(history)[0]).toMatchObject({ by: '', values: { scene: 'highway' }, changed: ['scene'] });
  });
});
