/*
 * The frames of a running (or stopped) evaluation, read from the machine stack: for each
 * activation of a compiled unit (a method, a block, a DoIt), innermost first, its kind (native
 * or threaded), its frame pointer, the unit's debug info (src/compiler/debug-info.ts) and where
 * in its code it is. Values are read from the frames (ir.ts gives the layout).
 *
 * The walk follows the registers outwards, as each callee saved them (kernel/ABI.md):
 *
 *   - in a native unit's code: its frame is rbp; [rbp+8] is the return address into its
 *     caller, [rbp] the caller's rbp (a native caller's frame, or a threaded caller's vector);
 *   - in VM>>run: or a Threaded primitive: a threaded unit runs, its vector in rbp, its frame
 *     in r12 and its pair index in rbx; run: saved the caller's rbp, rbx, r12 (and r13) above
 *     its frame, under the return address [r12+32];
 *   - anywhere else (a primitive, the send routine's trampolines, the ret stub of a signalled
 *     fault, a method made without a frame: native.ts framelessLeaf): the next code-tagged
 *     cell up the stack is the return address.
 *
 * The walk stops at the host's return address (a pointer to the exit stub: a nested run the
 * host started is a world of its own), at the top of the stack, or at anything it cannot read;
 * it never throws and never changes the machine.
 */
import { TAG_CODE, TAG_PTR, TAG_STACK } from '../../kernel/machine/cells.ts';
import { slot, slotCount, slotPointer } from '../../kernel/objects/access.ts';
import { behaviourAt, behaviourName, classIndexOfValue, classTable, methodsHead, parentOf, walkGuard } from '../../kernel/objects/classes.ts';
import type { Value } from '../../kernel/objects/globals.ts';
import type { Kernel } from '../../kernel/objects/kernel.ts';
import { CONTEXT, ENTRY, METHOD, ROOTS } from '../../kernel/objects/layout.ts';
import { debugInfoOfLiterals, debugInfoOfMethod, sourceRangeAt, variableOffset, type DebugInfo } from '../compiler/debug-info.ts';
import { THREADED_BIAS } from '../compiler/threaded.ts';

/** A compiled unit's code: its method (a block's home method), its debug info, native code or threaded vector. */
export interface CodeEntry {
  /** Its address: the native code object's, or the threaded vector's. */
  readonly key: number;
  readonly method: number;
  readonly info: DebugInfo;
  readonly native: boolean;
  readonly block: boolean;
  /** The class whose method it is ("Foo", "Foo class"), or "" for a DoIt. */
  readonly owner: string;
}

export interface Activation {
  readonly kind: 'native' | 'threaded';
  /** The frame pointer (rbp of native code, r12 of threaded code), a byte address in the stack. */
  readonly frame: number;
  readonly code: CodeEntry;
  /** Where it is: an offset in its native code, or the index of the pair running. */
  readonly at: number;
  /** The registers as its caller called it (rax aside: the spilled argument at frame-8), for a restart. */
  readonly entry: { readonly rsp: number; readonly rbp: Value; readonly rbx: Value; readonly r12: Value; readonly r13: Value };
}

/** The place a walk starts: the next instruction (or a return address), and the registers. */
export interface WalkStart {
  readonly pc: number;
  readonly rsp: number;
  readonly rbp: Value;
  readonly rbx: Value;
  readonly r12: Value;
  readonly r13?: Value;
  /** Is pc a return address (the instruction before it is the one running)? */
  readonly returning?: boolean;
}

/** The unit code of the whole system, by address (native code objects and threaded vectors). */
export class CodeIndex {
  readonly entries = new Map<number, CodeEntry>();
  /** The code objects of VM>>run: and the Threaded primitives: code a threaded unit is running. */
  readonly loops = new Set<number>();
  /** The code object of VM>>run: (the loop that runs threaded code), or -1. */
  runLoop = -1;

  constructor(readonly k: Kernel, doIts: readonly number[]) {
    const m = k.machine;
    const table = classTable(k);
    const count = slotCount(m, table);
    for (let index = 1; index < count; index++) {
      const b = behaviourAt(k, index);
      if (b < 0) continue;
      const owner = behaviourName(k, b);
      const guard = walkGuard(k, 'a method chain');
      for (let e = methodsHead(k, b); e >= 0 && e !== k.nil && guard(); e = slotPointer(m, e, ENTRY.NEXT)) {
        const method = slotPointer(m, e, ENTRY.METHOD);
        if (method < 0 || method === k.nil) continue;
        if (owner === 'Threaded' || (owner === 'VM' && k.symbols.text(slotPointer(m, e, ENTRY.SELECTOR)) === 'run:')) {
          const c = this.codeAddress(slot(m, method, METHOD.CODE));
          if (c > 0) this.loops.add(c);
          if (c > 0 && owner === 'VM') this.runLoop = c;
          continue;
        }
        this.addMethod(method, owner);
      }
    }
    for (const d of doIts) this.addMethod(d, '');
  }

