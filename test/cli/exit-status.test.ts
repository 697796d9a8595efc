/*
 * Exit statuses, command by command, against the README's rule: 0 ok; 1 the program failed (an
 * error in the source, a machine fault, an image that does not pass its checks); 2 bad
 * arguments or input that cannot be read at all (no such file, a directory); `Smalltalk exit: N`
 * exits with N. Each row runs the real `bedrock` program (bin/bedrock.js) in a child process.
 * Also: a statement that changed nothing is not reported as an unsaved change.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../bin/bedrock.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'bedrock-exit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

writeFileSync(join(dir, 'ok.bedrock'), 'Transcript showCr: 1 printString\n');
writeFileSync(join(dir, 'fault.bedrock'), '1/0\n');
writeFileSync(join(dir, 'syntax.bedrock'), '3 +\n');
writeFileSync(join(dir, 'exit.bedrock'), 'Transcript showCr: 1 printString\nSmalltalk exit: 3\nTranscript showCr: 2 printString\n');
writeFileSync(join(dir, 'junk.image'), 'not an image at all\n');
mkdirSync(join(dir, 'adir'));

function bedrock(args: readonly string[], input = ''): { status: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { input, cwd: dir, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status ?? -1, out: r.stdout, err: r.stderr };
}

// [expected status, arguments, stdin]
const TABLE: readonly (readonly [number, readonly string[], string?])[] = [
  [0, ['eval', '3 + 4']],
  [1, ['eval', '1/0']],
  [4, ['eval', 'Smalltalk exit: 4']],
  [2, ['eval']],
  [2, ['eval', '3', '--image', 'missing.image']],
  [1, ['eval', '3', '--image', 'junk.image']],
  [0, ['run', 'ok.bedrock']],
  [1, ['run', 'fault.bedrock']],
  [1, ['run', 'syntax.bedrock']],
  [3, ['run', 'exit.bedrock']],
  [2, ['run', 'missing.bedrock']],
  [2, ['run', 'adir']],
  [2, ['run', 'ok.bedrock', '--image', 'missing.image']],
  [0, ['see', 'Object>>printString']],
  [1, ['see', 'Nope>>x']],
  [2, ['see']],
  [1, ['image', 'info', 'junk.image']],
  [2, ['image', 'info', 'missing.image']],
  [0, [], '3 + 4\n'],
  [1, [], '1/0\n'],
  [5, [], 'Smalltalk exit: 5\n3 + 4\n'],
  [1, ['junk.image'], '3 + 4\n'],
  [2, ['adir'], '3 + 4\n'],
  [2, ['asm', 'frob rax']],
  [2, ['frobnicate']],
];

describe('exit statuses follow the rule: 0 ok, 1 the program failed, 2 bad arguments or unreadable input', () => {
  it.each(TABLE.map(([status, args, input]) => ({ status, args, input, name: `bedrock ${args.join(' ')}${input ? ` < ${JSON.stringify(input)}` : ''}` })))(
    '$name exits with $status',
    ({ status, args, input }) => {
      const r = bedrock(args, input);
      expect(r.status, `stdout: ${r.out}\nstderr: ${r.err}`).toBe(status);
      // Never a stack trace.
      expect(r.err).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
    },
  );

  it('Smalltalk exit: N prints what ran before it and runs nothing after it', () => {
    const r = bedrock(['run', 'exit.bedrock']);
    expect(r.out).toBe('1\na Transcript\n'); // the first statement's output and value, nothing of the third
    const e = bedrock(['eval', 'Transcript showCr: 9 printString. Smalltalk exit: 0']);
    expect(e).toEqual({ status: 0, out: '9\n', err: '' });
  });
});

describe('unsaved changes', () => {
  it('a statement that changed nothing is not one; a definition or an assignment is', () => {
    expect(bedrock([], '.saveas u.image\n').status).toBe(0);
    const looked = bedrock(['u.image'], '3 + 4\n#(1 2) printString\n');
    expect(looked).toEqual({ status: 0, out: "7\n'#(1 2)'\n", err: '' });
    const changed = bedrock(['u.image'], '3 + 4\nX := 3\nObject subclass: #Foo\n');
    expect(changed.status).toBe(0);
    expect(changed.err).toMatch(/^bedrock: 2 changes not saved in u\.image/);
  });
});
