/*
 * Guards: the branches in compiled code where an inlined operation gives way to a real send
 * once a definition makes the inlined copy wrong (Bedrock's rule: the newest definition
 * answers everywhere, inlined copies too).
 *
 * A guard is a `jnz rel32` (`0f 85 rel32`) to the operation's send, out of line. While the
 * inlined copy is right it tests (for SmallInteger arithmetic, the operands' tags; for
 * identity, the ZF that `lar` always sets, so it is never taken); while a definition overrides
 * what it inlined it is switched where it stands to `nop; jmp rel32` (`90 e9 rel32`: the same
 * six bytes, the jump ending where the jnz ended, so the same displacement), and back when a
 * forget undoes the definition. Guards come in groups, one per kind of inlined operation
 * (GUARD_GROUP), each with a cell in the kernel's roots that says whether it is overridden;
 * switching one group leaves the others as they are.
 *
 * Each code object keeps its guards in its literal area, as number cells after its literals
 * (which are pointers): the guard's offset, plus its group times GROUP_UNIT. So they are saved
 * and loaded with it, and freed with it by forget or the collector. A store into code bytes
 * drops every decoded and translated copy of them (Machine.codeWritten), so the machine's
 * tiers run the switched bytes from the next instruction on, in a method running when the
 * definition is made too.
 */
import { CODE_LITERALS, FORMAT_CODE, FORMAT_POINTERS, TAG_NUM, TAG_PTR } from '../machine/cells.ts';
import type { Machine } from '../machine/machine.ts';
import { setSlot, setSlotPointer, slotPointer } from './access.ts';
import type { Kernel } from './kernel.ts';
import { CLASS, ROOTS } from './layout.ts';

/** The kinds of guards, each switched on its own. */
export const GUARD_GROUP = Object.freeze({
  /** SmallInteger arithmetic (arithmetic.ts). */
  ARITHMETIC: 0,
  /** ==, isNil, notNil (identity.ts). */
  IDENTITY: 1,
  /** Array at: and at:put: (indexing.ts). */
  INDEXING: 2,
  /** Boolean not (booleans.ts). */
  BOOLEAN: 3,
  /** Float arithmetic and comparisons (float-arithmetic.ts). */
  FLOAT: 4,
});
export type GuardGroup = (typeof GUARD_GROUP)[keyof typeof GUARD_GROUP];

/** The roots' cell that says whether a group is overridden (0 testing, 1 taken). */
export const GROUP_CELL: Readonly<Record<GuardGroup, number>> = Object.freeze({
  [GUARD_GROUP.ARITHMETIC]: ROOTS.ARITHMETIC_OVERRIDDEN,
  [GUARD_GROUP.IDENTITY]: ROOTS.IDENTITY_OVERRIDDEN,
  [GUARD_GROUP.INDEXING]: ROOTS.INDEXING_OVERRIDDEN,
  [GUARD_GROUP.BOOLEAN]: ROOTS.BOOLEAN_OVERRIDDEN,
  [GUARD_GROUP.FLOAT]: ROOTS.FLOAT_OVERRIDDEN,
});

/** A guard's cell: its offset plus its group times this (offsets stay below it). */
const GROUP_UNIT = 2 ** 40;

/** A guard's branch while it tests (`jnz rel32`) and while it is taken (`nop; jmp rel32`). */
const TESTING = [0x0f, 0x85] as const, TAKEN = [0x90, 0xe9] as const;

export interface Guard { readonly offset: number; readonly group: GuardGroup }

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

/** The guards code object `code` keeps (the number cells of its literal area). */
export function guardsOf(m: Machine, code: number): Guard[] {
  const area = literalArea(m, code);
  if (!area) return [];
  const out: Guard[] = [];
  for (let c = area.first; c < area.first + area.count; c++) {
    if (m.store.tags[c] !== TAG_NUM) continue;
    const v = Number(m.store.cells[c]);
    const group = Math.floor(v / GROUP_UNIT);
    out.push({ offset: v - group * GROUP_UNIT, group: group as GuardGroup });
  }
  return out;
}

/**
 * Begin inlining a group: keep `methods` (what its selectors found when inlining began), in an
 * Array in the fixed space, under the kernel's root `root`, where the group's check of a
 * definition compares with them. Returns a message when out of memory.
 */
