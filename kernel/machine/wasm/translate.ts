/*
 * The translator: one code object's x86-64 into one WebAssembly function, which V8 compiles
 * to native code. Same memory, same tags, same bounds rules, same faults as the interpreter
 * (kernel/machine/interpreter.ts), which stays the reference: whenever a check fails, or an
 * instruction has no translation of its own, the function stops before that instruction and
 * the interpreter executes it, so a fault is exactly the interpreter's.
 *
 * A function's shape (a "loop-switch": any label can be entered, forward jumps are plain
 * breaks, backward jumps go through the switch, which V8 compiles to a jump table):
 *
 *   (func (param $link $target $rax $packed) (result i64 i64)   (see PACK_TAG)
 *     rax, rsp and the budget from the parameters; the other registers and the flags it
 *     uses from STATE (label 0's, or any label's)
 *     $pc := the entry label, from $target
 *     block $exit
 *       loop $top
 *         block $L(n-1) ... block $L0  br_table $L0 .. $L(n-1) ($pc)  end
 *         code of label 0 ...  end  code of label 1 ... end ...  code of label n-1
 *       end
 *     end
 *     store what it wrote back to STATE, say where to go on; return (status, -1))
 *
 * Labels are the starts of basic blocks: offset 0, branch targets, and whatever follows an
 * instruction that is not straight-line (the table's control facts). Each block first takes
 * its length from the instruction budget (STATE.BUDGET), so instruction counts, step limits
 * and the interpreter's checks stay exact; a block the budget cannot pay for is left to the
 * interpreter.
 *
 * Registers live in locals (value i64, tag i32; rsp as an i32, its tag always STACK) and the
 * lazy flags in locals shaped as the interpreter's record (flags.ts), written back at every
 * exit and around every call (but rax, rsp and the budget, which a call passes and a return
 * gives back: see PACK_TAG). Calls are WebAssembly calls: an x86 `call` pushes its return
 * address on the machine stack as always and calls the target's function (directly within a
 * batch, else through the shared table at the target's cache index, where an untranslated
 * code object has the interpreter's stub; a call to Kernel>>send does the send's hit path in
 * place and calls the method: sendshape.ts, sendCall), passing the return address it expects back; a
 * `ret` (or `jmp` through a register, as threaded primitives return) to that address returns
 * RETURNED. A return elsewhere (a non-local return, an exception's unwinding) returns RET_TO
 * with the address: each caller on the way either recognises it as its own continuation,
 * or as its own caller's, or passes it on.
 *
 *   status     meaning                                              where to go on
 *   RETURNED   control went back to the expected return address     the caller's continuation
 *   RET_TO     control went to STATE.TARGET (tag STATE.TARGET_TAG)  that address
 *   STOP_AT    the interpreter executes the instruction at          NEXT_CODE + NEXT_OFF (NEXT_MODE:
 *              NEXT (a failed check, an untranslated form, the      at it, or after it)
 *              budget spent, a store into code, the host stack deep)
 *   FAULT      a host service or a helper raised a fault             the machine's pending fault
 */
import { STATE, STATE_BYTES, XMM_STATE, TAG_CODE, TAG_HDR, TAG_NUM, TAG_POISON, TAG_PTR, TAG_STACK, CARD_POINTER, CARD_SHIFT, CARD_WRITTEN, NURSERY_STATE, FORMAT_BYTES, IDENTITY_HASH_MASK, IDENTITY_HASH_SHIFT, SERVICE_ALLOCATE } from '../cells.ts';
import { BIT_CF, BIT_OF, BIT_PF, BIT_SF, BIT_ZF, FLAGS_ADD, FLAGS_EAGER, FLAGS_EXPLICIT, FLAGS_LOGIC, FLAGS_SUB } from '../flags.ts';
import type { CodeCache, Insn } from '../insn.ts';
import { OP } from '../insn.ts';
import type { Machine } from '../machine.ts';
import { registerEffects } from '../x86/effects.ts';
import type { MemOperand, Operand } from '../x86/operand.ts';
import { RAX, RIP, RSP, type Row } from '../x86/table.ts';
import { Body, I32, I64, ModuleBuilder, OPC, VOID } from './emit.ts';
import { ALL, analyse, effectsOf, fallsInto, FLAGS, type Liveness, successors } from './liveness.ts';
import { sendShapeAt, type SendShape } from './sendshape.ts';

export const RETURNED = 0;
export const RET_TO = 1;
export const STOP_AT = 2;
export const FAULT = 3;
/** NEXT_MODE: continue at the instruction at NEXT, or after it (linked as the interpreter links). */
export const NEXT_AT = 0;
export const NEXT_AFTER = 1;
/** NEXT_MODE of a nested interpreter run that stopped: the instruction is Machine.stoppedAt. */
export const NEXT_INSN = 2;

/**
 * How deep translated code may nest WebAssembly calls before a call is left to the interpreter
 * (which starts the host stack afresh), in bytes of the host's stack, roughly: a call adds the
 * caller's frameWeight. V8's frames grow with the function (a large method's translation took
 * about 1 to 2.5 KB a frame, a small one's 0.5 KB), so counting calls alone let recursion
 * through a large method run the host out of stack (about 1 MB) before the machine's ran out.
 */
export const MAX_DEPTH = 600 * 1024;
/** A nested interpreter run (the stub, runNested) and the host frames around it. */
export const NESTED_RUN_WEIGHT = 4096;
/** What a translated function's frame is counted as: more than V8 was seen to take. */
export function frameWeight(codeBytes: number): number { return 1024 + 2 * codeBytes; }

/**
 * A translated function's type: (link, target, rax, packed) -> (rax, packed), four i64s, so
 * that V8 passes all of them in registers (it has five for a WebAssembly call's parameters;
 * with six, one went through the stack). link is the expected return address (bits 0-31) and
 * the depth (32-63); target the code object's address (0-31) and the entry label (32-63);
 * packed is rsp (bits 0-31), rax's tag (32-39) and the budget (40-62). The registers a call
 * passes and a return gives back travel in V8's registers, not through STATE. (The budget the
 * interpreter gives is at most its checkpoint interval, 2^21, and a function only spends it.)
 * Any other way out (STOP_AT, RET_TO, FAULT, or RETURNED after a detour through the host)
 * gives (status, -1): STATE holds all.
 */
export const PACK_TAG = 32;
export const PACK_BUDGET = 40;
/** Where the depth sits in link, and the entry label in target. */
export const LINK_DEPTH = 32;
export const TARGET_ENTRY = 32;

/** Byte offsets of STATE fields (cells.ts STATE gives them in units of their views). */
const S_REG = (r: number): number => 8 * r;
const S_TAG = (r: number): number => STATE.REG_TAGS + r;
const S_FA = 8 * STATE.FLAG_A, S_FB = 8 * STATE.FLAG_B, S_FR = 8 * STATE.FLAG_RES;
const S_FK = 4 * STATE.FLAG_KIND, S_FC = 4 * STATE.FLAG_CF, S_FO = 4 * STATE.FLAG_OF, S_FBITS = 4 * STATE.FLAG_BITS;
const S32B = (i: number): number => 4 * i;
/** The machine's layout (where tags, cards and the code maps are, the stack's bounds): read where used. */
const S_TAGS = S32B(STATE.TAGS_BASE), S_CARDS = S32B(STATE.CARDS_BASE), S_CODE_START = S32B(STATE.CODE_START_BASE);
const S_CACHE_INDEX = S32B(STATE.CACHE_INDEX_BASE), S_FIXED_LO = S32B(STATE.FIXED_LO), S_MAP_CELLS = S32B(STATE.MAP_CELLS);
const S_STACK_LO = S32B(STATE.STACK_LO), S_STACK_HI = S32B(STATE.STACK_HI), S_MEM_BOUND = S32B(STATE.MEMORY_BOUND);

/** A lar whose flags are not yet computed: fk2 holds the kind before it (see materializeFlags). */
const FLAGS_LAR = 5;
/**
 * A lar where the flags were not dirty (STATE holds them, the flag locals may not): ZF set,
 * the other flags STATE's. The bits helper reads STATE's record for it, so the flags need
 * not be loaded for a lar whose flags are overwritten before anyone reads them.
 */
const FLAGS_LAR_STATE = 6;

/** What the module gives every function: imported helpers and its own shared helpers. */
export interface ModuleEnv {
  readonly mb: ModuleBuilder;
  /** The function type of every translated function and of the interpreter's stub. */
  readonly fnType: number;
  /** service(code, offset, depth) -> status: a host service, for the syscall at that place. */
  readonly service: number;
  /** step(code, offset) -> status: the interpreter executes that one (straight-line) instruction. */
  readonly step: number;
  /** codeWritten(cell) -> 1 if the store hit decoded code (everything translated is gone). */
  readonly codeWritten: number;
  /** bits(fk, fa, fb, fr, fc, fo, fbits, fk2) -> the five flags as FLAG_BITS bits. */
  readonly bits: number;
  /** Function index of each code object translated in this module, by its address. */
  readonly functionOf: ReadonlyMap<number, number>;
  /** Label index of each entry offset, by code object address, for what is in this module. */
  readonly labelsOf: ReadonlyMap<number, ReadonlyMap<number, number>>;
  /** Cache index (table slot) of a code object, by address, or -1. */
  readonly tableIndexOf: (address: number) => number;
  /**
   * The code objects each function calls directly on a guess (see guessCallee), by the
   * caller's address: the tier drops the caller's translation with any of them, as with a
   * rel32 target, since its function reaches theirs without looking in the table.
   */
  readonly guessed: Map<number, Set<number>>;
  /** The plan of a callee that may be copied into its callers (inline.ts), or null. */
  readonly inlinable: (address: number) => Plan | null;
  /**
   * The callees copied into a function of the module, with their bytes when copied: a record
   * of the module fits another machine only where they are the same (tier.ts matching).
   */
  readonly inlined: Map<number, Uint8Array>;
}

/** What the translator found in a code object: its blocks, their instructions and labels. */
export interface Plan {
  readonly code: CodeCache;
  /** Leaders (block starts), ascending: label i is at offsets[i]. */
  readonly offsets: readonly number[];
  readonly labelOf: ReadonlyMap<number, number>;
  /** Instructions of each block, in order. */
  readonly blocks: readonly (readonly Insn[])[];
  /** Successor labels of each block (liveness.ts successors). */
  readonly succ: readonly (readonly number[])[];
  /**
   * Where each label's code is placed (pos[label]), and the label at each place (order):
   * reverse postorder from label 0, so that control goes forward except round a loop.
   */
  readonly pos: readonly number[];
  readonly order: readonly number[];
  /**
   * The labels control may enter the function at (from the interpreter, or a call): label 0,
   * the heads of loops (a jump back there goes round through the dispatch anyway), the
   * targets of calls inside the code object, and the first label of each part no edge from
   * label 0 reaches (after an int3, say: the interpreter goes on there). Only these are
   * marked for the interpreter to enter; elsewhere it runs on, to the next of them or out
   * of the code object. Every other label is reached only from inside, so V8 keeps its
   * values in registers across it: a label any entry could reach merges every local with
   * the values loaded at entry.
   */
  readonly entries: ReadonlySet<number>;
}

/**
 * Does the translator leave this instruction to the host's step() (a form it has no code of
 * its own for: rsp as a destination, mostly)? Such an instruction is a sync point.
 */
export function needsStep(ins: Insn): boolean {
  const row = ins.row;
  if (!row || ins.op === OP.FAULT || ins.op === OP.EXIT) return false;
  const ops = ins.decoded!.operands;
  const d = ops[0];
  const rsp = (o: Operand | undefined): boolean => o !== undefined && o.kind === 'reg' && o.reg === RSP;
  // SSE2 rows: the xmm registers live in STATE, and the interpreter's routine (sse.ts) runs them.
  if (row.sse) return true;
  switch (row.operation) {
    case 'inc': case 'dec': case 'neg': case 'not': case 'shl': case 'shr': case 'sar': return rsp(d);
    case 'imul': case 'cmovcc': case 'pop': return d.kind !== 'reg' || d.reg === RSP;
    case 'lar': return d.kind !== 'reg' || d.reg === RSP || !(ops[1].kind === 'reg16' || ops[1].kind === 'mem');
    case 'setcc': return d.kind === 'reg8' && d.reg === RSP;
    default: return false;
  }
}

/** Where the locals are stored and loaded again: calls, host services, steps. */
export function isSyncPoint(ins: Insn): boolean {
  const row = ins.row;
  if (!row || ins.op === OP.FAULT || ins.op === OP.EXIT) return false;
  return row.control === 'call' || row.operation === 'syscall' || needsStep(ins);
}

/** Is this a straight-line, translatable-by-step instruction record (not a FAULT or EXIT record)? */
function decodedRow(ins: Insn): Row | null { return ins.op === OP.FAULT || ins.op === OP.EXIT ? null : ins.row; }

/** Find the reachable instructions of `code` from offset 0 and cut them into blocks. */
export function plan(m: Machine, code: CodeCache): Plan {
  const seen = new Map<number, Insn>();
  const leaders = new Set<number>([0]);
  const work = [0];
  const visit = (off: number): void => {
    if (off < 0 || off >= code.byteLength || seen.has(off)) return;
    work.push(off);
  };
  while (work.length > 0) {
    const off = work.pop()!;
    if (seen.has(off)) continue;
    const ins = m.fetch(code, off);
    seen.set(off, ins);
    const row = decodedRow(ins);
    if (!row) continue;
    const next = off + ins.len;
    const target = ins.target;
    const local = target >= 0 && target < code.byteLength;
    switch (row.control) {
      case 'next': visit(next); break;
      case 'jump': if (local) { leaders.add(target); visit(target); } break;
      case 'branch': if (local) { leaders.add(target); visit(target); } leaders.add(next); visit(next); break;
      case 'call':
        if (row.operands[0] === 'rel32' && local) { leaders.add(target); visit(target); }
        leaders.add(next); visit(next); break;
      case 'barrier': leaders.add(next); visit(next); break;
      default: break; // ret, indirect: nothing follows
    }
  }
  const offsets = [...seen.keys()].filter((o) => leaders.has(o)).sort((a, b) => a - b);
  const labelOf = new Map(offsets.map((o, i) => [o, i]));
  const blocks: Insn[][] = offsets.map((start) => {
    const list: Insn[] = [];
    let off = start;
    for (;;) {
      const ins = seen.get(off);
      if (!ins) break;
      list.push(ins);
      const row = decodedRow(ins);
      if (!row || row.control !== 'next') break;
      off += ins.len;
      if (labelOf.has(off)) break;
    }
    return list;
  });
  const base = { code, offsets, labelOf, blocks };
  const succ = successors(base);
  const { order, pos, roots } = placement(succ);
  // (a label no edge from label 0 leads to, as after an int3, is entered by the interpreter alone)
  const entries = new Set<number>(roots);
  succ.forEach((out, i) => {
    for (const j of out) if (pos[j] <= pos[i] && copyChain(base, pos, i, j) === null) entries.add(j);
  });
  for (const block of blocks) {
    const last = block[block.length - 1];
    const row = decodedRow(last);
    if (row && row.control === 'call' && row.operands[0] === 'rel32' && labelOf.has(last.target)) entries.add(labelOf.get(last.target)!);
  }
  return { ...base, succ, order, pos, entries };
}

/**
 * The labels' code in reverse postorder (a depth-first walk from label 0, then from any
 * label not reached that way): every edge then goes forward unless it closes a loop, so
 * code the compiler put out of line (a slow path after the method that jumps back) needs
 * no $top.
 */
function placement(succ: readonly (readonly number[])[]): { order: number[]; pos: number[]; roots: number[] } {
  const n = succ.length;
  const seen = new Uint8Array(n);
  const post: number[] = [];
  const roots: number[] = [];
  for (let root = 0; root < n; root++) {
    if (seen[root]) continue;
    seen[root] = 1;
    roots.push(root);
    // (an explicit stack: a code object may have thousands of labels)
    const stack: [number, number][] = [[root, 0]];
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const out = succ[top[0]];
      if (top[1] < out.length) {
        const j = out[top[1]++];
        if (!seen[j]) { seen[j] = 1; stack.push([j, 0]); }
      } else {
        post.push(top[0]);
        stack.pop();
      }
    }
  }
  // (a later walk's labels go before the earlier ones': a later walk may reach those, never
  // the other way round)
  const order = post.reverse();
  const pos = new Array<number>(n);
  order.forEach((label, q) => { pos[label] = q; });
  return { order, pos, roots };
}

type Blocks = Pick<Plan, 'code' | 'offsets' | 'labelOf' | 'blocks'>;

/** The label a jump or branch at the end of a block goes to in this code object, or -1. */
function localTarget(p: Blocks, last: Insn): number {
  const row = decodedRow(last);
  if (!row || (row.control !== 'branch' && row.control !== 'jump') || (row.operands[0] !== 'rel32' && row.operands[0] !== 'rel8')) return -1;
  if (last.target < 0 || last.target >= p.code.byteLength) return -1;
  return p.labelOf.get(last.target) ?? -1;
}

