/*
 * Send benchmarks.
 *
 *   sends.fib.native, sends.fib.threaded   recursive fib in Bedrock's language, each back end:
 *                      Integer fib -> self < 2 ifTrue: [^self]. ^(self - 1) fib + (self - 2) fib
 *                      then `30 fib`; the rate is fib calls per second (fib 30 makes 2,692,537
 *                      calls, each with its comparison, two subtractions and an addition, all
 *                      dynamic sends unless the compiler inlines them), with the machine
 *                      instructions per call beside it
 *   js.fib             the same function in plain JavaScript, in this process
 *   peer.gst.fib, peer.gforth.fib   the same program in GNU Smalltalk and in Forth
 *                      (bench/peers/fib.st, fib.fs), timed inside the peer
 *   sends.run-loop     the bare send: threaded code built by hand, run by `VM run:`,
 *                        load: 3 | send0: #yourself (x8) | loop: 2 | exit
 *                      each send0 pair a real dynamic send through its send site (Kernel>>send)
 *   js.sends           JavaScript method calls through a polymorphic site, 8 a turn
 */
import { genesis } from '../bootstrap/genesis.ts';
import { FORMAT_POINTERS, TAG_NUM, TAG_PTR } from '../kernel/machine/cells.ts';
import { behaviourIndex, lookup } from '../kernel/objects/classes.ts';
import { slotPointer } from '../kernel/objects/access.ts';
import type { Kernel } from '../kernel/objects/kernel.ts';
import { CLASS, METHOD } from '../kernel/objects/layout.ts';
import { makeSendSite } from '../kernel/objects/send.ts';
import type { Backend } from '../src/compiler/compiler.ts';
import { timed, type Benchmark } from './harness.ts';
import { GFORTH, GST, peerBenchmark } from './peers.ts';
import { define, ENGINES, timedEval, type Engine } from './systems.ts';

export interface SendSizes {
  /** fib N in Bedrock, in JavaScript and in the peers (the same N for all). */
  readonly fib: number;
  /** Turns of the hand-made run-loop (8 sends a turn) and of js.sends. */
  readonly runLoopTurns: number;
}

export const SEND_SIZES: SendSizes = { fib: 30, runLoopTurns: 500_000 };

/** Keep results alive so the JIT cannot drop the work. */
export let sink: unknown = null;

export const FIB_PROGRAM = 'Integer fib -> self < 2 ifTrue: [^self]. ^(self - 1) fib + (self - 2) fib';

export function fibOf(n: number): number {
  let a = 0, b = 1;
  for (let i = 0; i < n; i++) [a, b] = [b, a + b];
  return a;
}

/** Calls the recursive fib makes for n (itself included): 2 fib(n+1) - 1. */
export function fibCalls(n: number): number {
  return 2 * fibOf(n + 1) - 1;
}

function bedrockFib(engine: Engine, n: number): Benchmark {
  const calls = fibCalls(n);
  return {
    name: `sends.fib.${engine.label}`, unit: 'calls/s', size: `${n} fib (${calls} calls)`,
    about: `recursive fib in Bedrock's language, ${engine.backend} back end, ${engine.tier === 'auto' ? 'tiers as a user gets them' : 'the interpreter alone'}`,
    baselines: ['js.fib', 'peer.gst.fib', 'peer.gforth.fib'],
    runs: 3,
    warmup: () => {
      define(engine, 'fib', FIB_PROGRAM);
      timedEval(engine, `${Math.min(n, 20)} fib`, String(fibOf(Math.min(n, 20))), 0);
    },
    run: () => {
      define(engine, 'fib', FIB_PROGRAM);
      return timedEval(engine, `${n} fib`, String(fibOf(n)), calls);
    },
  };
}

function jsFib(n: number): number {
  return n < 2 ? n : jsFib(n - 1) + jsFib(n - 2);
}

function jsFibBenchmark(n: number): Benchmark {
  const calls = fibCalls(n);
  return {
    name: 'js.fib', unit: 'calls/s', size: `fib(${n})`, about: 'the same fib in plain JavaScript, in this process',
    run: () => timed(() => {
      const r = jsFib(n);
      if (r !== fibOf(n)) throw new Error(`js fib(${n}) = ${r}`);
      sink = r;
      return calls;
    }),
  };
}

