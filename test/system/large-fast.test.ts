/*
 * Subquadratic LargeInteger arithmetic and radix conversion (bootstrap/system/large.bedrock):
 * Karatsuba multiplication, recursive (Burnikel-Ziegler) division, divide-and-conquer
 * printString / printString: and reading (String asNumber, asInteger, Integer class
 * fromDigits:from:to:base:). Each is checked bit for bit against JavaScript's BigInt on random
 * operands of many sizes, on both sides of every threshold: with the thresholds lowered to a
 * few digits (so that operands of a few digits go through every recursive path, in both back
 * ends), and with the real ones (operands around them, native). A last test bounds the work
 * of large conversions in machine instructions (which do not depend on how busy the host is),
 * well below what the quadratic methods take. The seed is printed; BEDROCK_SEED=N replays it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Bedrock } from '../../src/system/bedrock.ts';
import type { Backend } from '../../src/compiler/compiler.ts';
import { bootSystem } from '../support/system.ts';
import { makeRandom, testSeed, type Random } from '../support/random.ts';
import { verifyHeap } from '../../kernel/memory/verify.ts';

function boot(backend: Backend): Bedrock {
  const b = bootSystem({ backend });
  if (typeof b === 'string') throw new Error(b);
  return b;
}

/** A random magnitude of `words` 32-bit digits (the top one nonzero), sometimes all ones or a power of two. */
function magnitude(r: Random, words: number): bigint {
  if (words === 0) return BigInt(r.below(1000));
  switch (r.below(8)) {
    case 0: return (1n << BigInt(32 * words)) - 1n;
    case 1: return 1n << BigInt(32 * words - 1 - r.below(32));
    default: {
      let v = BigInt(1 + r.below(0xffffffff));
      for (let i = 1; i < words; i++) v = (v << 32n) | BigInt(r.next());
      return v;
    }
  }
}

function signed(r: Random, v: bigint): bigint { return r.chance(0.4) ? -v : v; }

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q;
}

function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a; b = b < 0n ? -b : b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** The digits of v in base 2..36 as Bedrock prints them (upper case). */
function inBase(v: bigint, base: number): string { return v.toString(base).toUpperCase(); }

interface Check { readonly source: string; readonly expected: string }

/** Every operation on a and b (b not 0), as source lines and the results BigInt gives. */
function checks(r: Random, a: bigint, b: bigint): Check[] {
  const lit = (v: bigint): string => `(${v})`;
  const base = 2 + r.below(35);
  const digits = inBase(a < 0n ? -a : a, base);
  // Letters in either case are digits past 9.
  const mixed = [...digits].map((c) => (r.chance(0.5) ? c.toLowerCase() : c)).join('');
  const q = floorDiv(a, b);
  // Euclid's gcd: takes a division for every few bits, so only on operands of a few hundred bits.
  const gcds = (a < 0n ? -a : a) < 1n << 2048n ? [{ source: `${lit(a)} gcd: ${lit(b)}`, expected: `${gcd(a, b)}` }] : [];
  return [
    ...gcds,
    { source: `${lit(a)} * ${lit(b)}`, expected: `${a * b}` },
    { source: `${lit(a)} // ${lit(b)}`, expected: `${q}` },
    { source: `${lit(a)} \\\\ ${lit(b)}`, expected: `${a - q * b}` },
    { source: `${lit(a)} quo: ${lit(b)}`, expected: `${a / b}` },
    { source: `${lit(a)} rem: ${lit(b)}`, expected: `${a % b}` },
    { source: `${lit(a)} printString`, expected: `'${a}'` },
    { source: `${lit(a)} printString: ${base}`, expected: `'${a < 0n ? '-' : ''}${digits}'` },
    { source: `'${a}' asNumber = ${lit(a)}`, expected: 'true' },
    { source: `' ${a}' asInteger = ${lit(a)}`, expected: 'true' },
    { source: `(Integer fromDigits: 'x${mixed}y' from: 2 to: ${mixed.length + 1} base: ${base}) = ${lit(a < 0n ? -a : a)}`, expected: 'true' },
  ];
}

