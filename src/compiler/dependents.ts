/*
 * A redefinition reaches every copy. The compiler puts other methods into a method's code
 * where it knows them when it compiles: a primitive of Memory, CPU or ALU is copied in (or
 * called, or applied by threaded code, straight at its code object), and an assembly body
 * jumps to `Behaviour>>selector` by address. Each compiled method records what it took so,
 * as (behaviour, selector, method found) triples (METHOD.INLINED, kernel/objects/layout.ts).
 *
 * After definitions (the kernel notes each selector defined) or a forget, `settle` finds the
 * methods in use (the visible entry of each selector of each behaviour) whose triples no longer
 * hold (the lookup finds another method now) and compiles each again from its source, which
 * installs it as a new definition shadowing the old: the newest definition answers
 * everywhere, `.see` shows the new fragment, and a forget back past the redefinition brings
 * the old method and its old dependents back together (both were heads of their chains when
 * the mark was made). A method compiled again may itself be in others: they follow, in turn.
 *
 * Finding dependents walks every chain, so it is done only when a selector some method has
 * in it was defined (an index of those selectors, made on first need), or after a forget.
 *
 * Leaf methods copied into send sites (leaf-sends.ts) need no recompiling to stay right (their
 * watches do that); but a method compiled before the accessors it sends were defined is
 * compiled again in place once they are, so that it copies them (copyNewLeaves).
 */
import { slotCount, slotPointer } from '../../kernel/objects/access.ts';
import { behaviourAt, behaviourName, classTable, lookupFrom, methodsHead, walkGuard } from '../../kernel/objects/classes.ts';
import type { Kernel } from '../../kernel/objects/kernel.ts';
import { CLASS, ENTRY, METHOD } from '../../kernel/objects/layout.ts';
import { TAG_HDR } from '../../kernel/machine/cells.ts';
import type { MethodDefinition } from '../lang/ast.ts';
import { parseMethodText } from '../lang/filein.ts';
import { parse } from '../lang/parser.ts';
import type { Compiler } from './compiler.ts';

/** The (behaviour, selector, method) triples a method's code has in it. */
export function inlinedTriples(k: Kernel, method: number): [number, number, number][] {
  const m = k.machine;
  if (method < 0 || method === k.nil) return [];
  const a = slotPointer(m, method, METHOD.INLINED);
  if (a < 0 || a === k.nil) return [];
  const out: [number, number, number][] = [];
  for (let i = 0; i + 2 < slotCount(m, a); i += 3) out.push([slotPointer(m, a, i), slotPointer(m, a, i + 1), slotPointer(m, a, i + 2)]);
  return out;
}

export class Dependents {
  /** Selectors some method has a method of in its code (built on first need, then kept up). */
  private boundSelectors: Set<number> | null = null;
  private settling = false;

  constructor(private readonly compiler: Compiler) {}

  /**
   * Methods made in this session with sends that copied fewer leaf methods than a site may take
   * (fewer answered their selector yet: a class's methods compiled before the classes they send
   * to), by selector: each with how many it copied.
   */
  private readonly uncopied = new Map<number, Map<number, number>>();

  /** `method` sends these selectors having copied so many leaf methods (leaf-sends.ts). */
  noteUncopied(method: number, selectors: ReadonlyMap<number, number>): void {
    for (const [s, copied] of selectors) {
      let methods = this.uncopied.get(s);
      if (!methods) this.uncopied.set(s, (methods = new Map()));
      methods.set(method, copied);
    }
  }

  /**
   * Compile again, in place, the methods in use that send a selector just defined having copied
   * fewer leaf methods than it has now: so a program's methods copy the accessors of classes
   * defined after them. (In place: the same method object, no new definition.)
   */
  private copyNewLeaves(changed: ReadonlySet<number>): void {
    const k = this.compiler.k;
    const m = k.machine;
    if (!this.compiler.inlineLeaves) return;
    for (const sel of changed) {
      const methods = this.uncopied.get(sel);
      if (!methods) continue;
      const text = k.symbols.text(sel);
      const argc = /^[a-zA-Z_]/.test(text) ? (text.match(/:/g) ?? []).length : 1;
      const now = this.compiler.copiesFor(sel, argc);
      // (Over a copy: a method compiled again notes its sends again.)
      for (const [method, copied] of [...methods]) {
        if (copied >= now) continue;
        methods.delete(method);
        if (!isMethod(k, method)) continue;
        const owner = slotPointer(m, method, METHOD.OWNER), selector = slotPointer(m, method, METHOD.SELECTOR);
        if (visibleMethod(k, owner, selector) !== method) continue;
        if (this.compiler.recompileInPlace(method) === null) k.cache.invalidateSelector(selector);
      }
    }
  }

