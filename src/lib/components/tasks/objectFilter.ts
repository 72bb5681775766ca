// The task list's choices on the objects' own attributes ("every image with an occluded car",
// "car · colour: red"), beside the label and image choices, from the row's `attributeCounts`
// (mirrored from each task room). A choice carries its label's definition, so it is matched the
// way the editor shows the value (an object that never set it has the default) without the
// project at hand.
import { mostFrequent, type AttributeSpec, type AttributeValue } from '../../../../shared/schema/attributes';
import { resolveCounts } from '../../../../shared/schema/attributeCounts';
import type { TaskSummary } from '../../sync/api';
import { choiceParser } from './choiceParser';

/** Prefix of a choice on an object attribute; JSON `[label, spec, value]` follows. */
export const OBJECT = '\u0000object:';


type Parsed = [string, AttributeSpec, AttributeValue];

const parse = choiceParser<Parsed>(OBJECT, (p) => Array.isArray(p) && p.length === 3 && typeof p[0] === 'string' && typeof (p[1] as { name?: unknown } | null)?.name === 'string');

export function objectChoice(label: string, spec: AttributeSpec, value: AttributeValue): string {
  return OBJECT + JSON.stringify([label, spec, value]);
}

/** "car: occluded", "car: not occluded", "car · colour: red". */
export function describeObjectChoice(choice: string): string {
  const p = parse(choice);
  if (!p) return 'an object attribute';
  const [label, spec, value] = p;
  return typeof value === 'boolean' ? `${label}: ${value ? '' : 'not '}${spec.name}` : `${label} · ${spec.name}: ${value}`;
}

/** How many of the task's objects of `label` show `value` for `spec`; null while not mirrored. */
function objectsWith(t: TaskSummary, label: string, spec: AttributeSpec, value: AttributeValue): number | null {
  if (!t.labelCounts || !t.attributeCounts) return null;
  const n = t.labelCounts[label] ?? 0;
  if (!n) return 0;
  return resolveCounts(spec, t.attributeCounts[label]?.[spec.name], n).values.get(value) ?? 0;
}

/** Whether some object of the task has the choice's value (a task not mirrored yet matches none). */
export function matchesObject(t: TaskSummary, choice: string): boolean {
  const p = parse(choice);
  return !!p && (objectsWith(t, ...p) ?? 0) > 0;
}

/**
 * Per label with attributes, a choice per checkbox state and per option of a select, and per value
 * of a text or number attribute that objects have (the most frequent, at most 20; the empty text is
 * none), each with how many tasks have such an object.
 */
export function objectChoices(tasks: readonly TaskSummary[], labels: ReadonlyArray<{ name: string; attributes?: AttributeSpec[] }>): Array<{ value: string; text: string; group: 'object' }> {
  const out: Array<{ value: string; text: string; group: 'object' }> = [];
  for (const { name: label, attributes } of labels) {
    for (const spec of attributes ?? []) {
      // Tasks per value (each task once per value), from every task's resolved counts.
      const tasksWith = new Map<AttributeValue, number>();
      for (const t of tasks) {
        const n = t.labelCounts?.[label];
        if (!n || !t.attributeCounts) continue;
        for (const [v, c] of resolveCounts(spec, t.attributeCounts[label]?.[spec.name], n).values) if (c > 0) tasksWith.set(v, (tasksWith.get(v) ?? 0) + 1);
      }
      const values: AttributeValue[] =
        spec.type === 'checkbox'
          ? [true, false]
          : spec.type === 'select'
            ? spec.options
            : mostFrequent([...tasksWith].filter(([v]) => v !== ''));
      for (const v of values) {
        const value = objectChoice(label, spec, v);
        out.push({ value, text: `${describeObjectChoice(value)} (${tasksWith.get(v) ?? 0})`, group: 'object' });
      }
    }
  }
  return out;
}
