/*
 * The Forth back end: a colon definition's threaded pairs (forth.ts) compiled to x86-64 of its
 * own, as the seed's "stack machine translated to real machine code". The pairs stay the
 * definition's description (SEE lists them); the code is what runs.
 *
 *   a primitive (DUP + @ ...)        its body from primitives.ts, copied inline: the text of the
 *                                    word itself, less `pop r13` and `jmp r13`
 *   (LIT) n                          push rax; mov rax, n (a pointer: from the code's literals)
 *   (BRANCH) (0BRANCH) (DO) (LOOP)   the runtime's body, with `mov rbx, rsi` (go to the pair
 *   (?DO) (+LOOP) (LEAVE)            the operand names) a jump to that pair's code
 *   (TO) (LOCAL@) ... (operand)      the body, the operand in rsi (or in place of rsi)
 *   EXECUTE                          its body, with `push r13; jmp rcx` a call
 *   any other word                   call rel32 to its code (RECURSE: to this code's start);
 *                                    an operand goes in rsi first, as the inner loop gives it
 *
 * A native word keeps its return address on the Forth return stack (r14, depth r15), never on
 * the data stack: it enters with `pop rcx; mov [r14+r15*8], rcx; add r15, 1` and leaves with
 * `sub r15, 1; mov rcx, [r14+r15*8]; jmp rcx` (EXIT too), so `>R R> I J`, locals, CATCH and
 * the threaded words it calls or is called by see the stacks as in threaded code, and the
 * tier's calls and returns stay WebAssembly calls and returns (the jmp goes back to the
 * address the call pushed). Binding is Forth's: a call reaches the definition the name had
 * when the caller was compiled (its code object, kept alive as a literal of the caller's).
 *
 * Then the kernel's peephole optimizer (src/compiler/peephole.ts) with its rules and the
 * Forth rules below (FORTH_RULES), over what the copied bodies leave: pushes popped at once,
 * literals that can be immediates, a flag made only to be tested by IF, UNTIL or WHILE.
 *
 * DOES> is a call of (DOES>) with rbp the vector and rsi the operand, as the inner loop has
 * them; the word it makes runs the pairs after DOES> as native code of its own (`from`, with
 * its data field pushed first). A definition stays threaded when a pair is not a word's code,
 * which SEE says.
 */
import { parseItems, type AsmItem, type ItemOperand } from '../../kernel/machine/x86/assembler.ts';
import { REG64 } from '../../kernel/machine/x86/table.ts';
import { formatNumber } from '../../kernel/machine/x86/disassembler.ts';
import { imm, rel, type Hints } from '../../kernel/machine/x86/operand.ts';
import { effects, isInstruction, liveness, optimize, RULES, type BarrierLive, type Instruction, type Line, type Rule } from '../compiler/peephole.ts';
import { FLOAT_PRIMITIVES, FLOAT_RUNTIME, PRIMITIVES, RUNTIME, type PrimitiveText } from './primitives.ts';

const RAX = 0, RCX = 1, RDX = 2, RSP = 4, RBX = 3, RBP = 5, RSI = 6, R13 = 13;
const TAG_PTR = 1;

/** What a code address is, as far as this back end cares. */
export interface MachineWord {
  readonly name: string;
  readonly kind: 'primitive' | 'runtime';
}

/** A pair, and the address of its operand's cell (the vector's slot: a pointer there is read when the code is placed). */
export interface NativePair { readonly code: number; readonly operand: bigint; readonly tag: number; readonly at: number }

/**
 * What a called word is, when its call can be its effect instead: a CREATE's data field, a
 * CONSTANT's value, a VALUE's cell (a fixed object), or a small colon definition's pairs.
 */
export type Callee =
  | { readonly kind: 'create'; readonly body: number }
  | { readonly kind: 'constant'; readonly value: bigint; readonly tag: number; readonly at: number }
  | { readonly kind: 'value'; readonly cell: number }
  | { readonly kind: 'colon'; readonly name: string; readonly pairs: readonly NativePair[]; readonly self: number };

