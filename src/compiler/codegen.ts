/*
 * Code generation: a method's or an expression's syntax tree to the IR (ir.ts).
 *
 * The value stack discipline: the generator keeps `depth`, the number of live values on the
 * value stack (its top in rax), so that every load knows whether to save rax first and every
 * pop whether a value comes back into rax.
 *
 * What it decides here, so that both back ends share it:
 *   - names: arguments, temporaries (an inlined block's parameters and temporaries become the
 *     method's), instance variables of the behaviour and its parents, globals, self, super;
 *     at the top level an assignment to an undeclared name makes a global;
 *   - literals: numbers that fit in 64 bits are immediates; nil, true and false are the
 *     kernel's cells; strings, symbols, characters and literal arrays are fixed objects in the
 *     method's literal array;
 *   - sends to the machine objects (Memory, CPU, ALU) are their primitives, called or inlined;
 *   - control structures with literal blocks (INLINED below) are jumps, as every Smalltalk
 *     compiler does; anything else is a dynamic send.
 */
import { FORMAT_POINTERS, TAG_NUM, TAG_PTR } from '../../kernel/machine/cells.ts';
import { classIndexOf, setSlot, slotCount, slotNumber, slotPointer } from '../../kernel/objects/access.ts';
import { behaviourIndex, lookupFrom, parentOf } from '../../kernel/objects/classes.ts';
import { findBinding } from '../../kernel/objects/globals.ts';
import type { Kernel } from '../../kernel/objects/kernel.ts';
import { BEHAVIOUR, BINDING, CLASS, METHOD, METHOD_KIND, ROOTS } from '../../kernel/objects/layout.ts';
import { makeString } from '../../kernel/objects/methods.ts';
import type { Block, Cascade, Expression, LiteralValue, Message, Span, Statement, Variable } from '../lang/ast.ts';
import type { Op, Slot, Source, Unit } from './ir.ts';

export interface CompileError {
  readonly message: string;
  readonly span: Span;
}

export class CompileFailure {
  constructor(readonly error: CompileError) {}
}

export interface CodegenContext {
  readonly kernel: Kernel;
  /** The behaviour the code runs in (its instance variables; super); -1 for the top level. */
  readonly behaviour: number;
  /** Top-level code: assigning to an undeclared name defines a global. */
  readonly topLevel: boolean;
  /** Called for each global the code defines (so the caller can log it). */
  readonly defineGlobal?: (name: string) => number | string;
  /** Keeps an object the code refers to alive until the method holds it. */
  readonly hold?: (address: number) => number;
}

/** The machine objects: sends to these globals are their primitives, compiled in place. */
export const MACHINE_OBJECTS: readonly string[] = Object.freeze(['Memory', 'CPU', 'ALU']);

const RESERVED = new Set(['self', 'super', 'thisContext', 'nil', 'true', 'false']);

type Scope = Map<string, Slot>;

export class Generator {
  readonly ops: Op[] = [];
  readonly literals: number[] = [];
  private depth = 0;
  private labels = 0;
  temps = 0;
  private readonly scopes: Scope[] = [];
  private readonly ivars: Map<string, number>;
  private readonly k: Kernel;

  constructor(private readonly cx: CodegenContext, private readonly argc: number) {
    this.k = cx.kernel;
    this.ivars = instanceVariables(cx.kernel, cx.behaviour);
  }

  // ---- emitting ------------------------------------------------------------------------

  private emit(op: Op): void { this.ops.push(op); }
  newLabel(): number { return this.labels++; }
  label(id: number): void { this.emit({ op: 'label', id }); }

  load(from: Source): void {
    this.emit({ op: 'load', from, push: this.depth > 0 });
    this.depth++;
  }

  pop(): void {
    this.depth--;
    this.emit({ op: 'pop', restore: this.depth > 0 });
  }

  pushTop(): void {
    this.emit({ op: 'pushTop' });
    this.depth++;
  }

  /** Keep `address` alive in the literal array; returns its index. */
  literal(address: number): number {
    const known = this.literals.indexOf(address);
    if (known >= 0) return known;
    this.cx.hold?.(address);
    this.literals.push(address);
    return this.literals.length - 1;
  }

  private fail(message: string, span: Span): never {
    throw new CompileFailure({ message, span });
  }

  // ---- scopes ----------------------------------------------------------------------------

  pushScope(): void { this.scopes.push(new Map()); }
  popScope(): void { this.scopes.pop(); }

  declareArgument(v: Variable, index: number): void {
    this.declare(v, { kind: 'argument', index });
  }

