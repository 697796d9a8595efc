/*
 * Compiled methods and definitions.
 *
 * Defining a method adds a new entry at the head of its behaviour's override chain; the old
 * entries are never touched, so the method it shadows is still there, one link down, for
 * `forget` to bring back. A definition is atomic: every object it needs is made first, and
 * only then is the chain head (one slot) set; if making anything fails, nothing changed.
 *
 * A primitive that names its parameters expects the receiver in rax and its parameters in
 * rsi, rdx, ... (kernel/ABI.md); a send leaves the receiver and arguments on the value stack.
 * Such a method gets an adapter, a few instructions made here with the encoder, which moves
 * the arguments into place and jumps to the body:
 *
 *   mov rsi, [rsp+8(n-1)] ... mov <last>, rax    ; arguments into their registers
 *   mov rax, [rsp+8n]                            ; the receiver into rax
 *   jmp body                                     ; 32-bit displacement to the body's code
 */
import { arithmeticChanged, isArithmeticSelector } from './arithmetic.ts';
import { identityChanged, isIdentitySelector } from './identity.ts';
import { indexingChanged, isIndexingSelector } from './indexing.ts';
import { booleansChanged, isBooleanSelector } from './booleans.ts';
import { floatsChanged, isFloatSelector } from './float-arithmetic.ts';
import { FORMAT_BYTES, FORMAT_POINTERS, FORMAT_WORDS, TAG_NUM, TAG_PTR } from '../machine/cells.ts';
import { encode } from '../machine/x86/encoder.ts';
import { mem, reg, rel, type Operand } from '../machine/x86/operand.ts';
import { REG64, RSP } from '../machine/x86/table.ts';
import { byteShape, classIndexOf, codePoints, isObject, latin1, setSlotNumber, setSlotPointer, slotPointer, textOf, utf8 } from './access.ts';
import { bindingValue, findBinding } from './globals.ts';
import { behaviourIndex, methodsHead, setMethodsHead, walkGuard } from './classes.ts';
import type { Kernel } from './kernel.ts';
import { CLASS, ENTRY, METHOD, METHOD_KIND, PARAMETER_REGISTERS } from './layout.ts';
import { appendLog } from './marks.ts';
import { setPad } from './symbols.ts';

export interface MethodSpec {
  readonly selector: string;
  /** The behaviour it is defined in. */
  readonly owner: number;
  /** The code object of its body. */
  readonly code: number;
  readonly kind: number;
  readonly source?: string;
  /** Threaded code (an Array of pairs), if the method has it. */
  readonly threaded?: number;
  /** The Array of objects its code refers to by address. */
  readonly literals?: number;
  /** The Array of (offset, String) pairs describing its native code. */
  readonly origins?: number;
  /** The code a send calls, when it is not the body itself (e.g. a threaded method's stub). */
  readonly entry?: number;
  /** The Array of its pragmas (layout.ts, METHOD.PRAGMAS). */
  readonly pragmas?: number;
  /** The Array of (behaviour, selector, method) triples its code has in it (layout.ts METHOD.INLINED). */
  readonly inlined?: number;
}

/** Bytes of `instructions`, encoded to sit at `origin` (branch targets are absolute addresses). */
function encodeAt(instructions: readonly [string, Operand[]][], origin: number, hints: { disp32?: boolean }[]): Uint8Array | string {
  const out: number[] = [];
  for (let i = 0; i < instructions.length; i++) {
    const [mnemonic, ops] = instructions[i];
    const r = encode(mnemonic, ops, hints[i] ?? {}, origin + out.length);
    if (!r.ok) return r.error;
    out.push(...r.bytes);
  }
  return Uint8Array.from(out);
}

/**
 * Code for the adapter of a primitive with `arity` named parameters, jumping to `body`. With
 * more parameters than registers, those after the fifth stay on the stack where the send put
 * them, and the last (in rax) takes the receiver's place once the receiver is in rax
 * (parameterOperand says where each is).
 */