/** Pairs of operands whose lengths in digits are drawn from `sizes`. */
function cases(r: Random, sizes: readonly number[], count: number): Check[] {
  const out: Check[] = [];
  for (let i = 0; i < count; i++) {
    const a = signed(r, magnitude(r, r.pick(sizes)));
    let b = signed(r, magnitude(r, r.pick(sizes)));
    if (b === 0n) b = 7n;
    out.push(...checks(r, a, b));
  }
  return out;
}

function runChecks(b: Bedrock, all: Check[], seed: number): void {
  const out = b.run(all.map((c) => c.source).join('\n'));
  expect(out.length).toBe(all.length);
  all.forEach((c, i) => expect(out[i], `${c.source.slice(0, 200)} (seed ${seed})`).toBe(c.expected));
}

const LOW_THRESHOLDS = [
  'Integer karatsubaThreshold -> ^4',
  'Integer divisionThreshold -> ^2',
  'Integer radixThreshold -> ^3',
].join('\n');

describe.each(['native', 'threaded'] as const)('LargeInteger with thresholds of a few digits (%s)', (backend) => {
  const seed = testSeed();
  let b: Bedrock;
  beforeAll(() => {
    b = boot(backend);
    expect(b.run(LOW_THRESHOLDS).join('\n')).not.toMatch(/rror/);
  });

  it(`every recursive path agrees with BigInt (seed ${seed})`, () => {
    console.log(`LargeInteger recursive-paths seed (${backend}): ${seed} (set BEDROCK_SEED=${seed} to replay)`);
    const r = makeRandom(seed);
    runChecks(b, cases(r, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 16, 17, 24, 31], 40), seed);
  });

  it('divides where the estimate needs both corrections, and at the edges of the digit split', () => {
    // Dividends just below b * 2^(32n) and divisors with a top digit of 2^31 (the smallest a
    // normalized divisor has) or 2^32 - 1, with every sign.
    const lines: string[] = [], want: string[] = [];
    for (const words of [4, 5, 8, 9, 16, 17]) {
      for (const top of [0x80000000n, 0xffffffffn]) {
        const d = (top << BigInt(32 * (words - 1))) + 1n;
        for (const a of [d * (1n << BigInt(32 * words)) - 1n, d * (1n << BigInt(32 * words)) - d, d * d, (1n << BigInt(64 * words)) - 1n]) {
          for (const [sa, sd] of [[1n, 1n], [-1n, 1n], [1n, -1n], [-1n, -1n]]) {
            lines.push(`(${sa * a}) // (${sd * d})`, `(${sa * a}) rem: (${sd * d})`);
            want.push(`${floorDiv(sa * a, sd * d)}`, `${(sa * a) % (sd * d)}`);
          }
        }
      }
    }
    expect(b.run(lines.join('\n'))).toEqual(want);
  });

  it('prints and reads powers of the base and their neighbours (the padding of every piece)', () => {
    const lines: string[] = [], want: string[] = [];
    for (const base of [2, 3, 10, 16, 36]) {
      for (const e of [100, 333, 1000]) {
        for (const v of [BigInt(base) ** BigInt(e) - 1n, BigInt(base) ** BigInt(e), BigInt(base) ** BigInt(e) + 1n]) {
          lines.push(`(${v}) printString: ${base}`, `(Integer fromDigits: '${inBase(v, base)}' from: 1 to: ${inBase(v, base).length} base: ${base}) = (${v})`);
          want.push(`'${inBase(v, base)}'`, 'true');
        }
      }
    }
    expect(b.run(lines.join('\n'))).toEqual(want);
  });

  it('gives the same answers under the stress collector', () => {
    const a = 3n ** 250n + 12345n, d = 7n ** 60n - 1n;
    b.kernel.heap.stress = true;
    b.kernel.heap.stressMajorEvery = 16;
    let out: string[];
    try {
      out = b.run([`(${a}) * (${d})`, `(${a}) // (${d})`, `(${a}) printString: 7`, `'${a}' asNumber = (${a})`].join('\n'));
    } finally {
      b.kernel.heap.stress = false;
    }
    expect(out).toEqual([`${a * d}`, `${a / d}`, `'${a.toString(7)}'`, 'true']);
    expect(verifyHeap(b.kernel.heap)).toEqual([]);
  });
});