  private codeAddress(v: bigint): number {
    const c = this.k.machine.codeContaining(Number(v));
    return c ? c.addr : -1;
  }

  private addMethod(method: number, owner: string): void {
    const info = debugInfoOfMethod(this.k, method);
    if (!info) return;
    const m = this.k.machine;
    this.addUnit(method, owner, info, this.codeAddress(slot(m, method, METHOD.CODE)), slotPointer(m, method, METHOD.THREADED), false, 0);
    this.addBlocks(method, owner, info, slotPointer(m, method, METHOD.LITERALS), 0);
  }

  private addUnit(method: number, owner: string, info: DebugInfo, native: number, vector: number, block: boolean, depth: number): void {
    if (depth > 64) return;
    if (native > 0 && !this.entries.has(native)) this.entries.set(native, { key: native, method, info, native: true, block, owner });
    if (vector > 0 && vector !== this.k.nil && !this.entries.has(vector)) this.entries.set(vector, { key: vector, method, info, native: false, block, owner });
  }

  private addBlocks(method: number, owner: string, info: DebugInfo, literals: number, depth: number): void {
    const m = this.k.machine;
    if (depth > 64 || literals <= 0 || literals === this.k.nil) return;
    const n = slotCount(m, literals);
    for (const [nativeAt, , literalsAt] of info.blocks) {
      if (nativeAt >= n || literalsAt >= n) continue;
      const lits = slotPointer(m, literals, literalsAt);
      const blockInfo = debugInfoOfLiterals(this.k, lits);
      if (!blockInfo) continue;
      // The block's vector is in its literal array, just before the debug info.
      const count = slotCount(m, lits);
      const vector = count >= 2 ? slotPointer(m, lits, count - 2) : -1;
      this.addUnit(method, owner, blockInfo, this.codeAddress(slot(m, literals, nativeAt)), vector, true, depth + 1);
      this.addBlocks(method, owner, blockInfo, lits, depth + 1);
    }
  }
}

/** The most activations a walk reads (a deeper stack is cut there). */
export const MAX_FRAMES = 100_000;

/** The activations from `start` outwards, innermost first. */
export function walkFrames(k: Kernel, index: CodeIndex, start: WalkStart, limit = MAX_FRAMES): Activation[] {
  const m = k.machine;
  const hi = m.stackHi;
  const out: Activation[] = [];
  const onStack = (a: number): boolean => a >= m.stackLo && a < hi && (a & 7) === 0;
  let { pc, rsp } = start;
  let rbp = start.rbp, rbx = start.rbx, r12 = start.r12, r13 = start.r13 ?? { value: 0n, tag: 0 };
  let returning = start.returning ?? false;
  const cellValue = (a: number): Value => ({ value: m.cell(a), tag: m.cellTag(a) });
  for (let guard = 0; guard < limit * 4 && out.length < limit; guard++) {
    const cache = m.codeContaining(pc);
    if (!cache) break;
    const entry = index.entries.get(cache.addr);
    const offset = pc - cache.addr - (returning ? 1 : 0);
    if (entry && entry.native && !entry.info.frameless) {
      const f = Number(rbp.value);
      if (rbp.tag !== TAG_STACK || !onStack(f) || f < rsp || !onStack(f + 8)) break;
      out.push({ kind: 'native', frame: f, code: entry, at: Math.max(0, offset), entry: { rsp: f + 8, rbp: cellValue(f), rbx, r12, r13 } });
      if (m.cellTag(f + 8) !== TAG_CODE) break;
      pc = Number(m.cell(f + 8));
      rbp = cellValue(f);
      rsp = f + 16;
    } else if (index.loops.has(cache.addr)) {
      const r = Number(r12.value);
      if (r12.tag !== TAG_STACK || !onStack(r) || r < rsp || !onStack(r + 32)) break;
      const code = rbp.tag === TAG_PTR ? index.entries.get(Number(rbp.value)) : undefined;
      if (code && !code.native) {
        out.push({
          kind: 'threaded', frame: r, code, at: Math.max(0, Number(rbx.value) / 2 - 1),
          entry: { rsp: r + 32, rbp: cellValue(r + 24), rbx: cellValue(r + 16), r12: cellValue(r + 8), r13: cellValue(r) },
        });
      }
      if (m.cellTag(r + 32) !== TAG_CODE) break;
      pc = Number(m.cell(r + 32));
      rbp = cellValue(r + 24);
      rbx = cellValue(r + 16);
      r12 = cellValue(r + 8);
      r13 = cellValue(r);
      rsp = r + 40;
    } else {
      // A primitive or a stub: the next return address up the stack is its caller's.
      let a = rsp;
      while (a < hi && m.cellTag(a) !== TAG_CODE && !(m.cellTag(a) === TAG_PTR && Number(m.cell(a)) === m.exitStub)) a += 8;
      if (a >= hi || m.cellTag(a) !== TAG_CODE) break;
      pc = Number(m.cell(a));
      rsp = a + 8;
    }
    returning = true;
  }
  return out;
}

