// The current per-object verdicts of a `review:<taskId>` document, in the analytics' shape. The
// review doc keeps only the latest verdict per object; the history recorder keeps the sequence.
import type * as Y from 'yjs';
import { readVerdicts } from '../../shared/schema/review';
import type { VerdictEvent } from './computeAnalytics';

export function readCurrentVerdicts(reviewDoc: Y.Doc): Map<string, VerdictEvent> {
  return new Map(Object.entries(readVerdicts(reviewDoc)).map(([id, v]) => [id, { verdict: v.verdict, by: v.by, at: v.at }]));
}
