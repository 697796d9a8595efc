/*
 * The benchmark harness: what a benchmark is, and how one is measured. Each benchmark runs a
 * few times untimed (warm-ups, or a cheaper warm-up of its own), then several times timed;
 * the result keeps every run and gives the median rate and the spread (lowest, highest), with
 * the machine instructions and collector pauses of the runs when the benchmark counts them.
 * A benchmark that cannot run here (a peer that is not installed) says why instead of running,
 * and one that fails is recorded as failed, with its message: the suite goes on. Timings are
 * reported, never asserted.
 */

/** Collector pauses during one run. */
export interface Pauses {
  readonly minor: number;
  readonly major: number;
  readonly totalMs: number;
  readonly longestMs: number;
}

export interface Measurement {
  /** Work done by the run, in the benchmark's unit (calls, instructions, objects ...). */
  readonly work: number;
  /** Seconds the run took. */
  readonly seconds: number;
  /** Machine instructions the run executed, when the benchmark counts them. */
  readonly instructions?: number;
  /** Collector pauses during the run, when the benchmark watches them. */
  readonly pauses?: Pauses;
}

export interface Benchmark {
  readonly name: string;
  /** What the rate counts, e.g. 'instructions/s'. */
  readonly unit: string;
  /** One line: what it does. */
  readonly about?: string;
  /** The size of one run, e.g. 'fib 30'. */
  readonly size?: string;
  /** The benchmark this one is compared with, if any (see also baselines). */
  readonly baseline?: string;
  /** Further benchmarks it is compared with. */
  readonly baselines?: readonly string[];
  /** Timed runs and warm-up runs when the command line does not say (default 7 and 3). */
  readonly runs?: number;
  readonly warmups?: number;
  /** Done once instead of the warm-up runs (for benchmarks whose one run takes long). */
  readonly warmup?: () => void;
  /** Why it cannot run here (e.g. a peer is not installed), or null when it can. */
  readonly missing?: () => string | null;
  /** Do one run and say how much work it did. */
  readonly run: () => Measurement;
  /** Do the warm-ups and all the runs at once (a peer: one process for all of them). */
  readonly runAll?: (runs: number, warmups: number) => Measurement[];
  /** Lines to print after the table. */
  readonly details?: () => string[];
}

export interface PauseSummary {
  /** Collections and their total pause in the run with the median total pause. */
  readonly minor: number;
  readonly major: number;
  readonly totalMs: number;
  /** The longest single pause of all the runs. */
  readonly longestMs: number;
}

export interface BenchmarkResult {
  readonly name: string;
  readonly unit: string;
  readonly about?: string;
  readonly size?: string;
  /** 'ok'; 'missing' (could not run here: see reason); 'failed' (reason is the error). */
  readonly status: 'ok' | 'missing' | 'failed';
  readonly reason?: string;
  /** Rates per second, one per run (empty unless ok). */
  readonly rates: readonly number[];
  readonly median: number;
  readonly low: number;
  readonly high: number;
  /** Seconds of each run, and their median. */
  readonly seconds: readonly number[];
  readonly medianSeconds: number;
  /** Machine instructions per second (median over runs) and per unit of work, when counted. */
  readonly instructionsPerSecond?: number;
  readonly instructionsPerUnit?: number;
  readonly pauses?: PauseSummary;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function timed(work: () => number): Measurement {
  const t0 = process.hrtime.bigint();
  const done = work();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { work: done, seconds };
}

/** Every baseline of a benchmark, in order. */
export function baselinesOf(b: Benchmark): string[] {
  return [...(b.baseline ? [b.baseline] : []), ...(b.baselines ?? [])];
}

function empty(b: Benchmark, status: 'missing' | 'failed', reason: string): BenchmarkResult {
  return { name: b.name, unit: b.unit, about: b.about, size: b.size, status, reason, rates: [], median: NaN, low: NaN, high: NaN, seconds: [], medianSeconds: NaN };
}

/** Run a benchmark: its warm-ups, then `runs` timed runs (null: its own default). */
export function measure(b: Benchmark, runs: number | null = null, warmups: number | null = null): BenchmarkResult {
  const reason = b.missing?.() ?? null;
  if (reason !== null) return empty(b, 'missing', reason);
  const n = runs ?? b.runs ?? 7;
  const w = warmups ?? b.warmups ?? (b.warmup ? 0 : 3);
  let ms: Measurement[];
  try {
    if (b.runAll) {
      ms = b.runAll(n, w);
    } else {
      if (b.warmup && warmups !== 0) b.warmup();
      for (let i = 0; i < w; i++) b.run();
      ms = [];
      for (let i = 0; i < n; i++) ms.push(b.run());
    }
  } catch (e) {
    return empty(b, 'failed', e instanceof Error ? e.message : String(e));
  }
  return summarize(b, ms);
}

export function summarize(b: Benchmark, ms: readonly Measurement[]): BenchmarkResult {
  const rates = ms.map((m) => m.work / m.seconds);
  const seconds = ms.map((m) => m.seconds);
  const counted = ms.filter((m) => m.instructions !== undefined);
  const instructions = counted.length === ms.length && ms.length > 0
    ? { instructionsPerSecond: median(counted.map((m) => m.instructions! / m.seconds)), instructionsPerUnit: median(counted.map((m) => m.instructions! / m.work)) }
    : {};
  const watched = ms.map((m) => m.pauses).filter((p) => p !== undefined);
  let pauses: PauseSummary | undefined;
  if (watched.length === ms.length && ms.length > 0) {
    const byTotal = [...watched].sort((x, y) => x.totalMs - y.totalMs);
    const mid = byTotal[(byTotal.length - 1) >> 1];
    pauses = { minor: mid.minor, major: mid.major, totalMs: mid.totalMs, longestMs: Math.max(...watched.map((p) => p.longestMs)) };
  }
  return {
    name: b.name, unit: b.unit, about: b.about, size: b.size, status: 'ok',
    rates, median: median(rates), low: Math.min(...rates), high: Math.max(...rates),
    seconds, medianSeconds: median(seconds), ...instructions, ...(pauses ? { pauses } : {}),
  };
}

/** "123.4 M" style numbers. */
export function human(n: number): string {
  if (!Number.isFinite(n)) return '-';
  if (n >= 1e9) return (n / 1e9).toFixed(2) + ' G';
  if (n >= 1e6) return (n / 1e6).toFixed(1) + ' M';
  if (n >= 1e3) return (n / 1e3).toFixed(1) + ' k';
  return n.toFixed(1);
}

/** "45.2 s", "175 ms", "3.2 µs" */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '-';
  if (seconds >= 10) return seconds.toFixed(1) + ' s';
  if (seconds >= 1) return seconds.toFixed(2) + ' s';
  if (seconds >= 1e-3) return (seconds * 1e3).toFixed(seconds >= 0.1 ? 0 : 1) + ' ms';
  return (seconds * 1e6).toFixed(1) + ' µs';
}
