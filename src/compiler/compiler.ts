/*
 * The compiler: method definitions and top-level expressions to code in the kernel.
 *
 * A method in message syntax is compiled to the IR once, then by both back ends: native code
 * (the method's body) and threaded code (an Array of pairs, entered through a small stub that
 * jumps into `VM run:`). Which of the two a send calls is the compiler's backend setting; the
 * other is kept so that a method can always be seen both ways. Its literal array holds every
 * object its code names by address, which keeps them alive.
 *
 *   CompiledMethod: code (native) | entry (native code, or the threaded stub) | threaded |
 *                   literals [..., the threaded vector] | origins | source | selector | owner
 *
 * A method whose body is x86-64 is assembled (its parameters bound to registers as the
 * kernel's fragments are), and so is a "machine method": one whose statements are all
 * messages to the machine objects with literal or parameter arguments, such as the seed's
 * `Boolean ifFalse: aBlock -> CPU eq: false do: aBlock`; it becomes a register primitive
 * with the primitives' code copied in.
 *
 * A definition is atomic: everything is made before the method is installed, and nothing
 * is installed if anything fails. Compile errors are values naming the source position.
 */
import { assemble, assembleItems, formatAsmError, placeAt, type AsmResult } from '../../kernel/machine/x86/assembler.ts';
import { bindBody, kindOf, type Fragment } from '../../bootstrap/fragments.ts';
import { FORMAT_POINTERS, TAG_NUM, TAG_PTR } from '../../kernel/machine/cells.ts';
import { imm, mem, reg, rel } from '../../kernel/machine/x86/operand.ts';
import { setSlot, setSlotPointer, slot, slotNumber, slotPointer, slotTag } from '../../kernel/objects/access.ts';
import { behaviourIndex, behaviourName, ensureMetaclass, lookupFrom } from '../../kernel/objects/classes.ts';
import { recordGuards } from '../../kernel/objects/guards.ts';
import type { Kernel } from '../../kernel/objects/kernel.ts';
import { FRAME, PARAMETER_REGISTER_NUMBERS, PARAMETER_REGISTERS } from '../../kernel/abi.ts';
import { CLASS, kernelConstants, METHOD, METHOD_KIND, ROOTS } from '../../kernel/objects/layout.ts';
import { define, makeMethod, makeString, placeCode, type MethodSpec } from '../../kernel/objects/methods.ts';
import { makeSendSite } from '../../kernel/objects/send.ts';
import type { Body, DoIt, Expression, LiteralValue, Message, MethodDefinition, Span, Statement, Variable } from '../lang/ast.ts';
import { analyze, CompileFailure, Generator, MACHINE_OBJECTS, machinePrimitive, type CompileError } from './codegen.ts';
import { frameOffset, type Op, type Unit } from './ir.ts';
import { definitionOf, Dependents } from './dependents.ts';
import { debugText } from './debug-info.ts';
import { guardGroupOf, inlinableFragment, inlineFragment, itemsAt, literalSlot, nativeLines, type LeafPlan, type NativeCode } from './native.ts';
import { LeafIndex, MAX_CANDIDATES, Watches } from './leaf-sends.ts';
import { Inliner } from './inline-sends.ts';
import { isInstruction, optimize, type Line } from './peephole.ts';
import { THREADED_APPLY_ARGUMENTS, THREADED_BIAS, THREADED_SEND_ARGUMENTS, threadedPairs, ThreadedPrimitives, type Pair } from './threaded.ts';

export type Backend = 'native' | 'threaded';

/** A method defined; `warnings` are worth telling (a name it reads that is not defined yet). */
export type Defined = { readonly ok: true; readonly method: number; readonly owner: number; readonly selector: string; readonly warnings: readonly string[] };
export type CompileOutcome<T> = T | { readonly ok: false; readonly error: CompileError };

/** A compiled top-level expression: the code to call (with rax = nil, the receiver). */
export interface CompiledDoIt {
  readonly ok: true; readonly entry: number; readonly method: number;
  /**
   * Entered from the host (doIt's `fromHost`) as threaded code through the shared entry,
   * which takes its vector in rsi: the caller sets rsi to the method's METHOD.THREADED.
   */
  readonly vectorInRsi?: true;
}

/** Everything both back ends produced for one unit (for `see` and for tests). */
export interface Compiled {
  readonly unit: Unit;
  readonly native: NativeCode;
  readonly nativeCode: number;
  readonly pairs: readonly Pair[];
  /** The threaded code (nil, and the stub -1, for a DoIt on the native back end, which never runs it). */
  readonly vector: number;
  readonly stub: number;
  readonly literals: number;
  readonly origins: number;
}

const RSI = 6;

export class Compiler {
  readonly prims: ThreadedPrimitives;
  /** The last unit compiled, both ways (tests and listings look at it). */
  last: Compiled | null = null;
  /** Where the item being compiled starts in its text (its debug info's spans are relative to it). */
  private base = 0;
  /** Warnings of the definition being compiled. */
  private warnings: string[] = [];
  /** What the definition being compiled has in its code: (behaviour, selector, method) found (METHOD.INLINED). */
  private bound: [number, number, number][] = [];
  /**
   * Selectors the definition being compiled sends where fewer leaf methods than a site may take
   * were copied (leaf-sends.ts), and how many were.
   */
  private uncopied = new Map<number, number>();

