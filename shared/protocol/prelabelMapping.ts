// Which detector classes become which project labels (and their own least scores): what a
// pre-labelling run and the project's `autoPrelabel` setting are both refused for, said once.

export interface PrelabelMapping {
  labels: Record<string, string>;
  thresholds?: Record<string, number>;
}

/**
 * Why the mapping cannot be used (null: it can): no class chosen, a class the detector lacks
 * (checked when `classes` is known), a label the project lacks, a score for a class not mapped.
 */
export function mappingProblem(m: PrelabelMapping, projectLabels: readonly string[], classes: readonly string[] | null): string | null {
  const pairs = Object.entries(m.labels);
  if (!pairs.length) return 'choose at least one class and the label it becomes';
  for (const [cls, label] of pairs) {
    if (classes && !classes.includes(cls)) return `the detector has no class "${cls}"`;
    if (!projectLabels.includes(label)) return `the project has no label "${label}"`;
  }
  const unmapped = Object.keys(m.thresholds ?? {}).find((c) => !(c in m.labels));
  return unmapped === undefined ? null : `a score is given for "${unmapped}", which is not mapped to a label`;
}
