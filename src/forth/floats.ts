/*
 * The Floating-Point word set's text: reading floats (>FLOAT and the text interpreter's
 * literals) and writing them (REPRESENT, and F. FE. FS. F.S as gforth 0.7.3 prints them).
 * The arithmetic is machine code (primitives.ts); these are the host's part, as the standard's
 * REPRESENT and >FLOAT need exact decimal conversion: a double is m * 2^e exactly, so its
 * decimal digits are worked out with integers (BigInt) and rounded half to even, as the C
 * library gforth uses does; reading goes through JavaScript's Number, which rounds correctly.
 * Every function takes a float as its IEEE 754 bits (a NaN's sign is printed, as gforth does).
 */
import { bitsOf, doubleOf } from '../../kernel/machine/sse.ts';

const SIGN = 1n << 63n;

/**
 * The standard's syntax for >FLOAT: [sign] (digits [. digits0] | . digits) [exponent], the
 * exponent an E, e, D or d with an optional sign, or a sign alone, then digits0; a string of
 * blanks is zero. The value, or null if the text is not a float.
 */
export function parseFloat(text: string): number | null {
  if (/^ *$/.test(text)) return 0;
  const m = /^([+-]?)(\d+\.?\d*|\.\d+)(?:(?:[eEdD]([+-]?)|([+-]))(\d*))?$/.exec(text);
  if (!m) return null;
  const [, sign, mantissa, eSign, sSign, digits] = m;
  const exponent = `${eSign ?? sSign ?? ''}${digits || '0'}`;
  const x = Number(`${mantissa}e${exponent}`);
  return sign === '-' ? -x : x;
}

export interface Represented {
  /** u significant digits (or gforth's inf, -inf, nan, -nan for a value that is not finite, padded with spaces). */
  readonly digits: string;
  /** The decimal exponent: the value is 0.digits * 10^exponent. */
  readonly exponent: number;
  readonly negative: boolean;
  readonly valid: boolean;
}

/** `10n ** n`, kept. */
const powers: bigint[] = [1n];
function pow10(n: number): bigint {
  while (powers.length <= n) powers.push(powers[powers.length - 1] * 10n);
  return powers[n];
}

/** n / d rounded to the nearest integer, ties to even (n, d > 0). */
function divideEven(n: bigint, d: bigint): bigint {
  const q = n / d;
  const r2 = 2n * (n % d);
  return r2 > d || (r2 === d && (q & 1n) === 1n) ? q + 1n : q;
}

/** The digits of `num / den` rounded half to even to `places` places after the point: the integer part's and the fraction's. */
function fixed(num: bigint, den: bigint, places: number): { whole: string; fraction: string } {
  const q = divideEven(num * pow10(places), den).toString().padStart(places + 1, '0');
  return { whole: q.slice(0, q.length - places), fraction: q.slice(q.length - places) };
}

/** A finite double's exact value, num / den. */
function exact(x: number): { num: bigint; den: bigint } {
  const b = BigInt.asUintN(64, bitsOf(x));
  const biased = Number((b >> 52n) & 0x7ffn);
  const fraction = b & 0xfffffffffffffn;
  const m = biased === 0 ? fraction : fraction | (1n << 52n);
  const e = (biased === 0 ? 1 : biased) - 1075;
  return e >= 0 ? { num: m << BigInt(e), den: 1n } : { num: m, den: 1n << BigInt(-e) };
}

/**
 * REPRESENT ( r c-addr u -- n flag1 flag2 ), as gforth 0.7.3 answers it: gforth calls the C
 * library's ecvt, which (in glibc) first scales the number into [1, 10) by a power of ten it
 * works out in double arithmetic (so 1e100 comes out as 9.99999999999999e99 to 15 digits), and
 * then rounds the scaled number exactly, half to even, to at most 17 digits; gforth pads the
 * digits to u with zeros. Zero's exponent is 1; for an infinity or a NaN flag2 is false and the
 * digits are its name ("-nan" for the NaN 0e 0e F/ makes, whose sign bit is set).
 */
