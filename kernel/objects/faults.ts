/*
 * What the kernel does with a fault the machine reports (Machine.faultHandler). The machine
 * has stopped on the faulting instruction, leaving everything as it was before it, so the
 * kernel can fix the cause and run the instruction again, or make the fault an exception.
 *
 * - A StackOverflow at the stack's low end moves the stack to a bigger object
 *   (kernel/memory/stack.ts) while it is under the stack limit (the global below).
 * - A Bounds, Tag, InvalidOpcode, DivideError or Poisoned fault, and a StackOverflow at the limit, is
 *   signalled in the program, as if the faulting instruction had called the signal: the
 *   kernel makes a fault record (an Array: kind, message, code object, offset, instruction,
 *   the sixteen registers as they were), pushes a return address just past the faulting
 *   instruction (so a backtrace names the method it is in) and, under it, the address of a
 *   one-instruction stub (`ret`), and sends #signalMachineFault to the record
 *   (bootstrap/system/exception.bedrock makes it a MachineFault and signals it). A handler
 *   that escapes unwinds through every ensure: and ifCurtailed: block on the way; nothing
 *   returns to the faulting code (a machine fault is not resumable). The registers and the
 *   stack below the signal are as the fault left them, for a debugger.
 * - At the limit, the stack is given a reserve of RESERVE cells for the handler to run in; a
 *   StackOverflow while the reserve is in use ends the run. Once the stack is back within the
 *   limit (the next send that finds it so, or the end of the evaluation) the reserve is taken
 *   back, so the next overflow is again an exception.
 * - A Poisoned fault's message says what the object was and where it went, when the system
 *   above knows (Kernel.faultNote; src/system/actor-copy.ts keeps what each sending poisoned).
 * - Anything else (Breakpoint, Service, and a fault the library cannot signal yet,
 *   during genesis) ends the run with the fault.
 *
 * An exception nothing handles comes back to the kernel: its defaultAction runs the pending
 * ensure blocks and gives the fault record to the FAIL service, which ends the run with the
 * fault's own words, and leaves `origin` (the fault, and the stack as it was) for the caller's
 * report and backtrace.
 */
import { FORMAT_POINTERS, TAG_CODE, TAG_NUM, TAG_PTR, TAG_STACK } from '../machine/cells.ts';
import { describeFault, type Fault, type FaultKind } from '../machine/faults.ts';
import type { Insn } from '../machine/insn.ts';
import type { Machine } from '../machine/machine.ts';
import { DEFAULT_STACK_LIMIT, growStack, moveStack, stackCells, wantsRoom } from '../memory/stack.ts';
import { classIndexOf, isObject, setSlot, setSlotNumber, setSlotPointer, slotCount, slotPointer, slotTag } from './access.ts';
import { lookup } from './classes.ts';
import type { Kernel } from './kernel.ts';
import { CLASS, METHOD } from './layout.ts';
import { makeString } from './methods.ts';

/** The faults a program can catch: the library signals each as an Error (exception.bedrock). */
export const SIGNALLED: ReadonlySet<FaultKind> = new Set<FaultKind>(['Bounds', 'Tag', 'InvalidOpcode', 'DivideError', 'StackOverflow', 'OutOfMemory', 'Poisoned']);

/** What the kernel sends to a fault record to signal it in the program. */
export const SIGNAL_SELECTOR = 'signalMachineFault';

/** A fault record: an Array the kernel makes at a fault, for the program's exception. */
export const FAULT_RECORD = Object.freeze({ KIND: 0, MESSAGE: 1, CODE: 2, OFFSET: 3, INSTRUCTION: 4, REGISTERS: 5, SIZE: 6 });

/** Cells a StackOverflow at the limit gives the handler to run in. */
export const RESERVE = 1 << 16;

/**
 * The global that holds the stack's limit, in cells: SystemDictionary's class variable
 * StackLimit (`Smalltalk stackLimit: n` sets it), so an image keeps it and a mark restores it.
 */
export const STACK_LIMIT_GLOBAL = 'SystemDictionary.StackLimit';