/** A pointer the code names as a literal: read from a cell when the code is placed, or fixed. */
export type ObjectRef = { readonly read: number } | { readonly fixed: number };

export interface NativeInput {
  readonly pairs: readonly NativePair[];
  /** A called word whose effect can be copied in place of the call (see Callee). */
  readonly callee: (code: number) => Callee | undefined;
  /** The definition's own code as its pairs name it (RECURSE). */
  readonly self: number;
  /** The primitive or runtime word whose code is at an address, if it is one. */
  readonly machineWord: (code: number) => MachineWord | undefined;
  /**
   * The code of (DOES>), which reads the threaded code's registers: called with rbp the vector
   * (`vector`, a fixed object) and rsi its operand, as the inner loop has them.
   */
  readonly does: number;
  readonly vector: number;
  /** The first pair to compile (a DOES> word's code: the pairs after DOES>), and what its code pushes first (its data field). */
  readonly from?: number;
  readonly body?: number;
  /** Is there a code object starting at the address? */
  readonly isCode: (code: number) => boolean;
  /** The assembly text of a primitive with the data space's accesses spelled out (Forth.dataAccess). */
  readonly dataAccess: (text: string) => string;
}

export type NativeResult =
  | {
    readonly ok: true;
    readonly lines: readonly Line[];
    /** The pointers the code names as literals OBJ0, OBJ1 ... */
    readonly objects: readonly ObjectRef[];
    /** The code objects it calls (kept alive as its literals CALL0 ...). */
    readonly callees: readonly number[];
    readonly fired: Readonly<Record<string, number>>;
  }
  | { readonly ok: false; readonly reason: string };

/** A body ready to copy: its items, the labels it defines, whether it branches to the operand's pair. */
interface Fragment {
  readonly items: readonly AsmItem[];
  readonly labels: ReadonlySet<string>;
  /** How it uses rsi (the operand): not at all, only as the source of movs, or otherwise. */
  readonly rsi: 'none' | 'source' | 'other';
}

/** Where a copied body goes to the pair its operand names, and where it leaves mid-way. */
const TARGET = '@TARGET', END = '@END';

const isReg = (op: ItemOperand | undefined, r: number): boolean => op !== undefined && op.kind === 'reg' && op.reg === r;
const mentions = (op: ItemOperand, r: number): boolean =>
  (op.kind === 'reg' && op.reg === r) || (op.kind === 'mem' && (op.base === r || op.index === r));
const insnOf = (item: AsmItem | undefined): Extract<AsmItem, { kind: 'insn' }> | null => (item && item.kind === 'insn' ? item : null);
const label = (name: string): ItemOperand => ({ kind: 'label', name });

/**
 * A word's text as a body to copy, or null when it cannot be copied: it must be `pop r13 ...
 * jmp r13` (primitives.ts p), and use r13, rbx and rbp only as the inner loop's protocol
 * (`push r13; jmp X` calls X; `mov rbx, rsi` goes to the operand's pair; `jmp r13` returns).
 */