/**
 * For a jump from label i back to label j (placed at or before i): the labels whose code,
 * copied in its place, does what going to j does (j, and the labels it falls into, up to
 * one that leaves or goes on to a label placed after i), or null when there is none short
 * and simple enough.
 */
function copyChain(p: Blocks, pos: readonly number[], i: number, j: number): number[] | null {
  const chain: number[] = [];
  let size = 0;
  for (let k = j; pos[k] <= pos[i];) {
    if (chain.includes(k) || chain.length >= 4) return null;
    chain.push(k);
    const block = p.blocks[k];
    size += block.length;
    if (size > 24 || block.some((ins) => isSyncPoint(ins))) return null;
    const last = block[block.length - 1];
    const row = decodedRow(last);
    if (!row) return chain;
    const t = localTarget(p, last);
    if (t >= 0 && pos[t] <= pos[i]) return null;
    if (row.control !== 'next' && row.control !== 'branch') return chain; // leaves, or jumps on
    const next = fallsInto(p, last);
    if (next < 0) return chain; // runs off the end: an exit
    k = next;
  }
  return chain;
}

interface Locals {
  readonly r: number[];
  readonly t: number[];
  readonly sp: number;
  readonly fa: number; readonly fb: number; readonly fr: number;
  readonly fk: number; readonly fc: number; readonly fo: number; readonly fbits: number; readonly fk2: number;
  readonly budget: number;
  readonly pc: number;
  /** Which of the epilogue's store sets an exit needs. */
  readonly exitSet: number;
  readonly status: number;
  readonly next: number;
  readonly mode: number;
  /** The code object of NEXT (the function's own, or a copied callee's: see inlineCall). */
  readonly nextCode: number;
  // scratch
  readonly a: number; readonly b: number; readonly res: number; readonly ea64: number; readonly lo64: number; readonly hi64: number;
  readonly ea: number; readonly x: number; readonly y: number; readonly vt: number; readonly ct: number; readonly st: number;
  readonly v2: number; readonly t2: number;
  /** A call's two results: rax (or the status), and the packed rest (see packRegisters). */
  readonly rv: number; readonly pk: number;
}

const PARAM_LINK = 0, PARAM_TARGET = 1, PARAM_RAX = 2, PARAM_PACKED = 3;
const LOW32 = 0xffff_ffffn;
/** rax, which travels in the call's parameters and results (never stored for a call or a return). */
const RAX_BIT = 1 << RAX;

/**
 * Emit the function for `p` into the module. Returns its function index.
 */
/**
 * The code object a `call qword ptr [reg+disp]` is likely to reach, read from memory now:
 * when the instruction that last set `reg` before it (in offset order, within a few
 * instructions) is `mov reg, [rip+d]` (a send's cache cell, a literal of the code object),
 * the code object whose start that cell's slot at `disp` holds. Only a guess, for the
 * translator to call that function directly when the target read at run time is that
 * address (see FunctionWriter.call), so nothing here need stay true; null when there is none.
 */
export function guessCallee(m: Machine, code: CodeCache, insns: readonly Insn[], at: number): number | null {
  const ins = insns[at];
  const t = ins.decoded?.operands[0];
  if (!t || t.kind !== 'mem' || t.base < 0 || t.base === RIP || t.base === RSP || t.index >= 0) return null;
  return guessThrough(m, code, insns, at, t.base, t.disp);
}

/** As guessCallee, for the code object at byte `disp` of what register `base` holds at instruction `at`. */
export function guessThrough(m: Machine, code: CodeCache, insns: readonly Insn[], at: number, base: number, disp: number): number | null {
  const object = literalIn(m, code, insns, at, base);
  if (object === null) return null;
  const store = m.store;
  const slot = object + disp;
  if ((slot & 7) !== 0 || slot < 0 || slot / 8 >= store.cellCount || store.tags[slot / 8] !== TAG_PTR) return null;
  const target = Number(store.cells[slot / 8]);
  return m.cacheIndexOfCode(target) >= 0 ? target : null;
}

/**
 * The object register `base` holds at instruction `at` when the instruction that last set it
 * (within a few before, in offset order) is `mov base, [rip+d]`: the pointer in that literal
 * cell now. Null when there is none.
 */
export function literalIn(m: Machine, code: CodeCache, insns: readonly Insn[], at: number, base: number): number | null {
  const t = { base };
  for (let k = at - 1; k >= 0 && k >= at - 4; k--) {
    const prev = insns[k];
    const row = decodedRow(prev);
    if (!row) return null;
    if ((effectsOf(prev).writes & (1 << t.base)) === 0) continue;
    const ops = prev.decoded!.operands;
    const src = ops[1];
    if (row.operation !== 'mov' || ops[0].kind !== 'reg' || ops[0].reg !== t.base || !src || src.kind !== 'mem' || src.base !== RIP || src.index >= 0 || (src.size !== 64 && src.size !== 0)) return null;
    const store = m.store;
    const literal = code.addr + prev.off + prev.len + src.disp;
    if ((literal & 7) !== 0 || literal < code.addr || literal + 8 > code.addr + code.cells * 8) return null;
    if (store.tags[literal / 8] !== TAG_PTR) return null;
    return Number(store.cells[literal / 8]);
  }
  return null;
}

export function emitFunction(m: Machine, p: Plan, env: ModuleEnv, index: number, b: Body): void {
  new FunctionWriter(m, p, env, b).emit();
  void index;
}

class FunctionWriter {
  private readonly L: Locals;
  private readonly uses = new Set<number>();
  private readonly writes = new Set<number>();
  private usesFlags = false;
  private writesFlags = false;
  private usesLar = false;
  /** Calls whose target begins with a send's hit path, done inline (inlineSend), with its shape. */
  private readonly sends = new Map<Insn, SendShape>();
  /**
   * Calls whose guessed callee is copied in place (inline.ts, inlineCall): its plan, and what
   * the call does to the registers that way (the callee's, and a send's class register and
   * flags), for liveness: such a call is no sync point.
   */
  private readonly inlines = new Map<Insn, { readonly plan: Plan; readonly address: number; readonly reads: number; readonly writes: number }>();
  /** While a copied callee is written: the registers dirty when it began, and written since. */
  private inlining: { dirty: number; written: number } | null = null;
  /** Open structured blocks inside the current label's code. */
  private nest = 0;
  /** The label whose code is being written, and the number of labels. */
  private label = 0;
  /** The block whose instructions are being written (label's, or one copied into it). */
  private blockNow = 0;
  /**
   * Registers (a bit each) whose memory bounds (what address() finds from the register's tag:
   * the stack's, its object's, or low memory's) are in their bounds locals: found at the
   * block's top level (blockTop: so every later instruction of the block runs after), and
   * the register not written since. Translated code changes no object's extent (a header
   * refuses stores, only the host frees or poisons), so they hold until the register changes
   * or the host runs (a call, a service, a step).
   */
  private bounds = 0;
  private blockTop = 0;
  /**
   * Fields of the machine's layout (where the tags are, the stack's bounds) read at the
   * block's top level since the host last ran, by STATE offset, with the local that holds each
   * (layoutLoad): only the host moves them (growing memory or the stack), and V8 cannot know
   * that a store into memory leaves STATE's fields alone, so it loaded them again after every
   * store (each push's tag).
   */
  private readonly layout = new Map<number, number>();
  private readonly layoutLocals = new Map<number, number>();
  /** The label whose whole block `bounds` was left by (written in its place, no copy after), or -1. */
  private boundsOf = -1;
  private readonly boundsLo: number[] = [];
  /**
   * Pushes still to come in the current block whose room on the stack an earlier push of the
   * same run checked already (see pushRun): rsp only goes down by 8 a push from there, and
   * the stack's bounds change only when the host runs.
   */
  private prechecked = 0;
  /** The current block's instructions and the index of the one being written. */
  private blockInsns: readonly Insn[] = [];
  private index = 0;
  private readonly boundsHi: number[] = [];
  private readonly n: number;
  /** Instructions of the current block not yet executed, after the current one (for refunds). */
  private remaining = 0;
  /** The flag kind known statically at this point of the block, or -1. */
  private kind = -1;
  /**
   * The flag kind a store of the flags here may assume (which fields it writes): the block's
   * own (`kind`), or where the block has not set it yet, the kind every edge into the block
   * brought (kindInto). Only for stores: entered from outside (the interpreter, a call),
   * the flag locals hold STATE's record, whatever its kind, so a store of any kind's fields
   * writes back what STATE holds; a condition reads the flags by `kind` alone.
   */
  private storeKind = -1;
  /** The storeKind on each edge into each label written so far (flushEdge). */
  private readonly edgeKinds: number[][] = [];
  /** Predecessor labels of each label. */
  private readonly preds: number[][];
  /** What to store and load where (liveness.ts), and the instruction being written. */
  private readonly live: Liveness;
  private cur: Insn | null = null;
  /** Does any jump go backwards (so the labels sit in a loop, $top)? */
  private readonly looped: boolean;
  /**
   * Where each label's code is placed (pos[label]), and the label at each place (order):
   * reverse postorder from label 0, so that control goes forward except round a loop.
   */
  private readonly pos: readonly number[];
  private readonly order: readonly number[];
  /** Successor labels of each block (liveness.ts). */
  private readonly succ: readonly (readonly number[])[];
  /**
   * The distinct sets of registers the exits store, each with the flag kind known there (or
   * -1): the epilogue has a branch for each.
   */
  private readonly exitSets: { readonly mask: number; readonly kind: number }[] = [];

  constructor(private readonly m: Machine, private p: Plan, private readonly env: ModuleEnv, private readonly b: Body) {
    this.n = p.offsets.length;
    b.loadHook = (address) => this.layoutLoad(address);
    const L = (t: typeof I32 | typeof I64): number => b.local(t);
    const r: number[] = [], t: number[] = [];
    for (let i = 0; i < 16; i++) r.push(L(I64));
    for (let i = 0; i < 16; i++) t.push(L(I32));
    this.L = {
      r, t, sp: L(I32),
      fa: L(I64), fb: L(I64), fr: L(I64), fk: L(I32), fc: L(I32), fo: L(I32), fbits: L(I32), fk2: L(I32),
      budget: L(I32), pc: L(I32), exitSet: L(I32), status: L(I32), next: L(I32), mode: L(I32), nextCode: L(I32),
      a: L(I64), b: L(I64), res: L(I64), ea64: L(I64), lo64: L(I64), hi64: L(I64),
      ea: L(I32), x: L(I32), y: L(I32), vt: L(I32), ct: L(I32), st: L(I32), v2: L(I64), t2: L(I32),
      rv: L(I64), pk: L(I64),
    };
    for (const block of p.blocks) {
      for (const ins of block) {
        const row = decodedRow(ins);
        if (!row) continue;
        const e = registerEffects(row, ins.decoded!.operands);
        for (const x of e.reads) this.uses.add(x);
        for (const x of e.writes) { this.uses.add(x); this.writes.add(x); }
        if (row.reads !== '' || row.flags.writes !== '' || row.flags.undefined !== '') this.usesFlags = true;
        if (row.flags.writes !== '' || row.flags.undefined !== '') this.writesFlags = true;
        if (row.operation === 'lar') this.usesLar = true;
      }
    }
    // Calls to a send's hit path (sendshape.ts), done inline: they write its class register and
    // the flags. Not where the site is a literal that holds no method yet (a send never made by
    // the time the code is hot: a fallback of inlined arithmetic, mostly), nor where the same
    // site is tested in place elsewhere in the code (`call [T+E]` through it: native.ts's send
    // to a number, whose Kernel>>send call is only the fallback): inline, such cold calls only
    // make the function larger, and V8 then allocates the registers of its hot paths worse
    // (fib 30 ran about 10% slower with its fallbacks' sends inline).
    const flat = p.blocks.flat().sort((x, y) => x.off - y.off);
    const testedInPlace = new Set<number>();
    flat.forEach((ins, at) => {
      const row = decodedRow(ins);
      const t = ins.decoded?.operands[0];
      if (!row || row.operation !== 'call' || !t || t.kind !== 'mem' || t.base < 0 || t.base === RIP || t.base === RSP) return;
      const site = literalIn(m, p.code, flat, at, t.base);
      if (site !== null) testedInPlace.add(site);
    });
    for (const block of p.blocks) {
      for (const ins of block) {
        const row = decodedRow(ins);
        if (!row || row.operation !== 'call' || ins.decoded!.operands[0].kind !== 'rel') continue;
        if (ins.target >= 0 && ins.target < p.code.byteLength) continue;
        const shape = sendShapeAt(m, p.code.addr + ins.target);
        if (!shape || shape.cls === RAX) continue;
        const at = flat.indexOf(ins);
        const site = literalIn(m, p.code, flat, at, shape.site);
        if (site !== null && (testedInPlace.has(site) || guessThrough(m, p.code, flat, at, shape.site, shape.entry) === null)) continue;
        this.sends.set(ins, shape);
        this.uses.add(shape.cls); this.writes.add(shape.cls);
        this.uses.add(shape.recv); this.uses.add(shape.site);
        this.usesFlags = true; this.writesFlags = true;
      }
    }
    // Calls whose guessed callee is copied in place (inline.ts); not those placed after the
    // code's last ret, where the native compiler puts its slow paths (the send a leaf's copy
    // falls back to, mostly): copies there only make the function larger.
    const lastRet = flat.reduce((last, ins) => (decodedRow(ins)?.operation === 'ret' ? ins.off : last), -1);
    flat.forEach((ins, at) => {
      const row = decodedRow(ins);
      if (!row || row.operation !== 'call' || ins.off > lastRet) return;
      const shape = this.sends.get(ins);
      let address: number | null = null;
      if (shape) address = guessThrough(m, p.code, flat, at, shape.site, shape.entry);
      else if (ins.decoded!.operands[0].kind === 'mem') address = guessCallee(m, p.code, flat, at);
      if (address === null || address === p.code.addr) return;
      const callee = env.inlinable(address);
      if (!callee) return;
      let reads = 0, writes = shape ? (1 << shape.cls) | FLAGS : 0;
      for (const c of callee.blocks[0]) {
        const e = effectsOf(c);
        reads |= e.reads & ~writes;
        writes |= e.writes;
        const r = registerEffects(c.row!, c.decoded!.operands);
        for (const x of r.reads) this.uses.add(x);
        for (const x of r.writes) { this.uses.add(x); this.writes.add(x); }
        if (c.row!.reads !== '' || c.row!.flags.writes !== '' || c.row!.flags.undefined !== '') this.usesFlags = true;
        if (c.row!.flags.writes !== '' || c.row!.flags.undefined !== '') this.writesFlags = true;
        if (c.row!.operation === 'lar') this.usesLar = true;
      }
      this.inlines.set(ins, { plan: callee, address, reads, writes });
      env.inlined.set(address, m.store.bytes.slice(address, address + callee.code.byteLength));
    });
    this.uses.delete(RSP);
    this.writes.delete(RSP);
    // rax comes in a parameter and goes back in a result, so every function has it in a local
    // (STATE's rax is stale from the call to the return, and stored at every other exit)
    this.uses.add(RAX);
    this.writes.add(RAX);
    this.succ = p.succ;
    this.order = p.order;
    this.pos = p.pos;
    this.preds = Array.from({ length: this.n }, () => [] as number[]);
    this.succ.forEach((out, i) => { for (const j of out) this.preds[j].push(i); });
    // A jump, branch or fall-through to a label placed at or before its own goes round through
    // $top, unless the code there is a short run that leaves or goes forward: then a copy of
    // it stands in place of the jump (plan: such labels are entries).
    this.looped = this.succ.some((out, i) => out.some((j) => this.pos[j] <= this.pos[i] && copyChain(p, this.pos, i, j) === null));
    this.live = analyse(p, (ins) => isSyncPoint(ins) && !this.inlines.has(ins), (ins) => {
      const shape = this.sends.get(ins);
      return (shape ? (1 << shape.recv) | (1 << shape.site) : 0) | (this.inlines.get(ins)?.reads ?? 0);
    }, (ins) => this.inlines.get(ins)?.writes ?? 0);
  }

  /** Registers dirty before the current instruction (what an exit before it stores). */
  private get dirtyHere(): number {
    if (this.inlining) return this.inlining.dirty | this.inlining.written;
    return this.live.dirtyIn.get(this.cur!.off) ?? ALL;
  }
  /** ... and after it (what an exit after it stores). */
  private get dirtyAfter(): number { return this.dirtyHere | (this.cur!.row ? effectsOf(this.cur!).writes : 0); }
  /** Registers live after the current instruction (what a sync point loads again). */
  private get liveAfter(): number { return this.live.liveOut.get(this.cur!.off) ?? ALL; }

  // ---- state in and out ---------------------------------------------------------------------

