// "Same as the last image": what the tab had open before, and what copying its values changes.
import { describe, expect, it } from 'vitest';
import { useMemorySessionStorage } from '../../../tests/helpers/sessionStorage';
import type { AttributeSpec } from '../../../shared/schema/attributes';
import { readLastImage, valuesToCopy, writeLastImage } from './lastImage';

const specs: AttributeSpec[] = [
  { name: 'weather', type: 'select', options: ['clear', 'rain'] },
  { name: 'night', type: 'checkbox' },
  { name: 'people', type: 'number', min: 0 },
];

describe('the last image of this tab', () => {
  useMemorySessionStorage();

  it('is the task open before in the same project, never the open task itself', () => {
    writeLastImage('p', { taskId: 'a', name: 'frame_001.jpg', values: { weather: 'rain' } });
    expect(readLastImage('p', 'b')).toEqual({ taskId: 'a', name: 'frame_001.jpg', values: { weather: 'rain' } });
    expect(readLastImage('p', 'a')).toBeNull();
    expect(readLastImage('other', 'b')).toBeNull();
    sessionStorage.setItem('tandem.lastImage.p', '{broken');
    expect(readLastImage('p', 'b')).toBeNull();
  });

  it('copies what differs, puts back the default where the last image had none, and skips what does not fit', () => {
    const last = { taskId: 'a', name: 'a.jpg', values: { weather: 'rain', night: true, people: -3 } };
    expect(valuesToCopy(specs, last, {})).toEqual({ weather: 'rain', night: true });
    expect(valuesToCopy(specs, last, { weather: 'rain', people: 2 })).toEqual({ night: true, people: null });
    expect(valuesToCopy(specs, last, { weather: 'rain', night: true })).toEqual({});
    expect(valuesToCopy([], last, { weather: 'clear' })).toEqual({});
  });
});
