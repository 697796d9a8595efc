/*
 * `npm run bench [NAME ...] [--json] [--save FILE] [--compare FILE] [--runs N] [--warmups N]
 * [--quick] [--list]` (and `bedrock bench ...`, which runs this file): run the benchmarks (all,
 * or those whose names start with a NAME, with their baselines), and print each one's median
 * rate, spread and ratio to its baselines from the same run; --json prints the whole run as
 * one JSON document instead (progress still goes to stderr), --save writes that document to a
 * file as well, --compare sets each median beside the one of a saved run. runBench is the
 * same, for callers in process.
 * Exit status: 0, 1 when a benchmark failed, 2 for bad arguments.
 */
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { baselinesOf, measure, type Benchmark, type BenchmarkResult } from './harness.ts';
import { PEERS } from './peers.ts';
import { environment, ratiosOf, textReport, type RunReport } from './report.ts';
import { allBenchmarks, FULL, makeSuite, QUICK } from './suite.ts';
import { bootTimes } from './systems.ts';

export interface BenchOutput {
  out(line: string): void;
  err(line: string): void;
}

const STDIO: BenchOutput = { out: (l) => process.stdout.write(l + '\n'), err: (l) => process.stderr.write(l + '\n') };

const USAGE = `usage: bench [NAME ...] [--json] [--save FILE] [--compare FILE] [--runs N] [--warmups N] [--quick] [--list]
  NAME           run the benchmarks whose names start with NAME (and their baselines)
  --json         print the whole run as JSON on stdout
  --save FILE    write the whole run as JSON to FILE too, to keep
  --compare FILE set each median beside the one in FILE (a run kept with --save or --json)
  --runs N       timed runs of every benchmark (default: 7, fewer for the slowest)
  --warmups N    untimed runs first (default: 3, or a shorter warm-up of its own)
  --quick        tiny sizes, one run each without warm-ups, to check the suite works
  --list         the benchmarks and what each measures`;

interface Options {
  json: boolean; quick: boolean; list: boolean;
  runs: number | null; warmups: number | null;
  save: string | null; compare: string | null;
  names: string[];
}

function parse(argv: readonly string[]): Options | string {
  const o: Options = { json: false, quick: false, list: false, runs: null, warmups: null, save: null, compare: null, names: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') o.json = true;
    else if (a === '--quick') o.quick = true;
    else if (a === '--list') o.list = true;
    else if (a === '--save' || a === '--compare') {
      const f = argv[++i];
      if (f === undefined || f === '') return `${a} needs a file`;
      if (a === '--save') o.save = f; else o.compare = f;
    } else if (a === '--runs' || a === '--warmups') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < (a === '--runs' ? 1 : 0)) return `${a} needs a whole number${a === '--runs' ? ' of at least 1' : ''}`;
      if (a === '--runs') o.runs = n; else o.warmups = n;
    } else if (a === '--help' || a === '-h') return '';
    else if (a.startsWith('-')) return `unknown option ${a}`;
    else o.names.push(a);
  }
  return o;
}

