// A page following a run the server does (pre-labelling): ask, show the answer, ask again after the
// delay the answer calls for. Two things made a hand-rolled timer chain stop for good: a request
// that never answers (a connection left half-open by a server cut mid-restart, a laptop changing
// networks, a proxy) held the only link of the chain, and a second chain started beside the first
// (a button, a detector appearing) let a slower, older answer overwrite a newer one. Here every
// request has a bound, only the newest request's answer counts, and a page shown again or back
// online asks at once.

export interface Follower {
  /** Asks now (an older request in flight is dropped; its answer will not count). */
  now(): void;
  stop(): void;
}

export interface FollowOptions {
  /** A request unanswered this long is given up and asked again (ms). */
  timeoutMs?: number;
  /** After a failed or given-up request: asked again this much later (ms). */
  retryMs?: number;
  /** Told each failure (the chain goes on). */
  failed?: (e: unknown) => void;
  /** Asks at once when the page is shown again or back online (default true). */
  wake?: boolean;
}

/**
 * Starts following at once. `got` takes each answer and returns the delay before the next request
 * (ms), or null to wait for `now()`.
 */
export function follow<T>(ask: (signal: AbortSignal) => Promise<T>, got: (answer: T) => number | null, opts: FollowOptions = {}): Follower {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const retryMs = opts.retryMs ?? 3000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let current: AbortController | null = null;
  let stopped = false;

  const schedule = (ms: number | null) => {
    clearTimeout(timer);
    if (ms !== null && !stopped) timer = setTimeout(run, ms);
  };
  function run() {
    if (stopped) return;
    clearTimeout(timer);
    current?.abort();
    const mine = new AbortController();
    current = mine;
    const bound = setTimeout(() => mine.abort(new Error(`no answer in ${timeoutMs / 1000} s`)), timeoutMs);
    ask(mine.signal).then(
      (answer) => {
        clearTimeout(bound);
        if (current === mine && !stopped) schedule(got(answer));
      },
      (e: unknown) => {
        clearTimeout(bound);
        if (current !== mine || stopped) return;
        opts.failed?.(mine.signal.aborted && mine.signal.reason instanceof Error ? mine.signal.reason : e);
        schedule(retryMs);
      },
    );
  }

  const wake = () => {
    if (typeof document === 'undefined' || !document.hidden) run();
  };
  const listens = opts.wake !== false && typeof window !== 'undefined';
  if (listens) {
    window.addEventListener('online', wake);
    document.addEventListener('visibilitychange', wake);
  }
  run();
  return {
    now: run,
    stop() {
      stopped = true;
      clearTimeout(timer);
      current?.abort();
      if (listens) {
        window.removeEventListener('online', wake);
        document.removeEventListener('visibilitychange', wake);
      }
    },
  };
}