  /** The methods whose code has other methods in it, kept up to date (dependents.ts). */
  readonly dependents: Dependents;
  /** Who defines each selector, for the leaf methods a send site may copy (leaf-sends.ts). */
  readonly leaves: LeafIndex;
  /** The watches that keep the copies right (leaf-sends.ts). */
  readonly watches: Watches;
  /** Copy leaf methods into send sites (leaf-sends.ts); off, every send is a whole send. */
  inlineLeaves = true;
  /**
   * Inline small methods at their sends (inline-sends.ts), when leaves are copied too; off,
   * none. Off unless asked for: an inlined method has no frame, which a user stepping through
   * it in the debugger, or asking thisContext for its sender, would miss. `bedrock run` of a
   * SOM class path (som-run.ts: a program run for its speed, the Are We Fast Yet suite) asks.
   */
  inlineMethods = false;
  /** Finds the methods sends inline (inline-sends.ts). */
  readonly inliner: Inliner;
  /** Give counting loops a copy that tests no tag (codegen.ts countingLoop); off, one testing form. */
  countedLoops = true;

  constructor(readonly k: Kernel, public backend: Backend = 'native') {
    this.prims = new ThreadedPrimitives(k);
    this.dependents = new Dependents(this);
    // A class that changes shape has its methods compiled again (kernel/objects/reshape.ts).
    k.recompile = (behaviours) => this.dependents.recompileAll(behaviours);
    this.leaves = new LeafIndex(k);
    this.watches = new Watches(k);
    this.inliner = new Inliner(k, this.leaves, this.watches);
    // A change to what lookups find empties the send sites it concerns, watches too; those
    // whose class finds the same method as before are armed again (leaf-sends.ts). After a
    // forget or a class change (every site emptied), who defines what is found again.
    const changed = k.cache.changed;
    k.cache.changed = (selector) => {
      this.watches.know();
      changed?.(selector);
      if (selector === undefined) this.leaves.reset();
      this.watches.rearm(selector);
    };
    const freed = k.heap.hooks.onFreeFixed;
    k.heap.hooks.onFreeFixed = (address, header) => {
      freed?.(address, header);
      this.watches.freed(address);
    };
  }

  /**
   * Compile and install a method definition, in the behaviour its target names, or in `into`
   * (a class with no name: `Behavior new`'s).
   */
  define(def: MethodDefinition, into?: number): CompileOutcome<Defined> {
    const k = this.k;
    const target = into ?? k.behaviourNamed(def.target.name);
    if (target < 0) return failure(`there is no behaviour named ${def.target.name}`, def.target.span);
    let owner = target;
    if (def.classSide && into === undefined) {
      const meta = ensureMetaclass(k, target);
      if (typeof meta === 'string') return failure(meta, def.target.span);
      if (meta < 0) return failure(`${def.target.name} is its own class: define its methods without 'class'`, def.target.span);
      owner = meta;
    }
    this.warnings = [];
    this.bound = [];
    this.uncopied.clear();
    try {
      return k.withHolds((hold): Defined => {
        const made = def.body.kind === 'assembly'
          ? this.assemblyMethod(def, owner, hold)
          : isMachineMethod(k, def) ? this.machineMethod(def, owner, hold) : this.smalltalkMethod(def, owner, hold);
        return { ok: true, method: made.method, owner, selector: def.selector, warnings: [...new Set(this.warnings)] };
      });
    } catch (e) {
      if (e instanceof CompileFailure) return { ok: false, error: e.error };
      if (isStackExhaustion(e)) return { ok: false, error: { message: TOO_DEEP, span: def.span } };
      throw e;
    }
  }

  /**
   * Compile a top-level expression into code that answers its value; in `behaviour`'s scope
   * (its instance and class variables) when one is given.
   */
  doIt(item: DoIt, behaviour = -1, fromHost = false): CompileOutcome<CompiledDoIt> {
    this.bound = [];
    try {
      return this.k.withHolds((hold) => {
        const unit = this.unit({ kind: 'doit', body: item, start: item.span.start.offset }, 0, [], behaviour, 'a DoIt', hold);
        // A DoIt runs once: only one back end's code is made for it (its blocks, which may
        // outlive it in a saved image, get both). That is this system's back end, except for a
        // DoIt whose code runs straight through (runsOnce): each of its instructions runs at
        // most once, so native code would cost more to make than it saves in running, and
        // threaded pairs are made in a fraction of the time (issue 17 item 6: a line of
        // 100,000 statements is one such DoIt).
        const native = this.backend === 'native' && !runsOnce(unit);
        // Entered by the host, such a DoIt needs no entry stub of its own: the host puts its
        // vector in rsi and calls the one shared entry (hostEntry).
        const shared = !native && this.backend === 'native' && fromHost ? this.hostEntry() : undefined;
        const c = this.materialize(unit, hold, native ? 'native' : 'threaded', shared);
        const method = this.methodObject(c, 'doIt', this.k.behaviour(CLASS.UndefinedObject), item.source, hold);
        this.doItsThreaded += native ? 0 : 1;
        return { ok: true as const, entry: native ? c.nativeCode : c.stub, method, ...(shared !== undefined && { vectorInRsi: true as const }) };
      });
    } catch (e) {
      if (e instanceof CompileFailure) return { ok: false, error: e.error };
      if (isStackExhaustion(e)) return { ok: false, error: { message: TOO_DEEP, span: item.span } };
      throw e;
    }
  }

  // ---- message syntax --------------------------------------------------------------------

  private smalltalkMethod(def: MethodDefinition, owner: number, hold: (a: number) => number): { ok: true; method: number } {
    const body = def.body as Body;
    const unit = this.unit({ kind: 'method', body, start: def.span.start.offset }, def.params.length, def.params, owner, `${def.target.name}>>${def.selector}`, hold);
    const c = this.materialize(unit, hold, 'both', undefined, true);
    const method = this.methodObject(c, def.selector, owner, def.source, hold, this.pragmaArray(def, hold));
    const installed = this.install(owner, def.selector, method, def.source, def.span);
    this.dependents.noteUncopied(installed, this.uncopied);
    return { ok: true, method: installed };
  }

