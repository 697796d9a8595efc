/*
 * SIGINT in piped and batch runs (issue 11 item 3): it stops the evaluation running, runs its
 * ensure blocks (as Ctrl-C in the REPL does), runs no more of the input, and exits with a
 * clear message and status 130. A real child process, interrupted with kill -INT.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../bin/bedrock.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'bedrock-sigint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PROGRAM = "Before := 1\n[[true] whileTrue: [Spin := 1]] ensure: [Transcript showln: 'ensured']\nAfter := 2\n";

async function interrupted(args: string[]): Promise<{ status: number | null; out: string; err: string }> {
  const proc = spawn(process.execPath, [bin, ...args], { cwd: dir });
  let out = '', err = '';
  proc.stdout.on('data', (d) => { out += String(d); });
  proc.stderr.on('data', (d) => { err += String(d); });
  proc.stdin.write(PROGRAM); // stdin stays open: the run is stopped by the signal, not the end of input
  // Once the first statement answered, the loop is (about to be) running.
  await new Promise<void>((done) => { const t = setInterval(() => { if (out.startsWith('1\n')) { clearInterval(t); done(); } }, 20); });
  await new Promise((done) => setTimeout(done, 1500));
  proc.kill('SIGINT');
  const status = await new Promise<number | null>((done) => proc.on('exit', (code) => done(code)));
  return { status, out, err };
}

describe('SIGINT in piped Forth', () => {
  it('stops a Forth line that does not end, runs no more of the input, exits 130', async () => {
    const proc = spawn(process.execPath, [bin, 'forth.image'], { cwd: dir });
    let out = '', err = '';
    proc.stdout.on('data', (d) => { out += String(d); });
    proc.stderr.on('data', (d) => { err += String(d); });
    proc.stdin.write('.forth\n1 .\n: SPIN BEGIN AGAIN ;\nSPIN\n2 .\n');
    await new Promise<void>((done) => { const t = setInterval(() => { if (out.includes('1 ')) { clearInterval(t); done(); } }, 20); });
    await new Promise((done) => setTimeout(done, 1500));
    proc.kill('SIGINT');
    const status = await new Promise<number | null>((done) => proc.on('exit', (code) => done(code)));
    expect({ out, err }).toMatchObject({ err: expect.stringMatching(/User interrupt/) });
    expect(err).toMatch(/bedrock: interrupted \(SIGINT\)/);
    expect(out).not.toMatch(/2 /);
    expect(status).toBe(130);
  }, 120_000);
});

describe('SIGINT in batch runs', () => {
  it.each([[['piped.image']], [['run', '-']]])('bedrock %j: stops the loop, runs its ensure block, exits 130', async (args) => {
    const r = await interrupted(args);
    expect(r.out).toBe('1\nensured\n');
    expect(r.err).toMatch(/Interrupted/);
    expect(r.err).toMatch(/bedrock: interrupted \(SIGINT\): the evaluation running was stopped and its ensure blocks ran; the rest of the input was not run/);
    expect(r.status).toBe(130);
  }, 120_000);
});