describe('LargeInteger around the real thresholds (native)', () => {
  const seed = testSeed();
  let b: Bedrock;
  beforeAll(() => { b = boot('native'); });

  it(`agrees with BigInt on operands of tens to thousands of digits (seed ${seed})`, () => {
    console.log(`LargeInteger thresholds seed: ${seed} (set BEDROCK_SEED=${seed} to replay)`);
    const [k, d, p] = b.run('1 karatsubaThreshold\n1 divisionThreshold\n1 radixThreshold').map(Number);
    const r = makeRandom(seed);
    const around = (t: number): number[] => [t - 1, t, t + 1, 2 * t - 1, 2 * t + 1];
    const sizes = [1, 2, ...around(k), ...around(d), 3 * d + 5];
    const all = cases(r, sizes, 12);
    // printString and reading past the radix threshold (with a multiplication and a division).
    for (const words of [p - 1, p, p + 1, 2 * p + 3]) {
      const a = signed(r, magnitude(r, words));
      const m = magnitude(r, Math.max(1, words >> 1)) + 1n;
      all.push(...checks(r, a, m));
    }
    runChecks(b, all, seed);
  });

  it('asNumber reads a number with a fraction and an exponent past the radix threshold', () => {
    const digits = '1234567890'.repeat(1200);
    // A fraction makes a Float (as in gst and Pharo): 12,000 digits after the point read to the double JavaScript reads.
    expect(b.run(`('0.${digits}e3' asNumber) = ${Number(`0.${digits}e3`)}\n('-${digits}' asNumber) = (-${digits})\n'12x' asNumber`))
      .toEqual(['true', 'true', expect.stringMatching(/is not a number/)]);
  });

  describe('200,000-digit numbers take far less work than by the quadratic methods', () => {
    // Counted in machine instructions. On operands of about 22,000 digits (base 2^32) the
    // quadratic methods take: long multiplication 5.7 G instructions, printString by repeated
    // division by 10^9 2.6 G, reading digit by digit (n * 10 + d) tens of G. The bounds are
    // about twice what the subquadratic ones take here.
    const work = (source: string): [string, number] => {
      const m = b.kernel.machine;
      const s0 = m.totalSteps;
      const out = b.run(source);
      const steps = m.totalSteps - s0;
      console.log(`${source}: ${(steps / 1e6).toFixed(0)} M instructions`);
      return [out.join(' | '), steps];
    };
    beforeAll(() => {
      expect(work('Smalltalk at: #BigX put: (7 raisedTo: 250000). Smalltalk at: #BigY put: (3 raisedTo: 440000) + 1. BigX digitLength')[0]).toBe('21933');
    });

    it('multiplies', () => {
      const [product, steps] = work('(BigX * BigY) = (BigY * BigX)');
      expect(product).toBe('true');
      expect(steps).toBeLessThan(2 * 1_400_000_000);
    });

    it('prints', () => {
      const [printed, steps] = work('Smalltalk at: #BigS put: BigX printString. BigS size');
      expect(printed).toBe(String((7n ** 250000n).toString().length));
      expect(b.run("(BigS copyFrom: 1 to: 30), '...', (BigS copyFrom: BigS size - 29 to: BigS size)")).toEqual([`'${(7n ** 250000n).toString().slice(0, 30)}...${(7n ** 250000n).toString().slice(-30)}'`]);
      expect(steps).toBeLessThan(2_000_000_000);
    });

    it('reads', () => {
      const [read, steps] = work('(Smalltalk at: #BigS) asNumber = BigX');
      expect(read).toBe('true');
      expect(steps).toBeLessThan(2_000_000_000);
    });
  });
});
