/*
 * Which callees the translator copies into their callers (translate.ts, FunctionWriter
 * inlineCall): a code object whose code, from its start, is one straight run of at most
 * MAX_INLINE instructions ending in a plain `ret`, with no call, jump, branch, host service,
 * breakpoint or instruction the host executes in it: a small method with a frame (`| t | t :=
 * self. ^t` is push rbp, mov rbp, rsp, three pushes, two moves, mov rsp, rbp, pop rbp, ret),
 * an accessor, a constant. Such a callee costs its call nothing but the check that the call
 * goes where it was guessed to: no WebAssembly call, no registers stored to STATE and loaded
 * again, no frame in V8.
 *
 * The copy is made at a call whose target the translator guesses (guessCallee, a send's
 * entry), behind the same test the guessed call makes (the target read at run time is the
 * guessed code object's start), so a redefinition, which puts another entry in the site,
 * takes the call at once; the call's return address is pushed, the callee's instructions
 * are paid for and checked one by one as in its own translation, and its `ret` goes on in
 * the caller when it pops that return address (anything else stops before the ret for the
 * interpreter). A failed check inside stops at that instruction of the callee: the machine is
 * then exactly where the interpreter would be, inside the callee with the return address on
 * the stack, and the interpreter goes on from there. The caller's translation depends on the
 * callee as on any guessed callee (ModuleEnv.guessed): a store into its code, a forget or the
 * collector freeing it drops the caller's translation.
 */
import type { Machine } from '../machine.ts';
import { OP } from '../insn.ts';
import { plan, needsStep, type Plan } from './translate.ts';

/** At most this many instructions in a copied callee, its `ret` included. */
export const MAX_INLINE = 16;

/** The plan of the code object at `address` when it may be copied into a caller, else null. */
export function inlinablePlan(m: Machine, address: number): Plan | null {
  const code = m.cacheOf(address);
  if (!code) return null;
  const p = plan(m, code);
  if (p.blocks.length !== 1) return null;
  const run = p.blocks[0];
  if (run.length > MAX_INLINE) return null;
  const last = run[run.length - 1];
  if (last.op === OP.FAULT || last.op === OP.EXIT || !last.row || last.row.operation !== 'ret' || last.decoded!.operands.length > 0) return null;
  for (const ins of run.slice(0, -1)) {
    if (ins.op === OP.FAULT || ins.op === OP.EXIT || !ins.row || ins.row.control !== 'next' || ins.row.sse || needsStep(ins)) return null;
  }
  return p;
}
