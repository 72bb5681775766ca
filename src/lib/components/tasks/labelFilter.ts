// Objects per label in the task list (the row's `labelCounts`, mirrored from each task room):
// the card's "3 objects" line, and the filter that finds the images with a label ("every image
// with a bicycle", to check a class) or with no object yet. A task not yet counted (null: nobody
// opened it since the upgrade and the startup count has not reached it) matches no label choice.
import type { TaskSummary } from '../../sync/api';

/** The filter's value for "no object yet"; any other non-empty value is a label name. */
export const NO_OBJECTS = '\u0000none';

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
  if (!t.labelCounts) return false;
  if (choice === NO_OBJECTS) return Object.keys(t.labelCounts).length === 0;
  return (t.labelCounts[choice] ?? 0) > 0;
}

/** The filter's choices: the project's labels in its order, then labels found that it no longer
 *  defines, each with how many tasks have it; "no object yet" with its count. */
export function labelChoices(tasks: readonly TaskSummary[], projectLabels: readonly string[]): Array<{ value: string; text: string }> {
  const having = new Map<string, number>();
  let empty = 0;
  for (const t of tasks) {
    if (!t.labelCounts) continue;
    const labels = Object.keys(t.labelCounts);
    if (labels.length === 0) empty++;
    for (const l of labels) having.set(l, (having.get(l) ?? 0) + 1);
  }
  const names = [...projectLabels, ...[...having.keys()].filter((l) => !projectLabels.includes(l)).sort()];
  return [...names.map((l) => ({ value: l, text: `${l} (${having.get(l) ?? 0})` })), { value: NO_OBJECTS, text: `No object yet (${empty})` }];
}