  /**
   * Compile a message-syntax method again from its source and put the new code into the same
   * method object (its code, entry, threaded vector, literals, origins and what it has in it),
   * so that everything holding the method (its chain entry, the log) holds the new code. The
   * system's own methods loaded before the compiler inlined an operation (arithmetic before
   * its seal, and so on: src/system/bedrock.ts) are made again so once every seal is made.
   * Null, or why it could not be (the method is left as it was). The caller empties the
   * method cache and the send sites, which may still hold the old code's entry.
   */
  recompileInPlace(method: number): string | null {
    const k = this.k, m = k.machine;
    const sourceObject = slotPointer(m, method, METHOD.SOURCE);
    if (sourceObject < 0 || sourceObject === k.nil || slotPointer(m, method, METHOD.THREADED) === k.nil) return null;
    const owner = slotPointer(m, method, METHOD.OWNER);
    const def = definitionOf(k.textOf(sourceObject), behaviourName(k, owner), k.symbols.text(slotPointer(m, method, METHOD.SELECTOR)));
    if (typeof def === 'string') return def;
    if (def.body.kind === 'assembly' || isMachineMethod(k, def)) return null;
    this.warnings = [];
    this.bound = [];
    this.uncopied.clear();
    try {
      k.withHolds((hold) => {
        const unit = this.unit({ kind: 'method', body: def.body as Body, start: def.span.start.offset }, def.params.length, def.params, owner, `${def.target.name}>>${def.selector}`, hold);
        const c = this.materialize(unit, hold, 'both', undefined, true);
        const fresh = this.methodObject(c, def.selector, owner, def.source, hold);
        for (const s of [METHOD.CODE, METHOD.ENTRY, METHOD.THREADED, METHOD.LITERALS, METHOD.ORIGINS, METHOD.INLINED]) {
          setSlot(m, method, s, slot(m, fresh, s), slotTag(m, fresh, s));
        }
        this.dependents.noteUncopied(method, this.uncopied);
      });
    } catch (e) {
      if (e instanceof CompileFailure) return e.error.message;
      throw e;
    }
    return null;
  }

  /**
   * The method's pragmas, kept in it (layout.ts METHOD.PRAGMAS) for `pragmas` and the like:
   * an Array of Arrays, each a pragma's selector and literal arguments; undefined when none.
   */
  private pragmaArray(def: MethodDefinition, hold: (a: number) => number): number | undefined {
    if (def.pragmas.length === 0) return undefined;
    const k = this.k;
    const made = (p: number): [bigint, number] => {
      if (p < 0) throw new CompileFailure({ message: 'out of memory', span: def.span });
      return [BigInt(hold(p)), TAG_PTR];
    };
    const value = (v: LiteralValue): [bigint, number] => {
      switch (v.type) {
        case 'integer': return v.value >= -(2n ** 63n) && v.value < 2n ** 63n ? [v.value, TAG_NUM] : made(makeString(k, v.value.toString()));
        case 'float': return made(makeString(k, String(new Float64Array(new BigInt64Array([v.value]).buffer)[0])));
        case 'string': return made(makeString(k, v.value));
        case 'symbol': return made(k.symbols.intern(v.value));
        case 'character': return made(k.character(v.value.codePointAt(0) ?? 0));
        case 'nil': return [BigInt(k.nil), TAG_PTR];
        case 'true': return [BigInt(k.true), TAG_PTR];
        case 'false': return [BigInt(k.false), TAG_PTR];
        case 'array': return [BigInt(hold(this.fixedArray(v.elements.map(value)))), TAG_PTR];
        case 'bytes': return [BigInt(hold(this.fixedArray(v.value.map((b): [bigint, number] => [BigInt(b), TAG_NUM])))), TAG_PTR];
      }
    };
    const each = def.pragmas.map((p): [bigint, number] => [BigInt(hold(this.fixedArray([made(k.symbols.intern(p.selector)), ...p.args.map(value)]))), TAG_PTR]);
    return hold(this.fixedArray(each));
  }

  /**
   * Does the library define globals (Binding>>declareNil, behaviour.bedrock)? Then a DoIt's new
   * globals are declared by its prologue through it; before it is loaded (genesis, a bare
   * kernel) the compiler defines them through the kernel.
   */
  private libraryDeclares(): boolean {
    const k = this.k;
    const binding = k.behaviour(CLASS.Binding);
    const selector = k.symbols.find('declareNil');
    return binding >= 0 && selector !== undefined && lookupFrom(k, binding, selector) >= 0;
  }

  /** The IR of a body: a method's (answering self unless it returns) or a DoIt's (answering its last value). */
  private unit(what: { kind: 'method' | 'doit'; body: Body; start: number }, argc: number, params: readonly Variable[],
    behaviour: number, name: string, hold: (a: number) => number): Unit {
    const k = this.k;
    this.base = what.start;
    const analysis = analyze(params, what.body);
    const g = new Generator({
      kernel: k,
      behaviour,
      topLevel: what.kind === 'doit',
      defineGlobal: (global) => k.defineGlobal(global, k.object(k.nil)),
      declared: what.kind === 'doit' && this.libraryDeclares() ? new Set<number>() : undefined,
      warn: (message) => this.warnings.push(message),
      bind: (b, selector, method) => this.bindTo(b, selector, method),
      countedLoops: this.countedLoops,
      hold,
      ...(what.kind === 'method' && { selector: name.slice(name.indexOf('>>') + 2) }),
      ...(this.inlineLeaves && this.inlineMethods && this.backend === 'native' && {
        inlineMethod: (selector: string, argc: number, self: number) => {
          const c = this.inliner.candidate(selector, argc, hold, self);
          if (c !== 'none yet') return c;
          // Nothing defines it yet: once something does, the method is compiled again (dependents.ts).
          const sel = k.symbols.intern(selector);
          // (A send to self, -1: compiled again at every definition of the selector until
          // self's class finds one; the count for other sends is the one copiesFor answers.)
          if (sel >= 0) this.uncopied.set(sel, self >= 0 ? -1 : Math.min(0, this.uncopied.get(sel) ?? 0));
          return null;
        },
      }),
      compileBlock: (unit) => {
        const c = this.materialize(unit, hold);
        return { native: c.nativeCode, threaded: c.stub, keep: [c.literals, c.vector, c.origins] };
      },
    }, argc, what.body, analysis, null);
    if (what.kind === 'doit') g.valueBody([], what.body.temps, what.body.statements);
    else g.methodBody(params, what.body);
    return g.finish(name);
  }

