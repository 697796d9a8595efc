/*
 * What a debugger needs to know of a compiled unit (a method, a DoIt or a block), kept with
 * its code so that an image has it too: a String of JSON in the last slot of the unit's
 * literal array (after the threaded vector's slot), written when the unit is materialized.
 *
 *   n   the unit's name ("Foo>>bar", "[] in Foo>>bar", "a DoIt")
 *   a   its argument count
 *   b   where the item it came from starts (the offset its spans are relative to)
 *   v   [name, kind, index]: an argument ('a', 1-based), a frame temporary ('t') or a variable
 *       captured into the unit's context ('c', slot CONTEXT.VARS + index of temp 0), in the
 *       order declared (an inlined block's names included)
 *   p   [native offset, start, end]: the native code from that offset on is the op whose
 *       source is start..end (offsets in the item's source), in the order of the code
 *   q   [pair index, start, end]: the same for threaded pairs
 *   k   [native, stub, literals]: for each block made here, the literal indexes of its
 *       native code, its threaded stub and its literal array (where its own debug info is)
 *   f   1 when its native code has no frame (native.ts framelessLeaf): no place to stop at,
 *       and no activation of its own in a walk of the frames (absent otherwise)
 *
 * Reading never throws: anything that is not such a String answers null.
 */
import { FORMAT_BYTES } from '../../kernel/machine/cells.ts';
import { classIndexOf, formatOf, isObject, slotCount, slotPointer } from '../../kernel/objects/access.ts';
import type { Kernel } from '../../kernel/objects/kernel.ts';
import { CLASS, METHOD } from '../../kernel/objects/layout.ts';
import { frameOffset, type Op, type Slot, type Unit } from './ir.ts';

/** A variable of a unit, and where it lives. */
export interface DebugVariable {
  readonly name: string;
  readonly kind: 'argument' | 'temp' | 'context';
  readonly index: number;
}

export interface DebugInfo {
  readonly name: string;
  readonly argc: number;
  readonly base: number;
  readonly variables: readonly DebugVariable[];
  readonly native: readonly (readonly [number, number, number])[];
  readonly threaded: readonly (readonly [number, number, number])[];
  readonly blocks: readonly (readonly [number, number, number])[];
  /** Its native code makes no frame (the caller's rbp stays rbp). */
  readonly frameless: boolean;
}

/** The JSON text of a unit's debug info, given where its native lines were placed and which op each pair is. */
export function debugText(unit: Unit, base: number, native: readonly { offset: number; op: number }[], pairOps: readonly number[], frameless = false): string {
  const d = unit.debug;
  const spanOf = (i: number): [number, number] | null => {
    const op: Op | undefined = unit.ops[i];
    const s = op && d?.spans.get(op);
    return s ? [s.start - base, s.end - base] : null;
  };
  const runs = <T extends number>(items: readonly { at: T; op: number }[]): [number, number, number][] => {
    const out: [number, number, number][] = [];
    for (const { at, op } of items) {
      const s = spanOf(op);
      if (!s) continue;
      const last = out[out.length - 1];
      if (last && last[1] === s[0] && last[2] === s[1]) continue;
      out.push([at, s[0], s[1]]);
    }
    return out;
  };
  const variables = (d?.variables ?? []).map(({ name, slot }) => [name, kindLetter(slot), indexOf(slot)]);
  return JSON.stringify({
    n: unit.name,
    a: unit.argc,
    b: base,
    v: variables,
    p: runs(native.map((x) => ({ at: x.offset, op: x.op }))),
    q: runs(pairOps.map((op, i) => ({ at: i, op }))),
    k: (d?.blocks ?? []).map((b) => [b.native, b.stub, b.literals]),
    ...(frameless && { f: 1 }),
  });
}

function kindLetter(s: Slot): string {
  return s.kind === 'argument' ? 'a' : s.kind === 'context' ? 'c' : 't';
}

function indexOf(s: Slot): number {
  return s.kind === 'argument' || s.kind === 'temp' || s.kind === 'context' ? s.index : 0;
}

const cache = new WeakMap<Kernel, Map<number, { text: string; info: DebugInfo | null }>>();

/** The debug info kept in a literal array (its last slot), or null. */
export function debugInfoOfLiterals(k: Kernel, literals: number): DebugInfo | null {
  const m = k.machine;
  if (literals <= 0 || !isObject(m, literals) || classIndexOf(m, literals) !== CLASS.Array) return null;
  const n = slotCount(m, literals);
  if (n === 0) return null;
  const s = slotPointer(m, literals, n - 1);
  if (s <= 0 || !isObject(m, s) || classIndexOf(m, s) !== CLASS.String || formatOf(m, s) !== FORMAT_BYTES) return null;
  const text = k.textOf(s);
  if (!text.startsWith('{"n":')) return null;
  let known = cache.get(k);
  if (!known) { known = new Map(); cache.set(k, known); }
  const hit = known.get(s);
  if (hit && hit.text === text) return hit.info;
  const info = parseDebugText(text);
  known.set(s, { text, info });
  return info;
}

/** The debug info of a compiled method (its literal array's), or null (a primitive, a Forth word). */
export function debugInfoOfMethod(k: Kernel, method: number): DebugInfo | null {
  if (method <= 0 || !isObject(k.machine, method) || slotCount(k.machine, method) < METHOD.SIZE) return null;
  return debugInfoOfLiterals(k, slotPointer(k.machine, method, METHOD.LITERALS));
}

export function parseDebugText(text: string): DebugInfo | null {
  try {
    const j = JSON.parse(text) as { n: string; a: number; b: number; v: [string, string, number][]; p: [number, number, number][]; q: [number, number, number][]; k: [number, number, number][]; f?: number };
    if (typeof j.n !== 'string' || typeof j.a !== 'number' || !Array.isArray(j.v) || !Array.isArray(j.p) || !Array.isArray(j.q)) return null;
    return {
      name: j.n,
      argc: j.a,
      base: j.b ?? 0,
      variables: j.v.map(([name, kind, index]) => ({ name, kind: kind === 'a' ? 'argument' : kind === 'c' ? 'context' : 'temp', index })),
      native: j.p,
      threaded: j.q,
      blocks: Array.isArray(j.k) ? j.k : [],
      frameless: j.f === 1,
    };
  } catch {
    return null;
  }
}

/** The source range (in the unit's item) of the code at `at` (a native offset or a pair index), or null. */
export function sourceRangeAt(runs: readonly (readonly [number, number, number])[], at: number): { start: number; end: number } | null {
  let found: readonly [number, number, number] | undefined;
  for (const r of runs) {
    if (r[0] > at) break;
    found = r;
  }
  return found ? { start: found[1], end: found[2] } : null;
}

/** The frame offset of an argument or temporary (ir.ts frameOffset), for a unit of `argc` arguments. */
export function variableOffset(v: DebugVariable, argc: number, bias: number): number | null {
  if (v.kind === 'argument') return frameOffset({ kind: 'argument', index: v.index }, argc, bias);
  if (v.kind === 'temp') return frameOffset({ kind: 'temp', index: v.index }, argc, bias);
  return null;
}
