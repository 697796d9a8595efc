/*
 * Where a fault happened, as a user reads it: the methods whose code was running, innermost
 * first ("SmallInteger>>quo:", "Foo>>bar", "a DoIt"). The machine stack holds return
 * addresses (code-tagged cells, made only by `call`), so walking it from rsp up and naming the
 * method that owns each code object gives the chain of native calls. Threaded code runs inside
 * the VM's run: loop, so its frames name the threaded primitives and run: itself.
 *
 * Code objects are named by an index built on demand from every behaviour's override chain
 * (shadowed methods included): a fault is rare, and the index costs one walk of the chains.
 * The walk must happen before the machine is unwound, which empties the stack.
 */
import { TAG_CODE, TAG_PTR } from '../../kernel/machine/cells.ts';
import type { Fault } from '../../kernel/machine/faults.ts';
import { classIndexOf, slot, slotCount, slotNumber, slotPointer } from '../../kernel/objects/access.ts';
import { behaviourAt, behaviourName, classTable, methodsHead, walkGuard } from '../../kernel/objects/classes.ts';
import type { Kernel } from '../../kernel/objects/kernel.ts';
import { CLASS, ENTRY, METHOD, isSymbolClass } from '../../kernel/objects/layout.ts';
import { CodeIndex, unitName } from './frames.ts';

/**
 * Where each method's code lives -> "Class>>selector": its native code objects (by their first
 * slot's byte address, as the machine's code caches hold it) and its threaded vector.
 */
export function codeNames(k: Kernel, doIt = -1, methods?: Map<number, number>, machinery?: Set<number>): Map<number, string> {
  const m = k.machine;
  const names = new Map<number, string>();
  const add = (method: number, name: string): void => {
    const hidden = machinery !== undefined && isMachinery(k, method);
    // A method's code slots hold code-tagged addresses (what `call [r11]` needs).
    for (const s of [METHOD.CODE, METHOD.ENTRY]) {
      const cache = m.codeContaining(Number(slot(m, method, s)));
      if (cache && !names.has(cache.addr)) {
        names.set(cache.addr, name);
        methods?.set(cache.addr, method);
        if (hidden) machinery.add(cache.addr);
      }
    }
    const vector = slotPointer(m, method, METHOD.THREADED);
    if (vector > 0 && vector !== k.nil && !names.has(vector)) {
      names.set(vector, name);
      if (hidden) machinery.add(vector);
    }
  };
  if (doIt > 0) add(doIt, 'a DoIt');
  const table = classTable(k);
  const count = slotCount(m, table);
  for (let index = 1; index < count; index++) {
    const b = behaviourAt(k, index);
    if (b < 0) continue;
    const owner = behaviourName(k, b);
    const guard = walkGuard(k, 'a method chain');
    for (let e = methodsHead(k, b); e >= 0 && e !== k.nil && guard(); e = slotPointer(m, e, ENTRY.NEXT)) {
      const method = slotPointer(m, e, ENTRY.METHOD);
      const selector = slotPointer(m, e, ENTRY.SELECTOR);
      if (method >= 0 && method !== k.nil && selector >= 0) add(method, `${owner}>>${k.symbols.text(selector)}`);
    }
  }
  return names;
}

/** The (offset, origin) runs recorded for the method's native code, in order. */
export function originRuns(k: Kernel, method: number): { offset: number; origin: string }[] {
  const m = k.machine;
  const a = slotPointer(m, method, METHOD.ORIGINS);
  if (a <= 0 || a === k.nil) return [];
  const runs: { offset: number; origin: string }[] = [];
  for (let i = 0; i + 1 < slotCount(m, a); i += 2) {
    const text = slotPointer(m, a, i + 1);
    runs.push({ offset: slotNumber(m, a, i), origin: text > 0 ? k.textOf(text) : '?' });
  }
  return runs;
}

/**
 * The machinery between an error and the user's code, which a backtrace leaves out: a method
 * the library marked with the pragma <machinery> (debug.bedrock says which), and the kernel's
 * own threaded run loop, its primitives (the Threaded behaviour's methods) and the VM's
 * doesNotUnderstand:, which are machinery by what they are.
 */
export function isMachinery(k: Kernel, method: number): boolean {
  const m = k.machine;
  if (method <= 0 || method === k.nil) return false;
  const owner = slotPointer(m, method, METHOD.OWNER);
  if (owner > 0 && owner === k.behaviour(CLASS.Threaded)) return true;
  if (owner > 0 && owner === k.behaviour(CLASS.VM)) {
    const selector = slotPointer(m, method, METHOD.SELECTOR);
    const text = selector > 0 && selector !== k.nil ? k.symbols.text(selector) : '';
    if (text === 'run:' || text === 'doesNotUnderstand:') return true;
  }
  const pragmas = slotPointer(m, method, METHOD.PRAGMAS);
  if (pragmas <= 0 || pragmas === k.nil || classIndexOf(m, pragmas) !== CLASS.Array) return false;
  for (let i = 0; i < slotCount(m, pragmas); i++) {
    const p = slotPointer(m, pragmas, i);
    if (p <= 0 || p === k.nil || classIndexOf(m, p) !== CLASS.Array || slotCount(m, p) === 0) continue;
    const selector = slotPointer(m, p, 0);
    if (selector > 0 && isSymbolClass(classIndexOf(m, selector)) && k.symbols.text(selector) === 'machinery') return true;
  }
  return false;
}