export function fragmentOf(text: string): Fragment | null {
  const parsed = parseItems(text);
  if (!parsed.ok) return null;
  const items = parsed.items;
  const first = insnOf(items[0]), last = insnOf(items[items.length - 1]);
  if (!first || first.mnemonic !== 'pop' || !isReg(first.operands[0], R13)) return null;
  if (!last || last.mnemonic !== 'jmp' || !isReg(last.operands[0], R13)) return null;
  const out: AsmItem[] = [];
  const labels = new Set<string>();
  let leaves = false;
  const body = items.slice(1, -1);
  for (let i = 0; i < body.length; i++) {
    const item = body[i];
    if (item.kind === 'label') { labels.add(item.name); out.push(item); continue; }
    const ins = insnOf(item);
    if (!ins) return null;
    const next = insnOf(body[i + 1]);
    if (ins.mnemonic === 'push' && isReg(ins.operands[0], R13) && next?.mnemonic === 'jmp' && (i + 2 === body.length)) {
      out.push({ kind: 'insn', mnemonic: 'call', operands: next.operands, hints: {} });
      i++;
      continue;
    }
    if (ins.mnemonic === 'mov' && isReg(ins.operands[0], RBX) && isReg(ins.operands[1], RSI)) {
      const jumpsBack = next?.mnemonic === 'jmp' && isReg(next.operands[0], R13);
      // (it sets the pair that comes next: a jump there, when nothing but nops and labels follow)
      const last = body.slice(i + 1).every((b) => b.kind === 'label' || (b.kind === 'insn' && b.mnemonic === 'nop'));
      if (!last && !jumpsBack) return null;
      out.push({ kind: 'insn', mnemonic: 'jmp', operands: [label(TARGET)], hints: {} });
      if (jumpsBack) i++;
      continue;
    }
    if (ins.mnemonic === 'jmp' && isReg(ins.operands[0], R13)) {
      out.push({ kind: 'insn', mnemonic: 'jmp', operands: [label(END)], hints: {} });
      leaves = true;
      continue;
    }
    if (ins.operands.some((o) => mentions(o, R13) || mentions(o, RBX) || mentions(o, RBP))) return null;
    out.push(ins);
  }
  if (leaves) out.push({ kind: 'label', name: END });
  let rsi = 'none' as Fragment['rsi'];
  for (const item of out) {
    const ins = insnOf(item);
    if (!ins || !ins.operands.some((o) => mentions(o, RSI))) continue;
    const source = ins.mnemonic === 'mov' && ins.operands[0].kind === 'reg' && isReg(ins.operands[1], RSI) && !mentions(ins.operands[0], RSI);
    rsi = source && rsi !== 'other' ? 'source' : 'other';
  }
  return { items: out, labels, rsi };
}

/** The bodies of the machine-code words, by kind and name (made once for each way of reaching the data space, from primitives.ts). */
const fragmentsBy = new WeakMap<(t: string) => string, Map<string, Fragment | null>>();
function fragmentFor(w: MachineWord, dataAccess: (t: string) => string): Fragment | null {
  let fragments = fragmentsBy.get(dataAccess);
  if (!fragments) {
    const made = new Map<string, Fragment | null>();
    const add = (kind: string, list: readonly PrimitiveText[]): void => {
      for (const p of list) made.set(`${kind} ${p.name}`, fragmentOf(dataAccess(p.asm)));
    };
    add('primitive', PRIMITIVES);
    add('primitive', FLOAT_PRIMITIVES);
    add('runtime', RUNTIME);
    add('runtime', FLOAT_RUNTIME);
    fragmentsBy.set(dataAccess, made);
    fragments = made;
  }
  return fragments.get(`${w.kind} ${w.name}`) ?? null;
}

/** How a native word begins and ends (see the header). */
const ENTRY = 'pop rcx; mov [r14+r15*8], rcx; add r15, 1';
const EXIT = 'sub r15, 1; mov rcx, [r14+r15*8]; jmp rcx';

function instructionsOf(text: string, origin: string): Instruction[] {
  const r = parseItems(text);
  if (!r.ok) throw new Error(`Forth native code: ${r.error.message} in ${text}`);
  return r.items.map((i) => {
    if (i.kind !== 'insn') throw new Error(`Forth native code: only instructions in ${text}`);
    return { mnemonic: i.mnemonic, operands: i.operands, hints: i.hints, origin };
  });
}

/** The words a colon definition copied in place of its call may not use: they reach under the top of the return stack, where its return address would be. */
const RETURN_STACK_WORDS = new Set(['>R', 'R>', 'R@', '2>R', '2R>', '2R@', 'N>R', 'NR>', 'I', 'J', 'UNLOOP', '(DO)', '(?DO)', '(LOOP)', '(+LOOP)', '(LEAVE)',
  '(LOCALS)', '(LOCAL@)', '(LOCAL!)', '(LOCAL+!)', '(UNLOCALS)']);
/** The most pairs a colon definition copied in place of its call may have, and how deep such copies nest. */
const INLINE_PAIRS = 12, INLINE_DEPTH = 3;

/** One step of the code to make: a pair (of the definition, or of one copied in), and where it came from. */
interface Step extends NativePair { readonly origin?: string; readonly copy: number }