  /** DoIts made as threaded code only on the native back end (runsOnce): for tests, and `bedrock bench`. */
  doItsThreaded = 0;

  /** Both back ends' code for a unit, in the heap; or only one's (a DoIt's, which runs once). */
  materialize(unit: Unit, hold: (a: number) => number, made: 'both' | 'native' | 'threaded' = 'both', sharedStub?: number, method = false): Compiled {
    const threadedCode = made !== 'native';
    const k = this.k;
    const literalsList = [...unit.literals];
    const sites = new Map<Op, number>();
    // Where in the literals each dynamic send's site is (native code loads it from there).
    const siteSlots = new Map<Op, number>();
    const closureOffset = unit.argc === 0 ? FRAME.SPILLED : frameOffset({ kind: 'argument', index: 0 }, unit.argc, THREADED_BIAS);
    for (const op of unit.ops) {
      let site = -1;
      if (op.op === 'send' && (op.start >= 0 || op.argc > THREADED_SEND_ARGUMENTS)) {
        // A super send's site: the selector and where to look (and, for many arguments, 8 x
        // their count); a send of many arguments in threaded code: the selector and 8 x count.
        const count: [bigint, number] = [BigInt(8 * op.argc), TAG_NUM];
        site = this.fixedArray(op.start >= 0
          ? [[BigInt(op.selector), TAG_PTR], [BigInt(op.start), TAG_PTR], count]
          : [[BigInt(op.selector), TAG_PTR], count]);
      } else if (op.op === 'send') {
        site = makeSendSite(k, op.selector);
        if (site < 0) throw new CompileFailure({ message: 'out of memory', span: NO_SPAN });
        siteSlots.set(op, literalsList.length);
      } else if (op.op === 'primitive' && op.kind === METHOD_KIND.REGISTERS && op.argc > THREADED_APPLY_ARGUMENTS) {
        site = this.fixedArray([[BigInt(op.entry), TAG_PTR], [BigInt(8 * op.argc), TAG_NUM]]);
      } else if (op.op === 'closure') {
        // Threaded code makes its closures from a site: code, argument count, flags, where its own closure is.
        // A DoIt made as threaded code only because it runs once (runsOnce) still makes its
        // blocks' closures with their native code on the native back end: a block may run a
        // million times (`(1 to: 1000000) inject: 0 into: [:a :b | a + b]`).
        const flags = (op.outer ? 1 : 0) | (op.home === 'own' ? 2 : 0) | (op.home === 'closure' ? 4 : 0);
        const blockCode = made === 'threaded' && this.backend === 'native' ? op.native : op.threaded;
        site = this.fixedArray([[BigInt(unit.literals[blockCode]), TAG_PTR], [BigInt(op.argc), TAG_NUM], [BigInt(flags), TAG_NUM], [BigInt(closureOffset), TAG_NUM]]);
      } else {
        continue;
      }
      hold(site);
      sites.set(op, site);
      literalsList.push(site);
    }
    // The literal array, with two more slots at the end: the threaded vector, and the debug
    // info (debug-info.ts).
    const leafSends = made === 'threaded' ? new Map<Op, LeafPlan>() : this.leafPlans(unit, siteSlots, literalsList);
    const literals = hold(this.fixedArray([...literalsList.map((p): [bigint, number] => [BigInt(p), TAG_PTR]), [BigInt(k.nil), TAG_PTR], [BigInt(k.nil), TAG_PTR]]));
    const vectorSlot = literalsList.length;
    const native = made === 'threaded' ? NO_NATIVE_CODE : nativeLines(k, unit, literals, sites, siteSlots, method, leafSends, this.inlineMethods);
    let { code: nativeCode, offsets } = made === 'threaded' ? { code: -1, offsets: [] as number[] } : this.placeCode(native.lines, hold, literals);
    const threaded = threadedCode ? threadedPairs(k, unit, literals, this.prims, sites) : { ok: true as const, pairs: [], ops: [] };
    if (!threaded.ok) throw new CompileFailure({ message: threaded.message, span: NO_SPAN });
    let vector = k.nil, stub = -1;
    if (threadedCode) {
      vector = hold(this.fixedArray(threaded.pairs.flatMap((p): [bigint, number][] => [[BigInt(p.method), TAG_PTR], [p.operand, p.tag]])));
      setSlotPointer(k.machine, literals, vectorSlot, vector);
      stub = sharedStub ?? this.placeCode([
        { mnemonic: 'mov', operands: [reg(RSI), literalSlot(vectorSlot)], hints: {}, origin: 'threaded entry' },
        { mnemonic: 'jmp', operands: [rel(this.runCode())], hints: { disp32: true }, origin: 'threaded entry' },
      ], hold, literals).code;
      // Threaded only: the method's code is its entry stub (a method always has code).
      if (nativeCode < 0) nativeCode = stub;
    }
    const origins = hold(this.originsArray(native.lines, offsets, hold));
    const placedOps: { offset: number; op: number }[] = [];
    native.lines.forEach((l, i) => { const op = native.marks.get(l); if (op !== undefined) placedOps.push({ offset: offsets[i], op }); });
    const debug = hold(makeString(k, debugText(unit, this.base, placedOps, threaded.ops, native.frameless === true)));
    if (debug < 0) throw new CompileFailure({ message: 'out of memory', span: NO_SPAN });
    setSlotPointer(k.machine, literals, vectorSlot + 1, debug);
    const compiled: Compiled = { unit, native, nativeCode, pairs: threaded.pairs, vector, stub, literals, origins };
    this.last = compiled;
    return compiled;
  }

