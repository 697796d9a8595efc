/*
 * Code generation: a method's or an expression's syntax tree to the IR (ir.ts).
 *
 * The value stack discipline: the generator keeps `depth`, the number of live values on the
 * value stack (its top in rax), so that every load knows whether to save rax first and every
 * pop whether a value comes back into rax.
 *
 * What it decides here, so that both back ends share it:
 *   - names: arguments, temporaries (an inlined block's parameters and temporaries become its
 *     unit's), instance variables of the behaviour and its parents, globals, self, super;
 *     at the top level an assignment to an undeclared name makes a global;
 *   - literals: numbers that fit in 64 bits are immediates; nil, true and false are the
 *     kernel's cells; strings, symbols, characters and literal arrays are fixed objects in the
 *     method's literal array;
 *   - sends to the machine objects (Memory, CPU, ALU) are their primitives, called or inlined;
 *   - control structures with literal blocks (INLINED below) are jumps, as every Smalltalk
 *     compiler does; anything else is a dynamic send;
 *   - any other block is a closure, compiled as a unit of its own. A first pass (analyze)
 *     finds the variables blocks capture, which then live in a context instead of a frame,
 *     and the methods that are homes of a `^` inside a block.
 */
import { FORMAT_BYTES, FORMAT_POINTERS, FORMAT_WORDS, TAG_NUM, TAG_PTR } from '../../kernel/machine/cells.ts';
import { byteShape, classIndexOf, setSlot, slotCount, slotNumber, slotPointer } from '../../kernel/objects/access.ts';
import { setPad } from '../../kernel/objects/symbols.ts';
import { behaviourIndex, behaviourName, lookupFrom, parentOf, walkGuard } from '../../kernel/objects/classes.ts';
import { declareUndeclared, findBinding, findUndeclared } from '../../kernel/objects/globals.ts';
import type { Kernel } from '../../kernel/objects/kernel.ts';
import { BEHAVIOUR, CLASS, METHOD, METHOD_KIND, ROOTS } from '../../kernel/objects/layout.ts';
import { makeString } from '../../kernel/objects/methods.ts';
import { arithmeticSealed } from '../../kernel/objects/arithmetic.ts';
import type { Block, Body, Cascade, Expression, LiteralValue, Message, Span, Statement, Variable } from '../lang/ast.ts';
import type { BlockLiterals, Op, Slot, Source, Unit } from './ir.ts';

export interface CompileError {
  readonly message: string;
  readonly span: Span;
}

export class CompileFailure {
  constructor(readonly error: CompileError) {}
}

/** What the compiler does with a block's unit: materialize it, answering its two entries. */
export type BlockCompiler = (unit: Unit) => { readonly native: number; readonly threaded: number; readonly keep: readonly number[] };

export interface CodegenContext {
  readonly kernel: Kernel;
  /** The behaviour the code runs in (its instance variables; super); -1 for the top level. */
  readonly behaviour: number;
  /** Top-level code: assigning to an undeclared name defines a global. */
  readonly topLevel: boolean;
  /** Called for each global the code defines (so the caller can log it): the kernel's own way, before the library is loaded. */
  readonly defineGlobal?: (name: string) => number | string;
  /**
   * With the library loaded: the undeclared bindings (globals.ts) of the globals the top-level
   * code assigns and no one has defined; its prologue declares them, nil, through the library
   * (Binding>>declareNil, behaviour.bedrock), as Smalltalk at:put: defines a global.
   */
  readonly declared?: Set<number>;
  /** Keeps an object the code refers to alive until the method holds it. */
  readonly hold?: (address: number) => number;
  /** Compiles a block's unit (for closures). */
  readonly compileBlock?: BlockCompiler;
  /** Called for each method the code has in it: a machine object's primitive, found for a selector. */
  readonly bind?: (behaviour: number, selector: string, method: number) => void;
  /** Told what is worth a warning (a name not defined yet). */
  readonly warn?: (message: string) => void;
  /** Give counting loops an unchecked copy (countingLoop) once SmallInteger arithmetic is inlined; default yes. */
  readonly countedLoops?: boolean;
  /**
   * The method to inline at a send of `selector` with `argc` arguments (inline-sends.ts), its
   * watches made; null for a whole send. `self`: the behaviour the receiver is an instance of
   * (or of a subclass) when the send is to self, else -1. Absent: no method is inlined.
   */
  readonly inlineMethod?: (selector: string, argc: number, self: number) => InlineCandidate | null;
  /** The selector of the method being compiled (its own sends of it are not inlined: recursion). */
  readonly selector?: string;
}

/** A method a send may have inlined (inline-sends.ts): its definition, read again from its source, and what guards the copy. */
export interface InlineCandidate {
  readonly method: number;
  /** Its behaviour (its instance variables, class variables). */
  readonly owner: number;
  /** `Foo>>bar`, for listings. */
  readonly name: string;
  readonly params: readonly Variable[];
  readonly body: Body;
  /** The watches (SendSites) whose class index a receiver must have for the copy to run. */
  readonly watches: readonly number[];
  /** The class index each watch is for. */
  readonly classes: readonly number[];
}

/** How deep inlined methods nest (a method inlined in one inlined). */
const MAX_INLINE_DEPTH = 3;

/** What the body of a method inlined at a send sees (Generator.inlineMethod). */
interface InlineFrame {
  readonly candidate: InlineCandidate;
  /** The temporary holding its receiver (self). */
  readonly self: number;
  readonly ivars: Map<string, number>;
  readonly classSide: Set<string>;
  /** Scopes below this one are the caller's: its names are not the inlined method's. */
  readonly scopeBase: number;
  /** Where its answer goes on (the label after the whole send). */
  readonly done: number;
  /** The value stack's depth at the send, before its receiver: ^ leaves one value more. */
  readonly depth: number;
  /** A temporary for ^ from deeper in the value stack, taken at the first such ^ (-1 before). */
  result: number;
  /** The temporaries it took (Generator.inlineTemp), given back when it ends. */
  readonly taken: number[];
}

/** The machine objects: sends to these globals are their primitives, compiled in place. */
export const MACHINE_OBJECTS: readonly string[] = Object.freeze(['Memory', 'CPU', 'ALU']);

const RESERVED = new Set(['self', 'super', 'thisContext', 'nil', 'true', 'false']);
const NO_SPAN: Span = { start: { offset: 0, line: 1, column: 1 }, end: { offset: 0, line: 1, column: 1 } };

// ---- inlined control structures: which blocks they take ----------------------------------------

/** The literal blocks a send inlines (receiver first), or null when it is an ordinary send. */
type Shape = (receiver: Expression, args: readonly Expression[]) => readonly Block[] | null;

function block(e: Expression | undefined, params: number): e is Block {
  return e !== undefined && e.kind === 'block' && e.params.length === params;
}

const arms = (params: number[]): Shape => (_r, args) =>
  args.length === params.length && args.every((a, i) => block(a, params[i])) ? (args as Block[]) : null;
/** Like arms, where a null count is an ifNotNil: arm: a block of no argument or one. */
const notNilArms = (params: (number | null)[]): Shape => (_r, args) =>
  args.length === params.length && args.every((a, i) => (params[i] === null ? block(a, 0) || block(a, 1) : block(a, params[i]!))) ? (args as Block[]) : null;