/**
 * The pairs with the calls of small colon definitions (no return stack words, no EXIT but the
 * last, no RECURSE) replaced by their pairs, branches renumbered; `copy` tells the copies apart.
 */
function expand(input: NativeInput, pairs: readonly NativePair[], self: number, depth: number, copies: { n: number }, origin?: string, offset = 0): { steps: Step[]; branches: number[] } {
  const steps: Step[] = [];
  const copy = copies.n++;
  // (pair index of `pairs` -> index in steps, for branches)
  const starts: number[] = [];
  const branchesAt: number[] = [];
  // (the branches of copies made inside, already numbered as steps)
  const branches: number[] = [];
  pairs.forEach((p, i) => {
    starts.push(steps.length);
    const c = p.code === self ? undefined : input.callee(p.code);
    if (c?.kind === 'colon' && depth < INLINE_DEPTH && inlinable(input, c)) {
      const inner = expand(input, c.pairs.slice(0, -1), c.self, depth + 1, copies, origin ?? c.name.toLowerCase());
      const base = steps.length;
      for (const b of inner.branches) inner.steps[b] = { ...inner.steps[b], operand: inner.steps[b].operand + BigInt(2 * base) };
      branches.push(...inner.branches.map((b) => b + base));
      steps.push(...inner.steps);
      return;
    }
    const w = p.code === self ? undefined : input.machineWord(p.code);
    if (w && fragmentFor(w, input.dataAccess)?.items.some((it) => it.kind === 'insn' && it.operands.some((o) => o.kind === 'label' && o.name === TARGET))) branchesAt.push(steps.length);
    steps.push({ ...p, origin, copy });
  });
  starts.push(steps.length);
  // A branch's operand becomes the step it goes to (times 2, as pairs have it).
  for (const at of branchesAt) {
    const s = steps[at];
    steps[at] = { ...s, operand: BigInt(2 * starts[Number(s.operand) / 2 - offset]) };
  }
  return { steps, branches: [...branches, ...branchesAt] };
}

function inlinable(input: NativeInput, c: Extract<Callee, { kind: 'colon' }>): boolean {
  const { pairs } = c;
  if (pairs.length === 0 || pairs.length > INLINE_PAIRS + 1) return false;
  return pairs.every((p, i) => {
    if (p.code === c.self || p.code === input.does) return false;
    const w = input.machineWord(p.code);
    if (w?.name === '(EXIT)') return i === pairs.length - 1;
    if (i === pairs.length - 1) return false;
    if (w && RETURN_STACK_WORDS.has(w.name)) return false;
    return w !== undefined || input.isCode(p.code);
  });
}

