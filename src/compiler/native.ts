/*
 * The native back end: the IR to x86-64 (as structured instructions), then the peephole
 * optimizer, then the assembler's layout.
 *
 * The seed's compiler: a primitive of a machine object is inlined by copying its machine code
 * up to its `ret` (decoded from the very bytes the primitive runs, its internal branches
 * turned into labels), after code that passes its arguments where it expects them; a
 * primitive that cannot be copied (it is recursive, touches the stack, or jumps out of
 * itself) is called instead. Everything else in the IR has a fixed translation:
 *
 *   prologue          push rbp; mov rbp, rsp; push rax; push <self>; push qword [rip+NIL] x temps
 *   load (push)       push rax; mov rax, <source>
 *   store             mov <slot>, rax
 *   pop (restore)     pop rax
 *   send #s n         mov r10, <site>; mov r11, <receiver>; call Kernel>>send; add rsp, 8n
 *                     (the site, a SendSite in the literals; the receiver rax or [rsp+8(n-1)])
 *   super send        mov r10, #s; mov r9, <behaviour>; mov r11, SUPER; syscall; call r11; add rsp, 8n
 *   jumpIf false L    lar rcx, ax; dec rcx; jnz notBoolean (a number is no Boolean);
 *                     cmp rax, false; je L; cmp rax, true; jne notBoolean
 *   return            mov rsp, rbp; pop rbp; ret
 *
 * Objects the code names (its literals, nil, the kernel's roots) are read from the code
 * object's literal area, `[rip+literalN]` (slot N of the method's literal array) or
 * `[rip+NIL]`, `[rip+ROOTS]` (kernel/objects/methods.ts wellKnownLiteral): never through an
 * address, which a number cannot reach.
 *
 * Every instruction carries its origin (the IR operation, or the primitive it was copied
 * from), so a listing can show where each line came from.
 */
import { FRAME, PARAMETER_REGISTER_NUMBERS } from '../../kernel/abi.ts';
import type { ItemOperand } from '../../kernel/machine/x86/assembler.ts';
import { decode } from '../../kernel/machine/x86/decoder.ts';
import { registerEffects } from '../../kernel/machine/x86/effects.ts';
import { imm, mem, reg, reg16, rel, xmm, type Decoded, type Hints, type Operand } from '../../kernel/machine/x86/operand.ts';
import { RIP, RSP } from '../../kernel/machine/x86/table.ts';
import type { Kernel } from '../../kernel/objects/kernel.ts';
import { ARITHMETIC, arithmeticSealed, isArithmeticSelector, type ArithmeticSelector } from '../../kernel/objects/arithmetic.ts';
import { classIndexOf, slotPointer } from '../../kernel/objects/access.ts';
import { GUARD_GROUP, type GuardGroup } from '../../kernel/objects/guards.ts';
import { identitySealed } from '../../kernel/objects/identity.ts';
import { indexingSealed } from '../../kernel/objects/indexing.ts';
import { booleansSealed } from '../../kernel/objects/booleans.ts';
import { FLOAT_OPERATIONS, floatClassIndex, isFloatSelector, type FloatSelector } from '../../kernel/objects/float-arithmetic.ts';
import { BINDING, CLASS, CLOSURE, CONTEXT, HEADER_CLASS_SHIFT, HOME_SAVED, METHOD_KIND, ROOTS, SEND_SITE, SERVICE } from '../../kernel/objects/layout.ts';
import { ClassFacts } from './class-facts.ts';
import { frameOffset, type Op, type Slot, type Source, type Unit } from './ir.ts';
import { isInstruction, optimize, type Instruction, type Line } from './peephole.ts';

const RAX = 0, RCX = 1, RDX = 2, RBP = 5, RSI = 6, R8 = 8, R9 = 9, R10 = 10, R11 = 11;
/** The unit's environment: temporary 0. */
const ENV = mem(RBP, -1, 1, FRAME.TEMP0, 64);
const PARAMETER_REGISTERS = PARAMETER_REGISTER_NUMBERS;
/** The hints of a guard's branch, one object per group (placeCode records where each is: kernel/objects/guards.ts). */
export const GUARD_HINTS: Hints = Object.freeze({ disp32: true });
export const IDENTITY_GUARD_HINTS: Hints = Object.freeze({ disp32: true });
export const INDEXING_GUARD_HINTS: Hints = Object.freeze({ disp32: true });
export const BOOLEAN_GUARD_HINTS: Hints = Object.freeze({ disp32: true });
export const FLOAT_GUARD_HINTS: Hints = Object.freeze({ disp32: true });
/** The group of the guard `l` is the branch of (emitted with its group's hints), or null. */
export function guardGroupOf(l: Line): GuardGroup | null {
  if (!isInstruction(l)) return null;
  return l.hints === GUARD_HINTS ? GUARD_GROUP.ARITHMETIC : l.hints === IDENTITY_GUARD_HINTS ? GUARD_GROUP.IDENTITY
    : l.hints === INDEXING_GUARD_HINTS ? GUARD_GROUP.INDEXING : l.hints === BOOLEAN_GUARD_HINTS ? GUARD_GROUP.BOOLEAN
    : l.hints === FLOAT_GUARD_HINTS ? GUARD_GROUP.FLOAT : null;
}

/** The literal `name` of the code's literal area: `[rip+name]` (assembler.ts). */
export const lit = (name: string): Operand => ({ kind: 'mem', base: RIP, index: -1, scale: 1, disp: 0, size: 64, label: name });
/** Slot i of the method's literal array, as a literal of its code (Compiler.placeCode resolves the name). */
export const literalSlot = (i: number): Operand => lit(`literal${i}`);

export interface NativeCode {
  /** Made without a frame (framelessLeaf): its code is never a place a debugger stops at. */
  readonly frameless?: boolean;
  /** The instructions before optimization, for listings and tests. */
  readonly raw: readonly Line[];
  /** After the peephole optimizer. */
  readonly lines: readonly Line[];
  readonly fired: Readonly<Record<string, number>>;
  /** The op (index in unit.ops) each line was made for; lines the optimizer made anew have none. */
  readonly marks: ReadonlyMap<Line, number>;
}

/** A primitive's body, decoded, if it can be copied inline. */
interface Fragment {
  readonly instructions: readonly Decoded[];
  /** Offsets that branches inside it reach. */
  readonly targets: ReadonlySet<number>;
  readonly length: number;
}

/** Decode the primitive at `code` and say whether it can be inlined (see the header). */
export function inlinableFragment(k: Kernel, code: number): Fragment | null {
  const bytes = k.machine.codeBytes(code);
  const instructions: Decoded[] = [];
  for (let p = 0; p < bytes.length;) {
    const r = decode(bytes, p, bytes.length, p);
    if (!r.ok) return null;
    instructions.push(r.insn);
    p += r.insn.length;
  }
  const last = instructions[instructions.length - 1];
  if (!last || last.row.control !== 'ret' || last.operands.length !== 0) return null;
  const targets = new Set<number>();
  for (const d of instructions.slice(0, -1)) {
    // From the table's facts: what returns, leaves for the host, jumps through a register or
    // calls a fixed place (itself, or out of itself) cannot be copied; a call through a
    // register or memory can (CPU eq:do: calls its block's code so). Nor what touches the
    // stack, named or implied (push, pop).
    const flow = d.row.control;
    if (flow === 'ret' || flow === 'indirect' || flow === 'barrier') return null;
    if (flow === 'call' && d.operands[0].kind === 'rel') return null;
    // (A call's own push and pop of its return address balance: it touches no stack of ours.)
    const effects = registerEffects(d.row, d.operands);
    if (flow !== 'call' && (effects.reads.includes(RSP) || effects.writes.includes(RSP))) return null;
    if (d.operands.some((o) => (o.kind === 'reg' && o.reg === RSP) || (o.kind === 'mem' && o.base === RSP))) return null;
    if (d.operands.some((o) => o.kind === 'mem' && o.base === RIP)) return null;
    for (const o of d.operands) {
      if (o.kind !== 'rel') continue;
      if (o.target < 0 || o.target > last.address) return null; // leaving itself
      targets.add(o.target);
    }
  }
  return { instructions: instructions.slice(0, -1), targets, length: last.address };
}

/** What a send needs: the literals' address, and where in them each send's site is. */
interface SendContext {
  readonly k: Kernel;
  readonly literals: number;
  readonly siteSlots: ReadonlyMap<Op, number>;
}

interface Context extends SendContext {
  readonly unit: Unit;
  readonly sites: ReadonlyMap<Op, number>;
}

/**
 * Native instructions for `unit` (not yet encoded). A method (`leaf`: not a block, not a DoIt)
 * that only reads or writes its own slots, constants and globals is made without a frame
 * (framelessLeaf).
 */