  /**
   * The leaf methods each ordinary send site of `unit` copies (leaf-sends.ts), their entries and
   * the objects their bodies read appended to `literals` (which keep them alive).
   */
  private leafPlans(unit: Unit, siteSlots: ReadonlyMap<Op, number>, literals: number[]): Map<Op, LeafPlan> {
    const plans = new Map<Op, LeafPlan>();
    if (!this.inlineLeaves) return plans;
    const k = this.k;
    const slotOf = (object: number): number => {
      const at = literals.indexOf(object);
      if (at >= 0) return at;
      literals.push(object);
      return literals.length - 1;
    };
    for (const op of unit.ops) {
      if (op.op !== 'send' || op.start >= 0 || !siteSlots.has(op)) continue;
      const candidates = this.leaves.candidates(op.selector, op.argc);
      if (!op.keep && candidates.length < MAX_CANDIDATES && this.leaves.mayCopy(op.selector)) {
        this.uncopied.set(op.selector, Math.min(candidates.length, this.uncopied.get(op.selector) ?? MAX_CANDIDATES));
      }
      if (candidates.length === 0) continue;
      plans.set(op, candidates.map(({ classIndex, leaf }) => {
        const watch = this.watches.watch(op.selector, classIndex, leaf.method);
        if (watch < 0) throw new CompileFailure({ message: 'out of memory', span: NO_SPAN });
        // (the method too: the watch's list names it while the watch is empty)
        slotOf(leaf.method);
        return {
          watch: slotOf(watch),
          classIndex,
          name: `${behaviourName(k, slotPointer(k.machine, leaf.method, METHOD.OWNER))}>>${op.name}`,
          body: leaf.body.map((b) => ({ mnemonic: b.mnemonic, operands: b.operands.map((o) => (o.kind === 'literal' ? literalSlot(slotOf(o.object)) : o)) })),
        };
      }));
    }
    return plans;
  }

  /**
   * How many copies a send of `selector` could make now: leaf methods (leaf-sends.ts), or one
   * inlined method (inline-sends.ts). A method that made fewer is compiled again (dependents.ts).
   */
  copiesFor(selector: number, argc: number): number {
    const leaves = this.leaves.candidates(selector, argc).length;
    if (leaves > 0 || !this.inlineMethods) return leaves;
    const c = this.k.withHolds((hold) => this.inliner.candidate(this.k.symbols.text(selector), argc, hold));
    return c !== null && c !== 'none yet' ? 1 : 0;
  }

  private methodObject(c: Compiled, selector: string, owner: number, source: string, hold: (a: number) => number, pragmas?: number): number {
    return hold(makeMethodChecked(this.k, {
      selector, owner, code: c.nativeCode, kind: METHOD_KIND.SEND, source, ...(c.vector !== this.k.nil && { threaded: c.vector }), literals: c.literals,
      origins: c.origins, entry: this.backend === 'native' ? c.nativeCode : c.stub, inlined: this.inlinedArray(hold),
      ...(pragmas !== undefined && { pragmas }),
    }));
  }

  /** For machine methods: as bindTo. */
  noteBound(b: number, selector: string, method: number): void { this.bindTo(b, selector, method); }

  /** Note that the code being compiled has the method `b` finds for `selector` in it (copied, called or jumped to). */
  private bindTo(b: number, selector: string, method: number): void {
    const sel = this.k.symbols.intern(selector);
    if (sel < 0) throw new CompileFailure({ message: 'out of memory', span: NO_SPAN });
    if (!this.bound.some(([x, y]) => x === b && y === sel)) this.bound.push([b, sel, method]);
  }

  /** The METHOD.INLINED Array of what the definition's code has in it, or undefined for nothing. */
  private inlinedArray(hold: (a: number) => number): number | undefined {
    if (this.bound.length === 0) return undefined;
    this.dependents.noteBound(this.bound.map(([, sel]) => sel));
    return hold(this.fixedArray(this.bound.flatMap(([b, sel, method]): [bigint, number][] => [[BigInt(b), TAG_PTR], [BigInt(sel), TAG_PTR], [BigInt(method), TAG_PTR]])));
  }

  private install(owner: number, selector: string, method: number, source: string, span: Span): number {
    const k = this.k;
    const sel = k.symbols.intern(selector);
    if (sel < 0) throw new CompileFailure({ message: 'out of memory', span });
    const r = k.withHolds((hold) => { hold(method); return define(k, owner, sel, method, source); });
    if (typeof r === 'string') throw new CompileFailure({ message: r, span });
    this.leaves.note(behaviourIndex(k, owner), sel);
    return method;
  }

  // ---- assembly and machine methods -------------------------------------------------------