/** Compile the pairs of a colon definition (see the header), or say why it stays threaded. */
export function compileNative(input: NativeInput): NativeResult {
  const from = input.from ?? 0;
  const pairs: readonly Step[] = expand(input, input.pairs.slice(from), input.self, 0, { n: 0 }, undefined, from).steps;
  const objects: ObjectRef[] = [];
  const callees: number[] = [];
  const objectName = (ref: ObjectRef): string => {
    let i = objects.findIndex((o) => ('read' in o && 'read' in ref && o.read === ref.read) || ('fixed' in o && 'fixed' in ref && o.fixed === ref.fixed));
    if (i < 0) { i = objects.length; objects.push(ref); }
    return `OBJ${i}`;
  };
  const literalOf = (ref: ObjectRef): ItemOperand => ({ kind: 'mem', base: 16, index: -1, scale: 1, disp: 0, size: 64, label: objectName(ref) });
  const operandOf = (at: number): ItemOperand => {
    const p = pairs[at];
    return p.tag === TAG_PTR ? literalOf({ read: p.at }) : imm(BigInt.asIntN(64, p.operand));
  };
  // The pairs a branch reaches get labels.
  const targets = new Set<number>();
  const bodies: (Fragment | null)[] = [];
  for (const p of pairs) {
    const w = p.code === input.self ? undefined : input.machineWord(p.code);
    const f = w && w.name !== '(EXIT)' && w.name !== '(LIT)' ? fragmentFor(w, input.dataAccess) : null;
    bodies.push(f);
    if (f && f.items.some((i) => i.kind === 'insn' && i.operands.some((o) => o.kind === 'label' && o.name === TARGET))) targets.add(Number(p.operand) / 2);
    if (!f && !w && p.code !== input.self && !input.isCode(p.code)) return { ok: false, reason: `a pair calls ${p.code}, which is not a word's code` };
    // (a runtime word is part of the inner loop's protocol: copied, or the definition stays threaded)
    if (!f && w?.kind === 'runtime' && w.name !== '(EXIT)' && w.name !== '(LIT)') return { ok: false, reason: `${w.name} cannot be copied` };
  }
  const lines: Line[] = [{ label: 'SELF', origin: 'entry' }, ...instructionsOf(ENTRY, 'entry')];
  if (input.body !== undefined) lines.push(...instructionsOf(`push rax; mov rax, ${input.body}`, 'does>'));
  let copies = 0;
  pairs.forEach((p, i) => {
    if (targets.has(i)) lines.push({ label: `P${i}`, origin: '' });
    const w = p.code === input.self ? undefined : input.machineWord(p.code);
    const f = bodies[i];
    const c = w || p.code === input.self ? undefined : input.callee(p.code);
    const what = w ? w.name.toLowerCase() : p.code === input.self ? 'recurse' : c?.kind === 'colon' ? `call ${c.name.toLowerCase() || ':noname'}` : c ? c.kind : 'call';
    const origin = p.origin ? `${p.origin}: ${what}` : what;
    const push = (): void => { lines.push({ mnemonic: 'push', operands: [{ kind: 'reg', reg: RAX }], hints: {}, origin }); };
    const load = (from: ItemOperand): void => { lines.push({ mnemonic: 'mov', operands: [{ kind: 'reg', reg: RAX }, from], hints: {}, origin }); };
    // A CREATE, CONSTANT or VALUE: what its code would push.
    if (c?.kind === 'create') { push(); load(imm(c.body)); return; }
    if (c?.kind === 'constant') { push(); load(c.tag === TAG_PTR ? literalOf({ read: c.at }) : imm(BigInt.asIntN(64, c.value))); return; }
    if (c?.kind === 'value') { push(); load(literalOf({ fixed: c.cell })); load({ kind: 'mem', base: RAX, index: -1, scale: 1, disp: 0, size: 64 }); return; }
    if (w?.name === '(EXIT)') { lines.push(...instructionsOf(EXIT, 'exit')); return; }
    if (p.code === input.does) {
      // (rbp, which the ABI says a call preserves, kept on the return stack meanwhile)
      lines.push(...instructionsOf(`mov [r14+r15*8], rbp; add r15, 1; mov rsi, ${p.operand}`, origin));
      lines.push({ mnemonic: 'mov', operands: [{ kind: 'reg', reg: RBP }, literalOf({ fixed: input.vector })], hints: {}, origin });
      lines.push({ mnemonic: 'call', operands: [rel(p.code)], hints: CALL_HINTS, origin });
      if (!callees.includes(p.code)) callees.push(p.code);
      lines.push(...instructionsOf('sub r15, 1; mov rbp, [r14+r15*8]', origin));
      return;
    }
    if (w?.name === '(LIT)') { push(); load(operandOf(i)); return; }
    if (f) {
      const n = copies++;
      // (a copy's pairs are numbered as steps: its branches go to steps)
      const rename = (name: string): string => (name === TARGET ? `P${Number(p.operand) / 2}` : name === END ? `E${n}` : f.labels.has(name) ? `${name}_${n}` : name);
      const operand = operandOf(i);
      if (f.rsi === 'other') lines.push({ mnemonic: 'mov', operands: [{ kind: 'reg', reg: RSI }, operand], hints: {}, origin });
      for (const item of f.items) {
        if (item.kind === 'label') { lines.push({ label: rename(item.name), origin }); continue; }
        if (item.kind !== 'insn') continue;
        const operands = item.operands.map((o): ItemOperand => {
          if (o.kind === 'label') return label(rename(o.name));
          if (f.rsi === 'source' && o.kind === 'reg' && o.reg === RSI) return operand;
          return o;
        });
        lines.push({ mnemonic: item.mnemonic, operands, hints: item.hints, origin });
      }
      return;
    }
    if (p.code === input.self) {
      lines.push({ mnemonic: 'call', operands: [label('SELF')], hints: {}, origin });
      return;
    }
    if (p.operand !== 0n || p.tag === TAG_PTR) lines.push({ mnemonic: 'mov', operands: [{ kind: 'reg', reg: RSI }, operandOf(i)], hints: {}, origin });
    if (!callees.includes(p.code)) callees.push(p.code);
    lines.push({ mnemonic: 'call', operands: [rel(p.code)], hints: CALL_HINTS, origin });
  });
  if (targets.has(pairs.length)) lines.push({ label: `P${pairs.length}`, origin: '' }, ...instructionsOf(EXIT, 'exit'));
  const { lines: optimized, fired } = optimize(lines, [...RULES, ...FORTH_RULES], forthBarrier);
  return { ok: true, lines: optimized, objects, callees, fired };
}