export function nativeLines(k: Kernel, unit: Unit, literals: number, sites: ReadonlyMap<Op, number>, siteSlots: ReadonlyMap<Op, number> = new Map(), leaf = false,
  leafSends: ReadonlyMap<Op, LeafPlan> = new Map(), optimistic = false): NativeCode {
  const cx: Context = { k, unit, literals, sites, siteSlots };
  if (leaf) {
    const made = framelessLeaf(cx);
    if (made) return made;
  }
  let out: Line[] = [];
  const marks = new Map<Line, number>();
  /** The class facts of the optimistic copy being emitted (class-facts.ts), or null. */
  let facts: ClassFacts | null = null;
  /** The op being translated made a call on the fast path (a real send: facts end there). */
  let called = false;
  /** The op being translated (what its lines are marked with, for the debugger). */
  let current = -1;
  let notBoolean = false;
  /**
   * The methods inlined at sends (ir.ts `guard`) whose bodies are being translated, innermost
   * last: each line of a body says whose it is, `(in Foo>>bar)`, for listings and backtraces.
   */
  const bodies: { readonly name: string; readonly end: number }[] = [];
  const whose = (origin: string): string => (bodies.length > 0 ? `${origin} (in ${bodies[bodies.length - 1].name})` : origin);
  const emit = (mnemonic: string, operands: ItemOperand[], origin: string, hints = {}): void => {
    const line = { mnemonic, operands, hints, origin: whose(origin) };
    if (mnemonic === 'call' || mnemonic === 'syscall') called = true;
    out.push(line);
    if (current >= 0) marks.set(line, current);
  };
  const label = (name: string, origin: string): void => { out.push({ label: name, origin }); };
  // Slow paths (the send an inlined operation falls back to) go after the method's code, out
  // of the way of the fast path, which falls through; each ends with a jump back.
  let cold: Line[] = [];
  const coldEmit = (mnemonic: string, operands: ItemOperand[], origin: string, hints = {}): void => {
    const line = { mnemonic, operands, hints, origin: whose(origin) };
    cold.push(line);
    if (current >= 0) marks.set(line, current);
  };
  const coldLabel = (name: string, origin: string): void => { cold.push({ label: name, origin }); };
  let inlined = 0;
  // SmallInteger arithmetic is inlined once the system has sealed it (kernel/objects/arithmetic.ts).
  const arithmetic = arithmeticSealed(k);
  // So are ==, isNil and notNil, once the system has sealed them.
  const identity = identitySealed(k);
  // And Array at: and at:put:.
  const indexing = indexingSealed(k);
  // And not, for true and false.
  const booleans = booleansSealed(k);
  // And Float arithmetic and comparisons, for two Floats (on the SmallInteger path's way to the send).
  const floatClass = floatClassIndex(k);
  let fast = 0;
  /** Where a block's closure is in its frame: the receiver's place (rax, spilled, when it takes no arguments). */
  const closureIn = (argc: number): Operand => mem(RBP, -1, 1, argc === 0 ? FRAME.SPILLED : frameOffset({ kind: 'argument', index: 0 }, argc, 0), 64);

  // Labels whose first op loads a frame slot into rax (not pushing): a comparison of that slot
  // folded into a branch there jumps past the load (rax still holds the slot), to `L<id>k`.
  // (Labels, and loads that a later load overwrites, may come between: `ifTrue:`'s nil when false.)
  const loadAfter = new Map<number, Source>();
  const kLabels = new Map<number, number[]>();
  unit.ops.forEach((op, i) => {
    if (op.op !== 'label') return;
    let j = i + 1;
    for (;;) {
      const o = unit.ops[j], next = unit.ops[j + 1];
      // (a pop without restore emits nothing: it leaves rax dead, for the load after it)
      if (o?.op === 'label' || (o?.op === 'pop' && !o.restore)
        || (o?.op === 'load' && !o.push && (next?.op === 'label' || (next?.op === 'pop' && !next.restore) || (next?.op === 'load' && !next.push)))) j++;
      else break;
    }
    const last = unit.ops[j];
    if (last?.op !== 'load' || last.push || !isFrameSlot(last.from)) return;
    loadAfter.set(op.id, last.from);
    kLabels.set(j, [...(kLabels.get(j) ?? []), op.id]);
  });

  const translate = (): void => {
  for (let at = 0; at < unit.ops.length; at++) {
    const first = at;
    called = false;
    // (continue below ends this op's do-while: the facts then follow the ops it took)
    do {
    const op = unit.ops[at];
    const origin = describeOp(op);
    current = op.op === 'load' && unit.ops[at + 1]?.op === 'send' ? at + 1 : at;
    // SmallInteger arithmetic inlined (a literal argument and a branch on the result folded in).
    if (arithmetic) {
      const setCurrent = (i: number): void => { current = i; };
      const done = inlineArithmetic(unit.ops, at, { argc: unit.argc, emit, label, coldEmit, coldLabel, setCurrent, k, name: `ar${fast++}`, literals, siteSlots, loadAfter, floatClass });
      if (done === 0) current = at;
      if (done > 0) {
        if (unit.ops.slice(at, at + done).some((o) => o.op === 'jumpIf')) notBoolean = true;
        at += done - 1;
        continue;
      }
    }
    // ==, isNil and notNil inlined (kernel/objects/identity.ts), a branch on the answer folded in.
    if (identity) {
      const done = inlineIdentity(unit.ops, at, { emit, label, coldEmit, coldLabel, k, name: `id${fast++}`, literals, siteSlots });
      if (done > 0) {
        current = at;
        if (unit.ops.slice(at, at + done).some((o) => o.op === 'jumpIf')) notBoolean = true;
        at += done - 1;
        continue;
      }
    }
    // not inlined for true and false (kernel/objects/booleans.ts), a branch on the answer folded in.
    if (booleans && op.op === 'send') {
      const done = inlineNot(unit.ops, at, { emit, label, coldEmit, coldLabel, k, name: `nt${fast++}`, literals, siteSlots });
      if (done > 0) {
        current = at;
        if (done > 1) notBoolean = true;
        at += done - 1;
        continue;
      }
    }
    // A global bound late: its binding's value read here, the send of #value only while undeclared.
    if (op.op === 'load' && unit.ops[at + 1]?.op === 'send') {
      const done = inlineLateGlobal(unit.ops, at, { emit, label, coldEmit, coldLabel, k, name: `lg${fast++}`, literals, siteSlots });
      if (done > 0) {
        current = at;
        at += done - 1;
        continue;
      }
    }
    // Float / for two Floats (no SmallInteger path: SmallInteger / answers a Fraction).
    if (floatClass >= 0 && op.op === 'send' && op.start < 0 && op.argc === 1 && op.name === '/') {
      const name = `fd${fast++}`, whole = `${name}w`, done = `${name}d`;
      emit('pop', [reg(RCX)], origin);
      inlineFloat(emit, label, FLOAT_OPERATIONS['/'], floatClass, whole, done, null, origin);
      label(done, origin);
      coldLabel(whole, origin);
      coldEmit('push', [reg(RCX)], origin);
      emitSend(cx, coldEmit, op, origin);
      coldEmit('jmp', [{ kind: 'label', name: done }], origin);
      continue;
    }
    // Array at: and at:put: inlined (kernel/objects/indexing.ts).
    if (indexing && op.op === 'send') {
      const done = inlineIndexing(op, { emit, label, coldEmit, coldLabel, k, name: `ix${fast++}`, literals, siteSlots });
      if (done) continue;
    }
    switch (op.op) {
      case 'prologue':
        emit('push', [reg(RBP)], origin);
        emit('mov', [reg(RBP), reg(RSP)], origin);
        emit('push', [reg(RAX)], origin);
        if (op.block) {
          // A block's self is its home's: the receiver of the closure.
          emit('mov', [reg(RCX), closureIn(op.argc)], origin);
          emit('push', [mem(RCX, -1, 1, 8 * CLOSURE.RECEIVER, 64)], origin);
        } else {
          emit('push', [op.argc === 0 ? reg(RAX) : mem(RBP, -1, 1, frameOffset({ kind: 'argument', index: 0 }, op.argc, 0), 64)], origin);
        }
        for (let t = 0; t < op.temps; t++) emit('push', [lit('NIL')], origin);
        break;
      case 'environment': {
        const closure = closureIn(unit.argc);
        if (op.vars < 0) {
          emit('mov', [reg(RCX), closure], origin);
          emit('mov', [reg(RCX), mem(RCX, -1, 1, 8 * CLOSURE.OUTER, 64)], origin);
          emit('mov', [ENV, reg(RCX)], origin);
          break;
        }
        allocate(emit, CLASS.Context, CONTEXT.VARS + op.vars + (op.home ? HOME_SAVED.SIZE : 0), origin);
        emit('mov', [ENV, reg(RAX)], origin);
        if (unit.ops[0]?.op === 'prologue' && unit.ops[0].block) {
          emit('mov', [reg(RCX), closure], origin);
          emit('mov', [reg(RCX), mem(RCX, -1, 1, 8 * CLOSURE.OUTER, 64)], origin);
          emit('mov', [mem(RAX, -1, 1, 8 * CONTEXT.PARENT, 64), reg(RCX)], origin);
        }
        if (op.home) {
          // The home of ^ from its blocks: its frame, and first on the chain of active contexts.
          emit('mov', [mem(RAX, -1, 1, 8 * CONTEXT.FRAME, 64), reg(RBP)], origin);
          emit('mov', [mem(RAX, -1, 1, 8 * CONTEXT.KIND, 64), imm(0)], origin);
          // The caller's callee-saved registers, which ^ to this home restores (CONTEXT).
          const saved = CONTEXT.VARS + op.vars;
          emit('mov', [mem(RAX, -1, 1, 8 * (saved + HOME_SAVED.RBX), 64), reg(3)], origin);
          emit('mov', [mem(RAX, -1, 1, 8 * (saved + HOME_SAVED.R12), 64), reg(12)], origin);
          emit('mov', [mem(RAX, -1, 1, 8 * (saved + HOME_SAVED.R13), 64), reg(13)], origin);
          emit('mov', [reg(RDX), lit('ROOTS')], origin);
          emit('mov', [reg(RCX), mem(RDX, -1, 1, 8 * ROOTS.ACTIVE, 64)], origin);
          emit('mov', [mem(RAX, -1, 1, 8 * CONTEXT.NEXT, 64), reg(RCX)], origin);
          emit('mov', [mem(RDX, -1, 1, 8 * ROOTS.ACTIVE, 64), reg(RAX)], origin);
        }
        break;
      }
      case 'closure': {
        if (op.push) emit('push', [reg(RAX)], origin);
        allocate(emit, CLASS.BlockClosure, CLOSURE.SIZE, origin);
        emit('mov', [reg(RCX), literalSlot(op.native)], origin);
        emit('mov', [mem(RAX, -1, 1, 8 * CLOSURE.CODE, 64), reg(RCX)], origin);
        if (op.outer) {
          emit('mov', [reg(RCX), ENV], origin);
          emit('mov', [mem(RAX, -1, 1, 8 * CLOSURE.OUTER, 64), reg(RCX)], origin);
        }
        emit('mov', [reg(RCX), mem(RBP, -1, 1, FRAME.SELF, 64)], origin);
        emit('mov', [mem(RAX, -1, 1, 8 * CLOSURE.RECEIVER, 64), reg(RCX)], origin);
        if (op.home === 'own') {
          emit('mov', [reg(RCX), ENV], origin);
          emit('mov', [mem(RAX, -1, 1, 8 * CLOSURE.HOME, 64), reg(RCX)], origin);
        } else if (op.home === 'closure') {
          emit('mov', [reg(RCX), closureIn(unit.argc)], origin);
          emit('mov', [reg(RCX), mem(RCX, -1, 1, 8 * CLOSURE.HOME, 64)], origin);
          emit('mov', [mem(RAX, -1, 1, 8 * CLOSURE.HOME, 64), reg(RCX)], origin);
        }
        emit('mov', [mem(RAX, -1, 1, 8 * CLOSURE.ARGC, 64), imm(op.argc)], origin);
        break;
      }
      case 'nonLocalReturn':
        emit('mov', [reg(RCX), closureIn(unit.argc)], origin);
        emit('mov', [reg(RCX), mem(RCX, -1, 1, 8 * CLOSURE.HOME, 64)], origin);
        emit('jmp', [rel(slotPointer(k.machine, k.roots, ROOTS.UNWIND))], origin, { disp32: true });
        break;
      case 'load':
        // Right after a method's prologue rax still holds what it spilled: the receiver (no
        // arguments) or the last argument; loading that again is left out.
        {
          const prev = unit.ops[at - 1];
          if (!op.push && prev?.op === 'prologue' && !prev.block
            && ((op.from.kind === 'self' && prev.argc === 0) || (op.from.kind === 'argument' && op.from.index === prev.argc))) break;
        }
        if (op.push) emit('push', [reg(RAX)], origin);
        load(cx, op.from, RAX, emit, origin);
        for (const id of kLabels.get(at) ?? []) label(`L${id}k`, origin);
        break;
      case 'store':
        store(cx, op.to, emit, origin);
        break;
      case 'pop':
        if (op.restore) emit('pop', [reg(RAX)], origin);
        break;
      case 'pushTop':
        emit('push', [reg(RAX)], origin);
        break;
      case 'send': {
        const plan = leafSends.get(op);
        if (plan) {
          // (a receiver of one known class: its leaf's watch alone; of several: no test that it is an object)
          const known = facts?.receiverClass(op.argc);
          const entry = known?.length === 1 ? plan.find((l) => l.classIndex === known[0]) : undefined;
          if (known) facts!.known++;
          inlineLeafSend(cx, op, entry ? [entry] : plan, { emit, label, coldEmit, coldLabel, name: `lf${fast++}`, known: entry !== undefined, object: known !== undefined });
          facts?.passed(op.argc, plan.map((l) => l.classIndex).filter((c) => !known || known.includes(c)));
        } else emitSend(cx, emit, op, origin);
        break;
      }
      case 'primitive': {
        // A register primitive of more arguments than registers is called at its entry, which
        // takes them as a send leaves them (the accumulator in the receiver's place).
        if (op.kind === METHOD_KIND.REGISTERS && op.argc > PARAMETER_REGISTERS.length) {
          emit('call', [rel(op.entry)], `${op.name} (called)`, { disp32: true });
          emit('add', [reg(RSP), imm(8 * op.argc)], `${op.name} (called)`);
          break;
        }
        // Arguments of a register primitive come off the value stack into their registers;
        // a TOS primitive's one argument is already in rax.
        if (op.kind === METHOD_KIND.REGISTERS && op.argc > 0) {
          emit('mov', [reg(PARAMETER_REGISTERS[op.argc - 1]), reg(RAX)], origin);
          for (let a = op.argc - 2; a >= 0; a--) emit('pop', [reg(PARAMETER_REGISTERS[a])], origin);
          emit('pop', [reg(RAX)], origin);
        }
        const fragment = inlinableFragment(k, op.code);
        if (fragment) inlineFragment(fragment, `inl${inlined++}`, op.name, out);
        else emit('call', [rel(op.code)], `${op.name} (called)`, { disp32: true });
        break;
      }
      case 'intLoop': {
        // A counting loop's gate (ir.ts): the slots' tags ORed (ZF: all SmallIntegers), or,
        // with none, ZF set; the jnz is SmallInteger arithmetic's guard.
        if (op.slots.length > 0) {
          const regs = [R8, R9];
          op.slots.forEach((slot, i) => load(cx, slot, regs[i], emit, origin));
          emit('lar', [reg(RDX), reg16(R8)], origin);
          if (op.slots.length > 1) {
            emit('lar', [reg(RCX), reg16(R9)], origin);
            emit('or', [reg(RDX), reg(RCX)], origin);
          } else {
            emit('test', [reg(RDX), reg(RDX)], origin);
          }
        } else {
          emit('xor', [reg(RDX), reg(RDX)], origin);
        }
        emit('jnz', [{ kind: 'label', name: `L${op.target}` }], origin, GUARD_HINTS);
        break;
      }
      case 'guard': {
        // In the optimistic copy a failed guard goes on at the send in the ordinary copy.
        const send = facts ? `b:L${op.target}` : `L${op.target}`;
        // (a receiver of one known class: its watch alone; of several: no test that it is an object)
        const known = facts?.receiverClass(op.argc);
        const i = known?.length === 1 ? op.classes.indexOf(known[0]) : -1;
        if (known) facts!.known++;
        if (known?.length === 1 && i < 0) emit('jmp', [{ kind: 'label', name: send }], origin);
        else if (known?.length === 1) knownGuard(emit, op.watches[i], known[0], send, origin);
        else emitGuard(emit, label, op, send, origin, known !== undefined);
        facts?.passed(op.argc, op.classes.filter((c) => !known || known.includes(c)));
        bodies.push({ name: op.name, end: op.target });
        break;
      }
      case 'label':
        if (bodies.length > 0 && bodies[bodies.length - 1].end === op.id) bodies.pop();
        label(`L${op.id}`, origin);
        break;
      case 'jump':
        emit('jmp', [{ kind: 'label', name: `L${op.target}` }], origin);
        break;
      case 'jumpIf':
        emitJumpIf(emit, op, k, origin);
        notBoolean = true;
        break;
      case 'return':
        if (op.leave) {
          // A home leaves the chain of active contexts, and its blocks can no longer ^ to it.
          emit('mov', [reg(RCX), ENV], origin);
          emit('mov', [reg(RDX), mem(RCX, -1, 1, 8 * CONTEXT.NEXT, 64)], origin);
          emit('mov', [reg(R8), lit('ROOTS')], origin);
          emit('mov', [mem(R8, -1, 1, 8 * ROOTS.ACTIVE, 64), reg(RDX)], origin);
          emit('mov', [reg(RDX), lit('NIL')], origin);
          emit('mov', [mem(RCX, -1, 1, 8 * CONTEXT.FRAME, 64), reg(RDX)], origin);
        }
        emit('mov', [reg(RSP), reg(RBP)], origin);
        emit('pop', [reg(RBP)], origin);
        emit('ret', [], origin);
        break;
    }
    } while (false);
    if (facts) {
      if (called) facts.forgetAll();
      for (let i = first; i <= at; i++) facts.after(unit.ops[i], false);
    }
  }
  };
  if (optimistic && unit.ops.some((o) => o.op === 'guard' || leafSends.has(o)) && !unit.ops.some((o) => o.op === 'primitive')) {
    facts = new ClassFacts(unit.ops);
    translate();
    const known = facts.known;
    facts = null;
    if (known > 0) {
      const a = optimisticCopy(out, cold, marks);
      out = []; cold = []; fast = 0; inlined = 0; bodies.length = 0;
      translate();
      out = [...a.hot, ...out];
      cold = [...a.cold, ...cold];
    } else {
      out = []; cold = []; fast = 0; inlined = 0; bodies.length = 0;
      translate();
    }
  } else translate();
  current = -1;
  // (One at a time: a long DoIt's cold code is more lines than a call may take as arguments.)
  for (const l of cold) out.push(l);
  if (notBoolean) {
    // ifTrue: and the like on something that is neither true nor false: the FAIL service.
    const origin = 'not a Boolean';
    label('notBooleanRcx', origin);
    emit('mov', [reg(RAX), reg(RCX)], origin);
    label('notBoolean', origin);
    emit('mov', [reg(R10), imm(k.symbols.intern('mustBeBoolean'))], origin);
    emit('mov', [reg(R11), imm(SERVICE.FAIL)], origin);
    emit('syscall', [], origin);
  }
  const { lines, fired } = optimize(out);
  return { raw: out, lines, fired, marks };
}

