/*
 * What a run of the suite prints: a table by group (median rate, spread, time a run,
 * instructions, collector pauses), each benchmark's ratios against its baselines from the
 * same run, then the details; or the whole run as one JSON document, to keep and compare.
 */
import os from 'node:os';
import { baselinesOf, duration, human, type Benchmark, type BenchmarkResult } from './harness.ts';

export interface Ratio {
  readonly baseline: string;
  /** This benchmark's median rate over the baseline's (above 1: faster), or null when the baseline did not run. */
  readonly ratio: number | null;
  readonly note?: string;
}

export interface ReportedResult extends BenchmarkResult {
  readonly group: string;
  readonly ratios: readonly Ratio[];
  /** With --compare: this median over the kept run's (above 1: faster now). */
  readonly change?: number;
}

export interface Environment {
  readonly cpu: string;
  readonly cores: number;
  readonly node: string;
  readonly platform: string;
  /** Load averages (1, 5, 15 minutes) when the run started. */
  readonly load: readonly number[];
}

export interface RunReport {
  readonly version: 1;
  readonly date: string;
  readonly environment: Environment;
  readonly options: { readonly runs: number | null; readonly warmups: number | null; readonly quick: boolean; readonly names: readonly string[]; readonly compare?: string };
  readonly seconds: number;
  readonly groups: readonly { readonly name: string; readonly note?: string; readonly results: readonly ReportedResult[] }[];
  readonly peers: readonly { readonly name: string; readonly command: string; readonly version: string | null }[];
  readonly details: readonly string[];
}

export function environment(): Environment {
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown CPU',
    cores: os.cpus().length,
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    load: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

export function ratiosOf(b: Benchmark, results: ReadonlyMap<string, BenchmarkResult>): Ratio[] {
  const mine = results.get(b.name);
  return baselinesOf(b).map((name) => {
    const base = results.get(name);
    if (!mine || mine.status !== 'ok') return { baseline: name, ratio: null };
    if (!base) return { baseline: name, ratio: null, note: 'not run' };
    if (base.status !== 'ok') return { baseline: name, ratio: null, note: base.status };
    return { baseline: name, ratio: mine.median / base.median };
  });
}

function ratioText(r: Ratio): string {
  if (r.ratio === null) return `${r.baseline} ${r.note ?? '-'}`;
  const x = r.ratio >= 10 ? r.ratio.toFixed(0) : r.ratio >= 0.1 ? r.ratio.toFixed(2) : r.ratio.toPrecision(2);
  const plain = r.ratio >= 1 ? `${r.ratio >= 10 ? r.ratio.toFixed(0) : r.ratio.toFixed(1)}x faster` : `${(1 / r.ratio) >= 10 ? (1 / r.ratio).toFixed(0) : (1 / r.ratio).toFixed(1)}x slower`;
  return `${x}x ${r.baseline} (${plain})`;
}

function resultLine(r: ReportedResult): string {
  const name = `  ${r.name.padEnd(34)}`;
  const reason = (r.reason ?? '').trim().split('\n').map((l) => l.trim()).join(' / ');
  if (r.status === 'missing') return `${name} missing: ${reason}`;
  if (r.status === 'failed') return `${name} FAILED: ${reason}`;
  const parts = [`${human(r.median).padStart(9)} ${r.unit}  (${human(r.low)} .. ${human(r.high)})`];
  parts.push(`${r.rates.length} × ${duration(r.medianSeconds)}`);
  if (r.instructionsPerSecond !== undefined && r.instructionsPerUnit !== undefined && r.unit !== 'instructions/s') {
    const per = r.unit.replace(/\/s$/, '').replace(/s$/, '');
    parts.push(`${(r.instructionsPerSecond / 1e6).toFixed(1)} MIPS, ${r.instructionsPerUnit >= 100 ? r.instructionsPerUnit.toFixed(0) : r.instructionsPerUnit.toFixed(1)} instr/${per}`);
  }
  if (r.pauses) {
    const p = r.pauses;
    parts.push(`GC a run: ${p.minor} minor, ${p.major} major, ${p.totalMs.toFixed(1)} ms in all; longest pause ${p.longestMs.toFixed(2)} ms`);
  }
  if (r.change !== undefined) parts.push(`${r.change.toFixed(2)}x the kept run`);
  return `${name} ${parts.join(' · ')}`;
}

export function textReport(report: RunReport): string[] {
  const e = report.environment;
  const lines = [
    `Bedrock benchmarks · ${e.cpu}, ${e.cores} cores, Node ${e.node} · load ${e.load.join(' ')} · ${report.date}`,
    `median rate (lowest .. highest) · runs × median time a run · ratios are median rates against baselines run in this invocation${report.options.quick ? ' · QUICK sizes: not figures to quote' : ''}`,
    ...(report.options.compare ? [`compared with the run kept in ${report.options.compare}`] : []),
  ];
  for (const g of report.groups) {
    lines.push('', g.note ? `${g.name} · ${g.note}` : g.name);
    for (const r of g.results) {
      lines.push(resultLine(r));
      if (r.status === 'ok' && r.ratios.length > 0) lines.push(`      ${r.ratios.map(ratioText).join(' · ')}`);
    }
  }
  const peers = report.peers.map((p) => `${p.command}: ${p.version ?? 'not installed (bench/peers/install.sh)'}`);
  lines.push('', `peers · ${peers.join(' · ')}`);
  for (const d of report.details) lines.push(d);
  lines.push(`(${report.seconds.toFixed(0)} s)`);
  return lines;
}