export function makeAdapter(k: Kernel, arity: number, body: number): number | string {
  const reg64 = (name: string): Operand => reg(REG64.indexOf(name));
  const moves: [string, Operand[]][] = [];
  const inRegisters = Math.min(arity, PARAMETER_REGISTERS.length);
  if (arity > PARAMETER_REGISTERS.length) {
    const R10 = REG64.indexOf('r10');
    moves.push(['mov', [reg(R10), reg(0)]], ['mov', [reg(0), mem(RSP, -1, 1, 8 * arity)]], ['mov', [mem(RSP, -1, 1, 8 * arity), reg(R10)]]);
  }
  for (let i = 0; i < inRegisters; i++) {
    const target = reg64(PARAMETER_REGISTERS[i]);
    // Argument i+1 of n: the last is in rax, the others at [rsp + 8(n-1-i)].
    moves.push(i === arity - 1 ? ['mov', [target, reg(0)]] : ['mov', [target, mem(RSP, -1, 1, 8 * (arity - 1 - i))]]);
  }
  if (arity <= PARAMETER_REGISTERS.length) moves.push(['mov', [reg(0), mem(RSP, -1, 1, 8 * arity)]]);
  const sequence: [string, Operand[]][] = [...moves, ['jmp', [rel(body)]]];
  const hints = [...moves.map(() => ({})), { disp32: true }];
  const placed = placeCode(k, (origin) => {
    const bytes = encodeAt(sequence, origin, hints);
    return typeof bytes === 'string' ? bytes : { bytes, literals: [] };
  });
  return typeof placed === 'string' ? placed : placed.code;
}

/**
 * Where a primitive's named parameter `index` (0-based) of `arity` is on entry to its body:
 * a register for the first five (kernel/ABI.md), then the stack, as the adapter leaves it:
 * `qword ptr [rsp+8k]`, valid while the body has not moved rsp.
 */
export function parameterOperand(index: number, arity: number): string {
  if (index < PARAMETER_REGISTERS.length) return PARAMETER_REGISTERS[index];
  return `qword ptr [rsp+${index === arity - 1 ? 8 * arity : 8 * (arity - 1 - index)}]`;
}

/**
 * The objects machine code may name as literals by these names (`mov rax, [rip+NIL]`): nil,
 * true, false, and the kernel's roots, through which code reaches the kernel's cells
 * (`mov rcx, [rip+ROOTS]; mov rdx, [rcx+ROOT_ACTIVE]`).
 */
export function wellKnownLiteral(k: Kernel, name: string): number | undefined {
  switch (name) {
    case 'NIL': return k.nil;
    case 'TRUE': return k.true;
    case 'FALSE': return k.false;
    case 'ROOTS': return k.roots;
    default: return undefined;
  }
}

/**
 * The objects for literal `names` (assembler.ts): well-known ones, or what `other` says; a
 * message naming the first that is neither.
 */
export function literalObjects(k: Kernel, names: readonly string[], other: (name: string) => number | undefined = () => undefined): number[] | string {
  const out: number[] = [];
  for (const name of names) {
    const p = wellKnownLiteral(k, name) ?? other(name);
    if (p === undefined) return `[rip+${name}] names no label and no literal (NIL, TRUE, FALSE or ROOTS)`;
    out.push(p);
  }
  return out;
}

/**
 * Fill the literal area of a code object made with literals (Heap.allocateCode) with the
 * objects `values` (pointers), in order; the collector keeps them up to date from then on.
 */
export function writeLiterals(k: Kernel, code: number, values: readonly number[]): void {
  if (values.length === 0) return;
  const m = k.machine;
  const h = (code >> 3) - 1;
  const slots = m.store.cells32[2 * h];
  const count = m.store.cells32[2 * (h + slots)];
  if (count !== values.length) throw new Error(`the code object has ${count} literals, not ${values.length}`);
  const first = code + 8 * (slots - 1 - count);
  values.forEach((v, i) => m.setCell(first + 8 * i, BigInt(v), TAG_PTR));
}

/** Machine code assembled for one origin: its bytes and the names of its `[rip+NAME]` literals. */
export interface AssembledCode {
  readonly bytes: Uint8Array;
  readonly literals: readonly string[];
}

/**
 * The one way code enters memory (the compiler's methods, assembly methods, Forth words, the
 * kernel's fragments at genesis, adapters). Code is position-dependent (`call rel32` to other
 * code, `[rip+NAME]` to its literals), so it is assembled twice:
 *
 *   assemble(0)      -> measure: n bytes, k literal names
 *   reserveCode      -> a code object of n bytes and k literal cells, at address A
 *   assemble(A)      -> the bytes for A, which must be n bytes again (branches out are 32-bit)
 *   fillCode         -> write them, then the literal objects (looked up only now: the
 *                       allocation may have collected, and a pointer looked up before it moved)
 *
 * placeCode does all four; genesis reserves every fragment's object before assembling any,
 * since fragments name each other. Errors are strings (the caller says where).
 */
export function placeCode<T extends AssembledCode>(
  k: Kernel, assemble: (origin: number) => T | string, literal: (name: string) => number | undefined = () => undefined,
  hold: (a: number) => number = (a) => a,
): { code: number; placed: T } | string {
  const sized = assemble(0);
  if (typeof sized === 'string') return sized;
  const code = reserveCode(k, sized);
  if (typeof code === 'string') return code;
  hold(code);
  const placed = assemble(code);
  if (typeof placed === 'string') return placed;
  const filled = fillCode(k, code, placed, literal);
  return typeof filled === 'string' ? filled : { code, placed };
}

