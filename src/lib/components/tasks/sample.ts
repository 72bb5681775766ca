// A random sample of the task list for QA: "25 at random of the done images" to check by hand,
// and from the checked share estimate the quality of the whole batch. Which tasks are drawn
// depends on the draw's seed and each task's id only (the tasks whose hash of seed and id is the
// smallest), so the sample stays the same while the list refreshes or grows: a task uploaded
// meanwhile joins it only if it would have been drawn anyway, never reshuffling the others.

/** The sample sizes offered: a count, or a share of the list (`%`). */
export const SAMPLE_SIZES = ['10', '25', '50', '100', '5%', '10%'] as const;

/** "25 at random", "10% at random". */
export function sampleText(size: string): string {
  return `${size} at random`;
}

/** How many tasks `size` draws of `of` (at least 1 of a list that has any). */
export function sampleCount(size: string, of: number): number {
  const n = size.endsWith('%') ? Math.ceil((parseFloat(size) / 100) * of) : parseInt(size, 10);
  return Number.isFinite(n) && n > 0 ? Math.min(n, of) : of;
}

/** FNV-1a of the seed and the id, 32 bits. */
function rank(seed: number, id: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0;
  // A final mix, so ids that differ in the last character spread over the whole range.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  return h >>> 0;
}

/** `n` tasks of `list` drawn with `seed`, in the list's order. */
export function sampleOf<T extends { id: string }>(list: readonly T[], n: number, seed: number): T[] {
  if (n >= list.length) return [...list];
  const chosen = new Set(
    list
      .map((t) => [rank(seed, t.id), t.id] as const)
      .sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1))
      .slice(0, n)
      .map(([, id]) => id),
  );
  return list.filter((t) => chosen.has(t.id));
}
