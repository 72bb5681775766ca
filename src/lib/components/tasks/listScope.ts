// The project page's list as the user narrowed it (a label, a status, a filter, a search, an
// order), carried into the editor of this browser tab: a QA lead who lists "every image with a
// bicycle" and opens the first goes through exactly those with previous / next and the queue,
// and the editor says so ("3 / 17 · bicycle") with a way back to the whole project. Kept in
// sessionStorage: per tab, gone with it.
import { describeLabelChoice } from './labelFilter';

export interface ListScope {
  /** The listed tasks' ids, in the list's order. */
  ids: string[];
  /** What narrowed it, for the editor to say ("bicycle · Done"). */
  what: string;
}

/** Most ids kept (a list of a whole big project is no narrowing worth carrying). */
const MAX_IDS = 20_000;
const key = (projectId: string) => `tandem.scope.${projectId}`;

/** What a narrowed list is called: its choices, in the page's order; '' when nothing narrows it. */
export function describeScope(parts: { label: string | readonly string[]; status: string | null; filters: string[]; search: string; order: string | null }): string {
  const labels = (typeof parts.label === 'string' ? [parts.label] : parts.label).filter(Boolean).map(describeLabelChoice);
  return [...labels, parts.status ?? '', ...parts.filters, parts.search ? `“${parts.search}”` : '', parts.order ?? ''].filter(Boolean).join(' · ');
}

/** Keeps the list for the editor, or forgets it (`null`, or a list nothing narrows). */
export function saveScope(projectId: string, scope: ListScope | null): void {
  try {
    if (!scope || !scope.what || scope.ids.length > MAX_IDS) sessionStorage.removeItem(key(projectId));
    else sessionStorage.setItem(key(projectId), JSON.stringify(scope));
  } catch {
    // Storage full or off: the editor goes through the whole project, as without a list.
  }
}

/** The list this tab narrowed for the project, if it holds `taskId`. */
export function readScope(projectId: string, taskId: string): ListScope | null {
  try {
    const raw = JSON.parse(sessionStorage.getItem(key(projectId)) ?? 'null') as ListScope | null;
    if (!raw || !Array.isArray(raw.ids) || typeof raw.what !== 'string' || !raw.ids.includes(taskId)) return null;
    return raw;
  } catch {
    return null;
  }
}

/** The project's tasks as the list has them: those listed, in its order. */
export function scoped<T extends { id: string }>(tasks: readonly T[], scope: ListScope | null): T[] {
  if (!scope) return [...tasks];
  const byId = new Map(tasks.map((t) => [t.id, t]));
  return scope.ids.map((id) => byId.get(id)).filter((t): t is T => t !== undefined);
}
