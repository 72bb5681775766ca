// Objects per label in the task list (the row's `labelCounts`, mirrored from each task room):
// the card's "3 objects" line, and the filter that finds the images with a label ("every image
// with a bicycle", to check a class), without one ("every image still without a road") or with no
// object yet. A task not yet counted (null: nobody
// opened it since the upgrade and the startup count has not reached it) matches no label choice.
import type { TaskSummary } from '../../sync/api';
import { describeImageChoice, IMAGE, matchesImage } from './imageFilter';
import { describeObjectChoice, matchesObject, OBJECT } from './objectFilter';

/** The filter's value for "no object yet"; a value starting with WITHOUT names a label the task
 *  must lack; any other non-empty value is a label name. */
export const NO_OBJECTS = '\u0000none';
/** Prefix of a choice for the images lacking a label ("every image still without a road", where
 *  each image should have one). */
export const WITHOUT = '\u0000without:';

/** How a choice reads in a sentence ("bicycle", "without road", "no object yet"). */
export function describeLabelChoice(choice: string): string {
  if (choice === NO_OBJECTS) return 'no object yet';
  if (choice.startsWith(IMAGE)) return describeImageChoice(choice);
  if (choice.startsWith(OBJECT)) return describeObjectChoice(choice);
  return choice.startsWith(WITHOUT) ? `without ${choice.slice(WITHOUT.length)}` : choice;
}

/** "3 objects", with "car 2, person 1" for the tooltip; null with none (a list of new uploads
 *  says nothing on each card) or while not counted. */
export function objectsLine(counts: Record<string, number> | null): { text: string; title: string } | null {
  const entries = Object.entries(counts ?? {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const n = entries.reduce((s, [, c]) => s + c, 0);
  if (n === 0) return null;
  return { text: n === 1 ? '1 object' : `${n} objects`, title: entries.map(([l, c]) => `${l} ${c}`).join(', ') };
}

/** Whether the task passes the label filter `choice` ('' lets every task through). */
export function matchesLabel(t: TaskSummary, choice: string): boolean {
  if (!choice) return true;
  if (choice.startsWith(IMAGE)) return matchesImage(t, choice);
  if (choice.startsWith(OBJECT)) return matchesObject(t, choice);
  if (!t.labelCounts) return false;
  if (choice === NO_OBJECTS) return Object.keys(t.labelCounts).length === 0;
  if (choice.startsWith(WITHOUT)) return !(t.labelCounts[choice.slice(WITHOUT.length)] ?? 0);
  return (t.labelCounts[choice] ?? 0) > 0;
}

/** The filter's choices: the project's labels in its order, then labels found that it no longer
 *  defines, each with how many tasks have it; "no object yet" with its count; then "without" each
 *  of the project's labels, with how many counted tasks lack it (`group`: where the menu puts it). */
export function labelChoices(tasks: readonly TaskSummary[], projectLabels: readonly string[]): Array<{ value: string; text: string; group?: 'without' }> {
  const having = new Map<string, number>();
  let empty = 0;
  let counted = 0;
  for (const t of tasks) {
    if (!t.labelCounts) continue;
    counted++;
    const labels = Object.keys(t.labelCounts);
    if (labels.length === 0) empty++;
    for (const l of labels) having.set(l, (having.get(l) ?? 0) + 1);
  }
  const names = [...projectLabels, ...[...having.keys()].filter((l) => !projectLabels.includes(l)).sort()];
  return [
    ...names.map((l) => ({ value: l, text: `${l} (${having.get(l) ?? 0})` })),
    { value: NO_OBJECTS, text: `No object yet (${empty})` },
    ...projectLabels.map((l) => ({ value: WITHOUT + l, text: `without ${l} (${counted - (having.get(l) ?? 0)})`, group: 'without' as const })),
  ];
}
