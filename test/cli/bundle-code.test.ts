/*
 * What the bundles (bin/build.mjs, bin/bench.mjs) do to the code so that it runs as fast as the
 * sources do (bin/bundle-plugins.mjs). A bundle turns every top-level const into a var, which V8
 * does not fold into the code that reads it: the interpreter's dispatch gets literal cases
 * (opcodeCases: a switch on such names compared one variable after another, and the bundled
 * interpreter ran 1.6 times slower than the sources), and the sources' constants are const
 * again (constTopLevel), where nothing assigns them and their values are plain data.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';
import { constTopLevel, opcodeCases, sourceConstNames, withOpcodeCases } from '../../bin/bundle-plugins.mjs';
import { OP } from '../../kernel/machine/insn.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const interpreter = root + 'kernel/machine/interpreter.ts';
const ROUTINES = Object.keys(OP).filter((k) => !/^\d+$/.test(k));

const bundle = async (plugins: esbuild.Plugin[]): Promise<string> => (await esbuild.build({
  entryPoints: [interpreter], bundle: true, write: false, format: 'esm', platform: 'node', target: 'node20', logLevel: 'silent', plugins,
})).outputFiles[0].text;

/** The routines named by a variable in a case label or compared with one. */
const named = (text: string): string[] =>
  [...text.matchAll(/(?:case |[=!]== )([A-Z][A-Z_]*)\b(?!\.)/g)].map((m) => m[1]).filter((n) => ROUTINES.includes(n));

describe('the bundled interpreter dispatches on literal routine numbers', () => {
  it('without the plugin a bundle switches on variables; with it, on numbers, one case for each routine but GENERIC', async () => {
    expect(named(await bundle([])).length).toBeGreaterThan(40);
    const text = await bundle([opcodeCases]);
    expect(named(text)).toEqual([]);
    const cases = new Set([...text.matchAll(/case (\d+) \/\* (\w+) \*\//g)].map((m) => { expect(OP[m[2] as keyof typeof OP]).toBe(Number(m[1])); return m[2]; }));
    expect([...cases].sort()).toEqual(ROUTINES.filter((n) => n !== 'GENERIC' && n !== 'TRANSLATED').sort());
  });

  it('the build of the command line holds that dispatch (dist/cli, from bin/build.mjs)', () => {
    const dir = root + 'dist/cli/';
    const chunk = readdirSync(dir).map((f) => readFileSync(dir + f, 'utf8')).find((t) => t.includes('function execute(m, first, limit, nest)'));
    if (chunk === undefined) throw new Error('no bundled interpreter in dist/cli: run npm run build');
    expect(named(chunk)).toEqual([]);
    expect(chunk).toContain(`case ${OP.ADD_RI} /* ADD_RI */:`);
  });

  it('fails the build, saying so, when the interpreter no longer names its routines as the plugin expects', () => {
    const source = readFileSync(interpreter, 'utf8');
    expect(withOpcodeCases(source)).toContain('case OP.ADD_RI:');
    const renamed = source.replace(/^const (\w+) = OP\.(\w+);$/gm, 'const R_$1 = OP.$2;');
    expect(() => withOpcodeCases(renamed)).toThrow(/does not name its routines as bin\/bundle-plugins\.mjs expects \(0 names/);
  });
});

describe("a bundle's top-level constants are const again", () => {
  const SOURCE = new Set(['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'P']);
  const bundle = [
    'var A = 5;',
    'var B = STATE.FLAG_A, C = 3 << 2;',
    'var D = Object.freeze({', '  x: 1,', '  y: "a,b"', '});',
    'var E = 1;', 'function f() { E = 2; }',
    'var F = 1;', 'function g() { [F, x] = [1, 2]; }',
    'var G = (x) => x;',
    'var H = /ab/;',
    'var I = 1;', 'function h(a) { return S32[I] + a[I]; }', 'function k() { S32[I] = 3; }',
    'var J = 2;', 'function l() { ({ J } = o); }',
    'var K = `t`;',
    'var L = 3;', 'for (L of xs) ;',
    'var M2 = 7;',
    'var N = 1;',
    'var P = 1;', 'function q() { P++; }',
    'var C2;', 'function init() { C2 = 4; }',
  ].join('\n');
  const out = constTopLevel(bundle, SOURCE).text.split('\n');
  const kind = (name: string): string | undefined => out.find((l) => new RegExp(`^(var|const) ${name}\\b`).test(l))?.split(' ')[0];

  it('makes const what is data, declared const in a source (esbuild may add digits) and never assigned', () => {
    for (const n of ['A', 'B', 'D', 'I', 'M2']) expect(kind(n), n).toBe('const');
    expect(out).toContain('const B = STATE.FLAG_A, C = 3 << 2;');
  });

  it('leaves var what is assigned (plainly, destructured, in a for-of, by ++), not declared const in a source, or not plain data', () => {
    for (const n of ['E', 'F', 'J', 'L', 'P', 'N', 'G', 'H', 'K', 'C2']) expect(kind(n), n).toBe('var');
  });

  it("the build's interpreter reads its constants as const (dist/cli)", () => {
    const dir = root + 'dist/cli/';
    const chunk = readdirSync(dir).map((f) => readFileSync(dir + f, 'utf8')).find((t) => t.includes('function execute(m, first, limit, nest)'));
    if (chunk === undefined) throw new Error('no bundled interpreter in dist/cli: run npm run build');
    expect(chunk).toMatch(/^const CARD_SHIFT\d* = /m);
    expect(chunk).toMatch(/^const FR = STATE\d*\.FLAG_RES;$/m);
    expect(sourceConstNames(root, ['kernel'])).toContain('CARD_SHIFT');
  });
});
