// Progress through time, for whoever leads the team: how far the project is and when, at this
// pace, it is done. Per day (the viewer's: `tzOffsetMinutes` east of UTC) the tasks sent on from
// work (submitted: to review, or done directly), the tasks that reached done, and the objects
// people made (pre-labels left out); the tasks left (neither done nor flagged); the pace, tasks
// done per day over the last 7 days (fewer when the project is younger; net of tasks reopened),
// and the days left at it.
// Statuses come from the task's recorded history (status records began with reference tasks, so
// older changes are known only by each task's current status) and its current status. Per member,
// the same over the last PACE_DAYS days: who did what this week. Pure.
import { sentOn } from '../dataset/history/submissions';

const DAY_MS = 86_400_000;
/** Days listed at most (the most recent). */
export const PROGRESS_DAYS = 60;
/** Days the pace is taken over. */
export const PACE_DAYS = 7;

export interface ProgressTaskInput {
  /** Its status changes, oldest first (the recorded ones and the current one). */
  statuses: ReadonlyArray<{ status: string; by: string; at: number }>;
  /** When its people's objects were made, and by whom (pre-labels left out). */
  objectsMade: ReadonlyArray<{ by: string; at: number }>;
  status: string;
  flagged: boolean;
}

export interface ProgressDay {
  /** YYYY-MM-DD in the viewer's time zone. */
  day: string;
  submitted: number;
  done: number;
  objects: number;
}

/** A member's part over the last PACE_DAYS days: tasks they sent on from work, tasks they moved
 *  to done (a reviewer's approval, or an annotator's own when no review is asked), objects made. */
export interface ProgressMember {
  userId: string;
  name: string;
  submitted: number;
  done: number;
  objects: number;
}

export interface ProgressFigures {
  tzOffsetMinutes: number;
  /** Every day from the first with something done (at most the last PROGRESS_DAYS) to today. */
  days: ProgressDay[];
  tasks: number;
  done: number;
  /** Tasks neither done nor flagged. */
  left: number;
  /** Tasks done per day over the last PACE_DAYS days (or the days since the first change), net:
   *  done now and not done when that began; null with none. */
  pacePerDay: number | null;
  /** Days left at that pace; null without a pace. */
  daysLeft: number | null;
  /** Who did what over the last PACE_DAYS days, most tasks first. */
  members: ProgressMember[];
}

/** How many tasks were done just before `at`: each task's latest status change before then. */
function countDoneBefore(tasks: readonly ProgressTaskInput[], at: number): number {
  let n = 0;
  for (const t of tasks) {
    let status = '';
    for (const s of t.statuses) if (s.at < at) status = s.status;
    if (status === 'done') n++;
  }
  return n;
}

const dayOf = (at: number, offsetMs: number) => new Date(at + offsetMs).toISOString().slice(0, 10);

export function progressFigures(tasks: readonly ProgressTaskInput[], now: number, tzOffsetMinutes = 0, names: ReadonlyMap<string, string> = new Map()): ProgressFigures {
  const offset = tzOffsetMinutes * 60_000;
  const events: Array<{ at: number; by: string; kind: 'submitted' | 'done' | 'objects' }> = [];
  for (const t of tasks) {
    for (const s of sentOn(t.statuses)) events.push({ at: s.at, by: s.by, kind: 'submitted' });
    let before = '';
    for (const s of t.statuses) {
      if (s.status === 'done' && before !== 'done') events.push({ at: s.at, by: s.by, kind: 'done' });
      before = s.status;
    }
    for (const o of t.objectsMade) events.push({ at: o.at, by: o.by, kind: 'objects' });
  }
  // A loop, not Math.min(...): a big project has more events than a call takes arguments.
  const first = events.reduce((a, e) => (e.at < a ? e.at : a), events.length ? Infinity : now);
  const today = dayOf(now, offset);
  // The days as the viewer counts them: midnight there, in UTC ms.
  const startOfToday = Date.parse(`${today}T00:00:00Z`) - offset;
  const firstDayStart = Date.parse(`${dayOf(first, offset)}T00:00:00Z`) - offset;
  const from = Math.max(firstDayStart, startOfToday - (PROGRESS_DAYS - 1) * DAY_MS);
  const days: ProgressDay[] = [];
  const index = new Map<string, ProgressDay>();
  for (let t = from; t <= startOfToday; t += DAY_MS) {
    const d = { day: dayOf(t, offset), submitted: 0, done: 0, objects: 0 };
    days.push(d);
    index.set(d.day, d);
  }
  for (const e of events) {
    const d = index.get(dayOf(e.at, offset));
    if (d) d[e.kind]++;
  }
  const done = tasks.filter((t) => t.status === 'done').length;
  const left = tasks.filter((t) => t.status !== 'done' && !t.flagged).length;
  const window = Math.min(PACE_DAYS * DAY_MS, Math.max(DAY_MS, now - first));
  // Net: the tasks done now that were not done when the window began. A task reopened and
  // approved again within it counts once, and one reopened and not yet done again takes one off.
  const gained = countDoneBefore(tasks, Infinity) - countDoneBefore(tasks, now - window);
  const pacePerDay = gained > 0 ? gained / (window / DAY_MS) : null;
  const members = new Map<string, ProgressMember>();
  for (const e of events) {
    if (e.at <= now - PACE_DAYS * DAY_MS || !e.by) continue;
    let m = members.get(e.by);
    if (!m) members.set(e.by, (m = { userId: e.by, name: names.get(e.by) ?? e.by, submitted: 0, done: 0, objects: 0 }));
    m[e.kind]++;
  }
  return {
    tzOffsetMinutes,
    days,
    tasks: tasks.length,
    done,
    left,
    pacePerDay,
    daysLeft: pacePerDay ? left / pacePerDay : null,
    members: [...members.values()].sort((a, b) => b.submitted + b.done - (a.submitted + a.done) || b.objects - a.objects || a.name.localeCompare(b.name)),
  };
}
