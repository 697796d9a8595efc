/*
 * Test helpers: assemble text onto a fresh machine and run it.
 */
import { assemble, formatAsmError } from '../../kernel/machine/x86/assembler.ts';
import { Machine, type MachineOptions, type RunResult } from '../../kernel/machine/machine.ts';
import { Heap } from '../../kernel/memory/heap.ts';

/** A fresh machine with a heap made over it (code objects live in the heap's fixed space). */
export function newMachine(options?: MachineOptions): Machine {
  const m = new Machine(options);
  new Heap(m);
  return m;
}

/** Assemble `source`, or throw with the assembler's message (a test bug, not a result). */
export function bytesOf(source: string): Uint8Array {
  const r = assemble(source);
  if (!r.ok) throw new Error(`${formatAsmError(r.error)}\n${source}`);
  return r.bytes;
}

export interface Ran extends RunResult {
  readonly m: Machine;
  readonly code: number;
  reg(name: string): bigint;
}

/** Run `source` on a fresh machine (or `m`) after `setup`, with a step limit. */
export function runAsm(
  source: string,
  setup: (m: Machine) => void = () => {},
  options: { steps?: number; machine?: MachineOptions; m?: Machine } = {},
): Ran {
  const m = options.m ?? newMachine(options.machine);
  const code = m.loadCode(bytesOf(source));
  setup(m);
  const result = m.call(code, { steps: options.steps ?? 1_000_000 });
  return { ...result, m, code, reg: (name) => m.register(Machine.registerNumber(name)) };
}