  private assemblyMethod(def: MethodDefinition, owner: number, hold: (a: number) => number): { ok: true; method: number } {
    const k = this.k;
    const body = def.body as { kind: 'assembly'; text: string; span: Span };
    // The seed writes `ALU add: aValue -> add rax, aValue`: a body that does not end in a
    // ret or a jmp gets a ret, so it can be called (and inlined up to it).
    const statements = body.text.replace(/"[^"]*"/g, ' ').split(/;|\n/).map((x) => x.trim()).filter(Boolean);
    const lastWord = (statements[statements.length - 1] ?? '').split(/\s+/)[0].toLowerCase();
    const text = lastWord === 'ret' || lastWord === 'jmp' ? body.text : `${body.text}\nret`;
    const fragment: Fragment = { target: def.target.name, selector: def.selector, parameters: def.params.map((p) => p.name), body: text, source: def.source, line: def.span.start.line };
    // The symbols and code objects the body names by address are kept alive by the method's
    // literals: an address in machine code is not a reference the collector can see.
    const named = new Set<number>();
    const names = {
      object: (n: string) => (n === 'nil' ? k.nil : n === 'true' ? k.true : n === 'false' ? k.false : undefined),
      symbol: (t: string) => { const s = hold(k.symbols.intern(t)); if (s > 0) named.add(s); return s; },
      service: (n: string) => kernelConstants(k.roots)[n],
      method: (b: string, sel: string) => {
        const found = this.methodFound(b, sel);
        if (found === undefined) return undefined;
        named.add(hold(found.code));
        this.bindTo(found.behaviour, sel, found.method);
        return found.code;
      },
      classIndex: (n: string) => { const b = k.behaviourNamed(n); return b < 0 ? undefined : behaviourIndex(k, b); },
    };
    // (An assembler error is reported where it is in the body: measured first, at origin 0.)
    const assembleAt = (origin: number) => {
      const bound = bindBody(fragment, names, origin);
      if (!bound.ok) throw new CompileFailure({ message: bound.message, span: body.span });
      const r = assemble(bound.text);
      if (!r.ok) throw new CompileFailure({ message: formatAsmError(r.error), span: assemblyErrorSpan(body.span, r.error) });
      return r;
    };
    const placed = placeCode(k, assembleAt, undefined, hold);
    if (typeof placed === 'string') throw new CompileFailure({ message: placed, span: body.span });
    const code = placed.code;
    const literals = named.size === 0 ? undefined : hold(this.fixedArray([...named].map((a): [bigint, number] => [BigInt(a), TAG_PTR])));
    const method = hold(makeMethodChecked(k, { selector: def.selector, owner, code, kind: kindOf(fragment), source: def.source, literals, inlined: this.inlinedArray(hold) }));
    return { ok: true, method: this.install(owner, def.selector, method, def.source, def.span) };
  }

  private machineMethod(def: MethodDefinition, owner: number, hold: (a: number) => number): { ok: true; method: number } {
    const k = this.k;
    const lines = machineMethodLines(this, def);
    const { lines: optimized } = optimize(lines);
    const { code, offsets } = this.placeCode(optimized, hold);
    const origins = hold(this.originsArray(optimized, offsets, hold));
    const method = hold(makeMethodChecked(k, { selector: def.selector, owner, code, kind: METHOD_KIND.REGISTERS, source: def.source, origins, inlined: this.inlinedArray(hold) }));
    return { ok: true, method: this.install(owner, def.selector, method, def.source, def.span) };
  }

  /** The code object of Behaviour>>selector (for `jmp CPU>>eq:do:` in assembly). */
  methodCode(behaviourName: string, selector: string): number | undefined {
    return this.methodFound(behaviourName, selector)?.code;
  }

  /** The method Behaviour>>selector finds, and its code. */
  private methodFound(behaviourName: string, selector: string): { behaviour: number; method: number; code: number } | undefined {
    const k = this.k;
    const b = k.behaviourNamed(behaviourName);
    const sel = k.symbols.find(selector);
    if (b < 0 || sel === undefined) return undefined;
    const m = lookupFrom(k, b, sel);
    return m < 0 ? undefined : { behaviour: b, method: m, code: slotPointer(k.machine, m, METHOD.CODE) };
  }

  // ---- placing code ------------------------------------------------------------------------

  /**
   * The code of VM>>run:, which every threaded entry jumps to. Looked up again only when a
   * lookup may answer differently (a new send epoch: a definition, a forget, a class change):
   * the VM's chain is long (Forth's words are its methods), and every DoIt needs it.
   */
  private runCode(): number {
    const k = this.k;
    const epoch = slotNumber(k.machine, k.roots, ROOTS.SEND_EPOCH);
    if (this.runFound !== null && this.runFound.epoch === epoch) return this.runFound.code;
    const selector = k.symbols.find('run:');
    const method = selector === undefined ? -1 : lookupFrom(k, k.behaviour(CLASS.VM), selector);
    if (method < 0) throw new Error('the kernel has no VM>>run:');
    const code = slotPointer(k.machine, method, METHOD.CODE);
    this.runFound = { epoch, code };
    return code;
  }

  private runFound: { readonly epoch: number; readonly code: number } | null = null;

  /**
   * The entry the host calls a threaded DoIt through, with its vector in rsi: a jump to
   * VM>>run: (what each threaded stub does after loading its own vector). One for all such
   * DoIts, kept alive by a root of its own, and made again when run: is another.
   */
  private hostEntry(): number {
    const run = this.runCode();
    if (this.sharedEntry !== null && this.sharedEntry.run === run) return this.sharedEntry.code;
    const k = this.k;
    const code = k.withHolds((hold) => this.placeCode([
      { mnemonic: 'jmp', operands: [rel(run)], hints: { disp32: true }, origin: 'threaded entry (vector in rsi)' },
    ], hold).code);
    if (this.sharedEntry !== null) k.heap.roots.release(this.sharedEntry.root);
    this.sharedEntry = { run, code, root: k.heap.roots.add(BigInt(code), TAG_PTR) };
    return code;
  }

  private sharedEntry: { readonly run: number; readonly code: number; readonly root: number } | null = null;

