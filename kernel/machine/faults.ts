/*
 * Faults: how the machine says a program did something it may not do, or was stopped.
 *
 * A fault is a value, never an exception: the run loop returns it, and only the command
 * line and the REPL print it. It carries the code object, the offset and the disassembled
 * instruction, and the machine is left exactly as it was before that instruction (faults
 * are precise), so the state can be inspected and the machine used again.
 */

export type FaultKind =
  | 'Bounds' //        an access outside its object, or outside memory, or not cell-aligned
  | 'Tag' //           a value used as what its tag says it is not (a number as a code address, a header written)
  | 'InvalidOpcode' // bytes that are not an instruction of the subset
  | 'DivideError' //   idiv by zero, or a quotient that does not fit
  | 'StackOverflow' // push, pop, call or ret would leave the stack object
  | 'Poisoned' //      a cell of an object that was sent to another actor
  | 'Interrupted' //   the interrupt flag was raised (Ctrl-C)
  | 'StepLimit' //     the step limit was reached
  | 'Breakpoint' //    int3
  | 'OutOfMemory' //   an allocation that memory, grown to its ceiling, cannot meet
  | 'Service'; //      a host service refused or does not exist

/** One line on what each kind of fault means, for help texts and error reports. */
export const FAULT_KINDS: Readonly<Record<FaultKind, string>> = Object.freeze({
  Bounds: 'a memory access outside its object or outside memory',
  Tag: 'a value used as something its tag says it is not',
  InvalidOpcode: 'bytes that are not an instruction of the machine',
  DivideError: 'division by zero or a quotient too large',
  StackOverflow: 'the stack pointer left the stack',
  Poisoned: 'use of an object that was sent to another actor',
  Interrupted: 'stopped by an interrupt',
  StepLimit: 'stopped at the step limit',
  Breakpoint: 'an int3 breakpoint',
  OutOfMemory: 'an allocation that memory cannot meet',
  Service: 'a host service failed',
});

export interface Fault {
  readonly kind: FaultKind;
  readonly message: string;
  /** Address of the code object's first slot, or -1 if the fault is outside any code. */
  readonly code: number;
  /** Offset of the faulting instruction in its code object. */
  readonly offset: number;
  /** The faulting instruction, disassembled (or its bytes, if they do not decode). */
  readonly instruction: string;
}

/**
 * What a host walk over the heap's linked structures (method chains, parents, globals, marks,
 * the definition log) throws when it has followed more links than memory could hold: only a
 * cycle, written through Memory, gets there. The machine makes it a Service fault when a host
 * service meets it, and the system an error of the evaluation, so that no walk loops forever.
 */
export class BrokenStructure extends Error {}

/** "Bounds fault at +0x7 (mov rax, [rdi*8]): ..." */
export function describeFault(f: Fault): string {
  const where = f.offset >= 0 ? ` at +0x${f.offset.toString(16)}` : '';
  const what = f.instruction ? ` (${f.instruction})` : '';
  return `${f.kind} fault${where}${what}: ${f.message}`;
}
