// Reference tasks scored: each submission against the answer the owner kept (the rule in
// shared/schema/referenceScore.ts), per annotator over their first submission of each task, per
// label, and every submission. Pure; loadAnalytics gathers the inputs.
import type { AttributeSpec } from '../../shared/schema/attributes';
import { emptyTally, meanIou, quality, scoreSubmission, type LabelTally, type ScoredSide, type Tally } from '../../shared/schema/referenceScore';

export interface ReferenceTaskInput {
  taskId: string;
  taskName: string;
  reference: ScoredSide;
  /** Each time the task was sent on from work, oldest first; `drawers`: who last changed each
   *  object sent (the submitter, or co-editors). */
  submissions: Array<ScoredSide & { by: string; at: number; drawers?: readonly string[] }>;
}

export interface SubmissionFigures extends Tally {
  taskId: string;
  taskName: string;
  by: string;
  name: string;
  at: number;
  /** The annotator's first submission of the task (their unaided work; later ones follow review). */
  first: boolean;
  /** Others whose changes are in what was sent (names): the score is the submitter's, the work
   *  maybe not only theirs. */
  with: string[];
  meanIou: number | null;
  quality: number | null;
}

export interface ReferenceAnnotatorFigures extends Tally {
  userId: string;
  name: string;
  /** Reference tasks submitted (first submissions only). */
  tasks: number;
  meanIou: number | null;
  quality: number | null;
  attributeAgreement: number | null;
}

/** Per label, over every annotator's first submissions: which classes the team gets wrong (the
 *  answer's objects of the label and what became of them; `extra`: sent with it, in no answer). */
export type ReferenceLabelFigures = Omit<LabelTally, 'iouSum'> & { meanIou: number | null };

export interface ReferenceFigures {
  /** Reference tasks in the project. */
  tasks: number;
  byLabel: ReferenceLabelFigures[];
  annotators: ReferenceAnnotatorFigures[];
  submissions: SubmissionFigures[];
}

function add(into: Tally, t: Tally): void {
  for (const k of Object.keys(t) as Array<keyof Tally>) into[k] += t[k];
}

export function referenceFigures(
  tasks: readonly ReferenceTaskInput[],
  names: ReadonlyMap<string, string>,
  specs: (label: string) => readonly AttributeSpec[] | undefined,
  imageSpecs: readonly AttributeSpec[] = [],
): ReferenceFigures {
  const submissions: SubmissionFigures[] = [];
  const by = new Map<string, ReferenceAnnotatorFigures>();
  const labels = new Map<string, LabelTally>();
  for (const task of tasks) {
    const seen = new Set<string>();
    for (const s of task.submissions) {
      const first = !seen.has(s.by);
      const t = scoreSubmission(task.reference, s, specs, imageSpecs, first ? labels : undefined);
      seen.add(s.by);
      const name = names.get(s.by) ?? s.by;
      const others = [...new Set(s.drawers ?? [])].filter((u) => u !== s.by && u !== '').map((u) => names.get(u) ?? u);
      submissions.push({ ...t, taskId: task.taskId, taskName: task.taskName, by: s.by, name, at: s.at, first, with: others.sort(), meanIou: meanIou(t), quality: quality(t) });
      if (!first) continue;
      let a = by.get(s.by);
      if (!a) by.set(s.by, (a = { ...emptyTally(), userId: s.by, name, tasks: 0, meanIou: null, quality: null, attributeAgreement: null }));
      a.tasks++;
      add(a, t);
    }
  }
  for (const a of by.values()) {
    a.meanIou = meanIou(a);
    a.quality = quality(a);
    a.attributeAgreement = a.attributesCompared ? a.attributesAgreed / a.attributesCompared : null;
  }
  return {
    tasks: tasks.length,
    byLabel: [...labels.values()].map(({ iouSum, ...l }) => ({ ...l, meanIou: l.found ? iouSum / l.found : null })).sort((a, b) => b.objects - a.objects || a.label.localeCompare(b.label)),
    annotators: [...by.values()].sort((a, b) => (b.quality ?? -1) - (a.quality ?? -1) || a.name.localeCompare(b.name)),
    submissions: submissions.sort((a, b) => a.at - b.at),
  };
}
