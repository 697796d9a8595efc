/*
 * Sends: the send sites and their epoch, the SEND_SITE and SEND host services, the global
 * method cache, and what happens when nothing answers. The calling convention is
 * kernel/ABI.md's. Compiled code sends in machine code:
 *
 *   mov r10, <its send site>       ; a SendSite (layout.ts SEND_SITE), from the literals
 *   mov r11, <the receiver>        ; rax when n = 0, else [rsp + 8(n-1)]
 *   call Kernel>>send              ; bootstrap/kernel.bedrock
 *   add rsp, 8*n
 *
 * Kernel>>send compares the receiver's class index with the site's key, and on a hit jumps to
 * the entry the site holds: a send that hits never leaves machine code. On a miss it asks
 * SEND_SITE, which finds the method as SEND does and fills the site. Every change that may
 * make a lookup answer differently (a definition, a forget, a class change: whatever
 * invalidates the method cache) empties the sites it concerns (SendSites: those of the
 * selector defined, or all), so each misses once and is filled again, and none keeps a
 * forgotten method alive; it also makes a new send epoch, a count of such changes.
 *
 * The older sequence, which super sends, the doesNotUnderstand: trampoline and hand-made code
 * still use, enters the host every time:
 *
 *   mov r10, <selector>; mov r11, 1; syscall; call r11; add rsp, 8*n
 *
 * SEND reads the selector's arity from its header to find the receiver (rax when n = 0, else
 * [rsp + 8(n-1)]), takes the receiver's class index (from its tag, or its header), and looks
 * (class index, selector) up in the method cache; on a miss it walks the override chains and
 * fills the cache. It leaves the method's entry in r11.
 *
 * The global method cache is a direct-mapped table of 4096 entries in an Array in the fixed
 * space (layout.ts METHOD_CACHE_SIZE says how it is hashed), so that Kernel>>send can probe it
 * in machine code when a site misses, before it asks the host. Defining a method invalidates
 * the entries of its selector; forgetting flushes the table.
 *
 * When nothing answers, SEND builds a Message (the selector and an Array of the arguments)
 * and leaves r11 pointing at the kernel's doesNotUnderstand: trampoline, with the Message in
 * r10 and the receiver in rdx; the trampoline sends doesNotUnderstand: to the receiver and
 * returns its answer to the original send site, which pops what it pushed as usual.
 */
import { wideStringClass } from './methods.ts';
import { FORMAT_POINTERS, TAG_CODE, TAG_HDR, TAG_NUM, TAG_PTR, TAG_STACK } from '../machine/cells.ts';
import type { HostService, Machine } from '../machine/machine.ts';
import { classIndexOf, isObject, setSlot, setSlotPointer, slotNumber, slotPointer } from './access.ts';
import { behaviourName, classIndexOfValue, lookup } from './classes.ts';
import type { Kernel } from './kernel.ts';
import { BEHAVIOUR, CLASS, MESSAGE, METHOD, METHOD_CACHE_HASH, METHOD_CACHE_SIZE, ROOTS, SEND_EPOCH_STEP, SEND_SITE, isSymbolClass } from './layout.ts';
import { faultOrigin, settleStack } from './faults.ts';
import { describeFault } from '../machine/faults.ts';

const R9 = 9, R10 = 10, R11 = 11, RDX = 2, RSP = 4;
const MASK = METHOD_CACHE_SIZE - 1;

/**
 * The global method cache: (class index, selector) -> the entry of the method found, in the
 * Array at roots.methodCache (layout.ts METHOD_CACHE_SIZE), which Kernel>>send probes in
 * machine code when a site misses. The host fills it on a miss there, and empties what a
 * definition or a forget may change.
 */
export class MethodCache {
  hits = 0;
  misses = 0;
  invalidations = 0;
  /**
   * Called when entries are dropped (for one selector, or all of them): the kernel empties the
   * send sites that may cache what changed, and makes a new send epoch.
   */
  changed: ((selector?: number) => void) | null = null;

