/*
 * Choosing the tier from the command line (issue 10 item 7): --tier interpret|translate|auto on
 * any command that runs code, as a user types it, in child processes running the real
 * `bedrock` program; `.see` says which tier a method runs in now.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../bin/bedrock.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'bedrock-tier-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function bedrock(args: string[], input = ''): { status: number; out: string; err: string } {
  const env = { ...process.env };
  delete env.BEDROCK_TIER;
  const r = spawnSync(process.execPath, [bin, ...args], { input, cwd: dir, encoding: 'utf8', timeout: 120_000, env });
  return { status: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const FIB = 'Integer fib -> self < 2 ifTrue: [^self]. ^(self - 1) fib + (self - 2) fib\n20 fib\n.see Integer>>fib\n';

describe('--tier', () => {
  it('translate: the same answers, and .see says the method runs translated', () => {
    const r = bedrock(['--tier', 'translate'], FIB);
    expect(r.out).toContain('6765');
    expect(r.out).toMatch(/tier: translated to WebAssembly/);
  });

  it('interpret: the same answers, and .see says the interpreter runs everything', () => {
    const r = bedrock(['--tier', 'interpret'], FIB);
    expect(r.out).toContain('6765');
    expect(r.out).toMatch(/tier: the interpreter only/);
  });

  it('auto (the default) translates what is hot; eval takes --tier too', () => {
    const r = bedrock([], FIB);
    expect(r.out).toContain('6765');
    expect(r.out).toMatch(/tier: translated to WebAssembly/);
    const e = bedrock(['eval', '(1 to: 10) inject: 0 into: [:a :b | a + b]', '--tier', 'translate']);
    expect(e.out.trim()).toBe('55');
    expect(e.status).toBe(0);
  });

  it('anything else is a usage error that says what it expected', () => {
    const r = bedrock(['--tier', 'fast', 'eval', '3 + 4']);
    expect(r.status).toBe(2);
    expect(r.err).toMatch(/--tier interpret\|translate\|auto, found 'fast'/);
  });
});
