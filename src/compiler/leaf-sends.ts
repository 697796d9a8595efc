/*
 * Leaf sends: the body of a tiny method copied into the send sites of its selector, so that a
 * getter, a setter, a constant or `^self` costs no call.
 *
 * Which methods: those the native back end made without a frame (native.ts framelessLeaf)
 * from message syntax: a few moves between rax, [rsp+8j], self's slots and the method's
 * literals, then `ret`. Their bodies are read back from the very bytes the method runs (so a
 * listing of either shows the same instructions); a literal the body reads through `[rip+...]`
 * becomes a literal of the code it is copied into.
 *
 * Which ones at a site: for the classes whose lookup finds such a method now (the behaviours
 * that define the selector, newest first, then their subclasses that inherit it; an index of
 * who defines what, `LeafIndex`), at most MAX_CANDIDATES; none for a selector more than
 * MAX_IMPLEMENTORS behaviours define, or one some definer answers with a method that is not
 * a leaf (the site is polymorphic: the tests would mostly fail on the way to the send). Each copy runs when the receiver's class index is its
 * class's (native.ts inlineLeafSend); anything else is the whole send.
 *
 * Why it stays right (the newest definition answers everywhere, inlined copies too): each
 * copy's class is not an immediate but the key of a *watch*, a SendSite of the selector that
 * no send goes through (kernel/objects/send.ts), which holds the class index and the method
 * copied. Every definition, forget or class change that may make a lookup answer otherwise
 * empties the sites of its selector, watches too, at once: the copy's test fails from its next
 * run on, in code running while the change is made too, and the whole send answers. Right
 * after, the compiler arms again each watch whose class still finds the same method
 * (`Watches`), so a definition elsewhere costs nothing, and a forget that brings the copied
 * method back brings its copies back (after the forget's evaluation: the forget empties every
 * site after the compiler has seen it). A watch keeps its method alive from its code's literals.
 * One watch serves every copy of the same method for the same class. The compiler's list of
 * watches is found again in the heap when first needed (a watch is the only site whose entry
 * is a method), so an image opened later keeps them too. The library's own methods (compiled
 * at boot) make no copies: a program's code does (src/system/bedrock.ts).
 */
import { decode } from '../../kernel/machine/x86/decoder.ts';
import { registerEffects } from '../../kernel/machine/x86/effects.ts';
import type { Decoded, Operand } from '../../kernel/machine/x86/operand.ts';
import { RIP, RSP } from '../../kernel/machine/x86/table.ts';
import { TAG_HDR, TAG_NUM, TAG_PTR } from '../../kernel/machine/cells.ts';
import { classIndexOf, setSlot, setSlotPointer, slotCount, slotPointer } from '../../kernel/objects/access.ts';
import { behaviourAt, classTable, lookupFrom, methodsHead, parentOf, walkGuard } from '../../kernel/objects/classes.ts';
import type { Kernel } from '../../kernel/objects/kernel.ts';
import { CLASS, ENTRY, METHOD, SEND_SITE } from '../../kernel/objects/layout.ts';
import { makeSendSite } from '../../kernel/objects/send.ts';

/** At most this many methods' bodies at one site (each costs a compare on the way to the next). */
export const MAX_CANDIDATES = 3;
/** A selector defined by more behaviours than this is not inlined (its sites are rarely one method's). */
const MAX_IMPLEMENTORS = 8;
/** At most this many instructions before the `ret`. */
const MAX_BODY = 6;
/** Registers a copied body may write: those every send may clobber (kernel/ABI.md). */
const SCRATCH = new Set([0, 1, 2, 8, 9]);

/** One instruction of a copied body: its operands as the site needs them. */
export interface LeafInstruction {
  readonly mnemonic: string;
  /** A `[rip+...]` operand is given as the object it reads (`literal`), to be a literal of the site's code. */
  readonly operands: readonly (Operand | { readonly kind: 'literal'; readonly object: number })[];
}

/** A method whose body a site may copy. */
export interface LeafMethod {
  readonly method: number;
  /** Its entry (the code object a send site's cache holds for it). */
  readonly entry: number;
  readonly body: readonly LeafInstruction[];
}

/**
 * The body of `method` as a send site of `argc` arguments copies it, or null when it is not a
 * leaf (see the header). `[rsp+8j]` becomes `[rsp+8(j-1)]`: at the site there is no return
 * address above the arguments.
 */
