/*
 * The peephole optimizer: rules as data, each a pattern over a few consecutive instructions,
 * a rewrite, and why it is sound. They run to a fixed point over the native back end's
 * instruction list, before it is encoded.
 *
 *   rule              before                         after              when
 *   self-move         mov A, A                       (nothing)
 *   move-through      mov A, X ; mov B, A            mov B, X           A is dead after, B not in X's address
 *   push-pop          push rax ; pop rax             (nothing)
 *   push-around       push A ; I ; pop A             I                  I neither uses A, nor rsp, nor branches
 *   push-move         push A ; [I ;] pop B           mov B, A ; [I]     I neither uses B, nor rsp, nor branches
 *   dead-write        mov A, X                       (nothing)          A is dead after (X may be a load:
 *                                                                       the seed drops it, fault and all)
 *   constant-operand  mov R, imm ; op X, R           op X, imm          R is dead after, and the form exists
 *   store-reload      mov M, R ; mov R, M            mov M, R           M the same memory operand (no
 *                                                                       label between: one way in)
 *   self-again        mov R, [rbp-16] ; ... ;        mov R, [rbp-16] ;  nothing between writes R or rbp,
 *                     mov R, [rbp-16]                ...                calls, or is a label (self's slot
 *                                                                       is never written after the prologue)
 *
 * "Dead" is decided by a forward scan that follows jumps: a register is dead when on every
 * path it is written before it is read. At `ret` the ABI says what is live (rax, rsp and the
 * callee-saved registers); at a call, a syscall or an indirect jump everything is.
 */
import { FRAME, LIVE_AT_RET as ABI_LIVE_AT_RET } from '../../kernel/abi.ts';
import type { ItemOperand } from '../../kernel/machine/x86/assembler.ts';
import { encode } from '../../kernel/machine/x86/encoder.ts';
import type { Hints, Operand } from '../../kernel/machine/x86/operand.ts';
import { registerEffects, rowForMnemonic } from '../../kernel/machine/x86/effects.ts';
import { MNEMONICS, RIP, RSP, type Control } from '../../kernel/machine/x86/table.ts';

/** One instruction of the native back end, with where it came from (for listings). */
export interface Instruction {
  readonly mnemonic: string;
  readonly operands: readonly ItemOperand[];
  readonly hints: Hints;
  readonly origin: string;
}

export type Line = Instruction | { readonly label: string; readonly origin: string };

export function isInstruction(l: Line): l is Instruction { return 'mnemonic' in l; }

/** Live at `ret`: the result, the stack, and the registers a callee must preserve (ABI). */
const LIVE_AT_RET = new Set(ABI_LIVE_AT_RET);

function control(i: Instruction): Control | undefined {
  return MNEMONICS.get(i.mnemonic)?.[0]?.control;
}

function regOf(op: ItemOperand | undefined): number {
  return op && op.kind === 'reg' ? op.reg : -1;
}

/** Registers an operand's address uses. */
function addressRegisters(op: ItemOperand): number[] {
  if (op.kind !== 'mem') return [];
  return [op.base, op.index].filter((r) => r >= 0 && r !== RIP);
}

interface Effects { readonly reads: ReadonlySet<number>; readonly writes: ReadonlySet<number>; readonly barrier: boolean }

/**
 * What one instruction reads and writes (registers only), from the instruction table's facts;
 * `barrier` when control leaves the straight line (jumps are followed by deadAfter itself).
 */
export function effects(i: Instruction): Effects {
  const row = rowForMnemonic(i.mnemonic, i.operands);
  if (!row) return { reads: new Set(), writes: new Set(), barrier: true };
  const e = registerEffects(row, i.operands);
  return { reads: new Set(e.reads), writes: new Set(e.writes), barrier: e.control };
}

/**
 * Is register `r` dead after line `at`: on every path from there, written before it is read?
 * Jumps are followed to their labels (both ways for a conditional one); a path that comes
 * back to a label already seen reads nothing new.
 */
