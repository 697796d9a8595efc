/*
 * Genesis: a complete first heap, from nothing.
 *
 *   1. a machine and its heap;
 *   2. nil, true, false, the class table and the kernel's roots, in the fixed space;
 *   3. the well-known behaviours (layout.ts CLASS), each bound to a global of its name, with
 *      the VM object as the root: Object, Memory, CPU, ALU derive from it;
 *   4. the fragments (bootstrap/kernel.bedrock) assembled into code objects, in two passes so
 *      that a fragment can jump to another (`jmp CPU>>eq:do:`): measure every fragment, make
 *      every code object, then assemble each at its final address;
 *   5. each fragment installed as a method of its behaviour (or, for `Kernel`, in the roots).
 *
 * Errors are values: a fragment that does not assemble names its line and what is wrong.
 */
import { readFileSync } from 'node:fs';
import { FORMAT_POINTERS, TAG_NUM, TAG_PTR } from '../kernel/machine/cells.ts';
import { Machine, type MachineOptions } from '../kernel/machine/machine.ts';
import { Heap, type HeapOptions } from '../kernel/memory/heap.ts';
import { setSlotNumber, setSlotPointer } from '../kernel/objects/access.ts';
import { ensureMetaclass, lookupFrom } from '../kernel/objects/classes.ts';
import { Kernel } from '../kernel/objects/kernel.ts';
import { CLASS, INSTANCE_SPECS, kernelConstants, METHOD, PARENT, ROOTS, SEND_EPOCH_STEP, SINGLETONS, type WellKnownClass } from '../kernel/objects/layout.ts';
import { makeMethodCacheArray } from '../kernel/objects/send.ts';
import { fillCode, reserveCode, type AssembledCode } from '../kernel/objects/methods.ts';
import { assemble, formatAsmError } from '../kernel/machine/x86/assembler.ts';
import { bindBody, kindOf, readFragments, type Fragment, type Names } from './fragments.ts';
import { projectFile } from './project-files.ts';

export interface GenesisOptions {
  readonly machine?: MachineOptions;
  readonly heap?: HeapOptions;
  /** Fragment text to use instead of bootstrap/kernel.bedrock. */
  readonly fragments?: string;
}

export type GenesisResult = { readonly ok: true; readonly kernel: Kernel } | { readonly ok: false; readonly error: string };

const KERNEL_ENTRIES: Readonly<Record<string, number>> = Object.freeze({ notUnderstood: ROOTS.DNU_TRAMPOLINE, unwind: ROOTS.UNWIND, send: ROOTS.SEND });

export function kernelFragmentsText(): string {
  return readFileSync(projectFile('bootstrap/kernel.bedrock'), 'utf8');
}

