// What made an object when no person did: its `createdFrom` (the detector, an import, an imported
// box), or, for an object imported before imports said so, `import` when its first recorded
// version came from the import, or, without one, its mask still does. Null: a person made it.
// One rule for the analytics (what counts as people's work, what became of the rest) and for
// undoing imports (withdrawTask.ts).
import type { HistoryEntry } from './history/historyDoc';

export function madeFrom(o: { createdFrom?: string; source?: string }, first?: HistoryEntry): string | null {
  if (o.createdFrom) return o.createdFrom;
  return (first ? first.kind === 'created' && first.source === 'import' : o.source === 'import') ? 'import' : null;
}