export function deadAfter(lines: readonly Line[], at: number, r: number, seen: Set<string> = new Set()): boolean {
  for (let j = at + 1; j < lines.length; j++) {
    const l = lines[j];
    if (!isInstruction(l)) {
      if (seen.has(l.label)) return true;
      seen.add(l.label);
      continue;
    }
    const flow = control(l);
    if (flow === 'ret') return !LIVE_AT_RET.has(r);
    const target = l.operands[0]?.kind === 'label' ? l.operands[0].name : null;
    if (target !== null && (flow === 'jump' || flow === 'branch')) {
      const at2 = lines.findIndex((x) => !isInstruction(x) && x.label === target);
      if (at2 < 0) return false;
      if (flow === 'jump') { j = at2 - 1; continue; }
      if (!deadAfter(lines, at2 - 1, r, seen)) return false;
      continue; // and the fall-through path
    }
    const e = effects(l);
    if (e.barrier || e.reads.has(r)) return false;
    if (e.writes.has(r)) return true;
  }
  return false;
}

function encodable(mnemonic: string, operands: readonly ItemOperand[], hints: Hints): boolean {
  if (operands.some((op) => op.kind === 'label')) return true;
  return encode(mnemonic, operands as Operand[], hints).ok;
}

/** Is register r dead after line i? */
export type Dead = (i: number, r: number) => boolean;

export interface Rule {
  readonly name: string;
  readonly why: string;
  /**
   * Try the rule at line `at`; return the replacement of lines [at, at + consumed) or null.
   * `dead(i, r)` says whether register r is dead after line i (deadAfter, unless optimize
   * gives its own answer from liveness computed once a round).
   */
  readonly apply: (lines: readonly Line[], at: number, dead?: Dead) => { readonly consumed: number; readonly with: readonly Line[] } | null;
  /** A rule that reads further than a window: one pass over all the lines, answering them and how often it fired. */
  readonly whole?: (lines: readonly Line[]) => { readonly lines: Line[]; readonly count: number };
}

const insn = (lines: readonly Line[], i: number): Instruction | null => {
  const l = lines[i];
  return l && isInstruction(l) ? l : null;
};

