/*
 * Send benchmarks: dynamic sends per second through the run loop, beside JavaScript method
 * calls in the same process.
 *
 *   threaded code:  load: 3 | send0: #yourself | send0: #yourself ... (8 sends) | loop: 2 | exit
 *
 * Each send0 pair is a real dynamic send: SEND reads the receiver's class from its tag, probes
 * the method cache, and the pair calls the method it found (VM>>yourself, found through
 * SmallInteger -> Object -> VM on the first send and from the cache after). The counter of
 * `loop:` lives in r14. The JavaScript baseline calls a method through a polymorphic site.
 */
import { genesis } from '../bootstrap/genesis.ts';
import { FORMAT_POINTERS, TAG_NUM, TAG_PTR } from '../kernel/machine/cells.ts';
import { behaviourIndex, lookup } from '../kernel/objects/classes.ts';
import { slotPointer } from '../kernel/objects/access.ts';
import type { Kernel } from '../kernel/objects/kernel.ts';
import { CLASS, METHOD } from '../kernel/objects/layout.ts';
import { timed, type Benchmark } from './harness.ts';

const SENDS_PER_TURN = 8;
const TURNS = 500_000;

function codeOf(k: Kernel, behaviour: string, selector: string): number {
  const b = k.behaviourNamed(behaviour);
  const method = lookup(k, behaviourIndex(k, b), k.symbols.intern(selector));
  return slotPointer(k.machine, method, METHOD.CODE);
}

function sendLoop(): () => number {
  const r = genesis();
  if (!r.ok) throw new Error(`genesis failed: ${r.error}`);
  const k = r.kernel;
  const t = (sel: string): number => codeOf(k, 'Threaded', sel);
  const yourself = BigInt(k.symbols.intern('yourself'));
  const pairs: [number, bigint, number][] = [[t('load:'), 3n, TAG_NUM]];
  for (let i = 0; i < SENDS_PER_TURN; i++) pairs.push([t('send0:'), yourself, TAG_PTR]);
  pairs.push([t('loop:'), 2n, TAG_NUM], [t('exit'), 0n, TAG_NUM]);
  const vector = k.heap.allocateFixed(pairs.length * 2, FORMAT_POINTERS, CLASS.Array, 0n, TAG_NUM);
  pairs.forEach(([method, operand, tag], i) => {
    k.machine.setCell(vector + 16 * i, BigInt(method), TAG_PTR);
    k.machine.setCell(vector + 16 * i + 8, operand, tag);
  });
  const run = codeOf(k, 'VM', 'run:');
  return () => {
    k.machine.setRegister(14, BigInt(TURNS));
    k.machine.setRegister(6, BigInt(vector), TAG_PTR);
    const result = k.machine.call(run, { steps: Number.MAX_SAFE_INTEGER });
    if (result.fault) throw new Error(`send benchmark faulted: ${result.fault.message}`);
    return TURNS * SENDS_PER_TURN;
  };
}

class Three { yourself(): unknown { return this; } }
class Four { yourself(): unknown { return 4; } }
const receivers = [new Three(), new Four()];
export let sink: unknown = null;

function jsSends(): number {
  let last: unknown = null;
  for (let i = 0; i < TURNS; i++) {
    const r = receivers[i & 1];
    for (let j = 0; j < SENDS_PER_TURN; j++) last = r.yourself();
  }
  sink = last;
  return TURNS * SENDS_PER_TURN;
}

let loop: (() => number) | null = null;

export const sendBenchmarks: readonly Benchmark[] = [
  { name: 'sends.run-loop', unit: 'sends/s', baseline: 'js.sends', run: () => timed(loop ??= sendLoop()) },
  { name: 'js.sends', unit: 'sends/s', run: () => timed(jsSends) },
];
