/*
 * A debugging session: an evaluation stopped at an error nothing handled (the DEBUG service's
 * PAUSE, before any ensure block ran), with its stack as the error left it. What a debugger
 * can do with it:
 *
 *   frames             the frames of the user's code, innermost first, with their values
 *   evaluate(e, i)     an expression in frame i: its receiver is self (with its instance
 *                      variables), its arguments and temporaries are in scope (as values:
 *                      assigning to one does not change the frame); run aside (aside.ts)
 *   proceed()          go on as if the exception had been resumed with nil (the signal
 *                      answers nil); for a machine fault, as abandon
 *   abandon()          go on to the end the error would have had without a debugger: the
 *                      ensure blocks run and the evaluation ends with the error
 *
 * The session only decides; Bedrock's evaluation (bedrock.ts) carries the decision out on its
 * next step. Nothing the session does throws: a failure is a text.
 */
import { TAG_PTR } from '../../kernel/machine/cells.ts';
import { classIndexOfValue, behaviourAt } from '../../kernel/objects/classes.ts';
import { FORMAT_POINTERS } from '../../kernel/machine/cells.ts';
import { setSlot } from '../../kernel/objects/access.ts';
import type { Value } from '../../kernel/objects/globals.ts';
import type { Kernel } from '../../kernel/objects/kernel.ts';
import { CLASS } from '../../kernel/objects/layout.ts';
import { aside, printAside } from './aside.ts';
import { isMachinery } from './backtrace.ts';
import { activationName, receiverOf, variablesOf, type Activation } from './frames.ts';
import type { Insn } from '../../kernel/machine/insn.ts';
import { TAG_CODE, TAG_STACK } from '../../kernel/machine/cells.ts';
import { slot, slotPointer, slotTag, setSlotPointer } from '../../kernel/objects/access.ts';
import { lookup } from '../../kernel/objects/classes.ts';
import { assignGlobal, findBinding } from '../../kernel/objects/globals.ts';
import { CONTEXT, METHOD, ROOTS } from '../../kernel/objects/layout.ts';
import { stackReport, type FrameReport } from './stack-report.ts';
import type { StepKind } from './stepping.ts';

export type Resolution = 'proceed' | 'abandon' | 'restart' | 'return' | 'step';

/** What a session needs of Bedrock: evaluating a DoIt aside, in a receiver's scope. */
export interface SessionHost {
  readonly kernel: Kernel;
  /** Compile and run `source` (one expression) with `receiver` as self, in `behaviour`'s scope: its value, or an error text. */
  evaluateAside(source: string, receiver: Value, behaviour: number): { value: Value; text: string } | { error: string };
  /** No handlers, no active contexts, no error being reported: as a top-level evaluation starts. */
  startAfresh(): void;
  /** Whether an unhandled error stops for a debugger (not while the debugger itself evaluates). */
  pauseOnError: boolean;
}

export class DebugSession {
  /** The frames of the user's code, innermost first. */
  readonly activations: readonly Activation[];
  readonly frames: readonly FrameReport[];
  /** What the error says ("ZeroDivide: division by zero"). */
  readonly message: string;
  /** May the exception be resumed (a Halt, a Warning), so that proceed goes on where it was signalled? */
  readonly resumable: boolean;
  resolution: Resolution | null = null;
  /** The frame a restart runs again, or a return returns from (an index in activations). */
  restartFrame = -1;
  /** What a return answers from its frame (a root), or -1. */
  returned = -1;
  /** Is this the stop after a step (no exception: the evaluation goes on from where it is)? */
  readonly stepped: boolean;
  /** Every activation at the stop, the error machinery's included, innermost first. */
  readonly all: readonly Activation[];
  /** Called once the session is resolved. */
  onResolved: (() => void) | null = null;

  /** A step's: which (over, into, out), and the frame it steps (an index in activations). */
  stepKind: StepKind = 'over';
  stepFrame = -1;

