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

/**
 * A symbol table packed for another thread (image/snapshot.ts): every text in one string, in
 * the order JavaScript compares strings (by UTF-16 code units), `ends[i]` where the i-th ends,
 * `addresses[i]` its symbol. Structured-cloned as one string and two Int32Arrays (a Map of a few
 * thousand strings took milliseconds each way), and searched as it is by the opener.
 */
export interface PackedSymbols {
  readonly texts: string;
  readonly ends: Int32Array;
  readonly addresses: Int32Array;
}

/** Compare `texts[start, end)` with `t` as JavaScript compares strings: negative, 0 or positive. */
function compareAt(texts: string, start: number, end: number, t: string): number {
  const n = end - start;
  const common = Math.min(n, t.length);
  for (let i = 0; i < common; i++) {
    const d = texts.charCodeAt(start + i) - t.charCodeAt(i);
    if (d !== 0) return d;
  }
  return n - t.length;
}

export class SymbolTable {
  private readonly byText = new Map<string, number>();
  /**
   * Symbols adopted packed (adoptPacked: an actor's opened snapshot), searched in place, so
   * that an opener builds no map of thousands of entries; those the collector freed since are
   * in `gone`. byText is looked at first.
   */
  private base: PackedSymbols | null = null;
  private gone: Set<number> | null = null;
  /** Changes since `packedCache` was made (intern, freed, adopt). */
  private version = 0;
  private packedCache: { readonly version: number; readonly packed: PackedSymbols } | null = null;

  constructor(private readonly machine: Machine, private readonly heap: Heap) {}

  /** The symbol for `text`, made if it does not exist yet. -1 only when memory is exhausted. */
  intern(text: string): number {
    const known = this.find(text);
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
    this.version++;
    return p;
  }

  /** The symbol for `text` if it exists. */
  find(text: string): number | undefined {
    const known = this.byText.get(text);
    if (known !== undefined || this.base === null) return known;
    const i = this.baseIndex(text);
    if (i < 0) return undefined;
    const p = this.base.addresses[i];
    return this.gone?.has(p) ? undefined : p;
  }

  /** The index of `text` in the packed base, or -1 (a binary search). */
  private baseIndex(text: string): number {
    const { texts, ends } = this.base!;
    let lo = 0, hi = ends.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const c = compareAt(texts, mid === 0 ? 0 : ends[mid - 1], ends[mid], text);
      if (c === 0) return mid;
      if (c < 0) lo = mid + 1; else hi = mid - 1;
    }
    return -1;
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
    if (this.base !== null) {
      const i = this.baseIndex(text);
      if (i >= 0 && this.base.addresses[i] === symbol) (this.gone ??= new Set()).add(symbol);
    }
    this.version++;
  }

  /** Learn an existing symbol (when a kernel is made over a heap that already has them); `text` if the caller has read it already. */
  adopt(symbol: number, text = this.text(symbol)): void {
    this.byText.set(text, symbol);
    this.version++;
  }

  /** Every entry, text to address (tests compare it with a walk of the heap). */
  table(): Map<string, number> {
    const all = new Map<string, number>();
    if (this.base !== null) {
      const { texts, ends, addresses } = this.base;
      for (let i = 0; i < ends.length; i++) {
        if (!this.gone?.has(addresses[i])) all.set(texts.slice(i === 0 ? 0 : ends[i - 1], ends[i]), addresses[i]);
      }
    }
    for (const [text, p] of this.byText) all.set(text, p);
    return all;
  }

  /**
   * The table packed (image/snapshot.ts), made again only when a symbol was made, freed or
   * adopted since: a spawner that makes no symbols between spawns packs it once.
   */
  packed(): PackedSymbols {
    if (this.packedCache?.version === this.version) return this.packedCache.packed;
    const entries = [...this.table()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const ends = new Int32Array(entries.length);
    const addresses = new Int32Array(entries.length);
    let at = 0;
    entries.forEach(([text, p], i) => { at += text.length; ends[i] = at; addresses[i] = p; });
    const packed = { texts: entries.map((e) => e[0]).join(''), ends, addresses };
    this.packedCache = { version: this.version, packed };
    return packed;
  }

  /** Take every symbol of a table packed by packed() over the same heap (searched in place, not copied). */
  adoptPacked(packed: PackedSymbols): void {
    this.version++;
    if (this.base === null && this.byText.size === 0) {
      this.base = packed;
      this.packedCache = { version: this.version, packed };
      return;
    }
    // Not the first table: merged the plain way.
    const { texts, ends, addresses } = packed;
    for (let i = 0; i < ends.length; i++) this.byText.set(texts.slice(i === 0 ? 0 : ends[i - 1], ends[i]), addresses[i]);
  }

  get size(): number {
    if (this.base === null) return this.byText.size;
    let n = this.byText.size;
    const { texts, ends, addresses } = this.base;
    for (let i = 0; i < ends.length; i++) {
      if (!this.gone?.has(addresses[i]) && !this.byText.has(texts.slice(i === 0 ? 0 : ends[i - 1], ends[i]))) n++;
    }
    return n;
  }
}

/** Set a byte object's pad (unused bytes in its last cell). */
export function setPad(m: Machine, p: number, pad: number): void {
  const h = (p >> 3) - 1;
  const hi = m.store.cells32[h * 2 + 1];
  m.store.cells32[h * 2 + 1] = (hi & ~(7 << 4)) | ((pad & 7) << 4);
  m.markWritten(h, h + 1);
}
