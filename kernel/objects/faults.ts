/*
 * What the kernel does with a fault the machine reports (Machine.faultHandler): the machine
 * has stopped on the faulting instruction, leaving everything as it was before it, so the
 * kernel can fix the cause and run the instruction again. A StackOverflow at the stack's low
 * end moves the stack to a bigger object (kernel/memory/stack.ts) while it is under the
 * stack limit (the global below). Anything else ends the run with the fault.
 */
import { TAG_NUM } from '../machine/cells.ts';
import type { Fault } from '../machine/faults.ts';
import type { Insn } from '../machine/insn.ts';
import type { Machine } from '../machine/machine.ts';
import { DEFAULT_STACK_LIMIT, growStack, wantsRoom } from '../memory/stack.ts';
import type { Kernel } from './kernel.ts';

/** The fault handler the kernel installs on its machine. */
export function kernelFaultHandler(k: Kernel): (f: Fault) => Insn | null {
  return (f) => {
    const m = k.machine;
    if (wantsRoom(m, f) && growStack(k.heap, stackLimit(k))) return faultingInstruction(m, f);
    return null;
  };
}

/**
 * The global that holds the stack's limit, in cells: SystemDictionary's class variable
 * StackLimit (`Smalltalk stackLimit: n` sets it), so an image keeps it and a mark restores it.
 */
export const STACK_LIMIT_GLOBAL = 'SystemDictionary.StackLimit';

/** The most cells the machine stack may grow to: the StackLimit global, else the default. */
export function stackLimit(k: Kernel): number {
  const v = k.global(STACK_LIMIT_GLOBAL);
  return v && v.tag === TAG_NUM && v.value >= 1024n && v.value <= 1n << 28n ? Number(v.value) : DEFAULT_STACK_LIMIT;
}

/** The instruction that faulted, to run again. */
function faultingInstruction(m: Machine, f: Fault): Insn | null {
  const code = m.cacheOf(f.code);
  return code ? m.fetch(code, f.offset) : null;
}
