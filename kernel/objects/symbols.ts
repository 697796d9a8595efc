/*
 * Symbols: interned names. A symbol is a byte object of class Symbol in the fixed space, so
 * its address is its identity for as long as it lives, and the host can keep a map from text
 * to address. The map is weak: the collector may free a symbol nothing refers to (a forgotten
 * definition's selector), and tells us through the heap's onFreeFixed hook.
 *
 * A symbol's header flags hold its arity as a selector (the number of arguments a message
 * with that selector takes): 0 for `foo`, 1 for `+` or `at:`, 2 for `at:put:`. A send reads
 * it to find the receiver under the arguments, without looking anything up.
 */
import { FORMAT_BYTES, TAG_NUM } from '../machine/cells.ts';
import type { Machine } from '../machine/machine.ts';
import type { Heap } from '../memory/heap.ts';
import { byteShape, classIndexOf, headerFlags, isObject, latin1, setHeaderFlags, textOf, utf8 } from './access.ts';
import { CLASS } from './layout.ts';

/** The number of arguments a message with this selector takes. */
export function arityOf(selector: string): number {
  if (/^[-+*/\\<>=~@%|&?,!]+$/.test(selector)) return 1;
  return (selector.match(/:/g) ?? []).length;
}

export class SymbolTable {
  private readonly byText = new Map<string, number>();

  constructor(private readonly machine: Machine, private readonly heap: Heap) {}

  /** The symbol for `text`, made if it does not exist yet. -1 only when memory is exhausted. */
  intern(text: string): number {
    const known = this.byText.get(text);
    if (known !== undefined) return known;
    // Characters up to 255 as their codes, as a String holds them; a text with a wider one as UTF-8 (textOf).
    const bytes = latin1(text) ?? utf8(text);
    const { slots, pad } = byteShape(bytes.length);
    const p = this.heap.allocateFixed(slots, FORMAT_BYTES, CLASS.Symbol, 0n, TAG_NUM);
    if (p < 0) return -1;
    this.machine.store.bytes.set(bytes, p);
    setPad(this.machine, p, pad);
    setHeaderFlags(this.machine, p, Math.min(arityOf(text), 255));
    this.byText.set(text, p);
    return p;
  }

  /** The symbol for `text` if it exists. */
  find(text: string): number | undefined {
    return this.byText.get(text);
  }

  text(symbol: number): string {
    return textOf(this.machine, symbol);
  }

  /** Is `p` a symbol? */
  isSymbol(p: number): boolean {
    return isObject(this.machine, p) && classIndexOf(this.machine, p) === CLASS.Symbol;
  }

  arity(symbol: number): number {
    return headerFlags(this.machine, symbol);
  }

  /** The collector freed this symbol: forget it. */
  freed(symbol: number, text: string): void {
    if (this.byText.get(text) === symbol) this.byText.delete(text);
  }

  /** Learn an existing symbol (when a kernel is made over a heap that already has them); `text` if the caller has read it already. */
  adopt(symbol: number, text = this.text(symbol)): void {
    this.byText.set(text, symbol);
  }

  get size(): number { return this.byText.size; }
}

/** Set a byte object's pad (unused bytes in its last cell). */
export function setPad(m: Machine, p: number, pad: number): void {
  const h = (p >> 3) - 1;
  const hi = m.store.cells32[h * 2 + 1];
  m.store.cells32[h * 2 + 1] = (hi & ~(7 << 4)) | ((pad & 7) << 4);
}
