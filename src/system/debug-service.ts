/*
 * The DEBUG host service (r11 = DEBUG at `syscall`): frames as objects, for `thisContext` and
 * the debugger (bootstrap/system/debug.bedrock). rcx picks the operation; the answer is in rax.
 *
 *   op  name      argument                  answer
 *   0   CURRENT   -                         a MethodContext for the unit that called the
 *                                           primitive (thisContext compiles to
 *                                           `MethodContext current`)
 *   1   DESCRIBE  rax = a MethodContext     an Array: true, the sender (a MethodContext or
 *                                           nil), the method, the receiver, the names of
 *                                           the arguments and temporaries (Symbols), their
 *                                           values, the pc (a native offset or a pair
 *                                           index), the source range of the current
 *                                           position (1-based start and end, 0 when not
 *                                           known), the frame's name, whether it is a
 *                                           block's, the argument count; or an Array of
 *                                           false and a String saying why not (the frame
 *                                           has returned)
 *   2   PAUSE     rax = an exception        rax passes through, unless the host wants to
 *                                           debug unhandled errors: then the run stops here
 *                                           (a Service fault the host knows as its pause),
 *                                           and goes on with rax as the debugger decided:
 *                                           an Array of the value the signal answers
 *                                           (proceed), or false (abandon)
 *
 * A MethodContext holds its frame's address and the address of its unit's code (numbers);
 * every read walks the stack again (frames.ts) and answers only for a frame still there, so
 * a context kept after its method returned says so instead of reading what is there now.
 * Nothing here throws into the machine: whatever cannot be read is an answer saying so.
 */
import { FORMAT_POINTERS, TAG_NUM, TAG_PTR } from '../../kernel/machine/cells.ts';
import type { HostService, Machine } from '../../kernel/machine/machine.ts';
import { classIndexOf, isObject, setSlot, setSlotPointer, slotCount, slotNumber, slotTag } from '../../kernel/objects/access.ts';
import { behaviourIndex } from '../../kernel/objects/classes.ts';
import type { Kernel } from '../../kernel/objects/kernel.ts';
import { CLASS, ROOTS } from '../../kernel/objects/layout.ts';
import { makeString } from '../../kernel/objects/methods.ts';
import { activationName, CodeIndex, machineStart, positionOf, receiverOf, variablesOf, walkFrames, type Activation } from './frames.ts';

export const DEBUG_OP = Object.freeze({ CURRENT: 0, DESCRIBE: 1, PAUSE: 2 });

/** MethodContext's instance variables (debug.bedrock). */
export const METHOD_CONTEXT = Object.freeze({ FRAME: 0, CODE: 1, SIZE: 2 });

/** Slots of DESCRIBE's answer. */
export const DESCRIPTION = Object.freeze({ OK: 0, SENDER: 1, METHOD: 2, RECEIVER: 3, NAMES: 4, VALUES: 5, PC: 6, START: 7, END: 8, NAME: 9, BLOCK: 10, ARGC: 11, SIZE: 12 });

const RAX = 0, RCX = 1;

export interface DebugHost {
  readonly kernel: Kernel;
  /** The methods of the DoIts being evaluated (their frames read "a DoIt"). */
  doIts(): readonly number[];
  /** Asked at an unhandled error (PAUSE): true stops the run there, for a debugger. */
  pauseOnError?(): boolean;
  /** Told at an unhandled error (PAUSE), before any ensure: block runs on the way out. */
  unhandled?(): void;
}

/** The code index, kept while nothing is defined or forgotten (the send epoch says so). */
export class CodeIndexCache {
  private index: CodeIndex | null = null;
  private key = '';
  constructor(private readonly host: DebugHost) {}
  get(): CodeIndex {
    const k = this.host.kernel;
    const key = `${k.machine.cell(k.roots + 8 * ROOTS.SEND_EPOCH)}|${this.host.doIts().join(',')}`;
    if (!this.index || key !== this.key) {
      this.index = new CodeIndex(k, this.host.doIts());
      this.key = key;
    }
    return this.index;
  }
}

/** The activations seen from a service's syscall, innermost first (the primitive that called is not one). */
export function serviceFrames(k: Kernel, m: Machine, index: CodeIndex): Activation[] {
  const ins = m.inService[m.inService.length - 1];
  if (!ins) return [];
  return walkFrames(k, index, { ...machineStart(k, ins.code.addr + ins.off + ins.len), returning: true });
}

export function debugService(host: DebugHost, cache = new CodeIndexCache(host)): HostService {
  const k = host.kernel;
  return (m) => {
    const op = Number(m.store.state64[RCX]);
    try {
      switch (op) {
        case DEBUG_OP.CURRENT: {
          const frames = serviceFrames(k, m, cache.get());
          if (frames.length === 0) return answer(m, k.nil);
          const c = makeContext(k, frames[0]);
          return c < 0 ? 'out of memory' : answer(m, c);
        }
        case DEBUG_OP.DESCRIBE: {
          const ctx = m.store.regTags[RAX] === TAG_PTR ? Number(m.store.state64[RAX]) : -1;
          if (!isContext(k, ctx)) return 'not a MethodContext';
          const frame = slotNumber(m, ctx, METHOD_CONTEXT.FRAME), code = slotNumber(m, ctx, METHOD_CONTEXT.CODE);
          const frames = serviceFrames(k, m, cache.get());
          const i = frames.findIndex((a) => a.frame === frame && codeKey(a) === code);
          const d = i < 0 ? failure(k, 'the frame has returned (a context is read only while its method runs)') : describe(k, frames[i], frames[i + 1]);
          return d < 0 ? 'out of memory' : answer(m, d);
        }
        case DEBUG_OP.PAUSE:
          host.unhandled?.();
          if (host.pauseOnError?.()) { m.refusal = 'Breakpoint'; return PAUSE_MESSAGE; }
          return null;
        default:
          return `there is no debug operation ${op}`;
      }
    } catch (e) {
      // A frame read that goes wrong is an error of the program, never of the host.
      return `the debugger could not read the stack: ${e instanceof Error ? e.message : String(e)}`;
    }
  };
}

