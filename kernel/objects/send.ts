/*
 * Sends: the SEND host service, the global method cache, and what happens when nothing
 * answers. The calling convention is kernel/ABI.md's; a send site is
 *
 *   mov r10, <selector>; mov r11, 1; syscall; call r11; add rsp, 8*n
 *
 * SEND reads the selector's arity from its header to find the receiver (rax when n = 0, else
 * [rsp + 8(n-1)]), takes the receiver's class index (from its tag, or its header), and looks
 * (class index, selector) up in the method cache; on a miss it walks the override chains and
 * fills the cache. It leaves the method's entry in r11.
 *
 * The cache is a direct-mapped table of 4096 entries in typed arrays:
 *
 *   slot = hash(class index, selector address) & 4095
 *   classes[slot]  selectors[slot]  entries[slot]     (class 0 marks an empty slot)
 *
 * Defining a method invalidates the slots of its selector; forgetting flushes the table.
 *
 * When nothing answers, SEND builds a Message (the selector and an Array of the arguments)
 * and leaves r11 pointing at the kernel's doesNotUnderstand: trampoline, with the Message in
 * r10 and the receiver in rdx; the trampoline sends doesNotUnderstand: to the receiver and
 * returns its answer to the original send site, which pops what it pushed as usual.
 */
import { FORMAT_POINTERS, TAG_CODE, TAG_NUM, TAG_PTR, TAG_STACK } from '../machine/cells.ts';
import type { HostService, Machine } from '../machine/machine.ts';
import { classIndexOf, isObject, setSlot, setSlotPointer, slotNumber, slotPointer } from './access.ts';
import { behaviourName, classIndexOfValue, lookup } from './classes.ts';
import type { Kernel } from './kernel.ts';
import { BEHAVIOUR, CLASS, MESSAGE, METHOD, ROOTS } from './layout.ts';
import { faultOrigin, settleStack } from './faults.ts';
import { describeFault } from '../machine/faults.ts';

const BITS = 12;
const SIZE = 1 << BITS;
const MASK = SIZE - 1;
const R9 = 9, R10 = 10, R11 = 11, RDX = 2, RSP = 4;

export class MethodCache {
  private readonly classes = new Int32Array(SIZE);
  private readonly selectors = new Int32Array(SIZE);
  private readonly entries = new Int32Array(SIZE);
  hits = 0;
  misses = 0;
  invalidations = 0;

  private static slot(classIndex: number, selector: number): number {
    return (Math.imul(classIndex, 0x9e3779b1) ^ (selector >>> 3)) & MASK;
  }

  /** The cached entry for (class, selector), or -1. */
  probe(classIndex: number, selector: number): number {
    const s = MethodCache.slot(classIndex, selector);
    if (this.classes[s] === classIndex && this.selectors[s] === selector) {
      this.hits++;
      return this.entries[s];
    }
    this.misses++;
    return -1;
  }

  fill(classIndex: number, selector: number, entry: number): void {
    const s = MethodCache.slot(classIndex, selector);
    this.classes[s] = classIndex;
    this.selectors[s] = selector;
    this.entries[s] = entry;
  }

  /** Drop every entry for `selector` (a new definition may answer it differently). */
  invalidateSelector(selector: number): void {
    for (let s = 0; s < SIZE; s++) {
      if (this.selectors[s] === selector && this.classes[s] !== 0) {
        this.classes[s] = 0;
        this.invalidations++;
      }
    }
  }

  flush(): void {
    this.classes.fill(0);
    this.invalidations++;
  }

  /** How many slots are filled (for tests and statistics). */
  get filled(): number {
    let n = 0;
    for (let s = 0; s < SIZE; s++) if (this.classes[s] !== 0) n++;
    return n;
  }
}

/** The entry (code address) of the method answering `selector` for class `classIndex`, or -1. */
export function resolve(k: Kernel, classIndex: number, selector: number): number {
  const cached = k.cache.probe(classIndex, selector);
  if (cached >= 0) return cached;
  const method = lookup(k, classIndex, selector);
  if (method < 0) return -1;
  const entry = slotPointer(k.machine, method, METHOD.ENTRY);
  k.cache.fill(classIndex, selector, entry);
  return entry;
}

/** The selector in r10: a Symbol, as a pointer or as its address. -1 if r10 holds anything else. */
function selectorIn(k: Kernel, m: Machine): number {
  const tag = m.store.regTags[R10];
  if (tag !== TAG_PTR && tag !== TAG_NUM) return -1;
  if (m.store.state32[2 * R10 + 1] !== 0) return -1;
  const p = m.store.state32[2 * R10];
  return p > 0 && k.symbols.isSymbol(p) ? p : -1;
}

