/*
 * No recursion reaches the host's stack limit (issue 17 item 4: no input reaches an internal
 * error). Translated code nests a WebAssembly call for each machine call, and a large method's
 * frames are large: a runaway recursion through a Karatsuba step with no base case (a
 * threshold of 3 digits once made one) ran the host out of stack before the machine's stack
 * ran out ("internal error: Maximum call stack size exceeded", exit 70). Calls are counted by
 * the size of their frames, and a host stack that runs out anyway is a StackOverflow fault
 * like the machine's own. The real `bedrock` runs with a host stack smaller than node's
 * default (--stack-size, in KB), where the old counting failed at once.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../bin/bedrock.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'bedrock-host-stack-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const RUNAWAY = `Integer runaway: b as: aClass ->
    | n m k a0 a1 b0 b1 z0 z1 z2 r |
    n := self digitLength. m := b digitLength.
    n < m ifTrue: [^b runaway: self as: aClass].
    r := aClass new: n + m.
    m < 3 ifTrue: [^r digitMultiply: self by: b].
    k := n + 1 // 2.
    a0 := self digitsFrom: 0 count: k.
    a1 := self digitsFrom: k count: n - k.
    m <= k ifTrue: [
        r digitAdd: (a0 runaway: b as: LargePositiveInteger) at: 0.
        r digitAdd: (a1 runaway: b as: LargePositiveInteger) at: k.
        ^r].
    b0 := b digitsFrom: 0 count: k.
    b1 := b digitsFrom: k count: m - k.
    z0 := a0 runaway: b0 as: LargePositiveInteger.
    z2 := a1 runaway: b1 as: LargePositiveInteger.
    z1 := ((LargePositiveInteger new: k + 1) digitAdd: a0 and: a1)
        runaway: ((LargePositiveInteger new: k + 1) digitAdd: b0 and: b1) as: LargePositiveInteger.
    z1 digitSubtract: z0 at: 0.
    z1 digitSubtract: z2 at: 0.
    r digitAdd: z0 at: 0.
    r digitAdd: z2 at: k + k.
    r digitAdd: z1 at: k.
    ^r
Smalltalk stackLimit: 20000
(2 raisedTo: 80) runaway: (2 raisedTo: 80) as: LargePositiveInteger
Transcript showCr: 'still here'
`;
writeFileSync(join(dir, 'runaway.bedrock'), RUNAWAY);

describe('a runaway recursion through a large method, on a small host stack', () => {
  it.each([200, 100])('ends in a StackOverflow fault with a host stack of %i KB, and the program goes on', (kb) => {
    const r = spawnSync(process.execPath, [`--stack-size=${kb}`, bin, 'run', 'runaway.bedrock'], { cwd: dir, encoding: 'utf8', timeout: 300_000 });
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.stderr).toMatch(/StackOverflow fault/);
    expect(r.stdout).toContain('still here');
    expect(r.status).toBe(1);
  });
});
