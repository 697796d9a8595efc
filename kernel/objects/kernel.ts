/*
 * The kernel: one machine, its heap, and the object system on them — symbols, behaviours
 * and their override chains, globals, marks, the definition log and sends. A Kernel is a
 * value a caller holds and passes; there is no global instance, so a test or an actor can
 * hold several.
 *
 * Everything the system keeps alive hangs from one fixed-space object, the kernel's roots
 * (layout.ts ROOTS), itself held in the heap's root set:
 *
 *   roots: [nil][true][false][class table][globals][marks][log][#doesNotUnderstand:]
 *          [doesNotUnderstand: trampoline][next class index]
 *
 * Host code that makes objects must keep the ones it is still building alive across each
 * allocation (a collection may run at any allocation, and always does in stress mode):
 * `withHolds` does that for fixed-space objects, whose addresses never change.
 */
import { FORMAT_POINTERS, TAG_NUM, TAG_PTR, TAG_STACK } from '../machine/cells.ts';
import type { Fault } from '../machine/faults.ts';
import type { Machine, RunOptions } from '../machine/machine.ts';
import { collectService, type Heap } from '../memory/heap.ts';
import { isObject, setSlot, setSlotNumber, setSlotPointer, slotCount, slotNumber, slotPointer, slotTag, textOf } from './access.ts';
import { behaviourAt, ensureMetaclass, makeBehaviour, type BehaviourSpec } from './classes.ts';
import { bindingValue, defineGlobal, findBinding, type Value } from './globals.ts';
import { BEHAVIOUR, CLASS, ROOTS, SERVICE, isSymbolClass } from './layout.ts';
import { forget, mark, markNames } from './marks.ts';
import { define, makeMethod, type MethodSpec } from './methods.ts';
import { describe, failService, MethodCache, newSendEpoch, SendSites, sendService, sendSiteService, superService } from './send.ts';
import { internService, reshapeService } from './services.ts';
import { kernelFaultHandler, type FaultOrigin } from './faults.ts';
import { SymbolTable } from './symbols.ts';

export interface SendOutcome {
  /** The answer (rax) when the method returned. */
  readonly value: Value | null;
  /** Why it did not return: a machine fault, or the send could not be made. */
  readonly fault: Fault | null;
  readonly steps: number;
}

export class Kernel {
  readonly symbols: SymbolTable;
  readonly cache: MethodCache;
  /** Every send site, by selector: what a change empties (send.ts). */
  readonly sites = new SendSites(this);
  readonly nil: number;
  readonly true: number;
  readonly false: number;
  private readonly send: ReturnType<typeof sendService>;
  /**
   * Selectors defined since the compiler last looked (methods.ts define), and whether a forget
   * happened: the compiler brings the methods whose code has another method in it up to date
   * (layout.ts METHOD.INLINED; src/compiler/dependents.ts).
   */
  readonly changed = new Set<number>();
  forgotten = false;
  /**
   * The compiler's part in a class reshape (reshape.ts): compile the methods in use of these
   * behaviours again, for their present shapes; null, or which one does not compile and why.
   */
  recompile: ((behaviours: readonly number[]) => string | null) | null = null;
  /** A StackOverflow at the limit has the stack's reserve (faults.ts). */
  stackReserved = false;
  /** The root holding the stub a signalled fault's handler would return through, or -1 (faults.ts). */
  faultReturnRoot = -1;
  /**
   * What the system above knows of a fault that its message does not say, added to it when the
   * fault is signalled (faults.ts): for a Poisoned fault, what the object was and where it was
   * sent (src/system/actor-copy.ts). Null: nothing.
   */
  faultNote: ((f: Fault) => string | null) | null = null;
  /** Where the last machine fault nothing handled happened (set by FAIL; faults.ts). */
  faultOrigin: FaultOrigin | null = null;

