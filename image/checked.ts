/*
 * The images this user's sessions have checked: for each, by the SHA-256 of every byte of its
 * file, what the checks of validate.ts found (the heap and kernel facts, the code objects, the
 * cards). Opening the same bytes again takes the facts from the record instead of walking the
 * heap and the kernel's objects again, which was most of the time a start spent on the image
 * (issue 12, item 4: the walk and the kernel check ~90 ms of CPU for the base image; the
 * digest ~10 ms).
 *
 * Why this keeps a hostile image from running:
 *   - the digest is computed here, over the bytes as they are read into the machine's memory,
 *     before anything of the image runs; a file that differs from a checked one in any byte has
 *     another digest (finding a SHA-256 collision with a checked image is out of anyone's reach);
 *   - a record is believed only when it and its directory are this user's own and writable by
 *     no one else (owner = this process's user, mode without group or other write): so only
 *     this user's own processes can have written it, and they write one only after every check
 *     passed on those bytes (open.ts). Whoever can write there can change the user's shell
 *     start-up files too;
 *   - a record names the program that wrote it (format and checks versions, layout fingerprint,
 *     writer): a different Bedrock checks again, with its own checks;
 *   - a record that is damaged or does not describe the bytes in memory (its code objects and
 *     symbols are looked at: a few thousand cells, not the heap) is ignored, and the image is
 *     checked through as if there were none.
 *
 * Stamps. Hashing the file took a start ~10 ms of CPU (loading node:crypto, and a pass over
 * 5 MB), so the digest of an image already opened is also kept by its stamp: the device and
 * inode of the file, its size, and its modification and status-change times to the
 * nanosecond (DEVICE-INODE.stamp). When the file's stamp is the recorded one, its digest is
 * the recorded one and the file is not hashed. Why that is as safe as hashing:
 *   - a stamp is kept and believed only for a file this user owns and no one else can write
 *     (the rule of the records themselves): only this user's processes, and root, can change
 *     its bytes, and those can write the records too;
 *   - every change through the file system sets the status-change time to the time of the
 *     change (no call sets it back; only root, moving the clock, could make it repeat), and a
 *     file put in the image's place (rename) is another inode with its own times;
 *   - a stamp is recorded only when the file's status is the same before and after its bytes
 *     were read and hashed, and its last change was at least STAMP_SETTLED_MS before the read
 *     began: the clock the kernel stamps files with ticks coarsely (milliseconds), so a write
 *     in the same tick as the one before could leave the times as they were; that tick is long
 *     past once a file is recorded, so any later write gives it a later time;
 *   - the record the stamp leads to must still agree with the bytes in memory (as above), and
 *     when it is missing the file is hashed after all.
 *
 * The payload's CRC-32 is one of the checks: a record stands for it too. The bytes a record
 * (or a stamp) leads to are bytes that passed it, so summing 5 MB again, just read, cost a
 * start ~13 ms of CPU and the loading of node:zlib for nothing; an image without a record is
 * summed as before, before its other checks.
 *
 * Where: $BEDROCK_CHECKED (a directory, or "off" for no records at all), else
 * $XDG_CACHE_HOME/bedrock/checked, else ~/.cache/bedrock/checked. At most MAX_RECORDS are kept
 * (the oldest go). A record that cannot be written costs only the next open's time.
 */
