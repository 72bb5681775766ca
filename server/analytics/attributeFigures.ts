// The dataset's attribute balance: per label and attribute it defines, how many of the label's
// objects hold each value (as the editor shows it: an object that never set one has the default,
// counted apart as `unset` too) and on how many images. Class balance says how many cars a set
// has; this says how many of them are occluded, which a detector trained on it will feel. A value
// no object holds is listed with 0 (a select's option, a checkbox's state): what the set lacks.
import { defaultAttributeValue, isValidAttributeValue, mostFrequent, type AttributeSpec, type AttributeValue } from '../../shared/schema/attributes';
import type { AnnotationObject } from '../../shared/schema/annotation';

export interface AttributeValueFigures {
  label: string;
  attribute: string;
  value: AttributeValue;
  /** Objects of the label showing this value. */
  objects: number;
  /** Their share of the label's objects (null when it has none). */
  share: number | null;
  /** Images with at least one such object. */
  images: number;
  /** Of `objects`, those that never set it (the default shown). */
  unset: number;
}


export function attributeFigures(tasks: ReadonlyArray<{ taskId: string; objects: AnnotationObject[] }>, labels: ReadonlyArray<{ name: string; attributes?: AttributeSpec[] }>): AttributeValueFigures[] {
  const out: AttributeValueFigures[] = [];
  for (const { name: label, attributes } of labels) {
    if (!attributes?.length) continue;
    const objects = tasks.flatMap((t) => t.objects.filter((o) => o.label === label && o.mask).map((o) => ({ taskId: t.taskId, values: o.attributes ?? {} })));
    for (const spec of attributes) {
      const dflt = defaultAttributeValue(spec);
      const byValue = new Map<AttributeValue, { objects: number; unset: number; images: Set<string> }>();
      const entry = (v: AttributeValue) => byValue.get(v) ?? byValue.set(v, { objects: 0, unset: 0, images: new Set() }).get(v)!;
      // Every value a checkbox or select can take, so an option no object has shows as 0.
      for (const v of spec.type === 'checkbox' ? [true, false] : spec.type === 'select' ? spec.options : []) entry(v);
      for (const o of objects) {
        const given = o.values[spec.name];
        const set = isValidAttributeValue(spec, given);
        const e = entry(set ? given : dflt);
        e.objects++;
        if (!set) e.unset++;
        e.images.add(o.taskId);
      }
      const free = spec.type === 'text' || spec.type === 'number';
      const values = free ? mostFrequent([...byValue].map(([v, e]) => [v, e.objects])) : [...byValue.keys()];
      for (const value of values) {
        const e = byValue.get(value)!;
        out.push({ label, attribute: spec.name, value, objects: e.objects, share: objects.length ? e.objects / objects.length : null, images: e.images.size, unset: e.unset });
      }
    }
  }
  return out;
}