/** The words of the pause the PAUSE operation makes (a Breakpoint fault with these words). */
export const PAUSE_MESSAGE = 'paused for the debugger';

function answer(m: Machine, p: number): null {
  m.store.state64[RAX] = BigInt(p);
  m.store.regTags[RAX] = TAG_PTR;
  return null;
}

/** The number a MethodContext keeps to know its unit's code again. */
export function codeKey(a: Activation): number {
  return a.code.key;
}

function methodContextClass(k: Kernel): number {
  const b = k.behaviourNamed('MethodContext');
  return b < 0 ? -1 : behaviourIndex(k, b);
}

function isContext(k: Kernel, p: number): boolean {
  const index = methodContextClass(k);
  return p > 0 && index > 0 && isObject(k.machine, p) && classIndexOf(k.machine, p) === index && slotCount(k.machine, p) >= METHOD_CONTEXT.SIZE &&
    slotTag(k.machine, p, METHOD_CONTEXT.FRAME) === TAG_NUM && slotTag(k.machine, p, METHOD_CONTEXT.CODE) === TAG_NUM;
}

/** A new MethodContext for an activation, or -1. */
export function makeContext(k: Kernel, a: Activation): number {
  const index = methodContextClass(k);
  if (index < 0) return -1;
  const c = k.heap.allocateFixed(METHOD_CONTEXT.SIZE, FORMAT_POINTERS, index, BigInt(k.nil), TAG_PTR);
  if (c < 0) return -1;
  setSlot(k.machine, c, METHOD_CONTEXT.FRAME, BigInt(a.frame), TAG_NUM);
  setSlot(k.machine, c, METHOD_CONTEXT.CODE, BigInt(codeKey(a)), TAG_NUM);
  return c;
}

function failure(k: Kernel, why: string): number {
  return k.withHolds((hold) => {
    const text = hold(makeString(k, why));
    const d = hold(k.heap.allocateFixed(2, FORMAT_POINTERS, CLASS.Array, BigInt(k.nil), TAG_PTR));
    if (text < 0 || d < 0) return -1;
    setSlotPointer(k.machine, d, 0, k.false);
    setSlotPointer(k.machine, d, 1, text);
    return d;
  });
}

/**
 * DESCRIBE's answer for `a` (its sender `sender`). Everything is allocated first (in the fixed
 * space, which does not move), then the frame's values are read and stored: a collection
 * while allocating cannot leave a value read before it stale.
 */
export function describe(k: Kernel, a: Activation, sender: Activation | undefined): number {
  const m = k.machine;
  return k.withHolds((hold) => {
    const vars = variablesOf(k, a);
    const d = hold(k.heap.allocateFixed(DESCRIPTION.SIZE, FORMAT_POINTERS, CLASS.Array, BigInt(k.nil), TAG_PTR));
    const names = hold(k.heap.allocateFixed(vars.length, FORMAT_POINTERS, CLASS.Array, BigInt(k.nil), TAG_PTR));
    const values = hold(k.heap.allocateFixed(vars.length, FORMAT_POINTERS, CLASS.Array, BigInt(k.nil), TAG_PTR));
    const name = hold(makeString(k, activationName(k, a)));
    const senderContext = sender ? hold(makeContext(k, sender)) : k.nil;
    if (d < 0 || names < 0 || values < 0 || name < 0 || senderContext < 0) return -1;
    for (let i = 0; i < vars.length; i++) {
      const s = hold(k.symbols.intern(vars[i].name));
      if (s < 0) return -1;
      setSlotPointer(m, names, i, s);
    }
    // Nothing is allocated from here on.
    const position = positionOf(k, a);
    setSlotPointer(m, d, DESCRIPTION.OK, k.true);
    setSlotPointer(m, d, DESCRIPTION.SENDER, senderContext);
    setSlotPointer(m, d, DESCRIPTION.METHOD, a.code.method);
    const receiver = receiverOf(k, a);
    if (receiver) setSlot(m, d, DESCRIPTION.RECEIVER, receiver.value, receiver.tag);
    setSlotPointer(m, d, DESCRIPTION.NAMES, names);
    variablesOf(k, a).forEach((v, i) => { if (v.value && i < vars.length) setSlot(m, values, i, v.value.value, v.value.tag); });
    setSlotPointer(m, d, DESCRIPTION.VALUES, values);
    setSlot(m, d, DESCRIPTION.PC, BigInt(a.at), TAG_NUM);
    setSlot(m, d, DESCRIPTION.START, BigInt(position && position.start >= 0 ? position.start + 1 : 0), TAG_NUM);
    setSlot(m, d, DESCRIPTION.END, BigInt(position && position.end >= 0 ? position.end : 0), TAG_NUM);
    setSlotPointer(m, d, DESCRIPTION.NAME, name);
    setSlotPointer(m, d, DESCRIPTION.BLOCK, a.code.block ? k.true : k.false);
    setSlot(m, d, DESCRIPTION.ARGC, BigInt(a.code.info.argc), TAG_NUM);
    return d;
  });
}
