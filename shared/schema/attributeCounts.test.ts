// A task row's attribute counts: tallied from objects' raw values, read back through the project's
// definitions as the editor shows them (unset reads as the default), and what a required attribute
// still lacks per label.
import { describe, expect, it } from 'vitest';
import { AttributeCountsSchema, AttributeTally, describeRowMissing, MAX_VALUES, missingOnRow, OTHER, resolveCounts, unsetCount } from './attributeCounts';
import type { AttributeSpec } from './attributes';

const occluded: AttributeSpec = { name: 'occluded', type: 'checkbox', required: true };
const colour: AttributeSpec = { name: 'colour', type: 'select', options: ['red', 'blue'], default: 'blue' };
const plate: AttributeSpec = { name: 'plate', type: 'text', required: true };
const doors: AttributeSpec = { name: 'doors', type: 'number', min: 2, max: 5 };

describe('attribute counts', () => {
  it('tallies values per label as JSON keys, skipping what is no attribute value', () => {
    const t = new AttributeTally();
    t.add('car', Object.entries({ occluded: true, colour: 'red', doors: 3 }));
    t.add('car', Object.entries({ occluded: true, doors: '3', junk: { a: 1 }, nan: Number.NaN }));
    t.add('bus', []);
    expect(t.result()).toEqual({ car: { occluded: { true: 2 }, colour: { '"red"': 1 }, doors: { 3: 1, '"3"': 1 } } });
    expect(AttributeCountsSchema.safeParse(t.result()).success).toBe(true);
  });

  it('counts past the itemised values, and values too long to be keys, as other', () => {
    const t = new AttributeTally();
    for (let i = 0; i < MAX_VALUES + 5; i++) t.add('car', [['plate', `AB-${i}`]]);
    t.add('car', [['plate', 'x'.repeat(500)]]);
    t.add('car', [['plate', 'AB-0']]); // itemised already: still its own
    const plates = t.result().car.plate;
    expect(Object.keys(plates).filter((k) => k !== OTHER)).toHaveLength(MAX_VALUES);
    expect([plates[OTHER], plates['"AB-0"']]).toEqual([6, 2]);
    expect(AttributeCountsSchema.safeParse(t.result()).success).toBe(true);
  });

  it('reads counts through a definition: invalid and unset values show the default', () => {
    // 5 cars: 2 red, 1 "green" (no longer an option), 1 with a number, 1 never set.
    const r = resolveCounts(colour, { '"red"': 2, '"green"': 1, 4: 1 }, 5);
    expect([...r.values]).toEqual([['red', 2], ['blue', 3]]);
    expect(r.unset).toBe(3);
    expect(resolveCounts(occluded, { true: 1, false: 2 }, 3)).toMatchObject({ unset: 0, values: new Map([[true, 1], [false, 2]]) });
    // Out of range reads as unset; values counted as other are set, value not said.
    expect(resolveCounts(doors, { 3: 2, 9: 1 }, 4)).toMatchObject({ unset: 2, other: 0 });
    expect(resolveCounts(plate, { '"AB-1"': 1, [OTHER]: 3 }, 5)).toMatchObject({ unset: 1, other: 3, values: new Map([['AB-1', 1], ['', 1]]) });
    // A row with no counts for the label: every object shows the default.
    expect([...resolveCounts(occluded, undefined, 2).values]).toEqual([[false, 2]]);
  });

  it("says what a row leaves unset of what the project requires, the image's and per label", () => {
    const specs: Record<string, AttributeSpec[]> = { car: [occluded, colour, plate], person: [{ ...occluded }] };
    const imageSpecs: AttributeSpec[] = [{ name: 'weather', type: 'select', options: ['clear', 'rain'], required: true }, { name: 'night', type: 'checkbox', required: true }];
    const row = {
      labelCounts: { car: 3, person: 1, bus: 2 },
      attributeCounts: { car: { occluded: { true: 1, false: 1 }, plate: { '"AB-1"': 3 } }, person: { occluded: { false: 1 } } },
      imageAttributes: { night: false },
    };
    const m = missingOnRow(row, (l) => specs[l], imageSpecs);
    expect(m).toEqual({ image: ['weather'], objects: [{ name: 'occluded', label: 'car', n: 1 }] });
    expect(unsetCount(m)).toBe(2);
    expect(describeRowMissing(m!)).toBe('weather (the image); occluded on 1 car');
    expect(describeRowMissing({ image: [], objects: [{ name: 'occluded', label: 'bus', n: 2 }, { name: 'plate', label: 'car', n: 3 }] })).toBe('occluded on 2 buses, plate on 3 cars');
    // Nothing left: an empty answer; not mirrored yet: none at all.
    expect(missingOnRow({ ...row, imageAttributes: { weather: 'rain', night: true }, labelCounts: { person: 1 } }, (l) => specs[l], imageSpecs)).toEqual({ image: [], objects: [] });
    expect(missingOnRow({ ...row, attributeCounts: null }, (l) => specs[l], imageSpecs)).toBeNull();
    expect(unsetCount(null)).toBe(0);
  });
});