  /** Load from STATE the registers in `mask` (and flags), rsp and the budget, into the locals. */
  private loadState(mask: number, passed = false): void {
    const { b, L } = this;
    // (rax always: every store of the registers writes it, so its local must be STATE's)
    if (!passed) mask |= RAX_BIT;
    for (const r of this.uses) {
      if ((mask & (1 << r)) === 0 || (passed && r === RAX)) continue;
      b.i32(0).mem('i64_load', 3, S_REG(r)).set(L.r[r]);
      b.i32(0).mem('i32_load8_u', 0, S_TAG(r)).set(L.t[r]);
    }
    if (!passed) b.i32(0).mem('i32_load', 2, S_REG(RSP)).set(L.sp);
    if (this.usesFlags && (mask & FLAGS) !== 0) {
      b.i32(0).mem('i64_load', 3, S_FA).set(L.fa);
      b.i32(0).mem('i64_load', 3, S_FB).set(L.fb);
      b.i32(0).mem('i64_load', 3, S_FR).set(L.fr);
      b.i32(0).mem('i32_load', 2, S_FK).set(L.fk);
      b.i32(0).mem('i32_load', 2, S_FC).set(L.fc);
      b.i32(0).mem('i32_load', 2, S_FO).set(L.fo);
      b.i32(0).mem('i32_load', 2, S_FBITS).set(L.fbits);
    }
    if (!passed) b.i32(0).mem('i32_load', 2, S32B(STATE.BUDGET)).set(L.budget);
    // (the machine's layout is not loaded here: a block reads each field it uses from STATE
    // at its first use, which is cheaper than loading all of it at entry and again after every
    // call, and keeps the tags' base and the stack's bounds until the host runs: layoutLoad)
  }

  /**
   * Store to STATE the registers in `mask` (and the flags: a lar's pending flags computed
   * first), rsp and the budget: what the function changed since its locals were loaded.
   */
  private storeState(mask: number, kind = this.storeKind): void {
    const { b, L } = this;
    this.storeRegisters(mask | RAX_BIT, kind);
    b.i32(0).get(L.sp).op('i64_extend_i32_u').mem('i64_store', 3, S_REG(RSP));
    b.i32(0).get(L.budget).mem('i32_store', 2, S32B(STATE.BUDGET));
  }

  /**
   * Store to STATE the registers in `mask`, and the flags when it has them: of a record whose
   * kind is known here (`kind`), only the fields that kind is read by (flags.ts), as the
   * interpreter writes them.
   */
  private storeRegisters(mask: number, kind = this.storeKind): void {
    const { b, L } = this;
    for (const r of this.writes) {
      if ((mask & (1 << r)) === 0) continue;
      b.i32(0).get(L.r[r]).mem('i64_store', 3, S_REG(r));
      b.i32(0).get(L.t[r]).mem('i32_store8', 0, S_TAG(r));
    }
    if (this.writesFlags && (mask & FLAGS) !== 0 && kind >= FLAGS_ADD && kind <= FLAGS_EXPLICIT) {
      if (kind === FLAGS_ADD || kind === FLAGS_SUB) {
        b.i32(0).get(L.fa).mem('i64_store', 3, S_FA);
        b.i32(0).get(L.fb).mem('i64_store', 3, S_FB);
      }
      if (kind !== FLAGS_EXPLICIT) b.i32(0).get(L.fr).mem('i64_store', 3, S_FR);
      if (kind === FLAGS_EAGER) {
        b.i32(0).get(L.fc).mem('i32_store', 2, S_FC);
        b.i32(0).get(L.fo).mem('i32_store', 2, S_FO);
      }
      if (kind === FLAGS_EXPLICIT) b.i32(0).get(L.fbits).mem('i32_store', 2, S_FBITS);
      // (the kind from its local: where `kind` was only carried in from the edges into the
      // block, a function entered there from outside has STATE's record, of any kind, in its
      // locals, and the fields stored are STATE's own)
      b.i32(0).get(L.fk).mem('i32_store', 2, S_FK);
    } else if (this.writesFlags && (mask & FLAGS) !== 0) {
      if (this.usesLar) {
        b.get(L.fk).i32(FLAGS_LAR).op('i32_eq').if();
        this.nest++;
        this.callBits(true);
        b.set(L.fbits).i32(FLAGS_EXPLICIT).set(L.fk);
        this.nest--;
        b.end();
        b.get(L.fk).i32(FLAGS_LAR_STATE).op('i32_eq').if();
        this.nest++;
        this.callBits(false); // (the helper reads STATE's record, not yet overwritten)
        b.set(L.fbits).i32(FLAGS_EXPLICIT).set(L.fk);
        this.nest--;
        b.end();
      }
      b.i32(0).get(L.fa).mem('i64_store', 3, S_FA);
      b.i32(0).get(L.fb).mem('i64_store', 3, S_FB);
      b.i32(0).get(L.fr).mem('i64_store', 3, S_FR);
      b.i32(0).get(L.fk).mem('i32_store', 2, S_FK);
      b.i32(0).get(L.fc).mem('i32_store', 2, S_FC);
      b.i32(0).get(L.fo).mem('i32_store', 2, S_FO);
      b.i32(0).get(L.fbits).mem('i32_store', 2, S_FBITS);
    }
  }

  /**
   * On the way from the block being written to label j: store what is dirty here but not
   * there (liveness.ts flushOn). (A lar's pending flags may be computed on the way: control
   * then goes to the start of a block, which knows nothing of the flag kind.)
   */
  private flushEdge(j: number): void {
    (this.edgeKinds[j] ??= []).push(this.knownStoreKind);
    const mask = this.live.flushOn(this.blockNow, j);
    if (mask !== 0) this.storeRegisters(mask);
  }

  /** Push the packed registers a call passes and a return gives back: budget, rax's tag, rsp. */
  private packRegisters(): void {
    const { b, L } = this;
    b.get(L.budget).op('i64_extend_i32_u').i64(BigInt(PACK_BUDGET)).op('i64_shl');
    b.get(L.t[RAX]).op('i64_extend_i32_u').i64(BigInt(PACK_TAG)).op('i64_shl').op('i64_or');
    b.get(L.sp).op('i64_extend_i32_u').op('i64_or');
  }

  /** Take rax (i64 local `rv`) and the packed rest (i64 local `pk`) into the locals. */
  private unpackRegisters(rv: number, pk: number): void {
    const { b, L } = this;
    b.get(rv).set(L.r[RAX]);
    b.get(pk).i64(BigInt(PACK_TAG)).op('i64_shr_u').op('i32_wrap_i64').i32(0xff).op('i32_and').set(L.t[RAX]);
    b.get(pk).op('i32_wrap_i64').set(L.sp);
    b.get(pk).i64(BigInt(PACK_BUDGET)).op('i64_shr_u').op('i32_wrap_i64').set(L.budget);
  }

  /** Return the status (an i32 on the stack) with everything in STATE: the results (status, -1). */
  private returnStatus(): void {
    this.b.op('i64_extend_i32_u').i64(-1n).ret();
  }

  /** Push a call's link: its return address, and this function's depth with `weight` added. */
  private link(retAddr: number, weight: number): void {
    this.b.get(PARAM_LINK).i64(~LOW32).op('i64_and').i64((BigInt(weight) << BigInt(LINK_DEPTH)) | BigInt(retAddr)).op('i64_add');
  }

  /** The registers a call passes (after link and target): rax, and the packed rest. */
  private passRegisters(): void {
    this.b.get(this.L.r[RAX]);
    this.packRegisters();
  }

  // ---- the function ----------------------------------------------------------------------------

  emit(): void {
    const { b, L, p } = this;
    // Entered at its start (a call), it loads what label 0 reads; elsewhere, what any label reads.
    const entries = p.entries;
    // (the blocks of the exit sets' stores go here, around everything: see below)
    const around = b.code.length;
    const atStart = this.live.liveAtLabel[0];
    let anywhere = atStart;
    for (const j of entries) anywhere |= this.live.liveAtLabel[j];
    b.get(PARAM_TARGET).i64(BigInt(TARGET_ENTRY)).op('i64_shr_u').op('i32_wrap_i64').set(L.pc);
    if (atStart === anywhere) this.loadState(anywhere, true);
    else {
      b.get(L.pc).op('i32_eqz').if();
      this.loadState(atStart, true);
      b.else();
      this.loadState(anywhere, true);
      b.end();
    }
    this.unpackRegisters(PARAM_RAX, PARAM_PACKED);
    b.i32(0).set(L.exitSet);
    b.i32(STOP_AT).set(L.status);
    b.i32(p.code.byteLength).set(L.next);
    b.i32(NEXT_AT).set(L.mode);
    if (this.inlines.size > 0) b.i32(p.code.addr).set(L.nextCode);
    b.block(); // $exit
    // (without a backward jump there is no $top: a loop merges every local at its head,
    // which costs V8's register allocator dearly, so a function has one only when it must)
    if (this.looped) b.loop(); // $top
    for (let i = 0; i < this.n; i++) b.block();
    if (entries.size > 1) {
      // Only the entries are targets of the dispatch (plan): any other label is reached from
      // inside alone. (A pc that is not an entry is a translator bug: it traps.)
      b.block(); // $bad
      // (label 0, where every call enters, by a plain branch rather than the table's indirect jump)
      b.get(L.pc).op('i32_eqz').brIf(this.pos[0] + 1);
      b.get(L.pc).brTable(this.pos.map((q, label) => (entries.has(label) ? q + 1 : 0)), 0);
      b.end();
      b.op('unreachable');
    }
    // (entered only at label 0, placed first: no dispatch at all)
    let prev = -1;
    for (const i of this.order) {
      b.end();
      this.label = i;
      this.nest = 0;
      // (a label reached only by falling in from the one just written, or a forward branch
      // there, keeps the bounds that label found: all of its top level ran before)
      const carried = prev >= 0 && this.boundsOf === prev && !entries.has(i) && this.preds[i].length === 1 && this.preds[i][0] === prev;
      this.writeBlock(i, false, carried);
      prev = i;
    }
    // Falling off the last block (only after a straight-line last instruction): the
    // interpreter links past it, which says that execution ran off the end of the code.
    if (this.looped) b.end(); // $top
    b.end(); // $exit
    // Each exit stores the registers dirty where it left: one block per distinct set, which
    // its exits branch to straight away (exitTo), so that V8 keeps alive to an exit only the
    // locals its set stores (through one merge of all exits, every local any set stores was
    // live everywhere, across every call). Their blocks open before everything (inserted at
    // `around`, now that their number is known): $done, then set k-1 ... set 0, innermost.
    const sets = this.exitSets.length > 0 ? this.exitSets : [{ mask: 0, kind: -1 }];
    const k = sets.length;
    b.code.insert(around, new Uint8Array(2 * (k + 1)).map((_, i) => (i % 2 === 0 ? OPC.block : VOID)));
    // (falling out of $exit, which no exit does: set 0, as ever)
    b.get(L.exitSet).brTable(sets.map((_, i) => i), k - 1);
    sets.forEach(({ mask, kind }, i) => {
      b.end();
      this.storeState(mask, kind);
      b.br(k - 1 - i);
    });
    b.end(); // $done
    // Where the interpreter goes on (read only after STOP_AT: a return needs none of it).
    b.get(L.status).i32(STOP_AT).op('i32_eq').if();
    if (this.inlines.size > 0) b.i32(0).get(L.nextCode).mem('i32_store', 2, S32B(STATE.NEXT_CODE));
    else b.i32(0).i32(p.code.addr).mem('i32_store', 2, S32B(STATE.NEXT_CODE));
    b.i32(0).get(L.next).mem('i32_store', 2, S32B(STATE.NEXT_OFF));
    b.i32(0).get(L.mode).mem('i32_store', 2, S32B(STATE.NEXT_MODE));
    b.end();
    b.get(L.status).op('i64_extend_i32_u').i64(-1n);
  }

  /** Set the flag kind the code written from here knows (the flag locals were just set so, or -1). */
  private setKind(kind: number): void {
    this.kind = kind;
    this.storeKind = kind;
  }

  /** storeKind when it is one a store can use (not a pending lar's), else -1. */
  private get knownStoreKind(): number {
    return this.storeKind >= FLAGS_ADD && this.storeKind <= FLAGS_EXPLICIT ? this.storeKind : -1;
  }

  /**
   * The kind every edge into label i brought, when all of them are written already (its
   * predecessors placed before it) and agree; else -1.
   */
  private kindInto(i: number): number {
    if (this.preds[i].some((j) => this.pos[j] >= this.pos[i])) return -1;
    const kinds = this.edgeKinds[i];
    if (!kinds || kinds.length === 0) return -1;
    return kinds.every((k) => k === kinds[0]) ? kinds[0] : -1;
  }

  /** Branch depth to leave through $exit, or to go round through $top, from here. */
  private get toTop(): number { return this.nest + (this.n - 1 - this.pos[this.label]); }
  private get toExit(): number { return this.toTop + (this.looped ? 1 : 0); }

  /**
   * Leave with `status`, to go on at `off` (mode), refunding the instructions of the block not
   * run, storing the registers dirty here (or after the current instruction, for `after`).
   */
  private exit(status: number, off: number, mode: number, refund: number, after = false): void {
    const { b, L } = this;
    if (refund > 0) b.get(L.budget).i32(refund).op('i32_add').set(L.budget);
    b.i32(status).set(L.status).i32(off).set(L.next).i32(mode).set(L.mode);
    if (this.inlining) b.i32(this.p.code.addr).set(L.nextCode);
    this.exitTo(after ? this.dirtyAfter : this.dirtyHere);
  }

  /** Branch to the block of the epilogue that stores `mask` (with the flag kind known here). */
  private exitTo(mask: number): void {
    const kind = (mask & FLAGS) !== 0 ? this.knownStoreKind : -1;
    let i = this.exitSets.findIndex((e) => e.mask === mask && e.kind === kind);
    if (i < 0) { i = this.exitSets.length; this.exitSets.push({ mask, kind }); }
    // (set i's block is i + 1 out from $exit's: see emit)
    this.b.br(this.toExit + 1 + i);
  }

  /** Stop before instruction `ins`: the interpreter executes it (and raises its fault, if any). */
  private stopAt(ins: Insn): void { this.exit(STOP_AT, ins.off, NEXT_AT, this.remaining + 1); }

  /** Go to label `target` (its code object offset). */
  private jumpTo(target: number): void {
    this.goTo(this.p.labelOf.get(target)!);
  }

  /** Go to label j: forward, a copy of its code, or round through $top. */
  private goTo(j: number): void {
    const ahead = this.pos[j] - this.pos[this.label];
    if (ahead > 0) { this.b.br(this.nest + ahead - 1); return; }
    const chain = copyChain(this.p, this.pos, this.label, j);
    if (chain) this.writeCopy(chain);
    else if (this.looped) this.b.i32(j).set(this.L.pc).br(this.toTop);
    else this.stopAt(this.cur!); // (not reached: a function with such a jump has $top)
  }

  /** If the i32 on the wasm stack is true, run `then` (nest counted). */
  private when(then: () => void): void {
    this.b.if();
    this.nest++;
    then();
    this.nest--;
    this.b.end();
  }

  /** Write the copy of `chain` (see copyChain) in place of a jump back from the current label. */
  private writeCopy(chain: readonly number[]): void {
    const saved = { kind: this.kind, storeKind: this.storeKind, cur: this.cur, remaining: this.remaining, block: this.blockNow, top: this.blockTop, insns: this.blockInsns, index: this.index, prechecked: this.prechecked };
    for (const k of chain) this.writeBlock(k, true);
    const last = this.p.blocks[chain[chain.length - 1]];
    const end = last[last.length - 1];
    const row = decodedRow(end);
    if (row && (row.control === 'next' || row.control === 'branch')) {
      // falls into a label placed after the current one: go there
      const next = fallsInto(this.p, end);
      if (next >= 0 && this.pos[next] > this.pos[this.label]) this.b.br(this.nest + (this.pos[next] - this.pos[this.label] - 1));
    }
    this.kind = saved.kind; this.storeKind = saved.storeKind; this.cur = saved.cur; this.remaining = saved.remaining; this.blockNow = saved.block;
    this.blockInsns = saved.insns; this.index = saved.index; this.prechecked = saved.prechecked;
    // (bounds the copy found were found inside a branch: they hold for none of what follows)
    this.blockTop = saved.top;
    this.bounds = 0;
    this.layout.clear();
  }

  /** Write label i's block (in its place, or as a copy: see writeCopy). */
  private writeBlock(i: number, copy: boolean, carried = false): void {
    const { b, L, p } = this;
    const block = p.blocks[i];
    const count = block.length;
    this.blockNow = i;
    if (!carried) this.bounds = 0;
    this.layout.clear();
    this.boundsOf = -1;
    this.blockTop = this.nest;
    // Pay for the block, or leave it to the interpreter. (The flag kind is not known at a
    // block's start: it may be entered from anywhere.)
    this.cur = block[0];
    this.kind = -1;
    this.storeKind = copy ? -1 : this.kindInto(i);
    b.get(L.budget).i32(count).op('i32_sub').tee(L.budget).i32(0).op('i32_lt_s');
    this.when(() => this.exit(STOP_AT, p.offsets[i], NEXT_AT, count));
    this.blockInsns = block;
    this.prechecked = 0;
    block.forEach((ins, k) => {
      this.index = k;
      this.remaining = count - 1 - k;
      this.instruction(ins);
      this.forgetBounds(ins);
    });
    if (!copy) this.boundsOf = i;
    const last = block[block.length - 1];
    const row = decodedRow(last);
    if (row && (row.control === 'next' || row.control === 'barrier' || row.control === 'call' || row.control === 'branch')) {
      const next = fallsInto(p, last);
      this.cur = last;
      if (!p.labelOf.has(last.off + last.len)) this.exit(STOP_AT, last.off, NEXT_AFTER, 0, true);
      // otherwise: on into the next label's code (placed right after, or a jump there; a
      // copy's end is writeCopy's to write)
      else if (next >= 0) {
        this.flushEdge(next);
        if (!copy && this.pos[next] !== this.pos[i] + 1) this.goTo(next);
      }
    }
  }