const loopShape = (arg: boolean): Shape => (r, args) =>
  block(r, 0) && (!arg || block(args[0], 0)) ? [r, ...(arg ? [args[0] as Block] : [])] : null;

export const INLINE_SHAPES: Readonly<Record<string, Shape>> = Object.freeze({
  'ifTrue:': arms([0]), 'ifFalse:': arms([0]), 'ifTrue:ifFalse:': arms([0, 0]), 'ifFalse:ifTrue:': arms([0, 0]),
  'and:': arms([0]), 'or:': arms([0]), 'timesRepeat:': arms([0]),
  // ifNotNil: arms take no argument or one, the receiver (ifNotNil: [:x | x + 1]).
  'ifNil:': arms([0]), 'ifNotNil:': notNilArms([null]), 'ifNil:ifNotNil:': notNilArms([0, null]), 'ifNotNil:ifNil:': notNilArms([null, 0]),
  'whileTrue:': loopShape(true), 'whileFalse:': loopShape(true), whileTrue: loopShape(false), whileFalse: loopShape(false),
  'to:do:': (_r, args) => (args.length === 2 && block(args[1], 1) ? [args[1] as Block] : null),
  // With a literal step (not 0: that is the message's error), which says which way it counts.
  'to:by:do:': (_r, args) => (args.length === 3 && literalStep(args[1]) !== null && block(args[2], 1) ? [args[2] as Block] : null),
});

/**
 * to:do: and to:by:do: inlined: start := receiver. i := start. last := limit.
 * [i <= last] whileTrue: [body. i := i + by] (>= for a negative step); the answer is start,
 * as the message answers its receiver in Pharo and GNU Smalltalk.
 */
function countingLoop(g: Generator, r: Expression, limit: Expression, b: Block, by: bigint): void {
  g.pushScope();
  const start = g.hiddenTemp('(start)');
  const last = g.hiddenTemp('(limit)');
  const i = g.newTemp(b.params[0]);
  const top = g.newLabel(), end = g.newLabel();
  g.value(r);
  g.store(start);
  g.store(i);
  g.pop();
  g.value(limit);
  g.store(last);
  g.pop();
  if (g.countedLoops && !b.statements.some((st) => assignsOrCounts(st, b.params[0].name))) {
    // The copy that tests no tag, entered when the counter and the bound are SmallIntegers
    // (checked once) and SmallInteger arithmetic is not overridden; that test is made again
    // after the body, before the step (a definition the body made is obeyed there), and each
    // failure goes on in the copy below, which tests everything. The counter stays a
    // SmallInteger: only the step changes it, and a step that overflows goes on in the
    // testing copy's step (which sends + and answers a LargeInteger).
    const fast = g.newLabel(), step = g.newLabel();
    g.intLoop([i, last], top);
    g.label(fast);
    g.loadSlot(i);
    g.loadSlot(last);
    g.sendCounted(by > 0n ? '<=' : '>=');
    g.jumpIf(false, end);
    g.inlineBlock(b);
    g.pop();
    g.intLoop([], step);
    g.loadSlot(i);
    g.loadNumber(by);
    g.sendCounted('+', step);
    g.store(i);
    g.pop();
    g.jump(fast);
    testingLoop(g, { start, i, last }, b, by, top, end, step);
    return;
  }
  testingLoop(g, { start, i, last }, b, by, top, end);
}

/**
 * The counting loop that tests everything (every send whole), from `top`; `step` labels its
 * step when the unchecked copy goes on there (countingLoop). Ends the loop: the answer is start.
 */
function testingLoop(g: Generator, { start, i, last }: { start: Slot; i: Slot; last: Slot }, b: Block, by: bigint, top: number, end: number, step?: number): void {
  g.label(top);
  g.loadSlot(i);
  g.loadSlot(last);
  g.sendNamed(by > 0n ? '<=' : '>=', 1);
  g.jumpIf(false, end);
  g.inlineBlock(b);
  g.pop();
  if (step !== undefined) g.label(step);
  g.loadSlot(i);
  g.loadNumber(by);
  g.sendNamed('+', 1);
  g.store(i);
  g.pop();
  g.jump(top);
  g.label(end);
  g.loadSlot(start);
  g.popScope();
}

/**
 * Does `e` assign to `name`, or hold a counting loop of its own (whose body would be copied
 * again inside each copy of this one's)? Either keeps a counting loop to its one, testing form.
 */
function assignsOrCounts(e: Statement, name: string): boolean {
  switch (e.kind) {
    case 'assign': return e.target.name === name || assignsOrCounts(e.value, name);
    case 'return': return assignsOrCounts(e.value, name);
    case 'send':
      if (e.message.selector === 'to:do:' || e.message.selector === 'to:by:do:') return true;
      return assignsOrCounts(e.receiver, name) || e.message.args.some((a) => assignsOrCounts(a, name));
    case 'cascade': return assignsOrCounts(e.receiver, name) || e.messages.some((m) => m.args.some((a) => assignsOrCounts(a, name)));
    case 'brace': return e.elements.some((x) => assignsOrCounts(x, name));
    case 'block': return e.statements.some((x) => assignsOrCounts(x, name));
    default: return false;
  }
}

/** Is `e` self (a send to it may inline the method self's class finds: inline-sends.ts)? */
function isSelf(e: Expression): boolean {
  return e.kind === 'variable' && e.name === 'self';
}

/** A to:by:do: step written as a literal integer other than 0, or null. */
function literalStep(e: Expression | undefined): bigint | null {
  return e !== undefined && e.kind === 'literal' && e.value.type === 'integer' && e.value.value !== 0n ? e.value.value : null;
}

// ---- the first pass: what blocks capture -----------------------------------------------------

/** What the first pass found, for the whole method. */
export interface Analysis {
  /** Declarations (their Variable nodes) referenced from inside a closure: they live in a context. */
  readonly captured: Map<Variable, number>;
  /** Per unit (the method's Body, or a closure's Block): how many variables its context holds. */
  readonly contextVars: Map<Body | Block, number>;
  /** The method is the home of a ^ inside a closure. */
  home: boolean;
}