/** A call to another code object: always rel32 (it is placed at two origins). */
const CALL_HINTS: Hints = Object.freeze({ disp32: true });

const bit = (r: number): number => 1 << r;
/**
 * Live across a call from native Forth code: what a Forth word takes and keeps (the data stack,
 * the return stack, rsi the operand) and what the ABI says a call preserves; rcx, rdx and
 * r8-r11 are scratch between words. At the exit's `jmp rcx`, the same but rsi, and rcx.
 */
const LIVE_INTO_CALL = 0xffff & ~(bit(RCX) | bit(RDX) | 0xf00);
const LIVE_AT_EXIT = LIVE_INTO_CALL & ~bit(RSI);
export const forthBarrier: BarrierLive = (i, after) => {
  const reads = [...effects(i).reads].reduce((m, r) => (r >= 0 && r < 16 ? m | bit(r) : m), 0);
  if (i.mnemonic === 'call') return LIVE_INTO_CALL | after | reads;
  if (i.mnemonic === 'jmp' && i.operands[0]?.kind === 'reg') return LIVE_AT_EXIT | reads;
  return undefined;
};

// ---- the Forth rules ---------------------------------------------------------------------

/** An instruction as text (for the rules' patterns): `mov rax, [rip+OBJ0]`, `je P5`. */
export function textOf(i: Instruction): string {
  const op = (o: ItemOperand): string => {
    switch (o.kind) {
      case 'label': return o.name;
      case 'reg': return REG64[o.reg];
      case 'imm': return formatNumber(o.value);
      case 'rel': return `0x${o.target.toString(16)}`;
      case 'mem': {
        const terms: string[] = [];
        if (o.base === 16) terms.push(o.label !== undefined ? `rip+${o.label}` : 'rip');
        else if (o.base >= 0) terms.push(REG64[o.base]);
        if (o.index >= 0) terms.push(`${REG64[o.index]}*${o.scale}`);
        let t = terms.join('+');
        if (o.disp !== 0) t += o.disp < 0 ? `${o.disp}` : `+${o.disp}`;
        return `[${t}]`;
      }
      default: return `${o.kind}${'reg' in o ? o.reg : ''}`;
    }
  };
  return i.operands.length === 0 ? i.mnemonic : `${i.mnemonic} ${i.operands.map(op).join(', ')}`;
}

const NEGATED: Readonly<Record<string, string>> = Object.freeze({
  e: 'ne', ne: 'e', l: 'ge', ge: 'l', g: 'le', le: 'g', b: 'ae', ae: 'b', a: 'be', be: 'a', s: 'ns', ns: 's', o: 'no', no: 'o', p: 'np', np: 'p',
});

/**
 * A Forth rule: consecutive instructions matching `match` (regular expressions over textOf,
 * whole), the registers in `dead` dead after the last, become `rewrite` of the groups matched
 * (assembly text; `!cc` stands for the condition the group cc negates).
 */