  /** Push a field of the layout (S_TAGS, S_STACK_LO, S_STACK_HI) from its local when read already; see `layout`. */
  private layoutLoad(address: number): boolean {
    if (address !== S_TAGS && address !== S_STACK_LO && address !== S_STACK_HI) return false;
    const local = this.layout.get(address);
    if (local !== undefined) { this.b.get(local); return true; }
    if (this.nest !== this.blockTop) return false;
    let l = this.layoutLocals.get(address);
    if (l === undefined) this.layoutLocals.set(address, l = this.b.local(I32));
    this.b.i32(0).mem('i32_load', 2, address).tee(l);
    this.layout.set(address, l);
    return true;
  }

  /** After `ins`: the bounds of the registers it wrote are no longer known, nor any after the host ran. */
  private forgetBounds(ins: Insn): void {
    const row = decodedRow(ins);
    const plain = row !== null && !row.sse && row.control !== 'call' && row.operation !== 'syscall' && !needsStep(ins);
    if (!plain) this.layout.clear();
    if (this.bounds === 0) return;
    if (!plain) { this.bounds = 0; return; }
    this.bounds &= ~effectsOf(ins).writes;
  }

  // ---- instructions --------------------------------------------------------------------------

  private instruction(ins: Insn): void {
    this.cur = ins;
    // (the host may run inside a call, a service or a step: what it moves is read afresh)
    if (isSyncPoint(ins) || ins.row?.sse) this.layout.clear();
    const row = decodedRow(ins);
    if (!row) { this.stopAt(ins); return; }
    if (row.sse) { this.stepped(ins); return; } // the interpreter's routine, through the step import
    const ops = ins.decoded!.operands;
    switch (row.operation) {
      case 'mov': return this.mov(ins, ops);
      case 'movzx': return this.movzx(ins, ops);
      case 'lea': return this.lea(ins, ops);
      case 'add': case 'sub': case 'and': case 'or': case 'xor': case 'cmp': case 'test': return this.alu(ins, row, ops);
      case 'inc': case 'dec': return this.incDec(ins, row, ops);
      case 'neg': case 'not': return this.negNot(ins, row, ops);
      case 'imul': return this.imul(ins, ops);
      case 'shl': case 'shr': case 'sar': return this.shift(ins, row, ops);
      case 'cqo': return this.cqo();
      case 'idiv': return this.idiv(ins, ops);
      case 'push': return this.push(ins, ops);
      case 'pop': return this.pop(ins, ops);
      case 'lar': return this.lar(ins, ops);
      case 'setcc': return this.setcc(ins, row, ops);
      case 'cmovcc': return this.cmovcc(ins, row, ops);
      case 'nop': return;
      case 'jcc': return this.jcc(ins, row);
      case 'jmp': return this.jmp(ins, ops);
      case 'call': return this.call(ins, ops);
      case 'ret': return this.ret(ins, ops);
      case 'syscall': return this.syscall(ins);
      default: this.stopAt(ins); // int3, and anything without a translation
    }
  }

  /** Let the interpreter execute this straight-line instruction through the step import. */
  private stepped(ins: Insn): void {
    const { b, L } = this;
    this.storeState(this.dirtyHere);
    // SSE2 rows run here, on STATE as the interpreter's routine does (sse.ts); the rest, there.
    if (!(ins.row!.sse && this.sse(ins))) {
      b.i32(this.p.code.addr).i32(ins.off).call(this.env.step).tee(L.status);
      this.when(() => { this.refundAndLeave(this.remaining + 1); });
    }
    // (a form liveness.ts was not told is a sync point reloads everything: all locals fresh)
    this.loadState(isSyncPoint(ins) ? this.liveAfter : ALL);
    this.layout.clear();
    this.setKind(-1);
  }

  /** Leave with the status already in $status (state already in STATE, and NEXT set by the host). */
  private refundAndLeave(refund: number): void {
    const { b, L } = this;
    // The host has written STATE (and NEXT); the refund goes to STATE's budget directly.
    if (refund > 0) {
      b.i32(0).i32(0).mem('i32_load', 2, S32B(STATE.BUDGET)).i32(refund).op('i32_add').mem('i32_store', 2, S32B(STATE.BUDGET));
    }
    b.get(L.status);
    this.returnStatus();
  }

  // ---- operands ----------------------------------------------------------------------------

  /** Push the value (i64) of register `r`. */
  private regValue(r: number): void {
    if (r === RSP) this.b.get(this.L.sp).op('i64_extend_i32_u');
    else this.b.get(this.L.r[r]);
  }

  /** Push the tag (i32) of register `r`. */
  private regTag(r: number): void {
    if (r === RSP) this.b.i32(TAG_STACK);
    else this.b.get(this.L.t[r]);
  }

  /**
   * Compute and check the address of memory operand `mop` for an access of `width` bytes;
   * leaves it in L.ea (a byte address) and the cell's tag in L.ct, or leaves the function
   * (before `ins`) when the interpreter would fault or must look closer. Returns whether the
   * access is known to be in the stack (no store into code possible).
   */
  private address(ins: Insn, mop: MemOperand, width: number, write: boolean): boolean {
    const { b, L } = this;
    const scaled = (): void => {
      if (mop.index >= 0) {
        this.regValue(mop.index);
        if (mop.scale !== 1) b.i64(BigInt(mop.scale)).op('i64_mul');
        b.op('i64_add');
      }
    };
    let inStack = false;
    if (mop.base === RIP) {
      // Relative to the code object: the address is a constant, its bounds the object's.
      const code = this.p.code;
      const ea = code.addr + ins.off + ins.len + mop.disp;
      if (ea < code.addr || ea + width > code.addr + code.cells * 8 || (width === 8 && (ea & 7) !== 0) || (width === 2 && (ea & 7) === 7)) {
        this.stopAt(ins);
        b.i32(0).set(L.ea).i32(0).set(L.ct);
        return false;
      }
      b.i32(ea).set(L.ea);
    } else {
      if (mop.base === RSP) {
        inStack = true;
        b.get(L.sp).op('i64_extend_i32_u').i64(BigInt(mop.disp)).op('i64_add');
        scaled();
        b.set(L.ea64);
        b.load32At(S_STACK_LO).op('i64_extend_i32_u').set(L.lo64);
        b.load32At(S_STACK_HI).op('i64_extend_i32_u').set(L.hi64);
      } else if (mop.base >= 0) {
        const base = mop.base;
        b.get(L.r[base]).i64(BigInt(mop.disp)).op('i64_add');
        scaled();
        b.set(L.ea64);
        const bit = 1 << base;
        if ((this.bounds & bit) !== 0) {
          b.get(this.boundsLo[base]).set(L.lo64).get(this.boundsHi[base]).set(L.hi64);
        } else {
        // Bounds by the base's tag: the stack, an object (its header says how long), memory.
        b.get(L.t[base]).i32(TAG_STACK).op('i32_eq');
        b.if(); this.nest++;
        b.load32At(S_STACK_LO).op('i64_extend_i32_u').set(L.lo64);
        b.load32At(S_STACK_HI).op('i64_extend_i32_u').set(L.hi64);
        b.else();
        b.get(L.t[base]).i32(TAG_PTR).op('i32_eq');
        b.if(); this.nest++;
        // A pointer is below 2^31: its header is the cell before it.
        b.get(L.r[base]).op('i32_wrap_i64').i32(3).op('i32_shr_s').i32(1).op('i32_sub').set(L.x);
        b.load32At(S_TAGS).get(L.x).op('i32_add').mem('i32_load8_u', 0).i32(TAG_POISON).op('i32_eq');
        this.when(() => this.stopAt(ins));
        // (its header, at [p-8], may be read: a write finds the header tag and stops)
        b.get(L.r[base]).i64(8n).op('i64_sub').set(L.lo64);
        b.get(L.r[base]).get(L.x).i32(3).op('i32_shl').mem('i32_load', 2, STATE_BYTES).op('i64_extend_i32_s').i64(3n).op('i64_shl').op('i64_add').set(L.hi64);
        b.else();
        b.get(L.t[base]).i32(TAG_NUM).op('i32_ne');
        this.when(() => this.stopAt(ins));
        b.i64(0n).set(L.lo64);
        b.load32At(S_MEM_BOUND).op('i64_extend_i32_u').set(L.hi64);
        this.nest--; b.end();
        this.nest--; b.end();
        if (this.nest === this.blockTop) {
          this.boundsLo[base] ??= b.local(I64);
          this.boundsHi[base] ??= b.local(I64);
          b.get(L.lo64).set(this.boundsLo[base]).get(L.hi64).set(this.boundsHi[base]);
          this.bounds |= bit;
        }
        }
      } else {
        b.i64(BigInt(mop.disp));
        scaled();
        b.set(L.ea64);
        b.i64(0n).set(L.lo64);
        b.load32At(S_MEM_BOUND).op('i64_extend_i32_u').set(L.hi64);
      }
      // lo <= ea && ea <= hi - width (not ea + width <= hi: near 2^63 that sum wraps), and aligned
      b.get(L.ea64).get(L.lo64).op('i64_lt_s');
      b.get(L.ea64).get(L.hi64).i64(BigInt(width)).op('i64_sub').op('i64_gt_s').op('i32_or');
      if (width === 8) b.get(L.ea64).op('i32_wrap_i64').i32(7).op('i32_and').op('i32_or');
      if (width === 2) b.get(L.ea64).op('i32_wrap_i64').i32(7).op('i32_and').i32(7).op('i32_eq').op('i32_or');
      this.when(() => this.stopAt(ins));
      b.get(L.ea64).op('i32_wrap_i64').set(L.ea);
    }
    // The cell's tag: poison faults any access, a header any write.
    b.load32At(S_TAGS).get(L.ea).i32(3).op('i32_shr_u').op('i32_add').mem('i32_load8_u', 0).tee(L.ct);
    b.i32(TAG_POISON).op('i32_eq');
    if (write) b.get(L.ct).i32(TAG_HDR).op('i32_eq').op('i32_or');
    this.when(() => this.stopAt(ins));
    return inStack;
  }

  /** Read operand `op` into (value, tag) locals; width from its kind. False when the form is not handled. */
  private read(ins: Insn, op: Operand, value: number, tag: number): boolean {
    const { b, L } = this;
    switch (op.kind) {
      case 'reg': this.regValue(op.reg); b.set(value); this.regTag(op.reg); b.set(tag); return true;
      case 'reg8': {
        const r = op.reg < 16 ? op.reg : op.reg - 16;
        this.regValue(r);
        if (op.reg >= 16) b.i64(8n).op('i64_shr_u');
        b.i64(0xffn).op('i64_and').set(value).i32(TAG_NUM).set(tag);
        return true;
      }
      case 'imm': b.i64(op.value).set(value).i32(TAG_NUM).set(tag); return true;
      case 'mem': {
        const width = op.size === 8 ? 1 : op.size === 16 ? 2 : 8;
        this.address(ins, op, width, false);
        if (width === 1) { b.get(L.ea).mem('i64_load8_u', 0, STATE_BYTES).set(value).i32(TAG_NUM).set(tag); return true; }
        if (width === 2) { b.get(L.ea).mem('i64_load16_u', 0, STATE_BYTES).set(value).get(L.ct).set(tag); return true; }
        b.get(L.ea).mem('i64_load', 3, STATE_BYTES).set(value);
        // A header reads as a number.
        b.i32(TAG_NUM).get(L.ct).get(L.ct).i32(TAG_HDR).op('i32_eq').op('select').set(tag);
        return true;
      }
      default: return false;
    }
  }

  /**
   * Write (value, tag) to operand `op` (its address already checked when `checked`). For a
   * register that is rsp, the value must stay a stack address inside the stack.
   */
  private write(ins: Insn, op: Operand, value: number, tag: number, checked = false): void {
    const { b, L } = this;
    switch (op.kind) {
      case 'reg':
        if (op.reg === RSP) {
          // rsp only ever holds a stack address inside the stack (else the interpreter faults).
          b.get(tag).i32(TAG_STACK).op('i32_ne');
          b.get(value).load32At(S_STACK_LO).op('i64_extend_i32_u').op('i64_lt_s').op('i32_or');
          b.get(value).load32At(S_STACK_HI).op('i64_extend_i32_u').op('i64_gt_s').op('i32_or');
          this.when(() => this.stopAt(ins));
          b.get(value).op('i32_wrap_i64').set(L.sp);
          return;
        }
        b.get(value).set(L.r[op.reg]).get(tag).set(L.t[op.reg]);
        return;
      case 'reg8': {
        const r = op.reg < 16 ? op.reg : op.reg - 16;
        const shift = op.reg < 16 ? 0n : 8n;
        b.get(L.r[r]).i64(~(0xffn << shift)).op('i64_and');
        b.get(value).i64(0xffn).op('i64_and');
        if (shift) b.i64(shift).op('i64_shl');
        b.op('i64_or').set(L.r[r]).i32(TAG_NUM).set(L.t[r]);
        return;
      }
      case 'mem': {
        const width = op.size === 8 ? 1 : 8;
        const inStack = checked ? this.lastInStack : this.address(ins, op, width, true);
        if (width === 1) {
          b.get(L.ea).get(value).mem('i64_store8', 0, STATE_BYTES);
          b.load32At(S_TAGS).get(L.ea).i32(3).op('i32_shr_u').op('i32_add').i32(TAG_NUM).mem('i32_store8', 0);
        } else {
          b.get(L.ea).get(value).mem('i64_store', 3, STATE_BYTES);
          b.load32At(S_TAGS).get(L.ea).i32(3).op('i32_shr_u').op('i32_add').get(tag).mem('i32_store8', 0);
        }
        if (inStack) {
          // The write barrier: a pointer stored marks its cell's card.
          if (width === 8) {
            b.get(tag).i32(TAG_PTR).op('i32_eq');
            this.when(() => {
              b.load32At(S_CARDS).get(L.ea).i32(3 + CARD_SHIFT).op('i32_shr_u').op('i32_add').i32(CARD_POINTER).mem('i32_store8', 0);
            });
          }
          return;
        }
        // Outside the stack: the card is marked written (CARD_WRITTEN: a snapshot's next sends
        // it), and the write barrier's bit is set too when a pointer was stored.
        b.load32At(S_CARDS).get(L.ea).i32(3 + CARD_SHIFT).op('i32_shr_u').op('i32_add').tee(L.x);
        b.get(L.x).mem('i32_load8_u', 0).i32(CARD_WRITTEN).op('i32_or');
        if (width === 8) b.get(tag).i32(TAG_PTR).op('i32_eq').op('i32_or');
        b.mem('i32_store8', 0);
        this.codeStoreCheck(ins);
        return;
      }
      default:
        this.stopAt(ins);
    }
  }

  private lastInStack = false;

  /** After a store to L.ea outside the stack: if it hit a code object, tell the host, and leave if code was decoded there. */
  private codeStoreCheck(ins: Insn): void {
    const { b, L } = this;
    // (the code maps cover the fixed space from fixedLo, as far as code reaches: mapCells)
    b.get(L.ea).i32(3).op('i32_shr_u').load32At(S_FIXED_LO).op('i32_sub').tee(L.x);
    b.load32At(S_MAP_CELLS).op('i32_lt_u');
    this.when(() => {
      b.load32At(S_CODE_START).get(L.x).i32(2).op('i32_shl').op('i32_add').mem('i32_load', 2);
      this.when(() => {
        b.get(L.x).load32At(S_FIXED_LO).op('i32_add').call(this.env.codeWritten);
        this.when(() => this.exit(STOP_AT, ins.off, NEXT_AFTER, this.remaining, true));
      });
    });
  }

  // ---- flags -------------------------------------------------------------------------------------

  private setArith(kind: number, a: number, bb: number, res: number): void {
    const { b, L } = this;
    b.get(a).set(L.fa).get(bb).set(L.fb).get(res).set(L.fr).i32(kind).set(L.fk);
    this.setKind(kind);
  }

  private setLogic(res: number): void {
    const { b, L } = this;
    b.get(res).set(L.fr).i32(FLAGS_LOGIC).set(L.fk);
    this.setKind(FLAGS_LOGIC);
  }

