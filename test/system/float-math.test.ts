/*
 * The transcendental functions of Floats (bootstrap/system/floatmath.bedrock), differential
 * against JavaScript's Math (V8's fdlibm): thousands of seeded random doubles (the seed is
 * printed; replay with BEDROCK_SEED) and the special values (zeros of both signs, the
 * infinities, NaN, subnormals, the largest double, huge arguments), for sin cos tan arcSin
 * arcCos arcTan arcTan: ln log exp raisedTo:. Every answer must be within one ulp of
 * JavaScript's (NaN with NaN, and a zero with the zero of the same sign); the test also prints
 * how many agree to the last bit. Then the cases Smalltalk answers its own way (errors, exact
 * floorLog:, the other numbers), in both back ends, and the constants recomputed with BigInt.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { describeCases, boot, type Case } from './cases.ts';
import type { Bedrock } from '../../src/system/bedrock.ts';
import { makeRandom, testSeed, type Random } from '../support/random.ts';

const bitsOf = (x: number): bigint => new BigInt64Array(new Float64Array([x]).buffer)[0];
const fromBits = (b: bigint): number => new Float64Array(new BigInt64Array([b]).buffer)[0];

/** Ulps between two doubles (0 for two NaNs; Infinity for a NaN and a number, or zeros of two signs). */
function ulps(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  if (a === 0 && b === 0) return Object.is(a, b) ? 0 : Infinity;
  const order = (x: number): bigint => { const v = bitsOf(x); return v < 0n ? -(v & 0x7fffffffffffffffn) : v; };
  const d = order(a) - order(b);
  return Number(d < 0n ? -d : d);
}

const SPECIAL = [0, -0, Infinity, -Infinity, NaN, 5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, -1.7976931348623157e308,
  1, -1, 0.5, 2, Math.PI, Math.PI / 2, Math.PI / 4, -Math.PI, 1e22, 1e300, 2 ** 53, 1e-300, 0.7853981633974483, 0.7853981633974484, 1e6, 1e6 - 0.5];

/** Doubles spread over every magnitude, both signs. */
function anyMagnitude(r: Random, maxExp = 1023, minExp = -1074): number {
  const e = minExp + r.below(maxExp - minExp + 1);
  const m = 1 + r.next() / 2 ** 32 + r.next() / 2 ** 64;
  return (r.chance(0.5) ? -1 : 1) * m * 2 ** e;
}
const uniform = (r: Random, lo: number, hi: number): number => lo + (hi - lo) * ((r.next() + r.next() / 2 ** 32) / 2 ** 32);

interface Fn { name: string; js: (x: number) => number; inputs: (r: Random) => number; special?: number[] }
const FNS: Fn[] = [
  { name: 'sin', js: Math.sin, inputs: (r) => r.chance(0.5) ? uniform(r, -10, 10) : r.chance(0.5) ? uniform(r, -1e6, 1e6) : anyMagnitude(r) },
  { name: 'cos', js: Math.cos, inputs: (r) => r.chance(0.5) ? uniform(r, -10, 10) : r.chance(0.5) ? uniform(r, -1e6, 1e6) : anyMagnitude(r) },
  { name: 'tan', js: Math.tan, inputs: (r) => r.chance(0.5) ? uniform(r, -10, 10) : r.chance(0.5) ? uniform(r, -1e6, 1e6) : anyMagnitude(r) },
  { name: 'arcTan', js: Math.atan, inputs: (r) => r.chance(0.5) ? uniform(r, -4, 4) : anyMagnitude(r) },
  { name: 'arcSin', js: Math.asin, inputs: (r) => r.chance(0.7) ? uniform(r, -1, 1) : r.chance(0.5) ? (r.chance(0.5) ? 1 : -1) * (1 - 2 ** -(1 + r.below(52))) : uniform(r, -3, 3), special: [1.0000000000000002, -1.0000000000000002] },
  { name: 'arcCos', js: Math.acos, inputs: (r) => r.chance(0.7) ? uniform(r, -1, 1) : r.chance(0.5) ? (r.chance(0.5) ? 1 : -1) * (1 - 2 ** -(1 + r.below(52))) : uniform(r, -3, 3) },
  { name: 'exp', js: Math.exp, inputs: (r) => r.chance(0.4) ? uniform(r, -750, 750) : r.chance(0.5) ? uniform(r, -2, 2) : anyMagnitude(r, 4), special: [709.782712893384, 709.7827128933841, -745.1332191019411, -745.1332191019412, -708.4, 1e-17] },
  { name: 'ln', js: Math.log, inputs: (r) => r.chance(0.2) ? 1 + (r.chance(0.5) ? -1 : 1) * uniform(r, 0, 2 ** -r.below(50)) : Math.abs(anyMagnitude(r)) * (r.chance(0.05) ? -1 : 1) },
  { name: 'log', js: Math.log10, inputs: (r) => r.chance(0.2) ? 10 ** (r.below(600) - 300) : Math.abs(anyMagnitude(r)) * (r.chance(0.05) ? -1 : 1), special: [10, 100, 1000, 1e15, 1e22, 0.001] },
];

