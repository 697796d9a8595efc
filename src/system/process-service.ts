/*
 * The PROCESS host service (r11 = PROCESS at `syscall`): the little the host does for the
 * cooperative processes of bootstrap/system/process.bedrock, which keep their scheduler,
 * semaphores and delays in Bedrock itself. Each process has a stack object of its own in the
 * fixed space; a switch saves where the running one stopped and makes another's stack the
 * machine's, by moving rsp and the stack bounds, never the host's call stack. rcx picks the
 * operation:
 *
 *   op  name      arguments                       answer (rax)
 *   0   EPOCH     -                               this evaluation's number (a SmallInteger)
 *   1   STACK     rsi = a Process, rdx = the      rax as it was; the process has a stack
 *                 CompiledMethod it starts in     whose first return goes to that method
 *                 (unary; the process is self)
 *   2   TRANSFER  rsi = the Process to run,       in the process that runs next: that process
 *                 rdx = the running Process, or   (a new one starts with it as self); nil
 *                 nil when it has ended           (and nothing switched) when the one asked
 *                                                 for belongs to an evaluation that ended
 *   3   IDLE      rsi = milliseconds              nil, after sleeping at most that long (and
 *                                                 at most a few ms, so Ctrl-C stays prompt)
 *   4   WAKE      rsi = milliseconds from now, or rax as it was; the host interrupts what
 *                 nil; rdx = the CompiledMethod   runs then (see below)
 *                 that takes the interrupt
 *   5   RESUME    - (the interrupt's frame)       as they were when it was interrupted: every
 *                                                 register, the flags and the xmm registers
 *
 * Preemption. When the first Delay's time comes while a process runs (it never waits, or not
 * soon), the scheduler must get its turn, as in Pharo, so that a more urgent process it wakes
 * runs at once. WAKE tells the host when (the scheduler says again whenever its first Delay
 * changes); at the first slice boundary after it (bedrock.ts runs in short slices while a
 * wake is pending), interruptForTimer makes the machine, stopped between two instructions,
 * enter the method WAKE named as if called there, with a frame that holds what it needs to
 * go on exactly where it was (from the interrupted rsp down):
 *
 *   | the interrupted instruction (CODE; PTR: a code object) |  <- rsp after RESUME; ret goes on
 *   | the flags, as five bits (CF ZF SF OF PF, a number)    |
 *   | xmm15 high, xmm15 low, ..., xmm0 high, xmm0 low       |  32 numbers
 *   | the scheduler (Processor)                             |  <- rsp as the method starts
 *
 * The method pushes rax .. r15 (rsp aside), sends the scheduler timerInterrupt (which may
 * switch to a more urgent process: this one then goes on when it is switched back to), and
 * RESUME puts every register back from the frame, and rsp at the return address.
 *
 * The method runs in the interpreter (it is entered, never called, so the tier never takes
 * it) and its final ret returns to any instruction, as the interpreter allows.
 *
 * A process stopped by TRANSFER stopped inside `ProcessorScheduler>>primTransferTo:from:`,
 * which pushed the registers every call preserves (rdi rbp rbx r12 r13 r14 r15) before the
 * syscall and pops them after it: the stack is the whole state, with the chain of active
 * contexts (the kernel's ACTIVE root: homes of non-local returns and ensure blocks), kept in
 * the Process. A new process's stack is made to look the same, seven zeros and a return
 * address: the entry of the method it starts in.
 *
 * The Process's first slots are the host's (process.bedrock declares them in this order):
 * stack (the stack object while the process is stopped; nil while it runs), sp (rsp then, a
 * number), active (its ACTIVE chain then), epoch (the evaluation it last ran in) and main
 * (true for the process of a top-level evaluation, whose frames lie under that evaluation's
 * return to the host: once the evaluation has ended it can never run again).
 *
 * The stack left behind: its cells below rsp are made numbers (dead frames must not keep
 * stale pointers for the collector to follow), and the cards of its live part are marked, so
 * the next minor collection sees the nursery pointers it holds (the machine does not mark
 * cards for its own pushes to the current stack, which is a root while it is current).
 */
import { CARD_SHIFT, TAG_CODE, TAG_NUM, TAG_PTR, TAG_STACK } from '../../kernel/machine/cells.ts';
import { nowMs } from '../../kernel/machine/clock.ts';
import type { HostService, Machine } from '../../kernel/machine/machine.ts';
import type { Fault } from '../../kernel/machine/faults.ts';
import type { Insn } from '../../kernel/machine/insn.ts';
import { isObject, setSlot, setSlotPointer, slot, slotPointer, slotTag } from '../../kernel/objects/access.ts';
import type { Kernel } from '../../kernel/objects/kernel.ts';
import { METHOD, ROOTS, SERVICE } from '../../kernel/objects/layout.ts';

