/*
 * image/format.ts's crc32Of sums short data itself (a table, a byte at a time) and longer data
 * with node:zlib, loaded on first use: both must give zlib's CRC-32, alone and continued from a
 * running value, on either side of the threshold (the seed is printed).
 */
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32Of, SHORT_CRC_BYTES } from '../../image/format.ts';

const zlib = (b: Uint8Array, crc = 0): number => (b.length === 0 ? crc >>> 0 : crc32(b, crc) >>> 0);

describe('crc32Of', () => {
  it('gives the standard check value, and zlib\'s sum for every length from 0 to 300 bytes', () => {
    expect(crc32Of(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    for (let n = 0; n <= 300; n++) {
      const b = Uint8Array.from({ length: n }, (_, i) => (i * 131 + n) & 0xff);
      expect(crc32Of(b), `length ${n}`).toBe(zlib(b));
      expect(crc32Of(b, 0xdeadbeef), `length ${n}, continued`).toBe(zlib(b, 0xdeadbeef));
    }
  });

  it('agrees with zlib on random inputs around the threshold, summed in random pieces', () => {
    const seed = Date.now() >>> 0;
    console.log(`crc32.test.ts seed ${seed}`);
    let x = seed || 1;
    const next = (): number => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
    for (let k = 0; k < 20; k++) {
      const length = SHORT_CRC_BYTES - 1000 + (next() % 3000);
      const b = Uint8Array.from({ length }, () => next() & 0xff);
      expect(crc32Of(b), `seed ${seed}, input ${k}`).toBe(zlib(b));
      // In pieces, as an image's payload is summed: frames and segments, short and long.
      let crc = 0;
      for (let at = 0; at < length;) {
        const n = Math.min(length - at, next() % 3 === 0 ? 5 : next() % (2 * SHORT_CRC_BYTES));
        crc = crc32Of(b.subarray(at, at + n), crc);
        at += n;
      }
      expect(crc, `seed ${seed}, input ${k} in pieces`).toBe(zlib(b));
    }
  });
});