  /** A method was made that has methods for these selectors in its code. */
  noteBound(selectors: Iterable<number>): void {
    if (!this.boundSelectors) return;
    for (const s of selectors) this.boundSelectors.add(s);
  }

  /**
   * Bring every method in use up to date with the definitions and forgets since the last
   * call. Answers a line for each that could not be compiled again (it goes on as it was).
   */
  settle(): string[] {
    const k = this.compiler.k;
    if (this.settling || (k.changed.size === 0 && !k.forgotten)) return [];
    this.settling = true;
    // A forget empties every send site after the compiler has seen it: the watches of leaf
    // copies whose classes find the same methods as before are armed again (leaf-sends.ts).
    if (k.forgotten) this.compiler.watches.rearm();
    const notes: string[] = [];
    try {
      // A method compiled again is a definition too: its own dependents follow, round by round.
      for (let round = 0; round < 32 && (k.changed.size > 0 || k.forgotten); round++) {
        const everything = k.forgotten;
        const changed = new Set(k.changed);
        k.changed.clear();
        k.forgotten = false;
        if (!everything) this.copyNewLeaves(changed);
        const bound = this.bound();
        if (!everything && ![...changed].some((s) => bound.has(s))) continue;
        for (const { method, name } of this.methodsInUse()) {
          const stale = inlinedTriples(k, method).some(([b, sel, found]) =>
            (everything || changed.has(sel)) && lookupFrom(k, b, sel) !== found);
          if (!stale) continue;
          const failed = this.recompile(method, name);
          if (failed) notes.push(failed);
        }
      }
    } finally {
      this.settling = false;
    }
    return notes;
  }

  /**
   * A class reshape's part (kernel/objects/reshape.ts): compile again every method in use of
   * these behaviours that was compiled from message syntax (its instance variables may be
   * elsewhere now). Null, or which one does not compile and why.
   */
  recompileAll(behaviours: readonly number[]): string | null {
    const k = this.compiler.k;
    const m = k.machine;
    for (const b of behaviours) {
      const seen = new Set<number>();
      const methods: { method: number; name: string }[] = [];
      const guard = walkGuard(k, 'a method chain');
      for (let e = methodsHead(k, b); e >= 0 && e !== k.nil && guard(); e = slotPointer(m, e, ENTRY.NEXT)) {
        const sel = slotPointer(m, e, ENTRY.SELECTOR);
        if (seen.has(sel)) continue;
        seen.add(sel);
        const method = slotPointer(m, e, ENTRY.METHOD);
        if (method === k.nil) continue;
        if (slotPointer(m, method, METHOD.THREADED) !== k.nil) methods.push({ method, name: `${behaviourName(k, b)}>>${k.symbols.text(sel)}` });
      }
      for (const { method, name } of methods) {
        const failed = this.recompile(method, name, true);
        if (failed) return failed;
      }
    }
    return null;
  }

  /** The index of bound selectors, made by walking every method (shadowed ones too) once. */
  private bound(): Set<number> {
    if (this.boundSelectors) return this.boundSelectors;
    const k = this.compiler.k;
    const m = k.machine;
    const set = new Set<number>();
    forEachBehaviour(k, (b) => {
      const guard = walkGuard(k, 'a method chain');
      for (let e = methodsHead(k, b); e >= 0 && e !== k.nil && guard(); e = slotPointer(m, e, ENTRY.NEXT)) {
        for (const [, sel] of inlinedTriples(k, slotPointer(m, e, ENTRY.METHOD))) set.add(sel);
      }
    });
    this.boundSelectors = set;
    return set;
  }