export const PROCESS_OP = Object.freeze({ EPOCH: 0, STACK: 1, TRANSFER: 2, IDLE: 3, WAKE: 4, RESUME: 5 });

/** The host's slot of the ProcessorScheduler: its critical region's count (process.bedrock). */
export const SCHEDULER_SLOT = Object.freeze({ ATOMIC: 0 });

/**
 * A top-level evaluation starts outside the scheduler's critical region, whatever an earlier
 * one stopped inside it (an error, Ctrl-C) left.
 */
export function leaveRegion(k: Kernel): void {
  const p = k.global('Processor');
  if (p && p.tag === TAG_PTR && isObject(k.machine, Number(p.value)) && slotCountAtLeast(k.machine, Number(p.value), 1)
    && slotTag(k.machine, Number(p.value), SCHEDULER_SLOT.ATOMIC) === TAG_NUM) { // (an image of an older layout: left alone)
    setSlot(k.machine, Number(p.value), SCHEDULER_SLOT.ATOMIC, 0n, TAG_NUM);
  }
}

/** The host's slots of a Process (process.bedrock's first instance variables, in this order). */
export const PROCESS_SLOT = Object.freeze({ STACK: 0, SP: 1, ACTIVE: 2, EPOCH: 3, MAIN: 4 });

/** Cells in a new process's stack; it grows on demand (kernel/memory/stack.ts). Not a power of two: see below. */
const PROCESS_STACK_CELLS = 3000;

/** The longest sleep of one IDLE, in milliseconds. */
const IDLE_SLICE_MS = 2;

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** The refusal that sends a TRANSFER from nested code out to the outermost run, to be executed again there. */
const SWITCH_AT_TOP = 'switch processes in the outermost run';

/**
 * The machine's fault handler, with SWITCH_AT_TOP handled: the switch is made, and the run
 * goes on after the syscall (2 bytes), on the other process's stack.
 */
export function switchingFaultHandler(k: Kernel, host: ProcessHost, inner: ((f: Fault) => Insn | null) | null): (f: Fault) => Insn | null {
  const m = k.machine;
  return (f) => {
    if (f.kind === 'Service' && f.message === SWITCH_AT_TOP) {
      const code = m.cacheOf(f.code);
      if (!code) return null;
      // (The service checked what it was given, so the switch is made.)
      return transfer(k, host) === null ? m.fetch(code, f.offset + 2) : null;
    }
    return inner ? inner(f) : null;
  };
}

/** TRANSFER itself (see the header): null, or why not. */
function transfer(k: Kernel, host: ProcessHost): string | null {
  const m = k.machine;
  const heap = k.heap;
  const rsi = Number(m.register(6));
  const isProcess = (p: number, tag: number): boolean => tag === TAG_PTR && isObject(m, p) && slotCountAtLeast(m, p, 5);
  const target = rsi;
  const current = Number(m.register(2));
  // current is nil when the running process has ended: its stack is dropped.
  const ended = m.registerTag(2) === TAG_PTR && current === k.nil;
  if (!isProcess(target, m.registerTag(6)) || (!ended && !isProcess(current, m.registerTag(2)))) return 'not a Process';
  const stackTag = slotTag(m, target, PROCESS_SLOT.STACK);
  const stack = slotPointer(m, target, PROCESS_SLOT.STACK);
  const stale = slotPointer(m, target, PROCESS_SLOT.MAIN) === k.true && Number(slot(m, target, PROCESS_SLOT.EPOCH)) !== host.epoch;
  if (stale || stackTag !== TAG_PTR || heap.stacks.indexOf((stack >> 3) - 1) < 0) {
    m.setRegister(0, BigInt(k.nil), TAG_PTR);
    return null;
  }
  // Leave the running process: its stack as it is, below rsp nothing.
  const sp = Number(m.register(4));
  const st = m.store;
  if (ended) {
    st.tags.fill(TAG_NUM, m.stackLo >> 3, m.stackHi >> 3);
  } else {
    st.tags.fill(TAG_NUM, m.stackLo >> 3, sp >> 3);
    st.cards.fill(1, (sp >> 3) >> CARD_SHIFT, ((m.stackHi >> 3) >> CARD_SHIFT) + 1);
    setSlotPointer(m, current, PROCESS_SLOT.STACK, m.stackLo);
    setSlot(m, current, PROCESS_SLOT.SP, BigInt(sp), TAG_NUM);
    setSlot(m, current, PROCESS_SLOT.ACTIVE, slot(m, k.roots, ROOTS.ACTIVE), slotTag(m, k.roots, ROOTS.ACTIVE));
    setSlot(m, current, PROCESS_SLOT.EPOCH, BigInt(host.epoch), TAG_NUM);
  }
  // ... and take up the other where it stopped.
  const cells = Number(st.cells32[2 * ((stack >> 3) - 1)] >>> 0);
  const targetSp = Number(slot(m, target, PROCESS_SLOT.SP));
  m.switchStack(stack, stack + cells * 8, targetSp);
  setSlot(m, k.roots, ROOTS.ACTIVE, slot(m, target, PROCESS_SLOT.ACTIVE), slotTag(m, target, PROCESS_SLOT.ACTIVE));
  setSlot(m, target, PROCESS_SLOT.STACK, BigInt(k.nil), TAG_PTR);
  setSlot(m, target, PROCESS_SLOT.ACTIVE, BigInt(k.nil), TAG_PTR);
  setSlot(m, target, PROCESS_SLOT.EPOCH, BigInt(host.epoch), TAG_NUM);
  m.setRegister(0, BigInt(target), TAG_PTR);
  return null;
}