// ---- the hand-made run loop ---------------------------------------------------------------

const SENDS_PER_TURN = 8;

function codeOf(k: Kernel, behaviour: string, selector: string): number {
  const b = k.behaviourNamed(behaviour);
  const method = lookup(k, behaviourIndex(k, b), k.symbols.intern(selector));
  return slotPointer(k.machine, method, METHOD.CODE);
}

function sendLoop(turns: number): () => number {
  const r = genesis();
  if (!r.ok) throw new Error(`genesis failed: ${r.error}`);
  const k = r.kernel;
  const t = (sel: string): number => codeOf(k, 'Threaded', sel);
  const yourself = k.symbols.intern('yourself');
  const pairs: [number, bigint, number][] = [[t('load:'), 3n, TAG_NUM]];
  // Each send0 pair with a send site of its own, as compiled code has.
  for (let i = 0; i < SENDS_PER_TURN; i++) pairs.push([t('send0:'), BigInt(makeSendSite(k, yourself)), TAG_PTR]);
  pairs.push([t('loop:'), 2n, TAG_NUM], [t('exit'), 0n, TAG_NUM]);
  const vector = k.heap.allocateFixed(pairs.length * 2, FORMAT_POINTERS, CLASS.Array, 0n, TAG_NUM);
  pairs.forEach(([method, operand, tag], i) => {
    k.machine.setCell(vector + 16 * i, BigInt(method), TAG_PTR);
    k.machine.setCell(vector + 16 * i + 8, operand, tag);
  });
  const run = codeOf(k, 'VM', 'run:');
  return () => {
    k.machine.setRegister(14, BigInt(turns));
    k.machine.setRegister(6, BigInt(vector), TAG_PTR);
    const result = k.machine.call(run, { steps: Number.MAX_SAFE_INTEGER });
    if (result.fault) throw new Error(`send benchmark faulted: ${result.fault.message}`);
    return result.steps;
  };
}

class Three { yourself(): unknown { return this; } }
class Four { yourself(): unknown { return 4; } }
const receivers = [new Three(), new Four()];

function jsSends(turns: number): number {
  let last: unknown = null;
  for (let i = 0; i < turns; i++) {
    const r = receivers[i & 1];
    for (let j = 0; j < SENDS_PER_TURN; j++) last = r.yourself();
  }
  sink = last;
  return turns * SENDS_PER_TURN;
}

function runLoopBenchmarks(turns: number): Benchmark[] {
  let loop: (() => number) | null = null;
  return [
    {
      name: 'sends.run-loop', unit: 'sends/s', size: `${turns * SENDS_PER_TURN} sends`, baseline: 'js.sends',
      about: 'bare dynamic sends: hand-made threaded code run by VM run:',
      run: () => {
        const l = (loop ??= sendLoop(turns));
        let instructions = 0;
        const m = timed(() => { instructions = l(); return turns * SENDS_PER_TURN; });
        return { ...m, instructions };
      },
    },
    { name: 'js.sends', unit: 'sends/s', size: `${turns * SENDS_PER_TURN} calls`, about: 'JavaScript method calls through a polymorphic site', run: () => timed(() => jsSends(turns)) },
  ];
}

export function makeSendBenchmarks(s: SendSizes = SEND_SIZES): Benchmark[] {
  const calls = fibCalls(s.fib);
  const peer = { unit: 'calls/s', size: `fib ${s.fib} (${calls} calls)`, args: [String(s.fib)], expect: String(fibOf(s.fib)), work: calls };
  return [
    ...runLoopBenchmarks(s.runLoopTurns),
    ...ENGINES.map((e) => bedrockFib(e, s.fib)),
    jsFibBenchmark(s.fib),
    peerBenchmark({ ...peer, name: 'peer.gst.fib', about: 'the same fib in GNU Smalltalk (bench/peers/fib.st)', peer: GST, file: 'fib.st' }),
    peerBenchmark({ ...peer, name: 'peer.gforth.fib', about: 'the same fib in Forth, gforth-fast (bench/peers/fib.fs)', peer: GFORTH, file: 'fib.fs', word: 'bench-fib' }),
  ];
}

/** The benchmarks at their full sizes (the hand-made run loop first). */
export const sendBenchmarks: readonly Benchmark[] = makeSendBenchmarks();