  /** The method each behaviour answers for each selector it defines itself (the newest entry). */
  private methodsInUse(): { method: number; name: string }[] {
    const k = this.compiler.k;
    const m = k.machine;
    const out: { method: number; name: string }[] = [];
    forEachBehaviour(k, (b) => {
      const seen = new Set<number>();
      const guard = walkGuard(k, 'a method chain');
      for (let e = methodsHead(k, b); e >= 0 && e !== k.nil && guard(); e = slotPointer(m, e, ENTRY.NEXT)) {
        const sel = slotPointer(m, e, ENTRY.SELECTOR);
        if (seen.has(sel)) continue;
        seen.add(sel);
        const method = slotPointer(m, e, ENTRY.METHOD);
        if (method === k.nil) continue;
        if (slotPointer(m, method, METHOD.INLINED) !== k.nil) out.push({ method, name: `${behaviourName(k, b)}>>${k.symbols.text(sel)}` });
      }
    });
    return out;
  }

  /** Compile `method` again from its source, in its owner; null, or why it could not be. */
  private recompile(method: number, name: string, briefly = false): string | null {
    const k = this.compiler.k;
    const m = k.machine;
    const still = briefly ? '' : ': it still has the old code in it';
    const sourceObject = slotPointer(m, method, METHOD.SOURCE);
    if (sourceObject < 0 || sourceObject === k.nil) return `${name} has no source to compile again${still}`;
    const source = k.textOf(sourceObject);
    const owner = slotPointer(m, method, METHOD.OWNER);
    const selector = k.symbols.text(slotPointer(m, method, METHOD.SELECTOR));
    const def = definitionOf(source, behaviourName(k, owner), selector);
    if (typeof def === 'string') return `${name} could not be compiled again (${def})${still}`;
    const r = this.compiler.define(def);
    if (!r.ok) return briefly ? `${name} does not compile: ${r.error.message}` : `${name} could not be compiled again (${r.error.message})${still}`;
    return null;
  }
}

/** The definition a method's source makes, for `owner` ('Foo' or 'Foo class') and `selector`; or why not. */
export function definitionOf(source: string, owner: string, selector: string): MethodDefinition | string {
  const classSide = owner.endsWith(' class');
  const target = classSide ? owner.slice(0, -' class'.length) : owner;
  const parsed = parse(source);
  const item = parsed.ok && parsed.items.length === 1 ? parsed.items[0] : undefined;
  if (item?.kind === 'method' && item.selector === selector && item.target.name === target && item.classSide === classSide) return item;
  // A method given to compile: (the chunk format's form: the pattern, then the body).
  const chunk = parseMethodText(source, target, classSide);
  if (!('message' in chunk) && chunk.selector === selector) return chunk;
  return 'its source does not read as its definition';
}

/** Is there a live compiled method at `address` (a header of class CompiledMethod before it)? */
function isMethod(k: Kernel, address: number): boolean {
  const m = k.machine, h = (address >> 3) - 1;
  if (address <= 0 || h < m.fixedLo || h >= k.heap.fixedTop || m.store.tags[h] !== TAG_HDR) return false;
  return m.store.cells32[2 * h + 1] >>> 15 === CLASS.CompiledMethod;
}

/** The method `b`'s own chain answers for `selector` (its newest entry), or -1. */
function visibleMethod(k: Kernel, b: number, selector: number): number {
  const m = k.machine;
  const guard = walkGuard(k, 'a method chain');
  for (let e = methodsHead(k, b); e >= 0 && e !== k.nil && guard(); e = slotPointer(m, e, ENTRY.NEXT)) {
    if (slotPointer(m, e, ENTRY.SELECTOR) === selector) return slotPointer(m, e, ENTRY.METHOD);
  }
  return -1;
}

function forEachBehaviour(k: Kernel, fn: (b: number) => void): void {
  const count = slotCount(k.machine, classTable(k));
  for (let i = 1; i < count; i++) {
    const b = behaviourAt(k, i);
    if (b >= 0) fn(b);
  }
}
