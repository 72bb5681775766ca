// Attribute values an import reads (COCO's `attributes`, the masks' masks.csv column), checked
// against the label's definitions: a value that fits is kept, one that does not is counted (the
// report's `invalidAttributes`) and left at the default; names the label does not define are
// ignored.
import { coerceAttributeValue, type AttributeSpec, type AttributeValue } from '../../../shared/schema/attributes';

export function attributeReader(specs: ReadonlyMap<string, AttributeSpec[]>) {
  let invalid = 0;
  return {
    read(given: unknown, label: string): Record<string, AttributeValue> {
      const out: Record<string, AttributeValue> = {};
      if (!given || typeof given !== 'object') return out;
      for (const spec of specs.get(label) ?? []) {
        if (!(spec.name in given)) continue;
        const v = coerceAttributeValue(spec, (given as Record<string, unknown>)[spec.name]);
        if (v === null) invalid++;
        else out[spec.name] = v;
      }
      return out;
    },
    /** How many values did not fit their definition so far. */
    get invalid(): number {
      return invalid;
    },
  };
}
