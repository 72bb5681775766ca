// The activity log kept for as long as the admin says (ACTIVITY_KEEP_DAYS; 0, the default, keeps
// it for good): every hour, and once at start, each node deletes what is older. Deleting is the
// same on every node, so a cluster needs no leader for it; a failure is logged and tried again
// the next hour.
import type { Logger } from '../logger';
import type { MetaStore } from '../storage/types';

const DAY_MS = 86_400_000;

export function trimActivityEvery(meta: Pick<MetaStore, 'trimActivity'>, keepDays: number, log: Logger, everyMs = 3_600_000, now: () => number = Date.now): () => void {
  if (keepDays <= 0) return () => {};
  const trim = () =>
    meta
      .trimActivity(now() - keepDays * DAY_MS)
      .then((n) => n && log.info({ lines: n, keepDays }, 'trimmed the activity log'))
      .catch((err: unknown) => log.warn({ err }, 'trimming the activity log failed'));
  void trim();
  const timer = setInterval(() => void trim(), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
