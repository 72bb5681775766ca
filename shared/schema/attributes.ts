/**
 * Per-label attributes (CVAT's and Label Studio's "attributes" / "per-region choices"): a project
 * label may define attributes (`occluded` checkbox, `colour` select, `plate` text, `count`
 * number) that every object of that label carries. The definitions live in the project's label
 * list; the values live on the object, key `attributes` of the task document (a `Y.Map` of
 * attribute name → value, so two people setting different attributes of one object both win).
 *
 * A value is read through its label's definition: a missing or invalid value (the label changed,
 * the definition changed, a remote client wrote garbage) reads as the definition's default, and
 * values for names the label does not define are kept in the document but not shown or exported,
 * so changing an object's label back brings its values back.
 */
import { z } from 'zod';

/** Longest attribute name and text value we accept. */
export const MAX_ATTRIBUTE_NAME = 60;
export const MAX_ATTRIBUTE_TEXT = 1000;
/** Most attributes per label and options per select. */
export const MAX_ATTRIBUTES = 30;
export const MAX_OPTIONS = 100;

/** Names the COCO export already uses in an annotation's `attributes`. */
export const RESERVED_ATTRIBUTE_NAMES = ['tandem_object_id', 'source', 'created_by', 'updated_by'] as const;

const name = z
  .string()
  .trim()
  .min(1)
  .max(MAX_ATTRIBUTE_NAME)
  .refine((n) => !(RESERVED_ATTRIBUTE_NAMES as readonly string[]).includes(n), 'this attribute name is reserved by the COCO export');

/** `required`: someone must set it (any value, the default too) before the task goes to review. */
const required = z.boolean().optional();
const CheckboxSpec = z.object({ name, type: z.literal('checkbox'), default: z.boolean().optional(), required });
const TextSpec = z.object({ name, type: z.literal('text'), default: z.string().max(MAX_ATTRIBUTE_TEXT).optional(), required });
const SelectSpec = z
  .object({
    name,
    type: z.literal('select'),
    options: z.array(z.string().trim().min(1).max(MAX_ATTRIBUTE_TEXT)).min(1).max(MAX_OPTIONS),
    default: z.string().optional(),
    required,
  })
  .refine((s) => new Set(s.options).size === s.options.length, 'select options must be unique')
  .refine((s) => s.default === undefined || s.options.includes(s.default), 'the default must be one of the options');
const NumberSpec = z
  .object({
    name,
    type: z.literal('number'),
    min: z.number().finite().optional(),
    max: z.number().finite().optional(),
    step: z.number().finite().positive().optional(),
    default: z.number().finite().optional(),
    required,
  })
  .refine((s) => s.min === undefined || s.max === undefined || s.min <= s.max, 'min must not exceed max')
  .refine((s) => s.default === undefined || inRange(s, s.default), 'the default must lie within min and max');

/** One attribute definition of a label. */
export const AttributeSpecSchema = z.discriminatedUnion('type', [CheckboxSpec, TextSpec, SelectSpec, NumberSpec]);
export type AttributeSpec = z.infer<typeof AttributeSpecSchema>;
export type AttributeType = AttributeSpec['type'];

/** A label's attribute list: unique names. */
export const AttributeSpecListSchema = z
  .array(AttributeSpecSchema)
  .max(MAX_ATTRIBUTES)
  .refine((as) => new Set(as.map((a) => a.name)).size === as.length, 'attribute names must be unique within a label');

/** What an attribute value may be in the document. */
export type AttributeValue = boolean | string | number;

/** Attribute values by name, as the document, history, clipboard and API carry them. */
export const AttributeValuesSchema = z.record(z.string(), z.union([z.boolean(), z.string(), z.number()]));

function inRange(s: { min?: number; max?: number }, v: number): boolean {
  return (s.min === undefined || v >= s.min) && (s.max === undefined || v <= s.max);
}

/** True when `v` is a value `spec` accepts. */
export function isValidAttributeValue(spec: AttributeSpec, v: unknown): v is AttributeValue {
  switch (spec.type) {
    case 'checkbox':
      return typeof v === 'boolean';
    case 'text':
      return typeof v === 'string' && v.length <= MAX_ATTRIBUTE_TEXT;
    case 'select':
      return typeof v === 'string' && spec.options.includes(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) && inRange(spec, v);
  }
}

/** The value an object has before anyone sets one. */
export function defaultAttributeValue(spec: AttributeSpec): AttributeValue {
  switch (spec.type) {
    case 'checkbox':
      return spec.default ?? false;
    case 'text':
      return spec.default ?? '';
    case 'select':
      return spec.default ?? spec.options[0];
    case 'number':
      // 0, or the nearest bound when 0 lies outside them.
      return spec.default ?? Math.min(Math.max(0, spec.min ?? -Infinity), spec.max ?? Infinity);
  }
}

/**
 * The object's attributes as its label defines them, in the definition's order: the stored value
 * where it is valid for the definition, else the default.
 */
export function resolveAttributes(specs: readonly AttributeSpec[] | undefined, stored: Readonly<Record<string, unknown>> | undefined): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const s of specs ?? []) {
    const v = stored?.[s.name];
    out[s.name] = isValidAttributeValue(s, v) ? v : defaultAttributeValue(s);
  }
  return out;
}

/**
 * The value a key press steps to (Alt+1..9 in the editor): a checkbox flips, a choice moves to its
 * next option (a required one not chosen yet takes the first, as its field shows none). Text and
 * number values are typed, not stepped: their value stays.
 */
export function nextAttributeValue(spec: AttributeSpec, stored: Readonly<Record<string, unknown>> | undefined): AttributeValue {
  const now = resolveAttributes([spec], stored)[spec.name];
  if (spec.type === 'checkbox') return !now;
  if (spec.type !== 'select') return now;
  if (spec.required && !isValidAttributeValue(spec, stored?.[spec.name])) return spec.options[0];
  return spec.options[(spec.options.indexOf(now as string) + 1) % spec.options.length];
}

/** The required attributes (in definition order) that `stored` has no valid value of. */
export function missingRequired(specs: readonly AttributeSpec[] | undefined, stored: Readonly<Record<string, unknown>> | undefined): string[] {
  return (specs ?? []).filter((s) => s.required && !isValidAttributeValue(s, stored?.[s.name])).map((s) => s.name);
}

/**
 * A value typed by a person or read from a file, converted to what `spec` stores: booleans from
 * `true`/`false`/`1`/`0`, numbers from numeric strings. Null when it cannot be.
 */
export function coerceAttributeValue(spec: AttributeSpec, v: unknown): AttributeValue | null {
  let c: unknown = v;
  if (spec.type === 'checkbox' && typeof v === 'string') c = v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : v;
  if (spec.type === 'checkbox' && typeof v === 'number') c = v === 1 ? true : v === 0 ? false : v;
  if (spec.type === 'number' && typeof v === 'string' && v.trim() !== '') c = Number(v);
  if ((spec.type === 'text' || spec.type === 'select') && typeof v === 'number') c = String(v);
  return isValidAttributeValue(spec, c) ? c : null;
}

/** Most values of a text or number attribute a list offers or reports (the most frequent). */
export const MAX_FREE_VALUES = 20;

/**
 * The `n` most frequent of counted values (a text or number attribute's, which has no option
 * list), most frequent first, ties by their text; the task list's choices and the analytics'
 * attribute balance list these.
 */
export function mostFrequent<V extends AttributeValue>(counts: Iterable<[V, number]>, n = MAX_FREE_VALUES): V[] {
  return [...counts]
    .sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0])))
    .slice(0, n)
    .map(([v]) => v);
}
