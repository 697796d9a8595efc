/*
 * The benchmark harness: each benchmark runs several times after a warm-up, and reports the
 * median rate and the spread (lowest and highest), beside its baselines run in the same
 * process. Timings are reported, never asserted.
 */

export interface Measurement {
  /** Work done by one run, in `unit`s (instructions, loop iterations, objects ...). */
  readonly work: number;
  /** Seconds the run took. */
  readonly seconds: number;
}

export interface BenchmarkResult {
  readonly name: string;
  readonly unit: string;
  /** Rates per second, one per run. */
  readonly rates: readonly number[];
  readonly median: number;
  readonly low: number;
  readonly high: number;
}

export interface Benchmark {
  readonly name: string;
  /** What the rate counts, e.g. 'instructions/s'. */
  readonly unit: string;
  /** The benchmark this one is compared with (its baseline), if any. */
  readonly baseline?: string;
  /** Do one run and say how much work it did. */
  readonly run: () => Measurement;
}

export function timed(work: () => number): Measurement {
  const t0 = process.hrtime.bigint();
  const done = work();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { work: done, seconds };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function measure(b: Benchmark, runs: number, warmups: number): BenchmarkResult {
  for (let i = 0; i < warmups; i++) b.run();
  const rates: number[] = [];
  for (let i = 0; i < runs; i++) {
    const m = b.run();
    rates.push(m.work / m.seconds);
  }
  return { name: b.name, unit: b.unit, rates, median: median(rates), low: Math.min(...rates), high: Math.max(...rates) };
}

/** "123.4 M" style numbers. */
export function human(n: number): string {
  if (n >= 1e9) return (n / 1e9).toFixed(2) + ' G';
  if (n >= 1e6) return (n / 1e6).toFixed(1) + ' M';
  if (n >= 1e3) return (n / 1e3).toFixed(1) + ' k';
  return n.toFixed(1);
}