  declareTemp(v: Variable): Slot {
    const slot: Slot = { kind: 'temp', index: this.temps++ };
    this.declare(v, slot);
    return slot;
  }

  private declare(v: Variable, slot: Slot): void {
    if (RESERVED.has(v.name)) this.fail(`'${v.name}' is reserved and cannot name a variable`, v.span);
    const scope = this.scopes[this.scopes.length - 1];
    if (scope.has(v.name)) this.fail(`'${v.name}' is declared twice`, v.span);
    scope.set(v.name, slot);
  }

  private resolve(v: Variable, forStore: boolean): Slot {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const slot = this.scopes[i].get(v.name);
      if (slot) {
        if (forStore && slot.kind === 'argument') this.fail(`'${v.name}' is an argument and cannot be assigned`, v.span);
        return slot;
      }
    }
    if (v.name === 'self' || v.name === 'super') {
      if (forStore) this.fail(`'${v.name}' cannot be assigned`, v.span);
      return { kind: 'self' };
    }
    if (v.name === 'thisContext') this.fail("'thisContext' is not supported", v.span);
    const ivar = this.ivars.get(v.name);
    if (ivar !== undefined) return { kind: 'instance', index: ivar };
    let binding = findBinding(this.k, v.name);
    if (binding < 0 && forStore && this.cx.topLevel && this.cx.defineGlobal) {
      const made = this.cx.defineGlobal(v.name);
      if (typeof made === 'string') this.fail(made, v.span);
      binding = made;
    }
    if (binding < 0) {
      this.fail(forStore ? `'${v.name}' is not declared (declare it in | | or, at the top level, assign it to make a global)` : `'${v.name}' is not defined`, v.span);
    }
    this.literal(binding);
    return { kind: 'cell', address: binding + 8 * BINDING.VALUE, name: v.name };
  }

  private constant(which: number, name: string): Source {
    return { kind: 'cell', address: this.k.roots + 8 * which, name };
  }

  // ---- bodies ----------------------------------------------------------------------------

  /** Statements whose last value stays on the stack (nil if there are none). */
  statements(list: readonly Statement[]): void {
    if (list.length === 0) { this.load(this.constant(ROOTS.NIL, 'nil')); return; }
    list.forEach((s, i) => {
      this.statement(s);
      if (i < list.length - 1) this.pop();
    });
  }

  statement(s: Statement): void {
    if (s.kind === 'return') {
      this.expression(s.value);
      this.emit({ op: 'return' });
      return;
    }
    this.expression(s);
  }

  // ---- expressions -----------------------------------------------------------------------

  expression(e: Expression): void {
    switch (e.kind) {
      case 'literal': this.literalValue(e.value, e.span); return;
      case 'variable': this.load(this.resolve(e, false)); return;
      case 'assign': {
        const slot = this.resolve(e.target, true);
        this.expression(e.value);
        this.emit({ op: 'store', to: slot });
        return;
      }
      case 'send': this.send(e.receiver, e.message, e.span); return;
      case 'cascade': this.cascade(e); return;
      case 'block': return this.fail('a block can only be the argument of ifTrue:, whileTrue:, to:do: and the like for now (blocks as values come next)', e.span);
      case 'brace': this.brace(e.elements, e.span); return;
    }
  }

  private literalValue(v: LiteralValue, span: Span): void {
    switch (v.type) {
      case 'integer':
        if (v.value < -(2n ** 63n) || v.value >= 2n ** 63n) this.fail('integers beyond 64 bits (LargeInteger literals) are not supported yet', span);
        this.load({ kind: 'number', value: v.value });
        return;
      case 'nil': this.load(this.constant(ROOTS.NIL, 'nil')); return;
      case 'true': this.load(this.constant(ROOTS.TRUE, 'true')); return;
      case 'false': this.load(this.constant(ROOTS.FALSE, 'false')); return;
      default: this.load({ kind: 'literal', index: this.literal(this.makeLiteral(v, span)) }); return;
    }
  }

  /** A literal object in the fixed space. */
  private makeLiteral(v: LiteralValue, span: Span): number {
    const k = this.k;
    const made = (p: number): number => (p < 0 ? this.fail('out of memory', span) : p);
    switch (v.type) {
      case 'string': return made(makeString(k, v.value));
      case 'symbol': return made(k.symbols.intern(v.value));
      case 'character': return made(k.character(v.value.codePointAt(0) ?? 0));
      case 'array': {
        // Elements are made first (each kept in the literal array), then the Array.
        const values = v.elements.map((el): [bigint, number] => {
          if (el.type === 'integer') {
            if (el.value < -(2n ** 63n) || el.value >= 2n ** 63n) this.fail('integers beyond 64 bits are not supported yet', span);
            return [el.value, TAG_NUM];
          }
          const cell = el.type === 'nil' ? ROOTS.NIL : el.type === 'true' ? ROOTS.TRUE : el.type === 'false' ? ROOTS.FALSE : -1;
          const p = cell >= 0 ? slotPointer(k.machine, k.roots, cell) : this.makeLiteral(el, span);
          this.literal(p);
          return [BigInt(p), TAG_PTR];
        });
        const a = made(k.heap.allocateFixed(values.length, FORMAT_POINTERS, CLASS.Array, BigInt(k.nil), TAG_PTR));
        values.forEach(([value, tag], i) => setSlot(k.machine, a, i, value, tag));
        return a;
      }
      default: return this.fail(`unexpected literal ${v.type}`, span);
    }
  }

  private brace(elements: readonly Expression[], span: Span): void {
    // {a. b. c} is `Array with: a with: b with: c` for up to four elements, else an error.
    if (elements.length > 4) this.fail('brace arrays of more than four elements are not supported yet', span);
    this.load(this.resolve({ kind: 'variable', name: 'Array', span }, false));
    for (const el of elements) this.expression(el);
    const selector = elements.length === 0 ? 'new' : 'with:'.repeat(elements.length);
    this.sendSelector(selector, elements.length, -1);
  }

  private sendSelector(name: string, argc: number, start: number): void {
    const selector = this.k.symbols.intern(name);
    if (selector < 0) throw new CompileFailure({ message: 'out of memory', span: NO_SPAN });
    this.literal(selector);
    if (start >= 0) this.literal(start);
    this.emit({ op: 'send', selector, name, argc, start });
    this.depth -= argc;
  }

  private send(receiver: Expression, message: Message, span: Span): void {
    if (this.machineSend(receiver, [message])) return;
    const inline = INLINED[message.selector];
    if (inline && inline(this, receiver, message.args)) return;
    const toSuper = receiver.kind === 'variable' && receiver.name === 'super';
    if (toSuper && this.cx.behaviour < 0) this.fail("'super' needs a method's behaviour", span);
    this.expression(receiver);
    for (const a of message.args) this.expression(a);
    const start = toSuper ? parentOf(this.k, this.cx.behaviour) : -1;
    if (toSuper && start < 0) this.fail(`${message.selector}: the VM object has no parent for super`, span);
    this.sendSelector(message.selector, message.args.length, start);
  }

  private cascade(c: Cascade): void {
    if (this.machineSend(c.receiver, c.messages)) return;
    this.expression(c.receiver);
    c.messages.forEach((m, i) => {
      const last = i === c.messages.length - 1;
      if (!last) this.pushTop();
      for (const a of m.args) this.expression(a);
      this.sendSelector(m.selector, m.args.length, -1);
      if (!last) this.pop();
    });
  }

  /**
   * Messages to a machine object (Memory, CPU, ALU) whose methods are primitives: each is the
   * primitive, working on the accumulator (rax) as the machine does. Returns false when the
   * receiver is not a machine object (or a message is not one of its primitives).
   */
  private machineSend(receiver: Expression, messages: readonly Message[]): boolean {
    if (receiver.kind !== 'variable' || !MACHINE_OBJECTS.includes(receiver.name)) return false;
    if (this.scopes.some((s) => s.has(receiver.name)) || this.ivars.has(receiver.name)) return false;
    const b = this.k.behaviourNamed(receiver.name);
    if (b < 0 || classIndexOf(this.k.machine, b) !== behaviourIndex(this.k, b)) return false;
    const methods = messages.map((m) => {
      const selector = this.k.symbols.find(m.selector);
      const method = selector === undefined ? -1 : lookupFrom(this.k, b, selector);
      const kind = method < 0 ? -1 : slotNumber(this.k.machine, method, METHOD.KIND);
      return kind === METHOD_KIND.REGISTERS || kind === METHOD_KIND.TOS ? { method, kind } : null;
    });
    if (methods.some((x) => x === null)) return false;
    messages.forEach((m, i) => {
      const { method, kind } = methods[i]!;
      const code = slotPointer(this.k.machine, method, METHOD.CODE);
      this.literal(code);
      const name = `${receiver.name}>>${m.selector}`;
      if (kind === METHOD_KIND.TOS) {
        this.expression(m.args[0]);
        this.emit({ op: 'primitive', code, name, kind, argc: 1 });
      } else {
        // The accumulator is what rax holds now; it is live from here on.
        if (this.depth === 0) this.depth = 1;
        if (m.args.length > 0) { this.pushTop(); for (const a of m.args) this.expression(a); }
        this.emit({ op: 'primitive', code, name, kind, argc: m.args.length });
        this.depth -= m.args.length;
      }
      // In a cascade every message but the last is done for its effect (and, for the
      // accumulator, for what it leaves in rax: dropping the top emits nothing at depth 1).
      if (i < messages.length - 1) this.pop();
    });
    return true;
  }

  /** Code for an inlined literal block: its temporaries join the method's; value stays on top. */
  inlineBlock(b: Block): void {
    this.pushScope();
    for (const t of b.temps) this.declareTemp(t);
    this.statements(b.statements);
    this.popScope();
  }

  /** Compile `e` leaving its value on top; used by the inliners. */
  value(e: Expression): void { this.expression(e); }

  jumpIf(when: boolean, target: number): void {
    this.depth--;
    this.emit({ op: 'jumpIf', when, target, restore: this.depth > 0 });
  }

  jump(target: number): void { this.emit({ op: 'jump', target }); }

  /** The current depth, to give both arms of a branch the same start. */
  get stackDepth(): number { return this.depth; }
  set stackDepth(d: number) { this.depth = d; }

  loadNil(): void { this.load(this.constant(ROOTS.NIL, 'nil')); }
  loadSlot(slot: Slot): void { this.load(slot); }
  store(slot: Slot): void { this.emit({ op: 'store', to: slot }); }
  sendNamed(name: string, argc: number): void { this.sendSelector(name, argc, -1); }
  loadNumber(n: bigint): void { this.load({ kind: 'number', value: n }); }
  newTemp(name: string, span: Span): Slot { return this.declareTemp({ kind: 'variable', name, span }); }
  emitReturn(): void { this.emit({ op: 'return' }); }
  prologue(temps: number): void { this.ops.unshift({ op: 'prologue', argc: this.argc, temps }); }
  /** The address of one of the kernel's roots cells (nil, true, false). */
  kernelRoot(which: number): number { return this.k.roots + 8 * which; }
}