/** Find the captured variables and the homes of ^, following the generator's own decisions. */
export function analyze(params: readonly Variable[], body: Body): Analysis {
  const a: Analysis = { captured: new Map(), contextVars: new Map(), home: false };
  type Decl = { node: Variable; unit: Body | Block };
  const scopes: Map<string, Decl>[] = [];
  const declare = (v: Variable, unit: Body | Block): void => { scopes[scopes.length - 1].set(v.name, { node: v, unit }); };
  const find = (name: string): Decl | undefined => {
    for (let i = scopes.length - 1; i >= 0; i--) { const d = scopes[i].get(name); if (d) return d; }
    return undefined;
  };
  const capture = (d: Decl): void => {
    if (a.captured.has(d.node)) return;
    const n = a.contextVars.get(d.unit) ?? 0;
    a.captured.set(d.node, n);
    a.contextVars.set(d.unit, n + 1);
  };
  const visitStatements = (list: readonly Statement[], unit: Body | Block, inClosure: boolean): void => {
    for (const s of list) {
      if (s.kind === 'return') { if (inClosure) a.home = true; visit(s.value, unit, inClosure); } else visit(s, unit, inClosure);
    }
  };
  const inlineBody = (b: Block, unit: Body | Block, inClosure: boolean): void => {
    scopes.push(new Map());
    for (const p of b.params) declare(p, unit);
    for (const t of b.temps) declare(t, unit);
    visitStatements(b.statements, unit, inClosure);
    scopes.pop();
  };
  const visitSend = (receiver: Expression, messages: readonly Message[], unit: Body | Block, inClosure: boolean): void => {
    const single = messages.length === 1 ? messages[0] : null;
    // (No machine object has a primitive named like an inlined selector, so the generator,
    // which tries machine sends first, inlines exactly these.)
    const inlined = single ? INLINE_SHAPES[single.selector]?.(receiver, single.args) ?? null : null;
    if (inlined) {
      const blocks = new Set(inlined);
      for (const e of [receiver, ...single!.args]) {
        if (e.kind === 'block' && blocks.has(e)) inlineBody(e, unit, inClosure); else visit(e, unit, inClosure);
      }
      return;
    }
    // A chain of sends (`1 + 1 + ... + 1`, `3 yourself yourself ...`) nests to the left as
    // deeply as it is long: walk down it in a loop, so that its length costs no host stack.
    const chain: (readonly Message[])[] = [messages];
    let r = receiver;
    while (r.kind === 'send' && !INLINE_SHAPES[r.message.selector]?.(r.receiver, r.message.args)) {
      chain.push([r.message]);
      r = r.receiver;
    }
    visit(r, unit, inClosure);
    for (let i = chain.length - 1; i >= 0; i--) for (const m of chain[i]) for (const arg of m.args) visit(arg, unit, inClosure);
  };
  const visit = (e: Expression, unit: Body | Block, inClosure: boolean): void => {
    switch (e.kind) {
      case 'variable': { const d = find(e.name); if (d && d.unit !== unit) capture(d); return; }
      case 'assign': visit(e.target, unit, inClosure); visit(e.value, unit, inClosure); return;
      case 'send': visitSend(e.receiver, [e.message], unit, inClosure); return;
      case 'cascade': visitSend(e.receiver, e.messages, unit, inClosure); return;
      case 'brace': for (const el of e.elements) visit(el, unit, inClosure); return;
      case 'block':
        scopes.push(new Map());
        for (const p of e.params) declare(p, e);
        for (const t of e.temps) declare(t, e);
        visitStatements(e.statements, e, true);
        scopes.pop();
        return;
      default: return;
    }
  };
  scopes.push(new Map());
  for (const p of params) declare(p, body);
  for (const t of body.temps) declare(t, body);
  visitStatements(body.statements, body, false);
  return a;
}

// ---- the generator ---------------------------------------------------------------------------

type Scope = Map<string, Slot>;

export class Generator {
  readonly ops: Op[] = [];
  readonly literals: number[] = [];
  private depth = 0;
  private labels = 0;
  temps = 0;
  private readonly scopes: Scope[] = [];
  private readonly argumentNames = new Set<string>();
  private readonly ownIvars: Map<string, number>;
  private readonly ownClassSide: Set<string>;
  /** Methods inlined at sends, innermost last, whose bodies are being compiled. */
  private readonly inlines: InlineFrame[] = [];
  private get inlined(): InlineFrame | undefined { return this.inlines[this.inlines.length - 1]; }
  /** Instance variables of the behaviour whose code is being compiled (an inlined method's own). */
  private get ivars(): Map<string, number> { return this.inlined?.ivars ?? this.ownIvars; }
  private get classSide(): Set<string> { return this.inlined?.classSide ?? this.ownClassSide; }
  /** The behaviour whose code is being compiled: the unit's, or an inlined method's. */
  private get behaviour(): number { return this.inlined?.candidate.owner ?? this.cx.behaviour; }
  /** Top-level code (not inside an inlined method, which is a method's). */
  private get topLevel(): boolean { return this.cx.topLevel && this.inlines.length === 0; }
  readonly k: Kernel;
  /** The unit's environment is temp 0: a context of its own, or (a block) its closure's outer one. */
  readonly hasEnvironment: boolean;
  private readonly contextVars: number;
  /** For the debugger (ir.ts UnitDebug): each op's source, the declared names, the blocks made here. */
  private readonly spans = new Map<Op, { start: number; end: number }>();
  private readonly variables: { name: string; slot: Slot }[] = [];
  private readonly blocks: BlockLiterals[] = [];
  /** The span of the expression being compiled (its ops are marked with it). */
  private spanNow: Span | null = null;

  constructor(
    private readonly cx: CodegenContext,
    private readonly argc: number,
    /** The unit: the method's (or DoIt's) Body, or a closure's Block. */
    private readonly unit: Body | Block,
    private readonly analysis: Analysis,
    /** The generator of the enclosing unit, for a closure. */
    private readonly outer: Generator | null,
  ) {
    this.k = cx.kernel;
    this.ownIvars = instanceVariables(cx.kernel, cx.behaviour);
    this.ownClassSide = classSideVariables(cx.kernel, cx.behaviour);
    this.contextVars = analysis.contextVars.get(unit) ?? 0;
    this.hasEnvironment = outer !== null || this.contextVars > 0 || analysis.home;
    if (this.hasEnvironment) this.temps = 1;
  }

  private get isBlock(): boolean { return this.outer !== null; }
  /** Do counting loops get their unchecked copy (countingLoop)? Once SmallInteger arithmetic is inlined. */
  get countedLoops(): boolean { return this.cx.countedLoops !== false && arithmeticSealed(this.k); }
  /** Does this unit have a context of its own (captured variables, or a method that is a home)? */
  get ownsContext(): boolean { return this.contextVars > 0 || (!this.isBlock && this.analysis.home); }

  // ---- emitting ------------------------------------------------------------------------