/** Where the machine is now (a stopped run, or a service called from code). */
export function machineStart(k: Kernel, pc: number): WalkStart {
  const m = k.machine;
  const reg = (r: number): Value => ({ value: m.register(r), tag: m.registerTag(r) });
  return { pc, rsp: Number(m.register(4)), rbp: reg(5), rbx: reg(3), r12: reg(12), r13: reg(13) };
}

/** The frame bias of an activation's arguments (ir.ts). */
function bias(a: Activation): number { return a.kind === 'threaded' ? THREADED_BIAS : 0; }

/** A cell of the stack, or null when it is not in it. */
function stackCell(k: Kernel, address: number): Value | null {
  const m = k.machine;
  if (address < Number(m.register(4)) - 8 || address >= m.stackHi || (address & 7) !== 0) return null;
  return { value: m.cell(address), tag: m.cellTag(address) };
}

/** The receiver of an activation (a block's is its home method's self). */
export function receiverOf(k: Kernel, a: Activation): Value | null {
  const v = stackCell(k, a.frame - 16);
  // A method's receiver is an instance of its class: anything else is a cell not yet written
  // (the machine stopped inside the prologue, as a stack overflow does).
  return v === null || a.code.owner === '' || isKindOf(k, v, a.code.owner) ? v : null;
}

/** Is the value an instance of the class named `owner` ("Foo", "Foo class") or of a subclass? */
function isKindOf(k: Kernel, v: Value, owner: string): boolean {
  let b = behaviourAt(k, classIndexOfValue(k, v.value, v.tag));
  for (let steps = 0; b >= 0 && steps < 10_000; steps++, b = parentOf(k, b)) if (behaviourName(k, b) === owner) return true;
  return false;
}

/** The arguments and temporaries of an activation by name, in the order declared, with their values (null: unreadable). */
export function variablesOf(k: Kernel, a: Activation): { name: string; kind: string; value: Value | null }[] {
  const m = k.machine;
  const info = a.code.info;
  const seen = new Set<string>();
  const out: { name: string; kind: string; value: Value | null }[] = [];
  // A variable captured by a block lives in the unit's context, temp 0.
  const env = info.variables.some((v) => v.kind === 'context') ? stackCell(k, a.frame - 24) : null;
  for (const v of info.variables) {
    // The compiler's own temporaries ("(limit)" of an inlined to:do:) are not the user's.
    if (seen.has(v.name) || !/^[A-Za-z_]/.test(v.name)) continue;
    seen.add(v.name);
    let value: Value | null = null;
    const offset = variableOffset(v, info.argc, bias(a));
    if (offset !== null) value = stackCell(k, a.frame + offset);
    else if (env && env.tag === TAG_PTR && env.value !== BigInt(k.nil)) {
      const ctx = Number(env.value);
      if (CONTEXT.VARS + v.index < slotCount(m, ctx)) value = { value: slot(m, ctx, CONTEXT.VARS + v.index), tag: m.cellTag(ctx + 8 * (CONTEXT.VARS + v.index)) };
    }
    out.push({ name: v.name, kind: v.kind, value });
  }
  return out;
}

/** The source of the unit an activation runs (its method's), and the range it is at in it, or null. */
export function positionOf(k: Kernel, a: Activation): { source: string; start: number; end: number } | null {
  const m = k.machine;
  const src = slotPointer(m, a.code.method, METHOD.SOURCE);
  if (src <= 0 || src === k.nil) return null;
  const source = k.textOf(src);
  const r = sourceRangeAt(a.kind === 'native' ? a.code.info.native : a.code.info.threaded, a.at);
  if (!r) return { source, start: -1, end: -1 };
  return { source, start: r.start, end: r.end };
}

/** How a frame is named: "Foo>>bar", "[] in Foo>>bar", "a DoIt" ("[] in a DoIt"). */
export function activationName(k: Kernel, a: Activation): string {
  return unitName(k, a.code);
}

/** How the frames of a unit are named (activationName). */
export function unitName(k: Kernel, code: CodeEntry): string {
  const selector = slotPointer(k.machine, code.method, METHOD.SELECTOR);
  const method = code.owner === '' ? 'a DoIt' : `${code.owner}>>${selector > 0 && selector !== k.nil ? k.symbols.text(selector) : '?'}`;
  return code.block ? `[] in ${method}` : method;
}

/** Is the kernel's chain of active contexts empty (nothing of an evaluation runs)? */
export function nothingActive(k: Kernel): boolean {
  return slotPointer(k.machine, k.roots, ROOTS.ACTIVE) === k.nil;
}