/** The SEND service (kernel/ABI.md). */
export function sendService(k: Kernel): HostService {
  return (m) => dispatch(k, m, -1);
}

/**
 * The SUPER service: as SEND, but the lookup starts in the behaviour in r9 (the parent of the
 * sending method's owner) instead of the receiver's class.
 */
export function superService(k: Kernel): HostService {
  return (m) => {
    const tag = m.store.regTags[R9];
    const b = (tag === TAG_PTR || tag === TAG_NUM) && m.store.state32[2 * R9 + 1] === 0 ? m.store.state32[2 * R9] : -1;
    if (b <= 0 || !k.isBehaviour(b)) return 'super send: r9 does not hold a behaviour';
    return dispatch(k, m, slotNumber(m, b, BEHAVIOUR.INDEX));
  };
}

/** Find the method for the selector in r10: in class `from`, or (-1) the receiver's class. */
function dispatch(k: Kernel, m: Machine, from: number): string | null {
  if (k.stackReserved) settleStack(k);
  const selector = selectorIn(k, m);
  if (selector < 0) return 'send: r10 does not hold a selector (a Symbol)';
  const n = k.symbols.arity(selector);
  // The receiver's low half and tag are enough to find its class (a pointer's high half is 0):
  // no BigInt is made on this path.
  const st = m.store;
  let lo: number, tag: number;
  if (n === 0) {
    lo = st.state32[0];
    tag = st.regTags[0];
  } else {
    const a = st.state32[2 * RSP] + 8 * (n - 1);
    if (a + 8 > m.stackHi) return `send of #${k.symbols.text(selector)}: the stack holds fewer than its ${n} arguments and receiver`;
    lo = st.cells32[2 * (a >> 3)];
    tag = st.tags[a >> 3];
  }
  const classIndex = from >= 0 ? from
    : tag === TAG_NUM ? CLASS.SmallInteger
    : tag === TAG_PTR ? classIndexOf(m, lo)
    : classIndexOfValue(k, 0n, tag);
  let entry = resolve(k, classIndex, selector);
  // An object can outlive its class: a forget takes the class away, but an older object may
  // still hold an instance. Like Pharo's obsolete instances, it goes on as an Object. (Only
  // on a miss: the cached path pays nothing for this.)
  if (entry < 0 && from < 0 && tag === TAG_PTR && k.behaviour(classIndex) < 0) entry = resolve(k, CLASS.Object, selector);
  if (entry >= 0) {
    st.state32[2 * R11] = entry;
    st.state32[2 * R11 + 1] = 0;
    st.regTags[R11] = TAG_PTR;
    return null;
  }
  return notUnderstood(k, m, selector, n);
}

/** Prepare the doesNotUnderstand: trampoline: r10 = a Message, rdx = the receiver, r11 = the trampoline. */
function notUnderstood(k: Kernel, m: Machine, selector: number, n: number): string | null {
  const dnu = slotPointer(m, k.roots, ROOTS.DNU_SELECTOR);
  const receiverAt = (): [bigint, number] => {
    if (n === 0) return [m.store.state64[0], m.store.regTags[0]];
    const a = m.store.state32[2 * RSP] + 8 * (n - 1);
    return [m.store.cells[a >> 3], m.store.tags[a >> 3]];
  };
  if (selector === dnu) {
    const [v, t] = receiverAt();
    return `${describe(k, v, t)} does not understand #doesNotUnderstand:`;
  }
  // Arguments live on the stack and in rax, which the collector updates; the new Array is kept in a root.
  const args = k.heap.allocate(n, FORMAT_POINTERS, CLASS.Array, BigInt(k.nil), TAG_PTR);
  if (args < 0) return 'out of memory (making a Message for doesNotUnderstand:)';
  const root = k.heap.roots.add(BigInt(args), TAG_PTR);
  try {
    const message = k.heap.allocate(MESSAGE.SIZE, FORMAT_POINTERS, CLASS.Message, BigInt(k.nil), TAG_PTR);
    if (message < 0) return 'out of memory (making a Message for doesNotUnderstand:)';
    const array = Number(k.heap.roots.value(root));
    const sp = m.store.state32[2 * RSP];
    for (let i = 0; i < n; i++) {
      // Argument i+1: the last is in rax, the others at [rsp + 8(n-2-i)].
      if (i === n - 1) setSlot(m, array, i, m.store.state64[0], m.store.regTags[0]);
      else { const c = (sp + 8 * (n - 2 - i)) >> 3; setSlot(m, array, i, m.store.cells[c], m.store.tags[c]); }
    }
    setSlotPointer(m, message, MESSAGE.SELECTOR, selector);
    setSlotPointer(m, message, MESSAGE.ARGUMENTS, array);
    const [v, t] = receiverAt();
    m.store.state64[RDX] = v;
    m.store.regTags[RDX] = t;
    m.store.state64[R10] = BigInt(message);
    m.store.regTags[R10] = TAG_PTR;
    m.store.state64[R11] = BigInt(slotPointer(m, k.roots, ROOTS.DNU_TRAMPOLINE));
    m.store.regTags[R11] = TAG_PTR;
    return null;
  } finally {
    k.heap.roots.release(root);
  }
}

