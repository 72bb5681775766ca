import { describe, expect, it } from 'vitest';
import { progressFigures, type ProgressTaskInput } from './progressFigures';

const H = 3_600_000;
const now = Date.parse('2026-12-10T12:00:00Z');
const at = (iso: string) => Date.parse(iso);
const task = (statuses: Array<[string, string] | [string, string, string]>, objectsMade: string[] = [], flagged = false): ProgressTaskInput => ({
  statuses: statuses.map(([status, when, by]) => ({ status, by: by ?? 'u', at: at(when) })),
  objectsMade: objectsMade.map((when) => ({ by: 'ana', at: at(when) })),
  status: statuses.at(-1)?.[0] ?? 'todo',
  flagged,
});

describe('progress figures', () => {
  it('counts per day what was submitted, what reached done and the objects made, from the first day to today', () => {
    const f = progressFigures(
      [
        task([['in_progress', '2026-12-08T09:00:00Z'], ['in_review', '2026-12-08T17:00:00Z'], ['done', '2026-12-09T10:00:00Z']], ['2026-12-08T09:05:00Z', '2026-12-08T09:10:00Z']),
        // Sent back from review and submitted again: two submissions; an approval is not one.
        task([['in_review', '2026-12-09T08:00:00Z'], ['in_progress', '2026-12-09T09:00:00Z'], ['in_review', '2026-12-10T08:00:00Z']]),
        task([]),
        task([], [], true), // flagged: not left to do
      ],
      now,
    );
    expect(f.days).toEqual([
      { day: '2026-12-08', submitted: 1, done: 0, objects: 2 },
      { day: '2026-12-09', submitted: 1, done: 1, objects: 0 },
      { day: '2026-12-10', submitted: 1, done: 0, objects: 0 },
    ]);
    expect([f.tasks, f.done, f.left]).toEqual([4, 1, 2]);
    // One done since the first thing done (the first object, 50 h 55 min before now): 0.47 a day,
    // 4.2 days for the 2 left.
    const since = (now - at('2026-12-08T09:05:00Z')) / (24 * H);
    expect(f.pacePerDay).toBeCloseTo(1 / since, 9);
    expect(f.daysLeft).toBeCloseTo(2 * since, 9);
  });

  it("puts each change on the viewer's day, and takes the pace over the last 7 days only", () => {
    const late = task([['done', '2026-12-09T23:30:00Z']]);
    expect(progressFigures([late], now, 0).days.find((d) => d.done)?.day).toBe('2026-12-09');
    expect(progressFigures([late], now, 60).days.find((d) => d.done)?.day).toBe('2026-12-10'); // UTC+1
    expect(progressFigures([late], now, -600).days.find((d) => d.done)?.day).toBe('2026-12-09'); // UTC-10
    const old = task([['done', '2026-11-01T10:00:00Z']]);
    const f = progressFigures([old, late, task([])], now);
    expect(f.pacePerDay).toBeCloseTo(1 / 7, 9);
    expect(f.days).toHaveLength(40); // Nov 1 to Dec 10
  });

  it('takes the pace net of tasks reopened: approved twice counts once, reopened and not done again takes one off', () => {
    const twice = task([['done', '2026-12-05T10:00:00Z'], ['in_progress', '2026-12-07T10:00:00Z'], ['done', '2026-12-09T10:00:00Z']]);
    const once = task([['done', '2026-12-08T10:00:00Z']]);
    const old = task([['done', '2026-11-01T10:00:00Z']]); // the project is older than the week
    expect(progressFigures([old, twice, once, task([])], now).pacePerDay).toBeCloseTo(2 / 7, 9);
    // Done before the week, reopened in it and not done again: the week's net is one task.
    const reopened = task([['done', '2026-11-20T10:00:00Z'], ['in_progress', '2026-12-09T10:00:00Z']]);
    const f = progressFigures([old, twice, once, reopened, task([])], now);
    expect(f.pacePerDay).toBeCloseTo(1 / 7, 9);
    expect(f.daysLeft).toBeCloseTo(2 * 7, 9); // reopened and the untouched one left
    // The days still show each approval as it happened.
    expect(f.days.filter((d) => d.done).map((d) => [d.day, d.done])).toEqual([['2026-11-01', 1], ['2026-11-20', 1], ['2026-12-05', 1], ['2026-12-08', 1], ['2026-12-09', 1]]);
    // Nothing gained on net: no pace, no days left.
    expect(progressFigures([old, reopened], now).pacePerDay).toBeNull();
  });

  it('has no pace before anything is done', () => {
    const f = progressFigures([task([['in_progress', '2026-12-10T10:00:00Z']]), task([])], now + H);
    expect([f.pacePerDay, f.daysLeft, f.left]).toEqual([null, null, 2]);
    expect(progressFigures([], now).days).toEqual([{ day: '2026-12-10', submitted: 0, done: 0, objects: 0 }]);
  });

  it('takes a project of 300,000 objects made (more than a call takes arguments)', () => {
    const made = Array.from({ length: 300_000 }, (_, i) => ({ by: 'ana', at: now - i * 1000 }));
    const f = progressFigures([{ statuses: [], objectsMade: made, status: 'todo', flagged: false }], now);
    expect(f.days.reduce((n, d) => n + d.objects, 0)).toBe(300_000);
  });

  it('says who did what over the last 7 days: submitted, moved to done, objects made', () => {
    const f = progressFigures(
      [
        task([['in_review', '2026-12-08T10:00:00Z', 'ana'], ['done', '2026-12-09T10:00:00Z', 'rita']], ['2026-12-08T09:00:00Z', '2026-12-08T09:30:00Z']),
        task([['in_review', '2026-12-10T10:00:00Z', 'ana']]),
        task([['in_review', '2026-11-20T10:00:00Z', 'ben']], ['2026-11-20T09:00:00Z']), // weeks ago: not this week's
      ],
      now,
      0,
      new Map([['ana', 'Ana'], ['rita', 'Rita']]),
    );
    expect(f.members).toEqual([
      { userId: 'ana', name: 'Ana', submitted: 2, done: 0, objects: 2 },
      { userId: 'rita', name: 'Rita', submitted: 0, done: 1, objects: 0 },
    ]);
  });
});