  constructor(private readonly m: Machine, private readonly roots: number) {}

  /** The cell index of entry `s`'s first cell. */
  private cellOf(s: number): number {
    return (slotPointer(this.m, this.roots, ROOTS.METHOD_CACHE) >> 3) + 3 * s;
  }

  static slot(classIndex: number, selector: number): number {
    return (Math.imul(classIndex, METHOD_CACHE_HASH) ^ (selector >>> 3)) & MASK;
  }

  /** The cached entry for (class, selector), or -1. */
  probe(classIndex: number, selector: number): number {
    const c = this.cellOf(MethodCache.slot(classIndex, selector)), C32 = this.m.store.cells32;
    if (C32[2 * c] === classIndex && C32[2 * c + 2] === selector) {
      this.hits++;
      return C32[2 * c + 4];
    }
    this.misses++;
    return -1;
  }

  fill(classIndex: number, selector: number, entry: number): void {
    const a = 8 * this.cellOf(MethodCache.slot(classIndex, selector));
    this.m.setCell(a, BigInt(classIndex), TAG_NUM);
    this.m.setCell(a + 8, BigInt(selector), TAG_PTR);
    this.m.setCell(a + 16, BigInt(entry), TAG_PTR);
  }

  /** Empty entry `s`. */
  private empty(s: number): void {
    const a = 8 * this.cellOf(s);
    this.m.setCell(a, 0n, TAG_NUM);
    this.m.setCell(a + 8, 0n, TAG_NUM);
    this.m.setCell(a + 16, 0n, TAG_NUM);
  }

  /** Drop every entry for `selector` (a new definition may answer it differently). */
  invalidateSelector(selector: number): void {
    this.changed?.(selector);
    const base = this.cellOf(0), C32 = this.m.store.cells32;
    for (let s = 0; s < METHOD_CACHE_SIZE; s++) {
      const c = base + 3 * s;
      if (C32[2 * c + 2] === selector && C32[2 * c] !== 0) {
        this.empty(s);
        this.invalidations++;
      }
    }
  }

  flush(): void {
    this.changed?.();
    for (let s = 0; s < METHOD_CACHE_SIZE; s++) this.empty(s);
    this.invalidations++;
  }

  /** How many entries are filled (for tests and statistics). */
  get filled(): number {
    const base = this.cellOf(0), C32 = this.m.store.cells32;
    let n = 0;
    for (let s = 0; s < METHOD_CACHE_SIZE; s++) if (C32[2 * (base + 3 * s)] !== 0) n++;
    return n;
  }
}

/** A new method cache's Array (genesis): every entry empty. -1 when memory is full. */
export function makeMethodCacheArray(heap: { allocateFixed(slots: number, format: number, cls: number, fill: bigint, tag: number): number }): number {
  return heap.allocateFixed(3 * METHOD_CACHE_SIZE, FORMAT_POINTERS, CLASS.Array, 0n, TAG_NUM);
}