/** Where an unhandled machine fault happened: the fault, and rsp and rbp as they were. */
export interface FaultOrigin {
  readonly fault: Fault;
  readonly rsp: number;
  readonly rbp: { readonly value: bigint; readonly tag: number };
}

/** The most cells the machine stack may grow to: the StackLimit global, else the default. */
export function stackLimit(k: Kernel): number {
  const v = k.global(STACK_LIMIT_GLOBAL);
  const limit = v && v.tag === TAG_NUM && v.value >= 1024n && v.value <= 1n << 28n ? Number(v.value) : DEFAULT_STACK_LIMIT;
  // The machine's own stack is never taken from it.
  return Math.max(limit, (k.machine.homeStackHi - k.machine.homeStackLo) / 8);
}

/** The fault handler the kernel installs on its machine. */
export function kernelFaultHandler(k: Kernel): (f: Fault) => Insn | null {
  return (f) => {
    const m = k.machine;
    let message = f.message;
    if (wantsRoom(m, f)) {
      const limit = stackLimit(k);
      if (stackCells(m) < limit) return growStack(k.heap, limit) ? faultingInstruction(m, f) : null;
      // At the limit: the handler gets a reserve, once.
      if (k.stackReserved || !moveStack(k.heap, stackCells(m) + RESERVE)) return null;
      k.stackReserved = true;
      // Sends must reach the host again (the SEND and SEND_SITE services settle the stack):
      // every send site and the global method cache are emptied until the reserve is taken back.
      k.cache.flush();
      message = `${f.message}: the stack is at its limit of ${limit} cells (Smalltalk stackLimit: sets it)`;
    }
    if (!SIGNALLED.has(f.kind)) return null;
    const note = k.faultNote?.(f) ?? null;
    if (note) message = `${message} (it was ${note})`;
    return signal(k, f, message);
  };
}

/**
 * Take back the reserve a StackOverflow was given, if the stack is within the limit again
 * (the SEND and SEND_SITE services ask, while k.stackReserved; no send site nor the global
 * method cache is filled meanwhile, so every send asks): the stack object loses its lowest cells.
 */
export function settleStack(k: Kernel): void {
  const m = k.machine;
  const limit = stackLimit(k);
  if (stackCells(m) <= limit) { k.stackReserved = false; return; }
  if (m.stackHi - Number(m.register(4)) > (limit - RESERVE) * 8) return;
  if (moveStack(k.heap, limit)) k.stackReserved = false;
}

/** The instruction that faulted, to run again. */
function faultingInstruction(m: Machine, f: Fault): Insn | null {
  const code = m.cacheOf(f.code);
  return code ? m.fetch(code, f.offset) : null;
}

/** Arrange the program to signal fault `f` (see the header); null when it cannot. */
function signal(k: Kernel, f: Fault, message: string): Insn | null {
  const m = k.machine;
  const code = m.cacheOf(f.code);
  if (!code) return null;
  const at = m.fetch(code, f.offset);
  const selector = k.symbols.find(SIGNAL_SELECTOR);
  const method = selector === undefined ? -1 : lookup(k, CLASS.Array, selector);
  if (method < 0) return null; // the library is not there yet (genesis)
  // Two cells for the return addresses, and some room to begin the signal in.
  if (Number(m.register(4)) - 16 * 8 < m.stackLo && !growStack(k.heap, stackLimit(k) + (k.stackReserved ? RESERVE : 0))) return null;
  const record = faultRecord(k, f, message);
  if (record < 0) return null;
  const stub = faultReturn(k);
  if (stub < 0) return null;
  const entry = slotPointer(m, method, METHOD.ENTRY);
  const entryCode = m.cacheOf(entry);
  if (!entryCode) return null;
  // As if the faulting instruction called the signal: its "return address" just past it
  // (what names the method in a backtrace), then the stub's, which the signal would return
  // to (a ret that goes on after the faulting instruction).
  const sp = Number(m.register(4));
  m.setCell(sp - 8, BigInt(code.addr + at.off + Math.max(at.len, 1)), TAG_CODE);
  m.setCell(sp - 16, BigInt(stub), TAG_CODE);
  m.setRegister(4, BigInt(sp - 16), TAG_STACK);
  m.setRegister(0, BigInt(record), TAG_PTR);
  return m.fetch(entryCode, 0);
}