/**
 * The one inliner: a primitive's instructions (inlinableFragment), to be copied in place of a
 * call, its internal branch targets as labels `prefix_offset` (unique per copy), each line of
 * origin `name (inlined)`. Used by the native back end and by machine methods.
 */
export function inlineFragment(f: Fragment, prefix: string, name: string, out: Line[]): void {
  const origin = `${name} (inlined)`;
  const labelFor = (offset: number): string => `${prefix}_${offset}`;
  for (const d of f.instructions) {
    if (f.targets.has(d.address)) out.push({ label: labelFor(d.address), origin });
    const operands = d.operands.map((o): ItemOperand => (o.kind === 'rel' ? { kind: 'label', name: labelFor(o.target) } : o));
    out.push({ mnemonic: d.row.mnemonic, operands, hints: {}, origin });
  }
  if (f.targets.has(f.length)) out.push({ label: labelFor(f.length), origin });
}

type Emit = (mnemonic: string, operands: ItemOperand[], origin: string, hints?: object) => void;

function load(cx: Context, from: Source, into: number, emit: Emit, origin: string): void {
  switch (from.kind) {
    case 'number': emit('mov', [reg(into), imm(from.value)], origin); return;
    case 'instance':
      emit('mov', [reg(RCX), mem(RBP, -1, 1, FRAME.SELF, 64)], origin);
      emit('mov', [reg(into), mem(RCX, -1, 1, 8 * from.index, 64)], origin);
      return;
    case 'literal': emit('mov', [reg(into), literalSlot(from.index)], origin); return;
    case 'global':
      emit('mov', [reg(into), literalSlot(from.index)], origin);
      emit('mov', [reg(into), mem(into, -1, 1, 8 * BINDING.VALUE, 64)], origin);
      return;
    case 'context':
      contextOf(from.hops, emit, origin);
      emit('mov', [reg(into), mem(RCX, -1, 1, 8 * (CONTEXT.VARS + from.index), 64)], origin);
      return;
    case 'field':
      emit('mov', [reg(RCX), mem(RBP, -1, 1, frameOffset({ kind: 'temp', index: from.temp }, cx.unit.argc, 0), 64)], origin);
      emit('mov', [reg(into), mem(RCX, -1, 1, 8 * from.index, 64)], origin);
      return;
    default: emit('mov', [reg(into), mem(RBP, -1, 1, frameOffset(from, cx.unit.argc, 0), 64)], origin); return;
  }
}

/** rcx := the context `hops` links up from the environment (temp 0). */
function contextOf(hops: number, emit: Emit, origin: string): void {
  emit('mov', [reg(RCX), ENV], origin);
  for (let h = 0; h < hops; h++) emit('mov', [reg(RCX), mem(RCX, -1, 1, 8 * CONTEXT.PARENT, 64)], origin);
}

/** rax := a new object of class `cls` with `slots` pointer slots (nil), from the ALLOCATE service. */
function allocate(emit: Emit, cls: number, slots: number, origin: string): void {
  emit('mov', [reg(RCX), imm(cls)], origin);
  emit('mov', [reg(RDX), imm(slots)], origin);
  emit('mov', [reg(8), imm(0)], origin);
  emit('mov', [reg(R11), imm(SERVICE.ALLOCATE)], origin);
  emit('syscall', [], origin);
}

