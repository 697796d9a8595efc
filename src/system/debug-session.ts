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
import { MACHINERY } from './backtrace.ts';
import { activationName, receiverOf, variablesOf, type Activation } from './frames.ts';
import { stackReport, type FrameReport } from './stack-report.ts';

export type Resolution = 'proceed' | 'abandon';

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
  /** Called once the session is resolved. */
  onResolved: (() => void) | null = null;

  constructor(private readonly host: SessionHost, all: readonly Activation[], exception: Value, readonly machineFault: boolean) {
    const k = host.kernel;
    this.activations = all.filter((a) => !MACHINERY.test(activationName(k, a)));
    this.frames = stackReport(k, this.activations, this.activations.length);
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
  abandon(): void { this.resolve('abandon'); }

  private resolve(r: Resolution): void {
    if (this.resolution !== null) return;
    this.resolution = r;
    const f = this.onResolved;
    this.onResolved = null;
    f?.();
  }
}
