import type { Infra } from './infra.js';

export interface BenchContext {
  infra: Infra;
  /** Smoke mode: tiny sizes and durations, to keep the benchmark working (run in CI). */
  quick: boolean;
  /** `--name=value` options after the benchmark name. */
  options: Map<string, string>;
}

export interface Benchmark {
  name: string;
  summary: string;
  run(ctx: BenchContext): Promise<void>;
}