function store(cx: Context, to: Slot, emit: Emit, origin: string): void {
  switch (to.kind) {
    case 'instance':
      emit('mov', [reg(RCX), mem(RBP, -1, 1, FRAME.SELF, 64)], origin);
      emit('mov', [mem(RCX, -1, 1, 8 * to.index, 64), reg(RAX)], origin);
      return;
    case 'global':
      emit('mov', [reg(RCX), literalSlot(to.index)], origin);
      emit('mov', [mem(RCX, -1, 1, 8 * BINDING.VALUE, 64), reg(RAX)], origin);
      return;
    case 'context':
      contextOf(to.hops, emit, origin);
      emit('mov', [mem(RCX, -1, 1, 8 * (CONTEXT.VARS + to.index), 64), reg(RAX)], origin);
      return;
    case 'field':
      emit('mov', [reg(RCX), mem(RBP, -1, 1, frameOffset({ kind: 'temp', index: to.temp }, cx.unit.argc, 0), 64)], origin);
      emit('mov', [mem(RCX, -1, 1, 8 * to.index, 64), reg(RAX)], origin);
      return;
    case 'literal': throw new Error('a literal is not assignable');
    default: emit('mov', [mem(RBP, -1, 1, frameOffset(to, cx.unit.argc, 0), 64), reg(RAX)], origin); return;
  }
}

export function describeOp(op: Op): string {
  switch (op.op) {
    case 'load': return `load ${describeSource(op.from)}`;
    case 'store': return `store ${describeSource(op.to)}`;
    case 'send': return `send #${op.name}`;
    case 'primitive': return op.name;
    case 'jumpIf': return `jump if ${op.when}`;
    case 'guard': return `inlined ${op.name}: its receiver's class?`;
    case 'intLoop': return op.slots.length > 0 ? 'counting loop: SmallInteger bounds?' : 'counting loop: arithmetic not overridden?';
    default: return op.op;
  }
}

function describeSource(s: Source): string {
  switch (s.kind) {
    case 'number': return String(s.value);
    case 'argument': return `argument ${s.index}`;
    case 'temp': return `temp ${s.index}`;
    case 'instance': return `slot ${s.index}`;
    case 'literal': return s.name ?? `literal ${s.index}`;
    case 'global': return s.name;
    case 'context': return `${s.name} (captured)`;
    case 'field': return `slot ${s.index} of temp ${s.temp}`;
    case 'self': return 'self';
  }
}

/** Assembler items for lines sitting at `origin`: absolute branch targets become offsets. */
export function itemsAt(lines: readonly Line[], origin: number): import('../../kernel/machine/x86/assembler.ts').AsmItem[] {
  return lines.map((l) => {
    if (!isInstruction(l)) return { kind: 'label', name: l.label };
    const operands = l.operands.map((o): ItemOperand => (o.kind === 'rel' ? rel(o.target - origin) : o));
    return { kind: 'insn', mnemonic: l.mnemonic, operands, hints: l.hints };
  });
}

export type { Instruction, Operand };

/**
 * A dynamic send: its site and the receiver to Kernel>>send, which runs the method the site
 * caches or asks the host (kernel/objects/send.ts). A super send asks the SUPER service, then
 * calls what it found.
 */
function emitSend(cx: SendContext, emit: Emit, op: Extract<Op, { op: 'send' }>, origin: string): void {
  const slot = cx.siteSlots.get(op);
  if (op.start < 0 && slot !== undefined) {
    emit('mov', [reg(R10), literalSlot(slot)], origin);
    emit('mov', [reg(R11), op.argc === 0 ? reg(RAX) : mem(RSP, -1, 1, 8 * (op.argc - 1), 64)], origin);
    emit('call', [rel(slotPointer(cx.k.machine, cx.k.roots, ROOTS.SEND))], origin, { disp32: true });
  } else {
    emit('mov', [reg(R10), imm(op.selector)], origin);
    if (op.start >= 0) {
      emit('mov', [reg(R9), imm(op.start)], origin);
      emit('mov', [reg(R11), imm(SERVICE.SUPER)], origin);
    } else {
      emit('mov', [reg(R11), imm(SERVICE.SEND)], origin);
    }
    emit('syscall', [], origin);
    emit('call', [reg(R11)], origin);
  }
  if (op.argc > 0) emit('add', [reg(RSP), imm(8 * op.argc)], origin);
}

/**
 * The methods whose bodies a send site copies (leaf-sends.ts): for each, the literal slot of
 * its watch (a SendSite holding the class index the copy is for, while it is right), its name,
 * and its body with its literals made this code's.
 */
export type LeafPlan = readonly { readonly watch: number; readonly classIndex: number; readonly name: string; readonly body: readonly { readonly mnemonic: string; readonly operands: readonly ItemOperand[] }[] }[];

/**
 * A send whose selector tiny leaf methods answer (leaf-sends.ts), their bodies copied in: each
 * runs when the receiver's class index is the one its watch holds (a watch emptied by a change
 * holds none); anything else is the whole send, out of line. For `p x` (the receiver in rax;
 * with arguments, in r11 from the stack, and `add rsp, 8n` after a body):
 *
 *     lar rdx, ax                  ; an object?
 *     cmp rdx, 1
 *     jne send
 *     mov rdx, [rax-8]
 *     shr rdx, CLASS_SHIFT         ; its class index
 *     mov r10, [rip+watch]
 *     cmp rdx, [r10+SITE_KEY]
 *     jne send                     ; (or on to the next class's watch)
 *     mov rax, [rax+8]             ; Point>>x's body
 *   done:
 *   ...
 *   send: mov r10, [rip+site]; mov r11, rax; call Kernel>>send; jmp done
 */
function inlineLeafSend(cx: SendContext, send: Extract<Op, { op: 'send' }>, plan: LeafPlan,
  x: { emit: Emit; label: (name: string, origin: string) => void; coldEmit: Emit; coldLabel: (name: string, origin: string) => void; name: string; known?: boolean; object?: boolean }): void {
  const { emit, label, coldEmit, coldLabel, name } = x;
  const origin = describeOp(send);
  const sendLabel = `${name}s`, done = `${name}d`;
  const to = (l: string): ItemOperand => ({ kind: 'label', name: l });
  const n = send.argc;
  const receiver = n === 0 ? RAX : R11;
  if (n > 0) emit('mov', [reg(R11), mem(RSP, -1, 1, 8 * (n - 1), 64)], origin);
  // (A receiver whose class is known (class-facts.ts): only the one leaf's watch is read.)
  if (x.known) knownGuard(emit, plan[0].watch, plan[0].classIndex, sendLabel, origin);
  else {
    if (!x.object) {
      emit('lar', [reg(RDX), reg16(receiver)], origin);
      emit('cmp', [reg(RDX), imm(1)], origin);
      emit('jne', [to(sendLabel)], origin);
    }
    emit('mov', [reg(RDX), mem(receiver, -1, 1, -8, 64)], origin);
    emit('shr', [reg(RDX), imm(HEADER_CLASS_SHIFT)], origin);
  }
  plan.forEach((leaf, i) => {
    const last = i === plan.length - 1;
    const next = last ? sendLabel : `${name}n${i}`;
    if (!x.known) {
      emit('mov', [reg(R10), literalSlot(leaf.watch)], origin);
      emit('cmp', [reg(RDX), mem(R10, -1, 1, 8 * SEND_SITE.KEY, 64)], origin);
      emit('jne', [to(next)], origin);
    }
    const inlined = `${leaf.name} (inlined)`;
    for (const b of leaf.body) emit(b.mnemonic, [...b.operands], inlined);
    if (n > 0) emit('add', [reg(RSP), imm(8 * n)], inlined);
    if (!last) {
      emit('jmp', [to(done)], inlined);
      label(next, origin);
    }
  });
  label(done, origin);
  coldLabel(sendLabel, origin);
  coldEmit('mov', [reg(R10), literalSlot(cx.siteSlots.get(send)!)], origin);
  if (n === 0) coldEmit('mov', [reg(R11), reg(RAX)], origin);
  coldEmit('call', [rel(slotPointer(cx.k.machine, cx.k.roots, ROOTS.SEND))], origin, { disp32: true });
  if (n > 0) coldEmit('add', [reg(RSP), imm(8 * n)], origin);
  coldEmit('jmp', [to(done)], origin);
}

/**
 * The guard of a method inlined at a send (ir.ts `guard`, inline-sends.ts): on to its body when
 * the receiver is an object whose class index one of the watches holds, else to the send. For
 * `p area` inlined for two classes:
 *
 *     lar rdx, ax                  ; (the receiver: rax, or r11 from under the arguments)
 *     cmp rdx, 1
 *     jne send
 *     mov rdx, [rax-8]
 *     shr rdx, CLASS_SHIFT
 *     mov r10, [rip+watch1]
 *     cmp rdx, [r10+SITE_KEY]
 *     je body
 *     mov r10, [rip+watch2]
 *     cmp rdx, [r10+SITE_KEY]
 *     jne send
 *   body:
 */
function emitGuard(emit: Emit, label: (name: string, origin: string) => void, op: Extract<Op, { op: 'guard' }>, send: string, origin: string, object = false): void {
  const to = (l: string): ItemOperand => ({ kind: 'label', name: l });
  const body = `L${op.target}g`;
  const receiver = op.argc === 0 ? RAX : R11;
  if (op.argc > 0) emit('mov', [reg(R11), mem(RSP, -1, 1, 8 * (op.argc - 1), 64)], origin);
  // (`object`: the receiver is known to be an object, class-facts.ts)
  if (!object) {
    emit('lar', [reg(RDX), reg16(receiver)], origin);
    emit('cmp', [reg(RDX), imm(1)], origin);
    emit('jne', [to(send)], origin);
  }
  emit('mov', [reg(RDX), mem(receiver, -1, 1, -8, 64)], origin);
  emit('shr', [reg(RDX), imm(HEADER_CLASS_SHIFT)], origin);
  op.watches.forEach((w, i) => {
    const last = i === op.watches.length - 1;
    emit('mov', [reg(R10), literalSlot(w)], origin);
    emit('cmp', [reg(RDX), mem(R10, -1, 1, 8 * SEND_SITE.KEY, 64)], origin);
    emit(last ? 'jne' : 'je', [to(last ? send : body)], origin);
  });
  if (op.watches.length > 1) label(body, origin);
}

