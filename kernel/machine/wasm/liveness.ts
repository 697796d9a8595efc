/*
 * What a translated function must store and load around the places where control leaves its
 * locals (a call, a host service, an instruction the host executes, an exit), so that those
 * places cost no more than they must:
 *
 *   dirty  (forward, must): registers written since the function began or since its locals
 *          were last reloaded, on every path here. A sync point or an exit stores exactly
 *          these: the rest of STATE already holds what the locals hold (or newer: see below).
 *          A jump with more dirty than its target stores the difference on the way.
 *   live   (backward, may): registers read before being written from here on. After a sync
 *          point only these are loaded again; a local not reloaded is stale, but it is never
 *          read, and never stored either (it is not dirty until written again).
 *
 * A register is a bit (0..15; rsp is not among them: the translator always keeps it), with
 * one more for the lazy flags' record (FLAGS). (The machine's layout, where tags, cards and
 * maps are and the stack's bounds, is not kept in locals: it is read from STATE where used.)
 */
import { type Insn, OP } from '../insn.ts';
import { registerEffects } from '../x86/effects.ts';
import { RSP } from '../x86/table.ts';
import type { Plan } from './translate.ts';

export const FLAGS = 1 << 16;
export const ALL = (1 << 17) - 1 - (1 << RSP);

export interface Effects {
  readonly reads: number;
  readonly writes: number;
}

/** The registers (and flags) one instruction reads and writes, as masks. */
export function effectsOf(ins: Insn): Effects {
  const row = ins.row!;
  const ops = ins.decoded!.operands;
  const e = registerEffects(row, ops);
  let reads = 0, writes = 0;
  for (const r of e.reads) reads |= 1 << r;
  for (const r of e.writes) writes |= 1 << r;
  reads &= ~(1 << RSP);
  writes &= ~(1 << RSP);
  const op = row.operation;
  const zeroShift = (op === 'shl' || op === 'shr' || op === 'sar') && ops[1]?.kind === 'imm' && (ops[1].value & 63n) === 0n;
  if (!zeroShift) {
    if (row.reads !== '' || op === 'lar' || ((op === 'shl' || op === 'shr' || op === 'sar') && row.operands[1] === 'cl')) reads |= FLAGS;
    // (flags the manual leaves undefined are left as they were, here as in the interpreter)
    if (row.flags.writes !== '') writes |= FLAGS;
  }
  return { reads, writes };
}

export interface Liveness {
  /** Registers dirty before each instruction (by offset). */
  readonly dirtyIn: ReadonlyMap<number, number>;
  /** Registers live after each instruction (by offset). */
  readonly liveOut: ReadonlyMap<number, number>;
  /** Registers live at the start of each label. */
  readonly liveAtLabel: readonly number[];
  /** Registers live at the start of any label (what the function loads when it is entered anywhere). */
  readonly liveAtEntry: number;
  /** What the edge from block i to label j stores on its way (dirty at i's end, not at j). */
  readonly flushOn: (i: number, j: number) => number;
}

/**
 * The labels control can go to from the end of each block, inside the function: the local
 * target of a jump or branch, then the label an instruction falls into (after a straight-line
 * instruction, a branch not taken, a call returning, a syscall). Exits have none.
 */
export function successors(p: Pick<Plan, 'code' | 'labelOf' | 'blocks'>): number[][] {
  return p.blocks.map((block) => {
    const last = block[block.length - 1];
    const out: number[] = [];
    const row = last.row;
    if (!row) return out;
    const target = p.labelOf.get(last.target);
    const local = last.target >= 0 && last.target < p.code.byteLength;
    if ((row.control === 'branch' || row.control === 'jump') && local && target !== undefined) out.push(target);
    const next = fallsInto(p, last);
    if (next >= 0) out.push(next);
    return out;
  });
}

/** The label the last instruction of a block falls into when it goes on, or -1. */
export function fallsInto(p: Pick<Plan, 'labelOf'>, last: Insn): number {
  const row = last.row;
  if (!row || last.op === OP.FAULT || last.op === OP.EXIT) return -1;
  const goesOn = row.control === 'next' || row.control === 'call' || row.control === 'branch' || (row.control === 'barrier' && row.operation === 'syscall');
  return goesOn ? p.labelOf.get(last.off + last.len) ?? -1 : -1;
}