export function leafBody(k: Kernel, method: number, argc: number): LeafMethod | null {
  const m = k.machine;
  if (method < 0 || method === k.nil) return null;
  // Compiled from message syntax (assembly bodies read registers a send sets otherwise).
  if (slotPointer(m, method, METHOD.THREADED) === k.nil) return null;
  const entry = slotPointer(m, method, METHOD.ENTRY);
  if (entry <= 0 || entry !== slotPointer(m, method, METHOD.CODE)) return null;
  const bytes = m.codeBytes(entry);
  const body: LeafInstruction[] = [];
  const written = new Set<number>();
  for (let p = 0; p < bytes.length;) {
    const r = decode(bytes, p, bytes.length, p);
    if (!r.ok) return null;
    const d = r.insn;
    p += d.length;
    if (d.row.control === 'ret') return d.operands.length === 0 && p === bytes.length ? { method, entry, body } : null;
    if (body.length >= MAX_BODY || d.row.mnemonic !== 'mov' || d.row.control !== 'next') return null;
    const effects = registerEffects(d.row, d.operands);
    if (effects.writes.some((w) => !SCRATCH.has(w))) return null;
    // What it reads: rax (the receiver, or the last argument), the stack above it, or what it wrote.
    if (effects.reads.some((x) => x !== 0 && x !== RSP && x !== RIP && !written.has(x))) return null;
    const operands = operandsAtSite(k, entry, d, argc);
    if (!operands) return null;
    for (const w of effects.writes) written.add(w);
    body.push({ mnemonic: d.row.mnemonic, operands });
  }
  return null;
}

function operandsAtSite(k: Kernel, code: number, d: Decoded, argc: number): LeafInstruction['operands'] | null {
  const out: LeafInstruction['operands'][number][] = [];
  for (const o of d.operands) {
    if (o.kind === 'reg' || o.kind === 'imm') { out.push(o); continue; }
    if (o.kind !== 'mem' || o.index >= 0) return null;
    if (o.base === RSP) {
      // [rsp+8j], j = 1 .. argc: the receiver and the arguments under the last
      if (o.disp < 8 || o.disp > 8 * argc || o.disp % 8 !== 0) return null;
      out.push({ ...o, disp: o.disp - 8 });
    } else if (o.base === RIP) {
      // a cell of the method's literal area: the object in it
      const at = code + d.address + d.length + o.disp;
      if (at % 8 !== 0 || d.operands[0] === o) return null;
      const cell = at >> 3;
      if (k.machine.store.tags[cell] !== TAG_PTR) return null;
      out.push({ kind: 'literal', object: Number(k.machine.store.cells[cell]) });
    } else {
      out.push(o);
    }
  }
  return out;
}

/**
 * Who defines each selector (class indexes): made by one walk of every chain when first
 * needed, then told of each definition the compiler makes; made again after a forget or any
 * change that empties the method cache (`reset`). An index that misses a definition made
 * some other way only inlines less: what a site copies is decided by lookups made when it is
 * compiled, and checked by its cache when it runs.
 */
export class LeafIndex {
  private implementors: Map<number, Set<number>> | null = null;

  constructor(private readonly k: Kernel) {}

  reset(): void { this.implementors = null; }

  /** Behaviour of class index `index` defined `selector`. */
  note(index: number, selector: number): void {
    if (!this.implementors) return;
    let set = this.implementors.get(selector);
    if (!set) this.implementors.set(selector, (set = new Set()));
    set.add(index);
  }

  /** The class indexes of the behaviours that define `selector` (inline-sends.ts). */
  definers(selector: number): ReadonlySet<number> | undefined {
    return this.index().get(selector);
  }

  /** May a send of `selector` copy leaf methods (now, or once some are defined)? */
  mayCopy(selector: number): boolean {
    return (this.index().get(selector)?.size ?? 0) <= MAX_IMPLEMENTORS;
  }

  /**
   * The classes (indexes) whose lookup finds a leaf method for `selector` with `argc`
   * arguments, and that method: the definers, newest first (a program's own classes before the
   * library's), then their subclasses that inherit it. None: an ordinary send.
   */
  candidates(selector: number, argc: number): { readonly classIndex: number; readonly leaf: LeafMethod }[] {
    const k = this.k;
    const indexes = this.index().get(selector);
    if (!indexes || indexes.size > MAX_IMPLEMENTORS) return [];
    const out: { classIndex: number; leaf: LeafMethod }[] = [];
    const definers = new Map<number, LeafMethod>();
    for (const i of [...indexes].reverse()) {
      const b = behaviourAt(k, i);
      if (b < 0) continue;
      const leaf = leafBody(k, lookupFrom(k, b, selector), argc);
      // A selector some definer answers otherwise: its sites are polymorphic, the tests would
      // mostly fail on the way to the send.
      if (!leaf) return [];
      definers.set(b, leaf);
      if (out.length < MAX_CANDIDATES) out.push({ classIndex: i, leaf });
    }
    if (definers.size === 0 || out.length === MAX_CANDIDATES) return out;
    // Subclasses, newest first, whose nearest definer is one of those (checked by a lookup).
    const count = slotCount(k.machine, classTable(k));
    for (let i = count - 1; i > 0 && out.length < MAX_CANDIDATES; i--) {
      const b = behaviourAt(k, i);
      if (b < 0 || indexes.has(i)) continue;
      let p = parentOf(k, b);
      for (let depth = 0; p >= 0 && depth < 16 && !definers.has(p); depth++) p = parentOf(k, p);
      const leaf = p >= 0 ? definers.get(p) : undefined;
      if (leaf && lookupFrom(k, b, selector) === leaf.method) out.push({ classIndex: i, leaf });
    }
    return out;
  }

