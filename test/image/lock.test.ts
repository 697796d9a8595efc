/*
 * The image lock (image/lock.ts) on its own: who holds it, and when a lock left behind is
 * stale (its process gone, or its pid now another process's) and taken over. Two real
 * sessions in two processes: test/cli/lock.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ImageLock, lockHolder, lockPath, processStart } from '../../image/lock.ts';

const dir = mkdtempSync(join(tmpdir(), 'bedrock-imagelock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The pid of a process that has ended. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

function holding(name: string, holder: object): string {
  const image = join(dir, name);
  writeFileSync(lockPath(image), JSON.stringify(holder) + '\n');
  return image;
}

describe('image locks', () => {
  it('is taken, refused to a second taker in this process, and given up', () => {
    const image = join(dir, 'a.image');
    const l = ImageLock.acquire(image);
    if (typeof l === 'string') throw new Error(l);
    const h = JSON.parse(readFileSync(lockPath(image), 'utf8'));
    expect(h).toMatchObject({ pid: process.pid, host: hostname(), started: processStart(process.pid) });
    expect(lockHolder(image)?.pid).toBe(process.pid);
    expect(ImageLock.acquire(image)).toMatch(/already open in this process/);
    l.release();
    expect(existsSync(lockPath(image))).toBe(false);
    const again = ImageLock.acquire(image);
    expect(typeof again).not.toBe('string');
    (again as ImageLock).release();
  });

  it('a lock whose process is gone is taken over', () => {
    const image = holding('dead.image', { pid: deadPid(), host: hostname(), started: '1', since: 'then', command: 'bedrock dead.image' });
    expect(lockHolder(image)).toBeNull();
    const l = ImageLock.acquire(image);
    if (typeof l === 'string') throw new Error(l);
    expect(JSON.parse(readFileSync(lockPath(image), 'utf8')).pid).toBe(process.pid);
    l.release();
  });

  it('a live pid started at another time is another process: its lock is stale', () => {
    // This process's pid with another start time: as if we had died and our pid were reused.
    const image = holding('reused.image', { pid: process.ppid, host: hostname(), started: 'not-its-start', since: 'then', command: '' });
    const l = ImageLock.acquire(image);
    expect(typeof l).not.toBe('string');
    (l as ImageLock).release();
  });

  it('a live holder, or one on another host, is named in the refusal', () => {
    const live = holding('live.image', { pid: process.ppid, host: hostname(), started: processStart(process.ppid), since: '2026-01-01T00:00:00.000Z', command: 'bedrock live.image' });
    expect(ImageLock.acquire(live)).toBe(`it is open in process ${process.ppid} on ${hostname()} (bedrock live.image), since 2026-01-01T00:00:00.000Z`);
    const far = holding('far.image', { pid: deadPid(), host: 'elsewhere', started: '', since: 'noon', command: '' });
    expect(ImageLock.acquire(far)).toMatch(/^it is open in process \d+ on elsewhere, since noon; if that process is gone, remove the lock file/);
  });

  it('a damaged lock file is taken over once it is old (not while its maker may still be writing it)', () => {
    const image = join(dir, 'damaged.image');
    writeFileSync(lockPath(image), '{"pid":');
    expect(ImageLock.acquire(image)).toMatch(/is being made by another session/);
    const old = new Date(Date.now() - 60_000);
    utimesSync(lockPath(image), old, old);
    const l = ImageLock.acquire(image);
    expect(typeof l).not.toBe('string');
    (l as ImageLock).release();
  });
});