export interface ProcessHost {
  /** The number of the evaluation running now (Bedrock.startAfresh makes a new one). */
  epoch: number;
  /** When the scheduler's first Delay is due (nowMs), or null: WAKE sets it, interruptForTimer clears it. */
  wakeAt: number | null;
  /** The RootSet index of the CompiledMethod that takes a timer interrupt (WAKE's rdx), or -1. */
  timerMethod: number;
}

/** The cells interruptForTimer puts under the interrupted rsp: rip, flags, 32 xmm halves, the scheduler. */
const INTERRUPT_CELLS = 35;
/** Room the interrupt needs on the stack besides: its frame, the pushed registers, the scheduler's sends. */
const INTERRUPT_ROOM = 512;

/**
 * A timer interrupt (see the header), for a run stopped between two instructions (m.resumeAt)
 * at the outermost level: true when the machine will now enter the interrupt's method. False
 * (nothing changed) where it cannot be taken now: no method, no room, a host service running.
 */
export function interruptForTimer(k: Kernel, host: ProcessHost): boolean {
  const m = k.machine;
  const at = m.resumeAt;
  if (host.timerMethod < 0 || at === null || at.row === null || m.inService.length > 0 || m.depth > 0) return false;
  const method = Number(k.heap.roots.value(host.timerMethod));
  if (!isObject(m, method) || slotTag(m, method, METHOD.ENTRY) !== TAG_PTR) return false;
  const code = m.cacheOf(Number(slot(m, method, METHOD.ENTRY)));
  const processor = k.global('Processor');
  const sp = Number(m.register(4));
  if (!code || !processor || processor.tag !== TAG_PTR || sp - 8 * INTERRUPT_CELLS - INTERRUPT_ROOM < m.stackLo) return false;
  const f = m.flags();
  // Where to go on, as a return address (which names the byte before it: at a code object's
  // first instruction, the code object itself, as a jump to it would).
  const back: [bigint, number] = at.off === 0 ? [BigInt(at.code.addr), TAG_PTR] : [BigInt(at.code.addr + at.off), TAG_CODE];
  const cells: [bigint, number][] = [back, [BigInt(f.CF | f.ZF << 1 | f.SF << 2 | f.OF << 3 | f.PF << 4), TAG_NUM]];
  for (let r = 15; r >= 0; r--) { const [lo, hi] = m.xmm(r); cells.push([hi, TAG_NUM], [lo, TAG_NUM]); }
  cells.push([processor.value, TAG_PTR]);
  let p = sp;
  for (const [v, t] of cells) { p -= 8; m.setCell(p, v, t); }
  m.setRegister(4, BigInt(p), TAG_STACK);
  m.resumeAt = m.fetch(code, 0);
  host.wakeAt = null;
  return true;
}

/** RESUME: the registers, flags and xmm registers the interrupt saved, and rsp at its return address. */
function resumeInterrupted(m: Machine): string | null {
  const sp = Number(m.register(4));
  // rax .. r15 were pushed in order (rsp skipped), so r15 is lowest.
  const order = [15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 3, 2, 1, 0];
  const base = sp + 8 * order.length; // the scheduler's cell
  if (base + 8 * (INTERRUPT_CELLS - 1) >= m.stackHi || m.cellTag(base + 8 * (INTERRUPT_CELLS - 1)) === TAG_NUM) return 'not an interrupt\'s frame';
  const xmm = (i: number): bigint => m.cell(base + 8 + 8 * i);
  for (let r = 0; r < 16; r++) m.setXmm(r, xmm(2 * r), xmm(2 * r + 1));
  const bits = Number(m.cell(base + 8 * (INTERRUPT_CELLS - 2)));
  m.setFlags({ CF: bits & 1, ZF: (bits >> 1) & 1, SF: (bits >> 2) & 1, OF: (bits >> 3) & 1, PF: (bits >> 4) & 1 });
  order.forEach((r, i) => m.setRegister(r, m.cell(sp + 8 * i), m.cellTag(sp + 8 * i)));
  m.setRegister(4, BigInt(base + 8 * (INTERRUPT_CELLS - 1)), TAG_STACK);
  return null;
}

