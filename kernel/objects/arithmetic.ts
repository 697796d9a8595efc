/*
 * SmallInteger arithmetic inlined into compiled code, kept honest under overriding.
 *
 * Every Smalltalk VM answers `3 + 4` without a send when both operands are SmallIntegers; so
 * does Bedrock's compiler, for the special selectors below (native code inlines a tag check
 * and the instruction; threaded code calls a primitive that does the same). What makes it
 * Bedrock's: the inlined path runs only while the methods those selectors find for a
 * SmallInteger are still the ones they found when inlining began. Overriding one (defining
 * SmallInteger>>+ or Integer>>+ anew) sets a flag the fast paths test, so every send goes to
 * the new method; forgetting back past the override clears it again.
 *
 *   roots.ARITHMETIC             Array: the method each special selector found at sealing
 *   roots.ARITHMETIC_OVERRIDDEN  0 = the fast paths may run; 1 (or nil, before sealing) = send
 *
 * The fast path tests the operands' tags and nothing else: its `jnz` to the send (always
 * rel32, `0f 85 rel32`) is the guard, and the override is obeyed where it stands. When the
 * cell goes from 0 to 1, every guard in compiled code becomes `nop; jmp` to the same send
 * (`90 e9 rel32`: the same six bytes, the jump ending where the jnz ended, so the same
 * displacement), and back when it returns to 0; code compiled while the cell is 1 is placed
 * with its guards switched. So no fast path runs while an override is in force: not in code
 * compiled before it, not in a method that is running when the override is made (it returns
 * into the switched bytes), not in a block stored in a variable. Each code object keeps the
 * offsets of its guards in its literal area, as number cells after its literals (which are
 * pointers): they are saved and loaded with it, and freed with it by forget or the collector.
 * A store into code bytes drops every decoded and translated copy of them
 * (Machine.codeWritten), so the machine's tiers run the switched bytes from the next
 * instruction on.
 */
import { CODE_LITERALS, FORMAT_CODE, FORMAT_POINTERS, TAG_NUM, TAG_PTR } from '../machine/cells.ts';
import type { Machine } from '../machine/machine.ts';
import { setSlot, setSlotPointer, slotPointer, slotTag } from './access.ts';
import { lookup } from './classes.ts';
import type { Kernel } from './kernel.ts';
import { CLASS, ROOTS } from './layout.ts';

/** The selectors inlined for SmallIntegers, with what each compiles to. */
export const ARITHMETIC = Object.freeze({
  '+': { kind: 'arith', op: 'add' },
  '-': { kind: 'arith', op: 'sub' },
  '*': { kind: 'arith', op: 'imul' },
  '<': { kind: 'compare', cc: 'l' },
  '>': { kind: 'compare', cc: 'g' },
  '<=': { kind: 'compare', cc: 'le' },
  '>=': { kind: 'compare', cc: 'ge' },
  '=': { kind: 'compare', cc: 'e' },
  '~=': { kind: 'compare', cc: 'ne' },
  'bitAnd:': { kind: 'logic', op: 'and' },
  'bitOr:': { kind: 'logic', op: 'or' },
  'bitXor:': { kind: 'logic', op: 'xor' },
} as const);

export type ArithmeticSelector = keyof typeof ARITHMETIC;
export const ARITHMETIC_SELECTORS: readonly ArithmeticSelector[] = Object.freeze(Object.keys(ARITHMETIC) as ArithmeticSelector[]);

export function isArithmeticSelector(selector: string): selector is ArithmeticSelector {
  return Object.prototype.hasOwnProperty.call(ARITHMETIC, selector);
}

/** Has inlining begun (so the compiler may inline)? */
export function arithmeticSealed(k: Kernel): boolean {
  const a = slotPointer(k.machine, k.roots, ROOTS.ARITHMETIC);
  return a > 0 && a !== k.nil;
}

/**
 * Begin inlining: record what each special selector finds for a SmallInteger now (the
 * system's own primitives, once integer arithmetic is loaded). Returns a message if one of
 * them is missing.
 */
export function sealArithmetic(k: Kernel): string | null {
  const m = k.machine;
  const methods: number[] = [];
  for (const sel of ARITHMETIC_SELECTORS) {
    const s = k.symbols.find(sel);
    const method = s === undefined ? -1 : lookup(k, CLASS.SmallInteger, s);
    if (method < 0) return `SmallInteger does not understand #${sel}, so it cannot be inlined`;
    methods.push(method);
  }
  const a = k.heap.allocateFixed(methods.length, FORMAT_POINTERS, CLASS.Array, BigInt(k.nil), TAG_PTR);
  if (a < 0) return 'out of memory';
  methods.forEach((method, i) => setSlotPointer(m, a, i, method));
  setSlotPointer(m, k.roots, ROOTS.ARITHMETIC, a);
  arithmeticChanged(k);
  return null;
}

