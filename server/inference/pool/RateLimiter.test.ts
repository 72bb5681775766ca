import { describe, expect, it } from 'vitest';
import { RateLimiter } from './RateLimiter';

describe('RateLimiter', () => {
  it('allows a burst of ratePerSec, then refills at ratePerSec per second, per key', () => {
    let now = 0;
    const r = new RateLimiter(3, () => now);
    expect([r.take('a'), r.take('a'), r.take('a'), r.take('a')]).toEqual([true, true, true, false]);
    expect(r.take('b')).toBe(true); // another user, another bucket
    now += 334; // one token back (3 per second)
    expect(r.take('a')).toBe(true);
    expect(r.take('a')).toBe(false);
    now += 10_000; // never more than the burst
    expect([r.take('a'), r.take('a'), r.take('a'), r.take('a')]).toEqual([true, true, true, false]);
  });
});
