/*
 * One writer per image (issue 17 item 2), with real processes running the `bedrock` program:
 * while one session holds an image, a second is refused with a message naming the holder
 * (its pid), and looking at the image (eval) still works; when the holder is killed with
 * SIGKILL, its lock is stale and the next session takes it over, and finds the holder's
 * acknowledged changes in the journal; a session that ends gives its lock up.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../bin/bedrock.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'bedrock-lock-'));
const children: ChildProcessWithoutNullStreams[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function bedrock(args: string[], input = ''): { status: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { input, cwd: dir, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** A session kept open on `image` (piped mode, stdin left open); resolves once it answered `line`. */
async function holder(image: string, line: string, answer: string): Promise<{ proc: ChildProcessWithoutNullStreams; out: () => string }> {
  const proc = spawn(process.execPath, [bin, image], { cwd: dir });
  children.push(proc);
  let out = '', err = '';
  proc.stdout.on('data', (d) => { out += String(d); });
  proc.stderr.on('data', (d) => { err += String(d); });
  // An entry is complete when the next line begins: a dot-command line follows it.
  proc.stdin.write(line + '\n.marks\n');
  await new Promise<void>((done, fail) => {
    const t = setInterval(() => {
      if (out.split('\n').includes(answer)) { clearInterval(t); done(); }
      if (proc.exitCode !== null) { clearInterval(t); fail(new Error(`the holder ended: ${out} ${err}`)); }
    }, 20);
  });
  return { proc, out: () => out };
}

function ended(proc: ChildProcessWithoutNullStreams): Promise<void> {
  return new Promise((done) => {
    if (proc.exitCode !== null || proc.signalCode !== null) done();
    else proc.on('exit', () => done());
  });
}

describe('one writer per image', () => {
  it('a second session is refused, naming the holder; after the holder is killed its lock is taken over', async () => {
    const { proc } = await holder('a.image', 'Held := 6 * 7', '42');
    const lock = JSON.parse(readFileSync(join(dir, 'a.image.lock'), 'utf8')) as { pid: number };
    expect(lock.pid).toBe(proc.pid);

    const second = bedrock(['a.image'], 'Other := 1\n.save\n');
    expect(second.status).toBe(1);
    expect(second.err).toContain(`a.image is in use: it is open in process ${proc.pid} on `);
    expect(second.out).toBe('');
    // Saving as that image from another session is refused too.
    const saveAs = bedrock(['b.image'], "Image saveAs: 'a.image'\n");
    expect(saveAs.err).toContain(`it is open in process ${proc.pid}`);
    // Looking is not writing.
    expect(bedrock(['eval', '--image', 'a.image', '3 + 4'])).toMatchObject({ status: 0, out: '7\n' });

    proc.kill('SIGKILL');
    await ended(proc);
    expect(existsSync(join(dir, 'a.image.lock'))).toBe(true); // left behind by the killed holder
    const next = bedrock(['a.image'], '.recover\nHeld\n.save\n');
    expect(next.err).toBe('bedrock: 1 change since the last save, from ' + next.err.split('from ')[1]);
    expect(next.err).toContain(': .recover replays it; anything else done first sets it aside');
    expect(next.out.split('\n')).toEqual(['replayed 1 of 1 change', '42', expect.stringMatching(/^saved /), '']);
    expect(next.status).toBe(0);
    // The session ended and gave the image up.
    expect(existsSync(join(dir, 'a.image.lock'))).toBe(false);
  }, 120_000);

  it('a session that ends gives the image up; the next one opens it', async () => {
    const { proc } = await holder('c.image', 'C := 5', '5');
    proc.stdin.end('.save\n');
    await ended(proc);
    expect(proc.exitCode).toBe(0);
    expect(existsSync(join(dir, 'c.image.lock'))).toBe(false);
    expect(bedrock(['c.image'], 'C\n')).toMatchObject({ status: 0, out: '5\n' });
  }, 120_000);
});
