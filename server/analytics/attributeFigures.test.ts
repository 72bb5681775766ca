import { describe, expect, it } from 'vitest';
import { encodeRle } from '../../shared/codecs/rle';
import type { AnnotationObject } from '../../shared/schema/annotation';
import type { AttributeSpec } from '../../shared/schema/attributes';
import type { ObjectId } from '../../shared/schema/ids';
import { analyticsCsv } from './analyticsCsv';
import { attributeFigures } from './attributeFigures';
import { computeAnalytics } from './computeAnalytics';

const mask = encodeRle(Uint8Array.from([1, 1, 0, 0]), 2, 2);
function obj(id: string, label: string, attributes: AnnotationObject['attributes'], over: Partial<AnnotationObject> = {}): AnnotationObject {
  return { id: id as ObjectId, label, mask, clicks: [], createdBy: 'ana', createdAt: 1, updatedBy: 'ana', updatedAt: 1, source: 'model', attributes, ...over };
}

const occluded: AttributeSpec = { name: 'occluded', type: 'checkbox' };
const colour: AttributeSpec = { name: 'colour', type: 'select', options: ['red', 'blue', 'green'], default: 'blue' };
const plate: AttributeSpec = { name: 'plate', type: 'text' };
const labels = [{ name: 'car', attributes: [occluded, colour, plate] }, { name: 'person' }];

describe('attribute balance', () => {
  const tasks = [
    { taskId: 't1', objects: [obj('a', 'car', { occluded: true, colour: 'red', plate: 'AB-1' }), obj('b', 'car', {}), obj('p', 'person', {})] },
    { taskId: 't2', objects: [obj('c', 'car', { occluded: false, colour: 'purple' }), obj('d', 'car', { occluded: true }, { mask: null })] }, // d is being drawn: no mask
  ];
  const rows = attributeFigures(tasks, labels);
  const row = (attribute: string, value: unknown) => rows.find((r) => r.attribute === attribute && r.value === value);

  it("counts each value as the editor shows it, never set as the default (and unset), with the share of the label's objects and the images", () => {
    expect(row('occluded', true)).toEqual({ label: 'car', attribute: 'occluded', value: true, objects: 1, share: 1 / 3, images: 1, unset: 0 });
    expect(row('occluded', false)).toMatchObject({ objects: 2, images: 2, unset: 1 }); // b never set it, c set it false
    // c's "purple" is no option: it shows the default, blue, and counts as unset.
    expect(rows.filter((r) => r.attribute === 'colour').map((r) => [r.value, r.objects, r.unset])).toEqual([['red', 1, 0], ['blue', 2, 2], ['green', 0, 0]]);
    expect(rows.filter((r) => r.attribute === 'plate').map((r) => [r.value, r.objects])).toEqual([['', 2], ['AB-1', 1]]);
    expect(rows.some((r) => r.label === 'person')).toBe(false); // no attributes defined
  });

  it('is part of the analytics, as JSON and as CSV', () => {
    const a = computeAnalytics(tasks.map((t) => ({ ...t, taskName: `${t.taskId}.jpg`, versions: new Map(), verdicts: new Map() })), new Map(), labels);
    expect(a.attributes).toEqual(rows);
    const csv = analyticsCsv(a, 'attributes').trimEnd().split('\r\n');
    expect(csv[0]).toBe('label,attribute,value,objects,share,images,unset');
    expect(csv).toContain('car,occluded,true,1,0.3333,1,0');
    expect(csv).toContain('car,colour,green,0,0,0,0'); // an option no car has: what the set lacks
  });
});
