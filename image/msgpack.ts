/*
 * The MessagePack an image's header is written in (format.ts): nil, booleans, numbers,
 * strings, arrays and maps with string keys, as the MessagePack specification lays them out.
 * It is written here, not by a library, since loading one (msgpackr) cost every start ~5 ms of
 * CPU for a header of a few hundred bytes. test/image/msgpack.test.ts checks it against
 * msgpackr both ways, so images written before open as they did.
 *
 * Decoding is of bytes from outside (a file anyone may have written): it never throws for
 * any input, and answers the reason instead; nesting and lengths are bounded by the bytes
 * themselves and by MAX_DEPTH.
 */

/** What a header holds. */
export type Packable = null | boolean | number | string | readonly Packable[] | { readonly [key: string]: Packable };

/** Arrays and maps nested deeper than this are refused (an image's header nests three deep). */
export const MAX_DEPTH = 32;

/** The MessagePack encoding of `value`. */
export function pack(value: Packable): Uint8Array {
  const out: number[] = [];
  const text = new TextEncoder();
  const u32 = (n: number): void => { out.push(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff); };
  const u16 = (n: number): void => { out.push(n >>> 8, n & 0xff); };
  const length = (n: number, fix: number, fixMax: number, type16: number, type32: number, type8 = -1): void => {
    if (n <= fixMax) out.push(fix | n);
    else if (type8 >= 0 && n <= 0xff) out.push(type8, n);
    else if (n <= 0xffff) { out.push(type16); u16(n); } else { out.push(type32); u32(n); }
  };
  const float = (x: number): void => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, x, false);
    out.push(0xcb, ...b);
  };
  const put = (v: Packable): void => {
    if (v === null) out.push(0xc0);
    else if (v === false) out.push(0xc2);
    else if (v === true) out.push(0xc3);
    else if (typeof v === 'number') {
      // Integers of 32 bits as integers; others as float 64, as msgpackr wrote them (it reads
      // a 64-bit integer as a BigInt, which an older Bedrock would not take for a number).
      if (!Number.isInteger(v) || Object.is(v, -0) || v > 0xffffffff || v < -0x80000000) float(v);
      else if (v >= 0) {
        if (v < 0x80) out.push(v);
        else if (v <= 0xff) out.push(0xcc, v);
        else if (v <= 0xffff) { out.push(0xcd); u16(v); } else { out.push(0xce); u32(v); }
      } else if (v >= -32) out.push(v & 0xff);
      else if (v >= -0x80) out.push(0xd0, v & 0xff);
      else if (v >= -0x8000) { out.push(0xd1); u16(v & 0xffff); } else { out.push(0xd2); u32(v >>> 0); }
    } else if (typeof v === 'string') {
      const b = text.encode(v);
      length(b.length, 0xa0, 31, 0xda, 0xdb, 0xd9);
      for (const x of b) out.push(x);
    } else if (Array.isArray(v)) {
      length(v.length, 0x90, 15, 0xdc, 0xdd);
      for (const x of v) put(x);
    } else {
      const entries = Object.entries(v as { readonly [key: string]: Packable }).filter(([, x]) => x !== undefined);
      length(entries.length, 0x80, 15, 0xde, 0xdf);
      for (const [k, x] of entries) { put(k); put(x); }
    }
  };
  put(value);
  return Uint8Array.from(out);
}

/** Why bytes are not one MessagePack value this decoder reads. */
export class UnpackError {
  constructor(readonly message: string) {}
}

/**
 * The one MessagePack value `bytes` hold, or why not (never throws): bytes after it, a value
 * cut short, a type a header never holds (bin, ext, a map key that is not a string), or
 * nesting deeper than MAX_DEPTH.
 */
export function unpack(bytes: Uint8Array): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let at = 0;
  class Stop { constructor(readonly message: string) {} }
  const need = (n: number): number => {
    if (at + n > bytes.length) throw new Stop(`it ends inside a value (at byte ${at}, ${n} more needed)`);
    const start = at;
    at += n;
    return start;
  };
  const u8 = (): number => bytes[need(1)];
  const u16 = (): number => view.getUint16(need(2), false);
  const u32 = (): number => view.getUint32(need(4), false);
  const str = (n: number): string => {
    const start = need(n);
    try {
      return utf8.decode(bytes.subarray(start, start + n));
    } catch {
      throw new Stop(`a string at byte ${start} is not UTF-8`);
    }
  };
  const big = (signed: boolean): number => {
    const hi = signed ? view.getInt32(need(4), false) : u32();
    return hi * 2 ** 32 + u32();
  };
  const value = (depth: number): unknown => {
    const type = u8();
    if (type < 0x80) return type;
    if (type >= 0xe0) return type - 0x100;
    if ((type & 0xf0) === 0x80) return map(type & 0x0f, depth);
    if ((type & 0xf0) === 0x90) return array(type & 0x0f, depth);
    if ((type & 0xe0) === 0xa0) return str(type & 0x1f);
    switch (type) {
      case 0xc0: return null;
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xca: return view.getFloat32(need(4), false);
      case 0xcb: return view.getFloat64(need(8), false);
      case 0xcc: return u8();
      case 0xcd: return u16();
      case 0xce: return u32();
      case 0xcf: return big(false);
      case 0xd0: return view.getInt8(need(1));
      case 0xd1: return view.getInt16(need(2), false);
      case 0xd2: return view.getInt32(need(4), false);
      case 0xd3: return big(true);
      case 0xd9: return str(u8());
      case 0xda: return str(u16());
      case 0xdb: return str(u32());
      case 0xdc: return array(u16(), depth);
      case 0xdd: return array(u32(), depth);
      case 0xde: return map(u16(), depth);
      case 0xdf: return map(u32(), depth);
      default: throw new Stop(`type 0x${type.toString(16)} at byte ${at - 1} is not one a header holds`);
    }
  };
  const array = (n: number, depth: number): unknown[] => {
    if (depth >= MAX_DEPTH) throw new Stop(`it nests deeper than ${MAX_DEPTH}`);
    // Each element takes a byte at least: a length beyond the bytes left is cut short.
    if (n > bytes.length - at) throw new Stop(`an array of ${n} values at byte ${at} is longer than the bytes left`);
    const a: unknown[] = [];
    for (let i = 0; i < n; i++) a.push(value(depth + 1));
    return a;
  };
  const map = (n: number, depth: number): Record<string, unknown> => {
    if (depth >= MAX_DEPTH) throw new Stop(`it nests deeper than ${MAX_DEPTH}`);
    if (2 * n > bytes.length - at) throw new Stop(`a map of ${n} entries at byte ${at} is longer than the bytes left`);
    const m: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const key = value(depth + 1);
      if (typeof key !== 'string') throw new Stop(`a map key at byte ${at} is not a string`);
      // An own property whatever the key ("__proto__" too).
      Object.defineProperty(m, key, { value: value(depth + 1), enumerable: true, writable: true, configurable: true });
    }
    return m;
  };
  try {
    const v = value(0);
    if (at !== bytes.length) return new UnpackError(`${bytes.length - at} bytes follow the value`);
    return v;
  } catch (e) {
    if (e instanceof Stop) return new UnpackError(e.message);
    return new UnpackError(e instanceof Error ? e.message : String(e)); // (a RangeError of a view: none expected)
  }
}
