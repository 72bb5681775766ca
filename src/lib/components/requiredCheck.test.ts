import { describe, expect, it } from 'vitest';
import type { AttributeSpec, AttributeValue } from '../../../shared/schema/attributes';
import { describeMissing, missingOnTask } from './requiredCheck';

const image: AttributeSpec[] = [
  { name: 'weather', type: 'select', options: ['clear', 'rain'], required: true },
  { name: 'note', type: 'text' },
];
const car: AttributeSpec[] = [
  { name: 'occluded', type: 'checkbox', required: true },
  { name: 'doors', type: 'number', min: 2, max: 5, required: true },
];
const attributesOf = (label: string) => (label === 'car' ? car : []);

describe('required attributes before review', () => {
  it('lists what the image and each object still lack; a value set (the default too) counts, one that does not fit does not', () => {
    const objects: Array<{ id: string; label: string; attributes?: Record<string, AttributeValue> }> = [
      { id: 'a', label: 'car', attributes: { occluded: false, doors: 4 } },
      { id: 'b', label: 'car', attributes: { doors: 9 } },
      { id: 'c', label: 'car' },
      { id: 'd', label: 'tree' },
    ];
    const m = missingOnTask(image, {}, objects, attributesOf);
    expect(m).toEqual({ image: ['weather'], objects: [{ id: 'b', label: 'car', names: ['occluded', 'doors'] }, { id: 'c', label: 'car', names: ['occluded', 'doors'] }] });
    expect(describeMissing(m)).toBe('weather (the image); occluded on 2 cars, doors on 2 cars');
    const done = missingOnTask(image, { weather: 'clear' }, [objects[0], objects[3]], attributesOf);
    expect(done).toEqual({ image: [], objects: [] });
    expect(describeMissing(done)).toBe('');
  });

  it('asks nothing of a project whose definitions require nothing', () => {
    const loose = (specs: AttributeSpec[]) => specs.map((s) => ({ ...s, required: false }));
    expect(missingOnTask(loose(image), {}, [{ id: 'c', label: 'car' }], (l) => loose(attributesOf(l)))).toEqual({ image: [], objects: [] });
  });
});
