// What the project page's task list spends on its attribute filters for a 10,000-image project
// (src/lib/components/tasks/objectFilter.ts, shared/schema/attributeCounts.ts): the "Objects"
// choices with their counts (read again at every list refresh), one choice applied to every row,
// and what each row leaves unset of the required attributes. Two labels with six attributes; a
// free-text plate number different on every car is the worst case for the choices (every value
// counted to find the 20 most frequent). `npm run bench -- taskList`.
import type { AttributeSpec } from '../../shared/schema/attributes';
import { missingOnRow } from '../../shared/schema/attributeCounts';
import type { TaskSummary } from '../../src/lib/sync/api';
import { matchesObject, objectChoice, objectChoices } from '../../src/lib/components/tasks/objectFilter';
import { medianMs } from './median';
import type { BenchResult } from './types';

const occluded: AttributeSpec = { name: 'occluded', type: 'checkbox', required: true };
const labels: Array<{ name: string; attributes: AttributeSpec[] }> = [
  { name: 'car', attributes: [occluded, { name: 'colour', type: 'select', options: ['red', 'blue', 'grey', 'black', 'white'] }, { name: 'doors', type: 'number', min: 2, max: 5 }] },
  { name: 'person', attributes: [{ name: 'pose', type: 'select', options: ['standing', 'sitting', 'lying'] }, { name: 'truncated', type: 'checkbox' }] },
];
const plate: AttributeSpec = { name: 'plate', type: 'text' };

function rows(n: number): TaskSummary[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `t${i}`,
    name: `frame_${i}.jpg`,
    width: 1920,
    height: 1080,
    status: 'done',
    assignee: null,
    flag: null,
    toFix: 0,
    openThreads: 0,
    mentioned: [],
    labelCounts: { car: 5, person: 3 },
    imageAttributes: {},
    looksLike: null,
    objectChecks: { duplicate: 0, specks: i % 7 === 0 ? 1 : 0, tiny: 0 },
    attributeCounts: {
      car: { occluded: { true: i % 3, false: 5 - (i % 3) - (i % 2) }, colour: { '"red"': 2, '"blue"': 3 }, doors: { 4: 5 }, plate: Object.fromEntries(Array.from({ length: 5 }, (_, k) => [JSON.stringify(`AB-${i}-${k}`), 1])) },
      person: { pose: { '"standing"': 3 } },
    },
  }));
}

export async function run({ quick }: { quick: boolean }): Promise<BenchResult[]> {
  const tasks = rows(10_000);
  const runs = quick ? 3 : 9;
  const specs = new Map(labels.map((l) => [l.name, l.attributes]));
  const choice = objectChoice('car', occluded, true);
  const withPlate = labels.map((l) => (l.name === 'car' ? { ...l, attributes: [...l.attributes, plate] } : l));
  return [
    { name: 'object attribute choices with counts, 10,000 tasks', metric: 'p50', value: medianMs(runs, () => objectChoices(tasks, labels)), unit: 'ms' },
    { name: 'the same with a free-text plate unique per car', metric: 'p50', value: medianMs(runs, () => objectChoices(tasks, withPlate)), unit: 'ms' },
    { name: 'one object choice applied to 10,000 tasks', metric: 'p50', value: medianMs(runs, () => tasks.filter((t) => matchesObject(t, choice))), unit: 'ms' },
    { name: 'required attributes unset, 10,000 tasks', metric: 'p50', value: medianMs(runs, () => tasks.map((t) => missingOnRow(t, (l) => specs.get(l), []))), unit: 'ms' },
  ];
}