export function processService(k: Kernel, host: ProcessHost): HostService {
  const m = k.machine;
  const heap = k.heap;
  // EPOCH, IDLE, WAKE and RESUME write nothing in the heap but the running stack; STACK and
  // TRANSFER (a process's stack made, a switch: the stack left behind was written by pushes,
  // which mark nothing) count (Machine.hostWrites), so that a wait for an actor's value keeps
  // the next spawn's snapshot small (image/snapshot.ts).
  return (mm: Machine): string | null => {
    const op = Number(mm.register(1));
    const rsi = Number(mm.register(6));
    const isProcess = (p: number, tag: number): boolean => tag === TAG_PTR && isObject(m, p) && slotCountAtLeast(m, p, 5);
    switch (op) {
      case PROCESS_OP.EPOCH:
        m.setRegister(0, BigInt(host.epoch), TAG_NUM);
        return null;
      case PROCESS_OP.STACK: {
        m.hostWrites++;
        if (!isProcess(rsi, m.registerTag(6))) return 'not a Process';
        const method = Number(m.register(2));
        if (m.registerTag(2) !== TAG_PTR || !isObject(m, method) || slotTag(m, method, METHOD.ENTRY) === TAG_NUM) return 'not a compiled method';
        // The process and the method are kept in registers, which the collector updates.
        // (A grown stack that reached 2^16 cells would be moved onto the machine's own stack:
        // kernel/memory/stack.ts moveStack; 3000 times a power of two never is.)
        const lo = heap.allocateStack(PROCESS_STACK_CELLS);
        if (lo < 0) { m.refusal = 'OutOfMemory'; return 'no room for a process stack'; }
        const p = Number(m.register(6));
        const entry = slot(m, Number(m.register(2)), METHOD.ENTRY);
        const entryTag = slotTag(m, Number(m.register(2)), METHOD.ENTRY);
        const hi = lo + PROCESS_STACK_CELLS * 8;
        // [the entry][7 saved registers, zeros] from the top down; then a return address below
        // the entry that is never taken (the start method never returns), a number.
        m.setCell(hi - 8, 0n, TAG_NUM);
        m.setCell(hi - 16, entry, entryTag);
        for (let i = 3; i <= 9; i++) m.setCell(hi - 8 * i, 0n, TAG_NUM);
        setSlotPointer(m, p, PROCESS_SLOT.STACK, lo);
        setSlot(m, p, PROCESS_SLOT.SP, BigInt(hi - 72), TAG_NUM);
        setSlot(m, p, PROCESS_SLOT.ACTIVE, BigInt(k.nil), TAG_PTR);
        return null;
      }
      case PROCESS_OP.TRANSFER:
        m.hostWrites++;
        // The switch is made by the fault handler of the outermost run (switchingFaultHandler),
        // where translated code and nested runs have left the host's stack: their frames belong
        // to the process running now. A host service's own run cannot switch.
        if (m.inService.length > 1) return 'a process cannot switch inside a host service (a value printed by the host, a file being read)';
        if (!isProcess(rsi, m.registerTag(6)) || !(isProcess(Number(m.register(2)), m.registerTag(2)) || (m.registerTag(2) === TAG_PTR && Number(m.register(2)) === k.nil))) return 'not a Process';
        return SWITCH_AT_TOP;
      case PROCESS_OP.IDLE: {
        const ms = Math.max(0, Math.min(IDLE_SLICE_MS, rsi));
        if (ms > 0 && Atomics.load(m.interrupt, 0) === 0) Atomics.wait(sleeper, 0, 0, ms);
        m.setRegister(0, BigInt(k.nil), TAG_PTR);
        return null;
      }
      case PROCESS_OP.WAKE: {
        const tag = m.registerTag(2), method = Number(m.register(2));
        if (tag !== TAG_PTR || !isObject(m, method) || slotTag(m, method, METHOD.ENTRY) !== TAG_PTR) return 'not a compiled method';
        if (host.timerMethod < 0) host.timerMethod = k.heap.roots.add(BigInt(method), TAG_PTR);
        else k.heap.roots.set(host.timerMethod, BigInt(method), TAG_PTR);
        host.wakeAt = m.registerTag(6) === TAG_NUM ? nowMs() + Math.max(0, rsi) : null;
        // The run started in a long slice, before anything was due: the host's step loop
        // takes short ones from now on.
        if (host.wakeAt !== null) m.stopSoon = true;
        return null;
      }
      case PROCESS_OP.RESUME:
        return resumeInterrupted(m);
      default:
        return `no process operation ${op}`;
    }
  };
}

function slotCountAtLeast(m: Machine, p: number, n: number): boolean {
  return (m.store.cells32[2 * ((p >> 3) - 1)] >>> 0) >= n;
}