/** A code object sized for `sized` (its bytes zero until fillCode), or why not. It may collect. */
export function reserveCode(k: Kernel, sized: AssembledCode): number | string {
  const code = k.heap.allocateCode(new Uint8Array(sized.bytes.length), CLASS.CodeObject, sized.literals.length);
  return code < 0 ? 'out of memory' : code;
}

/** Write code assembled at `code` (a reserveCode object) and its literal objects, or say why not. */
export function fillCode(k: Kernel, code: number, placed: AssembledCode, literal: (name: string) => number | undefined = () => undefined): true | string {
  if (placed.bytes.length !== k.machine.codeBytes(code).length) return 'the code changed size when placed';
  const objects = literalObjects(k, placed.literals, literal);
  if (typeof objects === 'string') return objects;
  writeCode(k, code, placed.bytes);
  writeLiterals(k, code, objects);
  return true;
}

/** Fill a freshly made code object with its bytes. */
export function writeCode(k: Kernel, code: number, bytes: Uint8Array): void {
  k.machine.store.bytes.set(bytes, code);
  k.machine.markWritten(code >> 3, (code + bytes.length + 7) >> 3);
  k.machine.codeWritten(code >> 3);
}

/** The class index of WideString once the system has defined it (string.bedrock), else -1. */
export function wideStringClass(k: Kernel): number {
  const b = findBinding(k, 'WideString');
  if (b < 0) return -1;
  const v = bindingValue(k, b);
  return v.tag === TAG_PTR ? behaviourIndex(k, Number(v.value)) : -1;
}

/**
 * A String (in the fixed space, or the moving heap) holding `text`: its characters' codes as
 * bytes, or, when one is above 255, a WideString of code points (before the system defines
 * WideString, at genesis, the UTF-8 bytes).
 */
export function makeString(k: Kernel, text: string, fixed = true): number {
  const narrow = latin1(text);
  if (narrow === null) {
    const cls = wideStringClass(k);
    if (cls >= 0) {
      const cps = codePoints(text);
      const w = fixed ? k.heap.allocateFixed(cps.length, FORMAT_WORDS, cls, 0n, TAG_NUM) : k.heap.allocate(cps.length, FORMAT_WORDS, cls, 0n, TAG_NUM);
      if (w < 0) return -1;
      cps.forEach((cp, i) => setSlotNumber(k.machine, w, i, cp));
      return w;
    }
  }
  const bytes = narrow ?? utf8(text);
  const { slots, pad } = byteShape(bytes.length);
  const p = fixed
    ? k.heap.allocateFixed(slots, FORMAT_BYTES, CLASS.String, 0n, TAG_NUM)
    : k.heap.allocate(slots, FORMAT_BYTES, CLASS.String, 0n, TAG_NUM);
  if (p < 0) return -1;
  k.machine.store.bytes.set(bytes, p);
  setPad(k.machine, p, pad);
  return p;
}

/** Make a compiled method (and its adapter, if it needs one). Returns its address or a message. */
export function makeMethod(k: Kernel, spec: MethodSpec): number | string {
  const m = k.machine;
  return k.withHolds((hold) => {
    // The caller's new code (and threaded vector) may be reachable from nothing else yet.
    hold(spec.code);
    hold(spec.owner);
    if (spec.threaded !== undefined) hold(spec.threaded);
    if (spec.literals !== undefined) hold(spec.literals);
    if (spec.origins !== undefined) hold(spec.origins);
    if (spec.entry !== undefined) hold(spec.entry);
    if (spec.pragmas !== undefined) hold(spec.pragmas);
    if (spec.inlined !== undefined) hold(spec.inlined);
    const selector = hold(k.symbols.intern(spec.selector));
    if (selector < 0) return 'out of memory';
    const arity = k.symbols.arity(selector);
    let entry = spec.entry ?? spec.code;
    if (spec.entry === undefined && spec.kind === METHOD_KIND.REGISTERS && arity > 0) {
      const adapter = makeAdapter(k, arity, spec.code);
      if (typeof adapter === 'string') return adapter;
      entry = hold(adapter);
    }
    const source = spec.source === undefined ? k.nil : hold(makeString(k, spec.source));
    if (source < 0) return 'out of memory';
    const method = k.heap.allocateFixed(METHOD.SIZE, FORMAT_POINTERS, CLASS.CompiledMethod, BigInt(k.nil), TAG_PTR);
    if (method < 0) return 'out of memory';
    setSlotPointer(m, method, METHOD.CODE, spec.code);
    setSlotPointer(m, method, METHOD.ENTRY, entry);
    setSlotPointer(m, method, METHOD.SELECTOR, selector);
    setSlotPointer(m, method, METHOD.OWNER, spec.owner);
    setSlotPointer(m, method, METHOD.SOURCE, source);
    setSlotNumber(m, method, METHOD.KIND, spec.kind);
    setSlotNumber(m, method, METHOD.ARITY, arity);
    if (spec.threaded !== undefined) setSlotPointer(m, method, METHOD.THREADED, spec.threaded);
    if (spec.literals !== undefined) setSlotPointer(m, method, METHOD.LITERALS, spec.literals);
    if (spec.origins !== undefined) setSlotPointer(m, method, METHOD.ORIGINS, spec.origins);
    if (spec.pragmas !== undefined) setSlotPointer(m, method, METHOD.PRAGMAS, spec.pragmas);
    if (spec.inlined !== undefined) setSlotPointer(m, method, METHOD.INLINED, spec.inlined);
    return method;
  });
}