interface PatternRule {
  readonly name: string;
  readonly why: string;
  readonly match: readonly RegExp[];
  readonly dead: readonly number[];
  readonly rewrite: (g: Readonly<Record<string, string>>) => string;
}

const R = (s: string): RegExp => new RegExp(`^${s}$`);
const CC = '(?<cc>e|ne|l|ge|g|le|b|ae|a|be)';

export const FORTH_PATTERNS: readonly PatternRule[] = Object.freeze<PatternRule[]>([
  {
    name: 'nop',
    why: "a primitive's `nop` only gives its label an instruction; copied, the label stands alone",
    match: [R('nop')], dead: [],
    rewrite: () => '',
  },
  {
    name: 'branch-over-jump',
    why: 'a conditional branch over an unconditional jump is the opposite branch to where the jump goes',
    match: [R(`j${CC} (?<over>\\w+)`), R('jmp (?<to>\\w+)'), R('(?<label>\\w+):')], dead: [],
    rewrite: (g) => (g.label === g.over ? `j${NEGATED[g.cc]} ${g.to}; ${g.label}:` : '!'),
  },
  {
    name: 'test-before-pop',
    why: "IF's test of the top before the pop that replaces it: pop sets no flags",
    match: [R('mov rcx, rax'), R('pop rax'), R('cmp rcx, 0')], dead: [RCX],
    rewrite: () => 'cmp rax, 0; pop rax',
  },
  {
    name: 'flag-branch',
    why: "a flag made from a comparison's flags only to be tested by a branch: branch on the comparison",
    match: [R('mov rax, 0'), R('mov rdx, -1'), R(`cmov${CC} rax, rdx`), R('cmp rax, 0'), R('pop rax'), R('je (?<to>\\w+)')], dead: [RDX],
    rewrite: (g) => `pop rax; j${NEGATED[g.cc]} ${g.to}`,
  },
  {
    name: 'compare-through',
    why: 'a value copied to a register only to be compared can be compared where it is',
    match: [R('mov rcx, (?<b>r\\w+)'), R('cmp rcx, (?<x>-?\\w+)')], dead: [RCX],
    rewrite: (g) => (g.x !== 'rcx' ? `cmp ${g.b}, ${g.x}` : '!'),
  },
  {
    name: 'push-read-pop',
    why: 'pushing a register and popping it back around an instruction that reads it but writes neither it nor the stack',
    match: [R('push (?<a>r\\w+)'), R('(?<i>(cmp|test) [^;]*)'), R('pop (?<a2>r\\w+)')], dead: [],
    rewrite: (g) => (g.a === g.a2 && !/rsp/.test(g.i) ? g.i : '!'),
  },
  {
    name: 'commute-constant',
    why: 'a number put under the top only to be added (and, or, xor) to it: the operation with the number',
    match: [R('mov rcx, rax'), R('mov rax, (?<a>-?(0x)?[0-9a-f]+)'), R('(?<op>add|and|or|xor) rax, rcx')], dead: [RCX],
    rewrite: (g) => (BigInt.asIntN(32, number(g.a)) === number(g.a) ? `${g.op} rax, ${number(g.a)}` : '!'),
  },
  {
    name: 'load-op',
    why: 'a value loaded above the top only to be added (and, or, xor) to it: the operation with the value where it is',
    match: [R('push rax'), R('mov rax, (?<x>\\[[^\\]]*\\])'), R('pop rcx'), R('(?<op>add|and|or|xor) rax, rcx')], dead: [RCX],
    rewrite: (g) => (/rax|rcx|rsp/.test(g.x) ? '!' : `${g.op} rax, ${g.x}`),
  },
  {
    name: 'load-add-add',
    why: 'a value loaded above the top and added to before the two are added: both additions on the top',
    match: [R('push rax'), R('mov rax, (?<x>\\[[^\\]]*\\])'), R('add rax, (?<n>-?(0x)?[0-9a-f]+)'), R('pop rcx'), R('add rax, rcx')], dead: [RCX],
    rewrite: (g) => (/rax|rcx|rsp/.test(g.x) ? '!' : `add rax, ${g.x}; add rax, ${g.n}`),
  },
  {
    name: 'push-constant',
    why: 'a number loaded only to be pushed is pushed as an immediate',
    match: [R('mov rax, (?<n>-?(0x)?[0-9a-f]+)'), R('push rax'), R('mov rax, (?<x>[^;]*)')], dead: [],
    rewrite: (g) => (BigInt.asIntN(32, number(g.n)) === number(g.n) && !/rax/.test(g.x) ? `push ${number(g.n)}; mov rax, ${g.x}` : '!'),
  },
  {
    name: 'fold',
    why: 'arithmetic on a register just loaded with a number is a number (its flags unread: no branch follows)',
    match: [R('mov (?<r>r\\w+), (?<a>-?(0x)?[0-9a-f]+)'), R('(?<op>add|sub|and|or|xor|shl|sar|shr|imul) (?<r2>r\\w+), (?<b>-?(0x)?[0-9a-f]+)'), R('(?<next>(?!j[a-z]+ |cmov|set)[^;]*)')], dead: [],
    rewrite: (g) => (g.r === g.r2 ? `mov ${g.r}, ${fold(g.op, number(g.a), number(g.b))}; ${g.next}` : '!'),
  },
]);

