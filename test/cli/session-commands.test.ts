/*
 * The command line end to end, in child processes running the real `bedrock` program
 * (bin/bedrock.js): piped mode (a whole session of define, mark, forget, save, then a second
 * process that opens the saved image and finds the definitions), and the batch commands eval,
 * run, see, image info and bench, with their exit statuses and --help.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../bin/bedrock.js', import.meta.url));
const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

function scratch(): string {
  const d = mkdtempSync(join(tmpdir(), 'bedrock-cli-'));
  dirs.push(d);
  return d;
}

interface Ran { status: number; out: string; err: string }

function bedrock(args: string[], options: { input?: string; cwd?: string } = {}): Ran {
  const r = spawnSync(process.execPath, [bin, ...args], {
    input: options.input ?? '', cwd: options.cwd ?? scratch(), encoding: 'utf8', timeout: 120_000,
  });
  return { status: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe('piped mode', () => {
  it("prints each result plainly: echo '3 + 4' | bedrock", () => {
    const r = bedrock([], { input: '3 + 4\n' });
    expect(r.out).toBe('7\n');
    expect(r.status).toBe(0);
  });

  it('with no image named and none here, writes no file and warns of nothing, unless asked to save', () => {
    const cwd = scratch();
    const r = bedrock([], { input: 'Object subclass: #Foo\nFoo bar -> ^42\nFoo new bar\n', cwd });
    expect(r.out).toBe('Foo\nFoo>>bar\n42\n');
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    expect(readdirSync(cwd)).toEqual([]);
    const saved = bedrock([], { input: 'Object subclass: #Foo\nFoo bar -> ^42\n.save\n', cwd });
    expect(saved.out.split('\n').at(-2)).toBe('saved a new image, bedrock.image');
    expect(saved.status).toBe(0);
    expect(readdirSync(cwd).filter((f) => f.startsWith('bedrock.image'))).toContain('bedrock.image');
    // Now there is a bedrock.image here: piped mode works on it, as the REPL would.
    expect(bedrock([], { input: 'Foo new bar\n', cwd }).out).toBe('42\n');
    const other = bedrock([], { input: '.saveas other.image\n', cwd: scratch() });
    expect(other.out).toBe('saved other.image\n');
  });

  it('a session of define, mark, forget and save; a second process opens the saved image and sees it', () => {
    const cwd = scratch();
    const session = [
      "Object subclass: #Point3 instanceVariableNames: 'x y z'",
      'Point3 x -> ^x',
      'Point3 x: ax y: ay z: az ->',
      '    x := ax.',
      '    y := ay.',
      '    z := az',
      'Point3 sum -> ^x + y + z',
      '.mark before-norm',
      'Point3 norm1 -> ^x abs + y abs + z abs',
      '(Point3 new x: 1 y: -2 z: 3) norm1',
      '.marks',
      '.forget before-norm',
      '(Point3 new x: 1 y: 2 z: 3) sum',
      '.save',
      '',
    ].join('\n');
    const first = bedrock(['work.image'], { input: session, cwd });
    expect(first.out.split('\n')).toEqual([
      'Point3', 'Point3>>x', 'Point3>>x:y:z:', 'Point3>>sum', 'marked before-norm', 'Point3>>norm1', '6',
      '  1  before-norm', 'forgot everything since before-norm', '6', expect.stringMatching(/^saved work\.image \(\d+ changes\)$/), '',
    ]);
    expect(first.status).toBe(0);
    expect(existsSync(join(cwd, 'work.image'))).toBe(true);

    const second = bedrock(['work.image'], { input: '(Point3 new x: 4 y: 5 z: 6) sum\n(Point3 new x: 4 y: 5 z: 6) x\n(Point3 new x: 1 y: 1 z: 1) norm1\n.marks\n', cwd });
    expect(second.out).toBe('15\n4\nno marks\n');
    expect(second.err).toContain('does not understand #norm1');
    expect(second.status).toBe(1);
  });

  it('changes not saved stay in the journal: the next session lists them with .changes and replays them with .recover', () => {
    const cwd = scratch();
    const first = bedrock(['j.image'], { input: 'Object subclass: #Kept\nKept seven -> ^7\n', cwd });
    expect(first.err).toMatch(/2 changes not saved in j\.image/);
    const second = bedrock(['j.image'], { input: '.changes\n.recover\nKept new seven\n.save\n', cwd });
    expect(second.err).toMatch(/2 changes since the last save/);
    expect(second.out).toMatch(/^ {2}1 {2}Object subclass: #Kept {3}"from before: \.recover replays it"\n {2}2 {2}Kept seven -> \^7 .*\nreplayed 2 of 2 changes\n7\nsaved j\.image/);
    expect(bedrock(['eval', 'Kept new seven', '--image', 'j.image'], { cwd }).out).toBe('7\n');
  });

  it('--lang forth reads entries as Forth from the start, as .forth does; another language is a usage error', () => {
    const r = bedrock(['--lang', 'forth'], { input: ': SQ DUP * ;\n5 SQ .\n.smalltalk\n3 + 4\n' });
    expect(r.out).toBe('25 \nSmalltalk\n7\n');
    expect(r.status).toBe(0);
    // BYE leaves, as in gforth: nothing after it is read.
    const bye = bedrock(['--lang', 'forth'], { input: '1 . BYE 2 .\n3 .\n' });
    expect(bye.out).toBe('1 \n');
    expect(bye.status).toBe(0);
    const bad = bedrock(['--lang', 'cobol']);
    expect(bad.err).toBe("bedrock: --lang is forth or smalltalk, not 'cobol'\n");
    expect(bad.status).toBe(2);
  });

  it('an error goes to stderr with its caret, the rest still runs, and the status is 1', () => {
    const r = bedrock([], { input: '1/0\n2 + 2\n' });
    expect(r.out).toBe('4\n');
    expect(r.err).toMatch(/ZeroDivide[^\n]*\n {2}1\/0\n {2}\^~~/);
    expect(r.status).toBe(1);
  });

  it('a syntax error shows the line and a caret', () => {
    const r = bedrock(['--image', 'x.image'], { input: '#(1 2\n' });
    expect(r.err).toMatch(/line 1, column \d+: [^\n]*\n {2}#\(1 2\n {2} *\^/);
    expect(r.status).toBe(1);
  });

  it('an image that is not an image is a clear error, not a crash', () => {
    const cwd = scratch();
    writeFileSync(join(cwd, 'junk.image'), 'this is not an image');
    const r = bedrock(['junk.image'], { input: '3\n', cwd });
    expect(r.status).toBe(1);
    expect(r.err).toMatch(/^bedrock: junk\.image: magic check failed/);
    expect(r.err).not.toMatch(/at .*\.(js|ts):\d+/);
  });
});

describe('batch commands', () => {
  it('eval prints values; an error goes to stderr with status 1; no source is a usage error', () => {
    expect(bedrock(['eval', '3+4'])).toEqual({ status: 0, out: '7\n', err: '' });
    expect(bedrock(['eval', '10 factorial', '3 + 4'])).toEqual({ status: 0, out: '3628800\n7\n', err: '' });
    const bad = bedrock(['eval', 'nil foo']);
    expect(bad.status).toBe(1);
    expect(bad.err).toContain('nil does not understand #foo');
    expect(bedrock(['eval'])).toMatchObject({ status: 2, err: expect.stringContaining("eval needs source") });
  });

  it('run FILE --save keeps what the file defines; without --save the image is left as it was', () => {
    const cwd = scratch();
    writeFileSync(join(cwd, 'defs.bedrock'), 'Object subclass: #Greeter\nGreeter greet: n ->\n    | twice |\n    twice := n * 2.\n    ^twice + 1\n(Greeter new greet: 3)\n');
    const saved = bedrock(['run', 'defs.bedrock', '--image', 'g.image', '--save'], { cwd });
    expect(saved.out).toBe('Greeter\nGreeter>>greet:\n7\n');
    expect(saved.status).toBe(0);
    expect(bedrock(['eval', 'Greeter new greet: 4', '--image', 'g.image'], { cwd }).out).toBe('9\n');

    writeFileSync(join(cwd, 'more.bedrock'), 'Greeter shout -> ^42\nGreeter new shout\n');
    const before = readFileSync(join(cwd, 'g.image'));
    expect(bedrock(['run', 'more.bedrock', '--image', 'g.image'], { cwd }).out).toBe('Greeter>>shout\n42\n');
    expect(readFileSync(join(cwd, 'g.image')).equals(before)).toBe(true);
    expect(bedrock(['eval', 'Greeter new shout', '--image', 'g.image'], { cwd }).status).toBe(1);
  });

  it('run FILE.st ARGS reads GNU Smalltalk source as gst does: Transcript output, errors with the file and line, Smalltalk arguments', () => {
    const cwd = scratch();
    writeFileSync(join(cwd, 'hello.st'), [
      'Object subclass: Greeter [',
      "    greet: who [ ^'Hello, ', who, '!' ]",
      ']',
      "Smalltalk arguments do: [:each | Transcript showCr: (Greeter new greet: each)].",
      'nil frob.',
      "Transcript showCr: 'bye'.",
      '',
    ].join('\n'));
    const r = bedrock(['run', 'hello.st', 'Ann', 'Bob'], { cwd });
    expect(r.out).toBe('Hello, Ann!\nHello, Bob!\nbye\n');
    expect(r.err.split('\n')[0]).toBe('hello.st:5:1: nil does not understand #frob');
    expect(r.status).toBe(1);
    // A Bedrock file's errors name the file and the line too (not the line within its item).
    writeFileSync(join(cwd, 'two.bedrock'), '3 + 4\n\nFoo bar ->\n    ^3 +\n');
    const b = bedrock(['run', 'two.bedrock'], { cwd });
    expect(b.out).toBe('7\n');
    expect(b.err.split('\n')[0]).toBe("two.bedrock:4:9: expected an argument after '+'");
  });

  it('run --quiet prints only what the program prints, and its errors, as gst FILE does', () => {
    const cwd = scratch();
    writeFileSync(join(cwd, 'q.bedrock'), "Object subclass: #Foo\nFoo bar -> ^42\nTranscript show: 'x='; show: Foo new bar printString; cr\nFoo new bar\nTranscript show: 'no newline'\n");
    const r = bedrock(['run', 'q.bedrock', '--quiet'], { cwd });
    expect(r.out).toBe('x=42\nno newline');
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    writeFileSync(join(cwd, 'bad.bedrock'), 'Transcript show: 1 printString; cr\n1/0\n');
    const bad = bedrock(['run', 'bad.bedrock', '--quiet'], { cwd });
    expect(bad.out).toBe('1\n');
    expect(bad.err).toMatch(/^bad\.bedrock:2:1: ZeroDivide/);
    expect(bad.status).toBe(1);
  });

  it('run --save does not save when something failed', () => {
    const cwd = scratch();
    writeFileSync(join(cwd, 'bad.bedrock'), 'Object subclass: #Half\nnil frob\n');
    const r = bedrock(['run', 'bad.bedrock', '--image', 'h.image', '--save'], { cwd });
    expect(r.status).toBe(1);
    expect(r.err).toContain('not saved');
  });

  it("see prints a method's source, threaded code and native code", () => {
    const r = bedrock(['see', 'SmallInteger>>factorial']);
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/^(SmallInteger|Integer)>>factorial/);
    expect(r.out).toContain('source');
    expect(r.out).toContain('native code');
    const missing = bedrock(['see', 'Object>>noSuchThing']);
    expect(missing.status).toBe(1);
    expect(missing.err).toContain('does not understand #noSuchThing');
    expect(bedrock(['see', 'nonsense']).status).toBe(1);
  });

  it("image info describes an image and refuses a damaged one", () => {
    const cwd = scratch();
    expect(bedrock(['eval', '1', '--image', 'i.image'], { cwd }).status).toBe(2); // no such image (unreadable input): eval does not make one
    bedrock(['i.image'], { input: '.save\n', cwd });
    const r = bedrock(['image', 'info', 'i.image'], { cwd });
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/^image {5}i\.image\n/);
    expect(r.out).toMatch(/checks {4}all pass/);
    const bytes = readFileSync(join(cwd, 'i.image'));
    bytes[bytes.length - 100] ^= 0xff;
    writeFileSync(join(cwd, 'broken.image'), bytes);
    const broken = bedrock(['image', 'info', 'broken.image'], { cwd });
    expect(broken.status).toBe(1);
    expect(broken.err).toMatch(/checks {4}FAILED: broken\.image: \w+ check failed/);
  });

  it('bench runs the benchmarks program (an unknown name is its usage error)', () => {
    const r = bedrock(['bench', 'no-such-benchmark']);
    expect(r.status).toBe(2);
    expect(r.err).toContain('no benchmark matches no-such-benchmark');
  });

  it('--help for the whole and for each command; unknown commands are usage errors', () => {
    const all = bedrock(['--help']);
    expect(all.status).toBe(0);
    for (const c of ['eval', 'run FILE', 'see', 'image info', 'bench', 'asm', 'disasm', 'exec', '[IMAGE]']) expect(all.out).toContain(c);
    for (const c of ['eval', 'run', 'see', 'image', 'bench', 'asm']) {
      const h = bedrock([c, '--help']);
      expect(h.status).toBe(0);
      expect(h.out).toMatch(new RegExp(`^usage: bedrock ${c}`));
    }
    const version = bedrock(['--version']);
    expect(version.status).toBe(0);
    expect(version.out).toMatch(/^bedrock \d+\.\d+\.\d+ \(Node v\d+/);
    const unknown = bedrock(['frobnicate']);
    expect(unknown.status).toBe(2);
    expect(unknown.err).toMatch(/unknown command 'frobnicate'/);
  });
});