/** After a definition of a special selector, or a forget: may the fast paths still run? */
export function arithmeticChanged(k: Kernel): void {
  const m = k.machine;
  const a = slotPointer(m, k.roots, ROOTS.ARITHMETIC);
  if (a <= 0 || a === k.nil) return;
  let overridden = 0;
  ARITHMETIC_SELECTORS.forEach((sel, i) => {
    const s = k.symbols.find(sel);
    if (s === undefined || lookup(k, CLASS.SmallInteger, s) !== slotPointer(m, a, i)) overridden = 1;
  });
  const cell = (k.roots >> 3) + ROOTS.ARITHMETIC_OVERRIDDEN;
  const was = m.store.tags[cell] === TAG_NUM ? Number(m.store.cells[cell]) : -1;
  setSlot(m, k.roots, ROOTS.ARITHMETIC_OVERRIDDEN, BigInt(overridden), TAG_NUM);
  if (was !== -1 && was !== overridden) switchAllGuards(m, k.heap.fixedTop, overridden === 1);
}

/** A guard's branch while it tests (`jnz rel32`) and while it is taken (`nop; jmp rel32`). */
const TESTING = [0x0f, 0x85] as const, TAKEN = [0x90, 0xe9] as const;

/** Where the literal area of code object `code` starts (a cell index), and its count; null without one. */
function literalArea(m: Machine, code: number): { first: number; count: number } | null {
  const C32 = m.store.cells32;
  const h = (code >> 3) - 1;
  const high = C32[2 * h + 1];
  if ((high & 0xf) !== FORMAT_CODE || (((high >>> 7) & 0xff) & CODE_LITERALS) === 0) return null;
  const slots = C32[2 * h] >>> 0;
  const count = C32[2 * (h + slots)];
  if (count < 0 || count + 2 > slots) return null;
  return { first: h + slots - count, count };
}

/** The offsets of the guards code object `code` keeps (the number cells of its literal area). */
export function guardOffsets(m: Machine, code: number): number[] {
  const area = literalArea(m, code);
  if (!area) return [];
  const out: number[] = [];
  for (let c = area.first; c < area.first + area.count; c++) {
    if (m.store.tags[c] === TAG_NUM) out.push(Number(m.store.cells[c]));
  }
  return out;
}

/**
 * Keep `offsets` (of guards' branches) in the last `offsets.length` literal cells of `code`,
 * which was placed with that many literals more than its code names, and switch them as the
 * override stands now (taken while it is in force).
 */
export function recordGuards(k: Kernel, code: number, offsets: readonly number[]): void {
  const m = k.machine;
  const area = literalArea(m, code);
  if (!area || area.count < offsets.length) throw new Error('the code object has no room for its guards');
  const at = area.first + area.count - offsets.length;
  offsets.forEach((o, i) => m.setCell(8 * (at + i), BigInt(o), TAG_NUM));
  if (!arithmeticInlined(k)) switchGuards(m, code, true);
}

/** Switch the guards of `code` to taken or testing; a cell that is not at a guard's branch is left alone. */
function switchGuards(m: Machine, code: number, taken: boolean): void {
  const bytes = m.store.bytes;
  const [from, to] = taken ? [TESTING, TAKEN] : [TAKEN, TESTING];
  const length = m.codeBytes(code).length;
  let written = -1;
  for (const o of guardOffsets(m, code)) {
    if (o < 0 || o + 6 > length || bytes[code + o] !== from[0] || bytes[code + o + 1] !== from[1]) continue;
    bytes[code + o] = to[0];
    bytes[code + o + 1] = to[1];
    written = (code + o) >> 3;
  }
  if (written >= 0) m.codeWritten(written);
}

/** Switch every guard in the fixed space (where code objects live). */
function switchAllGuards(m: Machine, top: number, taken: boolean): void {
  const C32 = m.store.cells32;
  for (let h = m.fixedLo; h < top;) {
    const slots = C32[2 * h] >>> 0;
    const high = C32[2 * h + 1];
    if ((high & 0xf) === FORMAT_CODE && (((high >>> 7) & 0xff) & CODE_LITERALS) !== 0) switchGuards(m, (h + 1) * 8, taken);
    h += 1 + slots;
  }
}

/** Are the fast paths running (sealed and nothing overridden)? */
export function arithmeticInlined(k: Kernel): boolean {
  return arithmeticSealed(k) && slotTag(k.machine, k.roots, ROOTS.ARITHMETIC_OVERRIDDEN) === TAG_NUM &&
    k.machine.store.cells[(k.roots >> 3) + ROOTS.ARITHMETIC_OVERRIDDEN] === 0n;
}
