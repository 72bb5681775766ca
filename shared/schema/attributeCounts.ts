/**
 * What a task's objects say in their attributes, counted per label (the task row's
 * `attributeCounts`, mirrored from the task room with the objects per label): how many of a
 * label's objects hold each value. The task list reads it to find "every image with an occluded
 * car" and the images where a required attribute is still unset, without opening any room.
 *
 * The counts are raw, not read through the project's definitions: `car → occluded → {"true": 2}`
 * (keys are the values as JSON, so `3` and `"3"` differ). The definitions are applied when the
 * list is read (`resolveCounts`), so marking an attribute required, or adding an option, needs no
 * task counted again. An attribute with more distinct values than MAX_VALUES (a free-text plate
 * number on every car), or a value longer than MAX_KEY, is counted under OTHER: set, value not said.
 */
import { z } from 'zod';
import { defaultAttributeValue, isValidAttributeValue, MAX_ATTRIBUTE_NAME, missingRequired, type AttributeSpec, type AttributeValue } from './attributes';

/** label → attribute name → value as JSON (or OTHER) → objects. */
export type AttributeCounts = Record<string, Record<string, Record<string, number>>>;

/** The key of values counted but not itemised. Not valid JSON, so no value's key. */
export const OTHER = '*';
/** Most values itemised per label and attribute (a select has at most 100 options). */
export const MAX_VALUES = 100;
/** Longest value key itemised. */
export const MAX_KEY = 200;
/** Most attribute names counted per label (a label defines at most 30). */
export const MAX_NAMES = 60;

const count = z.number().int().min(1).max(10_000_000);
export const AttributeCountsSchema = z
  .record(z.string().min(1).max(100), z.record(z.string().min(1).max(MAX_ATTRIBUTE_NAME), z.record(z.string().min(1).max(MAX_KEY), count)))
  .refine((r) => Object.keys(r).length <= 1000, 'at most 1000 labels')
  .refine((r) => Object.values(r).every((names) => Object.keys(names).length <= MAX_NAMES && Object.values(names).every((v) => Object.keys(v).length <= MAX_VALUES + 1)), 'too many attributes or values');

/** Adds objects one at a time; `result` is the counts (labels without attribute values left out). */
export class AttributeTally {
  private readonly out: AttributeCounts = {};

  add(label: string, attributes: Iterable<[string, unknown]>): void {
    for (const [name, value] of attributes) {
      if (!name || name.length > MAX_ATTRIBUTE_NAME) continue;
      if (typeof value !== 'boolean' && typeof value !== 'string' && !(typeof value === 'number' && Number.isFinite(value))) continue;
      const names = (this.out[label] ??= {});
      if (!names[name] && Object.keys(names).length >= MAX_NAMES) continue;
      const values = (names[name] ??= {});
      let key = JSON.stringify(value);
      // The OTHER slot is the 101st: itemised values stay at most MAX_VALUES.
      if (key.length > MAX_KEY || (!(key in values) && Object.keys(values).length - (OTHER in values ? 1 : 0) >= MAX_VALUES)) key = OTHER;
      values[key] = (values[key] ?? 0) + 1;
    }
  }

  result(): AttributeCounts {
    return this.out;
  }
}

/**
 * What the `n` objects of a label hold for one definition: objects per value as the editor
 * shows them (an object without a valid value shows the default), and how many have no valid
 * value (unset: what a required attribute still needs). Values counted under OTHER are set,
 * value not said: in `other`, in no value's count.
 */
export function resolveCounts(spec: AttributeSpec, byValue: Readonly<Record<string, number>> | undefined, n: number): { values: Map<AttributeValue, number>; unset: number; other: number } {
  const values = new Map<AttributeValue, number>();
  let valid = 0;
  for (const [key, c] of Object.entries(byValue ?? {})) {
    if (key === OTHER) continue;
    let v: unknown;
    try {
      v = JSON.parse(key);
    } catch {
      continue;
    }
    if (!isValidAttributeValue(spec, v)) continue;
    values.set(v, (values.get(v) ?? 0) + c);
    valid += c;
  }
  const other = Math.min(byValue?.[OTHER] ?? 0, Math.max(0, n - valid));
  const unset = Math.max(0, n - valid - other);
  if (unset) values.set(defaultAttributeValue(spec), (values.get(defaultAttributeValue(spec)) ?? 0) + unset);
  return { values, unset, other };
}

/** Required attributes still unset on a task: the image's, and per label how many objects lack each. */
export interface RowMissing {
  image: string[];
  objects: Array<{ name: string; label: string; n: number }>;
}

/**
 * What a task row says is still unset of what the project requires. Null while the row was not
 * mirrored with attribute counts (a task from before them, until the start's count reaches it).
 */
export function missingOnRow(
  row: { labelCounts: Record<string, number> | null; attributeCounts?: AttributeCounts | null; imageAttributes: Record<string, AttributeValue> | null },
  attributesOf: (label: string) => readonly AttributeSpec[] | undefined,
  imageSpecs: readonly AttributeSpec[],
): RowMissing | null {
  if (!row.labelCounts || !row.attributeCounts) return null;
  const out: RowMissing = { image: missingRequired(imageSpecs, row.imageAttributes ?? {}), objects: [] };
  for (const [label, n] of Object.entries(row.labelCounts)) {
    for (const spec of attributesOf(label) ?? []) {
      if (!spec.required) continue;
      const { unset } = resolveCounts(spec, row.attributeCounts[label]?.[spec.name], n);
      if (unset) out.objects.push({ name: spec.name, label, n: unset });
    }
  }
  return out;
}

/** How many values are unset: each of the image's, and each object's per attribute. */
export function unsetCount(m: RowMissing | null): number {
  return m ? m.image.length + m.objects.reduce((s, o) => s + o.n, 0) : 0;
}

/** "weather (the image); occluded on 2 cars, colour on 1 bus", or '' when nothing is missing. */
export function describeRowMissing(m: RowMissing): string {
  const parts: string[] = [];
  if (m.image.length) parts.push(`${m.image.join(', ')} (the image)`);
  const objectParts = m.objects.map(({ name, label, n }) => `${name} on ${n} ${plural(label, n)}`);
  if (objectParts.length) parts.push(objectParts.join(', '));
  return parts.join('; ');
}

/** "1 car", "2 cars", "2 buses": a label counted. */
export function plural(label: string, n: number): string {
  return n === 1 ? label : label.endsWith('s') ? `${label}es` : `${label}s`;
}
