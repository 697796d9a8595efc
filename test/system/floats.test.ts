/*
 * Floats in the language (bootstrap/system/float.bedrock): literals, arithmetic on the
 * machine's SSE2 instructions, mixed arithmetic with SmallIntegers, LargeIntegers and
 * Fractions, comparison, rounding, the shortest printString that reads back, and reading
 * numbers from strings. Every case runs in both back ends. The last tests are differential:
 * random doubles (seeded, the seed printed) printed by Bedrock must be the shortest text
 * JavaScript finds for them, and must read back (as literals and through asNumber) to the same
 * bits; random sums, products and quotients must be the bits JavaScript's IEEE arithmetic
 * gives, and so must exponent, timesTwoPower: (ldexp), successor and predecessor.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { describeCases, boot, BACKENDS, type Case } from './cases.ts';
import type { Bedrock } from '../../src/system/bedrock.ts';
import { makeRandom, testSeed } from '../support/random.ts';

const CASES: readonly Case[] = [
  ['literals', [
    '1.5', '2.5e-3', '1.0e10', '-5.5', '1e-3', '0.1', '100.0', '1.0e100', '#(1.5 -2.0 3) last', '2.5d', '1.0d0', '3.0q2',
  ].join('\n'), ['1.5', '0.0025', '10000000000.0', '-5.5', '0.001', '0.1', '100.0', '1.0e100', '3', '2.5', '1.0', '300.0']],
  ['the shortest text that reads back', [
    '0.1 + 0.2', '(1/3) asFloat', '1/3.0', '2 sqrt', '10 sqrt', '1.0e16', '1.0e15', '1.0e-5', '0.0001', '123456.789',
    '100 factorial asFloat', '5.0e-324', '1.7976931348623157e308', '-0.0', '0.0', '1.0 / 3.0 * 3.0',
  ].join('\n'), ['0.30000000000000004', '0.3333333333333333', '0.3333333333333333', '1.4142135623730951', '3.1622776601683795',
    '1.0e16', '1000000000000000.0', '1.0e-5', '0.0001', '123456.789', '9.332621544394415e157', '5.0e-324',
    '1.7976931348623157e308', '-0.0', '0.0', '1.0']],
  ['arithmetic, mixed with integers and fractions', [
    '1.5 + 2', '2 + 1.5', '(1/2) + 0.25', '0.25 + (1/2)', '3 * 0.5', '1 - 0.25', '7 / 2.0', '(2 raisedTo: 70) + 0.5',
    '0.5 + (2 raisedTo: 70)', '1.5 * (1/3)', '2.0 ** 10', '2.0 raisedTo: -1', '-2.5 abs', '2.5 negated', '0.0 negated',
    '4.0 sqrt', '16 sqrt', '(1/4) sqrt', '7.5 // 2', '7.5 \\\\ 2', '-7.5 rem: 2',
  ].join('\n'), ['3.5', '3.5', '0.75', '0.75', '1.5', '0.75', '3.5', '1.1805916207174113e21', '1.1805916207174113e21', '0.5',
    '1024.0', '0.5', '2.5', '-2.5', '-0.0', '2.0', '4.0', '0.5', '3', '1.5', '-1.5']],
  ['comparison', [
    '3 < 3.5', '3.5 < 3', '1.0 = 1', '1 = 1.0', '0.5 = (1/2)', '(1/2) = 0.5', '0.1 = (1/10)', '2.0 >= 2', '2.0 <= 1',
    '(2 raisedTo: 64) = (2 raisedTo: 64) asFloat', '(2 raisedTo: 64) asFloat = (2 raisedTo: 64)', '1.5 max: 2', '1.5 min: 2',
    '{3.5. 1. 2.25. 1/2} asSortedCollection asArray', '1.0 hash = 1 hash', '0.1 ~= 0.2',
  ].join('\n'), ['true', 'false', 'true', 'true', 'true', 'true', 'false', 'true', 'false', 'true', 'true', '2', '1.5',
    'an Array((1/2) 1 2.25 3.5)', 'true', 'true']],
  ['rounding to integers', [
    '3.7 floor', '-3.7 floor', '3.2 ceiling', '-3.2 ceiling', '2.5 rounded', '-2.5 rounded', '2.4 rounded', '3.9 truncated',
    '-3.9 truncated', '1.0e20 truncated', '-1.0e20 floor', '3.75 fractionPart', '3.75 integerPart', '7.9 asInteger',
    '0.49999999999999994 rounded', '(2 raisedTo: 63) asFloat truncated', '(2 raisedTo: 63) negated asFloat truncated',
  ].join('\n'), ['3', '-4', '4', '-3', '3', '-3', '2', '3', '-3', '100000000000000000000', '-100000000000000000000', '0.75', '3.0',
    '7', '0', '9223372036854775808', '-9223372036854775808']],
  ['conversions', [
    '3 asFloat', '(1/8) asFloat', '(2 raisedTo: 100) asFloat', '(2 raisedTo: 100) negated asFloat', '0.75 asExactFraction',
    '3.0 asExactFraction', '0.1 asExactFraction', "'10.0e1' asNumber", "'42' asNumber", "'-2.5' asNumber", "'1e-2' asNumber",
    "' 3.25 ' asNumber", "'0.1' asNumber = 0.1", '(Float readFrom: \'2\') printString', '1.5 class', '1.5 isFloat', '3 isFloat',
    "'abc' asNumber",
  ].join('\n'), ['3.0', '0.125', '1.2676506002282294e30', '-1.2676506002282294e30', '(3/4)', '3', '(3602879701896397/36028797018963968)',
    '100.0', '42', '-2.5', '0.01', '3.25', 'true', "'2.0'", 'Float', 'true', 'false', /is not a number/]],
  ['NaN and the infinities', [
    'Float nan', 'Float infinity', 'Float negativeInfinity', 'Float nan = Float nan', 'Float nan isNaN', 'Float infinity isInfinite',
    '1.0e300 * 1.0e300', '(1.0e300 * 1.0e300) negated', 'Float infinity - Float infinity', 'Float nan < 1', 'Float nan > 1',
    '1.0 / 0', '1.0 / 0.0', 'Float nan truncated', 'Float pi', 'Float infinity > 1.0e308',
  ].join('\n'), ['Float nan', 'Float infinity', 'Float negativeInfinity', 'false', 'true', 'true', 'Float infinity',
    'Float negativeInfinity', 'Float nan', 'false', 'false', /ZeroDivide/, /ZeroDivide/, /cannot take the integer part of Float nan/,
    '3.141592653589793', 'true']],
  ['printing in collections and streams', [
    '#(1.5 2.25) printString', "| w | w := WriteStream on: String new. w print: 0.5; nextPutAll: ' '; print: 1.0e-7. w contents",
    '0.1 printString size', '2.5 displayString', '(3 @ 0.5) * 2',
  ].join('\n'), ["'#(1.5 2.25)'", "'0.5 1.0e-7'", '3', "'2.5'", '(6@1.0)']],
  ['ScaledDecimals (3.14s2)', [
    '3.14s2', '3.14s2 class', '3.14s2 + 1', '1 + 3.14s2', '3.14s2 * 2.0', '(1/3) asScaledDecimal: 4', '(2/3) asScaledDecimal: 4',
    '-0.5s1', '0.1s1 + 0.2s1 = 0.3s1', '3s2', '1.5s', '3.14s2 < 3.15s2', '3.14s2 / 0', '1.25s2 * 1.25s2',
  ].join('\n'), ['3.14s2', 'ScaledDecimal', '4.14s2', '4.14s2', '6.28', '0.3333s4', '0.6666s4', '-0.5s1', 'true', '3.00s2', '1.5s1',
    'true', /ZeroDivide/, '1.56s2']],
];

describeCases('Floats', CASES);

/** JavaScript's shortest round-trip text, in Bedrock's format (1.0e16, 1.0e-5, 100.0). */
function expectedText(x: number): string {
  if (Number.isNaN(x)) return 'Float nan';
  if (x === Infinity) return 'Float infinity';
  if (x === -Infinity) return 'Float negativeInfinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [mant, exp] = Math.abs(x).toExponential().split('e');
  const digits = mant.replace('.', '');
  const k = Number(exp);
  if (k >= -4 && k < 16) {
    if (k >= 0) return sign + (digits.length <= k + 1 ? digits + '0'.repeat(k + 1 - digits.length) + '.0' : digits.slice(0, k + 1) + '.' + digits.slice(k + 1));
    return sign + '0.' + '0'.repeat(-k - 1) + digits;
  }
  return sign + digits[0] + '.' + (digits.length > 1 ? digits.slice(1) : '0') + 'e' + k;
}