  /** EAGER flags: res, and CF and OF as i32s produced by the two callbacks. */
  private setEager(res: number, cf: () => void, of: () => void): void {
    const { b, L } = this;
    cf(); b.set(L.x);
    of(); b.set(L.y);
    b.get(res).set(L.fr).get(L.x).set(L.fc).get(L.y).set(L.fo).i32(FLAGS_EAGER).set(L.fk);
    this.setKind(FLAGS_EAGER);
  }

  /** Call the bits helper on the flag locals (for a pending lar, the kind before it). */
  private callBits(pendingLar: boolean): void {
    const { b, L } = this;
    b.get(pendingLar ? L.fk2 : L.fk).get(L.fa).get(L.fb).get(L.fr).get(L.fc).get(L.fo).get(L.fbits);
    b.call(this.env.bits);
    if (pendingLar) b.i32(BIT_ZF).op('i32_or');
  }

  /** Push one flag (i32 0/1) computed from the record of statically known `kind`. */
  private flag(letter: 'C' | 'Z' | 'S' | 'O' | 'P', kind: number): void {
    const { b, L } = this;
    const fromRes = (): boolean => {
      if (letter === 'Z') { b.get(L.fr).op('i64_eqz'); return true; }
      if (letter === 'S') { b.get(L.fr).i64(0n).op('i64_lt_s'); return true; }
      if (letter === 'P') { b.get(L.fr).op('i32_wrap_i64').i32(0xff).op('i32_and').op('i32_popcnt').i32(1).op('i32_and').op('i32_eqz'); return true; }
      return false;
    };
    switch (kind) {
      case FLAGS_ADD:
        if (fromRes()) return;
        if (letter === 'C') { b.get(L.fr).get(L.fa).op('i64_lt_u'); return; }
        b.get(L.fa).get(L.fr).op('i64_xor').get(L.fb).get(L.fr).op('i64_xor').op('i64_and').i64(0n).op('i64_lt_s'); return;
      case FLAGS_SUB:
        if (fromRes()) return;
        if (letter === 'C') { b.get(L.fa).get(L.fb).op('i64_lt_u'); return; }
        b.get(L.fa).get(L.fb).op('i64_xor').get(L.fa).get(L.fr).op('i64_xor').op('i64_and').i64(0n).op('i64_lt_s'); return;
      case FLAGS_LOGIC:
        if (fromRes()) return;
        b.i32(0); return;
      case FLAGS_EAGER:
        if (fromRes()) return;
        b.get(letter === 'C' ? L.fc : L.fo); return;
      default: {
        const bit = { C: BIT_CF, Z: BIT_ZF, S: BIT_SF, O: BIT_OF, P: BIT_PF }[letter];
        if (kind === FLAGS_EXPLICIT) b.get(L.fbits); else this.callBits(false);
        b.i32(bit).op('i32_and').i32(0).op('i32_ne');
      }
    }
  }

  /** Push condition `cc` (i32 0/1) of the current flags. */
  private condition(cc: number): void {
    const { b, L } = this;
    const kind = this.kind;
    if (kind === FLAGS_SUB) {
      const cmp: Record<number, [string, boolean]> = {
        0x2: ['i64_lt_u', false], 0x3: ['i64_ge_u', false], 0x4: ['i64_eq', false], 0x5: ['i64_ne', false],
        0x6: ['i64_le_u', false], 0x7: ['i64_gt_u', false], 0xc: ['i64_lt_s', false], 0xd: ['i64_ge_s', false],
        0xe: ['i64_le_s', false], 0xf: ['i64_gt_s', false],
      };
      const c = cmp[cc];
      if (c) { b.get(L.fa).get(L.fb).op(c[0] as 'i64_lt_u'); return; }
    }
    if (kind < 0 || kind === FLAGS_LAR) {
      // Unknown here (a block entered from elsewhere): from the bits, by the helper.
      this.b.get(L.fk).i32(FLAGS_LAR).op('i32_eq');
      this.b.if(I32); this.nest++;
      this.callBits(true);
      this.b.else();
      this.callBits(false);
      this.nest--; this.b.end();
      this.b.set(L.x);
      this.bitsCondition(cc, L.x);
      return;
    }
    const f = (letter: 'C' | 'Z' | 'S' | 'O' | 'P'): void => this.flag(letter, kind);
    let r: () => void;
    switch (cc >> 1) {
      case 0: r = () => f('O'); break;
      case 1: r = () => f('C'); break;
      case 2: r = () => f('Z'); break;
      case 3: r = () => { f('C'); f('Z'); b.op('i32_or'); }; break;
      case 4: r = () => f('S'); break;
      case 5: r = () => f('P'); break;
      case 6: r = () => { f('S'); f('O'); b.op('i32_ne'); }; break;
      default: r = () => { f('Z'); f('S'); f('O'); b.op('i32_ne'); b.op('i32_or'); }; break;
    }
    r();
    if (cc & 1) b.op('i32_eqz');
  }

  /** Condition `cc` from flag bits in local `bits`. */
  private bitsCondition(cc: number, bits: number): void {
    const { b } = this;
    const f = (bit: number): void => { b.get(bits).i32(bit).op('i32_and').i32(0).op('i32_ne'); };
    switch (cc >> 1) {
      case 0: f(BIT_OF); break;
      case 1: f(BIT_CF); break;
      case 2: f(BIT_ZF); break;
      case 3: f(BIT_CF); f(BIT_ZF); b.op('i32_or'); break;
      case 4: f(BIT_SF); break;
      case 5: f(BIT_PF); break;
      case 6: f(BIT_SF); f(BIT_OF); b.op('i32_ne'); break;
      default: f(BIT_ZF); f(BIT_SF); f(BIT_OF); b.op('i32_ne'); b.op('i32_or'); break;
    }
    if (cc & 1) b.op('i32_eqz');
  }

  /** Push the current carry (for inc and dec, which keep it). */
  private carry(): void {
    if (this.kind >= 0 && this.kind !== FLAGS_LAR) { this.flag('C', this.kind); return; }
    const { b, L } = this;
    b.get(L.fk).i32(FLAGS_LAR).op('i32_eq');
    b.if(I32); this.nest++;
    this.callBits(true);
    b.else();
    this.callBits(false);
    this.nest--; b.end();
    b.i32(BIT_CF).op('i32_and').i32(0).op('i32_ne');
  }

  // ---- data movement -------------------------------------------------------------------------

  private mov(ins: Insn, ops: readonly Operand[]): void {
    const { L } = this;
    const [d, s] = ops;
    if (d.kind === 'reg8' || (d.kind === 'mem' && d.size === 8)) {
      // a byte: its register's low byte (or ah..bh), or a byte of memory
      if (!this.read(ins, s, L.a, L.vt)) { this.stepped(ins); return; }
      if (d.kind === 'reg8' && (d.reg === RSP)) { this.stopAt(ins); return; }
      this.write(ins, d, L.a, L.vt);
      return;
    }
    if (d.kind === 'mem') {
      if (!this.read(ins, s, L.a, L.vt)) { this.stepped(ins); return; }
      this.write(ins, d, L.a, L.vt);
      return;
    }
    if (!this.read(ins, s, L.a, L.vt)) { this.stepped(ins); return; }
    this.write(ins, d, L.a, L.vt);
  }

  private movzx(ins: Insn, ops: readonly Operand[]): void {
    const { b, L } = this;
    if (!this.read(ins, ops[1], L.a, L.vt)) { this.stepped(ins); return; }
    b.get(L.a).i64(0xffn).op('i64_and').set(L.a).i32(TAG_NUM).set(L.vt);
    this.write(ins, ops[0], L.a, L.vt);
  }

  private lea(ins: Insn, ops: readonly Operand[]): void {
    const { b, L } = this;
    const mop = ops[1];
    if (mop.kind !== 'mem') { this.stopAt(ins); return; }
    b.i64(BigInt(mop.disp));
    let baseTag: (() => void) | null = null;
    if (mop.base === RIP) b.i64(BigInt(ins.retAddr)).op('i64_add');
    else if (mop.base >= 0) { this.regValue(mop.base); b.op('i64_add'); const base = mop.base; baseTag = () => this.regTag(base); }
    if (mop.index >= 0) {
      this.regValue(mop.index);
      if (mop.scale !== 1) b.i64(BigInt(mop.scale)).op('i64_mul');
      b.op('i64_add');
    }
    b.set(L.a);
    const d = ops[0];
    if (d.kind === 'reg' && d.reg === RSP) {
      // rsp := a stack address only when computed from a stack address and numbers
      if (!baseTag) { this.stopAt(ins); return; }
      baseTag(); b.i32(TAG_STACK).op('i32_eq');
      if (mop.index >= 0) { this.regTag(mop.index); b.i32(TAG_NUM).op('i32_eq').op('i32_and'); }
      b.set(L.x);
      b.i32(TAG_STACK).i32(TAG_NUM).get(L.x).op('select').set(L.vt);
    } else {
      b.i32(TAG_NUM).set(L.vt);
    }
    this.write(ins, d, L.a, L.vt);
  }

  // ---- arithmetic and logic -------------------------------------------------------------------

  private alu(ins: Insn, row: Row, ops: readonly Operand[]): void {
    const { b, L } = this;
    const [d, s] = ops;
    const op = row.operation;
    const writes = op !== 'cmp' && op !== 'test';
    if (d.kind === 'mem') {
      // read-modify-write: one check, as a write (which covers the read)
      if (writes) {
        this.lastInStack = this.address(ins, d, 8, true);
        b.get(L.ea).mem('i64_load', 3, STATE_BYTES).set(L.a);
        b.i32(TAG_NUM).get(L.ct).get(L.ct).i32(TAG_HDR).op('i32_eq').op('select').set(L.vt);
      } else if (!this.read(ins, d, L.a, L.vt)) { this.stepped(ins); return; }
      if (!this.read(ins, s, L.b, L.t2)) { this.stepped(ins); return; }
    } else {
      if (!this.read(ins, d, L.a, L.vt)) { this.stepped(ins); return; }
      if (!this.read(ins, s, L.b, L.t2)) { this.stepped(ins); return; }
    }
    let kind: number;
    switch (op) {
      case 'add': b.get(L.a).get(L.b).op('i64_add'); kind = FLAGS_ADD; break;
      case 'sub': case 'cmp': b.get(L.a).get(L.b).op('i64_sub'); kind = FLAGS_SUB; break;
      case 'or': b.get(L.a).get(L.b).op('i64_or'); kind = FLAGS_LOGIC; break;
      case 'xor': b.get(L.a).get(L.b).op('i64_xor'); kind = FLAGS_LOGIC; break;
      default: b.get(L.a).get(L.b).op('i64_and'); kind = FLAGS_LOGIC; break;
    }
    b.set(L.res);
    if (writes) {
      // The result is a number, but rsp adjusted by a number (add, sub, and) stays a stack address.
      const keepsStack = d.kind === 'reg' && d.reg === RSP && (op === 'add' || op === 'sub' || op === 'and');
      if (keepsStack) {
        b.i32(TAG_STACK).i32(TAG_NUM).get(L.t2).i32(TAG_NUM).op('i32_eq').op('select').set(L.st);
      } else {
        b.i32(TAG_NUM).set(L.st);
      }
      this.write(ins, d, L.res, L.st, d.kind === 'mem');
    }
    if (kind === FLAGS_LOGIC) this.setLogic(L.res); else this.setArith(kind, L.a, L.b, L.res);
  }

  private incDec(ins: Insn, row: Row, ops: readonly Operand[]): void {
    const { b, L } = this;
    const d = ops[0];
    if (d.kind === 'reg' && d.reg === RSP) { this.stepped(ins); return; }
    if (d.kind === 'mem') {
      this.lastInStack = this.address(ins, d, 8, true);
      b.get(L.ea).mem('i64_load', 3, STATE_BYTES).set(L.a);
    } else if (!this.read(ins, d, L.a, L.vt)) { this.stepped(ins); return; }
    const inc = row.operation === 'inc';
    this.carry(); b.set(L.y);
    b.get(L.a).i64(1n).op(inc ? 'i64_add' : 'i64_sub').set(L.res);
    b.i32(TAG_NUM).set(L.st);
    this.write(ins, d, L.res, L.st, d.kind === 'mem');
    b.get(L.res).set(L.fr).get(L.y).set(L.fc);
    b.get(L.res).i64(inc ? -(2n ** 63n) : 2n ** 63n - 1n).op('i64_eq').set(L.fo);
    b.i32(FLAGS_EAGER).set(L.fk);
    this.setKind(FLAGS_EAGER);
  }

  private negNot(ins: Insn, row: Row, ops: readonly Operand[]): void {
    const { b, L } = this;
    const d = ops[0];
    if (d.kind === 'reg' && d.reg === RSP) { this.stepped(ins); return; }
    if (d.kind === 'mem') {
      this.lastInStack = this.address(ins, d, 8, true);
      b.get(L.ea).mem('i64_load', 3, STATE_BYTES).set(L.a);
    } else if (!this.read(ins, d, L.a, L.vt)) { this.stepped(ins); return; }
    if (row.operation === 'not') {
      b.get(L.a).i64(-1n).op('i64_xor').set(L.res).i32(TAG_NUM).set(L.st);
      this.write(ins, d, L.res, L.st, d.kind === 'mem');
      return;
    }
    b.i64(0n).get(L.a).op('i64_sub').set(L.res).i32(TAG_NUM).set(L.st);
    this.write(ins, d, L.res, L.st, d.kind === 'mem');
    this.setEager(L.res, () => { b.get(L.a).op('i64_eqz').op('i32_eqz'); }, () => { b.get(L.a).i64(-(2n ** 63n)).op('i64_eq'); });
  }

  private imul(ins: Insn, ops: readonly Operand[]): void {
    const { b, L } = this;
    const three = ops.length === 3;
    const d = ops[0];
    if (d.kind !== 'reg' || d.reg === RSP) { this.stepped(ins); return; }
    if (!this.read(ins, ops[three ? 1 : 0], L.a, L.vt)) { this.stepped(ins); return; }
    if (!this.read(ins, ops[three ? 2 : 1], L.b, L.t2)) { this.stepped(ins); return; }
    b.get(L.a).get(L.b).op('i64_mul').set(L.res);
    b.i32(TAG_NUM).set(L.st);
    this.write(ins, d, L.res, L.st);
    // Overflow (CF = OF): the product does not fit in 64 bits. a = 0 never; a = -1 only for b = MIN;
    // otherwise exactly when res / a is not b.
    const overflow = (): void => {
      b.get(L.a).op('i64_eqz');
      b.if(I32); this.nest++;
      b.i32(0);
      b.else();
      b.get(L.a).i64(-1n).op('i64_eq');
      b.if(I32); this.nest++;
      b.get(L.b).i64(-(2n ** 63n)).op('i64_eq');
      b.else();
      b.get(L.res).get(L.a).op('i64_div_s').get(L.b).op('i64_ne');
      this.nest--; b.end();
      this.nest--; b.end();
    };
    overflow(); b.set(L.ct);
    this.setEager(L.res, () => { b.get(L.ct); }, () => { b.get(L.ct); });
  }

  private shift(ins: Insn, row: Row, ops: readonly Operand[]): void {
    const { b, L } = this;
    const [d, s] = ops;
    if (d.kind === 'reg' && d.reg === RSP) { this.stepped(ins); return; }
    // The count, masked to six bits.
    if (s.kind === 'imm') b.i64(s.value & 63n); else { this.regValue(1); b.i64(63n).op('i64_and'); }
    b.set(L.b);
    if (s.kind === 'imm' && (s.value & 63n) === 0n) return; // no change at all, not even to the flags
    const body = (): void => {
      if (d.kind === 'mem') {
        this.lastInStack = this.address(ins, d, 8, true);
        b.get(L.ea).mem('i64_load', 3, STATE_BYTES).set(L.a);
      } else if (!this.read(ins, d, L.a, L.vt)) { this.stopAt(ins); return; }
      const op = row.operation;
      if (op === 'shl') b.get(L.a).get(L.b).op('i64_shl');
      else if (op === 'shr') b.get(L.a).get(L.b).op('i64_shr_u');
      else b.get(L.a).get(L.b).op('i64_shr_s');
      b.set(L.res).i32(TAG_NUM).set(L.st);
      this.write(ins, d, L.res, L.st, d.kind === 'mem');
      const cf = (): void => {
        if (op === 'shl') b.get(L.a).i64(64n).get(L.b).op('i64_sub').op('i64_shr_u');
        else b.get(L.a).get(L.b).i64(1n).op('i64_sub').op(op === 'shr' ? 'i64_shr_u' : 'i64_shr_s');
        b.i64(1n).op('i64_and').op('i32_wrap_i64');
      };
      const of = (): void => {
        if (op === 'shl') { b.get(L.res).i64(0n).op('i64_lt_s').get(L.x).op('i32_ne'); }
        else if (op === 'shr') b.get(L.a).i64(0n).op('i64_lt_s');
        else b.i32(0);
      };
      // CF first (OF of shl reads it from x)
      cf(); b.set(L.x);
      of(); b.set(L.y);
      b.get(L.res).set(L.fr).get(L.x).set(L.fc).get(L.y).set(L.fo).i32(FLAGS_EAGER).set(L.fk);
    };
    if (s.kind === 'imm') { body(); this.setKind(FLAGS_EAGER); return; }
    b.get(L.b).op('i64_eqz').op('i32_eqz');
    this.when(body);
    this.setKind(-1);
  }

