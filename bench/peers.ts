/*
 * Peers: the same programs run by GNU Smalltalk (`gst`) and by Gforth (`gforth-fast`), as
 * child processes, with their sources in bench/peers/. Each peer program times itself (so
 * process start-up is not counted): after its warm-ups, every timed run prints one line
 * "RESULT MICROSECONDS", and the result is checked against the answer Bedrock must give. All
 * the runs of one benchmark happen in one process. When a peer is not installed its
 * benchmarks are reported as missing, with the command that would install it
 * (bench/peers/install.sh).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Benchmark, Measurement } from './harness.ts';
import { projectFile } from '../bootstrap/project-files.ts';

export interface Peer {
  readonly name: 'gst' | 'gforth';
  /** The program run. */
  readonly command: string;
  /** Its version line, or null when it is not installed. */
  readonly version: () => string | null;
}

const versions = new Map<string, string | null>();

function versionOf(command: string, args: readonly string[]): string | null {
  if (!versions.has(command)) {
    const r = spawnSync(command, args, { encoding: 'utf8', timeout: 10_000 });
    const line = r.status === 0 ? `${r.stdout}${r.stderr}`.split('\n').find((l) => l.trim() !== '') ?? command : null;
    versions.set(command, line?.trim() ?? null);
  }
  return versions.get(command) ?? null;
}

export const GST: Peer = { name: 'gst', command: 'gst', version: () => versionOf('gst', ['--version']) };
export const GFORTH: Peer = { name: 'gforth', command: 'gforth-fast', version: () => versionOf('gforth-fast', ['--version']) };
export const PEERS: readonly Peer[] = [GST, GFORTH];

/** bench/peers/, found from the sources or from the build in dist/. */
export function peersDirectory(): string {
  const dir = projectFile('bench/peers') + '/';
  if (existsSync(dir + 'common.fs')) return dir;
  throw new Error('bench/peers/ (the peers\' programs) is not there');
}

/** Why a peer cannot run here, or null. */
export function missingPeer(p: Peer): string | null {
  return p.version() === null ? `${p.command} is not installed (bench/peers/install.sh installs it)` : null;
}

export interface PeerProgram {
  readonly name: string;
  readonly unit: string;
  readonly about: string;
  readonly size: string;
  readonly peer: Peer;
  /** The program's file in bench/peers/. */
  readonly file: string;
  /**
   * Its arguments before RUNS and WARMUPS (for gst) or the words before them (for gforth);
   * a function when they are made at run time (a temporary file).
   */
  readonly args: readonly string[] | (() => readonly string[]);
  /** The Forth word that runs it (gforth only): "ARGS RUNS WARMUPS word bye". */
  readonly word?: string;
  /** The answer each run must print. */
  readonly expect: string;
  /** Work of one run, in the unit. */
  readonly work: number;
  readonly runs?: number;
  readonly warmups?: number;
  readonly baselines?: readonly string[];
}

/** The lines "RESULT MICROSECONDS" a peer printed, checked, as measurements. */
export function parsePeerOutput(output: string, expect: string, work: number): Measurement[] {
  const ms: Measurement[] = [];
  for (const line of output.split('\n')) {
    const m = /^\s*(-?\d+)\s+(\d+)\s*$/.exec(line);
    if (!m) continue;
    if (m[1] !== expect) throw new Error(`answered ${m[1]}, not ${expect}`);
    ms.push({ work, seconds: Math.max(Number(m[2]), 1) / 1e6 });
  }
  return ms;
}

function commandLine(p: PeerProgram, runs: number, warmups: number): string[] {
  const dir = peersDirectory();
  const args = typeof p.args === 'function' ? p.args() : p.args;
  if (p.peer.name === 'gst') return ['-g', '-f', dir + p.file, ...args, String(runs), String(warmups)];
  return [dir + 'common.fs', dir + p.file, '-e', `${args.join(' ')} ${runs} ${warmups} ${p.word} bye`];
}

/** Run a peer program: its warm-ups and runs in one process. */
export function runPeer(p: PeerProgram, runs: number, warmups: number): Measurement[] {
  const args = commandLine(p, runs, warmups);
  const r = spawnSync(p.peer.command, args, { encoding: 'utf8', timeout: 600_000, maxBuffer: 1 << 24 });
  if (r.error) throw new Error(`${p.peer.command}: ${r.error.message}`);
  const ms = parsePeerOutput(r.stdout, p.expect, p.work);
  if (r.status !== 0 || ms.length !== runs) {
    const said = `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-3).join(' / ');
    throw new Error(`${p.peer.command} ${p.file} gave ${ms.length} of ${runs} runs (exit ${r.status}): ${said}`);
  }
  return ms;
}

export function peerBenchmark(p: PeerProgram): Benchmark {
  return {
    name: p.name, unit: p.unit, about: p.about, size: p.size,
    runs: p.runs, warmups: p.warmups ?? 1, baselines: p.baselines,
    missing: () => missingPeer(p.peer),
    run: () => runPeer(p, 1, 0)[0],
    runAll: (runs, warmups) => runPeer(p, runs, warmups),
  };
}
