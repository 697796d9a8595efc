/*
 * The machine stack grows as the heap does.
 *
 * The machine starts on its own stack object (the first object of the fixed space, 64 Ki
 * cells). A push, call or rsp adjustment that would leave its low end is a StackOverflow
 * fault; the machine stops on it (faults are precise) and reports it to the kernel's fault
 * handler, which gives the stack twice the cells (Machine.setStack copies the live part to the
 * new top and relocates every STACK value) and runs the instruction again. So a recursion a
 * million sends deep runs, after a few moves, up to a limit in cells one can set; past it the
 * fault stands (and the kernel makes it an exception). When the stack is empty again
 * (Machine.unwind, between evaluations) the machine goes back to its own stack.
 *
 * A grown stack is a fixed-space object (stack addresses must not move under the program),
 * made at the end of the fixed space, which then grows in place while it stays the last
 * object there: the fixed space ends up the size of the deepest stack, not the sum of every
 * size it went through. This machine's page faults are slow (fresh memory is touched at about
 * 100-300 MB/s on the project machine), so nothing here writes more memory than it must.
 */
import type { Fault } from '../machine/faults.ts';
import type { Machine } from '../machine/machine.ts';
import type { Heap } from './heap.ts';

/** The default ceiling of the stack: 16 Mi cells (128 MiB), a few million frames. */
export const DEFAULT_STACK_LIMIT = 1 << 24;

/** A StackOverflow with rsp this close to the low end asks for room (a ret or pop at the top does not). */
const LOW_END = 64 * 1024;

/** Cells in the current stack. */
export function stackCells(m: Machine): number {
  return (m.stackHi - m.stackLo) / 8;
}

/** Is `f` a StackOverflow at the low end of the stack: a push, call or rsp adjustment wanting room? */
export function wantsRoom(m: Machine, f: Fault): boolean {
  return f.kind === 'StackOverflow' && Number(m.register(4)) - m.stackLo < LOW_END;
}

/**
 * Give the machine a stack of `cells` cells (the live part kept, every STACK value relocated):
 * its own stack object when that is the size asked for, else a grown one. False when memory
 * cannot hold it; then nothing changed. It may collect.
 */
export function moveStack(heap: Heap, cells: number): boolean {
  const m = heap.machine;
  if (cells * 8 < m.stackHi - Number(m.register(4))) return false;
  const current = m.onHomeStack ? -1 : (m.stackLo >> 3) - 1;
  if (cells === (m.homeStackHi - m.homeStackLo) / 8) {
    m.setStack(m.homeStackLo, m.homeStackHi);
  } else if (current >= 0 && cells > stackCells(m) && heap.extendStack(current, cells)) {
    m.setStack(m.stackLo, m.stackLo + cells * 8);
    return true;
  } else if (current >= 0 && cells < stackCells(m)) {
    // Smaller: the grown stack gives up its lowest cells, where nothing lives.
    m.setStack(m.stackHi - cells * 8, m.stackHi);
    heap.shrinkStack(current, cells);
    return true;
  } else {
    let p: number;
    try {
      p = heap.allocateStack(cells);
    } catch {
      return false; // more cells than an object can have
    }
    if (p < 0) return false;
    m.setStack(p, p + cells * 8);
  }
  if (current >= 0) heap.releaseStack(current);
  return true;
}

/**
 * Room for a stack that ran out: twice the cells, at most `limit`. False when the stack is at
 * the limit already or memory is exhausted.
 */
export function growStack(heap: Heap, limit: number): boolean {
  const have = stackCells(heap.machine);
  if (have >= limit) return false;
  return moveStack(heap, Math.min(limit, Math.max(2 * have, 1024)));
}

/** Back to the machine's own stack, when the stack is empty (the grown one is freed). */
export function returnHome(heap: Heap): void {
  const m = heap.machine;
  if (!m.onHomeStack && Number(m.register(4)) === m.stackHi) moveStack(heap, (m.homeStackHi - m.homeStackLo) / 8);
}