/**
 * Remove `selector` from behaviour `b` (removeSelector:): an entry with no method shadows the
 * ones before it, so lookup goes on to b's parent, and forget brings them back. Answers the
 * entry, null when b does not define the selector, or a message.
 */
export function removeSelector(k: Kernel, b: number, selector: number): number | string | null {
  const m = k.machine;
  const guard = walkGuard(k, 'a method chain');
  for (let e = methodsHead(k, b); e >= 0 && e !== k.nil && guard(); e = slotPointer(m, e, ENTRY.NEXT)) {
    if (slotPointer(m, e, ENTRY.SELECTOR) !== selector) continue;
    if (slotPointer(m, e, ENTRY.METHOD) === k.nil) return null;
    return define(k, b, selector, k.nil, `(${k.symbols.text(selector)} removed)`);
  }
  return null;
}

/**
 * The String `method` keeps its source in, when that is `source`'s text, else -1: the log entry
 * of the definition then keeps the same String rather than a copy (the base image held 0.4 MB
 * of sources twice, which every start read; issue 12, item 4).
 */
function sourceKept(k: Kernel, method: number, source: string | undefined): number {
  const m = k.machine;
  if (source === undefined || method === k.nil || !isObject(m, method) || classIndexOf(m, method) !== CLASS.CompiledMethod) return -1;
  const kept = slotPointer(m, method, METHOD.SOURCE);
  // (only one of the fixed space, which a collection never moves: making the entry may collect)
  const fixed = kept >> 3 >= m.fixedLo && kept >> 3 < m.fixedHi;
  return kept > 0 && fixed && kept !== k.nil && isObject(m, kept) && classIndexOf(m, kept) === CLASS.String && textOf(m, kept) === source ? kept : -1;
}

/**
 * Install `method` for `selector` in behaviour `b`: a new entry shadows whatever the chain
 * answered before. Returns the entry, or a message (and then nothing has changed). A method of
 * nil removes the selector (removeSelector above).
 */
export function define(k: Kernel, b: number, selector: number, method: number, source?: string): number | string {
  const m = k.machine;
  return k.withHolds((hold) => {
    hold(b);
    hold(selector);
    hold(method);
    const logged = appendLog(k, 'define', b, selector, source, -1, sourceKept(k, method, source));
    if (typeof logged === 'string') return logged;
    hold(logged);
    const entry = k.heap.allocateFixed(ENTRY.SIZE, FORMAT_POINTERS, CLASS.MethodEntry, BigInt(k.nil), TAG_PTR);
    if (entry < 0) return 'out of memory';
    setSlotPointer(m, entry, ENTRY.SELECTOR, selector);
    setSlotPointer(m, entry, ENTRY.METHOD, method);
    const head = methodsHead(k, b);
    if (head >= 0) setSlotPointer(m, entry, ENTRY.NEXT, head);
    // Everything exists: now the two slots that make the definition visible.
    setMethodsHead(k, b, entry);
    k.commitLog(logged);
    k.cache.invalidateSelector(selector);
    k.changed.add(selector);
    const text = k.symbols.text(selector);
    if (isArithmeticSelector(text)) arithmeticChanged(k);
    if (isIdentitySelector(text)) identityChanged(k);
    if (isIndexingSelector(text)) indexingChanged(k);
    if (isBooleanSelector(text)) booleansChanged(k);
    if (isFloatSelector(text)) floatsChanged(k);
    return entry;
  });
}
