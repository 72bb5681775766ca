// A socket signed in with a token that expires is closed at that moment (4401 token_expired),
// not at the next access sweep up to SYNC_ACCESS_CHECK_MS later: a link given out for a day stops
// working after the day on open editors too. Revocations and membership changes still come from
// the access channel and the sweep (accessSweep.ts); an expiry is known when the socket opens.

/** Longest delay setTimeout takes (2^31 - 1 ms, ~24.8 days); a later expiry re-arms the timer. */
const MAX_DELAY = 2 ** 31 - 1;

/**
 * Calls `expire` once `expiresAt` (epoch ms) has passed, unless the returned cancel function was
 * called first. `now` is injectable for tests.
 */
export function atExpiry(expiresAt: number, expire: () => void, now: () => number = Date.now): () => void {
  let timer: NodeJS.Timeout | null = null;
  const arm = () => {
    const left = expiresAt - now();
    if (left <= 0) {
      timer = null;
      expire();
      return;
    }
    timer = setTimeout(arm, Math.min(left, MAX_DELAY));
    timer.unref();
  };
  arm();
  return () => {
    if (timer) clearTimeout(timer);
    timer = null;
  };
}
