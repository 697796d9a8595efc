/*
 * A SOM class path, compiled once: `bedrock run DIR/Harness.som ...` reads and compiles every
 * class of DIR before it runs anything (the Are We Fast Yet suite: 82 files, 730 methods,
 * seconds of compiling). When that went cleanly (nothing printed, nothing failed), the system
 * as it then is, base image plus the classes, is saved as an image in the user's cache; the
 * next run of the same class path on the same base image opens that image instead and only
 * runs. GNU Smalltalk keeps its kernel compiled in an image the same way; Python keeps .pyc.
 *
 *   base image (path, inode, size, mtime) ┐
 *   backend                               ├─sha256─▶ KEY ─▶ $CACHE/classpaths/KEY.image
 *   each class file (path in DIR, text)   ┘
 *
 * Any change to a file, a file added or removed, a rebuilt base image, another backend: another
 * key, so a stale image is never used. The cached image is opened as any image is (its checks
 * run before anything of it does); and it is used only when it and its directory belong to
 * this user alone, as the records of image/checked.ts are, since a valid image someone else
 * wrote there would run their code. BEDROCK_CLASSPATH_CACHE=off turns it off, =DIR puts it in
 * DIR. At most MAX_IMAGES are kept, the least recently written going first.
 */
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative } from 'node:path';
import { ours } from '../../image/checked.ts';
import { saveImage } from '../../image/save.ts';
import type { Bedrock } from '../system/bedrock.ts';

/** Class-path images kept in the cache. */
export const MAX_IMAGES = 8;

/** Bumped when what a key covers changes. */
const KEY_VERSION = 'bedrock-classpath-1';

/** The cache's directory, or null when there is none (BEDROCK_CLASSPATH_CACHE=off, or no home). */
export function classPathCacheDirectory(): string | null {
  const set = process.env.BEDROCK_CLASSPATH_CACHE;
  if (set === 'off') return null;
  if (set !== undefined && set !== '') return set;
  const cache = process.env.XDG_CACHE_HOME;
  if (cache !== undefined && cache.startsWith('/')) return join(cache, 'bedrock', 'classpaths');
  try {
    const home = homedir();
    return home ? join(home, '.cache', 'bedrock', 'classpaths') : null;
  } catch {
    return null;
  }
}

/** The key of a class path on a base image, or null when the base image cannot be named. */
export function classPathKey(baseImage: string, backend: string, dir: string, files: readonly { path: string; text: string }[]): string | null {
  let st;
  try {
    st = statSync(baseImage);
  } catch {
    return null;
  }
  const h = process.getBuiltinModule('node:crypto').createHash('sha256');
  h.update(`${KEY_VERSION}\0${baseImage}\0${st.ino}\0${st.size}\0${st.mtimeMs}\0${backend}\0`);
  for (const f of files) h.update(`${relative(dir, f.path)}\0${f.text.length}\0`).update(f.text).update('\0');
  return h.digest('hex');
}

const imagePath = (dir: string, key: string): string => join(dir, `${key}.image`);

/** The cached image of `key`, when there is one this user alone owns; else null. */
export function cachedClassPath(key: string, dir = classPathCacheDirectory()): string | null {
  if (dir === null) return null;
  try {
    if (!ours(statSync(dir))) return null;
    const path = imagePath(dir, key);
    const st = statSync(path);
    return st.isFile() && ours(st) ? path : null;
  } catch {
    return null; // none yet (the usual case), or unreadable
  }
}

/** Save the system as the image of `key` (best effort: a cache that cannot be written is no error). */
export function rememberClassPath(bedrock: Bedrock, key: string, dir = classPathCacheDirectory()): void {
  if (dir === null) return;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!ours(statSync(dir))) return;
    const saved = saveImage(bedrock.kernel, imagePath(dir, key), { backend: bedrock.backend, journal: { id: process.getBuiltinModule('node:crypto').randomUUID(), seq: 0, offset: 0 } });
    if (saved.ok) prune(dir);
  } catch {
    // a full disk or a read-only home: the next run compiles again
  }
}

/** Keep the MAX_IMAGES newest images (and no backups of them). */
function prune(dir: string): void {
  const images: { path: string; at: number }[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name.endsWith('.image.bak')) { rmSync(path, { force: true }); continue; }
    if (!name.endsWith('.image')) continue;
    try {
      images.push({ path, at: statSync(path).mtimeMs });
    } catch {
      // gone meanwhile
    }
  }
  images.sort((a, b) => b.at - a.at);
  for (const old of images.slice(MAX_IMAGES)) rmSync(old.path, { force: true });
}
