/*
 * One writer per image: NAME.image.lock, held by the session that opened NAME.image for
 * writing (src/session/session.ts), so that two sessions never append to one journal or save over
 * each other's work.
 *
 * The file is one line of JSON, written once, when the lock is taken:
 *
 *   {"pid":4242,"host":"vm","started":"24753","since":"2026-12-06T06:42:21.000Z","command":"bedrock a.image"}
 *
 * `started` is the process's start time as the system counts it (field 22 of /proc/PID/stat,
 * clock ticks since boot), so that a pid used again by another process after the holder died
 * is not mistaken for the holder. The file is made with O_EXCL: of two sessions racing for
 * it, one makes it and the other finds it.
 *
 * A lock whose holder is gone (same host, and no process with that pid, or one started at
 * another time) is stale: a crash (even SIGKILL) never leaves an image stuck. The opener
 * moves the stale file aside under a name of its own (rename is atomic: of two openers taking
 * over the same stale lock, one moves it), checks that what it moved is the stale lock it
 * read (else it puts it back), removes it and makes its own. A lock held by a live process,
 * or by another host (whose processes cannot be seen from here), is refused with a message
 * naming the holder. A lock file that cannot be read as a lock (empty, damaged: a crash while
 * it was being written) is taken over when it is older than a few seconds.
 */
import { closeSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
// node:crypto is loaded where it is used (process.getBuiltinModule): loaded with this module it cost every start ~5 ms.
import { readRegular } from './files.ts';

/** A lock file's text (a small regular file: a FIFO or device there is not read), or why not. */
function readLock(path: string): string | { missing: true } | { error: string } {
  const r = readRegular(path, 4096);
  return Buffer.isBuffer(r) ? r.toString('utf8') : r;
}

export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** The holder's start time (clock ticks since boot), or '' when the system does not say. */
  readonly started: string;
  /** When it took the lock (ISO 8601). */
  readonly since: string;
  readonly command: string;
}

/** The lock file of the image at `imagePath`. */
export function lockPath(imagePath: string): string {
  return `${imagePath}.lock`;
}

/** A damaged lock file younger than this may still be being written by its maker. */
const DAMAGED_GRACE_MS = 5000;

/** A process's start time as /proc says it (field 22 of /proc/PID/stat), or '' without /proc. */
export function processStart(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name (field 2) is in parentheses and may hold spaces: count after its end.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? '';
  } catch {
    return '';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseHolder(text: string): LockHolder | null {
  try {
    const r: unknown = JSON.parse(text);
    if (typeof r !== 'object' || r === null) return null;
    const o = r as Record<string, unknown>;
    if (typeof o.pid !== 'number' || !Number.isSafeInteger(o.pid) || o.pid <= 0 || typeof o.host !== 'string') return null;
    return {
      pid: o.pid, host: o.host, started: typeof o.started === 'string' ? o.started : '',
      since: typeof o.since === 'string' ? o.since : '?', command: typeof o.command === 'string' ? o.command : '',
    };
  } catch {
    return null;
  }
}

/** Is the process that wrote `h` gone (so that its lock is stale)? Only answerable on its own host. */
function gone(h: LockHolder): boolean {
  if (h.host !== hostname()) return false;
  if (!alive(h.pid)) return true;
  // A live process with that pid, started at another time, is another process.
  if (h.started !== '') {
    const now = processStart(h.pid);
    if (now !== '' && now !== h.started) return true;
  }
  return false;
}

/** What a user is told about the holder of a lock. */
export function describeHolder(h: LockHolder): string {
  const who = `process ${h.pid} on ${h.host}${h.command ? ` (${h.command})` : ''}, since ${h.since}`;
  return h.host === hostname()
    ? `it is open in ${who}`
    : `it is open in ${who}; if that process is gone, remove the lock file`;
}

/** A lock this process holds. */
export class ImageLock {
  private held = true;

  private constructor(readonly path: string, readonly holder: LockHolder) {}

  /**
   * Take the lock of the image at `imagePath`: the lock, or a message saying who holds it
   * (or why it cannot be made).
   */
  static acquire(imagePath: string): ImageLock | string {
    const path = lockPath(imagePath);
    const me: LockHolder = {
      pid: process.pid, host: hostname(), started: processStart(process.pid), since: new Date().toISOString(),
      command: ['bedrock', ...process.argv.slice(2)].join(' ').slice(0, 200),
    };
    const line = JSON.stringify(me) + '\n';
    for (let attempt = 0; attempt < 5; attempt++) {
      let fd = -1;
      try {
        fd = openSync(path, 'wx', 0o644);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'EEXIST') return `cannot make its lock file ${path}: ${(e as Error).message}`;
        const stale = ImageLock.staleHolder(path);
        if (typeof stale === 'string') return stale;
        if (stale === null) continue; // gone meanwhile: try again
        ImageLock.takeOver(path, stale.text);
        continue;
      }
      try {
        writeSync(fd, line);
      } finally {
        closeSync(fd);
      }
      return new ImageLock(path, me);
    }
    return `cannot take its lock ${path}: other sessions keep taking it`;
  }

  /**
   * The lock file at `path`, when it is stale: its text (to take it over). A message when it
   * is held; null when there is no file any more.
   */
  private static staleHolder(path: string): { text: string } | string | null {
    const read = readLock(path);
    if (typeof read !== 'string') {
      if ('missing' in read) return null;
      return `its lock file ${path} ${read.error}: remove it`;
    }
    const text = read;
    const h = parseHolder(text);
    if (h === null) {
      let age = 0;
      try { age = Date.now() - statSync(path).mtimeMs; } catch { return null; }
      if (age < DAMAGED_GRACE_MS) return `its lock file ${path} is being made by another session`;
      return { text };
    }
    if (h.pid === process.pid && h.host === hostname()) return `it is already open in this process (${path})`;
    if (!gone(h)) return describeHolder(h);
    return { text };
  }

  /** Remove the stale lock at `path` whose text is `text`, unless another session did first. */
  private static takeOver(path: string, text: string): void {
    const aside = `${path}.stale-${process.pid}-${process.getBuiltinModule('node:crypto').randomBytes(4).toString('hex')}`;
    try {
      renameSync(path, aside);
    } catch {
      return; // another session moved it first
    }
    let moved = '';
    const read = readLock(aside);
    if (typeof read === 'string') moved = read;
    if (moved !== text) {
      // Not the stale lock we read: a live session's, made since. Put it back.
      try { linkSync(aside, path); } catch { /* a newer one is there */ }
    }
    try { unlinkSync(aside); } catch { /* gone */ }
  }

  /** Give the lock up (when it is still ours). */
  release(): void {
    if (!this.held) return;
    this.held = false;
    const read = readLock(this.path);
    const h = typeof read === 'string' ? parseHolder(read) : null;
    try {
      if (h && h.pid === this.holder.pid && h.since === this.holder.since && h.host === this.holder.host) unlinkSync(this.path);
    } catch {
      // Already gone.
    }
  }
}

/** Who holds the lock of the image at `imagePath` (a live holder), or null. */
export function lockHolder(imagePath: string): LockHolder | null {
  const read = readLock(lockPath(imagePath));
  const h = typeof read === 'string' ? parseHolder(read) : null;
  return h && !gone(h) ? h : null;
}
