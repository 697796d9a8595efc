/*
 * bin/code-cache.cjs, which starts the batch bundle (dist/batch.cjs) with V8's code cache: a
 * first run writes the cache, a second uses it, and a damaged or foreign cache is rejected
 * without harm and written again. Each run is a child process, as bin/bedrock.js is.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Module from 'node:module';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const loader = fileURLToPath(new URL('../../bin/code-cache.cjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'bedrock-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bundle = join(dir, 'bundle.cjs');
writeFileSync(bundle, [
  "const { basename } = require('node:path');",
  'function square(n) { return n * n; }',
  'module.exports = square;',
  "process.stdout.write(`${basename(__filename)} ${square(7)} ${typeof module.exports}\\n`);",
].join('\n'));
const expected = 'bundle.cjs 49 function\n';

function run(file = bundle): { out: string; result: { cacheUsed: boolean; cacheRejected: boolean } } {
  const script = `import(${JSON.stringify(loader)}).then((m) => { const r = m.runWithCodeCache(${JSON.stringify(file)}); process.on('exit', () => process.stderr.write(JSON.stringify(r))); });`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return { out: r.stdout, result: JSON.parse(r.stderr) };
}

const batch = fileURLToPath(new URL('../../dist/batch.cjs', import.meta.url));
const repl = fileURLToPath(new URL('../../dist/repl.cjs', import.meta.url));
const hasBatch = existsSync(batch);
if (!hasBatch) console.warn('code-cache.test.ts: dist/batch.cjs is not built (npm run build), so the bundle is not checked');

describe('the code cache', () => {
  it.skipIf(!hasBatch)('the batch bundle makes no dynamic import, which a script from a code cache cannot do', () => {
    expect(readFileSync(batch, 'utf8')).not.toMatch(/(^|[^\w.$])import\s*\(/m);
  });

  it("nor does the REPL's bundle (Ink's devtools import is taken out by the build)", () => {
    const text = readFileSync(repl, 'utf8');
    expect(text).not.toMatch(/(^|[^\w.$])import\s*\(/m);
    expect(text).toContain('no React devtools in this build');
  });

  it('is written by the first run and used by the next, which behaves the same', () => {
    const first = run();
    expect(first.out).toBe(expected);
    expect(first.result.cacheUsed).toBe(false);
    expect(existsSync(`${bundle}.cache`)).toBe(true);
    const second = run();
    expect(second.out).toBe(first.out);
    expect(second.result).toEqual({ cacheUsed: true, cacheRejected: false });
  });

  it('runs a bundle the build wrote already wrapped (ASCII, read as Latin-1), and one of UTF-8 text as before', () => {
    const wrapped = join(dir, 'wrapped.cjs');
    writeFileSync(wrapped, Module.wrap(readFileSync(bundle, 'utf8')));
    for (let i = 0; i < 2; i++) {
      const r = run(wrapped);
      expect(r.out).toBe('wrapped.cjs 49 function\n');
      expect(r.result).toEqual({ cacheUsed: i === 1, cacheRejected: false });
    }
    // Not ASCII, so not wrapped by the build: read as UTF-8 (a Latin-1 reading would garble it).
    const wide = join(dir, 'wide.cjs');
    writeFileSync(wide, "process.stdout.write('\u03bb\u00d7 ' + 'λ×'.length + ' ' + /^λ×$/.test('λ×') + '\\n');");
    expect(run(wide).out).toBe('λ× 2 true\n');
    expect(run(wide).out).toBe('λ× 2 true\n');
  });

  it('the bundles are built wrapped, in ASCII alone', () => {
    for (const file of [batch, repl]) {
      if (!existsSync(file)) continue; // not built (said above)
      const text = readFileSync(file, 'latin1');
      const [head, tail] = Module.wrap('\0').split('\0');
      expect(text.startsWith(head) && text.endsWith(tail), file).toBe(true);
      expect(/[^\x00-\x7f]/.test(text), file).toBe(false);
    }
  });

  it('a damaged cache is rejected, the bundle runs anyway, and the cache is made again', () => {
    run();
    const good = readFileSync(`${bundle}.cache`);
    const bad = Buffer.from(good);
    for (let i = 0; i < bad.length; i += 7) bad[i] ^= 0x5a;
    writeFileSync(`${bundle}.cache`, bad);
    const damaged = run();
    expect(damaged.out).toBe(expected);
    expect(damaged.result.cacheRejected).toBe(true);
    expect(run().result).toEqual({ cacheUsed: true, cacheRejected: false });
  });

  it("a start from the cache raises V8's interrupt budget until the command line says the start is over, then puts it back exactly", () => {
    // The budget is one of the flags V8 makes a code cache under: a probe's cache, made under
    // the default flags, is rejected while the budget is raised and accepted once it is back.
    const probeSource = 'function probe() { return 1; } probe();';
    const probeCache = join(dir, 'probe.cache');
    const made = spawnSync(process.execPath, ['-e', `const vm = require('node:vm'); const s = new vm.Script(${JSON.stringify(probeSource)}); s.runInThisContext(); require('node:fs').writeFileSync(${JSON.stringify(probeCache)}, s.createCachedData());`]);
    expect(made.status).toBe(0);
    const budget = join(dir, 'budget.cjs');
    writeFileSync(budget, [
      "const vm = require('node:vm');",
      `const rejected = () => new vm.Script(${JSON.stringify(probeSource)}, { cachedData: require('node:fs').readFileSync(${JSON.stringify(probeCache)}) }).cachedDataRejected;`,
      "const over = globalThis[Symbol.for('bedrock.startupOver')];",
      'const before = rejected();',
      "if (typeof over === 'function') over();",
      // (and without loading node:v8, whose stream modules a batch command never needs)
      "const v8 = process.moduleLoadList.includes('NativeModule v8');",
      "process.stdout.write(JSON.stringify({ hook: typeof over, before, after: rejected(), left: typeof globalThis[Symbol.for('bedrock.startupOver')], v8 }));",
    ].join('\n'));
    const raises = process.versions.v8.startsWith('11.3.'); // the V8 whose default budget it puts back
    // The first start writes the cache: it leaves the budget alone, so the cache is made under the default.
    const first = run(budget);
    expect(JSON.parse(first.out)).toEqual({ hook: 'undefined', before: false, after: false, left: 'undefined', v8: false });
    // A start from the cache: raised, then put back by startupOver, once.
    for (let i = 0; i < 2; i++) {
      const next = run(budget);
      expect(next.result).toEqual({ cacheUsed: true, cacheRejected: false });
      expect(JSON.parse(next.out)).toEqual(raises
        ? { hook: 'function', before: true, after: false, left: 'undefined', v8: false }
        : { hook: 'undefined', before: false, after: false, left: 'undefined', v8: false });
    }
  });
});
