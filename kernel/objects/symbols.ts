/*
 * Symbols: interned names. A symbol is a byte object of class Symbol (its characters' codes,
 * 0 to 255), or, when its text has a character above 255, a word object of class WideSymbol
 * (its code points, as a WideString holds them), in the fixed space, so
 * its address is its identity for as long as it lives, and the host can keep a map from text
 * to address. The map is weak: the collector may free a symbol nothing refers to (a forgotten
 * definition's selector), and tells us through the heap's onFreeFixed hook.
 *
 * A symbol's header flags hold its arity as a selector (the number of arguments a message
 * with that selector takes): 0 for `foo`, 1 for `+` or `at:`, 2 for `at:put:`. A send reads
 * it to find the receiver under the arguments, without looking anything up.
 */
import { FORMAT_BYTES, FORMAT_WORDS, TAG_NUM } from '../machine/cells.ts';
import type { Machine } from '../machine/machine.ts';
import type { Heap } from '../memory/heap.ts';
import { byteShape, classIndexOf, codePoints, headerFlags, isObject, latin1, setHeaderFlags, setSlotNumber, textOf } from './access.ts';
import { CLASS, isSymbolClass } from './layout.ts';

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
    // Characters up to 255 as their codes, as a String holds them; a text with a wider one as code points, as a WideString.
    const bytes = latin1(text);
    let p: number;
    if (bytes === null) {
      const cps = codePoints(text);
      p = this.heap.allocateFixed(cps.length, FORMAT_WORDS, CLASS.WideSymbol, 0n, TAG_NUM);
      if (p < 0) return -1;
      cps.forEach((cp, i) => setSlotNumber(this.machine, p, i, cp));
    } else {
      const { slots, pad } = byteShape(bytes.length);
      p = this.heap.allocateFixed(slots, FORMAT_BYTES, CLASS.Symbol, 0n, TAG_NUM);
      if (p < 0) return -1;
      this.machine.store.bytes.set(bytes, p);
      setPad(this.machine, p, pad);
    }
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
    return isObject(this.machine, p) && isSymbolClass(classIndexOf(this.machine, p));
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

  /** A copy of the table, text to address (image/snapshot.ts). */
  table(): Map<string, number> { return new Map(this.byText); }

  /** Take every entry of a table made by table() over the same heap. */
  adoptTable(table: ReadonlyMap<string, number>): void {
    for (const [text, p] of table) this.byText.set(text, p);
  }

  get size(): number { return this.byText.size; }
}

/** Set a byte object's pad (unused bytes in its last cell). */
export function setPad(m: Machine, p: number, pad: number): void {
  const h = (p >> 3) - 1;
  const hi = m.store.cells32[h * 2 + 1];
  m.store.cells32[h * 2 + 1] = (hi & ~(7 << 4)) | ((pad & 7) << 4);
}
