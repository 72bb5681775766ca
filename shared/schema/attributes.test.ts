import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { LabelListSchema } from '../protocol/http';
import { createObject, ensureAttributeMaps, initTaskDoc, objectsMap, readObject, setAttributes, setLabel } from './annotation';
import { AttributeSpecListSchema, coerceAttributeValue, missingRequired, nextAttributeValue, resolveAttributes, type AttributeSpec } from './attributes';
import type { ObjectId } from './ids';
import { isCurrentVersion } from './versionState';

const specs: AttributeSpec[] = [
  { name: 'occluded', type: 'checkbox' },
  { name: 'colour', type: 'select', options: ['red', 'blue'], default: 'blue' },
  { name: 'plate', type: 'text' },
  { name: 'doors', type: 'number', min: 2, max: 5 },
];

function taskDoc(clientID?: number): Y.Doc {
  const doc = new Y.Doc();
  if (clientID !== undefined) doc.clientID = clientID;
  initTaskDoc(doc, { taskId: 't1', width: 4, height: 4 });
  return doc;
}

describe('attribute definitions', () => {
  it('accepts the four kinds and refuses what a form could get wrong', () => {
    expect(AttributeSpecListSchema.safeParse(specs).success).toBe(true);
    const bad: unknown[] = [
      [{ name: 'a', type: 'checkbox' }, { name: 'a', type: 'text' }], // duplicate names
      [{ name: 'tandem_object_id', type: 'text' }], // the COCO export's own key
      [{ name: 'c', type: 'select', options: [] }],
      [{ name: 'c', type: 'select', options: ['x', 'x'] }],
      [{ name: 'c', type: 'select', options: ['x'], default: 'y' }],
      [{ name: 'n', type: 'number', min: 5, max: 2 }],
      [{ name: 'n', type: 'number', min: 0, max: 2, default: 3 }],
      [{ name: ' ', type: 'checkbox' }],
      [{ name: 'x', type: 'colour' }],
    ];
    for (const b of bad) expect(AttributeSpecListSchema.safeParse(b).success, JSON.stringify(b)).toBe(false);
  });

  it('rides on the label list of the API, and a label without attributes is still valid', () => {
    const parsed = LabelListSchema.parse([{ name: 'car', color: '#ff0000', attributes: specs }, { name: 'tree', color: '#00ff00' }]);
    expect(parsed[0].attributes?.map((a) => a.name)).toEqual(['occluded', 'colour', 'plate', 'doors']);
    expect(parsed[1].attributes).toBeUndefined();
    expect(LabelListSchema.safeParse([{ name: 'car', color: '#ff0000', attributes: [{ name: 'n', type: 'number', min: 3, max: 1 }] }]).success).toBe(false);
  });

  it('reads stored values through the definition: defaults for missing or unfit values, unknown names left out', () => {
    expect(resolveAttributes(specs, undefined)).toEqual({ occluded: false, colour: 'blue', plate: '', doors: 2 });
    expect(resolveAttributes(specs, { occluded: true, colour: 'green', plate: 'AB-12', doors: 9, wheels: 4 })).toEqual({
      occluded: true,
      colour: 'blue',
      plate: 'AB-12',
      doors: 2,
    });
    expect(resolveAttributes([{ name: 'n', type: 'number', max: -3 }], {})).toEqual({ n: -3 });
    expect(resolveAttributes(undefined, { occluded: true })).toEqual({});
  });

  it('converts typed and imported values to the stored type, and refuses what does not fit', () => {
    const [occluded, colour, plate, doors] = specs;
    expect(coerceAttributeValue(occluded, 'true')).toBe(true);
    expect(coerceAttributeValue(occluded, 0)).toBe(false);
    expect(coerceAttributeValue(occluded, 'yes')).toBeNull();
    expect(coerceAttributeValue(colour, 'red')).toBe('red');
    expect(coerceAttributeValue(colour, 'green')).toBeNull();
    expect(coerceAttributeValue(plate, 12)).toBe('12');
    expect(coerceAttributeValue(doors, '4')).toBe(4);
    expect(coerceAttributeValue(doors, '')).toBeNull();
    expect(coerceAttributeValue(doors, '7')).toBeNull();
  });
});

