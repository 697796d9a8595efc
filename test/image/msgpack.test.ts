/*
 * image/msgpack.ts (the image header's MessagePack) against msgpackr, both ways: what one
 * writes the other reads as the same value, for random values of the kinds a header holds
 * (the seed is printed) and for a real image's header; and hostile bytes (random, cut short,
 * nested deep, of types a header never holds) give a reason, never an exception.
 */
import { Packr, Unpackr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { MAX_DEPTH, pack, unpack, UnpackError, type Packable } from '../../image/msgpack.ts';
import { decodeHeaderBytes, encodeHeader, HeaderDecodeFailure, type ImageHeader } from '../../image/format.ts';

const packr = new Packr({ useRecords: false, mapsAsObjects: true, variableMapSize: true });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

const seed = Date.now() >>> 0;
console.log(`msgpack.test.ts seed ${seed}`);
let x = seed || 1;
const next = (): number => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };

const NUMBERS = [0, 1, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 7, Number.MAX_SAFE_INTEGER,
  -1, -32, -33, -128, -129, -32768, -32769, -(2 ** 31), -(2 ** 31) - 1, -(2 ** 40) - 3, Number.MIN_SAFE_INTEGER, 0.5, -2.25, 1e300, 1.5, 2 ** 60];

function randomString(): string {
  const n = next() % 50 === 0 ? [31, 32, 255, 256, 65535, 65536, 70000][next() % 7] : next() % 40;
  let s = '';
  for (let i = 0; i < n; i++) s += next() % 10 === 0 ? String.fromCodePoint(0x80 + (next() % 0x3000)) : String.fromCharCode(32 + (next() % 95));
  return s;
}

function randomValue(depth: number): Packable {
  const k = next() % (depth > 2 ? 5 : 7);
  switch (k) {
    case 0: return null;
    case 1: return next() % 2 === 0;
    case 2: return NUMBERS[next() % NUMBERS.length] * (next() % 2 ? 1 : 1);
    case 3: return (next() % 2 ? 1 : -1) * (next() * 2 ** (next() % 21));
    case 4: return randomString();
    case 5: return Array.from({ length: next() % (next() % 20 === 0 ? 70 : 6) }, () => randomValue(depth + 1));
    default: {
      const o: Record<string, Packable> = {};
      for (let i = next() % (next() % 20 === 0 ? 40 : 6); i > 0; i--) o[`k${next() % 100}${randomString().slice(0, 5)}`] = randomValue(depth + 1);
      return o;
    }
  }
}

describe('the header MessagePack', () => {
  it('every number kind, both ways with msgpackr', () => {
    for (const n of NUMBERS) {
      expect(unpackr.unpack(pack(n)), `${n}`).toBe(n);
      expect(unpack(Uint8Array.from(packr.pack(n))), `${n}`).toBe(n);
    }
  });

  it('random values of the kinds a header holds, both ways with msgpackr', () => {
    for (let i = 0; i < 200; i++) {
      const v = randomValue(0);
      expect(unpackr.unpack(pack(v)), `seed ${seed}, value ${i}`).toEqual(v);
      expect(unpack(Uint8Array.from(packr.pack(v))), `seed ${seed}, value ${i}`).toEqual(v);
    }
  });

  it("an image's header, as msgpackr wrote headers before", () => {
    const h: ImageHeader = {
      format: 1, writer: 'bedrock 0.1.0 (Node v20.20.2)', created: new Date(0).toISOString(), layout: '0123456789abcdef',
      machine: { cells: 1 << 20, lowCells: 4096, fixedHi: 700_000, stackCells: 65536 },
      heap: { fixedTop: 690_000, oldTop: 700_100, oldEnd: 800_000, nurseryLo: 800_000, nurseryTop: 800_000, nurseryCells: 65536, maxCells: 1 << 26, largeObjectCells: 4096, growthFactor: 1.5 },
      kernel: { roots: 123_456, backend: 'native' },
      journal: { id: '6f0c2a4e-1111-4222-8333-944455556666', seq: 12, offset: 3456 },
      segments: [{ name: 'low', first: 0, cells: 4096 }, { name: 'fixed', first: 4096, cells: 629_307 }],
      payload: { bytes: 5_000_000, crc32: 0xfedcba98 },
    };
    expect(decodeHeaderBytes(Uint8Array.from(packr.pack(h)))).toEqual(h);
    expect(unpackr.unpack(encodeHeader(h))).toEqual(h);
  });

  it('hostile bytes give a reason, never an exception', () => {
    const good = pack({ a: [1, 2, { b: 'text' }], c: 2 ** 40 });
    for (let n = 0; n < good.length; n++) expect(unpack(good.subarray(0, n)), `cut at ${n}`).toBeInstanceOf(UnpackError);
    expect(unpack(Uint8Array.from([...good, 0]))).toBeInstanceOf(UnpackError); // a byte after the value
    for (const bytes of [[0xc1], [0xc4, 1, 0], [0xd4, 0, 0], [0x81, 1, 2], [0xa2, 0xff, 0xfe], [0xdd, 0xff, 0xff, 0xff, 0xff], [0xdf, 0x7f, 0xff, 0xff, 0xff]]) {
      expect(unpack(Uint8Array.from(bytes)), JSON.stringify(bytes)).toBeInstanceOf(UnpackError);
    }
    expect(unpack(new Uint8Array(MAX_DEPTH + 2).fill(0x91))).toBeInstanceOf(UnpackError);
    expect(decodeHeaderBytes(Uint8Array.from([0xc1]))).toBeInstanceOf(HeaderDecodeFailure);
    // "__proto__" is a key like any other.
    const proto = unpack(Uint8Array.from(packr.pack(JSON.parse('{"__proto__": {"polluted": 1}}')))) as Record<string, unknown>;
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(Object.keys(proto)).toEqual(['__proto__']);
    for (let i = 0; i < 2000; i++) {
      const b = Uint8Array.from({ length: next() % 64 }, () => next() & 0xff);
      expect(() => unpack(b), `seed ${seed}, bytes ${i}`).not.toThrow();
    }
  });
});
