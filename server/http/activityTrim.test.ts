import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../tests/helpers/waitFor';
import { trimActivityEvery } from './activityTrim';

const log = pino({ level: 'silent' });
const DAY = 86_400_000;

describe('trimming the activity log', () => {
  it('deletes what is older than the days kept, at start and then every period', async () => {
    const asked: number[] = [];
    const meta = { trimActivity: async (before: number) => (asked.push(before), 1) };
    const stop = trimActivityEvery(meta, 30, log, 20, () => 100 * DAY);
    await waitFor(() => asked.length >= 3, 'three trims');
    stop();
    expect(asked.every((b) => b === 70 * DAY)).toBe(true);
    const n = asked.length;
    await new Promise((r) => setTimeout(r, 60));
    expect(asked.length).toBe(n); // stopped
  });

  it('keeps everything when told 0 days (the default), and goes on after a failure', async () => {
    const asked: number[] = [];
    trimActivityEvery({ trimActivity: async (b) => (asked.push(b), 0) }, 0, log, 5)();
    await new Promise((r) => setTimeout(r, 30));
    expect(asked).toEqual([]);
    let tries = 0;
    const stop = trimActivityEvery({ trimActivity: async () => (++tries === 1 ? Promise.reject(new Error('database blinked')) : 0) }, 7, log, 10);
    await waitFor(() => tries >= 2, 'a second try');
    stop();
  });
});
