/*
 * Reading and writing objects from the host. Every kernel module goes through these, so the
 * rules are in one place: slot i of the object at address p is the cell at p + 8i; the
 * header is the cell before slot 0; a byte object's length is its cells times 8 minus the
 * header's pad. Stores go through Machine.setCell, which keeps code caches and the
 * collector's card table right.
 */
import { FORMAT_WORDS, TAG_HDR, TAG_NUM, TAG_PTR, decodeHeader, headerFormat } from '../machine/cells.ts';
import type { Machine } from '../machine/machine.ts';

export function slot(m: Machine, p: number, i: number): bigint {
  return m.store.cells[(p >> 3) + i];
}

export function slotTag(m: Machine, p: number, i: number): number {
  return m.store.tags[(p >> 3) + i];
}

/** Slot i as an address, when it holds a pointer; -1 otherwise (nil is a pointer too). */
export function slotPointer(m: Machine, p: number, i: number): number {
  const c = (p >> 3) + i;
  return m.store.tags[c] === TAG_PTR ? Number(m.store.cells[c]) : -1;
}

/** Slot i as a small number (a count, an index, a kind). */
export function slotNumber(m: Machine, p: number, i: number): number {
  return Number(m.store.cells[(p >> 3) + i]);
}

export function setSlot(m: Machine, p: number, i: number, value: bigint, tag: number): void {
  m.setCell(p + 8 * i, value, tag);
}

export function setSlotPointer(m: Machine, p: number, i: number, target: number): void {
  m.setCell(p + 8 * i, BigInt(target), TAG_PTR);
}

export function setSlotNumber(m: Machine, p: number, i: number, n: number | bigint): void {
  m.setCell(p + 8 * i, BigInt(n), TAG_NUM);
}

/** Is `p` the address of an object's slot 0 (its header is the cell before)? */
export function isObject(m: Machine, p: number): boolean {
  const h = (p >> 3) - 1;
  return (p & 7) === 0 && h >= 0 && h < m.store.cellCount && m.store.tags[h] === TAG_HDR;
}

export function slotCount(m: Machine, p: number): number {
  return m.store.cells32[((p >> 3) - 1) * 2] >>> 0;
}

export function classIndexOf(m: Machine, p: number): number {
  return m.store.cells32[((p >> 3) - 1) * 2 + 1] >>> 15;
}

export function formatOf(m: Machine, p: number): number {
  return headerFormat(m.store.cells32[((p >> 3) - 1) * 2 + 1]);
}

/** Header flags (8 bits), e.g. a symbol's arity. */
export function headerFlags(m: Machine, p: number): number {
  return (m.store.cells32[((p >> 3) - 1) * 2 + 1] >>> 7) & 0xff;
}

export function setHeaderFlags(m: Machine, p: number, flags: number): void {
  const h = (p >> 3) - 1;
  const hi = m.store.cells32[h * 2 + 1];
  m.store.cells32[h * 2 + 1] = (hi & ~(0xff << 7)) | ((flags & 0xff) << 7);
  m.markWritten(h, h + 1);
}

/** The bytes of a byte-format object (its cells, less the header's pad). */
export function bytesOf(m: Machine, p: number): Uint8Array {
  const h = decodeHeader(m.store.cells[(p >> 3) - 1]);
  return m.store.bytes.slice(p, p + h.slots * 8 - h.pad);
}

const encoder = new TextEncoder();

/**
 * A String, WideString or Symbol's text. A String's bytes are its characters' codes (0 to 255,
 * ISO 8859-1, as Pharo's ByteString), a WideString's cells are code points (words); a Symbol
 * is one or the other (a WideSymbol is words, symbols.ts).
 */
export function textOf(m: Machine, p: number): string {
  if (formatOf(m, p) === FORMAT_WORDS) {
    const base = p >> 3;
    const n = slotCount(m, p);
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCodePoint(Number(BigInt.asUintN(21, m.store.cells[base + i])) % 0x110000);
    return s;
  }
  // The bytes in place (no copy, no BigInt header): opening an image reads every symbol's text.
  const high = m.store.cells32[((p >> 3) - 1) * 2 + 1];
  const bytes = m.store.bytes.subarray(p, p + slotCount(m, p) * 8 - ((high >>> 4) & 7));
  let s = '';
  for (let i = 0; i < bytes.length; i += 4096) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 4096) as unknown as number[]);
  return s;
}

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** The text's characters as bytes (each code 0 to 255), or null when one is above 255. */
export function latin1(text: string): Uint8Array | null {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 255) return null;
    out[i] = c;
  }
  return out;
}

/** The text's code points. */
export function codePoints(text: string): number[] {
  return Array.from(text, (c) => c.codePointAt(0)!);
}

/** Cells needed for n bytes, and the pad that leaves. */
export function byteShape(n: number): { slots: number; pad: number } {
  const slots = Math.ceil(n / 8);
  return { slots, pad: slots * 8 - n };
}
