/*
 * Recovery replays everything acknowledged (issue 17 item 1), with real processes: a session
 * of the `bedrock` program is killed with SIGKILL after its acknowledgements, and the next
 * session's .recover must bring back every acknowledged definition:
 *
 *   - a statement that uses `_` (the value of the statement before it): replay sets `_` as
 *     the REPL did;
 *   - a line that changed something and then failed (`Object subclass: #Bar. 1/0`): it is
 *     journaled, marked failed, and replayed, so that what relies on it replays too;
 *   - a statement that fails on replay (it relied on a statement stopped at its step limit,
 *     which is not journaled): reported, and replay goes on past it.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { makeRandom, testSeed } from '../support/random.ts';

const bin = fileURLToPath(new URL('../../bin/bedrock.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'bedrock-recover-'));
const children: ChildProcessWithoutNullStreams[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function bedrock(args: string[], input = ''): { status: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { input, cwd: dir, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/**
 * Run `lines` in a session on `image` (piped mode), waiting after each for its answer (on
 * stdout, or stderr for an error) before sending the next; then SIGKILL it.
 */
async function runThenKill(image: string, steps: readonly [line: string, answer: RegExp][], args: string[] = []): Promise<void> {
  const proc = spawn(process.execPath, [bin, image, ...args], { cwd: dir });
  children.push(proc);
  let out = '', err = '';
  proc.stdout.on('data', (d) => { out += String(d); });
  proc.stderr.on('data', (d) => { err += String(d); });
  for (const [line, answer] of steps) {
    const [o0, e0] = [out.length, err.length];
    // An entry is complete when the next line begins: a dot-command line follows it.
    proc.stdin.write(`${line}\n.marks\n`);
    await new Promise<void>((done, fail) => {
      const t = setInterval(() => {
        if (answer.test(out.slice(o0)) || answer.test(err.slice(e0))) { clearInterval(t); done(); }
        else if (proc.exitCode !== null) { clearInterval(t); fail(new Error(`the session ended: ${out} ${err}`)); }
      }, 20);
    });
  }
  proc.kill('SIGKILL');
  await new Promise<void>((done) => proc.on('exit', () => done()));
  expect(proc.signalCode).toBe('SIGKILL');
}

describe('recovery after kill -9 replays everything acknowledged', () => {
  it('a statement that uses `_`', async () => {
    await runThenKill('underscore.image', [['3 + 4', /^7\n/m], ['V := _ * 6', /^42\n/m]]);
    const r = bedrock(['underscore.image'], '.recover\nV\n');
    expect(r.out).toBe('replayed 2 of 2 changes\n42\n');
    expect(r.status).toBe(0);
  }, 120_000);

  it('a line that defined a class and then failed, and what relies on it', async () => {
    await runThenKill('failed.image', [
      ['Object subclass: #Bar. 1/0', /ZeroDivide/],
      ['Bar class baz -> ^1', /^Bar class>>baz\n/m],
      ['Later := Bar baz + 1', /^2\n/m],
    ]);
    const r = bedrock(['failed.image'], '.changes\n.recover\nBar baz\nLater\n');
    expect(r.err).toMatch(/^bedrock: 2 changes since the last save, from .* \(and 1 statement that failed after changing something, replayed with them\): \.recover replays them; anything else done first sets them aside\n/);
    expect(r.out.split('\n').slice(-4)).toEqual(['replayed 3 of 3 changes', '1', '2', '']);
    expect(r.out).toContain('failed when made: kept for what it did before failing');
    expect(r.status).toBe(0);
  }, 120_000);

  it('replay goes on past a statement that fails, and says which', async () => {
    await runThenKill('goes-on.image', [
      ['Counter := 0. [true] whileTrue: [Counter := Counter + 1]', /StepLimit|step limit/],
      ['M := Counter + 1', /^\d+\n/m],
      ['After := 5', /^5\n/m],
      ['Object subclass: #Kept', /^Kept\n/m],
    ], ['--steps', '200000']);
    const r = bedrock(['goes-on.image'], '.recover\nAfter\nKept name\n');
    expect(r.out.split('\n')).toEqual(['5', '#Kept', '']);
    expect(r.err).toMatch(/replayed 2 of 3 changes\nchange 1 \(M := Counter \+ 1\) failed on replay: .*Counter is not defined/);
    expect(r.status).toBe(1);
  }, 120_000);
});

describe('group commit: kill -9 in the middle of a batch loses nothing acknowledged (issue 17 item 6)', () => {
  it('every statement printed before the kill is replayed', async () => {
    // 800 statements in one write: one batch (or several, one a GROUP_MS), each printed after
    // its fsync. The kill comes a seeded while after the first result is printed.
    const seed = testSeed();
    const random = makeRandom(seed);
    const waitMs = random.below(400);
    console.log(`group commit kill test: seed ${seed} (BEDROCK_SEED), kill ${waitMs} ms after the first result`);
    const n = 800;
    const proc = spawn(process.execPath, [bin, 'batch.image'], { cwd: dir });
    children.push(proc);
    let out = '';
    proc.stdout.on('data', (d) => { out += String(d); });
    proc.stdin.write(Array.from({ length: n }, (_, i) => `V${i} := ${i}\n`).join(''));
    await new Promise<void>((done, fail) => {
      const t = setInterval(() => {
        if (/^0\n/.test(out)) { clearInterval(t); done(); } else if (proc.exitCode !== null) { clearInterval(t); fail(new Error(`the session ended: ${out}`)); }
      }, 5);
    });
    await new Promise((done) => setTimeout(done, waitMs));
    proc.kill('SIGKILL');
    await new Promise<void>((done) => proc.on('exit', () => done()));
    const acknowledged = out.split('\n').filter((l) => l !== '');
    // What was printed is the results in order (a line cut short by the kill is not counted).
    const whole = out.endsWith('\n') ? acknowledged : acknowledged.slice(0, -1);
    expect(whole).toEqual(Array.from({ length: whole.length }, (_, i) => String(i)));
    const last = whole.length - 1;
    const r = bedrock(['batch.image'], `.recover\nV${last}\n`);
    const replayed = /^replayed (\d+) of \1 changes\n/.exec(r.out);
    expect(replayed, r.out + r.err).not.toBeNull();
    expect(Number(replayed![1])).toBeGreaterThanOrEqual(whole.length);
    expect(r.out.split('\n')[1]).toBe(String(last));
  }, 120_000);
});

describe('a journal belongs to its image (issue 11 item 10)', () => {
  it('after rm of an image, a new image of that name is not offered the dead image\'s changes', () => {
    expect(bedrock(['gone.image'], 'Dead := 5\n')).toMatchObject({ status: 0, out: '5\n' });
    rmSync(join(dir, 'gone.image'));
    const r = bedrock(['gone.image'], '.changes\n.recover\n');
    expect(r.out).toBe('no unsaved changes\nnothing to recover: the journal has no changes newer than the image\n');
    expect(r.err).toMatch(/gone\.image\.changes belongs to another image: it will be kept aside/);
    expect(r.err).not.toMatch(/since the last save/);
  }, 120_000);
});
