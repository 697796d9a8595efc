/*
 * Inlined sends: the body of a small method compiled in place of a send of its selector, so
 * that a method of a few sends, slots and arithmetic costs no call, no frame and no return.
 * Only where asked for (Compiler.inlineMethods: `bedrock run` of a SOM class path, a program
 * run for its speed): everywhere else every method keeps its frame for the debugger.
 *
 * Which methods: those a send's selector finds alone (every behaviour that defines it finds
 * this one method; a selector some other method answers is left to its sends, and leaf
 * methods to their cheaper copies, leaf-sends.ts), compiled from message syntax, whose source,
 * read again, is at most MAX_NODES nodes with no block that is not inlined, no thisContext and
 * no pragma (a primitive). The classes whose lookup finds it (its behaviour, and the
 * subclasses that inherit it) must be at most MAX_CLASSES, each a compare on the way in, and
 * not SmallInteger (a number is no object: the guard would always send, a cost for nothing).
 * The body is compiled again in the caller (codegen.ts Generator.inlineMethod): its
 * arguments, temporaries and receiver become the caller's temporaries, its instance variables
 * slots of that receiver, its `^` a jump past the send.
 *
 * Why it stays right (the newest definition answers everywhere, inlined bodies too): the copy
 * runs behind the same watches as leaf copies (leaf-sends.ts Watches): a SendSite per class,
 * holding that class's index while its lookup finds the method, emptied by every definition,
 * forget or class change that may make it find another and armed again when it still finds
 * the same. A receiver of any other class, or of a class whose watch was emptied, takes the
 * whole send. A body already running when a definition is made finishes as the activation it
 * stands for would (an activation runs the code it started with); the next send obeys it.
 *
 * What a debugger shows: an inlined method has no frame of its own. An error inside it is
 * reported in the caller's frame, at the send it was inlined for (the ops of the body carry
 * that send's span), and its arguments and temporaries are the caller's temporaries named
 * `name (in Foo>>bar)`. The listing (`see:`) names the copy (`inlined Foo>>bar`).
 */
import { slotCount, slotPointer } from '../../kernel/objects/access.ts';
import { behaviourAt, behaviourName, classTable, lookupFrom, parentOf } from '../../kernel/objects/classes.ts';
import type { Kernel } from '../../kernel/objects/kernel.ts';
import { CLASS, METHOD } from '../../kernel/objects/layout.ts';
import type { Block, Expression, Statement } from '../lang/ast.ts';
import { INLINE_SHAPES, type InlineCandidate } from './codegen.ts';
import { definitionOf } from './dependents.ts';
import { leafBody, type LeafIndex, type Watches } from './leaf-sends.ts';

/** At most this many nodes (sends, names, literals, assignments) in an inlined body. */
export const MAX_NODES = 40;
/** At most this many classes find the method (each is a compare in front of the body). */
export const MAX_CLASSES = 4;
/** A selector defined by more behaviours than this is not inlined. */
const MAX_DEFINERS = 8;

/** The method a send may inline, found again for each send (the system changes between compiles). */
export class Inliner {
  /** Each method's definition read from its source, by address (with the text, to know it is still that method's). */
  private readonly parsed = new Map<number, { readonly text: string; readonly def: Pick<InlineCandidate, 'params' | 'body'> | null }>();

  constructor(private readonly k: Kernel, private readonly leaves: LeafIndex, private readonly watches: Watches) {}

  /**
   * The method a send of `selector` (`argc` arguments) inlines and its watches, or null; `hold`
   * keeps each watch alive until the code holds it. 'none yet': nothing defines the selector
   * (a method defined later may be inlined then).
   */
  candidate(selector: string, argc: number, hold: (a: number) => number, self = -1): InlineCandidate | null | 'none yet' {
    const k = this.k;
    const sel = k.symbols.find(selector);
    if (sel === undefined) return 'none yet';
    const definers = this.leaves.definers(sel);
    if (!definers || definers.size === 0) return 'none yet';
    if (self >= 0) return this.toSelf(sel, selector, argc, hold, self);
    if (definers.size > MAX_DEFINERS) return null;
    let method = -1;
    const behaviours = new Set<number>();
    for (const i of definers) {
      const b = behaviourAt(k, i);
      if (b < 0) continue;
      const found = lookupFrom(k, b, sel);
      if (found < 0 || (method >= 0 && found !== method)) return null;
      method = found;
      behaviours.add(b);
    }
    if (method < 0 || leafBody(k, method, argc) !== null) return null;
    const def = this.definition(method);
    if (!def || def.params.length !== argc) return null;
    // The classes whose lookup finds it: a definer, or a class whose nearest definer above is
    // one; newest first (a subclass before the class it specializes, which is often abstract).
    const classes: number[] = [];
    const count = slotCount(k.machine, classTable(k));
    for (let i = count - 1; i > 0; i--) {
      let b = behaviourAt(k, i);
      for (let depth = 0; b >= 0 && depth < 32 && !behaviours.has(b); depth++) b = parentOf(k, b);
      if (b < 0 || !behaviours.has(b)) continue;
      // SmallInteger's (a number is no object: the guard would always send, a cost for nothing).
      if (i === CLASS.SmallInteger || classes.length === MAX_CLASSES) return null;
      classes.push(i);
    }
    return this.guarded(sel, selector, method, def, classes, hold);
  }

