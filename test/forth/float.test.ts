/*
 * The Forth front end's Floating-Point word set: a float stack of its own (gforth's), float
 * literals, the arithmetic in SSE2 machine code, and the output words as gforth 0.7.3 prints
 * them. The differential test replays what gforth printed for random expressions
 * (fixtures/gforth-floats.json, made by record-floats.ts), so it needs no gforth here.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Forth } from '../../src/forth/forth.ts';
import { represent } from '../../src/forth/floats.ts';
import { bitsOf } from '../../kernel/machine/sse.ts';
import { bootForth, forthOutput } from '../support/forth.ts';
import { makeRandom, testSeed } from '../support/random.ts';

let f: Forth;

beforeAll(() => {
  f = bootForth().forth;
});

/** What `text` printed (both stacks are emptied afterwards). */
const out = (text: string): string => forthOutput(f, text);

/** The error `text` ends with. */
function error(text: string): string {
  const r = f.interpret(text);
  f.clearStack();
  return r.error ?? '';
}

describe('Forth floats: what gforth prints', () => {
  it('agrees with gforth 0.7.3 on recorded random expressions (F. FE. FS. REPRESENT comparisons F~ F>D, compiled and interpreted)', () => {
    const fixture = JSON.parse(readFileSync(new URL('fixtures/gforth-floats.json', import.meta.url), 'utf8')) as { seed: number; cases: { source: string; output: string }[] };
    console.log(`float expressions recorded from gforth with seed ${fixture.seed} (test/forth/record-floats.ts)`);
    expect(fixture.cases.length).toBeGreaterThan(300);
    for (const c of fixture.cases) expect(out(`${c.source} CR`), c.source).toBe(`${c.output}\n`);
  });

  it('prints 1e 2e f+ f. as gforth does, and F. FE. FS. with PRECISION', () => {
    expect(out('1e 2e f+ f.')).toBe('3. ');
    expect(out('1.5e f. 0.1e f. 1e 3e f/ f. 1e100 f. -2.5E-3 f. 0e f. -0e f.'))
      .toBe('1.5 0.1 0.333333333333333 9999999999999990000000000000000000000000000000000000000000000000000000000000000000000000000000000000. -0.0025 0. -0. ');
    expect(out('1e fe. 1.5e-3 fe. 12345e fe. 1e fs. 1e 3e f/ fs.')).toBe('1.00000000000000E0 1.50000000000000E-3 12.3450000000000E3 1.00000000000000E0 3.33333333333333E-1 ');
    expect(out('5 set-precision precision . 1e 3e f/ f. 1e 3e f/ fe. 123456e f. 15 set-precision')).toBe('5 0.33333 333.33E-3 123460. ');
    // Infinities and NaNs: the first three characters, and no space (gforth 0.7.3's f$).
    expect(out('1e 0e f/ f. -1e 0e f/ f. 0e 0e f/ f.')).toBe('inf-in-na');
    expect(out('1e 123456.5e -1234567890e 0e f.s')).toBe('<4> 1.000000000000E0     123456.50000 -1.23456789000E9 0.000000000000E0 ');
  });

  it('REPRESENT is the C library\'s ecvt (scaled in double arithmetic, then rounded exactly), seeded', () => {
    // A few that glibc's ecvt answers (recorded): 1e100 is 9.99...e99 to 15 digits.
    expect(represent(bitsOf(1e100), 15)).toMatchObject({ digits: '999999999999999', exponent: 100 });
    expect(represent(bitsOf(1 / 3), 20)).toMatchObject({ digits: '33333333333333330000', exponent: 0 });
    expect(represent(bitsOf(5e-324), 5)).toMatchObject({ digits: '49407', exponent: -323 });
    expect(represent(bitsOf(9.5), 1)).toMatchObject({ digits: '1', exponent: 2 });
    expect(represent(bitsOf(2.5), 1)).toMatchObject({ digits: '2', exponent: 1 });
    expect(represent(bitsOf(0), 3)).toMatchObject({ digits: '000', exponent: 1, valid: true });
    expect(out('1.5e PAD 5 REPRESENT . . . PAD 5 TYPE  -0e PAD 2 REPRESENT . . . PAD 2 TYPE  0e 0e f/ PAD 4 REPRESENT . . . PAD 4 TYPE'))
      .toBe('-1 0 1 15000-1 -1 1 000 0 0 -nan');
    expect(out('0e 0e f/ PAD 6 REPRESENT . . . PAD 6 TYPE')).toBe('0 0 0 -nan  ');
    // Shown digits agree with the exact value to within half a unit of the last digit.
    const r = makeRandom(testSeed());
    for (let i = 0; i < 200; i++) {
      const x = (r.next() / 2 ** 32 - 0.5) * 10 ** (r.below(40) - 20);
      const u = 1 + r.below(15);
      const d = represent(bitsOf(x), u);
      const back = Number(`${x < 0 ? '-' : ''}0.${d.digits}e${d.exponent}`);
      expect(Math.abs(back - x) <= 0.6 * 10 ** (d.exponent - u) * 1.0000001, `seed ${r.seed}: ${x} to ${u} digits: ${d.digits} e${d.exponent}`).toBe(true);
    }
  });
});

