/*
 * LargeInteger arithmetic against JavaScript's BigInt: hundreds of random operations on
 * random small and large integers (both signs, SmallInteger edges, values near 2^63 and 2^64,
 * and near every 2^32 digit boundary), for + - * // \\ quo: rem: bitShift: and the six
 * comparisons, in both back ends. Each result is checked three ways: its printString (what
 * the REPL shows), equality with the expected value written as a literal (in both directions,
 * with equal hashes), and its class (a result that fits in 64 bits must be a SmallInteger).
 * The seed is printed; BEDROCK_SEED=N replays a run.
 */
import { describe, expect, it } from 'vitest';
import { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem } from '../support/system.ts';
import type { Backend } from '../../src/compiler/compiler.ts';
import { makeRandom, testSeed, type Random } from '../support/random.ts';

const CASES = 300;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A random integer: small ones, edges of 64 bits and of digits, and multi-digit ones. */
function randomInteger(r: Random): bigint {
  const sign = r.chance(0.5) ? -1n : 1n;
  switch (r.below(6)) {
    case 0: return r.int64();
    case 1: return BigInt(r.below(2001) - 1000);
    case 2: { // near 2^63 or 2^64
      const base = r.pick([2n ** 63n, 2n ** 64n, 2n ** 63n + 2n ** 32n, 2n ** 96n]);
      return sign * (base + BigInt(r.below(9) - 4));
    }
    case 3: { // near a digit boundary 2^(32k), or all ones
      const k = BigInt(1 + r.below(6));
      const v = r.chance(0.5) ? 2n ** (32n * k) + BigInt(r.below(5) - 2) : 2n ** (32n * k) - 1n;
      return sign * v;
    }
    default: { // random digits, sometimes with extreme top digits
      const n = 1 + r.below(r.chance(0.2) ? 24 : 8);
      let v = 0n;
      for (let i = 0; i < n; i++) {
        const d = i === n - 1 && r.chance(0.3) ? r.pick([1, 0xffffffff, 0x80000000]) : r.next();
        v = (v << 32n) | BigInt(d);
      }
      return sign * v;
    }
  }
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q;
}

const OPS: Readonly<Record<string, (a: bigint, b: bigint) => bigint | boolean>> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '//': (a, b) => floorDiv(a, b),
  '\\\\': (a, b) => a - floorDiv(a, b) * b,
  'quo:': (a, b) => a / b,
  'rem:': (a, b) => a % b,
  '<': (a, b) => a < b,
  '>': (a, b) => a > b,
  '<=': (a, b) => a <= b,
  '>=': (a, b) => a >= b,
  '=': (a, b) => a === b,
  '~=': (a, b) => a !== b,
  'bitShift:': (a, b) => (b >= 0n ? a << b : a >> -b),
};
const DIVISIONS = new Set(['//', '\\\\', 'quo:', 'rem:']);

function className(v: bigint): string {
  if (v >= INT64_MIN && v <= INT64_MAX) return 'SmallInteger';
  return v > 0n ? 'LargePositiveInteger' : 'LargeNegativeInteger';
}

function lit(v: bigint): string { return `(${v})`; }

interface Case { readonly source: string; readonly expected: string; readonly check?: string }

function makeCases(seed: number): Case[] {
  const r = makeRandom(seed);
  const ops = Object.keys(OPS);
  const cases: Case[] = [];
  for (let i = 0; i < CASES; i++) {
    const op = ops[i % ops.length];
    const a = randomInteger(r);
    let b = randomInteger(r);
    // Divisions are more interesting with a divisor no longer than the dividend, sometimes one digit.
    if (DIVISIONS.has(op)) {
      if (r.chance(0.3)) b = BigInt(r.pick([1, -1, 2, 10, 0xffffffff, 1000000007])) * (r.chance(0.5) ? -1n : 1n);
      if (b === 0n) b = 7n;
    }
    if (op === 'bitShift:') b = BigInt(r.below(201) - 100);
    const expected = OPS[op](a, b);
    const expression = `${lit(a)} ${op} ${lit(b)}`;
    if (typeof expected === 'boolean') {
      cases.push({ source: expression, expected: String(expected) });
    } else {
      cases.push({
        source: expression,
        expected: String(expected),
        check: `| x | x := ${expression}. (x = ${lit(expected)}) & (${lit(expected)} = x) & (x hash = ${lit(expected)} hash) & (x class == ${className(expected)})`,
      });
    }
  }
  // printString of literals, and of results near the edges.
  for (let i = 0; i < 40; i++) {
    const a = randomInteger(r);
    cases.push({ source: `${lit(a)} printString`, expected: `'${a}'` });
  }
  return cases;
}

const booted = new Map<Backend, Bedrock>();

/** One system per back end for the whole file. */
function boot(backend: Backend): Bedrock {
  const known = booted.get(backend);
  if (known) return known;
  const b = bootSystem({ backend });
  if (typeof b === 'string') throw new Error(b);
  booted.set(backend, b);
  return b;
}

describe.each(['native', 'threaded'] as const)('LargeInteger against BigInt (%s)', (backend) => {
  const seed = testSeed();
  it(`${CASES} random operations agree with BigInt (seed ${seed})`, () => {
    console.log(`LargeInteger property seed (${backend}): ${seed} (set BEDROCK_SEED=${seed} to replay)`);
    const b = boot(backend);
    const cases = makeCases(seed);
    const source = cases.flatMap((c) => (c.check ? [c.source, c.check] : [c.source])).join('\n');
    const out = b.run(source);
    let at = 0;
    for (const c of cases) {
      expect(out[at++], `${c.source} (seed ${seed})`).toBe(c.expected);
      if (c.check) expect(out[at++], `${c.check} (seed ${seed})`).toBe('true');
    }
    expect(at).toBe(out.length);
  });
});

describe.each(['native', 'threaded'] as const)('SmallInteger // and \\\\ against BigInt (%s)', (backend) => {
  // Two SmallIntegers divide in machine code (integer.bedrock: idiv and a correction of the
  // quotient and remainder when the signs differ); every sign pair, exact and inexact
  // divisions, the edges minVal, maxVal, 1 and -1, and division by zero (a ZeroDivide).
  const seed = testSeed() + 1;
  it(`random divisions of SmallIntegers agree with BigInt (seed ${seed})`, () => {
    const r = makeRandom(seed);
    const b = boot(backend);
    const small = (): bigint => {
      switch (r.below(4)) {
        case 0: return r.int64();
        case 1: return BigInt(r.below(41) - 20);
        case 2: return r.pick([INT64_MIN, INT64_MAX, INT64_MIN + 1n, 1n, -1n, 0n]);
        default: return BigInt(r.below(2001) - 1000) * BigInt(r.below(2001) - 1000);
      }
    };
    const lines: string[] = [], want: string[] = [];
    for (let i = 0; i < 200; i++) {
      const a = small();
      let d = small();
      if (i % 5 === 0 && d !== 0n) d = r.chance(0.5) ? d : -d;
      const exact = i % 7 === 0 && d !== 0n && a / d !== 0n ? (a / d) * d : a;
      for (const op of ['//', '\\\\']) {
        lines.push(`[${lit(exact)} ${op} ${lit(d)}] on: ZeroDivide do: [:e | #zero]`);
        want.push(d === 0n ? '#zero' : String(OPS[op](exact, d)));
      }
    }
    const out = b.run(lines.join('\n'));
    lines.forEach((l, i) => expect(out[i], `${l} (seed ${seed})`).toBe(want[i]));
  });
});