/**
 * What FAIL says for a Symbol in r10, after describing the receiver: the kernel's own
 * failures, by name. Any other Symbol is said as it is.
 */
export const FAILURES: Readonly<Record<string, string>> = Object.freeze({
  mustBeBoolean: 'is not a Boolean (ifTrue:, whileTrue: and the like need true or false)',
  notANumber: 'is not a SmallInteger',
  notASize: 'is not a size (a SmallInteger of at least 0)',
  badIndex: 'is not an index of the receiver (indexes run from 1 to its size)',
  notAByte: 'is not a byte (a SmallInteger from 0 to 255)',
  notACharacter: 'is not the code of a Character made yet (0 to 255)',
  wrongArgumentCount: 'was given the wrong number of arguments (see numArgs)',
  cannotReturn: 'cannot be returned: the method ^ would return from has already returned',
});

/** The FAIL service: r10 holds a Message (not understood), a String or a Symbol; rax the receiver. */
export function failService(k: Kernel): HostService {
  return (m) => {
    const v = m.store.state64[0], t = m.store.regTags[0];
    // r10 holds an object, or (from machine code naming #symbol) a symbol's address as a number.
    const tag10 = m.store.regTags[R10];
    const r10 = (tag10 === TAG_PTR || tag10 === TAG_NUM) && m.store.state32[2 * R10 + 1] === 0 ? m.store.state32[2 * R10] : -1;
    if (r10 > 0 && isObject(m, r10)) {
      // A machine fault nothing handled: its own words, and where it happened for the report.
      const origin = faultOrigin(k, r10);
      if (origin) { k.faultOrigin = origin; return describeFault(origin.fault); }
      const cls = classIndexOf(m, r10);
      if (cls === CLASS.Message) {
        const sel = slotPointer(m, r10, MESSAGE.SELECTOR);
        return `${describe(k, v, t)} does not understand #${k.symbols.text(sel)}`;
      }
      if (cls === CLASS.String) return k.textOf(r10);
      if (cls === CLASS.Symbol) {
        const name = k.textOf(r10);
        return `${describe(k, v, t)} ${FAILURES[name] ?? name}`;
      }
    }
    return `${describe(k, v, t)}: failed`;
  };
}

/** A short description of a value, for error messages: 42, nil, #foo, 'text', Memory, a Point. */
export function describe(k: Kernel, value: bigint, tag: number): string {
  switch (tag) {
    case TAG_NUM: return value.toString();
    case TAG_CODE: return `a code address (0x${value.toString(16)})`;
    case TAG_STACK: return `a stack address (0x${value.toString(16)})`;
    case TAG_PTR: break;
    default: return 'an unusable value';
  }
  const p = Number(value);
  if (p === k.nil) return 'nil';
  if (p === k.true) return 'true';
  if (p === k.false) return 'false';
  if (!isObject(k.machine, p)) return `a pointer to 0x${p.toString(16)}`;
  const cls = classIndexOf(k.machine, p);
  if (cls === CLASS.Symbol) return '#' + k.symbols.text(p);
  if (cls === CLASS.String) return `'${k.textOf(p)}'`;
  if (cls === CLASS.Character) return '$' + String.fromCodePoint(Number(k.machine.cell(p)));
  if (cls === CLASS.Behaviour || k.isBehaviour(p)) return behaviourName(k, p);
  const b = k.behaviour(cls);
  const name = b >= 0 ? behaviourName(k, b) : 'object of a forgotten class';
  return (/^[AEIOUaeiou]/.test(name) ? 'an ' : 'a ') + name;
}
