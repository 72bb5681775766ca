/** One measured figure. Each tests/bench/*.bench.ts exports `run(): Promise<BenchResult[]>`. */
export interface BenchResult {
  /** What was measured, e.g. "edit propagation, 10 rooms x 5 clients @ 5 Hz". */
  name: string;
  /** Which figure, e.g. "p99". */
  metric: string;
  value: number;
  unit: string;
  /** The goal from the issue, for the table, e.g. "<= 50". */
  goal?: string;
}

export interface BenchModule {
  run(opts: { quick: boolean }): Promise<BenchResult[]>;
}