describe('Forth floats: the words', () => {
  it('keeps floats on a stack of their own: FDUP FDROP FSWAP FOVER FROT FDEPTH, and the data stack is untouched', () => {
    expect(out('1 2e 3 4e fdepth . depth . . . f. f.')).toBe('2 2 3 1 4. 2. ');
    expect(out('1e 2e 3e frot f. f. f. 1e 2e fover f. f. f. 1e 2e fswap f. f. 5e fdup f+ f. 1e 2e fdrop f.')).toBe('1. 3. 2. 1. 2. 1. 1. 2. 10. 1. ');
  });

  it('reads float literals as gforth does, in decimal only; >FLOAT takes the standard\'s syntax', () => {
    expect(out('1e f. 1E f. 1.e f. .5e f. 1e5 f. 1e+5 f. -2.5E-3 f. +1e f. 1e400 f. 1e- f.')).toBe('1. 1. 1. 0.5 100000. 100000. -0.0025 1. inf1. ');
    expect(error('1.5e3.0')).toMatch(/Undefined word/);
    expect(out('HEX 1E DECIMAL . fdepth .')).toBe('30 0 ');
    expect(out('15. d. fdepth .')).toBe('15 0 ');
    const cases: [string, string][] = [['.', '0'], ['E', '0'], ['+', '0'], [' 9', '0'], ['9 ', '0'], ['', '-1 0.'], ['  ', '-1 0.'],
      ['1+1', '-1 10.'], ['1-1', '-1 0.1'], ['9.', '-1 9.'], ['.9', '-1 0.9'], ['9d-', '-1 9.'], ['-35.+2', '-1 -3500.'], ['350000E-2', '-1 3500.']];
    for (const [text, shown] of cases) expect(out(`:NONAME S" ${text}" >FLOAT DUP . IF F. THEN ; EXECUTE`).trim(), text).toBe(shown);
  });

  it('arithmetic is the machine\'s IEEE arithmetic: agrees with JavaScript\'s doubles on random operands (seeded)', () => {
    const r = makeRandom(testSeed());
    const ops: [string, (a: number, b: number) => number][] = [['F+', (a, b) => a + b], ['F-', (a, b) => a - b], ['F*', (a, b) => a * b], ['F/', (a, b) => a / b]];
    for (let i = 0; i < 40; i++) {
      const a = (r.next() - 2 ** 31) * 10 ** (r.below(20) - 10), b = (r.next() - 2 ** 31) * 10 ** (r.below(20) - 10);
      const [name, fn] = r.pick(ops);
      // 17 digits: the double exactly.
      expect(out(`17 SET-PRECISION ${a.toExponential(20)} ${b.toExponential(20)} ${name} FS. 15 SET-PRECISION`), `seed ${r.seed}: ${a} ${name} ${b}`)
        .toBe(fsRef(fn(Number(a.toExponential(20)), Number(b.toExponential(20)))));
    }
    expect(out('2e fsqrt f. -2.5e floor f. -2.5e fround f. 2.5e fround f. -2.5e ftrunc f. 3e -3e fmin f. 3e -3e fmax f. -3e fabs f. 3e fnegate f.'))
      .toBe('1.4142135623731 -3. -2. 2. -2. -3. 3. 3. -3. ');
    expect(out('1e 2e f< . 2e 1e f< . 1e 1e f= . 0e 0e f/ fdup f= . -1e f0< . 0e f0= . -0e f0= .')).toBe('-1 0 -1 0 -1 -1 -1 ');
  });

  it('converts between integers, doubles and floats: S>F F>S D>F F>D', () => {
    expect(out('-7 s>f f. 2.9e f>s . -2.9e f>s . 100000000000000000000. d>f f. -5. d>f f.')).toBe('-7. 2 -2 100000000000000000000. -5. ');
    expect(out('1e30 f>d d. -1e19 f>d d. 3.7e f>d d. -3.7e f>d d.')).toBe('1000000000000000019884624838656 -10000000000000000000 3 -3 ');
  });

  it('keeps floats in memory: F@ F! FVARIABLE FCONSTANT FVALUE TO FLITERAL FLOAT+ FLOATS FALIGNED, DF@ DF!', () => {
    expect(out('fvariable fv 3.5e fv f! fv f@ f. 2.5e fconstant fc fc f. 7e fvalue fval fval f. 8e to fval fval f.')).toBe('3.5 2.5 7. 8. ');
    expect(out(': t 9e to fval ; t fval f.  : lit [ 2e ] fliteral 1.25e f+ f. ; lit')).toBe('9. 3.25 ');
    expect(out('1 floats . 0 float+ . 3 faligned 3 - . 1 sfloats . 1 dfloats . 5 sfaligned 5 - .')).toBe('8 8 5 4 8 3 ');
    expect(out('create two 2 floats allot 1e two f! 2e two float+ f! two f@ f. two float+ f@ f. 4e two df! two df@ f.')).toBe('1. 2. 4. ');
  });

  it('SF! rounds to single precision as the hardware does (agrees with Math.fround, seeded), SF@ reads it back', () => {
    out('create sf 8 allot');
    const r = makeRandom(testSeed());
    const specials = [1.5, 0.1, 1e40, -1e40, 1e-40, 3.4028235677973366e38, 1.401298464324817e-45, 7e-46, 0, -0];
    for (let i = 0; i < 40; i++) {
      const x = i < specials.length ? specials[i] : (r.next() / 2 ** 32 - 0.5) * 2 ** (r.below(300) - 150);
      const expected = Math.fround(x);
      expect(out(`${Object.is(x, -0) ? '-' : ''}${x.toExponential(17)} sf sf! sf sf@ 17 SET-PRECISION fs. 15 SET-PRECISION`), `seed ${r.seed}: ${x}`).toBe(fsRef(expected));
    }
  });

  it('the functions: FSIN FCOS FTAN FASIN FACOS FATAN FATAN2 FEXP FLN FLOG F** FALOG FEXPM1 FLNP1 and the hyperbolic ones', () => {
    const close = (text: string, want: number) => {
      const got = Number(out(`17 SET-PRECISION ${text} FS. 15 SET-PRECISION`).trim().replace('E', 'e'));
      expect(Math.abs(got - want) <= 2 * Number.EPSILON * Math.abs(want), `${text}: ${got}, not ${want}`).toBe(true);
    };
    close('1e fsin', Math.sin(1)); close('1e fcos', Math.cos(1)); close('1e ftan', Math.tan(1));
    close('0.5e fasin', Math.asin(0.5)); close('0.5e facos', Math.acos(0.5)); close('1e fatan', Math.atan(1));
    close('1e 2e fatan2', Math.atan2(1, 2)); close('-1e -2e fatan2', Math.atan2(-1, -2));
    close('1e fexp', Math.E); close('2e fln', Math.LN2); close('100e flog', 2); close('2e 10e f**', 1024); close('2e falog', 100);
    close('1e-10 fexpm1', Math.expm1(1e-10)); close('1e-10 flnp1', Math.log1p(1e-10));
    close('1e fsinh', Math.sinh(1)); close('1e fcosh', Math.cosh(1)); close('0.5e ftanh', Math.tanh(0.5));
    close('1e fasinh', Math.asinh(1)); close('2e facosh', Math.acosh(2)); close('0.5e fatanh', Math.atanh(0.5));
    expect(out('0.5e fsincos f. f.')).toBe('0.877582561890373 0.479425538604203 ');
    // C's pow where Smalltalk's raisedTo: would not answer a number.
    expect(out('-8e 0.5e f** f. 0e -1e f** f. -0e -1e f** f. 1e 0e 0e f/ f** f. -2e 3e f** f.')).toBe('-nainf-in1. -8. ');
    expect(out('1e 2e 3e f~ . 1e 1e 0e f~ . -0e 0e 0e f~ . 1e 1.1e -0.1e f~ .')).toBe('-1 -1 0 -1 ');
  });

  it('errors: a float stack underflow is gforth\'s, the stacks are emptied, and CATCH puts the float stack back', () => {
    expect(error('fdrop')).toMatch(/Floating-point stack underflow/);
    expect(error('1e 2e f+ f+')).toMatch(/Floating-point stack underflow/);
    expect(out('fdepth .')).toBe('0 ');
    expect(out(': boom 1e 2e 3e -1 throw ; 5e \' boom catch . fdepth . f.')).toBe('-1 1 5. ');
    expect(error('1e nosuch')).toMatch(/Undefined word/);
    expect(out('fdepth .')).toBe('0 ');
    expect(out('S" FLOATING-STACK" ENVIRONMENT? . . S" MAX-FLOAT" ENVIRONMENT? . fs.')).toBe('-1 4096 -1 1.79769313486232E308 ');
  });
});

/** What FS. prints at 17 digits for a double, through the same REPRESENT (checked against glibc above). */
function fsRef(x: number): string {
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : x < 0 ? '-in' : 'nan';
  const d = represent(bitsOf(x), 17);
  return `${d.negative ? '-' : ''}${d.digits[0]}.${d.digits.slice(1)}E${d.exponent - 1} `;
}
