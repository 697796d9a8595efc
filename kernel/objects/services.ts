/*
 * Host services the object system's library needs beyond sending: defining a class and
 * describing a value as text. Each is entered by `syscall` (kernel/ABI.md); what a library
 * method does with them is written in Bedrock (bootstrap/system/).
 *
 *   DEFINE_CLASS  rax = the superclass, rsi = the name (a Symbol), rdx = the instance
 *                 variable names (an Array of Symbols, or nil for none), rcx = flags:
 *                 1 indexable, 2 words, 4 bytes -> rax = the class. rsi = nil: a new class
 *                 with no name and no global (`Behavior new`), under rax. rsi = a class:
 *                 that class, moved under rax (`Foo superclass: Bar`), its own instance
 *                 variables kept.
 *   INTERN        rax = a byte object (a String) -> rax = the Symbol with the same text
 *
 * The library reads and checks a definition before it asks (behaviour.bedrock,
 * Behaviour>>define:instanceVariableNames:flags:): it splits and checks the names, answers a
 * class that exists with the same shape itself, and keeps the names and shape of one that
 * exists when none are given. What is left here is the making: a class named as no class
 * is becomes a new one (its metaclass, global and log entry); one that exists changes in
 * place (reshape.ts: its methods compiled again, its instances migrated).
 */
import { FORMAT_BYTES, FORMAT_POINTERS, FORMAT_WORDS, TAG_NUM, TAG_PTR } from '../machine/cells.ts';
import type { HostService } from '../machine/machine.ts';
import { byteShape, classIndexOf, formatOf, isObject, setSlotPointer, slotCount, slotNumber, slotPointer, utf8 } from './access.ts';
import { behaviourIndex, behaviourName, ensureMetaclass, makeBehaviour, parentOf } from './classes.ts';
import { reshapeClass } from './reshape.ts';
import { defineGlobal } from './globals.ts';
import type { Kernel } from './kernel.ts';
import { BEHAVIOUR, CLASS, INSTANCE_FORMAT, LOG, ROOTS, isSymbolClass } from './layout.ts';
import { appendLog } from './marks.ts';
import { describe } from './send.ts';
import { setPad } from './symbols.ts';
import { makeString, wideStringClass } from './methods.ts';

const RAX = 0, RCX = 1, RDX = 2, RSI = 6;

function pointerIn(k: Kernel, r: number): number {
  const m = k.machine;
  return m.store.regTags[r] === TAG_PTR ? Number(m.store.state64[r]) : -1;
}

/** The instance variable names a class has of its own (not its parents'). */
export function ownInstanceVariables(k: Kernel, b: number): string[] {
  const ivars = slotPointer(k.machine, b, BEHAVIOUR.IVARS);
  if (ivars < 0 || ivars === k.nil) return [];
  return Array.from({ length: slotCount(k.machine, ivars) }, (_, i) => k.symbols.text(slotPointer(k.machine, ivars, i)));
}

/** Fixed slots of instances of `b` (its own instance variables and its parents'). */
export function fixedSlotsOf(k: Kernel, b: number): number {
  return slotNumber(k.machine, b, BEHAVIOUR.FORMAT) >> INSTANCE_FORMAT.FIXED_SHIFT;
}

/** Define the class `name` under `superclass`, or change the one that exists. Returns it, or a message. */
export function defineClass(k: Kernel, superclass: number, name: string, ivarNames: readonly string[], indexable: boolean, format?: number): number | string {
  const existing = k.behaviourNamed(name);
  // A class that exists, defined again: it changes in place (reshape.ts).
  if (existing >= 0 && classIndexOf(k.machine, existing) !== behaviourIndex(k, existing)) {
    return reshapeClass(k, existing, superclass, ivarNames, indexable, format);
  }
  const inherited = fixedSlotsOf(k, superclass);
  const parentFormat = format ?? slotNumber(k.machine, superclass, BEHAVIOUR.FORMAT) & 0xf;
  return k.withHolds((hold) => {
    hold(superclass);
    const symbols = ivarNames.map((n) => hold(k.symbols.intern(n)));
    if (symbols.some((s) => s < 0)) return 'out of memory';
    const ivars = symbols.length === 0 ? k.nil : hold(k.heap.allocateFixed(symbols.length, FORMAT_POINTERS, CLASS.Array, BigInt(k.nil), TAG_PTR));
    if (ivars < 0) return 'out of memory';
    symbols.forEach((s, i) => setSlotPointer(k.machine, ivars, i, s));
    const b = makeBehaviour(k, {
      name, parent: superclass, fixedSlots: inherited + ivarNames.length,
      format: parentFormat, indexable: indexable || (slotNumber(k.machine, superclass, BEHAVIOUR.FORMAT) & INSTANCE_FORMAT.INDEXABLE) !== 0,
    });
    if (typeof b === 'string') return b;
    hold(b);
    const meta = ensureMetaclass(k, b);
    if (typeof meta === 'string') return meta;
    setSlotPointer(k.machine, b, BEHAVIOUR.IVARS, ivars);
    const logged = appendLog(k, 'class', b, hold(k.symbols.intern(name)), `${behaviourName(k, superclass)} subclass: #${name} instanceVariableNames: '${ivarNames.join(' ')}'`);
    if (typeof logged === 'string') return logged;
    hold(logged);
    const g = defineGlobal(k, name, k.object(b));
    if (typeof g === 'string') return g;
    // Defining the global logged its own entry (a `declare` that forget must find): the class's goes after it.
    setSlotPointer(k.machine, logged, LOG.PREVIOUS, slotPointer(k.machine, k.roots, ROOTS.LOG));
    k.commitLog(logged);
    return b;
  });
}