  /**
   * A stop at an error (`exception`, signalled and not handled), or after a step (exception
   * null, `stepped` what the stop says: the evaluation goes on from where it is).
   */
  constructor(private readonly host: SessionHost, all: readonly Activation[], exception: Value | null, readonly machineFault: boolean, stepped = '') {
    const k = host.kernel;
    this.all = all;
    this.activations = all.filter((a) => !isMachinery(k, a.code.method));
    this.frames = stackReport(k, this.activations, this.activations.length);
    this.stepped = exception === null;
    if (exception === null) {
      this.message = stepped;
      this.resumable = true;
      return;
    }
    const report = aside(k, () => {
      const r = k.sendMessage(exception, 'errorReport', [], { steps: 1_000_000 });
      return r.value && r.value.tag === TAG_PTR ? k.textOf(Number(r.value.value)) : undefined;
    });
    this.message = report ?? printAside(k, exception);
    this.resumable = !machineFault && aside(k, () => {
      const r = k.sendMessage(exception, 'isResumable', [], { steps: 100_000 });
      return r.value !== null && r.value.tag === TAG_PTR && Number(r.value.value) === k.true;
    });
  }

  /** Evaluate `source` in frame `index`: the printString of its value, or the error. */
  evaluate(source: string, index: number): { ok: boolean; text: string } {
    const pause = this.host.pauseOnError;
    this.host.pauseOnError = false;
    try {
      return this.evaluateHere(source, index);
    } finally {
      this.host.pauseOnError = pause;
    }
  }

  private evaluateHere(source: string, index: number): { ok: boolean; text: string } {
    const k = this.host.kernel;
    const a = this.activations[index];
    if (!a) return { ok: false, text: `there is no frame ${index}` };
    const receiver = a.code.owner === '' ? k.object(k.nil) : receiverOf(k, a) ?? k.object(k.nil);
    const vars = variablesOf(k, a).filter((v) => v.value !== null);
    const behaviour = a.code.owner === '' ? -1 : behaviourAt(k, classIndexOfValue(k, receiver.value, receiver.tag));
    const names = vars.map((v) => `:${v.name}`).join(' ');
    // The frame's variables are a block's parameters, given their values.
    const text = vars.length === 0 ? `[${source}]` : `[${names} | ${source}]`;
    const roots = [receiver, ...vars.map((v) => v.value!)].map((v) => k.heap.roots.add(v.value, v.tag));
    try {
      const self = { value: k.heap.roots.value(roots[0]), tag: k.heap.roots.tag(roots[0]) };
      const made = this.host.evaluateAside(text, self, behaviour);
      if ('error' in made) return { ok: false, text: made.error };
      const block = k.heap.roots.add(made.value.value, made.value.tag);
      try {
        return aside(k, () => {
          const args = k.heap.allocateFixed(vars.length, FORMAT_POINTERS, CLASS.Array, BigInt(k.nil), TAG_PTR);
          if (args < 0) return { ok: false, text: 'out of memory' };
          const held = k.heap.roots.add(BigInt(args), TAG_PTR);
          this.host.startAfresh();
          try {
            vars.forEach((_, i) => setSlot(k.machine, args, i, k.heap.roots.value(roots[i + 1]), k.heap.roots.tag(roots[i + 1])));
            const r = k.sendMessage({ value: k.heap.roots.value(block), tag: k.heap.roots.tag(block) }, 'valueWithArguments:', [k.object(args)], { steps: 10_000_000 });
            if (r.fault || !r.value) return { ok: false, text: r.fault ? (r.fault.kind === 'Service' ? r.fault.message : `${r.fault.kind}: ${r.fault.message}`) : 'no answer' };
            if (this.keep) { this.returned = k.heap.roots.add(r.value.value, r.value.tag); this.keep = false; }
            return { ok: true, text: printAside(k, r.value, 1_000_000, 200) };
          } finally {
            k.heap.roots.release(held);
          }
        });
      } finally {
        k.heap.roots.release(block);
      }
    } finally {
      for (const r of roots) k.heap.roots.release(r);
    }
  }

  proceed(): void { this.resolve('proceed'); }

  /**
   * Proceed, the signal answering the value of `source` (evaluated in frame `index`) instead
   * of nil: a halt or a Warning resumed with a value. The answer says why not (the session
   * goes on) when it cannot.
   */
  proceedWith(source: string, index: number): string | null {
    if (this.stepped) return 'after a step there is no signal to answer a value (proceed goes on)';
    if (this.machineFault) return 'a machine fault cannot be resumed';
    this.keep = true;
    const r = this.evaluate(source, index);
    this.keep = false;
    if (!r.ok || this.returned < 0) return r.text;
    this.resolve('proceed');
    return null;
  }

  /** Keep the value of the next evaluation (for returnFrom). */
  private keep = false;

