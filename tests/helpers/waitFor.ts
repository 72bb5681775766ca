// Waiting for conditions, never for fixed times: poll `cond` until it holds or the deadline passes.

/** Resolves with cond()'s first truthy value; rejects with `what` after `timeoutMs`. */
export async function waitFor<T>(cond: () => T | Promise<T>, what = 'condition', timeoutMs = 10_000, everyMs = 10): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await cond();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