/** Run the suite as the command line says; the exit status. */
export function runBench(argv: readonly string[], io: BenchOutput = STDIO): number {
  const o = parse(argv);
  if (typeof o === 'string') {
    if (o) io.err(`bench: ${o}`);
    io.err(USAGE);
    return o ? 2 : 0;
  }
  let kept: Map<string, number> | undefined;
  if (o.compare) {
    const k = keptMedians(o.compare);
    if (typeof k === 'string') { io.err(`bench: --compare ${o.compare}: ${k}`); return 2; }
    kept = k;
  }
  const groups = makeSuite(o.quick ? QUICK : FULL);
  const all = allBenchmarks(groups);
  if (o.list) {
    for (const g of groups) {
      io.out(g.note ? `${g.name} · ${g.note}` : g.name);
      for (const b of g.benchmarks) io.out(`  ${b.name.padEnd(34)} ${b.unit.padEnd(15)} ${b.about ?? ''}${b.size ? ` [${b.size}]` : ''}`);
    }
    return 0;
  }
  const chosen = o.names.length === 0 ? all : all.filter((b) => o.names.some((n) => b.name.startsWith(n)));
  if (chosen.length === 0) {
    io.err(`bench: no benchmark matches ${o.names.join(' ')} (have: ${all.map((b) => b.name).join(', ')})`);
    return 2;
  }
  // Baselines of chosen benchmarks run too, so every ratio comes from this run.
  const wanted = new Set(chosen.flatMap((b) => [b.name, ...baselinesOf(b)]));
  const toRun = all.filter((b) => wanted.has(b.name));
  const env = environment();
  const t0 = performance.now();
  const results = new Map<string, BenchmarkResult>();
  for (const b of toRun) {
    io.err(`running ${b.name}${b.size ? ` (${b.size})` : ''} ...`);
    const r = o.quick ? measure(b, o.runs ?? 1, o.warmups ?? 0) : measure(b, o.runs, o.warmups);
    if (r.status === 'failed') io.err(`  ${b.name} FAILED: ${r.reason}`);
    results.set(b.name, r);
  }
  const report = makeReport(groups.map((g) => ({ ...g, benchmarks: g.benchmarks.filter((b) => wanted.has(b.name)) })), results, o, env, (performance.now() - t0) / 1000, kept);
  const json = JSON.stringify(report, null, 2);
  if (o.save) {
    try { writeFileSync(o.save, json + '\n'); } catch (e) { io.err(`bench: --save ${o.save}: ${e instanceof Error ? e.message : String(e)}`); }
  }
  if (o.json) io.out(json);
  else for (const l of textReport(report)) io.out(l);
  return [...results.values()].some((r) => r.status === 'failed') ? 1 : 0;
}

function makeReport(
  groups: readonly { name: string; note?: string; benchmarks: readonly Benchmark[] }[],
  results: ReadonlyMap<string, BenchmarkResult>, o: Options, env: RunReport['environment'], seconds: number,
  kept?: ReadonlyMap<string, number>,
): RunReport {
  const ran = groups.flatMap((g) => g.benchmarks);
  // Details of the benchmarks that ran, each details function once.
  const detailFns = [...new Set(ran.map((b) => b.details).filter((d) => d !== undefined))];
  const details = [
    // (bin/bench.mjs says how it ran the benchmarks: bundled as the command line is, or the sources through tsx.)
    `the benchmarks ran ${process.env.BEDROCK_BENCH_RUN ?? 'from the sources through tsx'}`,
    ...bootTimes().map((t) => `Bedrock boot (${t.engine}, not timed in any benchmark): ${t.seconds.toFixed(1)} s${t.translation ? `; the tier: ${t.translation}` : ''}`),
    ...detailFns.flatMap((d) => {
      try { return d(); } catch (e) { return [`(details failed: ${e instanceof Error ? e.message : String(e)})`]; }
    }),
  ];
  return {
    version: 1,
    date: new Date().toISOString(),
    environment: env,
    options: { runs: o.runs, warmups: o.warmups, quick: o.quick, names: o.names, ...(o.compare ? { compare: o.compare } : {}) },
    seconds,
    groups: groups.filter((g) => g.benchmarks.length > 0).map((g) => ({
      name: g.name,
      ...(g.note ? { note: g.note } : {}),
      results: g.benchmarks.map((b) => {
        const r = results.get(b.name)!;
        const before = kept?.get(b.name);
        const change = before !== undefined && r.status === 'ok' ? { change: r.median / before } : {};
        return { ...r, group: g.name, ratios: ratiosOf(b, results), ...change };
      }),
    })),
    peers: PEERS.map((p) => ({ name: p.name, command: p.command, version: p.version() })),
    details,
  };
}

/** The medians of a kept run (a RunReport), by benchmark name; or what is wrong with the file. */
function keptMedians(file: string): Map<string, number> | string {
  try {
    const report = JSON.parse(readFileSync(file, 'utf8')) as Partial<RunReport>;
    if (report.version !== 1 || !Array.isArray(report.groups)) return 'not a run kept by bench --save or --json';
    const m = new Map<string, number>();
    for (const g of report.groups) for (const r of g.results) if (r.status === 'ok') m.set(r.name, r.median);
    return m;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

function isMain(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) process.exitCode = runBench(process.argv.slice(2));
