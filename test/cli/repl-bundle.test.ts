/*
 * The REPL's bundle (dist/cli, bin/build.mjs) starts Ink's layout engine, yoga, without a
 * top-level await and without fetch: the build hands yoga's WebAssembly bytes to Emscripten's
 * instantiateWasm hook, so Node's fetch implementation (undici, about a sixth of the REPL's
 * start-up) is never loaded; and string-width's emoji expression, made and compiled at its first
 * use, is not reached by the first frame's text (src/repl/emoji.ts). A child process imports the bundle's REPL module; the start of
 * the whole REPL in a terminal is test/repl/terminal.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../../dist/cli/', import.meta.url));
const interactive = (): string => {
  const name = readdirSync(cli).find((f) => /^interactive-.*\.js$/.test(f));
  if (name === undefined) throw new Error(`no REPL module in ${cli}: run npm run build`);
  return cli + name;
};

describe('the REPL bundle', () => {
  it('has no top-level await for yoga', () => {
    expect(readFileSync(interactive(), 'utf8')).not.toMatch(/wrapAssembly\(await /);
  });

  it("puts the quick emoji test (src/repl/emoji.ts) in front of string-width's expression", () => {
    expect(readFileSync(interactive(), 'utf8')).toMatch(/mayBeEmoji\w*\(segment\) && rgiEmojiRegex\.test\(segment\)/);
  });

  it("makes string-width's emoji expression at its first test, not when Ink loads (making it costs ~12 ms)", () => {
    const text = readFileSync(interactive(), 'utf8');
    expect(text).toMatch(/rgiEmojiRegex = \{ test: \(s\) => \(__rgiEmojiRegex \?\?= new RegExp\("\^\\\\p\{RGI_Emoji\}\$", "v"\)\)\.test\(s\) \}/);
    expect(text).not.toMatch(/rgiEmojiRegex = new RegExp/);
  });

  it('loads Ink and starts yoga (the import fails if yoga did not start) without loading fetch (undici), node:assert, node:child_process or perf_hooks', () => {
    const script = `
      const m = await import(${JSON.stringify(interactive())});
      const loaded = process.moduleLoadList.filter((x) => /undici/.test(x));
      const idle = process.moduleLoadList.filter((x) => /^NativeModule (assert|child_process|perf_hooks)$/.test(x));
      process.stdout.write(JSON.stringify({ exports: Object.keys(m), undici: loaded, idle }));
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { exports: string[]; undici: string[]; idle: string[] };
    expect(out.exports).toContain('runInteractive');
    expect(out.undici).toEqual([]);
    // Nor the Node modules Ink's packages load only to use when something is amiss (bin/build.mjs, lazy-builtins).
    expect(out.idle).toEqual([]);
  });
});
