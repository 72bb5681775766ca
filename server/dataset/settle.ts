// "Once edits settle", per key (a task): `fire` runs `settleMs` after the key's last touch, and at
// the latest `maxWaitMs` after its first touch not yet fired, so two people editing without pause
// still get it. Object history and the task rows' objects per label both wait this way.
export class Settle<K> {
  private pending = new Map<K, { timer: ReturnType<typeof setTimeout>; since: number }>();
  private readonly maxWaitMs: number;

  constructor(
    private readonly fire: (key: K) => void,
    private readonly settleMs = 1500,
    maxWaitMs = 10_000,
  ) {
    this.maxWaitMs = Math.max(settleMs, maxWaitMs);
  }

  /** The key changed: (re)starts its wait. */
  touch(key: K): void {
    const p = this.pending.get(key);
    if (p) clearTimeout(p.timer);
    const since = p?.since ?? Date.now();
    const wait = Math.max(0, Math.min(this.settleMs, since + this.maxWaitMs - Date.now()));
    const timer = setTimeout(() => {
      this.pending.delete(key);
      this.fire(key);
    }, wait);
    timer.unref?.();
    this.pending.set(key, { since, timer });
  }

  /** Stops the key's wait (the caller runs it now). */
  cancel(key: K): void {
    const p = this.pending.get(key);
    if (p) clearTimeout(p.timer);
    this.pending.delete(key);
  }

  /** Every key still waiting, their waits stopped (the caller runs them now: a flush, a shutdown). */
  takeAll(): K[] {
    const keys = [...this.pending.keys()];
    for (const k of keys) this.cancel(k);
    return keys;
  }
}