/** Build a kernel from nothing. */
export function genesis(options: GenesisOptions = {}): GenesisResult {
  const machine = new Machine(options.machine);
  const heap = new Heap(machine, options.heap);
  const held: number[] = [];
  const fixed = (slots: number, cls: number, fill: number): number => {
    const p = heap.allocateFixed(slots, FORMAT_POINTERS, cls, BigInt(fill), TAG_PTR);
    if (p < 0) throw new GenesisFailure('out of memory');
    held.push(heap.roots.add(BigInt(p), TAG_PTR));
    return p;
  };
  try {
    // 2. The first objects. nil exists before anything can be filled with it.
    const nil = fixed(0, CLASS.UndefinedObject, 0);
    const yes = fixed(0, CLASS.True, nil);
    const no = fixed(0, CLASS.False, nil);
    const table = fixed(64, CLASS.Array, nil);
    const roots = fixed(ROOTS.SIZE, CLASS.KernelRoots, nil);
    setSlotPointer(machine, roots, ROOTS.NIL, nil);
    setSlotPointer(machine, roots, ROOTS.TRUE, yes);
    setSlotPointer(machine, roots, ROOTS.FALSE, no);
    setSlotPointer(machine, roots, ROOTS.CLASS_TABLE, table);
    setSlotNumber(machine, roots, ROOTS.NEXT_CLASS, CLASS.FIRST_FREE);
    setSlotNumber(machine, roots, ROOTS.SEND_EPOCH, SEND_EPOCH_STEP);
    const methodCache = makeMethodCacheArray(heap);
    if (methodCache < 0) throw new GenesisFailure('out of memory');
    setSlotPointer(machine, roots, ROOTS.METHOD_CACHE, methodCache);
    heap.fill = { value: BigInt(nil), tag: TAG_PTR };
    const kernel = new Kernel(machine, heap, roots);
    const dnu = kernel.symbols.intern('doesNotUnderstand:');
    if (dnu < 0) throw new GenesisFailure('out of memory');
    setSlotPointer(machine, roots, ROOTS.DNU_SELECTOR, dnu);

    // The 256 characters, one object each.
    const characters = fixed(256, CLASS.Array, nil);
    for (let cp = 0; cp < 256; cp++) {
      const c = heap.allocateFixed(1, FORMAT_POINTERS, CLASS.Character, 0n, TAG_NUM);
      if (c < 0) throw new GenesisFailure('out of memory');
      setSlotNumber(machine, c, 0, cp);
      setSlotPointer(machine, characters, cp, c);
    }
    setSlotPointer(machine, roots, ROOTS.CHARACTERS, characters);

    // 3. The well-known behaviours, parents first.
    const made = new Map<WellKnownClass, number>();
    const make = (name: WellKnownClass): number => {
      const known = made.get(name);
      if (known !== undefined) return known;
      const parent = PARENT[name];
      const b = kernel.makeBehaviour({
        name,
        parent: parent === null ? -1 : make(parent),
        index: CLASS[name],
        singleton: SINGLETONS.includes(name),
        ...INSTANCE_SPECS[name],
      });
      if (typeof b === 'string') throw new GenesisFailure(`making ${name}: ${b}`);
      made.set(name, b);
      return b;
    };
    for (const name of Object.keys(PARENT) as WellKnownClass[]) make(name);
    // Their metaclasses, now that Behaviour exists (class-side methods live there).
    for (const [name, b] of made) {
      if (SINGLETONS.includes(name)) continue;
      const meta = ensureMetaclass(kernel, b);
      if (typeof meta === 'string') throw new GenesisFailure(`the metaclass of ${name}: ${meta}`);
    }

    // 4 and 5. The fragments.
    installFragments(kernel, options.fragments ?? kernelFragmentsText());
    return { ok: true, kernel };
  } catch (e) {
    if (e instanceof GenesisFailure) return { ok: false, error: e.message };
    throw e;
  } finally {
    for (const h of held) heap.roots.release(h);
  }
}

class GenesisFailure {
  constructor(readonly message: string) {}
}

function installFragments(kernel: Kernel, text: string): void {
  const read = readFragments(text);
  if (!read.ok) throw new GenesisFailure(`kernel fragments, line ${read.error.line}: ${read.error.message}`);
  const fragments = read.fragments;
  const codeOf = new Map<string, number>();
  const key = (target: string, selector: string): string => `${target}>>${selector}`;
  // The methods each fragment names (jmp CPU>>eq:do:): what its code has in it (METHOD.INLINED).
  const refers = new Map<string, Set<string>>();
  const names = (resolving: boolean, from = ''): Names => ({
    object: (name) => (name === 'nil' ? kernel.nil : name === 'true' ? kernel.true : name === 'false' ? kernel.false : undefined),
    symbol: (t) => {
      const s = kernel.symbols.intern(t);
      if (s < 0) throw new GenesisFailure('out of memory');
      if (!named.has(s)) { named.add(s); held.push(kernel.heap.roots.add(BigInt(s), TAG_PTR)); }
      return s;
    },
    method: (b, sel) => {
      if (!resolving) return 0;
      if (b !== 'Kernel') refers.set(from, (refers.get(from) ?? new Set()).add(key(b, sel)));
      return codeOf.get(key(b, sel));
    },
    service: (name) => kernelConstants(kernel.roots)[name],
  });
  const where = (f: Fragment): string => `${key(f.target, f.selector)} (line ${f.line})`;
  const assembleAt = (f: Fragment, origin: number, resolving: boolean): AssembledCode => {
    const bound = bindBody(f, names(resolving, key(f.target, f.selector)), origin);
    if (!bound.ok) throw new GenesisFailure(`${where(f)}: ${bound.message}`);
    const r = assemble(bound.text);
    if (!r.ok) throw new GenesisFailure(`${where(f)}: ${formatAsmError(r.error)}`);
    return r;
  };
  // The code objects are held in roots until the methods (or the kernel's roots) hold them.
  const held: number[] = [];
  // A symbol the code names (mov r10, #cannotReturn) is an address in its bytes, which the
  // collector cannot see: every fragment method keeps them all alive in its literals, or a
  // collection would free them and a later symbol could take their address.
  const named = new Set<number>();
  try {
    // Pass 1: measure every fragment and make its code object.
    for (const f of fragments) {
      const code = reserveCode(kernel, assembleAt(f, 0, false));
      if (typeof code === 'string') throw new GenesisFailure(code);
      held.push(kernel.heap.roots.add(BigInt(code), TAG_PTR));
      codeOf.set(key(f.target, f.selector), code);
    }
    const literals = kernel.heap.allocateFixed(named.size, FORMAT_POINTERS, CLASS.Array, BigInt(kernel.nil), TAG_PTR);
    if (literals < 0) throw new GenesisFailure('out of memory');
    held.push(kernel.heap.roots.add(BigInt(literals), TAG_PTR));
    [...named].forEach((symbol, i) => setSlotPointer(kernel.machine, literals, i, symbol));
    // Pass 2: assemble each at its address, then install it.
    for (const f of fragments) {
      const code = codeOf.get(key(f.target, f.selector))!;
      const filled = fillCode(kernel, code, assembleAt(f, code, true));
      if (filled !== true) throw new GenesisFailure(`${where(f)}: ${filled}`);
      install(kernel, f, code, literals);
    }
    for (const [from, targets] of refers) recordInlined(kernel, from, [...targets]);
  } finally {
    for (const h of held) kernel.heap.roots.release(h);
  }
}