/**
 * Both analyses over the plan's blocks. `isSync(ins)` says which instructions reload the
 * locals afterwards (calls, host services, instructions the host executes); `alsoReads(ins)`
 * and `alsoWrites(ins)` what an instruction reads from and writes to the locals beyond its own
 * operands (a call that does a send's hit path inline reads the receiver and the site; a call
 * whose callee is copied in place, what the copy reads and writes).
 */
export function analyse(p: Plan, isSync: (ins: Insn) => boolean, alsoReads: (ins: Insn) => number = () => 0, alsoWrites: (ins: Insn) => number = () => 0): Liveness {
  const n = p.blocks.length;
  const effects = new Map<Insn, Effects>();
  for (const block of p.blocks) {
    for (const ins of block) {
      if (!ins.row) continue;
      const e = effectsOf(ins);
      const more = alsoReads(ins), wrote = alsoWrites(ins);
      effects.set(ins, more === 0 && wrote === 0 ? e : { reads: e.reads | more, writes: e.writes | wrote });
    }
  }
  const succ = p.succ;
  // dirty: forward to a fixed point, what is dirty on every edge into a label (a must
  // analysis, from all dirty down). An edge that has more dirty stores the rest on its way
  // (flushOn), so that a register dirty only on a rare path (Kernel>>send's miss) costs the
  // other paths nothing. A label entered from outside (a call, the interpreter) has what is
  // dirty there loaded, as liveness below says, so an entry adds nothing to the meet; a label
  // no edge reaches has nothing dirty.
  const hasPred = new Uint8Array(n);
  for (const out of succ) for (const j of out) hasPred[j] = 1;
  const dirtyAtLabel = Array.from({ length: n }, (_, i) => (hasPred[i] ? ALL : 0));
  const dirtyOut = new Array<number>(n).fill(0);
  const dirtyIn = new Map<number, number>();
  for (let changed = true; changed;) {
    changed = false;
    for (let i = 0; i < n; i++) {
      let d = dirtyAtLabel[i];
      for (const ins of p.blocks[i]) {
        dirtyIn.set(ins.off, d);
        const e = effects.get(ins);
        if (!e) continue;
        d = isSync(ins) ? 0 : d | e.writes;
      }
      dirtyOut[i] = d;
      for (const j of succ[i]) {
        if ((dirtyAtLabel[j] & d) !== dirtyAtLabel[j]) { dirtyAtLabel[j] &= d; changed = true; }
      }
    }
  }
  // live: backward to a fixed point. Any instruction may be left before it runs (a failed
  // check, the budget), and the exit stores what is dirty there, so an exit reads its dirty
  // set (and an edge reads what it stores, dirty there too). A block that runs off its end
  // leaves after its last instruction.
  const liveAtLabel = new Array<number>(n).fill(0);
  const liveOut = new Map<number, number>();
  for (let changed = true; changed;) {
    changed = false;
    for (let i = n - 1; i >= 0; i--) {
      const block = p.blocks[i];
      const last = block[block.length - 1];
      let l = 0;
      for (const j of succ[i]) l |= liveAtLabel[j];
      if (succ[i].length === 0 && last.row && (last.row.control === 'next')) {
        const e = effects.get(last);
        l |= (dirtyIn.get(last.off) ?? 0) | (e ? e.writes : 0);
      }
      for (let k = block.length - 1; k >= 0; k--) {
        const ins = block[k];
        liveOut.set(ins.off, l);
        const e = effects.get(ins);
        const d = dirtyIn.get(ins.off) ?? 0;
        if (!e) { l = d; continue; }
        // A sync point reads nothing of the locals but what it stores (its dirty set), and
        // writes everything it reloads. A lar keeps the flags other than ZF: it reads the
        // flag locals only where they are dirty (elsewhere the translator reads STATE's).
        let reads = e.reads;
        if ((d & FLAGS) === 0 && ins.row!.operation === 'lar') reads &= ~FLAGS;
        l = isSync(ins) ? reads | d : (l & ~e.writes) | reads | d;
      }
      if (l !== liveAtLabel[i]) { liveAtLabel[i] = l; changed = true; }
    }
  }
  let liveAtEntry = 0;
  for (const l of liveAtLabel) liveAtEntry |= l;
  const flushOn = (i: number, j: number): number => dirtyOut[i] & ~dirtyAtLabel[j];
  return { dirtyIn, liveOut, liveAtLabel, liveAtEntry, flushOn };
}