describe('attribute values in the task document', () => {
  it('are set per name, kept across label changes, and removed with null', () => {
    const doc = taskDoc();
    const id = createObject(doc, { label: 'car', by: 'u1', attributes: { occluded: true } });
    setAttributes(doc, id, { colour: 'red', doors: 4 }, 'u2');
    expect(readObject(doc, id)?.attributes).toEqual({ occluded: true, colour: 'red', doors: 4 });
    expect(readObject(doc, id)?.updatedBy).toBe('u2');
    setLabel(doc, id, 'tree', 'u2');
    setLabel(doc, id, 'car', 'u2');
    expect(readObject(doc, id)?.attributes).toEqual({ occluded: true, colour: 'red', doors: 4 });
    setAttributes(doc, id, { occluded: null }, 'u1');
    expect(resolveAttributes(specs, readObject(doc, id)?.attributes).occluded).toBe(false);
    expect(() => setAttributes(doc, id, { doors: Number.NaN }, 'u1')).toThrow(/invalid value/);
    expect(() => setAttributes(doc, 'nope' as ObjectId, { doors: 3 }, 'u1')).toThrow(/not found/);
  });

  it('merge when two people set different attributes of one object at the same time', () => {
    const a = taskDoc(1);
    const b = taskDoc(2);
    const id = createObject(a, { label: 'car', by: 'u1' });
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    setAttributes(a, id, { occluded: true }, 'u1'); // offline from each other
    setAttributes(b, id, { colour: 'red' }, 'u2');
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    expect(readObject(a, id)?.attributes).toEqual({ occluded: true, colour: 'red' });
    expect(readObject(b, id)?.attributes).toEqual({ occluded: true, colour: 'red' });
  });

  it("drop a peer's garbage entry, not the object", () => {
    const doc = taskDoc();
    const id = createObject(doc, { label: 'car', by: 'u1', attributes: { plate: 'X1' } });
    const raw = objectsMap(doc).get(id)!.get('attributes') as Y.Map<unknown>;
    doc.transact(() => {
      raw.set('weird', { nested: true });
      raw.set('nan', Number.NaN);
    });
    expect(readObject(doc, id)?.attributes).toEqual({ plate: 'X1' });
    doc.transact(() => objectsMap(doc).get(id)!.set('attributes', 'not a map'));
    expect(readObject(doc, id)?.label).toBe('car');
    expect(readObject(doc, id)?.attributes).toBeUndefined();
  });

  it('make a new version when only an attribute changed', () => {
    const version = { kind: 'mask', label: 'car', mask: null, clicks: [], attributes: { colour: 'red', occluded: true } };
    expect(isCurrentVersion(version, { label: 'car', mask: null, clicks: [], attributes: { occluded: true, colour: 'red' } })).toBe(true);
    expect(isCurrentVersion(version, { label: 'car', mask: null, clicks: [], attributes: { occluded: false, colour: 'red' } })).toBe(false);
  });
});

describe('objects made before attributes existed', () => {
  it('get their attribute map from ensureAttributeMaps, once', () => {
    const doc = taskDoc();
    const id = createObject(doc, { label: 'car', by: 'u1' });
    doc.transact(() => objectsMap(doc).get(id)!.delete('attributes')); // as an older build wrote it
    let updates = 0;
    doc.on('update', () => updates++);
    ensureAttributeMaps(doc);
    ensureAttributeMaps(doc);
    expect(updates).toBe(1);
    expect(objectsMap(doc).get(id)!.get('attributes')).toBeInstanceOf(Y.Map);
  });
});

describe('stepping a value from the keyboard, and what is required', () => {
  const weather: AttributeSpec = { name: 'weather', type: 'select', options: ['clear', 'rain', 'snow'], default: 'rain' };
  const night: AttributeSpec = { name: 'night', type: 'checkbox' };
  it('flips a checkbox, moves a choice to its next option (from the default when unset), and leaves typed values', () => {
    expect(nextAttributeValue(night, {})).toBe(true);
    expect(nextAttributeValue(night, { night: true })).toBe(false);
    expect(nextAttributeValue(weather, {})).toBe('snow');
    expect(nextAttributeValue(weather, { weather: 'snow' })).toBe('clear');
    expect(nextAttributeValue({ name: 'n', type: 'number', min: 2 }, { n: 4 })).toBe(4);
  });
  it('takes the first option of a required choice not made yet; a required value is missing until a valid one is stored', () => {
    const required = { ...weather, required: true };
    expect(nextAttributeValue(required, {})).toBe('clear');
    expect(nextAttributeValue(required, { weather: 'fog' })).toBe('clear');
    expect(nextAttributeValue(required, { weather: 'clear' })).toBe('rain');
    expect(missingRequired([required, night, { ...night, name: 'day', required: true }], { weather: 'fog', day: false })).toEqual(['weather']);
  });
});