export const RULES: readonly Rule[] = Object.freeze([
  {
    name: 'self-move',
    why: 'moving a register to itself changes nothing (and mov sets no flags)',
    apply: (lines, at) => {
      const a = insn(lines, at);
      if (!a || a.mnemonic !== 'mov' || regOf(a.operands[0]) < 0 || regOf(a.operands[0]) !== regOf(a.operands[1])) return null;
      return { consumed: 1, with: [] };
    },
  },
  {
    name: 'move-through',
    why: 'a value moved through a register that nothing reads afterwards can go straight to its destination',
    apply: (lines, at, dead = (i, r) => deadAfter(lines, i, r)) => {
      const a = insn(lines, at), b = insn(lines, at + 1);
      if (!a || !b || a.mnemonic !== 'mov' || b.mnemonic !== 'mov') return null;
      const via = regOf(a.operands[0]);
      if (via < 0 || regOf(b.operands[1]) !== via || b.operands[0].kind !== 'reg') return null;
      const dest = regOf(b.operands[0]);
      if (dest === via || addressRegisters(a.operands[1]).includes(via)) return null;
      if (!dead(at + 1, via)) return null;
      const operands = [b.operands[0], a.operands[1]];
      if (!encodable('mov', operands, {})) return null;
      return { consumed: 2, with: [{ mnemonic: 'mov', operands, hints: {}, origin: b.origin }] };
    },
  },
  {
    name: 'push-pop',
    why: 'pushing a register and popping it straight back changes nothing',
    apply: (lines, at) => {
      const a = insn(lines, at), b = insn(lines, at + 1);
      if (!a || !b || a.mnemonic !== 'push' || b.mnemonic !== 'pop') return null;
      const r = regOf(a.operands[0]);
      if (r < 0 || r !== regOf(b.operands[0])) return null;
      return { consumed: 2, with: [] };
    },
  },
  {
    name: 'push-around',
    why: 'saving a register around one instruction that neither uses it nor the stack is unnecessary',
    apply: (lines, at) => {
      const a = insn(lines, at), mid = insn(lines, at + 1), b = insn(lines, at + 2);
      if (!a || !mid || !b || a.mnemonic !== 'push' || b.mnemonic !== 'pop') return null;
      const r = regOf(a.operands[0]);
      if (r < 0 || r !== regOf(b.operands[0])) return null;
      const e = effects(mid);
      if (e.barrier || e.reads.has(r) || e.writes.has(r) || e.reads.has(RSP) || e.writes.has(RSP)) return null;
      return { consumed: 3, with: [mid] };
    },
  },
  {
    name: 'push-move',
    why: 'pushing one register and popping another, around at most one instruction that leaves both the stack and the second register alone, is a move',
    apply: (lines, at) => {
      const a = insn(lines, at);
      if (!a || a.mnemonic !== 'push') return null;
      const from = regOf(a.operands[0]);
      if (from < 0) return null;
      const next = insn(lines, at + 1);
      // (a label after the push: another way in, where nothing was pushed)
      if (!next) return null;
      const [mid, b] = next.mnemonic === 'pop' ? [null, next] : [next, insn(lines, at + 2)];
      if (!b || b.mnemonic !== 'pop') return null;
      const to = regOf(b.operands[0]);
      if (to < 0 || to === from || to === RSP) return null;
      if (mid) {
        const e = effects(mid);
        if (e.barrier || e.reads.has(to) || e.writes.has(to) || e.reads.has(RSP) || e.writes.has(RSP)) return null;
      }
      const move: Instruction = { mnemonic: 'mov', operands: [b.operands[0], a.operands[0]], hints: {}, origin: a.origin };
      return { consumed: mid ? 3 : 2, with: mid ? [move, mid] : [move] };
    },
  },
  {
    name: 'dead-write',
    why: 'a register written and then overwritten before anything reads it was written for nothing',
    apply: (lines, at, dead = (i, r) => deadAfter(lines, i, r)) => {
      const a = insn(lines, at);
      if (!a || a.mnemonic !== 'mov' || a.operands[0].kind !== 'reg') return null;
      const r = regOf(a.operands[0]);
      if (r === RSP || !dead(at, r)) return null;
      return { consumed: 1, with: [] };
    },
  },
  {
    name: 'constant-operand',
    why: 'an immediate moved into a register only to be used once can be the operand itself',
    apply: (lines, at, dead = (i, r) => deadAfter(lines, i, r)) => {
      const a = insn(lines, at), b = insn(lines, at + 1);
      if (!a || !b || a.mnemonic !== 'mov' || a.operands[1]?.kind !== 'imm') return null;
      const r = regOf(a.operands[0]);
      if (r < 0 || b.mnemonic === 'mov' || b.operands.length !== 2 || regOf(b.operands[1]) !== r) return null;
      if (regOf(b.operands[0]) === r || addressRegisters(b.operands[0]).includes(r)) return null;
      if (!dead(at + 1, r)) return null;
      const operands = [b.operands[0], a.operands[1]];
      if (!encodable(b.mnemonic, operands, b.hints)) return null;
      return { consumed: 2, with: [{ mnemonic: b.mnemonic, operands, hints: b.hints, origin: b.origin }] };
    },
  },
  {
    name: 'store-reload',
    why: 'a register stored to memory still holds what that memory holds right after: loading it back changes nothing',
    apply: (lines, at) => {
      const a = insn(lines, at), b = insn(lines, at + 1);
      if (!a || !b || a.mnemonic !== 'mov' || b.mnemonic !== 'mov') return null;
      const [m, r] = a.operands, [r2, m2] = b.operands;
      if (r?.kind !== 'reg' || r2?.kind !== 'reg' || r.reg !== r2.reg || m?.kind !== 'mem' || m2?.kind !== 'mem') return null;
      if (m.size !== 64 || m2.size !== 64 || m.base !== m2.base || m.index !== m2.index || m.scale !== m2.scale || m.disp !== m2.disp || m.label !== m2.label) return null;
      // (the store's address must not use the register it loads: it does not change it, but be plain)
      if (addressRegisters(m).includes(r.reg) || m.base === RIP) return null;
      return { consumed: 2, with: [a] };
    },
  },
  {
    name: 'self-again',
    why: "a register that already holds self (loaded from the frame's self slot, which nothing writes after the prologue, on the one way in) need not load it again",
    // (a look back further than a window: a pass over the whole list, dropSelfAgain)
    apply: () => null,
    whole: (lines) => dropSelfAgain(lines),
  },
] satisfies Rule[]);

