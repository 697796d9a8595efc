/*
 * Only regular files are images and journals (issue 17 items 5 and 8, the file parts): a FIFO
 * as the image or the journal blocked the open forever, and a journal symlinked to /dev/zero
 * was read until memory ran out; now each is refused (or, for a journal, not read and moved
 * aside at the first change) at once. A link to a regular file stands for it: saving through a
 * symlinked image writes the file it points to (the link stays a link), and a symlinked journal
 * is appended to through its link.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadImage } from '../../image/open.ts';
import { scanJournal } from '../../image/journal.ts';
import { Session } from '../../src/session/session.ts';
import { systemImagePath } from '../support/system.ts';

const dir = mkdtempSync(join(tmpdir(), 'bedrock-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const template = systemImagePath('native');

function fifo(path: string): string {
  const r = spawnSync('mkfifo', [path]);
  if (r.status !== 0) throw new Error(`mkfifo: ${String(r.stderr)}`);
  return path;
}

function open(path: string): Session {
  const s = Session.open(path, { template });
  if (!(s instanceof Session)) throw new Error(`${s.check}: ${s.message}`);
  return s;
}

describe('only regular files', () => {
  it('a FIFO as the image is refused at once', () => {
    const path = fifo(join(dir, 'fifo.image'));
    expect(loadImage(path)).toMatchObject({ ok: false, check: 'file', message: 'is a FIFO, not a regular file' });
    expect(Session.open(path)).toMatchObject({ ok: false, check: 'file', message: 'is a FIFO, not a regular file' });
    // So is a link to it.
    symlinkSync(path, join(dir, 'to-fifo.image'));
    expect(Session.open(join(dir, 'to-fifo.image'))).toMatchObject({ ok: false, message: 'is a FIFO, not a regular file' });
  });

  it('a FIFO as the journal is not read, and is moved aside at the first change', () => {
    const path = join(dir, 'jfifo.image');
    open(path).close();
    fifo(`${path}.changes`);
    const s = open(path);
    expect(s.notes.join('\n')).toMatch(/jfifo\.image\.changes is a FIFO, not a regular file: it is not read/);
    expect(s.evaluate('X := 41 + 1').map((o) => o.text)).toEqual(['42']);
    s.close();
    expect(statSync(`${path}.changes`).isFile()).toBe(true);
    expect(readdirSync(dir).some((f) => f.startsWith('jfifo.image.changes.unreadable-'))).toBe(true);
    const t = open(path);
    expect(t.pendingJournal().map((e) => e.source)).toEqual(['X := 41 + 1']);
    t.close();
  });

  it('a journal linked to /dev/zero is not read; the link (not the device) is moved aside', () => {
    const path = join(dir, 'zero.image');
    open(path).close();
    symlinkSync('/dev/zero', `${path}.changes`);
    expect(scanJournal(`${path}.changes`).unreadable).toBe('is a character device, not a regular file');
    const s = open(path);
    expect(s.evaluate('Y := 7').map((o) => o.text)).toEqual(['7']);
    s.close();
    expect(lstatSync(`${path}.changes`).isFile()).toBe(true);
    expect(statSync('/dev/zero').isCharacterDevice()).toBe(true);
  });

  it('saving through a symlinked image writes the file it points to; its journal and .bak are beside it', () => {
    const realDir = join(dir, 'real');
    mkdirSync(realDir);
    const real = join(realDir, 'real.image');
    copyFileSync(template, real);
    const link = join(dir, 'link.image');
    symlinkSync(real, link);
    const s = open(link);
    expect(s.path).toBe(real);
    expect(s.evaluate('Through := 5').map((o) => o.text)).toEqual(['5']);
    expect(s.save()).toEqual({ ok: true });
    s.close();
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readdirSync(realDir).sort()).toEqual(['real.image', 'real.image.bak', 'real.image.changes']);
    const t = open(real);
    expect(t.evaluate('Through').map((o) => o.text)).toEqual(['5']);
    t.close();
  });

  it('a symlinked journal is appended to through its link', () => {
    const path = join(dir, 'jlink.image');
    open(path).close();
    const elsewhere = join(dir, 'elsewhere.changes');
    const first = open(path);
    expect(first.evaluate('Z := 1').map((o) => o.text)).toEqual(['1']);
    first.close();
    // The journal moves elsewhere, and a link takes its place.
    spawnSync('mv', [`${path}.changes`, elsewhere]);
    symlinkSync(elsewhere, `${path}.changes`);
    const s = open(path);
    expect(s.pendingJournal().map((e) => e.source)).toEqual(['Z := 1']);
    expect(s.recover()).toEqual({ replayed: 1 });
    expect(s.evaluate('W := 2').map((o) => o.text)).toEqual(['2']);
    s.close();
    expect(lstatSync(`${path}.changes`).isSymbolicLink()).toBe(true);
    expect(scanJournal(elsewhere).entries.map((e) => e.source)).toEqual(['Z := 1', 'W := 2']);
  });
});
