/*
 * Test helpers for the object layer: a kernel from genesis, code objects from assembly text,
 * threaded code vectors, and values.
 */
import { genesis, type GenesisOptions } from '../../bootstrap/genesis.ts';
import { FORMAT_POINTERS, TAG_NUM, TAG_PTR } from '../../kernel/machine/cells.ts';
import { slotPointer } from '../../kernel/objects/access.ts';
import type { Value } from '../../kernel/objects/globals.ts';
import type { Kernel } from '../../kernel/objects/kernel.ts';
import { CLASS, CLOSURE, METHOD } from '../../kernel/objects/layout.ts';
import { behaviourIndex, lookup } from '../../kernel/objects/classes.ts';
import { bytesOf } from './machine.ts';

export function boot(options: GenesisOptions = {}): Kernel {
  const r = genesis(options);
  if (!r.ok) throw new Error(`genesis failed: ${r.error}`);
  return r.kernel;
}

export const num = (n: number | bigint): Value => ({ value: BigInt(n), tag: TAG_NUM });
export const ptr = (p: number): Value => ({ value: BigInt(p), tag: TAG_PTR });

/** A code object holding `source` assembled. */
export function code(k: Kernel, source: string): number {
  const p = k.heap.allocateCode(bytesOf(source), CLASS.CodeObject);
  if (p < 0) throw new Error('out of memory');
  return p;
}

/** A BlockClosure whose code is `codeObject` (taking `argc` arguments, self nil): a block for the CPU primitives. */
export function closure(k: Kernel, codeObject: number, argc = 0): number {
  const c = k.heap.allocate(CLOSURE.SIZE, FORMAT_POINTERS, CLASS.BlockClosure, BigInt(k.nil), TAG_PTR);
  if (c < 0) throw new Error('out of memory');
  k.machine.setCell(c + 8 * CLOSURE.CODE, BigInt(codeObject), TAG_PTR);
  k.machine.setCell(c + 8 * CLOSURE.ARGC, BigInt(argc), TAG_NUM);
  return c;
}

/** The code object of the method `selector` in behaviour `name` (its body, not its send entry). */
export function methodCode(k: Kernel, name: string, selector: string): number {
  const b = k.behaviourNamed(name);
  const sel = k.symbols.intern(selector);
  const method = lookup(k, behaviourIndex(k, b), sel);
  if (method < 0) throw new Error(`${name}>>${selector} is not defined`);
  return slotPointer(k.machine, method, METHOD.CODE);
}

/** A threaded code vector: pairs of (code object, operand) in an Array in the fixed space. */
export function threaded(k: Kernel, pairs: readonly [number, Value][]): number {
  const v = k.heap.allocateFixed(pairs.length * 2, FORMAT_POINTERS, CLASS.Array, BigInt(k.nil), TAG_PTR);
  if (v < 0) throw new Error('out of memory');
  pairs.forEach(([method, operand], i) => {
    k.machine.setCell(v + 16 * i, BigInt(method), TAG_PTR);
    k.machine.setCell(v + 16 * i + 8, operand.value, operand.tag);
  });
  return v;
}

/** Run threaded code `vector` with VM>>run: from the host; returns rax and the run result. */
export function runThreaded(k: Kernel, vector: number, steps = 1_000_000): { value: Value; fault: string | null; steps: number } {
  const run = methodCode(k, 'VM', 'run:');
  k.machine.setRegister(6, BigInt(vector), TAG_PTR);
  const r = k.machine.call(run, { steps });
  return {
    value: { value: k.machine.register(0), tag: k.machine.registerTag(0) },
    fault: r.fault ? `${r.fault.kind}: ${r.fault.message} at ${r.fault.instruction}` : null,
    steps: r.steps,
  };
}
