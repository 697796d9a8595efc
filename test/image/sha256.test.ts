/*
 * image/sha256.ts (the layout fingerprint's hash, in TypeScript so that a start need not load
 * node:crypto) against node:crypto's SHA-256: the FIPS 180-4 examples, every length across
 * the padding's block boundaries, and random texts (the seed is printed); and the fingerprint
 * the build writes into the bundles.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../image/sha256.ts';
import { LAYOUT_FINGERPRINT, layoutText } from '../../image/format.ts';

const node = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('sha256Hex', () => {
  it('gives the FIPS 180-4 digests of "abc" and the 448-bit message', () => {
    expect(sha256Hex(text('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex(text('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')))
      .toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
    expect(sha256Hex(new Uint8Array(0))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('agrees with node:crypto for every length from 0 to 300 bytes', () => {
    for (let n = 0; n <= 300; n++) {
      const b = Uint8Array.from({ length: n }, (_, i) => (i * 131 + n) & 0xff);
      expect(sha256Hex(b), `length ${n}`).toBe(node(b));
    }
  });

  it('agrees with node:crypto on random inputs', () => {
    const seed = Date.now() >>> 0;
    console.log(`sha256.test.ts seed ${seed}`);
    let x = seed || 1;
    const next = (): number => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
    for (let k = 0; k < 50; k++) {
      const b = Uint8Array.from({ length: next() % 5000 }, () => next() & 0xff);
      expect(sha256Hex(b), `seed ${seed}, input ${k}`).toBe(node(b));
    }
  });

  it('makes the layout fingerprint that node:crypto makes, so images saved before still open', () => {
    expect(LAYOUT_FINGERPRINT).toBe(createHash('sha256').update(layoutText()).digest('hex').slice(0, 16));
  });

  it('the bundles carry the fingerprint the sources make (the build writes it in)', () => {
    for (const bundle of ['dist/batch.cjs', 'dist/repl.cjs']) {
      const file = fileURLToPath(new URL(`../../${bundle}`, import.meta.url));
      if (!existsSync(file)) continue; // not built (the CLI tests say so)
      const text = readFileSync(file, 'utf8');
      expect(text, bundle).toContain(`"${LAYOUT_FINGERPRINT}"`);
      expect(text, bundle).not.toContain('__BEDROCK_LAYOUT_FINGERPRINT__');
    }
  });
});