function bitsOf(x: number): bigint { return new BigInt64Array(new Float64Array([x]).buffer)[0]; }
function randomDouble(r: ReturnType<typeof makeRandom>): number {
  switch (r.below(4)) {
    case 0: return new Float64Array(new BigInt64Array([r.int64()]).buffer)[0];
    case 1: return (r.next() - 2 ** 31) / 2 ** r.below(40);
    case 2: return Number((r.next() / 2 ** 32).toPrecision(1 + r.below(17))) * 10 ** (r.below(40) - 20);
    default: return r.next() * 10 ** (r.below(600) - 300);
  }
}

describe.each(BACKENDS)('Floats against JavaScript (%s)', (backend) => {
  let b: Bedrock;
  beforeAll(() => { b = boot(backend); });

  it('random doubles print as the shortest text that reads back, and read back', () => {
    const seed = testSeed();
    console.log(`floats (${backend}): seed ${seed} (replay with BEDROCK_SEED=${seed})`);
    const r = makeRandom(seed);
    // The edges of the digit generation: powers of two (the interval below is half the one
    // above), subnormals, the least and greatest doubles, powers of ten and their neighbours.
    const edges = [2 ** 60, 2 ** -1022, 2 ** -1074, 3 * 2 ** -1074, 2 ** -1073, Number.MAX_VALUE, Number.MIN_VALUE * 2 ** 52 - 2 ** -1074,
      1e23, 9.5e-5, 1e-4, 1e16, 1e16 - 2, 0.1, 5e-324, 2 ** 53, 2 ** 53 + 2, 2 ** 1023, 2 ** -1022 - 2 ** -1074];
    const xs = [...edges, ...Array.from({ length: 200 }, () => randomDouble(r))].filter((x) => !Number.isNaN(x));
    const out = b.run(xs.map((x) => `(Float fromBits: ${bitsOf(x)}) printString`).join('\n'));
    expect(out, `seed ${seed}`).toEqual(xs.map((x) => `'${expectedText(x)}'`));
    // ... and the text, as a literal and through asNumber, is the same double again.
    const finite = xs.filter((x) => Number.isFinite(x));
    const back = b.run(finite.map((x) => `{${expectedText(x)} bits. '${expectedText(x)}' asNumber bits}`).join('\n'));
    expect(back, `seed ${seed}`).toEqual(finite.map((x) => `#(${bitsOf(x)} ${bitsOf(x)})`));
  });

  it('random sums, differences, products, quotients and square roots are the IEEE results', () => {
    const seed = testSeed() + 1;
    const r = makeRandom(seed);
    const ops: [string, (a: number, b: number) => number][] = [['+', (a, c) => a + c], ['-', (a, c) => a - c], ['*', (a, c) => a * c], ['/', (a, c) => a / c]];
    const lines: string[] = [], want: string[] = [];
    for (let i = 0; i < 80; i++) {
      const x = randomDouble(r), y = randomDouble(r);
      if (!Number.isFinite(x) || !Number.isFinite(y) || y === 0) continue;
      const [op, f] = ops[i % 4];
      const z = f(x, y);
      if (Number.isNaN(z)) continue;
      lines.push(`((Float fromBits: ${bitsOf(x)}) ${op} (Float fromBits: ${bitsOf(y)})) bits`);
      want.push(String(bitsOf(z)));
      if (x >= 0) { lines.push(`(Float fromBits: ${bitsOf(x)}) sqrt bits`); want.push(String(bitsOf(Math.sqrt(x)))); }
    }
    expect(b.run(lines.join('\n')), `seed ${seed}`).toEqual(want);
  });

  it('random arithmetic and comparisons of two Floats, NaN, infinities and zeros included, are the IEEE answers', () => {
    // Float + - * / < > <= >= = are machine code for two Floats (float.bedrock): this is their
    // fast path, checked against JavaScript's doubles (a NaN result is only asked isNaN: the
    // machine's default NaN has its own bits). Division by either zero is a ZeroDivide.
    const seed = testSeed() + 3;
    const r = makeRandom(seed);
    const special = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 5e-324, 1.7976931348623157e308];
    const pick = (): number => (r.below(3) === 0 ? special[r.below(special.length)] : randomDouble(r));
    const arith: [string, (a: number, b: number) => number][] = [['+', (a, c) => a + c], ['-', (a, c) => a - c], ['*', (a, c) => a * c], ['/', (a, c) => a / c]];
    const compare: [string, (a: number, b: number) => boolean][] = [
      ['<', (a, c) => a < c], ['>', (a, c) => a > c], ['<=', (a, c) => a <= c], ['>=', (a, c) => a >= c], ['=', (a, c) => a === c], ['~=', (a, c) => a !== c]];
    const lines: string[] = [], want: (string | RegExp)[] = [];
    const float = (x: number): string => `(Float fromBits: ${bitsOf(x)})`;
    for (let i = 0; i < 120; i++) {
      const x = pick(), y = r.below(5) === 0 ? x : pick();
      const [op, f] = arith[i % 4];
      if (op === '/' && y === 0) { lines.push(`${float(x)} / ${float(y)}`); want.push(/ZeroDivide/); }
      else {
        const z = f(x, y);
        lines.push(Number.isNaN(z) ? `(${float(x)} ${op} ${float(y)}) isNaN` : `(${float(x)} ${op} ${float(y)}) bits`);
        want.push(Number.isNaN(z) ? 'true' : String(bitsOf(z)));
      }
      const [cop, g] = compare[i % compare.length];
      lines.push(`${float(x)} ${cop} ${float(y)}`); want.push(String(g(x, y)));
    }
    const got = b.run(lines.join('\n'));
    want.forEach((w, i) => {
      if (typeof w === 'string') expect(got[i], `seed ${seed}: ${lines[i]}`).toBe(w);
      else expect(got[i], `seed ${seed}: ${lines[i]}`).toMatch(w);
    });
  });

  it('exponent, timesTwoPower:, successor and predecessor of random doubles are the IEEE answers', () => {
    const seed = testSeed() + 2;
    const r = makeRandom(seed);
    const lines: string[] = [], want: string[] = [];
    const next = (x: number, up: boolean): number => {
      if (x === 0) return up ? 5e-324 : -5e-324;
      const bits = bitsOf(x);
      return new Float64Array(new BigInt64Array([bits + ((x > 0) === up ? 1n : -1n)]).buffer)[0];
    };
    for (let i = 0; i < 60; i++) {
      const x = randomDouble(r);
      if (!Number.isFinite(x)) continue;
      const f = `(Float fromBits: ${bitsOf(x)})`;
      // 2^n is a double for n in [-1074, 1023], so x * 2^n rounds once, as ldexp does.
      const n = r.below(2098) - 1074;
      lines.push(`(${f} timesTwoPower: ${n}) bits`); want.push(String(bitsOf(x * 2 ** n)));
      if (x !== 0) { lines.push(`${f} exponent`); want.push(String(exponentOf(x))); }
      lines.push(`${f} successor bits`); want.push(String(bitsOf(next(x, true))));
      lines.push(`${f} predecessor bits`); want.push(String(bitsOf(next(x, false))));
    }
    expect(b.run(lines.join('\n')), `seed ${seed}`).toEqual(want);
  });
});

/** k with 2^k <= |x| < 2^(k+1), from the bits (exact, unlike Math.log2 near powers of two). */
function exponentOf(x: number): number {
  const bits = bitsOf(Math.abs(x));
  const e = Number(bits >> 52n);
  if (e > 0) return e - 1023;
  return (bits & ((1n << 52n) - 1n)).toString(2).length - 1075;
}