const number = (t: string): bigint => (t.startsWith('-') ? -BigInt(t.slice(1)) : BigInt(t));
const MASK64 = (1n << 64n) - 1n;
function fold(op: string, a: bigint, b: bigint): string {
  const u = a & MASK64;
  const r = op === 'add' ? a + b : op === 'sub' ? a - b : op === 'and' ? a & b : op === 'or' ? a | b : op === 'xor' ? a ^ b : op === 'imul' ? a * b
    : op === 'shl' ? u << (b & 63n) : op === 'shr' ? u >> (b & 63n) : BigInt.asIntN(64, a) >> (b & 63n);
  return BigInt.asIntN(64, r).toString();
}

/** Labels in a rewrite (`name:`) are kept where they were; `!` in a rewrite: not after all. */
function patternRule(p: PatternRule): Rule {
  return {
    name: p.name,
    why: p.why,
    apply: () => null,
    whole: (input) => {
      let lines = [...input];
      let count = 0;
      let live: Int32Array | null = null;
      for (let at = 0; at + p.match.length <= lines.length; at++) {
        const groups: Record<string, string> = {};
        let ok = true;
        for (let j = 0; j < p.match.length && ok; j++) {
          const l = lines[at + j];
          const text = isInstruction(l) ? textOf(l) : `${l.label}:`;
          const m = p.match[j].exec(text);
          if (!m) { ok = false; break; }
          for (const [k, v] of Object.entries(m.groups ?? {})) if (v !== undefined) groups[k] = v;
        }
        if (!ok) continue;
        if (p.dead.length > 0) {
          live ??= liveness(lines, forthBarrier);
          const after = live[at + p.match.length - 1];
          if (p.dead.some((r) => (after & bit(r)) !== 0)) continue;
        }
        const text = p.rewrite(groups);
        if (text === '!') continue;
        const origin = (lines.slice(at, at + p.match.length).find(isInstruction) as Instruction | undefined)?.origin ?? '';
        const parsed = text.trim() === '' ? { ok: true as const, items: [] } : parseItems(text);
        if (!parsed.ok) continue;
        const replacement: Line[] = parsed.items.map((i) => (i.kind === 'label' ? { label: i.name, origin } : i.kind === 'insn' ? { mnemonic: i.mnemonic, operands: i.operands, hints: i.hints, origin } : null)).filter((l): l is Line => l !== null);
        lines = [...lines.slice(0, at), ...replacement, ...lines.slice(at + p.match.length)];
        live = null;
        count++;
      }
      return { lines, count };
    },
  };
}

export const FORTH_RULES: readonly Rule[] = Object.freeze(FORTH_PATTERNS.map(patternRule));

export { isInstruction, textOf as instructionText };
void RSP;