const NO_SPAN: Span = { start: { offset: 0, line: 1, column: 1 }, end: { offset: 0, line: 1, column: 1 } };

/** Instance variable names of behaviour `b` (its parents' first), with their slot indexes. */
export function instanceVariables(k: Kernel, b: number): Map<string, number> {
  const chain: number[] = [];
  for (let x = b; x >= 0; x = parentOf(k, x)) chain.unshift(x);
  const names = new Map<string, number>();
  for (const x of chain) {
    const ivars = slotPointer(k.machine, x, BEHAVIOUR.IVARS);
    if (ivars < 0 || ivars === k.nil) continue;
    for (let i = 0; i < slotCount(k.machine, ivars); i++) names.set(k.symbols.text(slotPointer(k.machine, ivars, i)), names.size);
  }
  return names;
}

// ---- inlined control structures --------------------------------------------------------------

type Inliner = (g: Generator, receiver: Expression, args: readonly Expression[]) => boolean;

function literalBlock(e: Expression | undefined, params: number): e is Block {
  return e !== undefined && e.kind === 'block' && e.params.length === params;
}

/** receiver ifTrue: [a] ifFalse: [b], with either arm possibly absent (its value is nil). */
function conditional(g: Generator, cond: Expression, whenTrue: Block | null, whenFalse: Block | null): void {
  const other = g.newLabel(), end = g.newLabel();
  g.value(cond);
  g.jumpIf(whenTrue ? false : true, other);
  const depth = g.stackDepth;
  const first = whenTrue ?? whenFalse!;
  g.inlineBlock(first);
  g.jump(end);
  g.label(other);
  g.stackDepth = depth;
  const second = whenTrue ? whenFalse : null;
  if (second) g.inlineBlock(second); else g.loadNil();
  g.label(end);
}