  private index(): Map<number, Set<number>> {
    if (this.implementors) return this.implementors;
    const k = this.k;
    const m = k.machine;
    const map = new Map<number, Set<number>>();
    const count = slotCount(m, classTable(k));
    for (let i = 1; i < count; i++) {
      const b = behaviourAt(k, i);
      if (b < 0) continue;
      const guard = walkGuard(k, 'a method chain');
      for (let e = methodsHead(k, b); e >= 0 && e !== k.nil && guard(); e = slotPointer(m, e, ENTRY.NEXT)) {
        const sel = slotPointer(m, e, ENTRY.SELECTOR);
        let set = map.get(sel);
        if (!set) map.set(sel, (set = new Set()));
        set.add(i);
      }
    }
    this.implementors = map;
    return map;
  }
}

/**
 * The watches (see the header): SendSites no send goes through, each holding a class index and
 * the leaf method a copy of it was made for, armed while that class's lookup finds that method.
 */
export class Watches {
  /** Each watch: its class index and method. Null until first needed (then found in the heap). */
  private watches: Map<number, { readonly selector: number; readonly classIndex: number; readonly method: number }> | null = null;
  /** The watch of each (selector, class index, method), shared by every copy made for it. */
  private readonly byKey = new Map<string, number>();

  constructor(private readonly k: Kernel) {}

  /** The watch, armed, for copies of `method` run for receivers of class `classIndex` (its lookup finds it now); -1 when out of memory. */
  watch(selector: number, classIndex: number, method: number): number {
    const k = this.k;
    const key = `${selector}/${classIndex}/${method}`;
    const known = this.byKey.get(key);
    if (known !== undefined && this.watches?.has(known)) {
      this.arm(known, classIndex, method);
      return known;
    }
    const site = makeSendSite(k, selector);
    if (site < 0) return -1;
    this.arm(site, classIndex, method);
    this.know();
    this.watches!.set(site, { selector, classIndex, method });
    this.byKey.set(key, site);
    return site;
  }

  /**
   * Before the kernel empties sites: know every watch (a first change after the image was
   * opened finds them in the heap while they are armed).
   */
  know(): void {
    if (this.watches) return;
    const k = this.k, m = k.machine, C32 = m.store.cells32, T = m.store.tags;
    const map = new Map<number, { selector: number; classIndex: number; method: number }>();
    for (let h = m.fixedLo; h < k.heap.fixedTop;) {
      const slots = C32[2 * h] >>> 0;
      if (T[h] === TAG_HDR && C32[2 * h + 1] >>> 15 === CLASS.SendSite && slots === SEND_SITE.SIZE) {
        const site = 8 * (h + 1);
        const method = slotPointer(m, site, SEND_SITE.ENTRY);
        if (method > 0 && method !== k.nil && classIndexOf(m, method) === CLASS.CompiledMethod) {
          const w = { selector: slotPointer(m, site, SEND_SITE.SELECTOR), classIndex: Number(m.store.cells[h + 1 + SEND_SITE.KEY]), method };
          map.set(site, w);
          this.byKey.set(`${w.selector}/${w.classIndex}/${w.method}`, site);
        }
      }
      h += 1 + slots;
    }
    this.watches = map;
  }

  /** After the kernel emptied the sites of `selector` (or all): arm again each watch whose class still finds its method. */
  rearm(selector?: number): void {
    if (!this.watches) return;
    const k = this.k;
    for (const [site, w] of this.watches) {
      if (selector !== undefined && w.selector !== selector) continue;
      const b = behaviourAt(k, w.classIndex);
      if (b >= 0 && lookupFrom(k, b, w.selector) === w.method) this.arm(site, w.classIndex, w.method);
    }
  }

  /** The collector freed a send site: if it was a watch, it is no more. */
  freed(address: number): void {
    const w = this.watches?.get(address);
    if (!w) return;
    this.watches!.delete(address);
    if (this.byKey.get(`${w.selector}/${w.classIndex}/${w.method}`) === address) this.byKey.delete(`${w.selector}/${w.classIndex}/${w.method}`);
  }

  private arm(site: number, classIndex: number, method: number): void {
    setSlot(this.k.machine, site, SEND_SITE.KEY, BigInt(classIndex), TAG_NUM);
    setSlotPointer(this.k.machine, site, SEND_SITE.ENTRY, method);
  }
}
