// One call at a time per key, in the order they came: operations that read a shared document,
// decide, and write it back (marking reference tasks) must not interleave, or the second decides
// on what the first is about to change. A failed call does not stop the ones queued behind it.
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const result = (this.tails.get(key) ?? Promise.resolve()).then(fn);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with a call queued or running (tests). */
  get size(): number {
    return this.tails.size;
  }
}
