// The file's label names the importer maps to the project's own ("Car" → "car", "pedestrian" →
// "person"), chosen in the import's preview instead of editing the file. The plan is made against
// the project with each mapped name as an alias of its target (same attribute definitions), so
// the name is neither added as a new label nor refused with `unknownLabels: reject`, and its
// values are checked against the target's definitions; then the planned objects and boxes take
// the target's name.
import { z } from 'zod';
import { ErrorCode, TandemError } from '../../../shared/protocol/errors';
import type { Project } from '../../storage/types';
import type { ImportPlan } from './planCocoImport';

const name = z.string().min(1).max(100);
export const LabelMapSchema = z.record(name, name).refine((m) => Object.keys(m).length <= 1000, 'at most 1000 labels mapped');
export type LabelMap = z.infer<typeof LabelMapSchema>;

/** The project as the plan sees it: each mapped name a label with its target's definitions. Throws validation_failed on a map that cannot be. */
export function withAliases(project: Project, map: LabelMap | undefined): Project {
  if (!map || !Object.keys(map).length) return project;
  const byName = new Map(project.labels.map((l) => [l.name, l]));
  const problems: string[] = [];
  for (const [from, to] of Object.entries(map)) {
    if (byName.has(from)) problems.push(`"${from}" is a label of the project already`);
    else if (!byName.has(to)) problems.push(`"${from}" is mapped to "${to}", which is not a label of the project`);
  }
  if (problems.length) throw new TandemError(ErrorCode.ValidationFailed, `the label map: ${problems.slice(0, 5).join('; ')}`);
  return { ...project, labels: [...project.labels, ...Object.entries(map).map(([from, to]) => ({ ...byName.get(to)!, name: from }))] };
}

/** The plan's objects and boxes under their mapped names (in place). */
export function renameMapped(plan: ImportPlan, map: LabelMap | undefined): ImportPlan {
  if (!map) return plan;
  for (const list of [...plan.byTask.values(), ...(plan.boxes?.values() ?? [])]) for (const o of list) o.label = map[o.label] ?? o.label;
  return plan;
}
