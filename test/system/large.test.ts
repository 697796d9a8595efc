/*
 * LargeInteger (bootstrap/system/large.bedrock): arithmetic that overflows 64 bits goes on in
 * LargePositiveInteger and LargeNegativeInteger; every result that fits is a SmallInteger;
 * literals, printing in any base, division (including the rare add-back step of long
 * division), errors, and the collector moving digits while they are computed. Every case runs
 * in both back ends. The random comparison with BigInt is large.property.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem } from '../support/system.ts';
import type { Backend } from '../../src/compiler/compiler.ts';
import { verifyHeap } from '../../kernel/memory/verify.ts';

function boot(backend: Backend): Bedrock {
  const b = bootSystem({ backend });
  if (typeof b === 'string') throw new Error(b);
  return b;
}

function factorial(n: bigint): bigint {
  let f = 1n;
  for (let i = 2n; i <= n; i++) f *= i;
  return f;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q;
}

const F100 = '93326215443944152681699238856266700490715968264381621468592963895217599993229915608941463976156518286253697920827223758251185210916864000000000000000000000000';

const CASES: readonly [string, string, readonly (string | RegExp)[]][] = [
  ['100 factorial prints all 158 digits', '100 factorial\n100 factorial printString size\n100 factorial class', [F100, '158', 'LargePositiveInteger']],
  ['factorials agree with their neighbours', '(100 factorial // 99 factorial)\n(100 factorial \\\\ 99 factorial)\n(30 factorial) negated', ['100', '0', `-${factorial(30n)}`]],
  ['LargeInteger literals', [
    '123456789012345678901234567890 + 1',
    '123456789012345678901234567890 class',
    '-123456789012345678901234567890 class',
    '-123456789012345678901234567890 - 10',
    '3 - -123456789012345678901234567890',
    '#(123456789012345678901234567890 -99999999999999999999) at: 2',
    '16rFFFFFFFFFFFFFFFFFFFF + 1',
  ].join('\n'), ['123456789012345678901234567891', 'LargePositiveInteger', 'LargeNegativeInteger',
    '-123456789012345678901234567900', '123456789012345678901234567893', '-99999999999999999999', `${2n ** 80n}`]],
  ['overflow of + - * quo: goes on as a LargeInteger', [
    '9223372036854775807 + 1',
    '(9223372036854775807 + 1) class',
    '-9223372036854775808 - 1',
    '(-9223372036854775808 - 1) class',
    '4294967296 * 4294967296',
    '-9223372036854775808 * -1',
    '-9223372036854775808 quo: -1',
    '-9223372036854775808 // -1',
    '-9223372036854775808 negated',
    '-9223372036854775808 abs class',
    '9223372036854775807 * 9223372036854775807',
  ].join('\n'), [`${2n ** 63n}`, 'LargePositiveInteger', `${-(2n ** 63n) - 1n}`, 'LargeNegativeInteger',
    `${2n ** 64n}`, `${2n ** 63n}`, `${2n ** 63n}`, `${2n ** 63n}`, `${2n ** 63n}`, 'LargePositiveInteger', `${(2n ** 63n - 1n) ** 2n}`]],
  ['results that fit are SmallIntegers', [
    '| x | x := 18446744073709551616 - 18446744073709551615. x class == SmallInteger',
    '| x | x := (9223372036854775807 + 1) - 1. (x class == SmallInteger) & (x = 9223372036854775807)',
    '| x | x := (-9223372036854775808 - 1) + 1. (x class == SmallInteger) & (x = -9223372036854775808)',
    '(9223372036854775808 negated) class',
    '(2 raisedTo: 100) - (2 raisedTo: 100)',
    '((2 raisedTo: 100) - (2 raisedTo: 100)) class',
    '((2 raisedTo: 100) // (2 raisedTo: 98)) class',
    '((2 raisedTo: 100) * 0) class',
    '((2 raisedTo: 100) + 1 \\\\ (2 raisedTo: 100)) class',
    '(2 raisedTo: 64) + (2 raisedTo: 64) negated',
  ].join('\n'), ['true', 'true', 'true', 'SmallInteger', '0', 'SmallInteger', 'SmallInteger', 'SmallInteger', 'SmallInteger', '0']],
  ['comparisons across the two kinds', [
    '(2 raisedTo: 64) > 5', '5 < (2 raisedTo: 64)', '5 > (2 raisedTo: 64)', '-5 > (2 raisedTo: 64) negated',
    '(2 raisedTo: 64) negated < -9223372036854775808', '9223372036854775808 > 9223372036854775807',
    '(2 raisedTo: 64) = 5', '5 = (2 raisedTo: 64)', '(2 raisedTo: 64) = nil', '(2 raisedTo: 64) = (2 raisedTo: 64)',
    '(2 raisedTo: 64) ~= (2 raisedTo: 65)', '(2 raisedTo: 64) negated = (2 raisedTo: 64)',
    '(2 raisedTo: 64) <= (2 raisedTo: 64)', '(2 raisedTo: 64) >= (2 raisedTo: 65)',
    '((2 raisedTo: 64) max: 3) = (2 raisedTo: 64)', '((2 raisedTo: 64) negated min: 3) < 0', '(2 raisedTo: 70) between: (2 raisedTo: 64) and: (2 raisedTo: 80)',
  ].join('\n'), ['true', 'true', 'false', 'true', 'true', 'true', 'false', 'false', 'false', 'true', 'true', 'false', 'true', 'false', 'true', 'true', 'true']],
  ['printString: in other bases', [
    '(2 raisedTo: 100) printString: 16', '((2 raisedTo: 64) - 1) printString: 16', '255 printString: 16', '-255 printString: 2',
    '0 printString: 7', '(36 raisedTo: 20) - 1 printString: 36', '(2 raisedTo: 64) negated printString: 8', '-7 printString',
    '(2 raisedTo: 100) printString: 1',
  ].join('\n'), [`'1${'0'.repeat(25)}'`, `'${'F'.repeat(16)}'`, "'FF'", "'-11111111'", "'0'", `'${'Z'.repeat(20)}'`,
    `'-${(2n ** 64n).toString(8)}'`, "'-7'", /base must be from 2 to 36/]],
  ['the rest of the protocol', [
    '(2 raisedTo: 100) isInteger', '(2 raisedTo: 100) isNumber', '(2 raisedTo: 100) sign', '(2 raisedTo: 100) negated sign', '(2 raisedTo: 100) isZero',
    '(2 raisedTo: 100) even', '((2 raisedTo: 100) + 1) odd', '(2 raisedTo: 100) negated abs = (2 raisedTo: 100)', '(2 raisedTo: 100) squared = (2 raisedTo: 200)',
    '(2 raisedTo: 100) hash = ((2 raisedTo: 50) * (2 raisedTo: 50)) hash', '(2 raisedTo: 100) hash class',
    '(2 raisedTo: 100) gcd: (6 raisedTo: 50)', '(4 raisedTo: 40) lcm: (6 raisedTo: 30)', '(2 raisedTo: 64) gcd: 6',
    '-3 raisedTo: 41', '0 raisedTo: 0', '(2 raisedTo: 64) raisedTo: 2', '7 raisedTo: -1',
  ].join('\n'), ['true', 'true', '1', '-1', 'false', 'true', 'true', 'true', 'true', 'true', 'SmallInteger',
    `${2n ** 50n}`, `${(4n ** 40n * 6n ** 30n) / (2n ** 30n)}`, '2', `${(-3n) ** 41n}`, '1', `${2n ** 128n}`, '(1/7)']],
  ['bitShift: past 64 bits, and right shifts that round toward negative infinity', [
    '1 bitShift: 64', '-1 bitShift: 100', '(1 bitShift: 62) class', '(1 bitShift: 63) class', '(-1 bitShift: 63) class', '3 bitShift: 62',
    '-5 bitShift: -1', '-5 bitShift: -100', '5 bitShift: -64', '((2 raisedTo: 100) + 12345) negated bitShift: -33', '(2 raisedTo: 100) bitShift: -100',
    '(2 raisedTo: 100) bitShift: (2 raisedTo: 70)',
  ].join('\n'), [`${2n ** 64n}`, `${-(2n ** 100n)}`, 'SmallInteger', 'LargePositiveInteger', 'SmallInteger', `${3n * 2n ** 62n}`,
    '-3', '-1', '0', `${-(2n ** 100n + 12345n) >> 33n}`, '1', /cannot shift by/]],
  ['division by zero is a clear error, and the system goes on', [
    '(2 raisedTo: 100) // 0', '(2 raisedTo: 100) \\\\ 0', '(2 raisedTo: 100) quo: 0', '(2 raisedTo: 100) negated rem: 0', '5 // 0', '5 quo: 0',
    '(2 raisedTo: 100) + 1',
  ].join('\n'), [/division by zero/, /division by zero/, /division by zero/, /division by zero/, /division by zero/, /division by zero/, `${2n ** 100n + 1n}`]],
  ['a non-integer operand is an error, not a crash', '(2 raisedTo: 100) + nil\n3 * #foo\n(2 raisedTo: 100) < nil\n1 + 1',
    [/cannot add nil to 1267650600228229401496703205376/, /cannot multiply 3 by #foo/, /cannot compare 1267650600228229401496703205376 with nil/, '2']],
  ['printOn: puts the printString on the stream', [
    'Object subclass: #Sink instanceVariableNames: \'got\'',
    'Sink nextPutAll: aString -> got := aString',
    'Sink got -> ^got',
    '| s | s := Sink new. (2 raisedTo: 70) negated printOn: s. s got',
  ].join('\n'), [/Sink/, 'Sink>>nextPutAll:', 'Sink>>got', `'${-(2n ** 70n)}'`]],
];

describe.each(['native', 'threaded'] as const)('LargeInteger (%s)', (backend) => {
  // One system for all the cases (booting is the slow part); none of them changes what the
  // others use, and an error leaves the machine unwound for the next.
  let b: Bedrock;
  beforeAll(() => { b = boot(backend); });

  for (const [name, source, expected] of CASES) {
    it(name, () => {
      const out = b.run(source);
      expect(out.length, source).toBe(expected.length);
      expected.forEach((e, i) => {
        if (typeof e === 'string') expect(out[i], source.split('\n')[i]).toBe(e); else expect(out[i], source.split('\n')[i]).toMatch(e);
      });
    });
  }

  it('long division takes its add-back step correctly, with every sign', () => {
    // Constructed so that algorithm D's trial quotient digit survives its two-digit test and is
    // still one too large: (2^32-1) * 2^95 divided by 2^95 + 2^32 - 1 (and with more digits).
    const a1 = (2n ** 32n - 1n) * 2n ** 95n, d1 = 2n ** 95n + 2n ** 32n - 1n;
    const pairs: [bigint, bigint][] = [[a1, d1], [a1 * 2n ** 64n + 12345n, d1]];
    const lines: string[] = [], want: string[] = [];
    for (const [a0, d0] of pairs) {
      for (const [sa, sd] of [[1n, 1n], [-1n, 1n], [1n, -1n], [-1n, -1n]]) {
        const a = sa * a0, d = sd * d0;
        lines.push(`(${a}) quo: (${d})`, `(${a}) rem: (${d})`, `(${a}) // (${d})`, `(${a}) \\\\ (${d})`);
        want.push(`${a / d}`, `${a % d}`, `${floorDiv(a, d)}`, `${a - floorDiv(a, d) * d}`);
      }
    }
    expect(b.run(lines.join('\n'))).toEqual(want);
  });

  it('1000 factorial, and printing it, take a few million instructions', () => {
    // Counted in machine instructions, which do not depend on how busy the host is (at the
    // machine's usual 50-100 M instructions a second, well under a second).
    const m = b.kernel.machine;
    const s0 = m.totalSteps, t0 = performance.now();
    const out = b.run('1000 factorial printString size');
    const steps = m.totalSteps - s0, ms = performance.now() - t0;
    console.log(`1000 factorial printString (${backend}): ${(steps / 1e6).toFixed(2)} M instructions, ${ms.toFixed(0)} ms`);
    expect(out).toEqual([String(String(factorial(1000n)).length)]);
    expect(steps).toBeLessThan(6_000_000);
    expect(b.run('1000 factorial')[0]).toBe(String(factorial(1000n)));
    expect(b.run('| f | f := 1000 factorial. f // 998 factorial\n1000 factorial = (999 factorial * 1000)')).toEqual(['999000', 'true']);
  });

  it('gives the same answers under the stress collector (every allocation collects)', () => {
    // Stress from after the boot: results are allocated (and normalized copies made) while
    // the operands live only in registers and on the stack, and every allocation moves them.
    b.kernel.heap.stress = true;
    b.kernel.heap.stressMajorEvery = 16;
    const majors = b.kernel.heap.stats.majorCollections;
    const a = 2n ** 200n + 12345n, d = 3n ** 50n;
    let out: string[];
    try {
      out = b.run([
        '25 factorial',
        `(${a}) // (${d})`,
        `(${a}) \\\\ (${d}) negated`,
        `((${a}) - (${a} - 7)) class`,
        `(${a}) negated printString: 16`,
        '((2 raisedTo: 128) - (2 raisedTo: 127)) = (2 raisedTo: 127)',
      ].join('\n'));
    } finally {
      b.kernel.heap.stress = false;
    }
    expect(out).toEqual([`${factorial(25n)}`, `${a / d}`, `${a - floorDiv(a, -d) * -d}`, 'SmallInteger', `'-${a.toString(16).toUpperCase()}'`, 'true']);
    expect(b.kernel.heap.stats.majorCollections - majors).toBeGreaterThan(5);
    expect(verifyHeap(b.kernel.heap)).toEqual([]);
  });
});
