/*
 * Crash safety, with child processes killed by SIGKILL (child.ts):
 *
 *   - in the middle of a save, at every point of it (temporary file made, half written,
 *     written, synced, backup made, renamed): the image opens afterwards, as it was before
 *     the save or as after it, never damaged; the changes acknowledged before the save are
 *     there either way (in the image, or replayed from the journal); stale temporary files
 *     are cleared by the next save;
 *   - while definitions are being made one after another: every one the child acknowledged
 *     comes back from the journal.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyHeap } from '../../kernel/memory/verify.ts';
import { Session } from '../../src/session/session.ts';
import type { SavePoint } from '../../image/save.ts';

const dir = mkdtempSync(join(tmpdir(), 'bedrock-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const base = join(dir, 'base.image');
const child = fileURLToPath(new URL('./child.ts', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));

beforeAll(() => {
  const s = Session.open(base);
  if (!(s instanceof Session)) throw new Error(s.message);
  s.close();
});

function open(path: string): Session {
  const s = Session.open(path, { create: false });
  if (!(s instanceof Session)) throw new Error(`${s.check}: ${s.message}`);
  return s;
}

function texts(s: Session, source: string): string[] {
  return s.evaluate(source).map((o) => o.text);
}

const POINTS: readonly SavePoint[] = ['temp-created', 'temp-half-written', 'temp-written', 'temp-synced', 'backup-made', 'renamed'];

describe('crash safety', () => {
  it.each(POINTS)('SIGKILL during a save (%s) leaves an image that opens, and loses nothing acknowledged', (point) => {
    const path = join(dir, `${point}.image`);
    copyFileSync(base, path);
    const r = spawnSync(process.execPath, ['--import', 'tsx', child, 'save-kill', path, point], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.signal).toBe('SIGKILL');
    expect(r.stdout).toBe('acknowledged\n');
    const s = open(path);
    const renamed = point === 'renamed';
    // Before the rename the old image is there, and the changes wait in the journal.
    expect(s.pendingJournal().map((e) => e.kind)).toEqual(renamed ? [] : ['doit', 'define', 'doit', 'mark']);
    if (!renamed) expect(s.recover()).toEqual({ replayed: 4 });
    expect(texts(s, 'Answer\nThing new answer')).toEqual(['42', "'yes'"]);
    expect(s.bedrock.kernel.marks()).toEqual(['saved']);
    expect(verifyHeap(s.bedrock.kernel.heap)).toEqual([]);
    // The next save clears what the killed one left behind.
    expect(s.save()).toEqual({ ok: true });
    expect(readdirSync(dir).filter((f) => f.startsWith(`.${point}.image.tmp-`)), readdirSync(dir).join(" ")).toEqual([]);
    s.close();
    const again = open(path);
    expect(again.pendingJournal()).toEqual([]);
    expect(texts(again, 'Answer')).toEqual(['42']);
    again.close();
  });

  it('SIGKILL while definitions are being made loses none that were acknowledged', async () => {
    const path = join(dir, 'acks.image');
    copyFileSync(base, path);
    const proc = spawn(process.execPath, ['--import', 'tsx', child, 'ack-loop', path], { cwd: root });
    let out = '', err = '';
    proc.stderr.on('data', (d) => { err += String(d); });
    const acked = await new Promise<number>((done, fail) => {
      proc.stdout.on('data', (d) => {
        out += String(d);
        const acks = out.match(/ack \d+\n/g) ?? [];
        if (acks.length >= 25) proc.kill('SIGKILL');
      });
      proc.on('exit', (_code, signal) => {
        if (signal !== 'SIGKILL') { fail(new Error(`the child ended by itself: ${err}`)); return; }
        done((out.match(/ack \d+\n/g) ?? []).length);
      });
    });
    expect(acked).toBeGreaterThanOrEqual(25);
    const s = open(path);
    const pending = s.pendingJournal();
    // Every acknowledged change is there (one more may have been written, unacknowledged).
    expect(pending.length).toBeGreaterThanOrEqual(1 + 2 * acked);
    const r = s.recover();
    expect(r.failures).toBeUndefined();
    expect(texts(s, `Counter n${acked}\nV${acked}\nCounter n1`)).toEqual([String(acked), String(2 * acked), '1']);
    s.close();
  });
});
