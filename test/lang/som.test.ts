/*
 * SOM's class syntax (src/lang/som.ts), and `bedrock run FILE.som ARGS` running a class path
 * as a SOM VM does (src/cli/som-run.ts): classes defined superclasses first whatever the
 * files' order, the class sent `new run: args`, `Smalltalk exit:` giving the exit status.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readSourceFile } from '../../src/lang/filein.ts';
import { somToSmalltalk } from '../../src/lang/som.ts';

const COUNTER = `"A counter, in SOM's syntax"
Counter = Base (
  | count step |
  init = ( count := 0. step := 1 )
  bump = ( count := count + step. ^count )
  + other = ( ^count + other count )
  count = ( ^count )
  from: a by: b = ( count := a. step := b )
  ----
  | made |
  new = ( made := (made ifNil: [0]) + 1. ^super new init )
  made = ( ^made )
)
`;

describe("SOM's class syntax", () => {
  it('becomes bracket syntax in place, line for line, with the classes it defines', () => {
    const r = somToSmalltalk(COUNTER);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.classes).toEqual([{ name: 'Counter', superclass: 'Base' }]);
    expect(r.text.split('\n').length).toBe(COUNTER.split('\n').length);
    expect(r.text).toContain('Base subclass: Counter [');
    expect(r.text).toContain('  bump [ count := count + step. ^count ]');
    expect(r.text).toContain('  + other [ ^count + other count ]');
    expect(r.text).toContain('  from: a by: b [ count := a. step := b ]');
    expect(r.text).toContain('] Counter class extend [');
    const read = readSourceFile(COUNTER, 'Counter.som');
    expect(read.error).toBeUndefined();
    expect(read.items.length).toBeGreaterThan(0);
  });

  it('a class with no superclass is an Object; parentheses in strings, comments and characters do not count', () => {
    const r = somToSmalltalk("Odd = (\n  s = ( ^'(' , ')))' )\n  c = ( \"(\" ^$( )\n)\n");
    expect(r.ok && r.text).toBe("Object subclass: Odd [\n  s [ ^'(' , ')))' ]\n  c [ \"(\" ^$( ]\n]\n");
  });

  it('a primitive method is left out with a note; a malformed class is a syntax error with its line', () => {
    const r = somToSmalltalk('P = (\n  foo = primitive\n  bar = ( ^1 )\n)\n');
    expect(r.ok && r.notes).toEqual(['P>>foo is a SOM primitive, left out']);
    const bad = readSourceFile('Q = (\n  foo = ( ^1 )\n  bar ^2\n)\n', 'Q.som');
    expect(bad.error?.message).toBe("expected '=' after the method's pattern");
    expect(bad.error?.position.line).toBe(3);
    expect(readSourceFile('R = (\n  foo = ( ^1\n', 'R.som').error?.message).toBe("a '(' is not closed");
  });
});

const bin = fileURLToPath(new URL('../../bin/bedrock.js', import.meta.url));
const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

describe('bedrock run FILE.som', () => {
  it('loads the class path (superclasses first), sends the class new run: args, and exits as Smalltalk exit: says', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bedrock-som-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'core'));
    // Files whose names sort before their superclass's, in a subdirectory too.
    writeFileSync(join(dir, 'Counter.som'), COUNTER);
    writeFileSync(join(dir, 'core', 'Base.som'), 'Base = (\n  hello = ( ^\'base\' )\n)\n');
    writeFileSync(join(dir, 'Main.som'), [
      'Main = (',
      '  run: args = (',
      '    | c |',
      '    c := Counter new from: (args at: 2) asInteger by: 10.',
      '    c bump; bump.',
      "    ScriptConsole println: c count printString , ' ' , c hello , ' ' , (c + Counter new) printString , ' ' , Counter made printString.",
      '    args size > 2 ifTrue: [ Smalltalk exit: (args at: 3) asInteger ].',
      "    ('sum ' , 3 printString) println. 42 println. #y println.",
      "    ScriptConsole println: 'done'",
      '  )',
      ')',
      '',
    ].join('\n'));
    const cache = join(dir, 'cache');
    const run = (...args: string[]) => spawnSync(process.execPath, [bin, 'run', join(dir, 'Main.som'), ...args],
      { encoding: 'utf8', timeout: 120_000, env: { ...process.env, BEDROCK_CLASSPATH_CACHE: cache } });
    const ok = run('5');
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toBe('25 base 25 2\nsum 3\n42\ny\ndone\n');
    expect(ok.status).toBe(0);
    const exits = run('5', '3');
    expect(exits.stdout).toBe('25 base 25 2\n');
    expect(exits.status).toBe(3);
  });
});

describe('bedrock run FILE.som keeps its class path compiled (src/cli/class-path-cache.ts)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bedrock-som-cache-'));
  dirs.push(dir);
  const cache = join(dir, 'cache');
  const main = (word: string): string => `Main = (\n  run: args = ( ScriptConsole println: Helper new word , '${word}' )\n)\n`;
  writeFileSync(join(dir, 'Helper.som'), "Helper = (\n  word = ( ^'hello ' )\n)\n");
  const run = (env: Record<string, string> = {}) => spawnSync(process.execPath, [bin, 'run', join(dir, 'Main.som')],
    { encoding: 'utf8', timeout: 120_000, cwd: dir, env: { ...process.env, BEDROCK_CLASSPATH_CACHE: cache, ...env } });
  const images = (): string[] => readdirSync(cache).filter((n) => n.endsWith('.image')).sort();

  it('compiles once, opens the compiled image after, and compiles again for any change of a file', () => {
    writeFileSync(join(dir, 'Main.som'), main('world'));
    const first = run();
    expect(first.stderr).toBe('');
    expect(first.stdout).toBe('hello world\n');
    const [kept] = images();
    expect(images()).toHaveLength(1);
    const made = statSync(join(cache, kept)).mtimeMs;
    // Another text is another class path: compiled and kept beside the first.
    writeFileSync(join(dir, 'Main.som'), main('there'));
    expect(run().stdout).toBe('hello there\n');
    expect(images()).toHaveLength(2);
    // The first text again: its image is opened, not compiled and written again.
    writeFileSync(join(dir, 'Main.som'), main('world'));
    const again = run();
    expect(again.stdout).toBe('hello world\n');
    expect(again.status).toBe(0);
    expect(images()).toHaveLength(2);
    expect(statSync(join(cache, kept)).mtimeMs).toBe(made);
  });

  it('keeps nothing when loading failed or printed, nor in a directory others can write', () => {
    const other = join(dir, 'cache-shared');
    mkdirSync(other, { mode: 0o700 });
    chmodSync(other, 0o777);
    writeFileSync(join(dir, 'Main.som'), main('shared'));
    const shared = run({ BEDROCK_CLASSPATH_CACHE: other });
    expect(shared.stdout).toBe('hello shared\n');
    expect(readdirSync(other)).toEqual([]);
    const before = images().length;
    writeFileSync(join(dir, 'Broken.som'), 'Broken = (\n  oops = ( ^ )\n)\n');
    const broken = run();
    expect(broken.stderr).not.toBe('');
    expect(images()).toHaveLength(before);
    rmSync(join(dir, 'Broken.som'));
  });
});