  /**
   * Encode lines into a new code object (measured first; branches to other code are 32-bit),
   * with a literal area for the objects they name: `literalN` is slot N of the literal array
   * `literals`, and the kernel's well-known names (NIL, ROOTS ...) their objects.
   */
  placeCode(lines: readonly Line[], hold: (a: number) => number, literals = -1): { code: number; offsets: number[] } {
    const k = this.k;
    // Laid out at 0 to learn the size; placed at the code's address, only the instructions with
    // a branch target outside the code change (assembler.ts placeAt), so only they are encoded again.
    let laid: Extract<AsmResult, { ok: true }> | null = null;
    // The guards of inlined operations are kept in literal cells after the code's own
    // (kernel/objects/guards.ts recordGuards): placed as nil, then their offsets and groups.
    const guards = lines.flatMap((l, i) => { const group = guardGroupOf(l); return group === null ? [] : [{ i, group }]; });
    const room = guards.map(() => 'NIL');
    const assembleAt = (origin: number) => {
      const items = itemsAt(lines, origin);
      const moved = origin !== 0 && laid !== null ? placeAt(items, laid) : null;
      if (moved !== null && laid !== null) return { ...laid, bytes: moved, literals: [...laid.literals, ...room] };
      const r = assembleItems(items);
      if (r.ok && origin === 0) laid = r;
      return r.ok ? { ...r, literals: [...r.literals, ...room] } : `native code: ${r.error.message}`;
    };
    const literal = (name: string): number | undefined => {
      const slot = /^literal(\d+)$/.exec(name);
      return slot && literals >= 0 ? slotPointer(k.machine, literals, Number(slot[1])) : undefined;
    };
    const r = placeCode(k, assembleAt, literal, hold);
    if (typeof r === 'string') throw new CompileFailure({ message: r.startsWith('native code') || r === 'out of memory' ? r : `native code: ${r}`, span: NO_SPAN });
    if (guards.length > 0) recordGuards(k, r.code, guards.map(({ i, group }) => ({ offset: r.placed.offsets[i], group })));
    return { code: r.code, offsets: [...r.placed.offsets] };
  }

  /**
   * (offset, origin) pairs for the stretches of code with one origin. An origin is a Symbol: the
   * same few labels ("load self", "return", "prologue" ...) recur in every method, and as one
   * String per stretch they were half the objects of the base image, which every start reads.
   */
  private originsArray(lines: readonly Line[], offsets: readonly number[], hold: (a: number) => number): number {
    const runs: [number, string][] = [];
    lines.forEach((l, i) => {
      if (!isInstruction(l)) return;
      if (runs.length === 0 || runs[runs.length - 1][1] !== l.origin) runs.push([offsets[i], l.origin]);
    });
    const strings = runs.map(([, origin]) => hold(this.k.symbols.intern(origin)));
    if (strings.some((s) => s < 0)) throw new CompileFailure({ message: 'out of memory', span: NO_SPAN });
    return this.fixedArray(runs.flatMap(([offset], i): [bigint, number][] => [[BigInt(offset), TAG_NUM], [BigInt(strings[i]), TAG_PTR]]));
  }

  private fixedArray(values: readonly [bigint, number][]): number {
    const k = this.k;
    const a = k.heap.allocateFixed(values.length, FORMAT_POINTERS, CLASS.Array, BigInt(k.nil), TAG_PTR);
    if (a < 0) throw new CompileFailure({ message: 'out of memory', span: NO_SPAN });
    values.forEach(([v, t], i) => setSlot(k.machine, a, i, v, t));
    return a;
  }
}

/** The native code of a unit made as threaded code only. */
const NO_NATIVE_CODE: NativeCode = Object.freeze({ raw: [], lines: [], fired: {}, marks: new Map() });

/**
 * Does the unit's code run straight through: no branch back (a loop inlined in it, such as
 * to:do: or whileTrue:), and no machine primitive inlined in it (whose native code is what
 * the seed's examples show)? Then each instruction of it runs at most once. Its blocks are
 * units of their own, and are not looked at here.
 */
export function runsOnce(unit: Unit): boolean {
  const placed = new Set<number>();
  for (const op of unit.ops) {
    if (op.op === 'primitive') return false;
    if (op.op === 'label') placed.add(op.id);
    else if ((op.op === 'jump' || op.op === 'jumpIf') && placed.has(op.target)) return false;
  }
  return true;
}

const NO_SPAN: Span = { start: { offset: 0, line: 1, column: 1 }, end: { offset: 0, line: 1, column: 1 } };

/**
 * What a compile that ran out of host stack says. The parser keeps nesting (parentheses,
 * blocks, arrays) under its limit and chains of sends are compiled in loops, so this is a
 * last line of defence: the definition changes nothing, and the host goes on.
 */
const TOO_DEEP = 'this is nested too deeply to compile';

/** The host's stack ran out (V8's RangeError). */
export function isStackExhaustion(e: unknown): boolean {
  return e instanceof RangeError && /call stack/i.test(e.message);
}

function failure(message: string, span: Span): { ok: false; error: CompileError } {
  return { ok: false, error: { message, span } };
}

function assemblyErrorSpan(body: Span, e: { line: number; column: number }): Span {
  const line = body.start.line + e.line - 1;
  const column = e.line === 1 ? body.start.column + e.column - 1 : e.column;
  const at = { offset: body.start.offset, line, column };
  return { start: at, end: at };
}

function makeMethodChecked(k: Kernel, spec: MethodSpec): number {
  const r = makeMethod(k, spec);
  if (typeof r === 'string') throw new CompileFailure({ message: r, span: NO_SPAN });
  return r;
}

// ---- machine methods ------------------------------------------------------------------------

