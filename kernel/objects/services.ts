/*
 * Host services the object system's library needs beyond sending: changing a class that
 * exists, and interning. Each is entered by `syscall` (kernel/ABI.md); what a library method
 * does with them is written in Bedrock (bootstrap/system/).
 *
 *   RESHAPE  rax = the superclass, rsi = a class that exists, rdx = its instance variable
 *            names (an Array of Symbols; nil: the ones it has), rcx = flags: 1 indexable,
 *            2 words, 4 bytes -> rax = the class, changed in place (reshape.ts): moved under
 *            rax (`Foo superclass: Bar`), or defined again with other names or another shape.
 *   INTERN   rax = a byte object (a String) -> rax = the Symbol with the same text
 *
 * The library reads and checks a definition before it asks, and makes a new class itself
 * (behaviour.bedrock, Behaviour>>define:instanceVariableNames:flags: and makeSubclass:names:
 * flags:: the metaclass, the class, the class table entry, the global and the log entry).
 * What is left here needs the host: a class that exists changes in place, its methods compiled
 * again by the compiler (TypeScript) and its instances migrated.
 */
import { FORMAT_BYTES, FORMAT_WORDS, TAG_PTR } from '../machine/cells.ts';
import type { HostService } from '../machine/machine.ts';
import { classIndexOf, formatOf, isObject, slotCount, slotPointer } from './access.ts';
import { reshapeClass } from './reshape.ts';
import type { Kernel } from './kernel.ts';
import { BEHAVIOUR, CLASS } from './layout.ts';
import { describe } from './send.ts';
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

export function reshapeService(k: Kernel): HostService {
  return (m) => {
    const superclass = pointerIn(k, RAX);
    if (superclass < 0 || !k.isBehaviour(superclass)) return `${describe(k, m.store.state64[RAX], m.store.regTags[RAX])} is not a class, so it cannot have subclasses`;
    const cls = pointerIn(k, RSI);
    if (cls < 0 || !k.isBehaviour(cls)) return 'RESHAPE changes a class that exists: rsi is not a class';
    const list = pointerIn(k, RDX);
    let names: string[];
    if (list === k.nil) names = ownInstanceVariables(k, cls);
    else {
      if (list < 0 || !isObject(m, list) || classIndexOf(m, list) !== CLASS.Array) return 'RESHAPE needs the instance variable names as an Array of Symbols';
      names = [];
      for (let i = 0; i < slotCount(m, list); i++) {
        const s = slotPointer(m, list, i);
        if (s < 0 || !k.symbols.isSymbol(s)) return 'RESHAPE needs the instance variable names as an Array of Symbols';
        names.push(k.symbols.text(s));
      }
    }
    const flags = Number(m.store.state64[RCX] & 7n);
    const format = flags & 2 ? FORMAT_WORDS : flags & 4 ? FORMAT_BYTES : undefined;
    const b = reshapeClass(k, cls, superclass, names, (flags & 1) !== 0, format);
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