export function represent(bits: bigint, u: number): Represented {
  const b = BigInt.asUintN(64, bits);
  const negative = (b & SIGN) !== 0n;
  if (((b >> 52n) & 0x7ffn) === 0x7ffn) {
    const word = `${negative ? '-' : ''}${(b & 0xfffffffffffffn) === 0n ? 'inf' : 'nan'}`;
    return { digits: word.slice(0, u).padEnd(Math.max(0, u), ' '), exponent: 0, negative: false, valid: false };
  }
  if (u <= 0) return { digits: '', exponent: 1, negative: false, valid: false };
  let value = Math.abs(doubleOf(bits));
  let exponent = 0;
  if (value !== 0) {
    if (value < 1e-307) { value /= 1e-307; exponent -= 307; }
    const d = value;
    let f = 1;
    if (d < 1) {
      do { f *= 10; exponent--; } while (d * f < 1);
      value *= f;
    } else if (d >= 10) {
      do { f *= 10; exponent++; } while (d >= f * 10);
      value /= f;
    }
  }
  const { num, den } = exact(value);
  const { whole, fraction } = fixed(num, den, Math.min(u, 17) - 1);
  let decpt = whole.length;
  let digits = whole + fraction;
  if (decpt === 1 && whole === '0' && value !== 0) {
    const lead = fraction.length - fraction.replace(/^0+/, '').length;
    decpt -= 1 + lead;
    digits = fraction.slice(lead);
  }
  return { digits: digits.slice(0, u).padEnd(u, '0'), exponent: value === 0 ? 1 : decpt + exponent, negative, valid: true };
}

const zeros = (n: number) => '0'.repeat(Math.max(0, n));

/**
 * What gforth's F. FE. and FS. begin with: the digits (PRECISION of them), the exponent and the
 * sign; or, for an infinity or a NaN, the text they print instead: its first three characters,
 * and nothing more (not even the space).
 */
function start(bits: bigint, precision: number): { r: Represented; text: string } | string {
  const r = represent(bits, precision);
  if (!r.valid) return r.digits.slice(0, Math.min(3, precision));
  return { r, text: r.negative ? '-' : '' };
}

/** F. : without an exponent, trailing zeros of the fraction left off. */
export function fdot(bits: bigint, precision: number): string {
  const s = start(bits, precision);
  if (typeof s === 'string') return s;
  const { digits, exponent: n } = s.r;
  let out = s.text;
  out += n <= 0 ? '0' : digits.slice(0, Math.min(n, precision)) + zeros(n - precision);
  out += '.' + zeros(-n);
  out += digits.slice(Math.max(n, 0)).replace(/0+$/, '');
  return out + ' ';
}

/** FE. : engineering notation, the exponent a multiple of 3. */
export function fedot(bits: bigint, precision: number): string {
  const s = start(bits, precision);
  if (typeof s === 'string') return s;
  const { digits, exponent: n } = s.r;
  const rem = (((n - 1) % 3) + 3) % 3;
  const e = n - 1 - rem;
  const lead = rem + 1;
  const shown = Math.min(lead, precision);
  return `${s.text}${digits.slice(0, shown)}${zeros(lead - shown)}.${digits.slice(lead)}E${e} `;
}

/** FS. : scientific notation. */
export function fsdot(bits: bigint, precision: number): string {
  const s = start(bits, precision);
  if (typeof s === 'string') return s;
  const { digits, exponent: n } = s.r;
  return `${s.text}${digits[0]}.${digits.slice(1)}E${n - 1} `;
}

/**
 * gforth's f.rdp ( r nr nd np ): r in nr characters; fixed-point with nd digits after the point
 * when that shows at least np significant digits and the digits before the point fit, else
 * exponential notation, as long as it fits (else asterisks).
 */
export function frdp(bits: bigint, nr: number, nd: number, np: number): string {
  const attempt = (um: number): { text: string; used: number } => {
    const r = represent(bits, um);
    if (!r.valid) return { text: r.digits.padEnd(nr), used: nr };
    const sign = r.negative ? 1 : 0;
    const n = r.exponent;
    if (nd + n >= np && nr - nd - 1 - sign >= n) {
      const whole = n > 0 ? r.digits.slice(0, n).padEnd(n, '0') : '0';
      const fraction = (n >= 0 ? r.digits.slice(n) : zeros(-n) + r.digits).padEnd(nd, '0').slice(0, nd);
      return { text: `${r.negative ? '-' : ''}${whole}.${fraction}`.padStart(nr), used: n + nd };
    }
    const exp = `E${n - 1}`;
    const mantissa = nr - exp.length - 1 - sign;
    if (mantissa < 0) return { text: '*'.repeat(nr), used: 1 };
    const d = r.digits.padEnd(mantissa, '0');
    return { text: `${r.negative ? '-' : ''}${d[0]}.${d.slice(1, mantissa)}${exp}`, used: mantissa };
  };
  const first = attempt(nr);
  return attempt(Math.min(Math.max(first.used, 1), nr)).text;
}

/** F.S as gforth shows the float stack (bottom first, the top 9 of it). */
export function fdotS(stack: readonly bigint[]): string {
  const shown = stack.slice(Math.max(0, stack.length - 9));
  return `<${stack.length}> ${shown.map((b) => `${frdp(b, 16, 5, 11)} `).join('')}`;
}