const RBP_REGISTER = 5;

/**
 * Drop each `mov R, [rbp-16]` whose R already holds self: loaded so earlier on the one way in
 * (no label since), with nothing between that writes R or rbp, writes self's slot, or leaves
 * the line other than by a conditional branch (which falls through with R as it was).
 */
function dropSelfAgain(lines: readonly Line[]): { lines: Line[]; count: number } {
  const out: Line[] = [];
  let holds = 0; // the registers holding self, as a mask
  let count = 0;
  for (const l of lines) {
    if (!isInstruction(l)) { holds = 0; out.push(l); continue; }
    if (isSelfLoad(l)) {
      const r = regOf(l.operands[0]);
      if (holds & (1 << r)) { count++; continue; }
      out.push(l);
      holds |= 1 << r;
      continue;
    }
    out.push(l);
    const d = l.operands[0];
    if (d && d.kind === 'mem' && d.base === RBP_REGISTER && d.disp === FRAME.SELF) { holds = 0; continue; }
    const e = effects(l);
    if (e.barrier && !(l.mnemonic.startsWith('j') && l.mnemonic !== 'jmp')) { holds = 0; continue; }
    if (e.writes.has(RBP_REGISTER)) { holds = 0; continue; }
    for (const w of e.writes) holds &= ~(1 << w);
  }
  return { lines: out, count };
}

/** Is `i` a load of self from a native frame (`mov R, [rbp-16]`)? */
function isSelfLoad(i: Instruction): boolean {
  const [d, src] = i.operands;
  return i.mnemonic === 'mov' && d?.kind === 'reg' && d.reg !== RBP_REGISTER && src?.kind === 'mem' && src.base === RBP_REGISTER && src.index < 0 && src.disp === FRAME.SELF && src.size === 64;
}

export interface PeepholeReport {
  readonly lines: readonly Line[];
  /** How many times each rule fired. */
  readonly fired: Readonly<Record<string, number>>;
}

/** Every register live: what an unknown path, a call or the end of the lines may read. */
const ALL = 0xffff;
const LIVE_AT_RET_MASK = [...LIVE_AT_RET].reduce((m, r) => m | (1 << r), 0);

/** What an instruction reads and writes, as register masks; null when control leaves the line. */
interface Masks { readonly reads: number; readonly writes: number; readonly barrier: boolean }
const masksOf = new WeakMap<Instruction, Masks>();
/**
 * The masks of instructions by what they depend on (the mnemonic and the registers of its
 * operands, not immediates or displacements): each compile makes new lines, mostly the same
 * instructions as before. At most MASKS_KNOWN_MAX, then forgotten all at once.
 */
const masksKnown = new Map<string, Masks>();
const MASKS_KNOWN_MAX = 20_000;
function masks(i: Instruction): Masks {
  let m = masksOf.get(i);
  if (m !== undefined) return m;
  let key = i.mnemonic;
  for (const op of i.operands) {
    if (op.kind === 'mem') key += ` m${op.base},${op.index}`;
    else if (op.kind === 'reg' || op.kind === 'reg8' || op.kind === 'reg16' || op.kind === 'xmm') key += ` ${op.kind}${op.reg}`;
    else key += ` ${op.kind}`;
  }
  m = masksKnown.get(key);
  if (m === undefined) {
    const e = effects(i);
    const mask = (rs: ReadonlySet<number>): number => [...rs].reduce((acc, r) => acc | (r >= 0 && r < 16 ? 1 << r : 0), 0);
    m = { reads: mask(e.reads), writes: mask(e.writes), barrier: e.barrier };
    if (masksKnown.size >= MASKS_KNOWN_MAX) masksKnown.clear();
    masksKnown.set(key, m);
  }
  masksOf.set(i, m);
  return m;
}

/**
 * What a back end knows of the registers live into an instruction that leaves the straight
 * line (a call, an indirect jump), from those live after it; undefined: every register.
 */
export type BarrierLive = (i: Instruction, after: number) => number | undefined;

