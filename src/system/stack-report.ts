/*
 * The stack of an evaluation that stopped at an error, as a user reads it: each frame of the
 * user's code (the error machinery left out, as backtrace.ts leaves it out), innermost first,
 * with its receiver, its arguments and temporaries and their values (each value's
 * printString, run aside: aside.ts), and the source position it is at. Taken before the
 * machine is unwound; the REPL's and the command line's backtraces show it one line a frame.
 */
import type { Value } from '../../kernel/objects/globals.ts';
import type { Kernel } from '../../kernel/objects/kernel.ts';
import { behaviourAt, behaviourName, classIndexOfValue } from '../../kernel/objects/classes.ts';
import { printAside } from './aside.ts';
import { isMachinery } from './backtrace.ts';
import { activationName, positionOf, receiverOf, variablesOf, type Activation } from './frames.ts';

export interface FrameReport {
  readonly name: string;
  readonly receiver: string;
  /** The name of the receiver's class, when it is not the class whose method runs (an inherited method). */
  readonly receiverClass?: string;
  readonly variables: readonly { readonly name: string; readonly kind: string; readonly text: string }[];
  /** The method's source and the range (0-based, end exclusive) it is at; -1 when not known. */
  readonly source?: { readonly text: string; readonly start: number; readonly end: number };
}

/** Frames of user code reported at most (the innermost). */
export const REPORTED_FRAMES = 12;

/** Reports of the activations that are not the error machinery, innermost first (at most `limit`). */
export function stackReport(k: Kernel, frames: readonly Activation[], limit = REPORTED_FRAMES): FrameReport[] {
  const chosen = frames.filter((a) => !isMachinery(k, a.code.method)).slice(0, limit);
  // Every value is read (and kept as a root) before any is printed: printing runs code,
  // which may move objects.
  const read = chosen.map((a) => ({
    a,
    receiver: hold(k, receiverOf(k, a)),
    variables: variablesOf(k, a).map((v) => ({ name: v.name, kind: v.kind, root: hold(k, v.value) })),
    position: positionOf(k, a),
  }));
  try {
    return read.map(({ a, receiver, variables, position }) => ({
      name: activationName(k, a),
      receiver: a.code.owner === '' ? 'nil' : show(k, receiver),
      ...inherited(k, a, receiver),
      variables: variables.map((v) => ({ name: v.name, kind: v.kind, text: show(k, v.root) })),
      ...(position && { source: { text: position.source, start: position.start, end: position.end } }),
    }));
  } finally {
    for (const r of read) {
      release(k, r.receiver);
      for (const v of r.variables) release(k, v.root);
    }
  }
}

/** The receiver's class name, when the method that runs is one it inherits. */
function inherited(k: Kernel, a: Activation, root: number): { receiverClass?: string } {
  if (root < 0 || a.code.owner === '') return {};
  const b = behaviourAt(k, classIndexOfValue(k, k.heap.roots.value(root), k.heap.roots.tag(root)));
  const name = b < 0 ? '' : behaviourName(k, b);
  return name !== '' && name !== a.code.owner ? { receiverClass: name } : {};
}

/**
 * A frame's name as GNU Smalltalk writes it in a backtrace: an inherited method's with the
 * receiver's class first and the class that defines it in parentheses ("Sub(Base)>>foo",
 * "[] in Sub(Base)>>foo").
 */
export function gstName(f: FrameReport): string {
  if (!f.receiverClass) return f.name;
  return f.name.replace(/^(\[\] in )?([^>]+)>>/, (_, block: string | undefined, owner: string) => `${block ?? ''}${f.receiverClass}(${owner})>>`);
}

function hold(k: Kernel, v: Value | null): number {
  return v ? k.heap.roots.add(v.value, v.tag) : -1;
}

function release(k: Kernel, root: number): void {
  if (root >= 0) k.heap.roots.release(root);
}

function show(k: Kernel, root: number): string {
  if (root < 0) return '?';
  return printAside(k, { value: k.heap.roots.value(root), tag: k.heap.roots.tag(root) }, 200_000, 40);
}

/** One line for a frame: its name, then its receiver and variables ("D>>b: (a D) y=11 u=11 w=nil"). */
export function frameLine(f: FrameReport): string {
  const vars = f.variables.map((v) => `${v.name}=${v.text}`).join(' ');
  const self = f.name.endsWith('a DoIt') ? '' : ` (${f.receiver})`;
  return `${f.name}${self}${vars ? ` ${vars}` : ''}`;
}
