/*
 * Squeak's tinyBenchmarks, in spirit: a bytecode-heavy loop and a send-heavy one, written in
 * Bedrock's language and run in each back end, beside the same programs in JavaScript, GNU
 * Smalltalk and Forth.
 *
 *   tiny.bytecodes.*   Squeak's `benchmark`: the sieve of Eratosthenes over 8190 flags
 *                      (1028 primes a pass). Counted as tinyBenchmarks counts it: 500,000
 *                      bytecodes a pass, whoever runs it; the machine instructions per pass
 *                      are given beside.
 *   tiny.sends.*       ten unary sends a turn, in a whileTrue: loop, to a method with a
 *                      temporary (`| t | t := self. ^t`): a method with a frame, which the
 *                      compiler cannot copy into its callers (src/compiler/leaf-sends.ts), so
 *                      each is a whole send; counted in those sends (the loop's own arithmetic
 *                      not counted).
 *   tiny.leaf-sends.*  the same loop sending a method that answers self (`^self`): a leaf,
 *                      which the native back end copies into the loop behind a class check,
 *                      so it times that check, not a send.
 *
 * Peers: bench/peers/sieve.st, sieve.fs, sends.st, sends.fs. Their runs are longer (more
 * passes and turns) so their own clocks measure them well; rates are per pass and per send,
 * so the sizes need not match. sends.st holds both loops, as Bedrock's; GNU Smalltalk
 * inlines neither method. gforth never inlines a colon definition, so its one loop of calls
 * (sends.fs) is the peer of both.
 */
import type { Backend } from '../src/compiler/compiler.ts';
import { timed, type Benchmark } from './harness.ts';
import { GFORTH, GST, peerBenchmark } from './peers.ts';
import { define, ENGINES, timedEval, type Engine } from './systems.ts';

export interface TinySizes {
  /** Passes of the sieve in Bedrock, and in JavaScript and the peers. */
  readonly sievePasses: number;
  readonly peerSievePasses: number;
  /** Turns (of ten sends) in Bedrock, and in JavaScript and the peers. */
  readonly sendTurns: number;
  readonly peerSendTurns: number;
}

export const TINY_SIZES: TinySizes = { sievePasses: 5, peerSievePasses: 200, sendTurns: 200_000, peerSendTurns: 5_000_000 };

/** tinyBenchmarks' own count of bytecodes in one pass of its sieve. */
export const BYTECODES_PER_PASS = 500_000;
const SIZE = 8190;
const PRIMES = 1028;
const SENDS_PER_TURN = 10;

export const SIEVE_PROGRAM = `
Object subclass: #SieveBench
SieveBench class sieve: passes ->
    | size flags prime k count |
    size := ${SIZE}.
    1 to: passes do: [:iter |
        count := 0.
        flags := Array new: size.
        flags atAllPut: true.
        1 to: size do: [:i |
            (flags at: i) ifTrue: [
                prime := i + 1.
                k := i + prime.
                [k <= size] whileTrue: [
                    flags at: k put: false.
                    k := k + prime].
                count := count + 1]]].
    ^count
`;

/** A class-side loop of `turns` turns, each sending `selector` ten times to one instance. */
function sendsLoop(keyword: string, selector: string): string {
  return `SendBench class ${keyword} turns ->
    | s i |
    s := self new.
    i := 0.
    [i < turns] whileTrue: [
        ${Array.from({ length: SENDS_PER_TURN }, () => `s ${selector}.`).join(' ')}
        i := i + 1].
    ^i`;
}

export const SENDS_PROGRAM = `
Object subclass: #SendBench
SendBench ping ->
    | t |
    t := self.
    ^t
SendBench leaf -> ^self
${sendsLoop('sends:', 'ping')}
${sendsLoop('leafSends:', 'leaf')}
`;

/** The two loops of SENDS_PROGRAM: a whole send a turn's each, and a leaf copied in. */
interface SendsLoop {
  readonly name: 'sends' | 'leaf-sends';
  /** Its selector, in SENDS_PROGRAM and in bench/peers/sends.st. */
  readonly selector: 'sends:' | 'leafSends:';
  readonly about: string;
}

const LOOPS: readonly SendsLoop[] = [
  { name: 'sends', selector: 'sends:', about: 'a loop of unary sends to a method with a frame' },
  { name: 'leaf-sends', selector: 'leafSends:', about: 'a loop of unary sends of ^self, which the native back end copies into the loop' },
];

/** Keep results alive so the JIT cannot drop the work. */
export let sink: unknown = null;

function bedrockSieve(engine: Engine, passes: number): Benchmark {
  return {
    name: `tiny.bytecodes.${engine.label}`, unit: 'bytecodes/s', size: `${passes} passes`,
    about: `tinyBenchmarks' sieve in Bedrock's language, ${engine.backend} back end, ${engine.tier === 'auto' ? 'tiers as a user gets them' : 'the interpreter alone'} (500,000 bytecodes a pass, as Squeak counts)`,
    baselines: ['js.bytecodes', 'peer.gst.bytecodes', 'peer.gforth.bytecodes'],
    runs: 5,
    warmup: () => { define(engine, 'sieve', SIEVE_PROGRAM); timedEval(engine, 'SieveBench sieve: 1', String(PRIMES), 0); },
    run: () => {
      define(engine, 'sieve', SIEVE_PROGRAM);
      return timedEval(engine, `SieveBench sieve: ${passes}`, String(PRIMES), passes * BYTECODES_PER_PASS);
    },
  };
}

