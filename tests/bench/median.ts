// The median wall time of a synchronous piece of work, after one run that warms the JIT.
export function medianMs(runs: number, fn: () => void): number {
  fn();
  const t: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  return t.sort((a, b) => a - b)[t.length >> 1];
}