/**
 * Is every statement a message (or cascade) to a machine object, with literal or parameter
 * arguments? The last may be returned (`^ALU add: 5`): then the method answers what the
 * machine left in rax; otherwise, as every message-syntax method, it answers self.
 */
export function isMachineMethod(k: Kernel, def: MethodDefinition): boolean {
  if (def.body.kind !== 'smalltalk' || def.body.temps.length > 0 || def.body.statements.length === 0) return false;
  // Its parameters and each message's arguments are registers (kernel/ABI.md).
  if (def.params.length > PARAMETER_REGISTERS.length) return false;
  const params = new Set(def.params.map((p) => p.name));
  const simple = (e: Expression): boolean =>
    (e.kind === 'literal' && (e.value.type === 'integer' || e.value.type === 'nil' || e.value.type === 'true' || e.value.type === 'false')) ||
    (e.kind === 'variable' && params.has(e.name));
  const statements = def.body.statements;
  return statements.every((statement: Statement, i) => {
    const s = statement.kind === 'return' && i === statements.length - 1 ? statement.value : statement;
    if (s.kind !== 'send' && s.kind !== 'cascade') return false;
    if (s.receiver.kind !== 'variable' || !MACHINE_OBJECTS.includes(s.receiver.name)) return false;
    const b = k.behaviourNamed(s.receiver.name);
    const messages: readonly Message[] = s.kind === 'send' ? [s.message] : s.messages;
    return b >= 0 && messages.every((m) => m.args.length <= PARAMETER_REGISTERS.length && m.args.every(simple) && machinePrimitive(k, b, m.selector) !== null);
  });
}

/**
 * The instructions of a machine method: for each message, its arguments moved into the
 * registers the primitive takes them in, then the primitive's code copied in (or called).
 */
function machineMethodLines(c: Compiler, def: MethodDefinition): Line[] {
  const k = c.k;
  const out: Line[] = [];
  const params = def.params.map((p) => p.name);
  const PARAMS = PARAMETER_REGISTER_NUMBERS;
  const operandOf = (e: Expression): { reg: number } | { imm: bigint } => {
    if (e.kind === 'variable') return { reg: PARAMS[params.indexOf(e.name)] };
    if (e.kind !== 'literal') throw new CompileFailure({ message: 'a machine method passes literals and parameters only', span: e.span });
    switch (e.value.type) {
      case 'integer': return { imm: e.value.value };
      case 'nil': return { imm: BigInt(k.nil) };
      case 'true': return { imm: BigInt(k.true) };
      case 'false': return { imm: BigInt(k.false) };
      default: throw new CompileFailure({ message: 'a machine method passes numbers, nil, true, false and parameters only', span: e.span });
    }
  };
  let inlined = 0;
  const statements = (def.body as Body).statements;
  const last = statements[statements.length - 1];
  // A message-syntax method answers self unless it returns: the receiver (rax on entry) is
  // kept on the stack, and put back in rax at the end. A returned last statement answers rax.
  const answersSelf = last.kind !== 'return';
  if (answersSelf) out.push({ mnemonic: 'push', operands: [reg(0)], hints: {}, origin: 'self' });
  for (const statement of statements) {
    const s = statement.kind === 'return' ? statement.value : statement;
    if (s.kind !== 'send' && s.kind !== 'cascade') continue;
    const receiver = (s.receiver as { name: string }).name;
    const b = k.behaviourNamed(receiver);
    const messages: readonly Message[] = s.kind === 'send' ? [s.message] : s.messages;
    for (const m of messages) {
      const primitive = machinePrimitive(k, b, m.selector);
      if (!primitive) throw new CompileFailure({ message: `${receiver} has no primitive #${m.selector}`, span: m.selectorSpan });
      const { method, kind } = primitive;
      c.noteBound(b, m.selector, method);
      const code = slotPointer(k.machine, method, METHOD.CODE);
      const name = `${receiver}>>${m.selector}`;
      const origin = `${name} (arguments)`;
      // Parallel moves into the parameter registers: a register source first, then immediates.
      const targets = kind === METHOD_KIND.TOS ? [0] : PARAMS.slice(0, m.args.length);
      const moves = m.args.map((a, i) => ({ to: targets[i], from: operandOf(a) }));
      for (const mv of orderMoves(moves.filter((x): x is { to: number; from: { reg: number } } => 'reg' in x.from))) {
        out.push({ mnemonic: 'mov', operands: [reg(mv.to), reg(mv.from.reg)], hints: {}, origin });
      }
      for (const mv of moves) if ('imm' in mv.from) out.push({ mnemonic: 'mov', operands: [reg(mv.to), imm(mv.from.imm)], hints: {}, origin });
      const fragment = inlinableFragment(k, code);
      if (fragment) {
        inlineFragment(fragment, `m${inlined++}`, name, out);
      } else {
        out.push({ mnemonic: 'call', operands: [rel(code)], hints: { disp32: true }, origin: `${name} (called)` });
      }
    }
  }
  if (answersSelf) out.push({ mnemonic: 'pop', operands: [reg(0)], hints: {}, origin: 'return self' });
  out.push({ mnemonic: 'ret', operands: [], hints: {}, origin: 'return' });
  return out;
}

/** Order register-to-register moves so none overwrites a source still to be read. */
function orderMoves<T extends { to: number; from: { reg: number } }>(moves: T[]): T[] {
  const pending = moves.filter((m) => m.to !== m.from.reg);
  const done: T[] = [];
  while (pending.length > 0) {
    const i = pending.findIndex((m) => !pending.some((o) => o !== m && o.from.reg === m.to));
    if (i < 0) throw new CompileFailure({ message: 'a machine method whose parameters swap registers is not supported', span: NO_SPAN });
    done.push(pending.splice(i, 1)[0]);
  }
  return done;
}