/**
 * The fault record for `f` (FAULT_RECORD), or -1 when memory is exhausted. The registers are
 * read before anything is allocated (a collection updates the machine's, not a copy).
 */
function faultRecord(k: Kernel, f: Fault, message: string): number {
  const m = k.machine;
  return k.withHolds((hold) => {
    const kind = hold(k.symbols.intern(f.kind));
    const text = hold(makeString(k, describeFault({ ...f, message })));
    const instruction = hold(makeString(k, f.instruction));
    if (kind < 0 || text < 0 || instruction < 0) return -1;
    const registers = hold(k.heap.allocateFixed(16, FORMAT_POINTERS, CLASS.Array, 0n, TAG_NUM));
    const record = hold(k.heap.allocateFixed(FAULT_RECORD.SIZE, FORMAT_POINTERS, CLASS.Array, BigInt(k.nil), TAG_PTR));
    if (registers < 0 || record < 0) return -1;
    for (let r = 0; r < 16; r++) setSlot(m, registers, r, m.register(r), m.registerTag(r));
    setSlotPointer(m, record, FAULT_RECORD.KIND, kind);
    setSlotPointer(m, record, FAULT_RECORD.MESSAGE, text);
    setSlotPointer(m, record, FAULT_RECORD.CODE, f.code);
    setSlotNumber(m, record, FAULT_RECORD.OFFSET, f.offset);
    setSlotPointer(m, record, FAULT_RECORD.INSTRUCTION, instruction);
    setSlotPointer(m, record, FAULT_RECORD.REGISTERS, registers);
    return record;
  });
}

/** The code object `ret` a signalled fault's handler would return through (made once, held). */
function faultReturn(k: Kernel): number {
  if (k.faultReturnRoot < 0) {
    const stub = k.heap.allocateCode(Uint8Array.of(0xc3), CLASS.CodeObject);
    if (stub < 0) return -1;
    k.faultReturnRoot = k.heap.roots.add(BigInt(stub), TAG_PTR);
  }
  return k.heap.roots.address(k.faultReturnRoot);
}

/**
 * The FAIL service's part: if `p` is a fault record (an exception nothing handled, given back
 * by its defaultAction), the fault it stands for and where it happened; else null.
 */
export function faultOrigin(k: Kernel, p: number): FaultOrigin | null {
  const m = k.machine;
  if (!isObject(m, p) || classIndexOf(m, p) !== CLASS.Array || slotCount(m, p) !== FAULT_RECORD.SIZE) return null;
  const kind = slotPointer(m, p, FAULT_RECORD.KIND);
  const registers = slotPointer(m, p, FAULT_RECORD.REGISTERS);
  const code = slotPointer(m, p, FAULT_RECORD.CODE);
  const text = slotPointer(m, p, FAULT_RECORD.MESSAGE);
  const instruction = slotPointer(m, p, FAULT_RECORD.INSTRUCTION);
  if (kind < 0 || !k.symbols.isSymbol(kind) || !SIGNALLED.has(k.symbols.text(kind) as FaultKind)) return null;
  if (registers < 0 || !isObject(m, registers) || slotCount(m, registers) !== 16 || slotTag(m, registers, 4) !== TAG_STACK) return null;
  if (code < 0 || !m.cacheOf(code) || text < 0 || instruction < 0 || slotTag(m, p, FAULT_RECORD.OFFSET) !== TAG_NUM) return null;
  const fault: Fault = {
    kind: k.symbols.text(kind) as FaultKind,
    message: '',
    code,
    offset: Number(m.cell(p + 8 * FAULT_RECORD.OFFSET)),
    instruction: k.textOf(instruction),
  };
  // The record's message is the whole description: the fault's own words are after its head.
  const whole = k.textOf(text);
  const head = describeFault(fault);
  return {
    fault: { ...fault, message: whole.startsWith(head) ? whole.slice(head.length) : whole },
    rsp: Number(m.cell(registers + 8 * 4)),
    rbp: { value: m.cell(registers + 8 * 5), tag: slotTag(m, registers, 5) },
  };
}