  private cqo(): void {
    const { b, L } = this;
    b.get(L.r[0]).i64(63n).op('i64_shr_s').set(L.r[2]).i32(TAG_NUM).set(L.t[2]);
  }

  private idiv(ins: Insn, ops: readonly Operand[]): void {
    const { b, L } = this;
    if (!this.read(ins, ops[0], L.b, L.t2)) { this.stepped(ins); return; }
    // Only the case that fits: rdx the sign of rax, a divisor neither 0 nor -1 with MIN.
    b.get(L.b).op('i64_eqz');
    b.get(L.r[2]).get(L.r[0]).i64(63n).op('i64_shr_s').op('i64_ne').op('i32_or');
    b.get(L.b).i64(-1n).op('i64_eq').get(L.r[0]).i64(-(2n ** 63n)).op('i64_eq').op('i32_and').op('i32_or');
    this.when(() => this.stopAt(ins));
    b.get(L.r[0]).get(L.b).op('i64_rem_s').set(L.res);
    b.get(L.r[0]).get(L.b).op('i64_div_s').set(L.r[0]);
    b.get(L.res).set(L.r[2]);
    b.i32(TAG_NUM).set(L.t[0]).i32(TAG_NUM).set(L.t[2]);
  }

  private lar(ins: Insn, ops: readonly Operand[]): void {
    const { b, L } = this;
    const [d, s] = ops;
    if (d.kind !== 'reg' || d.reg === RSP) { this.stepped(ins); return; }
    if (s.kind === 'reg16') { this.regTag(s.reg); b.op('i64_extend_i32_u').set(L.a); }
    else if (!this.read(ins, s, L.v2, L.vt)) { this.stepped(ins); return; }
    else b.get(L.vt).op('i64_extend_i32_u').set(L.a);
    b.get(L.a).set(L.r[d.reg]).i32(TAG_NUM).set(L.t[d.reg]);
    // ZF := 1, the other flags kept: computed only if someone reads them (see storeState).
    // Flags not dirty here are STATE's (liveness.ts loads them for a lar only where dirty).
    if ((this.dirtyHere & FLAGS) === 0 || this.kind === FLAGS_LAR_STATE) {
      b.i32(FLAGS_LAR_STATE).set(L.fk);
      this.setKind(FLAGS_LAR_STATE);
      return;
    }
    if (this.kind === FLAGS_EXPLICIT) {
      b.get(L.fbits).i32(BIT_ZF).op('i32_or').set(L.fbits);
      return;
    }
    if (this.kind >= 0 && this.kind !== FLAGS_LAR) b.get(L.fk).set(L.fk2);
    else if (this.kind < 0) {
      // not known here: keep the kind before any pending lar
      b.get(L.fk2).get(L.fk).get(L.fk).i32(FLAGS_LAR).op('i32_eq').op('select').set(L.fk2);
    }
    b.i32(FLAGS_LAR).set(L.fk);
    this.setKind(FLAGS_LAR);
  }

  private setcc(ins: Insn, row: Row, ops: readonly Operand[]): void {
    const { b, L } = this;
    const d = ops[0];
    if (d.kind === 'reg8' && d.reg === RSP) { this.stepped(ins); return; }
    this.condition(row.cc);
    b.op('i64_extend_i32_u').set(L.a).i32(TAG_NUM).set(L.vt);
    this.write(ins, d, L.a, L.vt);
  }

  private cmovcc(ins: Insn, row: Row, ops: readonly Operand[]): void {
    const { b, L } = this;
    const [d, s] = ops;
    if (d.kind !== 'reg' || d.reg === RSP) { this.stepped(ins); return; }
    if (!this.read(ins, s, L.a, L.vt)) { this.stepped(ins); return; }
    this.condition(row.cc);
    this.when(() => { b.get(L.a).set(L.r[d.reg]).get(L.vt).set(L.t[d.reg]); });
  }

  // ---- the stack -----------------------------------------------------------------------------

  /**
   * The pushes of the run that starts at the current instruction: it and the pushes after it
   * in this block, up to an instruction that changes rsp otherwise, or where the host runs.
   * The first checks room for all of them: where there is not, the interpreter runs from the
   * first on, and faults where it faults.
   */
  private pushRun(): number {
    let n = 0;
    for (let k = this.index; k < this.blockInsns.length; k++) {
      const ins = this.blockInsns[k];
      const row = decodedRow(ins);
      if (!row || row.control !== 'next' || isSyncPoint(ins)) break;
      const o = ins.decoded!.operands[0];
      if (row.operation === 'push' && (o.kind === 'reg' || o.kind === 'imm' || o.kind === 'mem')) { n++; continue; }
      if (row.operation === 'push' || registerEffects(row, ins.decoded!.operands).writes.includes(RSP)) break;
    }
    return Math.max(n, 1);
  }

  private push(ins: Insn, ops: readonly Operand[]): void {
    const { b, L } = this;
    const checked = this.prechecked > 0;
    if (checked) this.prechecked--;
    if (!this.read(ins, ops[0], L.a, L.vt)) { this.stepped(ins); return; }
    if (checked) b.get(L.sp).i32(8).op('i32_sub').set(L.x);
    else {
      const n = this.pushRun();
      this.prechecked = n - 1;
      b.get(L.sp).i32(8 * n).op('i32_sub').load32At(S_STACK_LO).op('i32_lt_s');
      this.when(() => this.stopAt(ins));
      b.get(L.sp).i32(8).op('i32_sub').set(L.x);
    }
    b.get(L.x).get(L.a).mem('i64_store', 3, STATE_BYTES);
    b.load32At(S_TAGS).get(L.x).i32(3).op('i32_shr_u').op('i32_add').get(L.vt).mem('i32_store8', 0);
    b.get(L.x).set(L.sp);
  }

  private pop(ins: Insn, ops: readonly Operand[]): void {
    const { b, L } = this;
    const d = ops[0];
    if (d.kind !== 'reg' || d.reg === RSP) { this.stepped(ins); return; }
    b.get(L.sp).i32(8).op('i32_add').load32At(S_STACK_HI).op('i32_gt_s');
    this.when(() => this.stopAt(ins));
    // A poisoned cell faults (the interpreter, run at this instruction, says Poisoned).
    b.load32At(S_TAGS).get(L.sp).i32(3).op('i32_shr_u').op('i32_add').mem('i32_load8_u', 0).tee(L.vt).i32(TAG_POISON).op('i32_eq');
    this.when(() => this.stopAt(ins));
    b.get(L.sp).mem('i64_load', 3, STATE_BYTES).set(L.r[d.reg]);
    b.get(L.vt).set(L.t[d.reg]);
    b.get(L.sp).i32(8).op('i32_add').set(L.sp);
  }

  // ---- control -------------------------------------------------------------------------------

  private jcc(ins: Insn, row: Row): void {
    const local = ins.target >= 0 && ins.target < this.p.code.byteLength;
    this.condition(row.cc);
    if (!local) {
      // a conditional jump out of the code object: the interpreter takes it
      this.when(() => this.stopAt(ins));
      return;
    }
    this.when(() => {
      this.flushEdge(this.p.labelOf.get(ins.target)!);
      this.jumpTo(ins.target);
    });
  }

  private jmp(ins: Insn, ops: readonly Operand[]): void {
    const { b, L } = this;
    const t = ops[0];
    if (t.kind === 'rel') {
      const target = ins.target;
      if (target >= 0 && target < this.p.code.byteLength) {
        this.flushEdge(this.p.labelOf.get(target)!);
        this.jumpTo(target);
        return;
      }
      // Into another code object: a tail call when it is at its start.
      const address = this.p.code.addr + target;
      if (this.tailCall(ins, address)) return;
      this.stopAt(ins);
      return;
    }
    // Through a register or memory: a return address (threaded code's `jmp r13`), or a code object.
    if (!this.read(ins, t, L.a, L.vt)) { this.stopAt(ins); return; }
    this.leaveFor(ins, false);
  }

  /**
   * Control goes to (L.a, L.vt) (popped already when `popped`): back to the expected return
   * address (RETURNED), to another return address (RET_TO), to a code object's start (a tail
   * call), or anything else for the interpreter to judge.
   */
  private leaveFor(ins: Insn, popped: boolean): void {
    const { b, L } = this;
    b.get(L.vt).i32(TAG_CODE).op('i32_eq');
    this.when(() => {
      b.get(L.a).get(PARAM_LINK).i64(LOW32).op('i64_and').op('i64_eq');
      // (back where expected, the common case: the stores here, and return, with no detour
      // through the epilogue's dispatch on the exit set)
      // (rax, rsp and the budget go back in the results: STATE gets the rest)
      this.when(() => { this.storeRegisters(this.dirtyHere & ~RAX_BIT); b.get(L.r[RAX]); this.packRegisters(); b.ret(); });
      b.i32(0).get(L.a).op('i32_wrap_i64').mem('i32_store', 2, S32B(STATE.TARGET));
      b.i32(0).i32(TAG_CODE).mem('i32_store', 2, S32B(STATE.TARGET_TAG));
      b.i32(RET_TO).set(L.status);
      this.exitTo(this.dirtyHere);
    });
    if (popped) { this.stopAtUndoPop(ins); return; }
    b.get(L.vt).i32(TAG_PTR).op('i32_eq');
    this.when(() => {
      // A code object's first slot: its table slot, from the cache index map.
      this.tableSlotOf(L.a, () => this.stopAt(ins));
      this.storeRegisters(this.dirtyHere & ~RAX_BIT);
      b.get(PARAM_LINK).get(L.a).op('i32_wrap_i64').op('i64_extend_i32_u');
      this.passRegisters();
      b.get(L.x).returnCallIndirect(this.env.fnType);
    });
    this.stopAt(ins);
  }

  /** A ret whose target is not a return address: put the popped cells back and stop before the ret. */
  private stopAtUndoPop(ins: Insn): void {
    this.b.get(this.L.y).set(this.L.sp);
    this.stopAt(ins);
  }

  /**
   * The table slot of the code object whose first slot is the address in i64 local `v`, in
   * L.x; `otherwise` when it is not a code object's start.
   */
  private tableSlotOf(v: number, otherwise: () => void): void {
    const { b, L } = this;
    // (its cell, from fixedLo, within the maps; the map holds 1 + the cache index, or 0)
    b.get(v).i64(3n).op('i64_shr_u').load32At(S_FIXED_LO).op('i64_extend_i32_u').op('i64_sub').set(L.v2);
    b.get(v).i64(7n).op('i64_and').op('i64_eqz').op('i32_eqz');
    b.get(L.v2).load32At(S_MAP_CELLS).op('i64_extend_i32_u').op('i64_ge_u').op('i32_or');
    this.when(otherwise);
    b.load32At(S_CACHE_INDEX).get(L.v2).op('i32_wrap_i64').i32(2).op('i32_shl').op('i32_add');
    b.mem('i32_load', 2).i32(1).op('i32_sub').tee(L.x).i32(0).op('i32_lt_s');
    this.when(otherwise);
  }

  /** jmp to the start of another code object: a tail call with this function's own return address. */
  private tailCall(ins: Insn, address: number): boolean {
    const { b } = this;
    const slot = this.env.tableIndexOf(address);
    if (slot < 0) return false;
    this.storeRegisters(this.dirtyHere & ~RAX_BIT);
    b.get(PARAM_LINK).i64(BigInt(address));
    this.passRegisters();
    const f = this.env.functionOf.get(address);
    if (f !== undefined) b.returnCall(f);
    else b.i32(slot).returnCallIndirect(this.env.fnType);
    void ins;
    return true;
  }

  /** This function's instructions in offset order (for guessCallee). */
  private flat: Insn[] | null = null;

  /** The code object a call through memory is guessed to reach (guessCallee), as the call needs it. */
  private guess(ins: Insn): { address: number; f: number | undefined; slot: number } | null {
    this.flat ??= this.p.blocks.flat().sort((x, y) => x.off - y.off);
    return this.guessed(guessCallee(this.m, this.p.code, this.flat, this.flat.indexOf(ins)));
  }

  /**
   * A guessed code object as a call needs it (its table slot, its function if in this
   * module), recorded among this function's guesses (ModuleEnv.guessed); null without one.
   */
  private guessed(address: number | null): { address: number; f: number | undefined; slot: number } | null {
    if (address === null) return null;
    const slot = this.env.tableIndexOf(address);
    if (slot < 0) return null;
    const f = this.env.functionOf.get(address);
    let set = this.env.guessed.get(this.p.code.addr);
    if (!set) this.env.guessed.set(this.p.code.addr, set = new Set());
    set.add(address);
    return { address, f, slot };
  }

  private call(ins: Insn, ops: readonly Operand[]): void {
    const { b, L } = this;
    const inl = this.inlines.get(ins);
    if (!inl || this.sends.has(ins) || ops[0].kind !== 'mem') { this.callOut(ins, ops); return; }
    // A guessed callee copied in place: when the target read is its start, the copy; else the call.
    if (!this.read(ins, ops[0], L.a, L.vt)) { this.stopAt(ins); return; }
    b.block(); this.nest++;
    const done = this.nest;
    b.get(L.vt).i32(TAG_PTR).op('i32_eq').get(L.a).i64(BigInt(inl.address)).op('i64_eq').op('i32_and');
    this.when(() => {
      this.inlineCall(ins, inl, this.dirtyHere, true);
      b.br(this.nest - done);
    });
    this.callOut(ins, ops);
    this.nest--; b.end();
    this.setKind(-1);
  }

  /**
   * The copy of a callee (inline.ts) in place of the call `ins` (its return address pushed
   * here unless `pushed`), with the registers in `dirty` dirty where it begins: its
   * instructions paid for and translated as in its own function (a failed check stops at the
   * callee's instruction, NEXT in the callee's code object), then its ret, which goes on after
   * the call when it pops the call's return address (else the interpreter runs the ret).
   */
  private inlineCall(ins: Insn, inl: { readonly plan: Plan }, dirty: number, push: boolean): void {
    const { b, L } = this;
    if (push) {
      b.get(L.sp).i32(8).op('i32_sub').load32At(S_STACK_LO).op('i32_lt_s');
      this.when(() => this.stopAt(ins));
      b.get(L.sp).i32(8).op('i32_sub').tee(L.sp).i64(BigInt(ins.retAddr)).mem('i64_store', 3, STATE_BYTES);
      b.load32At(S_TAGS).get(L.sp).i32(3).op('i32_shr_u').op('i32_add').i32(TAG_CODE).mem('i32_store8', 0);
    }
    const saved = {
      p: this.p, cur: this.cur, remaining: this.remaining, insns: this.blockInsns, index: this.index, prechecked: this.prechecked,
      kind: this.kind, storeKind: this.storeKind, top: this.blockTop, boundsOf: this.boundsOf,
    };
    const block = inl.plan.blocks[0];
    const count = block.length;
    this.inlining = { dirty, written: 0 };
    this.p = inl.plan;
    this.bounds = 0;
    this.blockTop = this.nest;
    this.boundsOf = -1;
    this.cur = block[0];
    b.get(L.budget).i32(count).op('i32_sub').tee(L.budget).i32(0).op('i32_lt_s');
    this.when(() => this.exit(STOP_AT, 0, NEXT_AT, count));
    this.blockInsns = block;
    this.prechecked = 0;
    for (let k = 0; k < count - 1; k++) {
      const c = block[k];
      this.index = k;
      this.remaining = count - 1 - k;
      this.instruction(c);
      this.forgetBounds(c);
      this.inlining.written |= effectsOf(c).writes;
    }
    // its ret: back after the call when it pops the call's return address
    const r = block[count - 1];
    this.index = count - 1;
    this.remaining = 0;
    this.cur = r;
    b.get(L.sp).i32(8).op('i32_add').load32At(S_STACK_HI).op('i32_gt_s');
    this.when(() => this.stopAt(r));
    b.load32At(S_TAGS).get(L.sp).i32(3).op('i32_shr_u').op('i32_add').mem('i32_load8_u', 0).i32(TAG_CODE).op('i32_ne');
    b.get(L.sp).mem('i64_load', 3, STATE_BYTES).i64(BigInt(ins.retAddr)).op('i64_ne').op('i32_or');
    this.when(() => this.stopAt(r));
    b.get(L.sp).i32(8).op('i32_add').set(L.sp);
    this.inlining = null;
    this.p = saved.p;
    this.cur = saved.cur; this.remaining = saved.remaining; this.blockInsns = saved.insns; this.index = saved.index; this.prechecked = saved.prechecked;
    this.kind = saved.kind; this.storeKind = saved.storeKind; this.blockTop = saved.top; this.boundsOf = saved.boundsOf;
    // (bounds and layout found in the copy hold only on its way)
    this.bounds = 0;
    this.layout.clear();
  }