/** A class with no name and no global (`Behavior new`), under `superclass`, with no instance variables of its own. */
export function makeAnonymousClass(k: Kernel, superclass: number): number | string {
  const m = k.machine;
  const parentFormat = slotNumber(m, superclass, BEHAVIOUR.FORMAT);
  return k.withHolds((hold) => {
    hold(superclass);
    const b = makeBehaviour(k, {
      name: '', parent: superclass, fixedSlots: fixedSlotsOf(k, superclass),
      format: parentFormat & INSTANCE_FORMAT.FORMAT_MASK, indexable: (parentFormat & INSTANCE_FORMAT.INDEXABLE) !== 0,
    });
    if (typeof b === 'string') return b;
    hold(b);
    setSlotPointer(m, b, BEHAVIOUR.NAME, k.nil);
    const meta = ensureMetaclass(k, b);
    return typeof meta === 'string' ? meta : b;
  });
}

export function defineClassService(k: Kernel): HostService {
  return (m) => {
    const superclass = pointerIn(k, RAX);
    if (superclass < 0 || !k.isBehaviour(superclass)) return `${describe(k, m.store.state64[RAX], m.store.regTags[RAX])} is not a class, so it cannot have subclasses`;
    const nameSym = pointerIn(k, RSI);
    if (nameSym === k.nil || (nameSym >= 0 && k.isBehaviour(nameSym))) {
      const b = nameSym === k.nil ? makeAnonymousClass(k, superclass) : reshapeClass(k, nameSym, superclass, ownInstanceVariables(k, nameSym), false);
      if (typeof b === 'string') return b;
      m.store.state64[RAX] = BigInt(b);
      m.store.regTags[RAX] = TAG_PTR;
      return null;
    }
    if (nameSym < 0 || !k.symbols.isSymbol(nameSym)) return 'subclass: needs a Symbol for the name (#Point)';
    const list = pointerIn(k, RDX);
    const names: string[] = [];
    if (list !== k.nil) {
      if (list < 0 || !isObject(m, list) || classIndexOf(m, list) !== CLASS.Array) return 'DEFINE_CLASS needs the instance variable names as an Array of Symbols';
      for (let i = 0; i < slotCount(m, list); i++) {
        const s = slotPointer(m, list, i);
        if (s < 0 || !k.symbols.isSymbol(s)) return 'DEFINE_CLASS needs the instance variable names as an Array of Symbols';
        names.push(k.symbols.text(s));
      }
    }
    const flags = Number(m.store.state64[RCX] & 7n);
    const format = flags & 2 ? FORMAT_WORDS : flags & 4 ? FORMAT_BYTES : undefined;
    const b = defineClass(k, superclass, k.symbols.text(nameSym), names, (flags & 1) !== 0, format);
    if (typeof b === 'string') return b;
    m.store.state64[RAX] = BigInt(b);
    m.store.regTags[RAX] = TAG_PTR;
    return null;
  };
}

/** A new String (in the moving heap) holding `text`, or -1. */
export function newString(k: Kernel, text: string): number {
  return makeString(k, text, false);
}

/** INTERN: the Symbol spelled by the bytes of the String in rax (`'foo' asSymbol`). */
export function internService(k: Kernel): HostService {
  return (m) => {
    const s = pointerIn(k, RAX);
    if (s < 0 || !isObject(m, s) || (formatOf(m, s) !== FORMAT_BYTES && classIndexOf(m, s) !== wideStringClass(k) && classIndexOf(m, s) !== CLASS.WideSymbol)) return `${describe(k, m.store.state64[RAX], m.store.regTags[RAX])} is not a String, so it has no Symbol`;
    const symbol = k.symbols.intern(k.textOf(s));
    if (symbol < 0) return 'out of memory (interning a Symbol)';
    m.store.state64[RAX] = BigInt(symbol);
    m.store.regTags[RAX] = TAG_PTR;
    return null;
  };
}