import type { Hash } from 'node:crypto';
import {
  closeSync, fstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync, statSync, unlinkSync, writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as cells from '../kernel/machine/cells.ts';
import type { Machine } from '../kernel/machine/machine.ts';
import { CLASS } from '../kernel/objects/layout.ts';
import { FORMAT_VERSION, LAYOUT_FINGERPRINT, WRITER } from './format.ts';
import { CHECKS_VERSION, type HeapFacts, type KernelFacts } from './validate.ts';

/** Records kept; the oldest beyond this are removed when one is written. */
export const MAX_RECORDS = 32;

/** The directory of the records, or null when there are none ($BEDROCK_CHECKED=off, or no home). */
export function checkedDirectory(): string | null {
  return userCacheDirectory('BEDROCK_CHECKED', 'checked');
}

/**
 * A directory of Bedrock's in the user's cache: $VARIABLE when set (null when it is 'off'), else
 * $XDG_CACHE_HOME/bedrock/LEAF, else ~/.cache/bedrock/LEAF; null with no home.
 */
export function userCacheDirectory(variable: string, leaf: string): string | null {
  const set = process.env[variable];
  if (set === 'off') return null;
  if (set !== undefined && set !== '') return set;
  const cache = process.env.XDG_CACHE_HOME;
  if (cache !== undefined && cache.startsWith('/')) return join(cache, 'bedrock', leaf);
  try {
    const home = homedir();
    return home ? join(home, '.cache', 'bedrock', leaf) : null;
  } catch {
    return null;
  }
}

/**
 * The digest of a file as it is read, piece by piece, in order. (node:crypto is loaded here,
 * on first use, not with this module: an image opened by its stamp needs none of it.)
 */
export function fileDigest(): Hash {
  return process.getBuiltinModule('node:crypto').createHash('sha256');
}

/** The digest of the file open at `fd`, read again from its start. */
export function digestOfFile(fd: number): string {
  const hash = fileDigest();
  const buffer = Buffer.allocUnsafe(1 << 20);
  for (let at = 0; ;) {
    const n = readSync(fd, buffer, 0, buffer.length, at);
    if (n <= 0) break;
    hash.update(buffer.subarray(0, n));
    at += n;
  }
  return hash.digest('hex');
}

/** A file's last change must be this long before its read for its stamp to be recorded. */
export const STAMP_SETTLED_MS = 2000;

/** What a file's status says of its bytes (see Stamps above). */
export interface Stamp {
  /** DEVICE-INODE: the file. */
  readonly file: string;
  /** SIZE:MTIME:CTIME (nanoseconds): its version. */
  readonly version: string;
  /** Its last status change, in milliseconds since the epoch. */
  readonly changedMs: number;
}

/** The stamp of the file open at `fd`; null when it may not have one (not this user's alone). */
export function stampOf(fd: number): Stamp | null {
  try {
    const st = fstatSync(fd, { bigint: true });
    if (!st.isFile() || !ours({ uid: Number(st.uid), mode: Number(st.mode) })) return null;
    return { file: `${st.dev}-${st.ino}`, version: `${st.size}:${st.mtimeNs}:${st.ctimeNs}`, changedMs: Number(st.ctimeNs / 1_000_000n) };
  } catch {
    return null;
  }
}

const stampPath = (dir: string, s: Stamp): string => join(dir, `${s.file}.stamp`);

/** The digest recorded for the file of `stamp` at this very version, or null. */
export function recallStamp(stamp: Stamp, dir = checkedDirectory()): string | null {
  if (dir === null) return null;
  const text = ownFile(stampPath(dir, stamp), dir, 4096);
  if (text === null) return null;
  try {
    const r = JSON.parse(text) as Record<string, unknown>;
    const p = r.program as Record<string, unknown> | undefined;
    if (!p || p.format !== PROGRAM.format || p.checks !== PROGRAM.checks || p.layout !== PROGRAM.layout || p.writer !== PROGRAM.writer) return null;
    if (r.file !== stamp.file || r.version !== stamp.version || typeof r.digest !== 'string' || !/^[0-9a-f]{64}$/.test(r.digest)) return null;
    return r.digest;
  } catch {
    return null;
  }
}

/**
 * Record that the file of `stamp` holds the bytes of `digest`, when its last change was settled
 * before `readFromMs` (when the read began) and `after` (its stamp once read) is the same.
 * Quietly does nothing when it cannot.
 */
export function rememberStamp(stamp: Stamp, after: Stamp | null, digest: string, readFromMs: number, dir = checkedDirectory()): void {
  if (dir === null || after === null || after.file !== stamp.file || after.version !== stamp.version) return;
  if (stamp.changedMs > readFromMs - STAMP_SETTLED_MS) return;
  const path = stampPath(dir, stamp), temp = `${path}.${process.pid}.tmp`;
  try {
    if (!ours(statSync(dir))) return;
    writeFileSync(temp, JSON.stringify({ program: PROGRAM, file: stamp.file, version: stamp.version, digest }), { mode: 0o600 });
    renameSync(temp, path);
  } catch {
    try { unlinkSync(temp); } catch { /* never made */ }
    return;
  }
  prune(dir, `${stamp.file}.stamp`, '.stamp');
}

/** The text of `path` in `dir`, when both are this user's alone and it is at most `limit` bytes; else null. */
function ownFile(path: string, dir: string, limit: number): string | null {
  try {
    if (!ours(statSync(dir))) return null;
    const fd = openSync(path, 'r');
    try {
      const st = fstatSync(fd);
      if (!st.isFile() || !ours(st) || st.size > limit) return null;
      const buf = Buffer.alloc(st.size);
      let done = 0;
      while (done < st.size) {
        const n = readSync(fd, buf, done, st.size - done, done);
        if (n <= 0) return null;
        done += n;
      }
      return buf.toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return null; // none (the usual case), or unreadable
  }
}

/** What the checks found, and the cards the heap walk set (their indexes). */
export interface CheckedFacts {
  readonly heap: HeapFacts;
  readonly kernel: KernelFacts;
  readonly cards: readonly number[];
}

const PROGRAM = { format: FORMAT_VERSION, checks: CHECKS_VERSION, layout: LAYOUT_FINGERPRINT, writer: WRITER };

const recordPath = (dir: string, digest: string): string => join(dir, `${digest}.json`);

/** A file or directory this user owns and no one else can write. */
export function ours(st: { uid: number; mode: number }): boolean {
  const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
  return st.uid === uid && (st.mode & 0o022) === 0;
}

const isInt = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
/**
 * An array of isInt's numbers. A plain loop, not every(isInt): a record holds ~20,000 numbers,
 * checked before V8 optimizes anything, and a call for each cost a start ~1 ms.
 */
const ints = (x: unknown): x is number[] => {
  if (!Array.isArray(x)) return false;
  for (let i = 0; i < x.length; i++) {
    const v: unknown = x[i];
    if (typeof v !== 'number' || !(v >= 0 && v <= Number.MAX_SAFE_INTEGER && v % 1 === 0)) return false;
  }
  return true;
};

/**
 * The facts recorded for the file of `digest`, when a record of this user's, by this program,
 * describes the heap now in `m`; else null (and the image is checked through).
 */
export function recallChecked(digest: string, m: Machine, dir = checkedDirectory()): CheckedFacts | null {
  if (dir === null) return null;
  const text = ownFile(recordPath(dir, digest), dir, 64 << 20);
  if (text === null) return null;
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
  return factsOf(r, digest, m);
}

/** The record's facts, when it is well formed, by this program, and agrees with the heap in `m`. */
function factsOf(r: Record<string, unknown>, digest: string, m: Machine): CheckedFacts | null {
  if (typeof r !== 'object' || r === null || r.digest !== digest) return null;
  const p = r.program as Record<string, unknown> | undefined;
  if (!p || p.format !== PROGRAM.format || p.checks !== PROGRAM.checks || p.layout !== PROGRAM.layout || p.writer !== PROGRAM.writer) return null;
  const h = r.heap as Record<string, unknown> | undefined, k = r.kernel as Record<string, unknown> | undefined;
  if (!h || !k) return null;
  if (!isInt(h.objects) || !isInt(h.usedCells) || !ints(h.freeChunks) || !ints(h.symbols) || !ints(h.poisoned) || !ints(h.stacks) || !ints(h.code)) return null;
  if (!isInt(k.nil) || !isInt(k.behaviours) || !isInt(k.methods) || !isInt(k.globals) || !isInt(k.logEntries) || !ints(k.symbols)) return null;
  if (!Array.isArray(k.marks) || !k.marks.every((x) => typeof x === 'string')) return null;
  if (!Array.isArray(k.symbolTexts) || k.symbolTexts.length !== k.symbols.length) return null;
  for (let i = 0; i < k.symbolTexts.length; i++) if (typeof k.symbolTexts[i] !== 'string') return null;
  if (h.code.length % 2 !== 0 || h.freeChunks.length % 2 !== 0 || !ints(r.cards)) return null;
  // Does it describe these bytes? (It should, by the digest: this guards against a bug of ours.)
  const st = m.store, C32 = st.cells32, T = st.tags, n = st.cellCount;
  const headerAt = (c: number, format: number): boolean => c < n && T[c] === cells.TAG_HDR && (C32[2 * c + 1] & 0xf) === format;
  // (The two loops of thousands say headerAt's test in line: a call each cost a start ~0.5 ms.)
  const code = h.code, lo = m.fixedLo, HDR = cells.TAG_HDR, CODE = cells.FORMAT_CODE;
  for (let i = 0; i < code.length; i += 2) {
    const c = code[i];
    if (c < lo || !(c < n && T[c] === HDR && (C32[2 * c + 1] & 0xf) === CODE) || code[i + 1] === 0 || code[i + 1] > 8 * (C32[2 * c] >>> 0)) return null;
  }
  const symbols = k.symbols, WORDS = cells.FORMAT_WORDS, BYTES = cells.FORMAT_BYTES, WIDE = CLASS.WideSymbol, SYMBOL = CLASS.Symbol;
  for (let i = 0; i < symbols.length; i++) {
    const s = symbols[i], c = (s >> 3) - 1;
    const wide = C32[2 * c + 1] >>> 15 === WIDE;
    if (s % 8 !== 0 || c < lo || !(c < n && T[c] === HDR && (C32[2 * c + 1] & 0xf) === (wide ? WORDS : BYTES)) || (!wide && C32[2 * c + 1] >>> 15 !== SYMBOL)) return null;
  }
  for (let i = 0; i < h.freeChunks.length; i += 2) if (!headerAt(h.freeChunks[i], cells.FORMAT_FREE)) return null;
  if (r.cards.some((c) => c >= st.cards.length)) return null;
  return {
    heap: {
      objects: h.objects, freeChunks: h.freeChunks, symbols: h.symbols, poisoned: new Set(h.poisoned), usedCells: h.usedCells, stacks: h.stacks,
      code,
    },
    kernel: {
      nil: k.nil, marks: k.marks, behaviours: k.behaviours, methods: k.methods, globals: k.globals, logEntries: k.logEntries,
      symbols: k.symbols, symbolTexts: k.symbolTexts,
    },
    cards: r.cards,
  };
}

/** Record that the file of `digest` passed every check, with what they found. Quietly does nothing when it cannot. */
export function rememberChecked(digest: string, facts: CheckedFacts, dir = checkedDirectory()): void {
  if (dir === null) return;
  const h = facts.heap, k = facts.kernel;
  const record = {
    program: PROGRAM,
    digest,
    heap: { objects: h.objects, usedCells: h.usedCells, freeChunks: h.freeChunks, symbols: h.symbols, poisoned: [...h.poisoned], stacks: h.stacks, code: h.code },
    kernel: k,
    cards: facts.cards,
  };
  const temp = join(dir, `.${digest}.${process.pid}.tmp`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!ours(statSync(dir))) return;
    writeFileSync(temp, JSON.stringify(record), { mode: 0o600 });
    renameSync(temp, recordPath(dir, digest));
  } catch {
    try { unlinkSync(temp); } catch { /* never made */ }
    return;
  }
  prune(dir, `${digest}.json`, '.json');
}

/** Keep the newest MAX_RECORDS records (or stamps: files ending in `suffix`), among them `newest` (just written). */
function prune(dir: string, newest: string, suffix: string): void {
  try {
    const records = readdirSync(dir).filter((f) => f.endsWith(suffix) && f !== newest);
    if (records.length < MAX_RECORDS) return;
    const aged = records.map((f) => ({ f, t: statSync(join(dir, f)).mtimeMs })).sort((a, b) => b.t - a.t);
    for (const { f } of aged.slice(MAX_RECORDS - 1)) unlinkSync(join(dir, f));
  } catch {
    /* another process pruned too */
  }
}