/** Set the METHOD.INLINED triples of the fragment method `from` ('Target>>selector'), for the methods it names. */
function recordInlined(kernel: Kernel, from: string, targets: readonly string[]): void {
  const split = (k: string): [string, string] => { const i = k.indexOf('>>'); return [k.slice(0, i), k.slice(i + 2)]; };
  const [owner, selector] = split(from);
  const method = ownMethod(kernel, owner, selector);
  if (method < 0) return;
  const inlined = kernel.heap.allocateFixed(3 * targets.length, FORMAT_POINTERS, CLASS.Array, BigInt(kernel.nil), TAG_PTR);
  if (inlined < 0) throw new GenesisFailure('out of memory');
  targets.forEach((t, i) => {
    const [b, sel] = split(t);
    const target = ownMethod(kernel, b, sel);
    if (target < 0) throw new GenesisFailure(`${from} names ${t}, which is not a method`);
    setSlotPointer(kernel.machine, inlined, 3 * i, kernel.behaviourNamed(b));
    setSlotPointer(kernel.machine, inlined, 3 * i + 1, kernel.symbols.intern(sel));
    setSlotPointer(kernel.machine, inlined, 3 * i + 2, target);
  });
  setSlotPointer(kernel.machine, method, METHOD.INLINED, inlined);
}

/** The method behaviour `name` finds for `selector`, or -1. */
function ownMethod(kernel: Kernel, name: string, selector: string): number {
  const b = kernel.behaviourNamed(name);
  const sel = kernel.symbols.find(selector);
  return b < 0 || sel === undefined ? -1 : lookupFrom(kernel, b, sel);
}

/** Install one fragment's code: as a method of its behaviour, or as a kernel entry. */
function install(kernel: Kernel, f: Fragment, code: number, literals: number): void {
  const where = `${f.target}>>${f.selector} (line ${f.line})`;
  if (f.target === 'Kernel') {
    const slot = KERNEL_ENTRIES[f.selector];
    if (slot === undefined) throw new GenesisFailure(`${where}: not a kernel entry (${Object.keys(KERNEL_ENTRIES).join(', ')})`);
    setSlotPointer(kernel.machine, kernel.roots, slot, code);
    return;
  }
  const owner = kernel.behaviourNamed(f.target);
  if (owner < 0) throw new GenesisFailure(`${where}: there is no behaviour named ${f.target}`);
  const defined = kernel.defineMethod({ selector: f.selector, owner, code, kind: kindOf(f), source: f.source, literals });
  if (typeof defined === 'string') throw new GenesisFailure(`${where}: ${defined}`);
}