function bedrockSends(engine: Engine, loop: SendsLoop, turns: number): Benchmark {
  return {
    name: `tiny.${loop.name}.${engine.label}`, unit: 'sends/s', size: `${turns * SENDS_PER_TURN} sends`,
    about: `${loop.about}, in Bedrock's language, ${engine.backend} back end, ${engine.tier === 'auto' ? 'tiers as a user gets them' : 'the interpreter alone'}`,
    baselines: ['js.tiny-sends', `peer.gst.${loop.name}`, 'peer.gforth.sends'],
    runs: 5,
    warmup: () => { define(engine, 'sends', SENDS_PROGRAM); timedEval(engine, `SendBench ${loop.selector} 1000`, '1000', 0); },
    run: () => {
      define(engine, 'sends', SENDS_PROGRAM);
      return timedEval(engine, `SendBench ${loop.selector} ${turns}`, String(turns), turns * SENDS_PER_TURN);
    },
  };
}

function jsSieve(passes: number): number {
  let count = 0;
  for (let iter = 1; iter <= passes; iter++) {
    count = 0;
    const flags: boolean[] = new Array(SIZE + 1).fill(true);
    for (let i = 1; i <= SIZE; i++) {
      if (flags[i]) {
        const prime = i + 1;
        for (let k = i + prime; k <= SIZE; k += prime) flags[k] = false;
        count++;
      }
    }
  }
  return count;
}

class SendBench {
  ping(): SendBench { return this; }
}

function jsTinySends(turns: number): number {
  const s = new SendBench();
  let r: SendBench = s;
  let i = 0;
  while (i < turns) {
    r = s.ping(); r = s.ping(); r = s.ping(); r = s.ping(); r = s.ping();
    r = s.ping(); r = s.ping(); r = s.ping(); r = s.ping(); r = s.ping();
    i++;
  }
  sink = r;
  return i;
}

export function makeTinyBenchmarks(s: TinySizes = TINY_SIZES): Benchmark[] {
  const sieve = { unit: 'bytecodes/s', size: `${s.peerSievePasses} passes`, args: [String(s.peerSievePasses)], expect: String(PRIMES), work: s.peerSievePasses * BYTECODES_PER_PASS };
  const sends = { unit: 'sends/s', size: `${s.peerSendTurns * SENDS_PER_TURN} sends`, expect: String(s.peerSendTurns), work: s.peerSendTurns * SENDS_PER_TURN };
  return [
    ...ENGINES.map((e) => bedrockSieve(e, s.sievePasses)),
    {
      name: 'js.bytecodes', unit: 'bytecodes/s', size: `${s.peerSievePasses} passes`, about: 'the same sieve in plain JavaScript',
      run: () => timed(() => {
        const r = jsSieve(s.peerSievePasses);
        if (r !== PRIMES) throw new Error(`js sieve counted ${r}`);
        sink = r;
        return s.peerSievePasses * BYTECODES_PER_PASS;
      }),
    },
    peerBenchmark({ ...sieve, name: 'peer.gst.bytecodes', about: 'the same sieve in GNU Smalltalk (bench/peers/sieve.st)', peer: GST, file: 'sieve.st' }),
    peerBenchmark({ ...sieve, name: 'peer.gforth.bytecodes', about: 'the same sieve in Forth, gforth-fast (bench/peers/sieve.fs)', peer: GFORTH, file: 'sieve.fs', word: 'bench-sieve' }),
    ...ENGINES.map((e) => bedrockSends(e, LOOPS[0], s.sendTurns)),
    // The leaf's copy is the native back end's (the threaded one sends it).
    ...ENGINES.filter((e) => e.backend === 'native').map((e) => bedrockSends(e, LOOPS[1], s.sendTurns)),
    {
      name: 'js.tiny-sends', unit: 'sends/s', size: `${s.peerSendTurns * SENDS_PER_TURN} calls`, about: 'the same loop of method calls in plain JavaScript',
      run: () => timed(() => {
        if (jsTinySends(s.peerSendTurns) !== s.peerSendTurns) throw new Error('js sends lost count');
        return s.peerSendTurns * SENDS_PER_TURN;
      }),
    },
    ...LOOPS.map((l) => peerBenchmark({
      ...sends, name: `peer.gst.${l.name}`, about: `the same loop (${l.selector}) in GNU Smalltalk (bench/peers/sends.st)`,
      peer: GST, file: 'sends.st', args: [String(s.peerSendTurns), l.selector],
    })),
    peerBenchmark({
      ...sends, name: 'peer.gforth.sends', about: 'the same loop, as calls of a colon definition, in gforth-fast (bench/peers/sends.fs)',
      peer: GFORTH, file: 'sends.fs', word: 'bench-sends', args: [String(s.peerSendTurns)],
    }),
  ];
}