  /**
   * For a send to self in code of behaviour `self`: the method self's class finds, whatever
   * other classes define the selector (self is an instance of `self` or of a subclass). Its
   * classes are those at or below `self` whose lookup finds it; a subclass that finds another
   * is left to the send. 'none yet': `self` finds nothing yet, or a leaf (a method defined
   * later, its own, may be inlined then: dependents.ts compiles the sender again).
   */
  private toSelf(sel: number, selector: string, argc: number, hold: (a: number) => number, self: number): InlineCandidate | null | 'none yet' {
    const k = this.k;
    const method = lookupFrom(k, self, sel);
    if (method < 0) return 'none yet';
    // (A selector whose every definer is a leaf is copied at the send: leaf-sends.ts.)
    if (this.leaves.candidates(sel, argc).length > 0) return null;
    const def = this.definition(method);
    if (!def || def.params.length !== argc) return null;
    const classes: number[] = [];
    const count = slotCount(k.machine, classTable(k));
    for (let i = count - 1; i > 0; i--) {
      const top = behaviourAt(k, i);
      let b = top;
      for (let depth = 0; b >= 0 && depth < 32 && b !== self; depth++) b = parentOf(k, b);
      if (b !== self || lookupFrom(k, top, sel) !== method) continue;
      if (i === CLASS.SmallInteger || classes.length === MAX_CLASSES) return null;
      classes.push(i);
    }
    return this.guarded(sel, selector, method, def, classes, hold);
  }

  /** `method` inlined behind a watch for each of `classes` (each checked by a lookup), or null. */
  private guarded(sel: number, selector: string, method: number, def: Pick<InlineCandidate, 'params' | 'body'>, classes: readonly number[], hold: (a: number) => number): InlineCandidate | null {
    const k = this.k;
    if (classes.length === 0) return null;
    const watches: number[] = [];
    for (const i of classes) {
      // (checked by a lookup: a class between may define it in a way the index has not seen)
      if (lookupFrom(k, behaviourAt(k, i), sel) !== method) return null;
      const w = this.watches.watch(sel, i, method);
      if (w < 0) return null;
      watches.push(hold(w));
    }
    const owner = slotPointer(k.machine, method, METHOD.OWNER);
    return { method, owner, name: `${behaviourName(k, owner)}>>${selector}`, params: def.params, body: def.body, watches, classes };
  }

  /** `method`'s definition, if it is one that may be inlined (see the header). */
  private definition(method: number): Pick<InlineCandidate, 'params' | 'body'> | null {
    const k = this.k, m = k.machine;
    if (slotPointer(m, method, METHOD.THREADED) === k.nil) return null;
    const source = slotPointer(m, method, METHOD.SOURCE);
    if (source < 0 || source === k.nil) return null;
    const text = k.textOf(source);
    const known = this.parsed.get(method);
    if (known && known.text === text) return known.def;
    const owner = slotPointer(m, method, METHOD.OWNER);
    const def = definitionOf(text, behaviourName(k, owner), k.symbols.text(slotPointer(m, method, METHOD.SELECTOR)));
    const ok = typeof def !== 'string' && def.body.kind === 'smalltalk' && def.pragmas.length === 0 && inlinable(def.body.statements);
    const made = ok ? { params: def.params, body: def.body as InlineCandidate['body'] } : null;
    this.parsed.set(method, { text, def: made });
    return made;
  }
}

/** Statements small enough, with no block that is not inlined and no thisContext. */
function inlinable(statements: readonly Statement[]): boolean {
  let nodes = 0;
  const visitBlock = (b: Block): boolean => b.statements.every(visit);
  const visit = (e: Statement | Expression): boolean => {
    if (++nodes > MAX_NODES) return false;
    switch (e.kind) {
      case 'return': return visit(e.value);
      case 'literal': return true;
      case 'variable': return e.name !== 'thisContext';
      case 'assign': return visit(e.value);
      case 'block': return false;
      case 'brace': return e.elements.every(visit);
      case 'cascade': return visit(e.receiver) && e.messages.every((msg) => msg.args.every(visit));
      case 'send': {
        const inlined = new Set<Expression>(INLINE_SHAPES[e.message.selector]?.(e.receiver, e.message.args) ?? []);
        return [e.receiver, ...e.message.args].every((x) => (inlined.has(x) ? visitBlock(x as Block) : visit(x)));
      }
      default: return false;
    }
  };
  return statements.every(visit);
}
