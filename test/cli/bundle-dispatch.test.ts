/*
 * The interpreter's dispatch in the build has literal cases (bin/bundle-plugins.mjs,
 * opcodeCases): a bundle turns kernel/machine/interpreter.ts's top-level `const ADD_RI =
 * OP.ADD_RI` into a var, which V8 does not fold, and a switch on such names compared one
 * variable after another (the bundled interpreter ran 1.6 times slower than the sources). The
 * plugin names OP's members in their place, which esbuild writes as numbers.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';
import { opcodeCases, withOpcodeCases } from '../../bin/bundle-plugins.mjs';
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