/**
 * The guard of a receiver whose class index is known to be `cls` (class-facts.ts): only its
 * watch, still holding that class (the copy is still the method the class finds)?
 *
 *     mov r10, [rip+watch]
 *     cmp qword [r10+SITE_KEY], cls
 *     jne send
 */
function knownGuard(emit: Emit, watch: number, cls: number, send: string, origin: string): void {
  emit('mov', [reg(R10), literalSlot(watch)], origin);
  emit('cmp', [mem(R10, -1, 1, 8 * SEND_SITE.KEY, 64), imm(cls)], origin);
  emit('jne', [{ kind: 'label', name: send }], origin);
}

/**
 * The optimistic copy's lines (class-facts.ts), to go before the ordinary copy's: its labels
 * made its own (`a.` in front), except where its slow paths go on. A jump of its cold lines to a
 * label of its fast path, and one named `b:L`, go to the ordinary copy's label of that name
 * (the same ops made the same names), so that nothing but its fast path runs in it.
 */
function optimisticCopy(hot: readonly Line[], cold: readonly Line[], marks: Map<Line, number>): { hot: Line[]; cold: Line[] } {
  const defined = (lines: readonly Line[]): Set<string> => new Set(lines.flatMap((l) => (isInstruction(l) ? [] : [l.label])));
  const hotLabels = defined(hot), coldLabels = defined(cold);
  const rename = (lines: readonly Line[], inCold: boolean): Line[] => lines.map((l) => {
    if (!isInstruction(l)) return { label: `a.${l.label}`, origin: l.origin };
    if (!l.operands.some((o) => o.kind === 'label')) return l;
    const operands = l.operands.map((o): ItemOperand => {
      if (o.kind !== 'label') return o;
      if (o.name.startsWith('b:')) return { kind: 'label', name: o.name.slice(2) };
      return coldLabels.has(o.name) || (!inCold && hotLabels.has(o.name)) ? { kind: 'label', name: `a.${o.name}` } : o;
    });
    const copy: Line = { ...l, operands };
    const m = marks.get(l);
    if (m !== undefined) marks.set(copy, m);
    return copy;
  });
  return { hot: rename(hot, false), cold: rename(cold, true) };
}

/** Test the top for true or false (anything else fails: notBoolean), jump if it is `when`. */
function emitJumpIf(emit: Emit, op: Extract<Op, { op: 'jumpIf' }>, k: Kernel, origin: string): void {
  const value = op.restore ? RCX : RAX;
  if (op.restore) {
    emit('mov', [reg(RCX), reg(RAX)], origin);
    emit('pop', [reg(RAX)], origin);
  }
  const [taken, other] = op.when ? [k.true, k.false] : [k.false, k.true];
  // Only an object is true or false: a number whose 64 bits are true's address is not (its
  // tag, which lar reads, is 0; an object's is 1).
  const scratch = op.restore ? RDX : RCX;
  emit('lar', [reg(scratch), reg16(value)], origin);
  emit('dec', [reg(scratch)], origin);
  emit('jnz', [{ kind: 'label', name: op.restore ? 'notBooleanRcx' : 'notBoolean' }], origin);
  emit('cmp', [reg(value), imm(taken)], origin);
  emit('je', [{ kind: 'label', name: `L${op.target}` }], origin);
  emit('cmp', [reg(value), imm(other)], origin);
  emit('jne', [{ kind: 'label', name: op.restore ? 'notBooleanRcx' : 'notBoolean' }], origin);
}

const NEGATED: Readonly<Record<string, string>> = Object.freeze({ l: 'ge', ge: 'l', g: 'le', le: 'g', e: 'ne', ne: 'e' });

/**
 * SmallInteger arithmetic inlined at ops[at], when it is an ordinary binary send of a special
 * selector (kernel/objects/arithmetic.ts), or a literal number loaded as its argument followed
 * by one; a comparison followed by a conditional jump is folded into the jump. Returns how many
 * ops it took (0: none, nothing emitted).
 *
 * Both operands must be numbers (lar gives 0); then the instruction, overflow going to the
 * send; anything else is the send itself, with the stack as it expects it. The guard's `jnz`
 * is where an override is obeyed: while one of the special selectors is overridden for
 * SmallInteger it is `nop; jmp send` instead, switched in place (kernel/objects/guards.ts), so
 * the fast path costs no test of the override. The fast path falls through; the send is out
 * of line, after the method's code (`cold`), and jumps back. For `n - 1`:
 *
 *     lar rdx, rax                 ; the receiver's tag (a literal argument needs no test)
 *     test rdx, rdx
 *     jnz send                     ; rel32; `nop; jmp send` while - (or another) is overridden
 *     sub rax, 1
 *     jo undo
 *   done:
 *     ...
 *   undo: add rax, 1               ; (out of line) an overflowed add or sub is undone exactly
 *   send: push rax; mov rax, 1; (the send); jmp done
 *
 * with a variable argument the receiver is popped into rcx and the two tags are ORed (which sets ZF);
 * a comparison answers [true] or [false], or, before `jumpIf`, jumps straight to its target.
 */
function inlineArithmetic(ops: readonly Op[], at: number, cx: SendContext & { argc: number; emit: Emit; label: (name: string, origin: string) => void; coldEmit: Emit; coldLabel: (name: string, origin: string) => void; setCurrent: (op: number) => void; name: string; loadAfter: ReadonlyMap<number, Source>; floatClass: number }): number {
  const { emit, label, coldEmit, coldLabel, k, name } = cx;
  let literal: bigint | undefined;
  let sendAt = at;
  const first = ops[at];
  if (first.op === 'load' && first.push && first.from.kind === 'number') {
    literal = first.from.value;
    sendAt = at + 1;
  }
  const send = ops[sendAt];
  if (!send || send.op !== 'send' || send.start >= 0 || send.argc !== 1 || !isArithmeticSelector(send.name)) return 0;
  const how = ARITHMETIC[send.name];
  // A literal fits an instruction's sign-extended 32-bit immediate, or it is loaded into rcx.
  if (literal !== undefined && (literal < -(2n ** 31n) || literal >= 2n ** 31n)) return 0;
  const next = ops[sendAt + 1];
  const branch = how.kind === 'compare' && next?.op === 'jumpIf' && !next.restore ? next : undefined;
  const origin = describeOp(send);
  const sendLabel = `${name}s`, done = `${name}d`, undoLabel = `${name}u`;
  const to = (l: string): ItemOperand => ({ kind: 'label', name: l });
  // Receiver and argument: (rax, literal) or (rcx, rax).
  const receiver = literal === undefined ? RCX : RAX;
  const argument: ItemOperand = literal === undefined ? reg(RAX) : imm(literal);
  if (literal === undefined) emit('pop', [reg(RCX)], origin);
  // In a counting loop's unchecked copy the operands are SmallIntegers, and the loop's gates
  // are the guard (ir.ts `counted`, codegen.ts countingLoop).
  if (!send.counted) {
    if (literal === undefined) {
      emit('lar', [reg(RDX), reg16(RCX)], origin);
      emit('lar', [reg(R8), reg16(RAX)], origin);
      emit('or', [reg(RDX), reg(R8)], origin);
    } else {
      emit('lar', [reg(RDX), reg16(RAX)], origin);
      emit('test', [reg(RDX), reg(RDX)], origin);
    }
    // The guard's branch, always rel32: while a special selector is overridden it is switched
    // to `nop; jmp` where it stands (kernel/objects/guards.ts), which finds it by this hint.
    emit('jnz', [to(sendLabel)], origin, GUARD_HINTS);
  }
  /** The instruction that undoes an overflowed one on the way to the send, if any. */
  let undo: [string, ItemOperand[]] | undefined;
  switch (how.kind) {
    case 'arith':
      if (how.op === 'imul') {
        // imul's overflowed result says nothing of its operands: it goes to rdx.
        if (literal !== undefined) {
          emit('imul', [reg(RDX), reg(RAX), argument], origin);
        } else {
          emit('mov', [reg(RDX), reg(RCX)], origin);
          emit('imul', [reg(RDX), reg(RAX)], origin);
        }
        emit('jo', [to(sendLabel)], origin);
        emit('mov', [reg(RAX), reg(RDX)], origin);
      } else if (how.op === 'add' && literal === undefined) {
        // rcx + rax in rax (it commutes); overflowed, rax - rcx gives rax back.
        emit('add', [reg(RAX), reg(RCX)], origin);
        emit('jo', [to(undoLabel)], origin);
        undo = ['sub', [reg(RAX), reg(RCX)]];
      } else if (literal === undefined) {
        // rcx - rax: computed in rcx; overflowed, rcx + rax gives rcx back.
        emit('sub', [reg(RCX), reg(RAX)], origin);
        emit('jo', [to(undoLabel)], origin);
        emit('mov', [reg(RAX), reg(RCX)], origin);
        undo = ['add', [reg(RCX), reg(RAX)]];
      } else if (send.overflow !== undefined) {
        // A counting loop's step (ir.ts `overflow`): overflowed, it goes on in the testing copy,
        // which loads the counter again.
        emit(how.op, [reg(RAX), argument], origin);
        emit('jo', [to(`L${send.overflow}`)], origin);
      } else {
        // rax +/- the literal, undone by the other one.
        emit(how.op, [reg(RAX), argument], origin);
        emit('jo', [to(undoLabel)], origin);
        undo = [how.op === 'add' ? 'sub' : 'add', [reg(RAX), argument]];
      }
      break;
    case 'logic':
      if (literal === undefined) emit(how.op, [reg(RAX), reg(RCX)], origin);
      else emit(how.op, [reg(RAX), argument], origin);
      break;
    case 'compare':
      emit('cmp', [reg(receiver), argument], origin);
      if (branch) {
        // jump to the target when the comparison's answer is the branch's `when`; past the
        // target's load of the slot just compared, which rax still holds
        const before = ops[at - 1], there = cx.loadAfter.get(branch.target);
        const loaded = literal !== undefined && before?.op === 'load' && there !== undefined && sameFrameSlot(before.from, there);
        emit(`j${branch.when ? how.cc : NEGATED[how.cc]}`, [to(`L${branch.target}${loaded ? 'k' : ''}`)], origin);
      } else {
        const yes = `${name}t`;
        emit(`j${how.cc}`, [to(yes)], origin);
        emit('mov', [reg(RAX), lit('FALSE')], origin);
        emit('jmp', [to(done)], origin);
        label(yes, origin);
        emit('mov', [reg(RAX), lit('TRUE')], origin);
      }
      break;
  }
  // A unary send of the answer right after: on the fast path the receiver is a SmallInteger,
  // so its site is tested inline (sendToNumber); the slow path goes on to the whole send.
  // A folded comparison of a frame slot just loaded, whose fall-through loads that slot again:
  // on the fast path rax still holds it, so only the slow path (rax a Boolean) loads it.
  const before = ops[at - 1], reload = ops[sendAt + 2];
  const sameSlot = branch !== undefined && literal !== undefined && before?.op === 'load' && reload?.op === 'load' && !reload.push
    && sameFrameSlot(before.from, reload.from);
  const following = ops[sendAt + 1];
  const slot = following?.op === 'send' && following.start < 0 && following.argc === 0 && how.kind !== 'compare' ? cx.siteSlots.get(following) : undefined;
  let after: string | undefined;
  if (slot !== undefined && following.op === 'send') {
    cx.setCurrent(sendAt + 1);
    after = `${name}a`;
    sendToNumber(emit, slot, `${name}g`, describeOp(following));
    label(after, describeOp(following));
    cx.setCurrent(sendAt);
  } else {
    label(done, origin);
  }
  // The send, out of line, for everything else, with the stack as it expects it.
  if (undo) {
    coldLabel(undoLabel, origin);
    coldEmit(undo[0], undo[1], origin);
  }
  coldLabel(sendLabel, origin);
  // Two Floats: made or compared here (the receiver in rcx, the argument in rax).
  if (literal === undefined && after === undefined && cx.floatClass >= 0 && isFloatSelector(send.name)) {
    const whole = `${name}w`;
    inlineFloat(coldEmit, coldLabel, FLOAT_OPERATIONS[send.name], cx.floatClass, whole, done, branch ? { when: branch.when, target: `L${branch.target}` } : null, origin);
    coldLabel(whole, origin);
  }
  if (literal === undefined) {
    coldEmit('push', [reg(RCX)], origin);
  } else {
    coldEmit('push', [reg(RAX)], origin);
    coldEmit('mov', [reg(RAX), imm(literal)], origin);
  }
  emitSend(cx, coldEmit, send, origin);
  if (branch) emitJumpIf(coldEmit, branch, k, describeOp(branch));
  if (sameSlot && reload.op === 'load') {
    cx.setCurrent(sendAt + 2);
    coldEmit('mov', [reg(RAX), mem(RBP, -1, 1, frameOffset(reload.from as Slot, cx.argc, 0), 64)], describeOp(reload));
    coldEmit('jmp', [to(done)], describeOp(reload));
    return sendAt - at + 3;
  }
  if (after !== undefined && following.op === 'send') {
    // The unary send that follows, whole: what the fast path's test of its site jumps to.
    const sendOrigin = describeOp(following);
    cx.setCurrent(sendAt + 1);
    coldEmit('mov', [reg(R10), literalSlot(slot!)], sendOrigin);
    coldLabel(`${name}g`, sendOrigin);
    coldEmit('mov', [reg(R11), reg(RAX)], sendOrigin);
    coldEmit('call', [rel(slotPointer(k.machine, k.roots, ROOTS.SEND))], sendOrigin, { disp32: true });
    coldEmit('jmp', [to(after)], sendOrigin);
    return sendAt - at + 2;
  }
  coldEmit('jmp', [to(done)], origin);
  return sendAt - at + 1 + (branch ? 1 : 0);
}

