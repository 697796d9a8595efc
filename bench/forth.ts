/*
 * The Forth front end (src/forth) beside gforth-fast, on the same source: bench/peers/fib.fs
 * and sieve.fs, the peers' own programs, are read by Bedrock's Forth (their timing words are
 * gforth's, so Bedrock's run is timed from here, around one interpretation of `N fib` or
 * `PASSES sieve`, and checked for its answer) and run by gforth-fast in the same run.
 *
 *   forth.fib                 recursive fib in Forth on Bedrock (native code, src/forth/native.ts,
 *                             both tiers as a user gets them); calls/s
 *   peer.gforth.forth-fib     the same source in gforth-fast
 *   forth.sieve               the sieve of tinyBenchmarks in Forth on Bedrock; sieves/s (passes)
 *   peer.gforth.forth-sieve   the same source in gforth-fast
 */
import { readFileSync } from 'node:fs';
import { Forth } from '../src/forth/forth.ts';
import type { Benchmark, Measurement } from './harness.ts';
import { GFORTH, peerBenchmark, peersDirectory } from './peers.ts';
import { fibCalls, fibOf } from './sends.ts';
import { bedrockOf, ENGINES } from './systems.ts';

export interface ForthSizes {
  /** fib N, in Bedrock's Forth and in gforth-fast. */
  readonly fib: number;
  /** Passes of the sieve, in both. */
  readonly sievePasses: number;
}

export const FORTH_SIZES: ForthSizes = { fib: 27, sievePasses: 20 };

/** Primes the sieve counts in one pass (as tinyBenchmarks' sieve does). */
const PRIMES = 1028;

let forth: Forth | null = null;

/** The Forth system of the native auto engine, with the peers' programs read in (once). */
function system(): Forth {
  if (forth) return forth;
  const b = bedrockOf(ENGINES[0]);
  const f = Forth.of(b);
  if (typeof f === 'string') throw new Error(`the Forth system could not be made: ${f}`);
  // The peers' timing words (common.fs) are gforth's: here only the programs are wanted.
  const read = (text: string, name: string): void => {
    const r = f.interpret(text, name, 'file');
    if (!r.ok) throw new Error(`${name}: ${r.error}`);
  };
  read(': timed-runs ( xt n runs warmups -- ) 2drop 2drop ;', 'bench');
  for (const file of ['fib.fs', 'sieve.fs']) read(readFileSync(peersDirectory() + file, 'latin1'), file);
  forth = f;
  return f;
}

/** Interpret `text`, timed; it must leave `expect` alone on the stack. */
function timedForth(text: string, expect: string, work: number): Measurement {
  const f = system();
  const machine = f.bedrock.kernel.machine;
  const steps0 = machine.totalSteps;
  const t0 = process.hrtime.bigint();
  const r = f.interpret(text);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const instructions = machine.totalSteps - steps0;
  const stack = r.stack;
  f.clearStack();
  if (!r.ok) throw new Error(`${text}: ${r.error}`);
  if (stack.length !== 1 || stack[0] !== expect) throw new Error(`${text} left ${stack.join(' ')}, not ${expect}`);
  return { work, seconds, instructions };
}

export function makeForthBenchmarks(s: ForthSizes = FORTH_SIZES): Benchmark[] {
  const calls = fibCalls(s.fib);
  const fibSize = `fib ${s.fib} (${calls} calls)`;
  const sieveSize = `${s.sievePasses} passes`;
  return [
    {
      name: 'forth.fib', unit: 'calls/s', size: fibSize, runs: 5, warmups: 1,
      about: "recursive fib in Forth on Bedrock's machine (bench/peers/fib.fs read by src/forth)",
      baselines: ['peer.gforth.forth-fib', 'sends.fib.native'],
      run: () => timedForth(`${s.fib} fib`, String(fibOf(s.fib)), calls),
    },
    peerBenchmark({
      name: 'peer.gforth.forth-fib', unit: 'calls/s', size: fibSize, about: 'the same source in gforth-fast',
      peer: GFORTH, file: 'fib.fs', word: 'bench-fib', args: [String(s.fib)], expect: String(fibOf(s.fib)), work: calls,
    }),
    {
      name: 'forth.sieve', unit: 'sieves/s', size: sieveSize, runs: 5, warmups: 1,
      about: "tinyBenchmarks' sieve in Forth on Bedrock's machine (bench/peers/sieve.fs read by src/forth)",
      baselines: ['peer.gforth.forth-sieve'],
      run: () => timedForth(`${s.sievePasses} sieve`, String(PRIMES), s.sievePasses),
    },
    peerBenchmark({
      name: 'peer.gforth.forth-sieve', unit: 'sieves/s', size: sieveSize, about: 'the same source in gforth-fast',
      peer: GFORTH, file: 'sieve.fs', word: 'bench-sieve', args: [String(s.sievePasses)], expect: String(PRIMES), work: s.sievePasses,
    }),
  ];
}
