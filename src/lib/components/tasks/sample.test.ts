// The QA sample: its size, its stability while the list changes, and that every task has its
// chance.
import { describe, expect, it } from 'vitest';
import { sampleCount, sampleOf } from './sample';

const tasks = Array.from({ length: 200 }, (_, i) => ({ id: `task-${i}` }));

describe('a random sample of the list', () => {
  it('draws the count asked, or the share, never more than the list', () => {
    expect([sampleCount('25', 200), sampleCount('10%', 200), sampleCount('5%', 30), sampleCount('100', 40)]).toEqual([25, 20, 2, 40]);
    expect(sampleOf(tasks, 25, 7)).toHaveLength(25);
    expect(sampleOf(tasks.slice(0, 3), 25, 7)).toHaveLength(3);
  });

  it("keeps the list's order and the same draw for a seed; another seed draws others", () => {
    const a = sampleOf(tasks, 25, 7);
    const order = a.map((t) => tasks.indexOf(t));
    expect(order).toEqual([...order].sort((x, y) => x - y));
    expect(sampleOf([...tasks].reverse(), 25, 7).map((t) => t.id).sort()).toEqual(a.map((t) => t.id).sort());
    const b = sampleOf(tasks, 25, 8);
    expect(b.filter((t) => a.includes(t)).length).toBeLessThan(15);
  });

  it('stays the same draw when tasks join the list: a newcomer only takes the place it would have had', () => {
    const before = sampleOf(tasks, 25, 3).map((t) => t.id);
    const after = sampleOf([...tasks, ...Array.from({ length: 20 }, (_, i) => ({ id: `new-${i}` }))], 25, 3).map((t) => t.id);
    const kept = after.filter((id) => before.includes(id));
    expect(kept.length + after.filter((id) => id.startsWith('new-')).length).toBe(25);
  });

  it('gives every task its chance: over many draws each is drawn about n / N of the time', () => {
    const drawn = new Map<string, number>();
    for (let seed = 0; seed < 400; seed++) for (const t of sampleOf(tasks, 20, seed)) drawn.set(t.id, (drawn.get(t.id) ?? 0) + 1);
    // Expected 40 draws each (400 × 20 / 200); binomial sd ~6: all within 40 ± 25.
    expect(drawn.size).toBe(200);
    for (const n of drawn.values()) expect(Math.abs(n - 40)).toBeLessThan(25);
  });
});