  constructor(readonly machine: Machine, readonly heap: Heap, readonly roots: number) {
    heap.roots.add(BigInt(roots), TAG_PTR);
    this.nil = slotPointer(machine, roots, ROOTS.NIL);
    this.true = slotPointer(machine, roots, ROOTS.TRUE);
    this.false = slotPointer(machine, roots, ROOTS.FALSE);
    this.symbols = new SymbolTable(machine, heap);
    this.cache = new MethodCache(machine, roots);
    this.send = sendService(this);
    machine.services[SERVICE.SEND] = this.send;
    machine.services[SERVICE.FAIL] = failService(this);
    machine.services[SERVICE.COLLECT] = collectService;
    machine.services[SERVICE.SUPER] = superService(this);
    machine.services[SERVICE.SEND_SITE] = sendSiteService(this);
    this.cache.changed = (selector) => { this.sites.empty(selector); newSendEpoch(this); };
    machine.services[SERVICE.RESHAPE] = reshapeService(this);
    machine.services[SERVICE.INTERN] = internService(this);
    machine.faultHandler = kernelFaultHandler(this);
    heap.hooks.behaviourOf = (index: number) => behaviourAt(this, index);
    heap.hooks.weak = { classIndex: CLASS.WeakArray, cleared: this.nil };
    heap.hooks.onFreeFixed = (address: number, header: bigint) => {
      const cls = Number((BigInt.asUintN(64, header) >> 47n) & 0x1ffffn);
      if (isSymbolClass(cls)) this.symbols.freed(address, textOf(machine, address));
      else if (cls === CLASS.SendSite) this.sites.freed(address);
    };
  }

  /**
   * Run `fn`, keeping alive every fixed-space object it passes to `hold` (which returns its
   * argument) until `fn` returns: `const s = hold(k.symbols.intern('x'))`.
   */
  withHolds<T>(fn: (hold: (address: number) => number) => T): T {
    const held: number[] = [];
    try {
      return fn((a) => { if (a > 0) held.push(this.heap.roots.add(BigInt(a), TAG_PTR)); return a; });
    } finally {
      for (const h of held) this.heap.roots.release(h);
    }
  }

  nextClassIndex(): number { return slotNumber(this.machine, this.roots, ROOTS.NEXT_CLASS); }
  setNextClassIndex(i: number): void { setSlotNumber(this.machine, this.roots, ROOTS.NEXT_CLASS, i); }

  /** Link a made log entry in as the newest. */
  commitLog(entry: number): void { setSlotPointer(this.machine, this.roots, ROOTS.LOG, entry); }

  textOf(p: number): string { return textOf(this.machine, p); }

  /** The behaviour with class index `index`, or -1. */
  behaviour(index: number): number { return behaviourAt(this, index); }

  /** Is `p` a behaviour (a class, a metaclass, or a singleton such as Memory)? Each sits in the class table at its own index. */
  isBehaviour(p: number): boolean {
    const m = this.machine;
    if (!isObject(m, p) || slotCount(m, p) !== BEHAVIOUR.SIZE || slotTag(m, p, BEHAVIOUR.INDEX) !== TAG_NUM) return false;
    return behaviourAt(this, slotNumber(m, p, BEHAVIOUR.INDEX)) === p;
  }

  /** A description of a value for messages: 42, nil, #foo, Memory, a Point. */
  describe(v: Value): string { return describe(this, v.value, v.tag); }

  // ---- definitions ---------------------------------------------------------------------

  makeBehaviour(spec: BehaviourSpec): number | string {
    const b = makeBehaviour(this, spec);
    if (typeof b === 'string') return b;
    // Classes made once Behaviour exists get their metaclass now (genesis makes the first ones' later).
    if (!spec.singleton && behaviourAt(this, CLASS.Behaviour) >= 0) {
      const meta = ensureMetaclass(this, b);
      if (typeof meta === 'string') return meta;
    }
    // The new behaviour is in the class table (a root), so it lives while its global is made.
    const g = defineGlobal(this, spec.name, { value: BigInt(b), tag: TAG_PTR });
    return typeof g === 'string' ? g : b;
  }