  /**
   * Return the value of `source` (evaluated in the frame) from frame `index`, as if its method
   * had answered it: the frames above it and it are dropped (their ensure: and ifCurtailed:
   * blocks run first, innermost first).
   * The answer says why not, and the session goes on, when it cannot.
   */
  returnFrom(index: number, source: string): string | null {
    const a = this.activations[index];
    if (!a) return `there is no frame ${index}`;
    if (a.code.block || a.code.owner === '') return 'only a method\'s frame can return a value (not a block\'s or a DoIt\'s)';
    this.keep = true;
    const r = this.evaluate(source, index);
    this.keep = false;
    if (!r.ok || this.returned < 0) return r.text;
    this.restartFrame = index;
    this.resolve('return');
    return null;
  }

  /**
   * Run frame `index`'s method again from its start, with the same receiver and arguments,
   * looked up again (so a method redefined meanwhile runs in its new form); the frames above
   * it are dropped (their ensure: and ifCurtailed: blocks run first). A block's frame or a DoIt's cannot be
   * restarted: the answer says why, and the session goes on.
   */
  restart(index: number): string | null {
    const a = this.activations[index];
    if (!a) return `there is no frame ${index}`;
    if (a.code.block || a.code.owner === '') return 'only a method\'s frame can be restarted (not a block\'s or a DoIt\'s)';
    this.restartFrame = index;
    this.resolve('restart');
    return null;
  }
  abandon(): void { this.resolve('abandon'); }

  /**
   * Go on one step in frame `index` (see stepping.ts): over (to its next expression, the
   * sends it makes run through), into (to the next expression run anywhere: into a method
   * it sends to), or out (until it has returned, to its sender's next). From an error the
   * exception is resumed first, as proceed does (the signal answers nil). A machine fault
   * cannot go on: the answer says so, and the session goes on.
   */
  step(kind: StepKind, index: number): string | null {
    if (this.machineFault) return 'a machine fault cannot go on (restart a frame, return from one, or abandon)';
    if (!this.activations[index]) return `there is no frame ${index}`;
    this.stepKind = kind;
    this.stepFrame = index;
    this.resolve('step');
    return null;
  }

  private resolve(r: Resolution): void {
    if (this.resolution !== null) return;
    this.resolution = r;
    const f = this.onResolved;
    this.onResolved = null;
    f?.();
  }
}

/**
 * Run the ensure: and ifCurtailed: blocks of the frames a restart or a return of activation
 * `a` unwinds (those above it; a return unwinds `a` too), innermost first, as Pharo's
 * unwinding does, each aside (aside.ts: the stopped evaluation's registers, chain of active
 * contexts and handlers are as they were after) with no active contexts of its own, so that an
 * error in one ends only it. The stack is left as it is; restartAt then drops the records.
 * The answer is the number of blocks run.
 */
export function runEnsuresAbove(k: Kernel, all: readonly Activation[], a: Activation, returning: boolean, steps = 10_000_000): number {
  const m = k.machine;
  const inner = all.slice(0, Math.max(0, all.indexOf(a)));
  let ensures = inner.filter((x) => /^BlockClosure>>(ensure:|ifCurtailed:)$/.test(activationName(k, x))).length;
  const records: number[] = [];
  let head = slotPointer(m, k.roots, ROOTS.ACTIVE);
  for (let guard = 0; head > 0 && head !== k.nil && guard < 1_000_000; guard++) {
    const isHome = slotTag(m, head, CONTEXT.FRAME) === TAG_STACK;
    const frame = Number(slot(m, head, CONTEXT.FRAME));
    if (isHome && (frame < a.frame || (returning && frame === a.frame))) { /* a home above: nothing to run */ }
    else if (!isHome && ensures > 0) { ensures--; records.push(k.heap.roots.add(BigInt(head), TAG_PTR)); }
    else break;
    head = slotPointer(m, head, CONTEXT.NEXT);
  }
  let ran = 0;
  try {
    for (const r of records) {
      aside(k, () => {
        const record = Number(k.heap.roots.value(r));
        const block = { value: slot(m, record, CONTEXT.ENSURE), tag: slotTag(m, record, CONTEXT.ENSURE) };
        if (block.tag !== TAG_PTR || Number(block.value) === k.nil) return;
        setSlotPointer(m, k.roots, ROOTS.ACTIVE, k.nil);
        k.sendMessage(block, 'value', [], { steps });
        ran++;
      });
    }
  } finally {
    for (const r of records) k.heap.roots.release(r);
  }
  return ran;
}