/** The registers live into a straight-line instruction, from those live after it. */
function liveInto(i: Instruction, after: number, barrier?: BarrierLive): number {
  const m = masks(i);
  return m.barrier ? barrier?.(i, after) ?? ALL : m.reads | (after & ~m.writes);
}

/**
 * The registers live after each line (a mask a line), as deadAfter decides it for one line and
 * one register, for all of them at once: a backward data-flow pass repeated to its least fixed
 * point (a loop adds nothing new), linear in the lines per pass.
 */
export function liveness(lines: readonly Line[], barrier?: BarrierLive): Int32Array {
  const n = lines.length;
  const into = new Int32Array(n + 1);
  into[n] = ALL; // past the end: anything may be read
  const labels = new Map<string, number>();
  lines.forEach((l, i) => { if (!isInstruction(l) && !labels.has(l.label)) labels.set(l.label, i); });
  for (let changed = true; changed;) {
    changed = false;
    for (let i = n - 1; i >= 0; i--) {
      const l = lines[i];
      let v: number;
      if (!isInstruction(l)) v = into[i + 1];
      else {
        const flow = control(l);
        const target = l.operands[0]?.kind === 'label' ? l.operands[0].name : null;
        if (flow === 'ret') v = LIVE_AT_RET_MASK;
        else if (target !== null && (flow === 'jump' || flow === 'branch')) {
          const t = labels.get(target);
          v = t === undefined ? ALL : flow === 'jump' ? into[t] : into[t] | into[i + 1];
        } else v = liveInto(l, into[i + 1], barrier);
      }
      if (v !== into[i]) { into[i] = v; changed = true; }
    }
  }
  return into.subarray(1);
}

/**
 * Apply the rules until none fires. Each round computes liveness once and walks the lines with
 * two stacks (those done, and those to come), so a rewrite costs what it replaces, never a copy
 * of the method: the whole optimization is linear in the method's length a round. Liveness a
 * rewrite has made stale only errs towards "live" (no rule makes a register live where it was
 * dead), so a rule that it stops firing fires in the next round.
 */
export function optimize(input: readonly Line[], rules: readonly Rule[] = RULES, barrier?: BarrierLive): PeepholeReport {
  let lines: Line[] = [...input];
  const fired: Record<string, number> = {};
  for (let changed = true, rounds = 0; changed && rounds < 100; rounds++) {
    changed = false;
    for (const rule of rules) {
      if (!rule.whole) continue;
      const r = rule.whole(lines);
      if (r.count === 0) continue;
      lines = r.lines;
      fired[rule.name] = (fired[rule.name] ?? 0) + r.count;
      changed = true;
    }
    const after = liveness(lines, barrier);
    // Live after each line, by the line (a line object met twice is live after either place).
    const liveAfter = new Map<Line, number>();
    lines.forEach((l, i) => liveAfter.set(l, (liveAfter.get(l) ?? 0) | after[i]));
    const done: Line[] = [];
    const todo: Line[] = lines.reverse(); // the next line on top
    const window: Line[] = [];
    const dead: Dead = (i, r) => {
      const m = liveAfter.get(window[i]);
      return m !== undefined && (m & (1 << r)) === 0;
    };
    while (todo.length > 0) {
      window.length = 0;
      for (let k = 1; k <= 3 && k <= todo.length; k++) window.push(todo[todo.length - k]);
      let rewrote = false;
      for (const rule of rules) {
        const r = rule.apply(window, 0, dead);
        if (!r) continue;
        let live = liveAfter.get(window[r.consumed - 1]) ?? ALL;
        todo.length -= r.consumed;
        for (let j = r.with.length - 1; j >= 0; j--) {
          const l = r.with[j];
          liveAfter.set(l, live);
          live = isInstruction(l) ? liveInto(l, live, barrier) : live;
          todo.push(l);
        }
        // Try again from the line before the rewrite: it may fire with what came in.
        if (done.length > 0) todo.push(done.pop()!);
        fired[rule.name] = (fired[rule.name] ?? 0) + 1;
        changed = rewrote = true;
        break;
      }
      if (!rewrote) done.push(todo.pop()!);
    }
    lines = done;
  }
  return { lines, fired };
}
