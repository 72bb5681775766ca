// What the project requires set before a task goes to review (attribute definitions marked
// `required`): the image's own, and each object's as its label defines them. The editor's submit
// says what is missing and stops there, instead of a reviewer finding it later.
import { missingRequired, type AttributeSpec, type AttributeValue } from '../../../shared/schema/attributes';
import { describeRowMissing } from '../../../shared/schema/attributeCounts';

export interface MissingRequired {
  /** The image's required attributes not set. */
  image: string[];
  /** Objects with required attributes not set, in list order. */
  objects: Array<{ id: string; label: string; names: string[] }>;
}

export function missingOnTask(
  imageSpecs: readonly AttributeSpec[],
  imageValues: Readonly<Record<string, AttributeValue>>,
  objects: ReadonlyArray<{ id: string; label: string; attributes?: Readonly<Record<string, AttributeValue>> }>,
  attributesOf: (label: string) => readonly AttributeSpec[],
): MissingRequired {
  const out: MissingRequired = { image: missingRequired(imageSpecs, imageValues), objects: [] };
  for (const o of objects) {
    const names = missingRequired(attributesOf(o.label), o.attributes);
    if (names.length) out.objects.push({ id: o.id, label: o.label, names });
  }
  return out;
}

/** "weather (the image); occluded on 2 cars, colour on 1 bus", or '' when nothing is missing. */
export function describeMissing(m: MissingRequired): string {
  // Per attribute and label: how many of its objects lack it.
  const counts = new Map<string, { name: string; label: string; n: number }>();
  for (const o of m.objects) {
    for (const name of o.names) {
      const key = `${name}\u0000${o.label}`;
      const c = counts.get(key) ?? counts.set(key, { name, label: o.label, n: 0 }).get(key)!;
      c.n++;
    }
  }
  return describeRowMissing({ image: m.image, objects: [...counts.values()] });
}