export function recordSealed(k: Kernel, root: number, methods: readonly number[]): string | null {
  const a = k.heap.allocateFixed(methods.length, FORMAT_POINTERS, CLASS.Array, BigInt(k.nil), TAG_PTR);
  if (a < 0) return 'out of memory';
  methods.forEach((method, i) => setSlotPointer(k.machine, a, i, method));
  setSlotPointer(k.machine, k.roots, root, a);
  return null;
}

/** Has inlining of the group kept under the kernel's root `root` begun (so the compiler may inline)? */
export function groupSealed(k: Kernel, root: number): boolean {
  const a = slotPointer(k.machine, k.roots, root);
  return a > 0 && a !== k.nil;
}

/** Are the group's inlined paths running (sealed under `root`, and `group` not overridden)? */
export function groupInlined(k: Kernel, root: number, group: GuardGroup): boolean {
  return groupSealed(k, root) && !groupOverridden(k, group);
}

/** Is group `group` overridden now (its guards taken)? Before its cell is set, it is. */
export function groupOverridden(k: Kernel, group: GuardGroup): boolean {
  const cell = (k.roots >> 3) + GROUP_CELL[group];
  return k.machine.store.tags[cell] !== TAG_NUM || k.machine.store.cells[cell] !== 0n;
}

/**
 * Keep `guards` in the last `guards.length` literal cells of `code`, which was placed with
 * that many literals more than its code names, and switch each as its group stands now
 * (taken while it is overridden).
 */
export function recordGuards(k: Kernel, code: number, guards: readonly Guard[]): void {
  const m = k.machine;
  const area = literalArea(m, code);
  if (!area || area.count < guards.length) throw new Error('the code object has no room for its guards');
  const at = area.first + area.count - guards.length;
  guards.forEach((g, i) => m.setCell(8 * (at + i), BigInt(g.offset + g.group * GROUP_UNIT), TAG_NUM));
  for (const group of new Set(guards.map((g) => g.group))) {
    if (groupOverridden(k, group)) switchGuards(m, code, group, true);
  }
}

/**
 * Set group `group`'s cell to `overridden`; when that changes it, switch every guard of the
 * group in compiled code (the first setting switches nothing: code compiled before it has none).
 */
export function setGroup(k: Kernel, group: GuardGroup, overridden: boolean): void {
  const m = k.machine;
  const cell = (k.roots >> 3) + GROUP_CELL[group];
  const was = m.store.tags[cell] === TAG_NUM ? Number(m.store.cells[cell]) : -1;
  const now = overridden ? 1 : 0;
  setSlot(m, k.roots, GROUP_CELL[group], BigInt(now), TAG_NUM);
  if (was !== -1 && was !== now) switchAllGuards(m, k.heap.fixedTop, group, overridden);
}

/** Switch the guards of `group` in `code` to taken or testing; a cell that is not at a guard's branch is left alone. */
function switchGuards(m: Machine, code: number, group: GuardGroup, taken: boolean): void {
  const bytes = m.store.bytes;
  const [from, to] = taken ? [TESTING, TAKEN] : [TAKEN, TESTING];
  const length = m.codeBytes(code).length;
  let written = -1;
  for (const g of guardsOf(m, code)) {
    const o = g.offset;
    if (g.group !== group || o < 0 || o + 6 > length || bytes[code + o] !== from[0] || bytes[code + o + 1] !== from[1]) continue;
    bytes[code + o] = to[0];
    bytes[code + o + 1] = to[1];
    written = (code + o) >> 3;
    m.markWritten(written, ((code + o + 1) >> 3) + 1);
  }
  if (written >= 0) m.codeWritten(written);
}

/** Switch every guard of `group` in the fixed space (where code objects live). */
function switchAllGuards(m: Machine, top: number, group: GuardGroup, taken: boolean): void {
  const C32 = m.store.cells32;
  for (let h = m.fixedLo; h < top;) {
    const slots = C32[2 * h] >>> 0;
    const high = C32[2 * h + 1];
    if ((high & 0xf) === FORMAT_CODE && (((high >>> 7) & 0xff) & CODE_LITERALS) !== 0) switchGuards(m, (h + 1) * 8, group, taken);
    h += 1 + slots;
  }
}
