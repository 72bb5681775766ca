import { afterEach, describe, expect, it, vi } from 'vitest';
import { atExpiry } from './expiry';

afterEach(() => {
  vi.useRealTimers();
});

describe('atExpiry', () => {
  it('fires once at the expiry, at once when it is past, never once cancelled', () => {
    vi.useFakeTimers({ now: 1_000 });
    const fired: string[] = [];
    atExpiry(1_500, () => fired.push('a'));
    atExpiry(900, () => fired.push('past'));
    const cancel = atExpiry(1_600, () => fired.push('cancelled'));
    expect(fired).toEqual(['past']);
    vi.advanceTimersByTime(499);
    expect(fired).toEqual(['past']);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(['past', 'a']);
    cancel();
    vi.advanceTimersByTime(10_000);
    expect(fired).toEqual(['past', 'a']);
  });

  it('waits past the longest delay a timer takes (a token valid for months)', () => {
    vi.useFakeTimers({ now: 0 });
    const fired: number[] = [];
    const day = 86_400_000;
    atExpiry(60 * day, () => fired.push(Date.now()));
    vi.advanceTimersByTime(25 * day);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(35 * day);
    expect(fired).toEqual([60 * day]);
  });
});