  /** A call made as a WebAssembly call (the callee's function, or the table's slot). */
  private callOut(ins: Insn, ops: readonly Operand[]): void {
    const { b, L } = this;
    const t = ops[0];
    const retAddr = ins.retAddr;
    let direct: { address: number; entry: number; f: number | undefined; slot: number } | null = null;
    let guess: { address: number; f: number | undefined; slot: number } | null = null;
    if (t.kind === 'rel') {
      const address = this.p.code.addr + ins.target;
      const local = ins.target >= 0 && ins.target < this.p.code.byteLength;
      if (local) {
        direct = { address: this.p.code.addr, entry: this.p.labelOf.get(ins.target)!, f: this.env.functionOf.get(this.p.code.addr), slot: this.env.tableIndexOf(this.p.code.addr) };
      } else {
        const slot = this.env.tableIndexOf(address);
        if (slot < 0) { this.stopAt(ins); return; }
        direct = { address, entry: 0, f: this.env.functionOf.get(address), slot };
        const shape = this.sends.get(ins);
        if (shape) { this.sendCall(ins, direct, shape); return; }
      }
    } else {
      if (!this.read(ins, t, L.a, L.vt)) { this.stopAt(ins); return; }
      b.get(L.vt).i32(TAG_PTR).op('i32_ne');
      this.when(() => this.stopAt(ins));
      guess = this.guess(ins);
      if (guess) {
        // The guessed code object (the common case): its function directly, or its table
        // slot without the lookup; L.x is -1 for a direct call.
        b.get(L.a).i64(BigInt(guess.address)).op('i64_eq');
        b.if(); this.nest++;
        b.i32(guess.f !== undefined ? -1 : guess.slot).set(L.x);
        b.else();
        this.tableSlotOf(L.a, () => this.stopAt(ins));
        this.nest--; b.end();
      } else this.tableSlotOf(L.a, () => this.stopAt(ins));
    }
    // Too deep for the host's stack, or no room for the return address: the interpreter calls.
    const weight = frameWeight(this.p.code.byteLength);
    b.get(PARAM_LINK).i64(BigInt(MAX_DEPTH) << BigInt(LINK_DEPTH)).op('i64_ge_u');
    b.get(L.sp).i32(8).op('i32_sub').load32At(S_STACK_LO).op('i32_lt_s').op('i32_or');
    this.when(() => this.stopAt(ins));
    b.get(L.sp).i32(8).op('i32_sub').tee(L.sp).i64(BigInt(retAddr)).mem('i64_store', 3, STATE_BYTES);
    b.load32At(S_TAGS).get(L.sp).i32(3).op('i32_shr_u').op('i32_add').i32(TAG_CODE).mem('i32_store8', 0);
    // (rax, rsp and the budget go in the parameters: STATE gets the rest)
    this.storeRegisters(this.dirtyHere & ~RAX_BIT);
    if (guess && guess.f !== undefined) {
      b.get(L.x).i32(0).op('i32_lt_s');
      b.if(); this.nest++;
      this.link(retAddr, weight); b.i64(BigInt(guess.address));
      this.passRegisters();
      b.call(guess.f).set(L.pk).set(L.rv);
      b.else();
      this.link(retAddr, weight); b.get(L.a).op('i32_wrap_i64').op('i64_extend_i32_u');
      this.passRegisters();
      b.get(L.x).callIndirect(this.env.fnType).set(L.pk).set(L.rv);
      this.nest--; b.end();
      this.afterCall(retAddr);
      return;
    }
    this.link(retAddr, weight);
    if (direct) {
      b.i64(BigInt(direct.address) | (BigInt(direct.entry) << BigInt(TARGET_ENTRY)));
      this.passRegisters();
      if (direct.f !== undefined) b.call(direct.f);
      else b.i32(direct.slot).callIndirect(this.env.fnType);
    } else {
      b.get(L.a).op('i32_wrap_i64').op('i64_extend_i32_u');
      this.passRegisters();
      b.get(L.x).callIndirect(this.env.fnType);
    }
    b.set(L.pk).set(L.rv);
    this.afterCall(retAddr);
  }

  /** Locals of the inline send (sendCall), made at its first use. */
  private sendLocals: { ok: number; n: number; cls: number; key: number; hdr: number; fa: number; fb: number } | null = null;

  /**
   * A call to a code object that begins with a send's hit path (sendshape.ts): when that path
   * would run straight through (the receiver an object, not poisoned, whose class is the
   * site's key; the site's slots readable; its entry a code object's start; the budget enough
   * for the path), its effects are made here (the class register, the flags of its last cmp,
   * its instructions paid for) and the entry's function is called with this call's return
   * address, as the path's jmp would have reached it; otherwise the code object is called.
   * Either way the return address is pushed first, and what follows is afterCall's.
   */
  private sendCall(ins: Insn, direct: { address: number; f: number | undefined; slot: number }, shape: SendShape): void {
    const { b, L } = this;
    const retAddr = ins.retAddr;
    const V = this.sendLocals ??= { ok: b.local(I32), n: b.local(I32), cls: b.local(I64), key: b.local(I64), hdr: b.local(I64), fa: b.local(I64), fb: b.local(I64) };
    const R = shape.recv, T = shape.site, C = shape.cls;
    // (with the entry's method copied in place, its way out goes past the calls: $done)
    const inl = this.inlines.get(ins);
    if (inl) { b.block(); this.nest++; }
    const done = this.nest;
    // Too deep for the host's stack, or no room for the return address: the interpreter calls.
    const weight = frameWeight(this.p.code.byteLength);
    b.get(PARAM_LINK).i64(BigInt(MAX_DEPTH) << BigInt(LINK_DEPTH)).op('i64_ge_u');
    b.get(L.sp).i32(8).op('i32_sub').load32At(S_STACK_LO).op('i32_lt_s').op('i32_or');
    this.when(() => this.stopAt(ins));
    b.get(L.sp).i32(8).op('i32_sub').tee(L.sp).i64(BigInt(retAddr)).mem('i64_store', 3, STATE_BYTES);
    b.load32At(S_TAGS).get(L.sp).i32(3).op('i32_shr_u').op('i32_add').i32(TAG_CODE).mem('i32_store8', 0);
    // Would the hit path run straight through? (Each test as the interpreter's access checks.)
    // It leaves the class register's value in V.cls, its last cmp's operands in V.fa and V.fb
    // (equal on a hit), its length in V.n, the entry in L.a and the entry's table slot in L.x.
    const tagAt = (cell: () => void): void => { b.load32At(S_TAGS); cell(); b.op('i32_add').mem('i32_load8_u', 0); };
    const odd = BigInt.asIntN(64, 0xffff_ffff_8000_0007n); // (a pointer is aligned and below 2^31)
    b.i32(0).set(V.ok);
    b.block();
    b.get(L.t[R]).i32(TAG_PTR).op('i32_eq');
    b.if();
    // an object: its header not poisoned, its class from the header
    b.get(L.budget).i32(shape.count).op('i32_lt_s').brIf(1);
    b.get(L.r[R]).i64(odd).op('i64_and').op('i64_eqz').op('i32_eqz').brIf(1);
    tagAt(() => b.get(L.r[R]).op('i32_wrap_i64').i32(3).op('i32_shr_u').i32(1).op('i32_sub'));
    b.i32(TAG_POISON).op('i32_eq').brIf(1);
    b.get(L.r[R]).op('i32_wrap_i64').i32(8).op('i32_sub').mem('i64_load', 3, STATE_BYTES).tee(V.hdr);
    // ([R-8] is in bounds when the header's length, as the translator reads it, is not negative)
    b.op('i32_wrap_i64').i32(0).op('i32_lt_s').brIf(1);
    b.get(V.hdr).i64(BigInt(shape.shift)).op('i64_shr_u').set(V.cls);
    b.i32(shape.count).set(V.n);
    b.else();
    if (shape.number) {
      // a number: the class register gets its tag (0), the key is compared with the constant
      b.get(L.t[R]).i32(TAG_NUM).op('i32_ne').brIf(1);
      b.get(L.budget).i32(shape.number.count).op('i32_lt_s').brIf(1);
      b.i64(0n).set(V.cls);
      b.i32(shape.number.count).set(V.n);
    } else b.br(1);
    b.end();
    // the site: an object with the key's and the entry's slots, neither poisoned
    b.get(L.t[T]).i32(TAG_PTR).op('i32_ne').brIf(0);
    b.get(L.r[T]).i64(odd).op('i64_and').op('i64_eqz').op('i32_eqz').brIf(0);
    tagAt(() => b.get(L.r[T]).op('i32_wrap_i64').i32(3).op('i32_shr_u').i32(1).op('i32_sub'));
    b.i32(TAG_POISON).op('i32_eq').brIf(0);
    b.get(L.r[T]).op('i32_wrap_i64').i32(8).op('i32_sub').mem('i32_load', 2, STATE_BYTES);
    b.i32((Math.max(shape.key, shape.entry) + 8) / 8).op('i32_lt_s').brIf(0);
    tagAt(() => b.get(L.r[T]).op('i32_wrap_i64').i32(shape.key).op('i32_add').i32(3).op('i32_shr_u'));
    b.i32(TAG_POISON).op('i32_eq').brIf(0);
    b.get(L.r[T]).op('i32_wrap_i64').mem('i64_load', 3, STATE_BYTES + shape.key).set(V.key);
    // the last cmp: the class with the key (an object), the key with the constant (a number)
    b.get(V.cls).get(V.key).get(L.t[R]).i32(TAG_PTR).op('i32_eq').op('select').set(V.fa);
    b.get(V.key).i64(shape.number?.cls ?? 0n).get(L.t[R]).i32(TAG_PTR).op('i32_eq').op('select').set(V.fb);
    b.get(V.fa).get(V.fb).op('i64_ne').brIf(0);
    // the entry: a pointer to a code object's start (the guessed one, or one the table has)
    tagAt(() => b.get(L.r[T]).op('i32_wrap_i64').i32(shape.entry).op('i32_add').i32(3).op('i32_shr_u'));
    b.i32(TAG_PTR).op('i32_ne').brIf(0);
    b.get(L.r[T]).op('i32_wrap_i64').mem('i64_load', 3, STATE_BYTES + shape.entry).set(L.a);
    const guess = this.guessSite(ins, T, shape.entry);
    if (guess && (guess.f !== undefined || inl)) {
      b.i32(-1).set(L.x);
      b.get(L.a).i64(BigInt(guess.address)).op('i64_eq');
      b.if(); b.i32(1).set(V.ok); b.br(1); b.end();
    }
    b.get(L.a).i64(3n).op('i64_shr_u').load32At(S_FIXED_LO).op('i64_extend_i32_u').op('i64_sub').set(L.v2);
    b.get(L.a).i64(7n).op('i64_and').op('i64_eqz').op('i32_eqz');
    b.get(L.v2).load32At(S_MAP_CELLS).op('i64_extend_i32_u').op('i64_ge_u').op('i32_or').brIf(0);
    b.load32At(S_CACHE_INDEX).get(L.v2).op('i32_wrap_i64').i32(2).op('i32_shl').op('i32_add');
    b.mem('i32_load', 2).i32(1).op('i32_sub').tee(L.x).i32(0).op('i32_lt_s').brIf(0);
    b.i32(1).set(V.ok);
    b.end();
    b.get(V.ok);
    b.if(); this.nest++;
    // The hit path's effects: its instructions paid, the class register, the last cmp's flags.
    b.get(L.budget).get(V.n).op('i32_sub').set(L.budget);
    b.get(V.cls).set(L.r[C]).i32(TAG_NUM).set(L.t[C]);
    b.get(V.fa).set(L.fa).get(V.fb).set(L.fb).i64(0n).set(L.fr).i32(FLAGS_SUB).set(L.fk);
    if (inl && guess) {
      // the guessed entry (L.x -1): its method copied in place
      b.get(L.x).i32(0).op('i32_lt_s');
      this.when(() => {
        const kind = this.kind, storeKind = this.storeKind;
        this.setKind(FLAGS_SUB);
        this.inlineCall(ins, inl, this.dirtyHere | (1 << C) | FLAGS, false);
        this.kind = kind; this.storeKind = storeKind;
        b.br(this.nest - done);
      });
    }
    this.storeRegisters((this.dirtyHere & ~RAX_BIT) | (1 << C) | FLAGS, FLAGS_SUB);
    const callEntry = (): void => {
      this.link(retAddr, weight); b.get(L.a).op('i32_wrap_i64').op('i64_extend_i32_u');
      this.passRegisters();
      b.get(L.x).callIndirect(this.env.fnType).set(L.pk).set(L.rv);
    };
    if (guess && guess.f !== undefined) {
      b.get(L.x).i32(0).op('i32_lt_s');
      b.if(); this.nest++;
      this.link(retAddr, weight); b.i64(BigInt(guess.address));
      this.passRegisters();
      b.call(guess.f).set(L.pk).set(L.rv);
      b.else();
      callEntry();
      this.nest--; b.end();
    } else callEntry();
    b.else();
    // Anything else: the code object itself.
    this.storeRegisters(this.dirtyHere & ~RAX_BIT);
    this.link(retAddr, weight); b.i64(BigInt(direct.address));
    this.passRegisters();
    if (direct.f !== undefined) b.call(direct.f);
    else b.i32(direct.slot).callIndirect(this.env.fnType);
    b.set(L.pk).set(L.rv);
    this.nest--; b.end();
    this.afterCall(retAddr);
    if (inl) { this.nest--; b.end(); this.setKind(-1); }
  }

  /**
   * The code object a site's entry (at byte `disp` of the site in register `site`) is guessed
   * to be, when the site comes from a literal (guessCallee), as a call needs it.
   */
  private guessSite(ins: Insn, site: number, disp: number): { address: number; f: number | undefined; slot: number } | null {
    this.flat ??= this.p.blocks.flat().sort((x, y) => x.off - y.off);
    return this.guessed(guessThrough(this.m, this.p.code, this.flat, this.flat.indexOf(ins), site, disp));
  }

  /**
   * After a call returned (L.rv, L.pk): go on, or leave. Returned the common way (pk not
   * negative), rax, rsp and the budget are in the results and the rest in STATE; else rv is
   * the status and everything is in STATE.
   */
  private afterCall(retAddr: number): void {
    const { b, L } = this;
    // (where the callee may be copied in place instead, liveness counts the registers the copy
    // writes as dirty after the call: the call loads them too, so that their locals are STATE's)
    const reload = this.liveAfter | (this.inlines.has(this.cur!) ? this.dirtyHere | this.inlines.get(this.cur!)!.writes : 0);
    b.get(L.pk).i64(0n).op('i64_ge_s');
    b.if(); this.nest++;
    this.unpackRegisters(L.rv, L.pk);
    this.loadState(reload, true);
    b.else();
    b.get(L.rv).op('i32_wrap_i64').tee(L.status);
    this.when(() => {
      // Control went elsewhere: on at our continuation, back to our caller, or up the chain.
      b.get(L.status).i32(RET_TO).op('i32_eq');
      b.i32(0).mem('i32_load', 2, S32B(STATE.TARGET_TAG)).i32(TAG_CODE).op('i32_eq').op('i32_and');
      b.if(); this.nest++;
      b.i32(0).mem('i32_load', 2, S32B(STATE.TARGET)).tee(L.x).i32(retAddr).op('i32_ne');
      this.when(() => {
        b.get(L.x).get(PARAM_LINK).op('i32_wrap_i64').op('i32_eq');
        this.when(() => { b.i32(RETURNED); this.returnStatus(); });
        b.get(L.status);
        this.returnStatus();
      });
      b.else();
      b.get(L.status);
      this.returnStatus();
      this.nest--; b.end();
    });
    this.loadState(reload);
    this.nest--; b.end();
    this.setKind(-1);
  }

  private ret(ins: Insn, ops: readonly Operand[]): void {
    const { b, L } = this;
    const n = ops.length > 0 && ops[0].kind === 'imm' ? Number(ops[0].value) : 0;
    b.get(L.sp).i32(8 + n).op('i32_add').load32At(S_STACK_HI).op('i32_gt_s');
    this.when(() => this.stopAt(ins));
    b.load32At(S_TAGS).get(L.sp).i32(3).op('i32_shr_u').op('i32_add').mem('i32_load8_u', 0).tee(L.vt).i32(TAG_POISON).op('i32_eq');
    this.when(() => this.stopAt(ins));
    b.get(L.sp).mem('i64_load', 3, STATE_BYTES).set(L.a);
    b.get(L.sp).set(L.y);
    b.get(L.sp).i32(8 + n).op('i32_add').set(L.sp);
    this.leaveFor(ins, true);
  }

  // ---- SSE2 scalar doubles ----------------------------------------------------------------------
  //
  // An SSE row stays a sync point (liveness.ts): the general registers and flags are in STATE
  // around it, where the xmm registers always live (S64[XMM_STATE + 2r], high half at +1). The
  // code below is sse.ts's routine in WebAssembly, bit for bit: a double is computed as f64
  // only where no NaN can come out (WebAssembly does not promise a NaN's bits); NaNs are
  // chosen by their bits as the CPU chooses them. A memory operand is checked as any access
  // is (a fault leaves for the interpreter, which raises it). Forms not written here (andpd
  // and xorpd on memory) still go through the step import. Returns false for those.