/**
 * Name the code of blocks too ("[] in a DoIt", "[] in Foo>>bar", as the stack report names
 * their frames): a block's code is in no method chain, so codeNames leaves it out, and a
 * backtrace would skip the frames of blocks (the block given to do:, to on:do:, to spawn).
 */
function blockNames(k: Kernel, doIt: number, names: Map<number, string>, machinery: Set<number>): void {
  const index = new CodeIndex(k, doIt > 0 ? [doIt] : []);
  for (const e of index.entries.values()) {
    if (!e.block || names.has(e.key)) continue;
    names.set(e.key, unitName(k, e));
    if (isMachinery(k, e.method)) machinery.add(e.key);
  }
}

/** Where a walk of the stack starts: rsp, and rbp (a threaded method's vector), as a fault found them. */
export interface StackPlace {
  readonly rsp: number;
  readonly rbp: { readonly value: bigint; readonly tag: number };
}

/**
 * The frames of the run that stopped with `fault`, innermost first (from the stack as it is,
 * or as it was at `from`: a machine fault signalled as an exception nothing handled): the faulting method, then
 * each caller found on the stack (a return address into a method's native code, or into the
 * run: loop of a threaded method), without the error machinery; repeats of one
 * method, as in a deep recursion, fold into "Foo>>fact: (×20)"; at most `limit` lines.
 * `doIt` is the method of the evaluation that ran, so that its frames read "a DoIt".
 */
export function backtrace(k: Kernel, fault: Fault | undefined, doIt = -1, limit = 8, from?: StackPlace): string[] {
  const m = k.machine;
  const methods = new Map<number, number>();
  const machinery = new Set<number>();
  const names = codeNames(k, doIt, methods, machinery);
  blockNames(k, doIt, names, machinery);
  /** The frame's name, or '' for the machinery (left out). */
  const nameAt = (key: number): string | undefined => (machinery.has(key) ? '' : names.get(key));
  /**
   * A return address's frame; one into the body of a method inlined at a send (its lines'
   * origins end `(in Foo>>bar)`, src/compiler/inline-sends.ts) says so: the inlined method
   * has no frame of its own, the send's caller runs it.
   */
  const nameOfCode = (address: number): string | undefined => {
    const cache = m.codeContaining(address);
    const name = cache ? nameAt(cache.addr) : undefined;
    const method = cache ? methods.get(cache.addr) : undefined;
    if (!name || method === undefined) return name;
    const run = originRuns(k, method).filter((r) => r.offset <= address - cache!.addr - 1).pop();
    const inlined = run && /\(in (\S+>>\S+)\)$/.exec(run.origin);
    return inlined ? `${name} (inlined ${inlined[1]})` : name;
  };
  const frames: string[] = [];
  // A threaded method's frame shows twice: as the run: loop running its vector and as the
  // return address into its entry code, which called that loop; the second is not a new frame.
  let fromLoop: string | null = null;
  const push = (name: string | undefined, byLoop = false): void => {
    if (!name) return;
    if (!byLoop && name === fromLoop) { fromLoop = null; return; }
    frames.push(name);
    fromLoop = byLoop ? name : null;
  };
  if (fault && fault.code >= 0) {
    // A fault inside a primitive inlined into native code says which one.
    const method = methods.get(fault.code);
    const runs = method === undefined ? [] : originRuns(k, method);
    const inlined = runs.filter((r) => r.offset <= fault.offset).pop();
    const name = nameAt(fault.code);
    push(name && inlined && inlined.origin.endsWith('(inlined)') ? `${name}, in ${inlined.origin}` : name);
  }
  // A threaded method runs in a run: loop, whose calls leave return addresses into VM>>run:
  // on the stack; rbp holds the loop's vector (the innermost's is in the register, and each
  // nested run: saves its caller's on the stack before its own return addresses).
  // The outermost loop's vector is saved by the run: it called but has no return address into
  // run: above it, so a vector still unnamed when the stack ends is named last.
  const rbp = from ? from.rbp : { value: m.register(5), tag: m.registerTag(5) };
  let vector = rbp.tag === TAG_PTR ? Number(rbp.value) : -1;
  let named = false;
  // A loop may leave more than one return address into run: for one vector (the send
  // primitives re-enter it); the vector names one frame until another vector is found.
  let fresh = true;
  for (let a = from ? from.rsp : Number(m.register(4)); a < m.stackHi; a += 8) {
    const tag = m.store.tags[a >> 3];
    const value = Number(m.store.cells[a >> 3]);
    if (tag === TAG_CODE) {
      const cache = m.codeContaining(value);
      const name = nameOfCode(value);
      if (cache && names.get(cache.addr) === 'VM>>run:') {
        if (fresh) push(nameAt(vector), true);
        named = true;
        fresh = false;
      } else push(name);
    } else if (tag === TAG_PTR && names.has(value) && !m.codeContaining(value)) { vector = value; named = false; fresh = true; }
  }
  if (!named) push(nameAt(vector));
  const folded: string[] = [];
  for (let i = 0; i < frames.length;) {
    let j = i;
    while (j < frames.length && frames[j] === frames[i]) j++;
    folded.push(j - i > 1 ? `${frames[i]} (×${j - i})` : frames[i]);
    i = j;
  }
  return folded.length > limit ? [...folded.slice(0, limit - 1), `… ${folded.length - limit + 1} more`] : folded;
}