/**
 * Two Floats' arithmetic or comparison, on the way from the SmallInteger fast path to the send
 * (the receiver in rcx, the argument in rax): both must be objects of Float's class; the
 * receiver's class test ends in the guard (GUARD_GROUP.FLOAT, switched to the send while a
 * definition changes what Float's lookup finds, kernel/objects/float-arithmetic.ts). Then a new
 * Float from ALLOCATE and the SSE2 instruction Float's own primitive runs, or a comparison
 * answering true or false (or, before `jumpIf`, jumping). Anything else goes on to `whole`.
 *
 *     lar rdx, cx / cmp rdx, 1 / jne whole         lar rdx, ax / cmp rdx, 1 / jne whole
 *     mov rdx, [rcx-8] / shr rdx, CLASS_SHIFT / cmp rdx, Float / jnz whole      (the guard)
 *     mov rdx, [rax-8] / shr rdx, CLASS_SHIFT / cmp rdx, Float / jne whole
 *   a + b:
 *     mov r9, rcx / mov rsi, rax / ALLOCATE a Float (1 word) / movsd xmm0, [r9]
 *     addsd xmm0, [rsi] / movsd [rax], xmm0 / jmp done
 *   a < b:
 *     movsd xmm0, [rax] / ucomisd xmm0, [rcx] / ja yes (false for a NaN) / mov rax, false ...
 */
function inlineFloat(emit: Emit, label: (name: string, origin: string) => void, how: (typeof FLOAT_OPERATIONS)[FloatSelector], floatClass: number, whole: string, done: string,
  branch: { when: boolean; target: string } | null, origin: string): void {
  const to = (l: string): ItemOperand => ({ kind: 'label', name: l });
  for (const r of [RCX, RAX]) {
    emit('lar', [reg(RDX), reg16(r)], origin);
    emit('cmp', [reg(RDX), imm(1)], origin);
    emit('jne', [to(whole)], origin);
  }
  for (const r of [RCX, RAX]) {
    emit('mov', [reg(RDX), mem(r, -1, 1, -8, 64)], origin);
    emit('shr', [reg(RDX), imm(HEADER_CLASS_SHIFT)], origin);
    emit('cmp', [reg(RDX), imm(floatClass)], origin);
    if (r === RCX) emit('jnz', [to(whole)], origin, FLOAT_GUARD_HINTS);
    else emit('jne', [to(whole)], origin);
  }
  const XMM0 = xmm(0);
  if (how.kind === 'arith' && how.op === 'divsd') {
    // a divisor of ±0.0 (its bits shifted left by one are 0) is the send's: a ZeroDivide
    emit('mov', [reg(RDX), mem(RAX, -1, 1, 0, 64)], origin);
    emit('add', [reg(RDX), reg(RDX)], origin);
    emit('jz', [to(whole)], origin);
  }
  if (how.kind === 'arith') {
    emit('mov', [reg(R9), reg(RCX)], origin);
    emit('mov', [reg(RSI), reg(RAX)], origin);
    emit('mov', [reg(RCX), imm(floatClass)], origin);
    emit('mov', [reg(RDX), imm(1)], origin);
    emit('mov', [reg(R8), imm(1)], origin);
    emit('mov', [reg(R11), imm(SERVICE.ALLOCATE)], origin);
    emit('syscall', [], origin);
    emit('movsd', [XMM0, mem(R9, -1, 1, 0, 64)], origin);
    emit(how.op, [XMM0, mem(RSI, -1, 1, 0, 64)], origin);
    emit('movsd', [mem(RAX, -1, 1, 0, 64), XMM0], origin);
    emit('jmp', [to(done)], origin);
    return;
  }
  const [first, second] = how.swap ? [RAX, RCX] : [RCX, RAX];
  emit('movsd', [XMM0, mem(first, -1, 1, 0, 64)], origin);
  emit('ucomisd', [XMM0, mem(second, -1, 1, 0, 64)], origin);
  if (how.cc === 'e') {
    // equal: ZF without PF (unordered, a NaN, sets both)
    const no = `${whole}f`;
    if (branch && branch.when) {
      emit('jp', [to(no)], origin);
      emit('je', [to(branch.target)], origin);
      label(no, origin);
      emit('jmp', [to(done)], origin);
      return;
    }
    if (branch) {
      emit('jp', [to(branch.target)], origin);
      emit('jne', [to(branch.target)], origin);
      emit('jmp', [to(done)], origin);
      return;
    }
    const yes = `${whole}t`;
    emit('jp', [to(no)], origin);
    emit('je', [to(yes)], origin);
    label(no, origin);
    emit('mov', [reg(RAX), lit('FALSE')], origin);
    emit('jmp', [to(done)], origin);
    label(yes, origin);
    emit('mov', [reg(RAX), lit('TRUE')], origin);
    emit('jmp', [to(done)], origin);
    return;
  }
  if (branch) {
    // jump when the answer is the branch's `when`; not above (or equal) is taken for a NaN too
    const cc = branch.when ? how.cc : how.cc === 'a' ? 'be' : 'b';
    emit(`j${cc}`, [to(branch.target)], origin);
    emit('jmp', [to(done)], origin);
    return;
  }
  const yes = `${whole}t`;
  emit(`j${how.cc}`, [to(yes)], origin);
  emit('mov', [reg(RAX), lit('FALSE')], origin);
  emit('jmp', [to(done)], origin);
  label(yes, origin);
  emit('mov', [reg(RAX), lit('TRUE')], origin);
  emit('jmp', [to(done)], origin);
}

/**
 * A method whose body, up to its first `^`, only loads self, an argument, one of its own
 * slots, a literal, a number or a global, and stores into its own slots (a getter, a setter,
 * a constant: `^x`, `x := v`, `^nil`), made without a frame: nothing in it sends, loops or
 * checks for an interrupt, so no frame is read while it runs, and its caller's frame stays the
 * innermost one a debugger or a backtrace shows. The receiver is rax (no arguments) or
 * `[rsp+8n]`, argument j `[rsp+8(n-j)]`, the last argument rax (kernel/ABI.md):
 *
 *     x     mov rax, [rax+8i]; ret                         (no arguments)
 *     x: v  mov rcx, [rsp+8]; mov [rcx+8i], rax; mov rax, rcx; ret
 *
 * Returns null for anything else (the ordinary translation with a frame).
 */