function run(b: Bedrock, selector: string, xs: number[]): number[] {
  const out = b.run(`(#(${xs.map(bitsOf).join(' ')}) collect: [:b | ((Float fromBits: b) ${selector}) bits]) printString`);
  expect(out.length, selector).toBe(1);
  return out[0].replace(/^'#\(|\)'$/g, '').split(' ').filter((s) => s.length > 0).map((s) => fromBits(BigInt(s)));
}

function compare(what: string, inputs: string[], got: number[], want: number[], seed: number): void {
  expect(got.length, what).toBe(want.length);
  let exact = 0;
  const bad: string[] = [];
  got.forEach((g, i) => {
    const d = ulps(g, want[i]);
    if (d === 0) exact++;
    if (d > 1) bad.push(`${inputs[i]}: Bedrock ${g}, JavaScript ${want[i]} (${d} ulps)`);
  });
  console.log(`${what}: ${exact} of ${got.length} to the last bit, ${got.length - exact - bad.length} within one ulp (seed ${seed})`);
  expect(bad, `seed ${seed}`).toEqual([]);
}

describe('Float functions against JavaScript\'s Math (native)', () => {
  let b: Bedrock;
  beforeAll(() => { b = boot('native'); });
  const N = 300;

  for (const fn of FNS) {
    it(`${fn.name}: ${N} random doubles and the special values, within one ulp`, () => {
      const seed = testSeed() + fn.name.length * 7919 + fn.name.charCodeAt(0);
      const r = makeRandom(seed);
      const xs = [...SPECIAL, ...(fn.special ?? []), ...Array.from({ length: N }, () => fn.inputs(r))];
      compare(fn.name, xs.map(String), run(b, fn.name, xs), xs.map(fn.js), seed);
    }, 120_000);
  }

  it('raisedTo: with Float exponents: random bases and exponents, within one ulp of Math.pow', () => {
    const seed = testSeed() + 31;
    const r = makeRandom(seed);
    const pairs: [number, number][] = [];
    for (let i = 0; i < 300; i++) {
      const x = r.chance(0.5) ? uniform(r, 0, 10) : Math.abs(anyMagnitude(r));
      let y = r.chance(0.5) ? uniform(r, -20, 20) : uniform(r, -1, 1) * 700 / Math.max(Math.abs(Math.log(x)), 1e-3);
      if (Number.isInteger(y)) y += 0.5;
      pairs.push([x, y]);
      if (r.chance(0.1)) pairs.push([-x, Math.round(y) + 0.0]);
    }
    const specials: [number, number][] = [[0, 0.5], [-0, 3], [-0, 0.5], [Infinity, 0.5], [Infinity, -0.5], [-Infinity, 3], [-Infinity, -3], [-Infinity, 2],
      [2, Infinity], [2, -Infinity], [0.5, Infinity], [1, Infinity], [NaN, 0], [NaN, 0.5], [2, NaN], [1, 0.5], [-8, 3], [-2.5, 3], [10, 308.25],
      [10, -323.5], [2, 1023.5], [2, -1074], [2, 0.5], [4, 0.5], [8, 1 / 3], [1.0000000000000002, 1e16], [0.9999999999999999, -1e17], [1e300, 2.5]];
    const all = [...specials, ...pairs];
    const out = b.run(`({${all.map(([x, y]) => `{${bitsOf(x)}. ${bitsOf(y)}}`).join('. ')}} collect: [:p | ((Float fromBits: p first) raisedTo: (Float fromBits: p last)) bits]) printString`);
    const got = out[0].replace(/^'#\(|\)'$/g, '').split(' ').map((s) => fromBits(BigInt(s)));
    compare('raisedTo:', all.map(([x, y]) => `${x} raisedTo: ${y}`), got, all.map(([x, y]) => x ** y), seed);
  }, 120_000);

  it('arcTan: (two arguments, as atan2): random points and the special ones', () => {
    const seed = testSeed() + 37;
    const r = makeRandom(seed);
    const vals = [0, -0, Infinity, -Infinity, NaN, 1, -1, 5e-324];
    const pairs: [number, number][] = [];
    for (const y of vals) for (const x of vals) pairs.push([y, x]);
    // A subnormal over a small normal number (found by seed 445228353).
    pairs.push([8.85833981155456e-310, 3.9018505227447637e-187], [3e-320, 1e-300], [1e-300, 3e-320], [-2e-310, -7e-200]);
    for (let i = 0; i < 200; i++) pairs.push([r.chance(0.5) ? uniform(r, -5, 5) : anyMagnitude(r), r.chance(0.5) ? uniform(r, -5, 5) : anyMagnitude(r)]);
    const out = b.run(`({${pairs.map(([y, x]) => `{${bitsOf(y)}. ${bitsOf(x)}}`).join('. ')}} collect: [:p | ((Float fromBits: p first) arcTan: (Float fromBits: p last)) bits]) printString`);
    const got = out[0].replace(/^'#\(|\)'$/g, '').split(' ').map((s) => fromBits(BigInt(s)));
    compare('arcTan:', pairs.map(([y, x]) => `${y} arcTan: ${x}`), got, pairs.map(([y, x]) => Math.atan2(y, x)), seed);
  }, 120_000);
});