  private emit(op: Op): void {
    this.ops.push(op);
    if (this.spanNow) this.spans.set(op, { start: this.spanNow.start.offset, end: this.spanNow.end.offset });
  }
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
    // (Found through a map: a DoIt of 100,000 statements has as many literals, and a search
    // of the list for each made its compiling quadratic.)
    const known = this.literalIndex.get(address);
    if (known !== undefined) return known;
    this.cx.hold?.(address);
    this.literals.push(address);
    this.literalIndex.set(address, this.literals.length - 1);
    return this.literals.length - 1;
  }

  /** Where each address is in `literals`. */
  private readonly literalIndex = new Map<number, number>();

  private fail(message: string, span: Span): never {
    throw new CompileFailure({ message, span });
  }

  // ---- scopes ----------------------------------------------------------------------------

  pushScope(): void { this.scopes.push(new Map()); }
  popScope(): void { this.scopes.pop(); }

  /** Declare argument `index` (1-based): in the frame, or in the context when a closure captures it. */
  declareArgument(v: Variable, index: number): void {
    this.argumentNames.add(v.name);
    this.declare(v, { kind: 'argument', index });
  }

  /** Declare a temporary; answers where it lives (the frame, or the context when captured). */
  declareTemp(v: Variable): Slot {
    const inlined = this.inlined;
    return this.declare(v, { kind: 'temp', index: inlined ? this.inlineTemp(inlined.taken) : this.temps++ });
  }

  private declare(v: Variable, frameSlot: Extract<Slot, { kind: 'temp' }>): Extract<Slot, { kind: 'temp' }>;
  private declare(v: Variable, frameSlot: Slot): Slot;
  private declare(v: Variable, frameSlot: Slot): Slot {
    if (RESERVED.has(v.name)) this.fail(`'${v.name}' is reserved and cannot name a variable`, v.span);
    const scope = this.scopes[this.scopes.length - 1];
    if (scope.has(v.name)) this.fail(`'${v.name}' is declared twice`, v.span);
    const captured = this.analysis.captured.get(v);
    const slot: Slot = captured === undefined ? frameSlot : { kind: 'context', hops: 0, index: captured, name: v.name };
    scope.set(v.name, slot);
    this.variables.push({ name: v.name, slot });
    return slot;
  }

  /** Is `name` an argument of this unit (and not shadowed by a temporary in an inner scope)? */
  isArgument(name: string): boolean {
    for (let i = this.scopes.length - 1; i >= 1; i--) if (this.scopes[i].has(name)) return false;
    return this.argumentNames.has(name) && (this.scopes[0]?.has(name) ?? false);
  }

  /** The slot of a name declared in this unit, or undefined. */
  private own(name: string): Slot | undefined {
    for (let i = this.scopes.length - 1; i >= (this.inlined?.scopeBase ?? 0); i--) {
      const slot = this.scopes[i].get(name);
      if (slot) return slot;
    }
    return undefined;
  }

  /**
   * Where a name lives. A global that does not exist yet is bound late (globals.ts): read
   * through its undeclared binding when the code runs. That is how every name a DoIt reads
   * works, and a capitalized name in a method (with a warning); a method's lower-case name
   * that is nothing is a missing declaration, an error.
   */
  private resolve(v: Variable, forStore: boolean): Slot | { kind: 'late'; binding: number } | { kind: 'classSide'; name: string } {
    const here = this.own(v.name);
    if (here) {
      if (forStore && this.isArgument(v.name)) this.fail(`'${v.name}' is an argument and cannot be assigned`, v.span);
      return here;
    }
    // An enclosing unit's variable (captured, so in a context): count the contexts between.
    let hops = this.ownsContext ? 1 : 0;
    for (let g = this.inlined ? null : this.outer; g !== null; g = g.outer) {
      const slot = g.own(v.name);
      if (slot) {
        if (slot.kind !== 'context') this.fail(`internal: '${v.name}' was not found captured`, v.span);
        if (forStore && g.isArgument(v.name)) this.fail(`'${v.name}' is an argument and cannot be assigned`, v.span);
        return { kind: 'context', hops: hops + slot.hops, index: slot.index, name: v.name };
      }
      if (g.ownsContext) hops++;
    }
    if (v.name === 'self' || v.name === 'super') {
      if (forStore) this.fail(`'${v.name}' cannot be assigned`, v.span);
      return this.selfSlot;
    }
    if (v.name === 'thisContext') this.fail("'thisContext' cannot be assigned", v.span);
    const ivar = this.ivars.get(v.name);
    const inlined = this.inlined;
    if (ivar !== undefined) return inlined ? { kind: 'field', temp: inlined.self, index: ivar } : { kind: 'instance', index: ivar };
    if (this.classSide.has(v.name)) return { kind: 'classSide', name: v.name };
    let binding = this.classVariable(v.name);
    // A.B: the class variable B of class A (a global named 'A.B'), when A has one.
    if (binding < 0 && v.path !== undefined) binding = findBinding(this.k, v.path.replace(/^Smalltalk\./, ''));
    if (binding < 0) binding = findBinding(this.k, v.name);
    if (binding < 0 && this.topLevel && this.cx.declared) {
      // A global this code defines (its prologue declares it): read and written in its binding.
      const late = forStore ? declareUndeclared(this.k, v.name) : findUndeclared(this.k, v.name);
      if (typeof late === 'string') this.fail(late, v.span);
      if (late >= 0 && (forStore || this.cx.declared.has(late))) {
        this.cx.declared.add(late);
        binding = late;
      }
    }
    if (binding < 0 && forStore && this.topLevel && this.cx.defineGlobal) {
      const made = this.cx.defineGlobal(v.name);
      if (typeof made === 'string') this.fail(made, v.span);
      binding = made;
    }
    if (binding < 0 && !forStore && (this.topLevel || /^\p{Lu}/u.test(v.name))) {
      const late = declareUndeclared(this.k, v.name);
      if (typeof late === 'string') this.fail(late, v.span);
      this.literal(late);
      if (!this.topLevel && !inlined) this.cx.warn?.(`${v.name} is not defined yet (it is looked up when the method runs)`);
      return { kind: 'late', binding: late };
    }
    if (binding < 0) {
      this.fail(forStore ? `'${v.name}' is not declared (declare it in | | or, at the top level, assign it to make a global)` : `'${v.name}' is not defined`, v.span);
    }
    return { kind: 'global', index: this.literal(binding), name: v.name };
  }

  /**
   * A class variable: the global `Class.name` of the method's class or of a class above it
   * (class-side methods share their class's). The class definitions that take
   * classVariableNames: (bootstrap/system/behaviour.bedrock) make these globals.
   */
  private classVariable(name: string): number {
    const guard = walkGuard(this.k, 'a parent chain');
    for (let b = this.behaviour; b >= 0 && guard(); b = parentOf(this.k, b)) {
      const owner = behaviourName(this.k, b).replace(/ class$/, '');
      const binding = findBinding(this.k, `${owner}.${name}`);
      if (binding >= 0) return binding;
    }
    return -1;
  }

  /** Where self is: the unit's, or an inlined method's receiver. */
  private get selfSlot(): Slot {
    const inlined = this.inlined;
    return inlined ? { kind: 'temp', index: inlined.self } : { kind: 'self' };
  }

  private constant(which: number, name: string): Source {
    return { kind: 'literal', index: this.literal(slotPointer(this.k.machine, this.k.roots, which)), name };
  }

  // ---- units ----------------------------------------------------------------------------

  /**
   * The ops of the unit's entry, put in front of its body once its temporaries are counted:
   * the prologue, the environment, and the captured arguments moved into the context.
   */
  private entry(params: readonly Variable[]): Op[] {
    const ops: Op[] = [{ op: 'prologue', argc: this.argc, temps: this.temps, block: this.isBlock }];
    if (!this.hasEnvironment) return ops;
    ops.push({ op: 'environment', vars: this.ownsContext ? this.contextVars : -1, home: !this.isBlock && this.analysis.home });
    params.forEach((p, i) => {
      const index = this.analysis.captured.get(p);
      if (index === undefined) return;
      ops.push({ op: 'load', from: { kind: 'argument', index: i + 1 }, push: false });
      ops.push({ op: 'store', to: { kind: 'context', hops: 0, index, name: p.name } });
    });
    return ops;
  }

  /** A method's body: answers self unless it returns. */
  methodBody(params: readonly Variable[], body: Body): void {
    this.pushScope();
    params.forEach((p, i) => this.declareArgument(p, i + 1));
    for (const t of body.temps) this.declareTemp(t);
    for (const s of body.statements) { this.statement(s); this.pop(); }
    this.load({ kind: 'self' });
    this.emitReturn();
    this.popScope();
    this.ops.unshift(...this.entry(params));
  }

  /** A DoIt's or a closure's body: answers its last statement's value. */
  valueBody(params: readonly Variable[], temps: readonly Variable[], statements: readonly Statement[]): void {
    this.pushScope();
    params.forEach((p, i) => this.declareArgument(p, i + 1));
    for (const t of temps) this.declareTemp(t);
    this.statements(statements);
    this.emitReturn();
    this.popScope();
    this.ops.unshift(...this.entry(params), ...this.declarations());
  }

  /** A DoIt's prologue: each global it defines is declared, nil (CodegenContext.declared). */
  private declarations(): Op[] {
    const declared = this.cx.declared;
    if (this.isBlock || declared === undefined || declared.size === 0) return [];
    const end = this.ops.length, depth = this.depth, span = this.spanNow;
    this.depth = 0;
    this.spanNow = null;
    for (const b of declared) {
      this.load({ kind: 'literal', index: this.literal(b) });
      this.sendNamed('declareNil', 0);
      this.pop();
    }
    this.depth = depth;
    this.spanNow = span;
    return this.ops.splice(end);
  }

  finish(name: string): Unit {
    return {
      name, argc: this.argc, temps: this.temps, ops: this.ops, literals: this.literals,
      debug: { spans: this.spans, variables: this.variables, blocks: this.blocks },
    };
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
      if (this.inlined) this.inlineReturn();
      else if (this.isBlock) this.emit({ op: 'nonLocalReturn' }); else this.emitReturn();
      return;
    }
    this.expression(s);
  }

  emitReturn(): void { this.emit({ op: 'return', leave: !this.isBlock && this.analysis.home }); }

  // ---- expressions -----------------------------------------------------------------------

  expression(e: Expression): void {
    const outer = this.spanNow;
    this.at(e.span);
    try {
      this.expressionHere(e);
    } finally {
      this.spanNow = outer;
    }
  }

  private expressionHere(e: Expression): void {
    switch (e.kind) {
      case 'literal': this.literalValue(e.value, e.span); return;
      case 'variable': {
        if (e.name === 'thisContext') {
          if (this.inlined) this.fail('an inlined method has no context of its own', e.span);
          // The running frame, as an object (bootstrap/system/debug.bedrock, src/system/debug-service.ts).
          this.expression({ kind: 'variable', name: 'MethodContext', span: e.span });
          this.sendNamed('current', 0);
          return;
        }
        const slot = this.resolve(e, false);
        if (slot.kind === 'classSide') {
          // self classSideAt: #name
          this.load(this.selfSlot);
          this.load({ kind: 'literal', index: this.literal(this.symbol(slot.name, e.span)) });
          this.sendNamed('classSideAt:', 1);
          return;
        }
        if (slot.kind !== 'late') { this.load(slot); return; }
        // The binding asks for its value again each time (Binding>>value).
        this.load({ kind: 'literal', index: this.literal(slot.binding) });
        this.sendNamed('value', 0);
        return;
      }
      case 'assign': {
        const slot = this.resolve(e.target, true);
        if (slot.kind === 'classSide') {
          // self classSideAt: #name put: value
          this.load(this.selfSlot);
          this.load({ kind: 'literal', index: this.literal(this.symbol(slot.name, e.span)) });
          this.expression(e.value);
          this.sendNamed('classSideAt:put:', 2);
          return;
        }
        this.expression(e.value);
        this.emit({ op: 'store', to: slot as Slot });
        return;
      }
      case 'send': this.send(e.receiver, e.message, e.span); return;
      case 'cascade': this.cascade(e); return;
      case 'block': this.closure(e); return;
      case 'brace': this.brace(e.elements, e.span); return;
    }
  }

  /** A block that is not inlined: its own unit, and a closure made here at run time. */
  private closure(b: Block): void {
    if (!this.cx.compileBlock) this.fail('blocks cannot be compiled here', b.span);
    if (this.inlined) this.fail('a block of an inlined method is not inlined', b.span);
    const g = new Generator(this.cx, b.params.length, b, this.analysis, this);
    g.valueBody(b.params, b.temps, b.statements);
    const entries = this.cx.compileBlock(g.finish(`[] in ${this.describeUnit()}`));
    const home = this.isBlock ? 'closure' : this.analysis.home ? 'own' : 'none';
    for (const keep of entries.keep) this.literal(keep);
    const native = this.literal(entries.native), threaded = this.literal(entries.threaded);
    if (entries.keep.length > 0) this.blocks.push({ native, stub: threaded, literals: this.literal(entries.keep[0]) });
    this.emit({
      op: 'closure', native, threaded,
      argc: b.params.length, outer: this.hasEnvironment, home, push: this.depth > 0,
    });
    this.depth++;
  }

  private symbol(name: string, span: Span): number {
    const s = this.k.symbols.intern(name);
    if (s < 0) this.fail('out of memory', span);
    return s;
  }

  private describeUnit(): string { return this.isBlock ? 'a block' : 'a method'; }

  private literalValue(v: LiteralValue, span: Span): void {
    switch (v.type) {
      case 'integer':
        if (v.value < -(2n ** 63n) || v.value >= 2n ** 63n) this.load({ kind: 'literal', index: this.literal(this.largeInteger(v.value, span)) });
        else this.load({ kind: 'number', value: v.value });
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
      case 'float': return this.float(v.value, span);
      case 'array': {
        // Elements are made first (each kept in the literal array), then the Array.
        const values = v.elements.map((el): [bigint, number] => {
          if (el.type === 'integer') {
            if (el.value >= -(2n ** 63n) && el.value < 2n ** 63n) return [el.value, TAG_NUM];
            const large = this.largeInteger(el.value, span);
            this.literal(large);
            return [BigInt(large), TAG_PTR];
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
      case 'bytes': {
        // #[1 2 3]: a ByteArray (collection.bedrock), in the fixed space.
        const cls = k.behaviourNamed('ByteArray');
        if (cls < 0) this.fail('#[ ] literals need ByteArray, which is not defined yet', span);
        const { slots, pad } = byteShape(v.value.length);
        const p = made(k.heap.allocateFixed(slots, FORMAT_BYTES, behaviourIndex(k, cls), 0n, TAG_NUM));
        k.machine.store.bytes.set(v.value, p);
        setPad(k.machine, p, pad);
        return p;
      }
      default: return this.fail(`unexpected literal ${v.type}`, span);
    }
  }

  /**
   * A LargeInteger literal: an instance of LargePositiveInteger or LargeNegativeInteger (the
   * library's classes, bootstrap/system/large.bedrock), a word object whose indexed slots are
   * the magnitude's base-2^32 digits, least significant first, with no leading zero digit.
   */
  private largeInteger(value: bigint, span: Span): number {
    const k = this.k;
    const name = value < 0n ? 'LargeNegativeInteger' : 'LargePositiveInteger';
    const cls = k.behaviourNamed(name);
    if (cls < 0) this.fail(`integers beyond 64 bits need ${name}, which is not defined yet`, span);
    // Base-2^32 digits through hexadecimal text: linear, where shifting the magnitude down
    // 32 bits at a time copies it once a digit.
    const hex = (value < 0n ? -value : value).toString(16);
    const digits: bigint[] = [];
    for (let end = hex.length; end > 0 && hex !== '0'; end -= 8) digits.push(BigInt('0x' + hex.slice(Math.max(0, end - 8), end)));
    const p = k.heap.allocateFixed(digits.length, FORMAT_WORDS, behaviourIndex(k, cls), 0n, TAG_NUM);
    if (p < 0) this.fail('out of memory', span);
    digits.forEach((d, i) => setSlot(k.machine, p, i, d, TAG_NUM));
    return p;
  }

  /**
   * A Float literal: an instance of Float (bootstrap/system/float.bedrock), a word object
   * whose one slot holds the double's IEEE 754 bits.
   */
  private float(bits: bigint, span: Span): number {
    const k = this.k;
    const cls = k.behaviourNamed('Float');
    if (cls < 0) this.fail('Float literals need Float, which is not defined yet', span);
    const p = k.heap.allocateFixed(1, FORMAT_WORDS, behaviourIndex(k, cls), 0n, TAG_NUM);
    if (p < 0) this.fail('out of memory', span);
    setSlot(k.machine, p, 0, bits, TAG_NUM);
    return p;
  }

  private brace(elements: readonly Expression[], span: Span): void {
    // {a. b. c} is `(Array new: 3) at: 1 put: a; at: 2 put: b; at: 3 put: c; yourself`.
    this.expression({ kind: 'variable', name: 'Array', span });
    this.load({ kind: 'number', value: BigInt(elements.length) });
    this.sendNamed('new:', 1);
    elements.forEach((el, i) => {
      this.pushTop();
      this.load({ kind: 'number', value: BigInt(i + 1) });
      this.expression(el);
      this.sendNamed('at:put:', 2);
      this.pop();
    });
  }

  private sendSelector(name: string, argc: number, start: number, keep = false): void {
    const selector = this.k.symbols.intern(name);
    if (selector < 0) throw new CompileFailure({ message: 'out of memory', span: NO_SPAN });
    this.literal(selector);
    if (start >= 0) this.literal(start);
    this.emit({ op: 'send', selector, name, argc, start, ...(keep && { keep }) });
    this.depth -= argc;
  }

  /**
   * The ops from here on are marked with `span`; inside an inlined method they keep the span
   * of the send it was inlined at (its own spans are of another method's text).
   */
  private at(span: Span): void {
    if (this.inlines.length === 0) this.spanNow = span;
  }

  /**
   * A dynamic send whose receiver and arguments are on the value stack: a method inlined
   * (inlineMethod) where the context offers one, else the send.
   */
  private dynamicSend(name: string, argc: number, toSelf = false): void {
    if (!this.cx.inlineMethod) { this.sendSelector(name, argc, -1); return; }
    // Not in a method or inlined method of the same selector (recursion), nor too deep: a whole
    // send, which no later definition makes a copy of (ir.ts `keep`).
    if (this.inlines.length >= MAX_INLINE_DEPTH || name === this.cx.selector || this.inlines.some((f) => f.candidate.name.endsWith(`>>${name}`))) {
      this.sendSelector(name, argc, -1, true);
      return;
    }
    const inlining = this.cx.inlineMethod(name, argc, toSelf && !this.topLevel ? this.behaviour : -1);
    if (!inlining) { this.sendSelector(name, argc, -1); return; }
    // A body that does not compile here (a name it reads is not defined, a block that is not
    // inlined ...) leaves no trace: the ops it made are taken back, and the send is made.
    const mark = { ops: this.ops.length, depth: this.depth, temps: this.temps, scopes: this.scopes.length, variables: this.variables.length, span: this.spanNow, inlines: this.inlines.length, pool: [...this.inlineTemps] };
    try {
      this.inlineMethod(inlining, argc);
    } catch (e) {
      if (!(e instanceof CompileFailure)) throw e;
      this.ops.length = mark.ops;
      this.depth = mark.depth;
      this.temps = mark.temps;
      this.scopes.length = mark.scopes;
      this.variables.length = mark.variables;
      this.spanNow = mark.span;
      this.inlines.length = mark.inlines;
      this.inlineTemps.splice(0, this.inlineTemps.length, ...mark.pool);
      this.sendSelector(name, argc, -1);
    }
  }

  /**
   * A method's body in place of a send (inline-sends.ts), behind its guard; the receiver and
   * arguments are on the value stack. Its arguments and temporaries become temporaries of this
   * unit (each activation's start nil again), its receiver one too (self, and its instance
   * variables as slots of it: `field`), its ^ a jump to the end with the answer on top. For
   * `p dist: q` inlined:
   *
   *     guard p's class (the watches) else send
   *     store q into (arg); pop; store p into (self); pop
   *     nil into the body's temporaries
   *     <body>                          ; ^ e: e, then jump done
   *     load (self); jump done           ; (no ^ at the end: it answers self)
   *   send:
   *     send #dist: 1
   *   done:
   */
  private inlineMethod(c: InlineCandidate, argc: number): void {
    const base = this.depth - 1 - argc;
    const send = this.newLabel(), done = this.newLabel();
    this.literal(c.method);
    this.emit({ op: 'guard', watches: c.watches.map((w) => this.literal(w)), classes: c.classes, argc, target: send, name: c.name });
    this.pushScope();
    const scopeBase = this.scopes.length - 1;
    const named = this.variables.length;
    // Its temporaries are taken from those earlier inlined bodies gave back (they are not live
    // here): a unit's frame is as big as its deepest nest of inlined bodies, not their sum.
    const taken: number[] = [];
    const hidden = (name: string): number => {
      const index = this.inlineTemp(taken);
      this.declare({ kind: 'variable', name: `(${c.name} ${name})`, span: NO_SPAN }, { kind: 'temp', index });
      return index;
    };
    const self = hidden('self');
    const args = c.params.map((p) => this.declare(p, { kind: 'temp', index: this.inlineTemp(taken) }));
    for (let j = argc - 1; j >= 0; j--) { this.store(args[j]); this.pop(); }
    this.store({ kind: 'temp', index: self });
    this.pop();
    const entry = this.ops.length, stored = taken.length;
    const frame: InlineFrame = {
      candidate: c, self, result: -1, scopeBase, done, depth: base, taken,
      ivars: instanceVariables(this.k, c.owner), classSide: classSideVariables(this.k, c.owner),
    };
    this.inlines.push(frame);
    for (const t of c.body.temps) this.declareTemp(t);
    const statements = c.body.statements;
    for (const st of statements) { this.statement(st); this.pop(); }
    if (statements[statements.length - 1]?.kind !== 'return') {
      this.load({ kind: 'temp', index: self });
      this.jump(done);
      this.depth--;
    }
    this.inlines.pop();
    // Its names, as a debugger lists the caller's temporaries: whose they are.
    for (let v = named; v < this.variables.length; v++) {
      const d = this.variables[v];
      if (!d.name.startsWith('(')) d.name = `${d.name} (in ${c.name})`;
    }
    // Each run starts with the body's temporaries nil, as an activation does (the receiver,
    // the answer's and the arguments' are stored first).
    // (Not the answer's: it is stored before it is read.)
    const fresh = taken.slice(stored).filter((t) => t !== frame.result);
    if (fresh.length > 0) {
      const nil = this.constant(ROOTS.NIL, 'nil');
      this.ops.splice(entry, 0, { op: 'load', from: nil, push: base > 0 }, ...fresh.map((t): Op => ({ op: 'store', to: { kind: 'temp', index: t } })), { op: 'pop', restore: base > 0 });
    }
    this.inlineTemps.push(...taken);
    this.popScope();
    this.label(send);
    this.depth = base + 1 + argc;
    this.sendSelector(c.name.slice(c.name.indexOf('>>') + 2), argc, -1, true);
    this.label(done);
  }

  /** Temporaries inlined bodies took and gave back, free for the next one. */
  private readonly inlineTemps: number[] = [];

  /** A temporary for an inlined body (one given back, or a new one), noted in `taken`. */
  private inlineTemp(taken: number[]): number {
    const index = this.inlineTemps.pop() ?? this.temps++;
    taken.push(index);
    return index;
  }

  /** ^ inside an inlined method: its answer on top at the send's depth, then on after the send. */
  private inlineReturn(): void {
    const f = this.inlined!;
    const depth = this.depth;
    if (depth > f.depth + 1) {
      if (f.result < 0) {
        f.result = this.inlineTemp(f.taken);
        this.variables.push({ name: `(${f.candidate.name} answer)`, slot: { kind: 'temp', index: f.result } });
      }
      this.store({ kind: 'temp', index: f.result });
      while (this.depth > f.depth) this.pop();
      this.load({ kind: 'temp', index: f.result });
    }
    this.jump(f.done);
    this.depth = depth;
  }

  private isMachineObject(name: string): boolean {
    if (!MACHINE_OBJECTS.includes(name) || this.own(name) || this.ivars.has(name)) return false;
    const b = this.k.behaviourNamed(name);
    return b >= 0 && classIndexOf(this.k.machine, b) === behaviourIndex(this.k, b);
  }

  private send(receiver: Expression, message: Message, span: Span): void {
    if (this.machineSend(receiver, [message])) return;
    if (this.inlineSend(receiver, message)) return;
    // A chain of sends nests to the left as deeply as it is long (`1 + 1 + ... + 1`): the
    // sends below this one that are plain sends too are compiled in a loop, innermost first,
    // so that a chain's length costs no host stack.
    const chain: { message: Message; span: Span }[] = [{ message, span }];
    let r = receiver;
    while (r.kind === 'send' && !this.special(r.receiver, r.message)) {
      chain.push({ message: r.message, span: r.span });
      r = r.receiver;
    }
    this.plainSend(r, chain.pop()!);
    for (let i = chain.length - 1; i >= 0; i--) {
      const m = chain[i].message;
      for (const a of m.args) this.expression(a);
      this.at(chain[i].span);
      this.dynamicSend(m.selector, m.args.length);
    }
  }

  /** May `receiver message` be compiled other than as a plain send (a machine primitive, or inlined)? */
  private special(receiver: Expression, message: Message): boolean {
    if (receiver.kind === 'variable' && MACHINE_OBJECTS.includes(receiver.name)) return true;
    const shape = INLINE_SHAPES[message.selector];
    return INLINED[message.selector] !== undefined && shape !== undefined && shape(receiver, message.args) !== null;
  }

  private inlineSend(receiver: Expression, message: Message): boolean {
    const inline = INLINED[message.selector];
    const shape = INLINE_SHAPES[message.selector];
    if (inline && shape && shape(receiver, message.args)) { inline(this, receiver, message.args); return true; }
    return false;
  }

  /** `receiver message` as a send, the receiver compiled first. */
  private plainSend(receiver: Expression, { message, span }: { message: Message; span: Span }): void {
    const toSuper = receiver.kind === 'variable' && receiver.name === 'super';
    if (toSuper && this.behaviour < 0) this.fail("'super' needs a method's behaviour", span);
    this.expression(receiver);
    for (const a of message.args) this.expression(a);
    const start = toSuper ? parentOf(this.k, this.behaviour) : -1;
    if (toSuper && start < 0) this.fail(`${message.selector}: the VM object has no parent for super`, span);
    this.at(span);
    if (toSuper) this.sendSelector(message.selector, message.args.length, start);
    else this.dynamicSend(message.selector, message.args.length, isSelf(receiver));
  }

  private cascade(c: Cascade): void {
    if (this.machineSend(c.receiver, c.messages)) return;
    this.expression(c.receiver);
    c.messages.forEach((m, i) => {
      const last = i === c.messages.length - 1;
      if (!last) this.pushTop();
      for (const a of m.args) this.expression(a);
      this.at(m.span);
      this.dynamicSend(m.selector, m.args.length, isSelf(c.receiver));
      if (!last) this.pop();
    });
  }

  /**
   * Messages to a machine object (Memory, CPU, ALU) whose methods are primitives: each is the
   * primitive, working on the accumulator (rax) as the machine does. Returns false when the
   * receiver is not a machine object (or a message is not one of its primitives).
   */
  private machineSend(receiver: Expression, messages: readonly Message[]): boolean {
    if (receiver.kind !== 'variable' || !this.isMachineObject(receiver.name)) return false;
    const b = this.k.behaviourNamed(receiver.name);
    const methods = messages.map((m) => machinePrimitive(this.k, b, m.selector));
    if (methods.some((x) => x === null)) return false;
    messages.forEach((m, i) => {
      const { method, kind } = methods[i]!;
      this.cx.bind?.(b, m.selector, method);
      const code = slotPointer(this.k.machine, method, METHOD.CODE);
      const entry = slotPointer(this.k.machine, method, METHOD.ENTRY);
      this.literal(code);
      this.literal(entry);
      const name = `${receiver.name}>>${m.selector}`;
      if (kind === METHOD_KIND.TOS) {
        this.expression(m.args[0]);
        this.emit({ op: 'primitive', code, entry, name, kind, argc: 1 });
      } else {
        // The accumulator is what rax holds now; it is live from here on.
        if (this.depth === 0) this.depth = 1;
        if (m.args.length > 0) { this.pushTop(); for (const a of m.args) this.expression(a); }
        this.emit({ op: 'primitive', code, entry, name, kind, argc: m.args.length });
        this.depth -= m.args.length;
      }
      // In a cascade every message but the last is done for its effect (and, for the
      // accumulator, for what it leaves in rax: dropping the top emits nothing at depth 1).
      if (i < messages.length - 1) this.pop();
    });
    return true;
  }

  /** Code for an inlined literal block: its parameters (bound by the inliner) and temporaries join this unit. */
  inlineBlock(b: Block): void {
    this.pushScope();
    for (const t of b.temps) this.declareTemp(t);
    this.statements(b.statements);
    this.popScope();
  }

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
  loadRoot(which: number, name: string): void { this.load(this.constant(which, name)); }
  loadSlot(slot: Slot): void { this.load(slot); }
  store(slot: Slot): void { this.emit({ op: 'store', to: slot }); }
  sendNamed(name: string, argc: number): void { this.sendSelector(name, argc, -1); }
  /** A binary send of SmallInteger arithmetic in a counting loop's unchecked copy (ir.ts `counted`). */
  sendCounted(name: string, overflow?: number): void {
    const selector = this.k.symbols.intern(name);
    if (selector < 0) throw new CompileFailure({ message: 'out of memory', span: NO_SPAN });
    this.literal(selector);
    this.emit({ op: 'send', selector, name, argc: 1, start: -1, counted: true, ...(overflow !== undefined && { overflow }) });
    this.depth -= 1;
  }
  intLoop(slots: readonly Slot[], target: number): void { this.emit({ op: 'intLoop', slots, target }); }
  loadNumber(n: bigint): void { this.load({ kind: 'number', value: n }); }
  /** A temporary only the inliner can name (or a block parameter it binds). */
  newTemp(v: Variable): Slot { return this.declareTemp(v); }
  hiddenTemp(name: string): Slot { return this.declareTemp({ kind: 'variable', name, span: NO_SPAN }); }
}

/**
 * The primitive a machine object (Memory, CPU, ALU: behaviour `b`) has of its own for
 * `selector`, or null. Only its own: what it inherits from the VM object (==, class,
 * printString ...) is a method of the object like any other, sent to it, not a primitive on
 * the accumulator.
 */
export function machinePrimitive(k: Kernel, b: number, selector: string): { method: number; kind: number } | null {
  const sel = k.symbols.find(selector);
  const method = sel === undefined ? -1 : lookupFrom(k, b, sel);
  if (method < 0 || slotPointer(k.machine, method, METHOD.OWNER) !== b) return null;
  const kind = slotNumber(k.machine, method, METHOD.KIND);
  return kind === METHOD_KIND.REGISTERS || kind === METHOD_KIND.TOS ? { method, kind } : null;
}

/** Instance variable names of behaviour `b` (its parents' first), with their slot indexes. */
export function instanceVariables(k: Kernel, b: number): Map<string, number> {
  const chain: number[] = [];
  const guard = walkGuard(k, 'a parent chain');
  for (let x = b; x >= 0 && guard(); x = parentOf(k, x)) chain.unshift(x);
  const names = new Map<string, number>();
  for (const x of chain) {
    if (isMetaclass(k, x)) continue;
    const ivars = slotPointer(k.machine, x, BEHAVIOUR.IVARS);
    if (ivars < 0 || ivars === k.nil) continue;
    for (let i = 0; i < slotCount(k.machine, ivars); i++) names.set(k.symbols.text(slotPointer(k.machine, ivars, i)), names.size);
  }
  return names;
}

/** Is `b` a metaclass (an instance of Metaclass)? */
function isMetaclass(k: Kernel, b: number): boolean {
  return b >= 0 && classIndexOf(k.machine, b) === CLASS.Metaclass;
}

/**
 * The class-side instance variables of behaviour `b` (a metaclass) and of the metaclasses above
 * it: their names are in the metaclasses' own instance variable lists. A class is a behaviour
 * of a fixed shape, so their values are kept per class elsewhere (Behaviour>>classSideAt:, in
 * the language), which a class-side method reads and writes by sending to self: each class of
 * a hierarchy has its own, as class-instance variables do.
 */
export function classSideVariables(k: Kernel, b: number): Set<string> {
  const names = new Set<string>();
  const guard = walkGuard(k, 'a parent chain');
  for (let x = b; x >= 0 && guard(); x = parentOf(k, x)) {
    if (!isMetaclass(k, x)) continue;
    const ivars = slotPointer(k.machine, x, BEHAVIOUR.IVARS);
    if (ivars < 0 || ivars === k.nil) continue;
    for (let i = 0; i < slotCount(k.machine, ivars); i++) names.add(k.symbols.text(slotPointer(k.machine, ivars, i)));
  }
  return names;
}

// ---- inlined control structures: their code ------------------------------------------------

type Inliner = (g: Generator, receiver: Expression, args: readonly Expression[]) => void;

/** receiver ifTrue: [a] ifFalse: [b], with either arm possibly absent (its value is nil). */
function conditional(g: Generator, cond: Expression, whenTrue: Block | null, whenFalse: Block | null): void {
  const other = g.newLabel(), end = g.newLabel();
  g.value(cond);
  g.jumpIf(whenTrue ? false : true, other);
  const depth = g.stackDepth;
  g.inlineBlock(whenTrue ?? whenFalse!);
  g.jump(end);
  g.label(other);
  g.stackDepth = depth;
  const second = whenTrue ? whenFalse : null;
  if (second) g.inlineBlock(second); else g.loadNil();
  g.label(end);
}

/** receiver and: [b] / or: [b]: the second value only when the first does not decide. */
function shortCircuit(g: Generator, first: Expression, second: Block, isAnd: boolean): void {
  const decided = g.newLabel(), end = g.newLabel();
  g.value(first);
  g.jumpIf(!isAnd, decided);
  const depth = g.stackDepth;
  g.inlineBlock(second);
  g.jump(end);
  g.label(decided);
  g.stackDepth = depth;
  g.loadRoot(isAnd ? ROOTS.FALSE : ROOTS.TRUE, isAnd ? 'false' : 'true');
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

/**
 * receiver ifNil: [a] ifNotNil: [b]: the value is the arm's; an absent arm gives the receiver.
 * An ifNotNil: arm with a parameter has the receiver in it.
 */
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
  if (ifNotNil && ifNotNil.params.length === 1) {
    g.pushScope();
    g.store(g.newTemp(ifNotNil.params[0]));
    g.pop();
    g.inlineBlock(ifNotNil);
    g.popScope();
  } else if (ifNotNil) { g.pop(); g.inlineBlock(ifNotNil); }
  g.label(end);
}

export const INLINED: Readonly<Record<string, Inliner>> = Object.freeze({
  'ifTrue:': (g, r, [a]) => conditional(g, r, a as Block, null),
  'ifFalse:': (g, r, [a]) => conditional(g, r, null, a as Block),
  'ifTrue:ifFalse:': (g, r, [a, b]) => conditional(g, r, a as Block, b as Block),
  'ifFalse:ifTrue:': (g, r, [a, b]) => conditional(g, r, b as Block, a as Block),
  'and:': (g, r, [a]) => shortCircuit(g, r, a as Block, true),
  'or:': (g, r, [a]) => shortCircuit(g, r, a as Block, false),
  'whileTrue:': (g, r, [a]) => loop(g, r as Block, a as Block, true),
  'whileFalse:': (g, r, [a]) => loop(g, r as Block, a as Block, false),
  whileTrue: (g, r) => loop(g, r as Block, null, true),
  whileFalse: (g, r) => loop(g, r as Block, null, false),
  'ifNil:': (g, r, [a]) => nilTest(g, r, a as Block, null),
  'ifNotNil:': (g, r, [a]) => nilTest(g, r, null, a as Block),
  'ifNil:ifNotNil:': (g, r, [a, b]) => nilTest(g, r, a as Block, b as Block),
  'ifNotNil:ifNil:': (g, r, [a, b]) => nilTest(g, r, b as Block, a as Block),
  'timesRepeat:': (g, r, [a]) => {
    // count := receiver. [count > 0] whileTrue: [body. count := count - 1]
    g.pushScope();
    const count = g.hiddenTemp('(count)');
    const times = g.hiddenTemp('(times)');
    const top = g.newLabel(), end = g.newLabel();
    g.value(r);
    g.store(times);
    g.store(count);
    g.pop();
    g.label(top);
    g.loadSlot(count);
    g.loadNumber(0n);
    g.sendNamed('>', 1);
    g.jumpIf(false, end);
    g.inlineBlock(a as Block);
    g.pop();
    g.loadSlot(count);
    g.loadNumber(1n);
    g.sendNamed('-', 1);
    g.store(count);
    g.pop();
    g.jump(top);
    g.label(end);
    g.loadSlot(times);
    g.popScope();
  },
  'to:do:': (g, r, [limit, a]) => countingLoop(g, r, limit, a as Block, 1n),
  // As to:do:, counting by the literal step (Number>>to:by:do: the same).
  'to:by:do:': (g, r, [limit, step, a]) => countingLoop(g, r, limit, a as Block, literalStep(step)!),
});
