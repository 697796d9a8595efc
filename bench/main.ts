/*
 * `npm run bench [NAME ...] [--json] [--runs N]`: run the benchmarks (all, or those whose
 * names start with a NAME), print each one's median rate, spread and ratio to its baseline
 * from the same run; --json prints the results as JSON instead.
 */
import os from 'node:os';
import { human, measure, type BenchmarkResult } from './harness.ts';
import { imageBenchmarks } from './image.ts';
import { machineBenchmarks } from './machine.ts';
import { memoryBenchmarks, type DetailedBenchmark } from './memory.ts';
import { sendBenchmarks } from './sends.ts';

const ALL: readonly DetailedBenchmark[] = [...machineBenchmarks, ...memoryBenchmarks, ...sendBenchmarks, ...imageBenchmarks];

function main(argv: string[]): number {
  const json = argv.includes('--json');
  const runsAt = argv.indexOf('--runs');
  const runs = runsAt >= 0 ? Number(argv[runsAt + 1]) : 7;
  if (!Number.isInteger(runs) || runs < 1) {
    process.stderr.write('bench: --runs needs a whole number of at least 1\n');
    return 2;
  }
  const names = argv.filter((a, i) => !a.startsWith('--') && argv[i - 1] !== '--runs');
  const chosen = names.length === 0 ? ALL : ALL.filter((b) => names.some((n) => b.name.startsWith(n)));
  if (chosen.length === 0) {
    process.stderr.write(`bench: no benchmark matches ${names.join(' ')} (have: ${ALL.map((b) => b.name).join(', ')})\n`);
    return 2;
  }
  // Baselines of chosen benchmarks run too, so every ratio comes from this run.
  const withBaselines = ALL.filter((b) => chosen.includes(b) || chosen.some((c) => c.baseline === b.name));
  const results = new Map<string, BenchmarkResult>();
  for (const b of withBaselines) {
    if (!json) process.stderr.write(`running ${b.name} ...\n`);
    results.set(b.name, measure(b, runs, 3));
  }
  const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, Node ${process.version}`;
  // Details (such as collector pauses) of the chosen benchmarks, each set once.
  const details = [...new Set(withBaselines.map((b) => b.details).filter((d) => d !== undefined))].flatMap((d) => d());
  if (json) {
    process.stdout.write(JSON.stringify({ machine, date: new Date().toISOString(), runs, results: [...results.values()], details }, null, 2) + '\n');
    return 0;
  }
  console.log(`${machine}; ${runs} runs each after 3 warm-ups; median (low .. high)`);
  for (const b of withBaselines) {
    const r = results.get(b.name)!;
    const base = b.baseline ? results.get(b.baseline) : undefined;
    const ratio = base ? `  ${(r.median / base.median).toFixed(3)}x of ${b.baseline}` : '';
    console.log(`${b.name.padEnd(24)} ${human(r.median).padStart(9)} ${r.unit}  (${human(r.low)} .. ${human(r.high)})${ratio}`);
  }
  for (const line of details) console.log(line);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
