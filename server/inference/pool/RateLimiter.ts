// Token bucket per key (user id): `ratePerSec` tokens per second, bursts up to `ratePerSec`.
// Buckets idle long enough to be full again are dropped, so the map stays small.

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly ratePerSec: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Takes one token for `key`; false when the bucket is empty. */
  take(key: string): boolean {
    const t = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.ratePerSec, at: t };
    b.tokens = Math.min(this.ratePerSec, b.tokens + ((t - b.at) / 1000) * this.ratePerSec);
    b.at = t;
    if (this.buckets.size > 10_000) this.sweep(t);
    if (b.tokens < 1) {
      this.buckets.set(key, b);
      return false;
    }
    b.tokens -= 1;
    this.buckets.set(key, b);
    return true;
  }

  private sweep(t: number): void {
    for (const [k, b] of this.buckets) if (b.tokens + ((t - b.at) / 1000) * this.ratePerSec >= this.ratePerSec) this.buckets.delete(k);
  }
}