  private sse(ins: Insn): boolean {
    const { b, L } = this;
    const ops = ins.decoded!.operands;
    const d = ops[0], s = ops[1];
    const op = ins.row!.operation;
    const lo = (r: number): number => 8 * (XMM_STATE + 2 * r), hi = (r: number): number => lo(r) + 8;
    const xmmLow = (r: number): void => { b.i32(0).mem('i64_load', 3, lo(r)); };
    // The low 64 bits of a source operand (xmm, general register or 8 bytes of memory), pushed.
    const source = (o: Operand): boolean => {
      switch (o.kind) {
        case 'xmm': xmmLow(o.reg); return true;
        case 'reg': this.regValue(o.reg); return true;
        case 'mem': this.address(ins, o, 8, false); b.get(L.ea).mem('i64_load', 3, STATE_BYTES); return true;
        default: return false;
      }
    };
    const setLow = (r: number, value: () => void): void => { b.i32(0); value(); b.mem('i64_store', 3, lo(r)); };
    const clearHigh = (r: number): void => { b.i32(0).i64(0n).mem('i64_store', 3, hi(r)); };
    // A number (in L.a) into a general register (STATE, reloaded after) or memory.
    const toGeneral = (o: Operand): boolean => {
      if (o.kind === 'reg') {
        if (o.reg === RSP) { this.stopAt(ins); return true; } // (a number in rsp: the interpreter faults)
        b.i32(0).get(L.a).mem('i64_store', 3, S_REG(o.reg));
        b.i32(0).i32(TAG_NUM).mem('i32_store8', 0, S_TAG(o.reg));
        return true;
      }
      if (o.kind !== 'mem') return false;
      b.i32(TAG_NUM).set(L.t2); // (not L.x: the address check uses it)
      this.write(ins, o, L.a, L.t2);
      return true;
    };
    const isNaN = (v: number): void => { b.get(v).i64(0x7fffffffffffffffn).op('i64_and').i64(0x7ff0000000000000n).op('i64_gt_u'); };
    const f64 = (v: number): void => { b.get(v).op('f64_reinterpret_i64'); };
    const QUIET = 1n << 51n, DEFAULT_NAN = -(1n << 51n), INDEFINITE = -(1n << 63n);
    // An xmm destination (its low half in L.a; its number answered) and a source (in L.b); -1 for other forms.
    const binary = (): number => {
      if (d.kind !== 'xmm' || !source(s)) return -1;
      b.set(L.b);
      xmmLow(d.reg); b.set(L.a);
      return d.reg;
    };
    // L.res := the default NaN if it is a NaN (an invalid operation on numbers)
    const invalidIsDefault = (): void => { b.get(L.res).i64(DEFAULT_NAN); f64(L.res); f64(L.res); b.op('f64_eq').op('select').set(L.res); };
    // L.res := v made quiet if v is a NaN
    const nanOperandWins = (v: number): void => { b.get(v).i64(QUIET).op('i64_or').get(L.res); isNaN(v); b.op('select').set(L.res); };
    switch (op) {
      case 'movsd': case 'movq':
        if (d.kind === 'xmm') {
          if (!source(s)) return false;
          b.set(L.a);
          setLow(d.reg, () => b.get(L.a));
          if (op === 'movq' || s.kind === 'mem') clearHigh(d.reg);
          return true;
        }
        if (!source(s)) return false;
        b.set(L.a);
        return toGeneral(d);
      case 'addsd': case 'subsd': case 'mulsd': case 'divsd': {
        const x = binary();
        if (x < 0) return false;
        const name = op === 'addsd' ? 'f64_add' : op === 'subsd' ? 'f64_sub' : op === 'mulsd' ? 'f64_mul' : 'f64_div';
        f64(L.a); f64(L.b); b.op(name).op('i64_reinterpret_f64').set(L.res);
        // a NaN operand answers the first, made quiet; an invalid operation the default NaN
        invalidIsDefault();
        nanOperandWins(L.b);
        nanOperandWins(L.a);
        setLow(x, () => b.get(L.res));
        return true;
      }
      case 'minsd': case 'maxsd': {
        const x = binary();
        if (x < 0) return false;
        // the destination when the comparison holds, else the source (NaNs and equal zeros too)
        b.get(L.a).get(L.b); f64(L.a); f64(L.b); b.op(op === 'minsd' ? 'f64_lt' : 'f64_gt').op('select').set(L.res);
        setLow(x, () => b.get(L.res));
        return true;
      }
      case 'sqrtsd': case 'roundsd': {
        if (d.kind !== 'xmm' || !source(s)) return false;
        b.set(L.b);
        const mode = op === 'sqrtsd' ? -1 : (ins.immNum & 4) !== 0 ? 0 : ins.immNum & 3;
        const name = mode < 0 ? 'f64_sqrt' : (['f64_nearest', 'f64_floor', 'f64_ceil', 'f64_trunc'] as const)[mode];
        f64(L.b); b.op(name).op('i64_reinterpret_f64').set(L.res);
        if (mode < 0) invalidIsDefault();
        nanOperandWins(L.b);
        setLow(d.reg, () => b.get(L.res));
        return true;
      }
      case 'ucomisd': case 'comisd': {
        const x = binary();
        if (x < 0) return false;
        // unordered ZF PF CF, less CF, equal ZF, greater none; into STATE's record, reloaded after
        b.i32(0);
        b.i32(BIT_ZF | BIT_PF | BIT_CF);
        b.i32(BIT_CF).i32(BIT_ZF).i32(0); f64(L.a); f64(L.b); b.op('f64_eq').op('select'); f64(L.a); f64(L.b); b.op('f64_lt').op('select');
        isNaN(L.a); isNaN(L.b); b.op('i32_or').op('select');
        b.mem('i32_store', 2, S_FBITS);
        b.i32(0).i32(FLAGS_EXPLICIT).mem('i32_store', 2, S_FK);
        return true;
      }
      case 'cvtsi2sd':
        if (d.kind !== 'xmm' || !source(s)) return false;
        b.op('f64_convert_i64_s').op('i64_reinterpret_f64').set(L.res);
        setLow(d.reg, () => b.get(L.res));
        return true;
      case 'cvttsd2si': case 'cvtsd2si':
        if (!source(s)) return false;
        b.set(L.b);
        f64(L.b); b.op(op === 'cvttsd2si' ? 'f64_trunc' : 'f64_nearest').op('i64_reinterpret_f64').set(L.res);
        // NaN, or outside [-2^63, 2^63): the integer indefinite (and no trap)
        f64(L.res); b.i64(0xc3e0000000000000n).op('f64_reinterpret_i64').op('f64_ge');
        f64(L.res); b.i64(0x43e0000000000000n).op('f64_reinterpret_i64').op('f64_lt').op('i32_and');
        b.if(I64); f64(L.res); b.op('i64_trunc_f64_s'); b.else(); b.i64(INDEFINITE); b.end();
        b.set(L.a);
        return toGeneral(d);
      case 'andpd': case 'xorpd': {
        if (d.kind !== 'xmm' || s.kind !== 'xmm') return false;
        const name = op === 'andpd' ? 'i64_and' : 'i64_xor';
        for (const half of [lo, hi]) { b.i32(0).i32(0).mem('i64_load', 3, half(d.reg)).i32(0).mem('i64_load', 3, half(s.reg)).op(name).mem('i64_store', 3, half(d.reg)); }
        return true;
      }
      default: return false;
    }
  }

  private syscall(ins: Insn): void {
    const { b, L } = this;
    this.storeState(this.dirtyHere);
    // ALLOCATE in the nursery is made here; the host does everything else.
    this.allocateInline();
    b.get(L.st).op('i32_eqz');
    this.when(() => {
      b.i32(this.p.code.addr).i32(ins.off).get(PARAM_LINK).i64(BigInt(LINK_DEPTH)).op('i64_shr_u').op('i32_wrap_i64').call(this.env.service).tee(L.status);
      this.when(() => { this.refundAndLeave(this.remaining + 1); });
    });
    this.loadState(this.liveAfter);
    this.setKind(-1);
  }

  /**
   * The ALLOCATE service's fast path (kernel/memory/heap.ts allocateMovingHalves), on STATE
   * as the host would run it, the registers already stored there: when r11 is ALLOCATE, the
   * class index, size and format are good, the heap allows it (NURSERY_STATE.FAST) and the
   * object fits the nursery below the large-object size, it bumps the nursery's top, writes
   * the header (the identity hash from the heap's sequence, or a byte object's pad), the tags
   * and the fill, counts it, and puts the pointer in STATE's rax; L.st is then 1. Anything
   * else leaves L.st 0 and STATE untouched, for the host: collections, old space, errors.
   *
   *   x = format (r8), y = class index (rcx), vt = slots, ct = cells (slots + 1), ea = header cell
   */
  private allocateInline(): void {
    const { b, L } = this;
    const N = NURSERY_STATE;
    const R = (r: number, half: 0 | 1): number => S_REG(r) + 4 * half;
    b.i32(0).set(L.st);
    // r11 = ALLOCATE (the service number's two halves), the heap's fast path on
    b.load32At(R(11, 0)).i32(SERVICE_ALLOCATE).op('i32_eq');
    b.load32At(R(11, 1)).op('i32_eqz').op('i32_and');
    b.load32At(S32B(N.FAST)).op('i32_and');
    this.when(() => {
      // format 0 (pointers), 1 (words) or 2 (bytes); class index 0 .. 2^17-1; size 0 .. 2^31-1
      b.load32At(R(8, 0)).tee(L.x).i32(FORMAT_BYTES).op('i32_le_u');
      b.load32At(R(8, 1)).op('i32_eqz').op('i32_and');
      b.load32At(R(1, 0)).tee(L.y).i32(0x1ffff).op('i32_le_u').op('i32_and');
      b.load32At(R(1, 1)).op('i32_eqz').op('i32_and');
      b.load32At(R(2, 0)).tee(L.vt).i32(0).op('i32_ge_s').op('i32_and');
      b.load32At(R(2, 1)).op('i32_eqz').op('i32_and');
      this.when(() => {
        // bytes: whole cells; the rest of the last is its pad
        b.get(L.x).i32(FORMAT_BYTES).op('i32_eq');
        this.when(() => { b.get(L.vt).i32(7).op('i32_add').i32(3).op('i32_shr_u').set(L.vt); });
        b.get(L.vt).i32(1).op('i32_add').tee(L.ct);
        b.load32At(S32B(N.LARGE)).op('i32_le_u');
        b.load32At(S32B(N.TOP)).tee(L.ea).get(L.ct).op('i32_add');
        b.load32At(S32B(N.END)).op('i32_le_u').op('i32_and');
        this.when(() => {
          b.i32(0).get(L.ea).get(L.ct).op('i32_add').mem('i32_store', 2, S32B(N.TOP));
          // the header: slots, then class << 15 | hash bits (or pad << 4) | format
          b.get(L.ea).i32(3).op('i32_shl').get(L.vt).mem('i32_store', 2, STATE_BYTES);
          b.get(L.ea).i32(3).op('i32_shl');
          b.get(L.y).i32(15).op('i32_shl').get(L.x).op('i32_or');
          b.get(L.x).i32(FORMAT_BYTES).op('i32_eq');
          b.if(I32);
          b.get(L.vt).i32(3).op('i32_shl').load32At(R(2, 0)).op('i32_sub').i32(4).op('i32_shl');
          b.else();
          b.i32(0).load32At(S32B(N.HASH)).i32(1664525).op('i32_mul').i32(1013904223).op('i32_add').tee(L.t2).mem('i32_store', 2, S32B(N.HASH));
          b.get(L.t2).i32(21).op('i32_shr_u').i32(IDENTITY_HASH_MASK).op('i32_and').i32(IDENTITY_HASH_SHIFT - 32).op('i32_shl');
          b.end();
          b.op('i32_or').mem('i32_store', 2, STATE_BYTES + 4);
          b.load32At(S_TAGS).get(L.ea).op('i32_add').i32(TAG_HDR).mem('i32_store8', 0);
          // the slots: the fill (pointers) or 0, by cells, with their tags
          b.get(L.x).op('i32_eqz');
          b.if(I64); b.i32(0).mem('i64_load', 3, 8 * N.FILL); b.else(); b.i64(0n); b.end();
          b.set(L.v2);
          b.get(L.x).op('i32_eqz');
          b.if(I32); b.load32At(S32B(N.FILL_TAG)); b.else(); b.i32(TAG_NUM); b.end();
          b.set(L.t2);
          b.get(L.ea).get(L.ct).op('i32_add').set(L.vt); // the end
          b.block().loop();
          b.get(L.ea).i32(1).op('i32_add').tee(L.ea).get(L.vt).op('i32_ge_u').brIf(1);
          b.get(L.ea).i32(3).op('i32_shl').get(L.v2).mem('i64_store', 3, STATE_BYTES);
          b.load32At(S_TAGS).get(L.ea).op('i32_add').get(L.t2).mem('i32_store8', 0);
          b.br(0);
          b.end().end();
          // counted; the object's pointer (slot 0's address) in rax
          b.i32(0).i32(0).mem('i64_load', 3, 8 * N.OBJECTS).i64(1n).op('i64_add').mem('i64_store', 3, 8 * N.OBJECTS);
          b.i32(0).i32(0).mem('i64_load', 3, 8 * N.CELLS).get(L.ct).op('i64_extend_i32_u').op('i64_add').mem('i64_store', 3, 8 * N.CELLS);
          b.i32(0).get(L.vt).get(L.ct).op('i32_sub').i32(1).op('i32_add').i32(3).op('i32_shl').op('i64_extend_i32_u').mem('i64_store', 3, S_REG(RAX));
          b.i32(0).i32(TAG_PTR).mem('i32_store8', 0, S_TAG(RAX));
          b.i32(1).set(L.st);
        });
      });
    });
  }
}

/**
 * The flag-bits helper, one per module: (fk, fa, fb, fr, fc, fo, fbits) -> the five flags as
 * FLAG_BITS bits, for a record of any kind (flags.ts says how each kind is read).
 */
export function emitBitsHelper(b: Body): void {
  const FK = 0, FA = 1, FB = 2, FR = 3, FC = 4, FO = 5, FBITS = 6;
  const cf = b.local(I32), of = b.local(I32), zf = b.local(I32);
  // A lar over STATE's flags: STATE's record (never itself a lar's), with ZF set.
  b.get(FK).i32(FLAGS_LAR_STATE).op('i32_eq');
  b.if();
  b.i32(0).mem('i64_load', 3, S_FA).set(FA);
  b.i32(0).mem('i64_load', 3, S_FB).set(FB);
  b.i32(0).mem('i64_load', 3, S_FR).set(FR);
  b.i32(0).mem('i32_load', 2, S_FC).set(FC);
  b.i32(0).mem('i32_load', 2, S_FO).set(FO);
  b.i32(0).mem('i32_load', 2, S_FBITS).set(FBITS);
  b.i32(0).mem('i32_load', 2, S_FK).set(FK);
  b.i32(BIT_ZF).set(zf);
  b.end();
  b.get(FK).i32(FLAGS_EXPLICIT).op('i32_eq');
  b.if(); b.get(FBITS).get(zf).op('i32_or').ret(); b.end();
  b.get(FK).i32(FLAGS_ADD).op('i32_eq');
  b.if();
  b.get(FR).get(FA).op('i64_lt_u').set(cf);
  b.get(FA).get(FR).op('i64_xor').get(FB).get(FR).op('i64_xor').op('i64_and').i64(0n).op('i64_lt_s').set(of);
  b.else();
  b.get(FK).i32(FLAGS_SUB).op('i32_eq');
  b.if();
  b.get(FA).get(FB).op('i64_lt_u').set(cf);
  b.get(FA).get(FB).op('i64_xor').get(FA).get(FR).op('i64_xor').op('i64_and').i64(0n).op('i64_lt_s').set(of);
  b.else();
  b.get(FK).i32(FLAGS_EAGER).op('i32_eq');
  b.if();
  b.get(FC).set(cf).get(FO).set(of);
  b.end();
  b.end();
  b.end();
  b.get(cf).i32(BIT_CF).op('i32_mul');
  b.get(FR).op('i64_eqz').i32(BIT_ZF).op('i32_mul').op('i32_or');
  b.get(FR).i64(0n).op('i64_lt_s').i32(BIT_SF).op('i32_mul').op('i32_or');
  b.get(of).i32(BIT_OF).op('i32_mul').op('i32_or');
  b.get(FR).op('i32_wrap_i64').i32(0xff).op('i32_and').op('i32_popcnt').i32(1).op('i32_and').op('i32_eqz').i32(BIT_PF).op('i32_mul').op('i32_or');
  b.get(zf).op('i32_or');
}

export { VOID };
