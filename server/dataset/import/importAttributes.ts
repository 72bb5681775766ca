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

/**
 * The image's own attribute values an import reads per task (CVAT's tags, Label Studio's
 * image-level choices), as the project defines them, or as the file does (`fileSpecs`) for a
 * project that defines none: `read` keeps the values of defined names (checked as the objects'
 * are) and notes the other names; `plan` gives what ImportPlan carries.
 */
export function imageAttributeReader(project: { settings?: { imageAttributes?: AttributeSpec[] } | null }, fileSpecs: AttributeSpec[] = []) {
  const own = project.settings?.imageAttributes ?? [];
  const newSpecs = !own.length && fileSpecs.length ? fileSpecs : undefined;
  const specs = newSpecs ?? own;
  const defined = new Set(specs.map((s) => s.name));
  const reader = attributeReader(new Map([['', specs]]));
  const byTask = new Map<string, Record<string, AttributeValue>>();
  const unknown = new Set<string>();
  return {
    /** Whether the image attributes read include one of this name. */
    defines: (name: string) => defined.has(name),
    read(taskId: string, given: Record<string, unknown>): void {
      for (const name of Object.keys(given)) if (!defined.has(name)) unknown.add(name);
      const values = reader.read(given, '');
      if (Object.keys(values).length) byTask.set(taskId, { ...byTask.get(taskId), ...values });
    },
    get invalid(): number {
      return reader.invalid;
    },
    plan: () => ({ imageAttributes: byTask, unknownImageAttributes: [...unknown], ...(newSpecs && { newImageAttributes: newSpecs }) }),
  };
}

/**
 * Attribute definitions made from the values a file holds, for the tools whose export carries
 * none (Label Studio, Kili), by owner (a label, or '' the image): `note` each value as its
 * control gives it; `specs` then defines a choice answered with several values at once as a
 * checkbox per value, one of only "true" / "false" as a checkbox, another as a choice of the
 * values seen (in the order seen), a text as text, a number as a number.
 */
export function specsFromValues() {
  type Seen = { kind: 'choice' | 'text' | 'number'; options: Set<string>; several: boolean };
  const seen = new Map<string, Map<string, Seen>>();
  return {
    note(owner: string, name: string, kind: Seen['kind'], values: readonly string[] = []): void {
      const byName = seen.get(owner) ?? seen.set(owner, new Map()).get(owner)!;
      const s = byName.get(name) ?? byName.set(name, { kind, options: new Set(), several: false }).get(name)!;
      for (const v of values) s.options.add(v);
      if (values.length > 1) s.several = true;
    },
    specs(): Map<string, AttributeSpec[]> {
      return new Map(
        [...seen].map(([owner, byName]) => [
          owner,
          [...byName].flatMap(([name, s]): AttributeSpec[] => {
            if (s.kind !== 'choice') return [{ name, type: s.kind }];
            const options = [...s.options];
            if (s.several) return options.map((o) => ({ name: o, type: 'checkbox' as const }));
            if (!options.length) return [];
            return options.every((o) => o === 'true' || o === 'false') ? [{ name, type: 'checkbox' }] : [{ name, type: 'select', options }];
          }),
        ]),
      );
    },
  };
}
