/*
 * The image's files as the file system gives them: only regular files are read or written as
 * images, journals and locks. A FIFO is refused at once (opened with O_NONBLOCK, so that an
 * open never waits for a writer), a device such as /dev/zero is refused instead of read until
 * memory runs out, and a read is bounded by the file's size (fstat, on the open descriptor).
 * A symbolic link to a regular file stands for that file: saving through it writes the file it
 * points to, beside which the temporary file, the .bak, the journal and the lock then live.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, realpathSync, statSync, type Stats } from 'node:fs';

/** What a file that is not a regular file is, for a message. */
export function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

/**
 * The file `path` stands for: itself, or, when it is a symbolic link to a regular file, that
 * file's real path. A link to anything else (or to nothing) is left as it is: the checks that
 * follow refuse it, and nothing is ever written through it.
 */
export function throughLinks(path: string): string {
  try {
    if (!lstatSync(path).isSymbolicLink()) return path;
    return statSync(path).isFile() ? realpathSync(path) : path;
  } catch {
    return path;
  }
}

/** Why `path` cannot be an image, journal or lock file, or null (a regular file, or none at all). */
export function notRegular(path: string): string | null {
  let st: Stats;
  try {
    st = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      // A link to nothing: writing through it would make a file somewhere else.
      try { if (lstatSync(path).isSymbolicLink()) return 'is a symbolic link to a file that does not exist'; } catch { /* none */ }
      return null;
    }
    return `cannot be examined (${(e as Error).message})`;
  }
  return st.isFile() ? null : `is ${kindOf(st)}, not a regular file`;
}

/** Open `path` for reading without ever waiting (a FIFO), and only when it is a regular file. */
export function openRegular(path: string): { fd: number; size: number } | { missing: true } | { error: string } {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { missing: true };
    return { error: `cannot be read (${(e as Error).message})` };
  }
  const st = fstatSync(fd);
  if (!st.isFile()) {
    closeSync(fd);
    return { error: `is ${kindOf(st)}, not a regular file` };
  }
  return { fd, size: st.size };
}

/**
 * The bytes of the regular file at `path`, at most `max` of them (read up to its size as it
 * was when opened); `missing` when there is no such file; an error for anything else.
 */
export function readRegular(path: string, max: number): Buffer | { missing: true } | { error: string } {
  const o = openRegular(path);
  if ('missing' in o || 'error' in o) return o;
  try {
    if (o.size > max) return { error: `is ${o.size} bytes, more than ${max} this can read` };
    const buf = Buffer.alloc(o.size);
    let done = 0;
    while (done < o.size) {
      const n = readSync(o.fd, buf, done, o.size - done, done);
      if (n <= 0) break; // it shrank meanwhile
      done += n;
    }
    return done === o.size ? buf : buf.subarray(0, done);
  } catch (e) {
    return { error: `cannot be read (${(e as Error).message})` };
  } finally {
    closeSync(o.fd);
  }
}