function framelessLeaf(cx: Context): NativeCode | null {
  const { unit } = cx;
  const ops = unit.ops;
  const first = ops[0];
  if (first?.op !== 'prologue' || first.block || first.temps !== 0) return null;
  const n = unit.argc;
  const end = ops.findIndex((o) => o.op === 'return');
  if (end < 0 || end > 8) return null;
  const body = ops.slice(1, end);
  if ((ops[end] as Extract<Op, { op: 'return' }>).leave) return null;
  const simple = (s: Source): boolean => s.kind === 'self' || s.kind === 'instance' || s.kind === 'literal' || s.kind === 'number' || s.kind === 'global' || s.kind === 'argument';
  if (!body.every((o) => (o.op === 'load' && !o.push && simple(o.from)) || (o.op === 'store' && o.to.kind === 'instance') || (o.op === 'pop' && !o.restore))) return null;
  const out: Line[] = [];
  const marks = new Map<Line, number>();
  let current = 0;
  const emit = (mnemonic: string, operands: ItemOperand[], origin: string): void => {
    const line = { mnemonic, operands, hints: {}, origin };
    out.push(line);
    marks.set(line, current);
  };
  const receiverInStack = mem(RSP, -1, 1, 8 * n, 64);
  /** Where self is: rax (no arguments, until rax is written), rdx (saved there), or the stack. */
  let self: number | 'stack' = n === 0 ? RAX : 'stack';
  /** Does rax still hold what the caller left in it (the receiver, or the last argument)? */
  let entryInRax = true;
  const needsSelf = (from: number): boolean => ops.slice(from, end).some((o) =>
    (o.op === 'load' && (o.from.kind === 'self' || o.from.kind === 'instance')) || o.op === 'store');
  /** Before rax is written: keep self in rdx when it is in rax and still needed. */
  const writingRax = (at: number, origin: string): void => {
    if (self === RAX && needsSelf(at + 1)) { emit('mov', [reg(RDX), reg(RAX)], origin); self = RDX; }
    else if (self === RAX) self = -1;
    entryInRax = false;
  };
  /** self in a register (rcx from the stack). */
  const selfRegister = (origin: string): number => {
    if (self === 'stack') { emit('mov', [reg(RCX), receiverInStack], origin); return RCX; }
    if (self < 0) throw new Error('self is gone');
    return self;
  };
  for (let at = 1; at < end; at++) {
    const op = ops[at];
    current = at;
    const origin = describeOp(op);
    if (op.op === 'pop') continue;
    if (op.op === 'store') {
      const r = selfRegister(origin);
      emit('mov', [mem(r, -1, 1, 8 * (op.to as { index: number }).index, 64), reg(RAX)], origin);
      continue;
    }
    if (op.op !== 'load') return null;
    const from = op.from;
    switch (from.kind) {
      case 'self':
        if (self === RAX) break;
        if (self === 'stack') { writingRax(at, origin); emit('mov', [reg(RAX), receiverInStack], origin); break; }
        if (self < 0) return null;
        emit('mov', [reg(RAX), reg(self)], origin);
        entryInRax = false;
        break;
      case 'argument':
        if (from.index === n && entryInRax) break;
        if (from.index === n) return null;
        writingRax(at, origin);
        emit('mov', [reg(RAX), mem(RSP, -1, 1, 8 * (n - from.index), 64)], origin);
        break;
      case 'instance': {
        if (self !== 'stack' && self < 0) return null;
        const r = self === 'stack' ? RCX : self;
        if (self === 'stack') emit('mov', [reg(RCX), receiverInStack], origin);
        writingRax(at, origin);
        emit('mov', [reg(RAX), mem(r, -1, 1, 8 * from.index, 64)], origin);
        break;
      }
      case 'literal': writingRax(at, origin); emit('mov', [reg(RAX), literalSlot(from.index)], origin); break;
      case 'number': writingRax(at, origin); emit('mov', [reg(RAX), imm(from.value)], origin); break;
      case 'global':
        writingRax(at, origin);
        emit('mov', [reg(RAX), literalSlot(from.index)], origin);
        emit('mov', [reg(RAX), mem(RAX, -1, 1, 8 * BINDING.VALUE, 64)], origin);
        break;
      default: return null;
    }
  }
  current = end;
  emit('ret', [], 'return (no frame)');
  return { raw: out, lines: out, fired: {}, marks, frameless: true };
}

/**
 * Array at: and at:put: inlined for `send` (kernel/objects/indexing.ts): when the receiver is
 * an Array (its class index, read from its header, is Array's) and the index a SmallInteger
 * within its size, the slot is read or written here; anything else is the send, out of line,
 * with the stack as it was. The class comparison's `jne` is the guard: switched to `nop; jmp`
 * while a definition changes what Array's lookup finds for them. Returns whether it did. For
 * at: (the index in rax, the receiver at [rsp]):
 *
 *     mov rcx, [rsp]               ; the receiver
 *     lar rdx, cx                  ; its tag, 1 for an object
 *     lar r8, ax                   ; the index's, 0 for a number
 *     sub rdx, 1
 *     or rdx, r8
 *     jnz send
 *     mov rdx, [rcx-8]             ; its header: class index and size
 *     mov r8, rdx
 *     shr r8, CLASS_SHIFT
 *     cmp r8, <Array>
 *     jne send                     ; the guard (rel32)
 *     shl rdx, 32
 *     shr rdx, 32                  ; its size
 *     lea r8, [rax-1]
 *     cmp r8, rdx
 *     jae send                     ; (unsigned: below 1 too)
 *     mov rax, [rcx+rax*8-8]
 *     add rsp, 8
 */
function inlineIndexing(send: Extract<Op, { op: 'send' }>, cx: SendContext & { emit: Emit; label: (name: string, origin: string) => void; coldEmit: Emit; coldLabel: (name: string, origin: string) => void; name: string }): boolean {
  if (send.start >= 0 || !((send.name === 'at:' && send.argc === 1) || (send.name === 'at:put:' && send.argc === 2))) return false;
  const { emit, label, coldEmit, coldLabel, name } = cx;
  const origin = describeOp(send);
  const sendLabel = `${name}s`, done = `${name}d`;
  const to = (l: string): ItemOperand => ({ kind: 'label', name: l });
  const put = send.argc === 2;
  // receiver rcx, index (rax for at:, rdx for at:put:), scratch t1 t2
  const index = put ? RDX : RAX;
  const [t1, t2] = put ? [R8, R9] : [RDX, R8];
  emit('mov', [reg(RCX), mem(RSP, -1, 1, put ? 8 : 0, 64)], origin);
  if (put) emit('mov', [reg(RDX), mem(RSP, -1, 1, 0, 64)], origin);
  emit('lar', [reg(t1), reg16(RCX)], origin);
  emit('lar', [reg(t2), reg16(index)], origin);
  emit('sub', [reg(t1), imm(1)], origin);
  emit('or', [reg(t1), reg(t2)], origin);
  emit('jnz', [to(sendLabel)], origin);
  emit('mov', [reg(t1), mem(RCX, -1, 1, -8, 64)], origin);
  emit('mov', [reg(t2), reg(t1)], origin);
  emit('shr', [reg(t2), imm(HEADER_CLASS_SHIFT)], origin);
  emit('cmp', [reg(t2), imm(CLASS.Array)], origin);
  emit('jne', [to(sendLabel)], origin, INDEXING_GUARD_HINTS);
  emit('shl', [reg(t1), imm(32)], origin);
  emit('shr', [reg(t1), imm(32)], origin);
  emit('lea', [reg(t2), mem(index, -1, 1, -1, 64)], origin);
  emit('cmp', [reg(t2), reg(t1)], origin);
  emit('jae', [to(sendLabel)], origin);
  if (put) emit('mov', [mem(RCX, index, 8, -8, 64), reg(RAX)], origin);
  else emit('mov', [reg(RAX), mem(RCX, index, 8, -8, 64)], origin);
  emit('add', [reg(RSP), imm(8 * send.argc)], origin);
  label(done, origin);
  coldLabel(sendLabel, origin);
  emitSend(cx, coldEmit, send, origin);
  coldEmit('jmp', [to(done)], origin);
  return true;
}

/**
 * A global the code names before it exists is read through its undeclared binding, a literal
 * sent #value when the code runs (codegen.ts, kernel/objects/globals.ts; Binding>>value). Once
 * the global is defined the binding holds its value, so it is read here; only while the
 * binding is still undeclared (its value is itself) is #value sent, which signals
 * UndeclaredVariableRead or finds a binding defined since. The send is the compiler's own way
 * of reading such a name (no user wrote it), so Binding>>value is machinery, not a method a
 * definition overrides for this read. For `load literal (a Binding); send #value`:
 *
 *     (push rax)                   ; when the load pushes
 *     mov rax, [rip+literalN]      ; the binding
 *     mov rcx, [rax+BINDING_VALUE]
 *     cmp rcx, rax
 *     je send                      ; undeclared (or a number of the same bits: the send decides)
 *     mov rax, rcx
 *   done:
 */
function inlineLateGlobal(ops: readonly Op[], at: number, cx: SendContext & { emit: Emit; label: (name: string, origin: string) => void; coldEmit: Emit; coldLabel: (name: string, origin: string) => void; name: string }): number {
  const { emit, label, coldEmit, coldLabel, k, name } = cx;
  const load = ops[at], send = ops[at + 1];
  if (load.op !== 'load' || load.from.kind !== 'literal' || load.from.index < 0 || cx.literals < 0) return 0;
  if (send?.op !== 'send' || send.start >= 0 || send.name !== 'value' || send.argc !== 0) return 0;
  const binding = slotPointer(k.machine, cx.literals, load.from.index);
  if (binding <= 0 || binding === k.nil || classIndexOf(k.machine, binding) !== CLASS.Binding) return 0;
  const origin = describeOp(send);
  const sendLabel = `${name}s`, done = `${name}d`;
  const to = (l: string): ItemOperand => ({ kind: 'label', name: l });
  if (load.push) emit('push', [reg(RAX)], describeOp(load));
  emit('mov', [reg(RAX), literalSlot(load.from.index)], describeOp(load));
  emit('mov', [reg(RCX), mem(RAX, -1, 1, 8 * BINDING.VALUE, 64)], origin);
  emit('cmp', [reg(RCX), reg(RAX)], origin);
  emit('je', [to(sendLabel)], origin);
  emit('mov', [reg(RAX), reg(RCX)], origin);
  label(done, origin);
  coldLabel(sendLabel, origin);
  emitSend(cx, coldEmit, send, origin);
  coldEmit('jmp', [to(done)], origin);
  return 2;
}

/**
 * ==, isNil and notNil inlined at ops[at] (kernel/objects/identity.ts): an ordinary send of
 * #== (its argument a literal pushed just before it, or any value), of #isNil or #notNil, or
 * the `pushTop; send #isNil; jumpIf` that ifNil: and its siblings compile to; a `jumpIf` right
 * after (not restoring a value under the top) is folded in. Returns how many ops it took (0:
 * none, nothing emitted).
 *
 * Identity is of the 64-bit value and the tag (as VM>>== compares them). The guard is a `jnz`
 * right after a `lar`, which always sets ZF, so it is never taken while it tests; a definition
 * of one of the selectors anywhere switches it to `nop; jmp` to the send, out of line. For
 * `a == b` and for `x isNil ifTrue: [...]`:
 *
 *     pop rcx                      ; a (b is in rax)
 *     lar rdx, cx                  ; a's tag; ZF := 1
 *     jnz send                     ; the guard
 *     cmp rcx, rax
 *     jne no
 *     lar r8, ax
 *     cmp rdx, r8
 *     jne no
 *     (true)
 *
 *     lar rdx, ax                  ; x's tag; ZF := 1
 *     jnz send                     ; the guard
 *     cmp rax, <nil>               ; nil never moves (fixed space): its address is an immediate
 *     jne else
 *     cmp rdx, 1                   ; and a pointer
 *     jne else
 */