describe('Float functions in the threaded back end', () => {
  it('a few random doubles through each function agree with the native back end\'s answers', () => {
    const t = boot('threaded');
    const seed = testSeed() + 41;
    const r = makeRandom(seed);
    for (const fn of FNS) {
      const xs = Array.from({ length: 12 }, () => fn.inputs(r));
      compare(`${fn.name} (threaded)`, xs.map(String), run(t, fn.name, xs), xs.map(fn.js), seed);
    }
  }, 120_000);
});

const CASES: readonly Case[] = [
  ['the functions of integers and fractions, through their Floats', [
    '0 sin', '1 exp', '100 log', '1000 log', '8 ln / 2 ln', '(1/2) arcSin * 6', '2 raisedTo: 0.5', '4 raisedTo: 1/2', '(1/4) raisedTo: 0.5',
    '2 ** 10', '2.0 raisedTo: 10', '10 log: 10', '8 log: 2', '180 degreesToRadians', 'Float pi radiansToDegrees', '2 raisedToInteger: 100',
  ].join('\n'), ['0.0', '2.718281828459045', '2.0', '3.0', '3.0', '3.1415926535897936', '1.4142135623730951', '2.0', '0.5',
    '1024', '1024.0', '1.0', '3.0', '3.141592653589793', '180.0', '1267650600228229401496703205376']],
  ['floorLog: is exact', [
    '100 floorLog: 10', '99 floorLog: 10', '0.001 floorLog: 10', '0.0009999 floorLog: 10', '(1/8) floorLog: 2', '1024 floorLog: 2',
    '(10 raisedTo: 400) floorLog: 10', '((10 raisedTo: 400) - 1) floorLog: 10', '1.0e300 floorLog: 10', '999 ceilingLog: 10', '0 floorLog: 10',
  ].join('\n'), ['2', '1', '-3', '-4', '-3', '10', '400', '399', '300', '3', /floorLog: needs a positive receiver/]],
  ['what a Smalltalk answers its own way', [
    '-8.0 raisedTo: 1/3', '0.0 raisedTo: -0.5', '-8 raisedTo: 3.0', '[-2.0 raisedTo: 0.5] on: ArithmeticError do: [:e | e class]',
    '[1 / 0] on: ArithmeticError do: [:e | e class]', '2.0 ln class', '0.0 ln', '-1.0 ln', '2 arcSin', 'Float infinity exp', 'Float infinity negated exp',
  ].join('\n'), [/ArithmeticError: cannot raise the negative number -8.0 to the fraction 0.3333333333333333/, /ZeroDivide/, '-512.0', 'ArithmeticError',
    'ZeroDivide', 'Float', 'Float negativeInfinity', 'Float nan', 'Float nan', 'Float infinity', '0.0']],
];

describeCases('Float functions', CASES);

describe('the constants floatmath.bedrock is built on', () => {
  it('2/pi to 1200 bits and pi/2 to 128 bits are the digits BigInt arithmetic finds', () => {
    const P = 1400n, ONE = 1n << P;
    const atanInv = (n: bigint): bigint => {
      let sum = 0n, term = ONE / n, k = 1n, sign = 1n;
      while (term !== 0n) { sum += sign * (term / k); term /= n * n; k += 2n; sign = -sign; }
      return sum;
    };
    const pi = 16n * atanInv(5n) - 4n * atanInv(239n);
    const b = boot('native');
    const [twoOverPi, halfPi] = b.run('Float twoOverPiBits printString: 16\nFloat halfPiBits printString: 16');
    expect(BigInt(`0x${twoOverPi.slice(1, -1)}`)).toBe((2n * ONE * ONE / pi) >> (P - 1200n));
    expect(BigInt(`0x${halfPi.slice(1, -1)}`)).toBe((pi / 2n) >> (P - 128n));
  });
});
