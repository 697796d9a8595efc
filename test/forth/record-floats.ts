/*
 * Records what gforth prints for random float expressions, for float.test.ts (which then needs
 * no gforth): `npx tsx test/forth/record-floats.ts [SEED]` writes fixtures/gforth-floats.json.
 * Each case is one line of Forth that prints; gforth 0.7.3 runs them all in one file, a line
 * of output per case.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeRandom, type Random } from '../support/random.ts';

/** A float literal as Forth reads it: a random value, biased toward edges and small numbers. */
function literal(r: Random): string {
  switch (r.below(6)) {
    case 0: return r.pick(['0E', '-0E', '1E', '-1E', '0.5E', '2E', '10E', '1E308', '1E-308', '4.9E-324', '1.7976931348623157E308', '3E-320']);
    case 1: return `${r.below(2000) - 1000}E`;
    case 2: return `${r.below(100000) - 50000}.${r.below(1000)}E${r.below(40) - 20}`;
    case 3: return `${r.below(10)}.${r.below(1_000_000_000)}E${r.below(600) - 300}`;
    case 4: return `${r.chance(0.5) ? '-' : ''}.${r.below(100000)}E${r.pick(['', '+', '-'])}${r.below(10)}`;
    default: return `${r.below(1000)}.E`;
  }
}

// (Not FTRUNC: gforth 0.7.3's is F>D D>F, 0 beyond 2^127, where Bedrock's is roundsd's.)
const UNARY = ['FNEGATE', 'FABS', 'FSQRT', 'FLOOR', 'FROUND', 'FDUP F*', 'FDUP F+', '1/F', 'F2*', 'F2/'];
const BINARY = ['F+', 'F-', 'F*', 'F/', 'FMAX', 'FMIN', 'FSWAP F-', 'FOVER F+ F*', 'FDROP', 'FNIP', 'FTUCK F/ F*'];

/** An expression leaving one float: exact IEEE operations only (the C library's and Smalltalk's agree on these bit for bit). */
function expression(r: Random, depth: number): string {
  if (depth === 0 || r.chance(0.3)) return literal(r);
  if (r.chance(0.35)) return `${expression(r, depth - 1)} ${r.pick(UNARY)}`;
  return `${expression(r, depth - 1)} ${expression(r, depth - 1)} ${r.pick(BINARY)}`;
}

/** Functions that are not one instruction: shown to 12 digits, as the two libraries may differ in the last bit. */
const FUNCTIONS = ['FSIN', 'FCOS', 'FTAN', 'FATAN', 'FEXP', 'FLN', 'FLOG', 'FSINH', 'FCOSH', 'FTANH', 'FASINH', 'FEXPM1', 'FLNP1', 'FALOG'];

export function cases(seed: number, n: number): string[] {
  const r = makeRandom(seed);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const e = expression(r, 3);
    const precision = 1 + r.below(17);
    switch (r.below(8)) {
      case 0: out.push(`${precision} SET-PRECISION ${e} F. 15 SET-PRECISION`); break;
      // (gforth 0.7.3's FE. prints garbage when PRECISION is less than the digits before the point.)
      case 1: out.push(`${Math.max(3, precision)} SET-PRECISION ${e} FE. 15 SET-PRECISION`); break;
      case 2: out.push(`${precision} SET-PRECISION ${e} FS. 15 SET-PRECISION`); break;
      case 3: out.push(`${e} ${expression(r, 2)} ${r.pick(['F<', 'F=', 'F<>', 'F>', 'F<=', 'F>='])} . ${e} ${r.pick(['F0<', 'F0=', 'F0>'])} .`); break;
      case 4: out.push(`:NONAME ${e} FDUP FABS 1E18 F< IF F>S . ELSE FDROP THEN ; EXECUTE ${r.below(2_000_000) - 1_000_000} S>F F.`); break;
      case 5: out.push(`${e} PAD ${precision} REPRESENT . . . PAD ${precision} TYPE`); break;
      case 6: {
        const f = r.pick(FUNCTIONS);
        const x = ['FLN', 'FLOG'].includes(f) ? `${r.below(100000)}.${r.below(1000)}E${r.below(20) - 10}` : `${r.below(2000) - 1000}.${r.below(1000)}E-2`;
        out.push(`12 SET-PRECISION ${x} ${f} FS. 15 SET-PRECISION`);
        break;
      }
      // (F>D beyond 2^127 in size is an ambiguous condition; gforth's answers are its C compiler's.)
      default: out.push(`:NONAME ${e} ${expression(r, 2)} ${r.pick(['1E-3', '0E', '-1E-6'])} F~ . ${e} FDUP FABS 1E30 F< IF F>D D. ELSE FDROP THEN ;  EXECUTE`);
    }
  }
  // Half of them compiled (float literals in a definition), half interpreted.
  return out.map((line) => (r.chance(0.5) && !line.startsWith(':') ? `:NONAME ${line} ; EXECUTE` : line));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const seed = Number(process.argv[2] ?? 20261206);
  const lines = cases(seed, 400);
  const dir = mkdtempSync(join(tmpdir(), 'floats-'));
  try {
    const file = join(dir, 'cases.fs');
    writeFileSync(file, lines.map((l) => `${l} CR`).join('\n') + '\nBYE\n');
    const printed = execFileSync('gforth', [file], { encoding: 'utf8', input: '' }).split('\n');
    const recorded = lines.map((source, i) => ({ source, output: printed[i] }));
    const to = fileURLToPath(new URL('fixtures/gforth-floats.json', import.meta.url));
    writeFileSync(to, JSON.stringify({ seed, gforth: execFileSync('sh', ['-c', 'gforth --version 2>&1'], { encoding: 'utf8' }).trim(), cases: recorded }, null, 1) + '\n');
    console.log(`${recorded.length} cases, seed ${seed}, written to ${to}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