/** The entry (code address) of the method answering `selector` for class `classIndex`, or -1. */
export function resolve(k: Kernel, classIndex: number, selector: number): number {
  const cached = k.cache.probe(classIndex, selector);
  if (cached >= 0) return cached;
  const method = lookup(k, classIndex, selector);
  if (method < 0) return -1;
  const entry = slotPointer(k.machine, method, METHOD.ENTRY);
  // (Not while a StackOverflow's reserve is in use: sends must come to the host to settle it.)
  if (!k.stackReserved) k.cache.fill(classIndex, selector, entry);
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

/** A new send site for `selector`, in the fixed space, caching nothing; -1 when memory is full. It may collect. */
export function makeSendSite(k: Kernel, selector: number): number {
  const site = k.heap.allocateFixed(SEND_SITE.SIZE, FORMAT_POINTERS, CLASS.SendSite, BigInt(k.nil), TAG_PTR);
  if (site < 0) return -1;
  setSlotPointer(k.machine, site, SEND_SITE.SELECTOR, selector);
  setSlot(k.machine, site, SEND_SITE.KEY, 0n, TAG_NUM);
  k.sites.add(site, selector);
  return site;
}

/** A new send epoch (a count of the changes to what sends find; the Forth front end and the debugger watch it). */
export function newSendEpoch(k: Kernel): void {
  const epoch = slotNumber(k.machine, k.roots, ROOTS.SEND_EPOCH);
  setSlot(k.machine, k.roots, ROOTS.SEND_EPOCH, BigInt(epoch + SEND_EPOCH_STEP), TAG_NUM);
}

/** Is there a live send site at `site` (a header of class SendSite and its size before it)? */
function isSendSite(k: Kernel, site: number): boolean {
  const m = k.machine, h = (site >> 3) - 1;
  if (h < m.fixedLo || h >= k.heap.fixedTop) return false;
  return m.store.tags[h] === TAG_HDR && m.store.cells32[2 * h + 1] >>> 15 === CLASS.SendSite && m.store.cells32[2 * h] >>> 0 === SEND_SITE.SIZE;
}

function emptySite(k: Kernel, site: number): void {
  setSlot(k.machine, site, SEND_SITE.KEY, 0n, TAG_NUM);
  setSlotPointer(k.machine, site, SEND_SITE.ENTRY, k.nil);
}

/**
 * Every send site, by selector, so that a change empties exactly the sites it may make wrong
 * (a site's key is the receiver's class index alone: Kernel>>send compares it with no epoch).
 * Sites live in the fixed space and never move; the index is made by one walk of it when first
 * needed (an image opened holds sites already), makeSendSite adds to it, and a site the
 * collector frees leaves it (Heap hooks.onFreeFixed).
 */
export class SendSites {
  private bySelector: Map<number, Set<number>> | null = null;

  constructor(private readonly k: Kernel) {}

  private index(): Map<number, Set<number>> {
    if (this.bySelector) return this.bySelector;
    const k = this.k, m = k.machine, C32 = m.store.cells32, T = m.store.tags;
    const map = new Map<number, Set<number>>();
    for (let h = m.fixedLo; h < k.heap.fixedTop;) {
      const slots = C32[2 * h] >>> 0;
      if (T[h] === TAG_HDR && C32[2 * h + 1] >>> 15 === CLASS.SendSite && slots === SEND_SITE.SIZE) {
        const site = 8 * (h + 1);
        const selector = slotPointer(m, site, SEND_SITE.SELECTOR);
        let set = map.get(selector);
        if (!set) map.set(selector, (set = new Set()));
        set.add(site);
      }
      h += 1 + slots;
    }
    this.bySelector = map;
    return map;
  }

  /** A new site (not yet indexed: nothing to do, the walk will find it). */
  add(site: number, selector: number): void {
    if (!this.bySelector) return;
    let set = this.bySelector.get(selector);
    if (!set) this.bySelector.set(selector, (set = new Set()));
    set.add(site);
  }

  /** The collector freed the send site at `address`. */
  freed(address: number): void {
    if (!this.bySelector) return;
    const selector = this.k.machine.store.cells32[2 * ((address >> 3) + SEND_SITE.SELECTOR)];
    this.bySelector.get(selector)?.delete(address);
  }

  /** Empty the sites sending `selector`, or every site. */
  empty(selector?: number): void {
    const map = this.index();
    const sets = selector === undefined ? [...map.values()] : [map.get(selector)];
    for (const set of sets) {
      if (!set) continue;
      for (const site of set) {
        if (isSendSite(this.k, site)) emptySite(this.k, site);
        else set.delete(site);
      }
    }
  }
}

/** Empty every send site (after a forget: none may keep a forgotten method alive). */
export function emptySendSites(k: Kernel): void {
  const m = k.machine, C32 = m.store.cells32, T = m.store.tags;
  for (let h = m.fixedLo; h < k.heap.fixedTop;) {
    const slots = C32[2 * h] >>> 0;
    if (T[h] === TAG_HDR && C32[2 * h + 1] >>> 15 === CLASS.SendSite && slots === SEND_SITE.SIZE) emptySite(k, 8 * (h + 1));
    h += 1 + slots;
  }
}

/**
 * The SEND_SITE service: Kernel>>send missed. r10 holds the site, [rsp] the return address
 * into it; the receiver is rax (no arguments) or [rsp + 8n]. Finds the method as SEND does,
 * fills the site when the receiver is a SmallInteger or an object, and leaves the entry in
 * r11 (or the doesNotUnderstand: trampoline, as SEND does).
 */
export function sendSiteService(k: Kernel): HostService {
  return (m) => {
    if (k.stackReserved) settleStack(k);
    const st = m.store;
    const site = st.regTags[R10] === TAG_PTR ? st.state32[2 * R10] : -1;
    if (site <= 0 || !isObject(m, site) || classIndexOf(m, site) !== CLASS.SendSite) return 'send: r10 does not hold a send site';
    const selector = slotPointer(m, site, SEND_SITE.SELECTOR);
    const n = k.symbols.arity(selector);
    let lo: number, tag: number;
    if (n === 0) {
      lo = st.state32[0];
      tag = st.regTags[0];
    } else {
      const a = st.state32[2 * RSP] + 8 * n;
      if (a + 8 > m.stackHi) return `send of #${k.symbols.text(selector)}: the stack holds fewer than its ${n} arguments and receiver`;
      lo = st.cells32[2 * (a >> 3)];
      tag = st.tags[a >> 3];
    }
    const classIndex = tag === TAG_NUM ? CLASS.SmallInteger : tag === TAG_PTR ? classIndexOf(m, lo) : classIndexOfValue(k, 0n, tag);
    let entry = resolve(k, classIndex, selector);
    if (entry < 0 && tag === TAG_PTR && k.behaviour(classIndex) < 0) entry = resolve(k, CLASS.Object, selector);
    if (entry < 0) return notUnderstood(k, m, selector, n, 8);
    if ((tag === TAG_NUM || tag === TAG_PTR) && !k.stackReserved) {
      setSlot(m, site, SEND_SITE.KEY, BigInt(classIndex), TAG_NUM);
      setSlotPointer(m, site, SEND_SITE.ENTRY, entry);
    }
    st.state32[2 * R11] = entry;
    st.state32[2 * R11 + 1] = 0;
    st.regTags[R11] = TAG_PTR;
    return null;
  };
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

/**
 * Prepare the doesNotUnderstand: trampoline: r10 = a Message, rdx = the receiver, r11 = the
 * trampoline. `bias`: bytes above the arguments on the stack (8 inside Kernel>>send, whose
 * return address is there).
 */
function notUnderstood(k: Kernel, m: Machine, selector: number, n: number, bias = 0): string | null {
  const dnu = slotPointer(m, k.roots, ROOTS.DNU_SELECTOR);
  const receiverAt = (): [bigint, number] => {
    if (n === 0) return [m.store.state64[0], m.store.regTags[0]];
    const a = m.store.state32[2 * RSP] + bias + 8 * (n - 1);
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
    const sp = m.store.state32[2 * RSP] + bias;
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
      if (cls === CLASS.String || cls === wideStringClass(k)) return k.textOf(r10);
      if (isSymbolClass(cls)) {
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
  if (isSymbolClass(cls)) return '#' + k.symbols.text(p);
  if (cls === CLASS.String || cls === wideStringClass(k)) return `'${k.textOf(p)}'`;
  if (cls === CLASS.Character) return '$' + String.fromCodePoint(Number(k.machine.cell(p)));
  if (cls === CLASS.Behaviour || k.isBehaviour(p)) return behaviourName(k, p);
  const b = k.behaviour(cls);
  const name = b >= 0 ? behaviourName(k, b) : 'object of a forgotten class';
  return (/^[AEIOUaeiou]/.test(name) ? 'an ' : 'a ') + name;
}