/** Slots of an ExceptionHandler (exception.bedrock): exceptionClass block escape outer. */
const HANDLER_OUTER = 3;

/**
 * Arrange the machine to run activation `a` (one of `all`, innermost first) again from its
 * method's start: the chain of active contexts and the exception handlers are taken back to
 * what they were in that frame, the registers to what its caller passed, and the answer is
 * where to go on (the method's entry, found again), or a text saying why it cannot.
 */
export function restartAt(k: Kernel, all: readonly Activation[], a: Activation, returning: Value | null = null): Insn | string {
  const m = k.machine;
  const i = all.indexOf(a);
  const inner = all.slice(0, i);
  const receiver = receiverOf(k, a);
  const spilled = m.cellTag(a.frame - 8) !== undefined ? { value: m.cell(a.frame - 8), tag: m.cellTag(a.frame - 8) } : null;
  if (!receiver || !spilled) return 'the frame cannot be read';
  const selector = slotPointer(m, a.code.method, METHOD.SELECTOR);
  if (selector <= 0 || selector === k.nil) return 'the frame has no selector';
  const method = lookup(k, classIndexOfValue(k, receiver.value, receiver.tag), selector);
  if (method < 0 && !returning) return `#${k.symbols.text(selector)} is not understood any more`;
  const entry = returning ? m.codeContaining(Number(m.cell(a.entry.rsp))) : m.codeContaining(Number(slot(m, method, METHOD.ENTRY)));
  if (!entry || (returning && m.cellTag(a.entry.rsp) !== TAG_CODE)) return 'the method has no code to go on in';
  // The handlers as they were in the frame: before the outermost on:do: (or handler) above it.
  let handlers: Value | null = null;
  for (const x of inner) {
    const name = activationName(k, x);
    const vars = variablesOf(k, x);
    if (name === 'BlockClosure>>on:do:') {
      const h = vars.find((v) => v.name === 'handler')?.value;
      if (h && h.tag === TAG_PTR && Number(h.value) !== k.nil) handlers = { value: slot(m, Number(h.value), HANDLER_OUTER), tag: slotTag(m, Number(h.value), HANDLER_OUTER) };
    } else if (name === 'ExceptionHandler>>handle:') {
      const saved = vars.find((v) => v.name === 'saved')?.value;
      if (saved) handlers = saved;
    }
  }
  // Active contexts of the frames above: their homes (a frame below this one's) and ensure records.
  let ensures = inner.filter((x) => /^BlockClosure>>(ensure:|ifCurtailed:)$/.test(activationName(k, x))).length;
  let head = slotPointer(m, k.roots, ROOTS.ACTIVE);
  for (let guard = 0; head > 0 && head !== k.nil && guard < 1_000_000; guard++) {
    const frameTag = slotTag(m, head, CONTEXT.FRAME);
    const isHome = frameTag === TAG_STACK;
    if (isHome && (Number(slot(m, head, CONTEXT.FRAME)) < a.frame || (returning !== null && Number(slot(m, head, CONTEXT.FRAME)) === a.frame))) setSlotPointer(m, head, CONTEXT.FRAME, k.nil);
    else if (!isHome && ensures > 0) ensures--;
    else break;
    head = slotPointer(m, head, CONTEXT.NEXT);
  }
  setSlotPointer(m, k.roots, ROOTS.ACTIVE, head > 0 ? head : k.nil);
  if (handlers) {
    const b = findBinding(k, 'ActiveHandler');
    if (b >= 0) assignGlobal(k, b, handlers);
  }
  const unhandled = findBinding(k, 'UnhandledSignal');
  if (unhandled >= 0) assignGlobal(k, unhandled, k.object(k.nil));
  const e = a.entry;
  const pc = Number(m.cell(e.rsp));
  if (returning) m.setRegister(0, returning.value, returning.tag);
  else m.setRegister(0, spilled.value, spilled.tag);
  m.setRegister(4, BigInt(returning ? e.rsp + 8 : e.rsp), TAG_STACK);
  m.setRegister(5, e.rbp.value, e.rbp.tag);
  m.setRegister(3, e.rbx.value, e.rbx.tag);
  m.setRegister(12, e.r12.value, e.r12.tag);
  m.setRegister(13, e.r13.value, e.r13.tag);
  return m.fetch(entry, returning ? pc - entry.addr : 0);
}