function inlineIdentity(ops: readonly Op[], at: number, cx: SendContext & { emit: Emit; label: (name: string, origin: string) => void; coldEmit: Emit; coldLabel: (name: string, origin: string) => void; name: string }): number {
  const { emit, label, coldEmit, coldLabel, k, name } = cx;
  const first = ops[at];
  let sendAt = at;
  /** A constant argument (value and tag), compared as an immediate; its load, for the send. */
  let constant: { value: number; tag: number; from: Source } | undefined;
  /** ifNil: and its siblings: the receiver pushed again for isNil, and the jumpIf restoring it. */
  let nilTest = false;
  if (first.op === 'load' && first.push) {
    constant = immediateOf(cx, first.from);
    if (constant === undefined) return 0;
    sendAt = at + 1;
  } else if (first.op === 'pushTop') {
    nilTest = true;
    sendAt = at + 1;
  }
  const send = ops[sendAt];
  if (!send || send.op !== 'send' || send.start >= 0) return 0;
  const isEq = send.name === '==' && send.argc === 1;
  const isNilTest = (send.name === 'isNil' || send.name === 'notNil') && send.argc === 0;
  if (!isEq && !isNilTest) return 0;
  if (constant !== undefined && !isEq) return 0;
  if (nilTest && send.name !== 'isNil') return 0;
  const next = ops[sendAt + 1];
  if (nilTest && (next?.op !== 'jumpIf' || !next.restore)) return 0;
  const branch = next?.op === 'jumpIf' && (nilTest || !next.restore) ? next : undefined;
  if (isNilTest) constant = { value: k.nil, tag: 1, from: { kind: 'literal', index: -1, name: 'nil' } };
  const origin = describeOp(send);
  const sendLabel = `${name}s`, done = `${name}d`, no = `${name}n`;
  const to = (l: string): ItemOperand => ({ kind: 'label', name: l });
  // The answer is true when identical (==, isNil) or when not (notNil).
  const sense = send.name !== 'notNil';
  if (isEq && constant === undefined) {
    emit('pop', [reg(RCX)], origin);
    emit('lar', [reg(RDX), reg16(RCX)], origin);
  } else {
    emit('lar', [reg(RDX), reg16(RAX)], origin);
  }
  emit('jnz', [to(sendLabel)], origin, IDENTITY_GUARD_HINTS);
  /** Compare the values and jump to `differ` when they differ; then compare the tags (ZF: the same). */
  const compare = (differ: string): void => {
    if (constant === undefined) {
      emit('cmp', [reg(RCX), reg(RAX)], origin);
      emit('jne', [to(differ)], origin);
      emit('lar', [reg(R8), reg16(RAX)], origin);
      emit('cmp', [reg(RDX), reg(R8)], origin);
    } else {
      emit('cmp', [reg(RAX), imm(constant.value)], origin);
      emit('jne', [to(differ)], origin);
      if (constant.tag === 0) emit('test', [reg(RDX), reg(RDX)], origin);
      else emit('cmp', [reg(RDX), imm(constant.tag)], origin);
    }
  };
  if (branch) {
    const target = `L${branch.target}`;
    if (branch.when === sense) {
      // jump when identical
      compare(no);
      emit('je', [to(target)], origin);
      label(no, origin);
    } else {
      // jump when not
      compare(target);
      emit('jne', [to(target)], origin);
    }
    label(done, origin);
  } else {
    const yes = `${name}t`;
    compare(no);
    emit('je', [to(yes)], origin);
    label(no, origin);
    emit('mov', [reg(RAX), lit(sense ? 'FALSE' : 'TRUE')], origin);
    emit('jmp', [to(done)], origin);
    label(yes, origin);
    emit('mov', [reg(RAX), lit(sense ? 'TRUE' : 'FALSE')], origin);
    label(done, origin);
  }
  // The send, out of line, with the stack as it expects it.
  coldLabel(sendLabel, origin);
  if (isEq && constant === undefined) {
    coldEmit('push', [reg(RCX)], origin);
  } else if (isEq) {
    coldEmit('push', [reg(RAX)], origin);
    const from = constant!.from;
    if (from.kind === 'number') coldEmit('mov', [reg(RAX), imm(from.value)], origin);
    else if (from.kind === 'literal') coldEmit('mov', [reg(RAX), literalSlot(from.index)], origin);
  } else if (nilTest) {
    coldEmit('push', [reg(RAX)], origin);
  }
  emitSend(cx, coldEmit, send, origin);
  if (branch) emitJumpIf(coldEmit, branch, k, describeOp(branch));
  coldEmit('jmp', [to(done)], origin);
  return sendAt - at + 1 + (branch ? 1 : 0);
}

/**
 * not inlined at ops[at] (kernel/objects/booleans.ts): an ordinary send of #not; a `jumpIf`
 * right after (not restoring a value under the top) is folded in, as the opposite jump on the
 * receiver. Returns how many ops it took (0: none, nothing emitted).
 *
 * Only an object can be true or false, so the receiver's tag is tested first (lar; dec leaves
 * ZF set for an object, whose tag is 1); the `jnz` to the send after it is the guard, which a
 * definition of not for True or False switches to `nop; jmp` to the send, out of line.
 * For `x not`, and for `x not ifTrue: [...]`:
 *
 *     lar rcx, ax                  lar rcx, ax
 *     dec rcx                      dec rcx
 *     jnz send                     jnz send            ; the guard
 *     cmp rax, <true>              cmp rax, <false>    ; true and false never move (fixed space)
 *     je yes                       je L
 *     cmp rax, <false>             cmp rax, <true>
 *     jne send                     jne send
 *     mov rax, [rip+TRUE]        done:
 *     jmp done
 *   yes: mov rax, [rip+FALSE]
 *   done:
 */
function inlineNot(ops: readonly Op[], at: number, cx: SendContext & { emit: Emit; label: (name: string, origin: string) => void; coldEmit: Emit; coldLabel: (name: string, origin: string) => void; name: string }): number {
  const { emit, label, coldEmit, coldLabel, k, name } = cx;
  const send = ops[at];
  if (send.op !== 'send' || send.start >= 0 || send.name !== 'not' || send.argc !== 0) return 0;
  const next = ops[at + 1];
  const branch = next?.op === 'jumpIf' && !next.restore ? next : undefined;
  const origin = describeOp(send);
  const sendLabel = `${name}s`, done = `${name}d`, yes = `${name}t`;
  const to = (l: string): ItemOperand => ({ kind: 'label', name: l });
  emit('lar', [reg(RCX), reg16(RAX)], origin);
  emit('dec', [reg(RCX)], origin);
  emit('jnz', [to(sendLabel)], origin, BOOLEAN_GUARD_HINTS);
  if (branch) {
    // `x not` is `when` exactly when x is the other Boolean.
    const [taken, other] = branch.when ? [k.false, k.true] : [k.true, k.false];
    emit('cmp', [reg(RAX), imm(taken)], origin);
    emit('je', [to(`L${branch.target}`)], origin);
    emit('cmp', [reg(RAX), imm(other)], origin);
    emit('jne', [to(sendLabel)], origin);
  } else {
    emit('cmp', [reg(RAX), imm(k.true)], origin);
    emit('je', [to(yes)], origin);
    emit('cmp', [reg(RAX), imm(k.false)], origin);
    emit('jne', [to(sendLabel)], origin);
    emit('mov', [reg(RAX), lit('TRUE')], origin);
    emit('jmp', [to(done)], origin);
    label(yes, origin);
    emit('mov', [reg(RAX), lit('FALSE')], origin);
  }
  label(done, origin);
  // The send, out of line.
  coldLabel(sendLabel, origin);
  emitSend(cx, coldEmit, send, origin);
  if (branch) emitJumpIf(coldEmit, branch, k, describeOp(branch));
  coldEmit('jmp', [to(done)], origin);
  return branch ? 2 : 1;
}

/**
 * The value and tag of a load that can be an immediate of `cmp`: a number that fits 32 bits,
 * or a literal object in the fixed space (which never moves) at an address that does.
 */
function immediateOf(cx: SendContext, from: Source): { value: number; tag: number; from: Source } | undefined {
  if (from.kind === 'number') {
    return from.value >= -(2n ** 31n) && from.value < 2n ** 31n ? { value: Number(from.value), tag: 0, from } : undefined;
  }
  if (from.kind !== 'literal' || cx.literals < 0) return undefined;
  const m = cx.k.machine;
  const object = slotPointer(m, cx.literals, from.index);
  if (object <= 0 || object >= 2 ** 31 || (object >> 3) < m.fixedLo || (object >> 3) >= m.fixedHi) return undefined;
  return { value: object, tag: 1, from };
}

/**
 * A unary send to a receiver known to be a SmallInteger (rax, the answer of inlined
 * arithmetic): when its site last saw a SmallInteger (kernel/ABI.md), the method the site
 * holds is called straight from here, as Kernel>>send would jump to it; otherwise `whole`
 * (out of line) makes the whole send, r10 loaded.
 *
 *     mov r10, [rip+site]
 *     cmp qword ptr [r10+SITE_KEY], SMALLINTEGER_CLASS
 *     jne whole
 *     call qword ptr [r10+SITE_ENTRY]
 */
function sendToNumber(emit: Emit, slot: number, whole: string, origin: string): void {
  emit('mov', [reg(R10), literalSlot(slot)], origin);
  emit('cmp', [mem(R10, -1, 1, 8 * SEND_SITE.KEY, 64), imm(CLASS.SmallInteger)], origin);
  emit('jne', [{ kind: 'label', name: whole }], origin);
  emit('call', [mem(R10, -1, 1, 8 * SEND_SITE.ENTRY, 64)], origin);
}

/** Is `s` a slot of the frame (self, an argument or a temporary)? */
function isFrameSlot(s: Source): boolean {
  return s.kind === 'self' || s.kind === 'argument' || s.kind === 'temp';
}

/** Are `a` and `b` the same slot of the frame (self, an argument or a temporary)? */
function sameFrameSlot(a: Source, b: Source): boolean {
  if (a.kind === 'self') return b.kind === 'self';
  if (a.kind === 'argument' || a.kind === 'temp') return b.kind === a.kind && b.index === a.index;
  return false;
}
