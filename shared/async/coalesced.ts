// Background work run one call at a time (a sweep of a queue, a drain of deliveries): a call made
// while it runs is folded into one more run after it, so a request for work is never lost (what
// was queued meanwhile is seen by that run) and the work never runs beside itself.
export interface Coalesced {
  /** Runs the work now, or once more after the run going on; resolves when the run it joined ends. */
  (): Promise<void>;
  /** Resolves once no run goes on (tests, shutdown). */
  idle(): Promise<void>;
}

export function coalesced(work: () => Promise<void>, onError: (err: unknown) => void, stopped: () => boolean = () => false): Coalesced {
  let running: Promise<void> | null = null;
  let again = false;
  const run = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = work()
      .catch(onError)
      .finally(() => {
        running = null;
        if (again && !stopped()) {
          again = false;
          void run();
        }
      });
    return running;
  };
  return Object.assign(run, {
    idle: async () => {
      while (running) await running;
    },
  });
}
