/*
 * Stepping a stopped evaluation (the debugger's over, into and out), with the interpreter as
 * the single-step engine whichever tier ran the code before: the machine's watch
 * (Machine.watch) is asked before each instruction, and this module's watch answers whether
 * the evaluation has reached the place the step is for.
 *
 * A place is a unit of the user's code (a method, a block or a DoIt, not the exception
 * machinery), one of its activations (its frame) and the source range of the expression it
 * is at. The machine is at a place only at moments where its frames can be read as they are:
 *
 *   - in a native unit's code, past its prologue (where the debug info gives a range) and not
 *     at a `ret` (the cell at rsp is no return address): its frame is rbp;
 *   - in VM>>run: at its `call rcx` to the next pair of a threaded unit (rbp the vector, r12
 *     the frame, rbx past the pair about to run).
 *
 *   over  the stepped frame at another range, or the frame gone (it returned, or was unwound)
 *         and the machine at a place in the code that goes on: its sender at the expression
 *         after the send, or any other place (a handler's)
 *   into  any other place: the stepped frame at another range, or another activation (a method
 *         or block it sent to, or its sender once it returned)
 *   out   the stepped frame gone, and the machine at a place (as over finds it then)
 *
 * Only expressions that do something are places to stop at: not a name or a literal alone.
 */
import { TAG_CODE, TAG_PTR, TAG_STACK } from '../../kernel/machine/cells.ts';
import { OP, type Insn } from '../../kernel/machine/insn.ts';
import { slotPointer } from '../../kernel/objects/access.ts';
import type { Kernel } from '../../kernel/objects/kernel.ts';
import { METHOD } from '../../kernel/objects/layout.ts';
import { sourceRangeAt } from '../compiler/debug-info.ts';
import { isMachinery } from './backtrace.ts';
import { type Activation, type CodeEntry, type CodeIndex } from './frames.ts';

/** A name, a literal, a pseudo-variable or a block: a range of source that sends nothing. */
const PRIMARY = /^(?:[A-Za-z_][A-Za-z0-9_]*|-?[0-9][0-9A-Za-z.]*|'(?:[^']|'')*'|#[A-Za-z0-9_:]+|#'(?:[^']|'')*'|\$[\s\S]|#\([\s\S]*\)|#\[[\s\S]*\]|\[[\s\S]*\])$/;

export type StepKind = 'over' | 'into' | 'out';

export interface Place {
  readonly code: CodeEntry;
  readonly frame: number;
  readonly start: number;
  readonly end: number;
}

/** The range an activation is at (as its place would say), or null. */
export function rangeOf(a: Activation): { start: number; end: number } | null {
  return sourceRangeAt(a.kind === 'native' ? a.code.info.native : a.code.info.threaded, a.at);
}

/** Where the machine is before `next` (see the header), or null when not at a place. */
export function placeAt(k: Kernel, index: CodeIndex, next: Insn): Place | null {
  const m = k.machine;
  const addr = next.code.addr;
  const e = index.entries.get(addr);
  if (e && e.native && !e.info.frameless) {
    if (m.registerTag(5) !== TAG_STACK) return null;
    if (m.cellTag(Number(m.register(4))) === TAG_CODE) return null;
    const r = sourceRangeAt(e.info.native, next.off);
    return r ? { code: e, frame: Number(m.register(5)), start: r.start, end: r.end } : null;
  }
  if (addr === index.runLoop && (next.op === OP.TRANSLATED ? next.baseOp : next.op) === OP.CALL_RM) {
    if (m.registerTag(5) !== TAG_PTR || m.registerTag(12) !== TAG_STACK) return null;
    const t = index.entries.get(Number(m.register(5)));
    if (!t || t.native) return null;
    const r = sourceRangeAt(t.info.threaded, Number(m.register(3)) / 2 - 1);
    return r ? { code: t, frame: Number(m.register(12)), start: r.start, end: r.end } : null;
  }
  return null;
}

/**
 * The watch for a step of `kind` from activation `a` (at the range it is at now): true before
 * the first instruction at which the step is done.
 */
export function stepWatch(k: Kernel, index: CodeIndex, kind: StepKind, a: Activation, sender?: Activation): (next: Insn) => boolean {
  const m = k.machine;
  const from = rangeOf(a);
  // Once a has returned, its sender stops at its next expression after the send (the range it
  // was at is the send's).
  const back = sender ? rangeOf(sender) : null;
  const machinery = new Map<CodeEntry, boolean>();
  const user = (c: CodeEntry): boolean => {
    let is = machinery.get(c);
    if (is === undefined) { is = isMachinery(k, c.method); machinery.set(c, is); }
    return !is;
  };
  // A range that is only a name or a literal (loading a variable) is no place to stop at.
  const worth = new Map<string, boolean>();
  const sources = new Map<number, string>();
  const interesting = (p: Place): boolean => {
    const key = `${p.code.key}:${p.start}:${p.end}`;
    let is = worth.get(key);
    if (is === undefined) {
      let text = sources.get(p.code.method);
      if (text === undefined) {
        const src = slotPointer(m, p.code.method, METHOD.SOURCE);
        text = src > 0 && src !== k.nil ? k.textOf(src) : '';
        sources.set(p.code.method, text);
      }
      is = !PRIMARY.test(text.slice(p.start, p.end).trim());
      worth.set(key, is);
    }
    return is;
  };
  // The stack cell of a's return address: once rsp is past it, a has returned (or was unwound).
  const top = a.entry.rsp;
  const stackLo = m.stackLo;
  return (next) => {
    // A stack that moved (a deep recursion grows it) leaves the frame addresses behind: stop.
    if (m.stackLo !== stackLo) return true;
    const gone = Number(m.register(4)) > top;
    if (kind === 'out' && !gone) return false;
    const p = placeAt(k, index, next);
    if (!p || !user(p.code)) return false;
    if (!interesting(p)) return false;
    if (gone) {
      if (!sender || p.code.key !== sender.code.key || p.frame !== sender.frame) return true;
      return back === null || p.start !== back.start || p.end !== back.end;
    }
    const same = p.code.key === a.code.key && p.frame === a.frame;
    if (same) return from === null || p.start !== from.start || p.end !== from.end;
    return kind === 'into';
  };
}