  /** Make a method from `spec` and install it in its owner under its selector. */
  defineMethod(spec: MethodSpec): number | string {
    const method = makeMethod(this, spec);
    if (typeof method === 'string') return method;
    return this.withHolds((hold) => {
      hold(method);
      const selector = this.symbols.intern(spec.selector);
      if (selector < 0) return 'out of memory';
      return define(this, spec.owner, selector, method, spec.source);
    });
  }

  mark(name: string): number | string { return mark(this, name); }
  forget(name: string): string | null { return forget(this, name); }
  marks(): string[] { return markNames(this); }

  global(name: string): Value | undefined {
    const b = findBinding(this, name);
    return b < 0 ? undefined : bindingValue(this, b);
  }

  defineGlobal(name: string, v: Value): number | string { return defineGlobal(this, name, v); }

  /** The behaviour a global names, or -1. */
  behaviourNamed(name: string): number {
    const g = this.global(name);
    return g && g.tag === TAG_PTR && this.isBehaviour(Number(g.value)) ? Number(g.value) : -1;
  }

  // ---- sending from the host --------------------------------------------------------------

  /**
   * Send `selector` to `receiver` with `args`, as a send site in machine code would: push the
   * receiver and arguments, the last in rax; SEND; call the method; pop. Returns its answer.
   */
  sendMessage(receiver: Value, selector: string, args: readonly Value[] = [], options: RunOptions = {}): SendOutcome {
    const m = this.machine;
    const refuse = (message: string): SendOutcome => ({
      value: null, steps: 0, fault: { kind: 'Service', message, code: -1, offset: -1, instruction: '' },
    });
    const n = args.length;
    const start = Number(m.register(4));
    if (start - 8 * n < m.stackLo) return refuse('the stack is full');
    // The receiver and arguments go on the stack and into rax first: those are roots, so they
    // stay right if interning the selector makes the collector move them.
    const values = [receiver, ...args];
    let sp = start;
    for (const v of values.slice(0, -1)) {
      sp -= 8;
      m.setCell(sp, v.value, v.tag);
    }
    m.setRegister(4, BigInt(sp), TAG_STACK);
    const last = values[values.length - 1];
    m.setRegister(0, last.value, last.tag);
    const abandon = (message: string): SendOutcome => { m.setRegister(4, BigInt(start), TAG_STACK); return refuse(message); };
    const sel = this.symbols.intern(selector);
    if (sel < 0) return abandon('out of memory');
    const arity = this.symbols.arity(sel);
    if (arity !== n) return abandon(`#${selector} takes ${arity} argument${arity === 1 ? '' : 's'}, not ${n}`);
    m.setRegister(10, BigInt(sel), TAG_PTR);
    const refusal = this.send(m);
    if (refusal !== null) return abandon(refusal);
    m.setRegister(5, 0n, TAG_NUM); // no threaded vector of the host's (see backtrace.ts)
    const result = m.call(Number(m.register(11)), options);
    if (result.fault) return { value: null, fault: result.fault, steps: result.steps };
    m.setRegister(4, BigInt(Number(m.register(4)) + 8 * n), TAG_STACK);
    return { value: { value: m.register(0), tag: m.registerTag(0) }, fault: null, steps: result.steps };
  }

  /**
   * The Character with code point `cp`: one of the 256 made at genesis (so `$a == $a`), or a
   * new one beyond them. -1 only when memory is exhausted.
   */
  character(cp: number): number {
    const table = slotPointer(this.machine, this.roots, ROOTS.CHARACTERS);
    if (cp >= 0 && cp < 256 && table >= 0 && table !== this.nil) return slotPointer(this.machine, table, cp);
    const c = this.heap.allocateFixed(1, FORMAT_POINTERS, CLASS.Character, 0n, TAG_NUM);
    if (c >= 0) setSlotNumber(this.machine, c, 0, cp);
    return c;
  }

  /** A pointer Value for the object at `p`. */
  object(p: number): Value { return { value: BigInt(p), tag: TAG_PTR }; }

  /** Write slot `i` of the roots (genesis). */
  setRoot(i: number, v: Value): void { setSlot(this.machine, this.roots, i, v.value, v.tag); }
}