/** [cond] whileTrue: [body] (and the other three forms). */
function loop(g: Generator, cond: Block, body: Block | null, whileTrue: boolean): void {
  const top = g.newLabel(), end = g.newLabel();
  g.label(top);
  g.inlineBlock(cond);
  g.jumpIf(!whileTrue, end);
  if (body) { g.inlineBlock(body); g.pop(); }
  g.jump(top);
  g.label(end);
  g.loadNil();
}

export const INLINED: Readonly<Record<string, Inliner>> = Object.freeze({
  'ifTrue:': (g, r, [a]) => literalBlock(a, 0) && (conditional(g, r, a, null), true),
  'ifFalse:': (g, r, [a]) => literalBlock(a, 0) && (conditional(g, r, null, a), true),
  'ifTrue:ifFalse:': (g, r, [a, b]) => literalBlock(a, 0) && literalBlock(b, 0) && (conditional(g, r, a, b), true),
  'ifFalse:ifTrue:': (g, r, [a, b]) => literalBlock(a, 0) && literalBlock(b, 0) && (conditional(g, r, b, a), true),
  'and:': (g, r, [a]) => {
    if (!literalBlock(a, 0)) return false;
    const no = g.newLabel(), end = g.newLabel();
    g.value(r);
    g.jumpIf(false, no);
    const depth = g.stackDepth;
    g.inlineBlock(a);
    g.jump(end);
    g.label(no);
    g.stackDepth = depth;
    g.loadSlot({ kind: 'cell', address: g.kernelRoot(ROOTS.FALSE), name: 'false' });
    g.label(end);
    return true;
  },
  'or:': (g, r, [a]) => {
    if (!literalBlock(a, 0)) return false;
    const yes = g.newLabel(), end = g.newLabel();
    g.value(r);
    g.jumpIf(true, yes);
    const depth = g.stackDepth;
    g.inlineBlock(a);
    g.jump(end);
    g.label(yes);
    g.stackDepth = depth;
    g.loadSlot({ kind: 'cell', address: g.kernelRoot(ROOTS.TRUE), name: 'true' });
    g.label(end);
    return true;
  },
  'whileTrue:': (g, r, [a]) => literalBlock(r, 0) && literalBlock(a, 0) && (loop(g, r, a, true), true),
  'whileFalse:': (g, r, [a]) => literalBlock(r, 0) && literalBlock(a, 0) && (loop(g, r, a, false), true),
  whileTrue: (g, r) => literalBlock(r, 0) && (loop(g, r, null, true), true),
  whileFalse: (g, r) => literalBlock(r, 0) && (loop(g, r, null, false), true),
  'timesRepeat:': (g, r, [a]) => {
    if (!literalBlock(a, 0)) return false;
    // count := receiver. [count > 0] whileTrue: [body. count := count - 1]
    const count = g.newTemp('(count)', a.span);
    const top = g.newLabel(), end = g.newLabel();
    g.value(r);
    g.store(count);
    g.pop();
    g.label(top);
    g.loadSlot(count);
    g.loadNumber(0n);
    g.sendNamed('>', 1);
    g.jumpIf(false, end);
    g.inlineBlock(a);
    g.pop();
    g.loadSlot(count);
    g.loadNumber(1n);
    g.sendNamed('-', 1);
    g.store(count);
    g.pop();
    g.jump(top);
    g.label(end);
    g.loadNil();
    return true;
  },
  'to:do:': (g, r, [limit, a]) => {
    if (!literalBlock(a, 1)) return false;
    // i := receiver. last := limit. [i <= last] whileTrue: [body. i := i + 1]
    g.pushScope();
    const last = g.newTemp('(limit)', a.span);
    const i = g.newTemp(a.params[0].name, a.params[0].span);
    const top = g.newLabel(), end = g.newLabel();
    g.value(r);
    g.store(i);
    g.pop();
    g.value(limit);
    g.store(last);
    g.pop();
    g.label(top);
    g.loadSlot(i);
    g.loadSlot(last);
    g.sendNamed('<=', 1);
    g.jumpIf(false, end);
    g.inlineBlock(a);
    g.pop();
    g.loadSlot(i);
    g.loadNumber(1n);
    g.sendNamed('+', 1);
    g.store(i);
    g.pop();
    g.jump(top);
    g.label(end);
    g.popScope();
    g.loadNil();
    return true;
  },
  'ifNil:': (g, r, [a]) => literalBlock(a, 0) && (nilTest(g, r, a, null), true),
  'ifNotNil:': (g, r, [a]) => literalBlock(a, 0) && (nilTest(g, r, null, a), true),
  'ifNil:ifNotNil:': (g, r, [a, b]) => literalBlock(a, 0) && literalBlock(b, 0) && (nilTest(g, r, a, b), true),
});

/** receiver ifNil: [a] ifNotNil: [b]: the value is the arm's; an absent arm gives the receiver. */
function nilTest(g: Generator, r: Expression, ifNil: Block | null, ifNotNil: Block | null): void {
  const notNil = g.newLabel(), end = g.newLabel();
  g.value(r);
  g.pushTop();
  g.sendNamed('isNil', 0);
  g.jumpIf(false, notNil);
  const depth = g.stackDepth;
  g.pop();
  if (ifNil) g.inlineBlock(ifNil); else g.loadNil();
  g.jump(end);
  g.label(notNil);
  g.stackDepth = depth;
  if (ifNotNil) { g.pop(); g.inlineBlock(ifNotNil); }
  g.label(end);
}
