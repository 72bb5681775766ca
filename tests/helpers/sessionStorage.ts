// A sessionStorage for unit tests of browser code run under Node: an empty one per test.
import { afterEach, beforeEach } from 'vitest';

/** Gives each test of the calling suite a fresh in-memory sessionStorage. */
export function useMemorySessionStorage(): void {
  beforeEach(() => {
    const store = new Map<string, string>();
    (globalThis as { sessionStorage?: unknown }).sessionStorage = {
      getItem: (k: string) => store.get(k) ?? null,
      setItem: (k: string, v: string) => void store.set(k, v),
      removeItem: (k: string) => void store.delete(k),
    };
  });
  afterEach(() => {
    delete (globalThis as { sessionStorage?: unknown }).sessionStorage;
  });
}
