// Reads the current per-object verdicts of a `review:<taskId>` document (root Y.Map 'verdicts':
// objectId → {verdict, by, at, threadId?}). Tolerant of plain-object or Y.Map values and skips
// anything malformed: review docs are written by clients.
import * as Y from 'yjs';
import { z } from 'zod';
import type { VerdictEvent } from './computeAnalytics';

const VerdictSchema = z.object({
  verdict: z.enum(['approved', 'changes_requested']),
  by: z.string(),
  at: z.number(),
});

export function readCurrentVerdicts(reviewDoc: Y.Doc): Map<string, VerdictEvent> {
  const out = new Map<string, VerdictEvent>();
  reviewDoc.getMap<unknown>('verdicts').forEach((v, objectId) => {
    const plain = v instanceof Y.Map ? v.toJSON() : v;
    const p = VerdictSchema.safeParse(plain);
    if (p.success) out.set(objectId, { verdict: p.data.verdict, by: p.data.by, at: p.data.at });
  });
  return out;
}
