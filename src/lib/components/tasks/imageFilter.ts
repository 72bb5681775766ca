// The task list's choices for the image's own attributes ("every night image", "weather: rain"),
// beside the label choices of labelFilter.ts, from the row's `imageAttributes` (mirrored from each
// task room). A choice carries the attribute's default, so it matches an image that never set it
// without the project's definitions at hand (the editor's list scope has none).
import type { AttributeSpec, AttributeValue } from '../../../../shared/schema/attributes';
import { defaultAttributeValue, isValidAttributeValue, mostFrequent } from '../../../../shared/schema/attributes';
import type { TaskSummary } from '../../sync/api';
import { choiceParser } from './choiceParser';

/** Prefix of a choice on an image attribute; JSON `[name, value, default]` follows. */
export const IMAGE = '\u0000image:';


type Parsed = [string, AttributeValue, AttributeValue];

const parse = choiceParser<Parsed>(IMAGE, (p) => Array.isArray(p) && p.length === 3 && typeof p[0] === 'string');

/** The values of a free attribute the images have, the most frequent first. */
function valuesFound(tasks: readonly TaskSummary[], name: string): AttributeValue[] {
  const seen = new Map<AttributeValue, number>();
  for (const t of tasks) {
    const v = t.imageAttributes?.[name];
    if (v !== undefined && v !== '') seen.set(v, (seen.get(v) ?? 0) + 1);
  }
  return mostFrequent(seen);
}

export function imageChoice(name: string, value: AttributeValue, dflt: AttributeValue): string {
  return IMAGE + JSON.stringify([name, value, dflt]);
}

/** "night", "not night", "weather: rain". */
export function describeImageChoice(choice: string): string {
  const p = parse(choice);
  if (!p) return 'an image attribute';
  const [name, value] = p;
  return typeof value === 'boolean' ? (value ? name : `not ${name}`) : `${name}: ${value}`;
}

/** Whether the task's image has the choice's value (a task not mirrored yet matches none). */
export function matchesImage(t: TaskSummary, choice: string): boolean {
  const p = parse(choice);
  if (!p || (!t.imageAttributes && !t.labelCounts)) return false;
  const [name, value, dflt] = p;
  return (t.imageAttributes?.[name] ?? dflt) === value;
}

/**
 * A choice per checkbox state and per option of a select, and per value of a text or number
 * attribute that the images have (the most frequent, at most 20; the empty text is none), each
 * with how many tasks have it.
 */
export function imageChoices(tasks: readonly TaskSummary[], specs: readonly AttributeSpec[]): Array<{ value: string; text: string; group: 'image' }> {
  const out: Array<{ value: string; text: string; group: 'image' }> = [];
  const mirrored = tasks.filter((t) => t.imageAttributes || t.labelCounts); // as matchesImage: not mirrored yet, none
  for (const s of specs) {
    const dflt = defaultAttributeValue(s);
    // Each image's value counted once per attribute, not once per choice.
    const count = new Map<AttributeValue, number>();
    for (const t of mirrored) {
      const v = t.imageAttributes?.[s.name] ?? dflt;
      count.set(v, (count.get(v) ?? 0) + 1);
    }
    const values: AttributeValue[] = s.type === 'checkbox' ? [true, false] : s.type === 'select' ? s.options : valuesFound(tasks, s.name);
    for (const v of values) {
      const value = imageChoice(s.name, v, dflt);
      out.push({ value, text: `${describeImageChoice(value)} (${count.get(v) ?? 0})`, group: 'image' });
    }
  }
  return out;
}

/** The card's line of what the image's own attributes say besides their defaults ("rain · night"),
 *  in the project's order; null when nothing. */
export function imageLine(specs: readonly AttributeSpec[], values: TaskSummary['imageAttributes']): string | null {
  const parts: string[] = [];
  for (const s of specs) {
    const v = values?.[s.name];
    if (v === undefined || !isValidAttributeValue(s, v) || v === defaultAttributeValue(s)) continue;
    parts.push(typeof v === 'boolean' ? (v ? s.name : `not ${s.name}`) : s.type === 'select' ? String(v) : `${s.name}: ${v}`);
  }
  return parts.length ? parts.join(' · ') : null;
}
