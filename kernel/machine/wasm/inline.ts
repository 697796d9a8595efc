/*
 * Which callees the translator copies into their callers (translate.ts, FunctionWriter
 * inlineCall), and which part of each: from a code object's start, the blocks reachable up to
 * its last `ret` (where the native compiler's slow paths begin), when every edge among them
 * goes forward (no loop), they hold at most MAX_INLINE instructions and MAX_INLINE_CALLS calls,
 * and nothing in them is a host service, an instruction the host executes, a jump or call
 * that is not rel32 into the code object or a call out of it, or a `ret imm16`. That is a
 * small method with a frame (`| t | t := self. ^t`), an accessor, a constant, and a method of
 * fib's shape: a compare, a branch, two sends, an add (`self < 2 ifTrue: [^self]. ^(self - 1)
 * fib + (self - 2) fib`, 45 instructions up to its last ret, with the guarded arithmetic).
 * Such a callee costs its call no WebAssembly call, no registers stored to STATE and loaded
 * again, no frame in V8: only the check that the call goes where it was guessed to.
 *
 * The copy is made at a call whose target the translator guesses (guessCallee, a send's
 * entry), behind the same test the guessed call makes (the target read at run time is the
 * guessed code object's start), so a redefinition, which puts another entry in the site,
 * takes the call at once; the call's return address is pushed, each copied block is paid for
 * and its instructions checked as in the callee's own translation, its branches stay inside
 * the copy, and its `ret` goes on in the caller when it pops that return address (anything
 * else stops before the ret for the interpreter). A branch to a block not copied (a slow
 * path) and a failed check inside stop there: the machine is then exactly where the
 * interpreter would be, inside the callee with the return address on the stack, and the
 * interpreter goes on from there. Calls inside the copy are the translator's ordinary calls
 * (never copied again: a copy is one level deep, so fib copied into fib is fib unrolled once).
 * The caller's translation depends on the callee as on any guessed callee (ModuleEnv.guessed):
 * a store into its code, a forget or the collector freeing it drops the caller's translation.
 */
import type { Machine } from '../machine.ts';
import type { Insn } from '../insn.ts';
import { OP } from '../insn.ts';
import { successors } from './liveness.ts';
import { plan, needsStep, type Plan } from './translate.ts';

/** At most this many instructions in the copied blocks of a callee, its `ret`s included. */
export const MAX_INLINE = 64;
/** At most this many calls in them (each a WebAssembly call of its own in the copy). */
export const MAX_INLINE_CALLS = 2;

/** Can this instruction be in a copied block? */
function copyable(ins: Insn, byteLength: number): boolean {
  const row = ins.row;
  if (ins.op === OP.FAULT || ins.op === OP.EXIT || !row || row.sse || needsStep(ins) || row.operation === 'syscall') return false;
  const ops = ins.decoded!.operands;
  const local = ins.target >= 0 && ins.target < byteLength;
  switch (row.control) {
    case 'next': return true;
    case 'branch': return local;
    case 'jump': return ops[0].kind === 'rel' && local;
    case 'call': return ops[0].kind === 'rel' ? !local : ops[0].kind === 'mem' || ops[0].kind === 'reg';
    case 'ret': return ops.length === 0;
    default: return false;
  }
}

/**
 * The part of the code object at `address` that may be copied into a caller, as a plan of its
 * own (its labels those of the copied blocks, in the callee's placement order, so every edge
 * among them goes forward; a branch to any other block has no label here), or null.
 */
export function inlinablePlan(m: Machine, address: number): Plan | null {
  const code = m.cacheOf(address);
  if (!code) return null;
  const p = plan(m, code);
  let lastRet = -1;
  for (const block of p.blocks) for (const ins of block) if (ins.row && ins.op !== OP.FAULT && ins.op !== OP.EXIT && ins.row.operation === 'ret') lastRet = Math.max(lastRet, ins.off);
  if (lastRet < 0) return null;
  const inRegion = new Set<number>([0]);
  const work = [0];
  while (work.length > 0) {
    const i = work.pop()!;
    for (const j of p.succ[i]) {
      if (inRegion.has(j) || p.offsets[j] > lastRet) continue;
      inRegion.add(j);
      work.push(j);
    }
  }
  const labels = [...inRegion].sort((x, y) => p.pos[x] - p.pos[y]);
  if (labels[0] !== 0) return null;
  let count = 0, calls = 0;
  for (const i of labels) {
    for (const ins of p.blocks[i]) {
      if (!copyable(ins, code.byteLength)) return null;
      count++;
      if (ins.row!.control === 'call') calls++;
    }
    for (const j of p.succ[i]) if (inRegion.has(j) && p.pos[j] <= p.pos[i]) return null;
  }
  if (count > MAX_INLINE || calls > MAX_INLINE_CALLS) return null;
  // (a copied block that ends without going on, but in a ret or a branch, runs into a block
  // not copied: the copy leaves there, as it does at a branch to one)
  const offsets = labels.map((i) => p.offsets[i]);
  const blocks = labels.map((i) => p.blocks[i]);
  const labelOf = new Map(offsets.map((o, k) => [o, k]));
  const succ = successors({ code, labelOf, blocks });
  const order = labels.map((_, k) => k);
  return { code, offsets, labelOf, blocks, succ, pos: order, order, entries: new Set([0]) };
}
