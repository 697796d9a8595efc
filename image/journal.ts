/*
 * The changes journal, NAME.image.changes: every change accepted since the image was saved,
 * appended (and flushed to disk) before it is acknowledged, so that a crash loses nothing.
 *
 * The file is JSON Lines, one record a line, only ever appended to:
 *
 *   {"journal":"bedrock","version":1,"id":"3f2a…","created":"2025-01-02T03:04:05.678Z"}
 *   {"seq":1,"time":"2025-01-02T03:04:09.001Z","kind":"define","source":"Point x -> ^x"}
 *   {"seq":2,"time":"2025-01-02T03:04:12.120Z","kind":"doit","source":"Origin := 3 @ 4"}
 *   {"seq":3,"time":"2025-01-02T03:04:15.500Z","kind":"mark","source":"before-tests"}
 *   {"seq":4,"time":"2025-01-02T03:05:00.000Z","kind":"skip","from":2,"to":3}
 *   {"seq":5,"time":"2025-01-02T03:05:09.000Z","kind":"doit","source":"Object subclass: #Bar. 1/0","failed":true}
 *
 * The first line names the journal: its id is the id an image records (format.ts header
 * `journal`), with the sequence number of the last entry it includes and the byte length of
 * the journal at that moment. On open, the entries after that position are the changes since
 * the save: they are listed, and can be replayed in order. A `skip` record sets entries aside
 * (they were not replayed, or replay failed at them), so that changes made afterwards are
 * never replayed behind them; set-aside entries stay in the file, readable, but are no longer
 * offered. An entry marked `failed` failed when it was made, after it had changed something
 * (the changes after it may rely on what it did): replay runs it again and expects the failure.
 *
 * Damage: a last line cut short (a crash during the write of an entry that was therefore
 * never acknowledged) is ignored, and cut off before the next append. A write or fsync that
 * fails while the session runs is cut back at once (Journal below), and the change is not
 * acknowledged. A damaged line in the
 * middle stops the reading there; the next append first keeps the whole damaged file as
 * NAME.image.changes.damaged-TIME and rewrites the good lines before the damage. A journal
 * with another id (left by another image of the same name) is kept as
 * NAME.image.changes.orphan-TIME when the first change is appended.
 */
import { closeSync, constants, fstatSync, fsyncSync, ftruncateSync, openSync, renameSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { kindOf, readRegular } from './files.ts';

/** A journal longer than this is not read (it would be years of typing): it is kept aside. */
export const MAX_JOURNAL_BYTES = 1 << 30;

/** 'forth': a line of Forth typed at the REPL (src/forth), replayed as Forth. */
export type ChangeKind = 'define' | 'doit' | 'mark' | 'forget' | 'forth';
const KINDS: readonly string[] = ['define', 'doit', 'mark', 'forget', 'forth'];

export interface JournalEntry {
  readonly seq: number;
  /** When it was accepted (ISO 8601). */
  readonly time: string;
  readonly kind: ChangeKind;
  /** What to evaluate again: a definition's or statement's text, or a mark's name. */
  readonly source: string;
  /**
   * It failed when it was made, after it had begun to run (a statement that faulted, a class
   * some of whose parts failed): not acknowledged, but journaled for what it changed before
   * it failed, which the changes after it may rely on. Replay runs it again and expects it to
   * fail again.
   */
  readonly failed?: true;
  /**
   * A statement that changed nothing in the image (`3 + 4`; src/session/changes.ts): kept so
   * that replay gives `_` the values the statements after it saw, but not a change, so never
   * counted or announced as one.
   */
  readonly unchanged?: true;
}

/** The journal position an image records: the journal's id, its last entry and its length. */
export interface JournalPosition {
  readonly id: string;
  readonly seq: number;
  readonly offset: number;
}

export interface JournalScan {
  /** The id of the journal in the file; null when there is no file (or no readable first line). */
  readonly id: string | null;
  /** Entries after the position, not set aside, oldest first. */
  readonly entries: readonly JournalEntry[];
  /** The highest sequence number in the file. */
  readonly lastSeq: number;
  /** Bytes up to the end of the last good line. */
  readonly goodBytes: number;
  /** Bytes in the file. */
  readonly fileBytes: number;
  /** A damaged line: what and where (entries after it were not read). */
  readonly damage: string | null;
  /** The last line was cut short (ignored). */
  readonly torn: boolean;
  /** The file could not be read as a journal at all (not a regular file, too large): why. It is kept aside at the first append. */
  readonly unreadable?: string;
}

const NO_FILE: JournalScan = { id: null, entries: [], lastSeq: 0, goodBytes: 0, fileBytes: 0, damage: null, torn: false };

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * Read the journal at `path`: the entries after `after` (an image's position; from its offset
 * when the file still has that shape, else by sequence number), not set aside. Never throws
 * on a damaged file.
 */
export function scanJournal(path: string, after: Pick<JournalPosition, 'seq' | 'offset'> = { seq: 0, offset: 0 }): JournalScan {
  // Only a regular file, read up to its size (a FIFO would block; /dev/zero never ends).
  const read = readRegular(path, MAX_JOURNAL_BYTES);
  if ('missing' in read) return NO_FILE;
  if ('error' in read) return { ...NO_FILE, damage: `the file ${read.error}`, unreadable: read.error };
  const buf = read;
  const firstEnd = buf.indexOf(10);
  if (firstEnd < 0) return { ...NO_FILE, fileBytes: buf.length, torn: buf.length > 0, damage: buf.length > 0 ? 'the first line is incomplete' : null };
  let id: string | null = null;
  try {
    const first: unknown = JSON.parse(buf.subarray(0, firstEnd).toString('utf8'));
    if (isRecord(first) && first.journal === 'bedrock' && typeof first.id === 'string') id = first.id;
  } catch { /* not a journal's first line */ }
  if (id === null) return { ...NO_FILE, fileBytes: buf.length, damage: 'the first line does not name a Bedrock journal' };
  // Start at the image's offset when a line starts there; else read everything and filter.
  let at = firstEnd + 1;
  if (after.offset > at && after.offset <= buf.length && buf[after.offset - 1] === 10 && seqOfLineBefore(buf, after.offset) === after.seq) at = after.offset;
  const entries: JournalEntry[] = [];
  let lastSeq = at === firstEnd + 1 ? 0 : after.seq, goodBytes = at, damage: string | null = null, torn = false;
  let lineNo = at === firstEnd + 1 ? 2 : 0;
  while (at < buf.length) {
    const end = buf.indexOf(10, at);
    if (end < 0) { torn = true; break; }
    const text = buf.subarray(at, end).toString('utf8');
    const record = parseRecord(text, lastSeq);
    if (typeof record === 'string') {
      damage = `${lineNo > 0 ? `line ${lineNo}` : `the line at byte ${at}`}: ${record}`;
      break;
    }
    lastSeq = record.seq;
    if (record.kind === 'skip') {
      const { from, to } = record;
      for (let i = entries.length - 1; i >= 0; i--) if (entries[i].seq >= from && entries[i].seq <= to) entries.splice(i, 1);
    } else if (record.seq > after.seq) {
      entries.push(record);
    }
    at = end + 1;
    goodBytes = at;
    if (lineNo > 0) lineNo++;
  }
  return { id, entries, lastSeq: Math.max(lastSeq, after.seq), goodBytes, fileBytes: buf.length, damage, torn };
}

/** The sequence number of the line that ends just before `offset`, or -1. */
function seqOfLineBefore(buf: Buffer, offset: number): number {
  const start = buf.lastIndexOf(10, offset - 2) + 1;
  try {
    const r: unknown = JSON.parse(buf.subarray(start, offset - 1).toString('utf8'));
    return isRecord(r) && typeof r.seq === 'number' ? r.seq : -1;
  } catch {
    return -1;
  }
}

type JournalRecord = JournalEntry | { readonly seq: number; readonly kind: 'skip'; readonly from: number; readonly to: number };

function parseRecord(text: string, previousSeq: number): JournalRecord | string {
  let r: unknown;
  try { r = JSON.parse(text); } catch { return 'not JSON'; }
  if (!isRecord(r)) return 'not a record';
  const seq = r.seq;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq <= previousSeq) return `sequence number ${String(seq)} does not follow ${previousSeq}`;
  if (r.kind === 'skip') {
    if (typeof r.from !== 'number' || typeof r.to !== 'number') return 'a skip record without its range';
    return { seq, kind: 'skip', from: r.from, to: r.to };
  }
  if (typeof r.kind !== 'string' || !KINDS.includes(r.kind)) return `unknown kind ${JSON.stringify(r.kind)}`;
  if (typeof r.time !== 'string' || typeof r.source !== 'string') return 'an entry without its time or source';
  return {
    seq, time: r.time, kind: r.kind as ChangeKind, source: r.source,
    ...(r.failed === true && { failed: true as const }), ...(r.unchanged === true && { unchanged: true as const }),
  };
}

function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-');
}

/**
 * The file operations the journal makes while appending: Node's, or in tests a layer that
 * fails where it is told to (a full disk in the middle of a line, an fsync that fails).
 */
export interface JournalIo {
  /** Open for appending (O_APPEND), making the file when there is none. */
  openAppend(path: string): number;
  /** Write part of `data`: how many bytes went (it may be fewer), or throws. */
  write(fd: number, data: Uint8Array, offset: number, length: number): number;
  fsync(fd: number): void;
  size(fd: number): number;
  /** Cut the open file to `length` bytes. */
  truncate(fd: number, length: number): void;
  close(fd: number): void;
}

export const nodeJournalIo: JournalIo = {
  openAppend: (path) => {
    // O_NONBLOCK: a FIFO put there since the scan fails at once instead of waiting for a reader.
    const fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NONBLOCK, 0o644);
    const st = fstatSync(fd);
    if (!st.isFile()) { closeSync(fd); throw new Error(`${path} is ${kindOf(st)}, not a regular file`); }
    return fd;
  },
  write: (fd, data, offset, length) => writeSync(fd, data, offset, length),
  fsync: (fd) => fsyncSync(fd),
  size: (fd) => fstatSync(fd).size,
  truncate: (fd, length) => ftruncateSync(fd, length),
  close: (fd) => closeSync(fd),
};

/**
 * The journal a session appends to. The file is made (or set right: a torn last line cut off,
 * a damaged or foreign file kept aside) at the first append, so opening an image writes
 * nothing.
 *
 * A write that fails (a full disk, an I/O error) is never left behind: the file is cut back to
 * its last whole entry (or, when even that fails, before the next append), the entry is not
 * numbered, and the error goes to the caller, which does not acknowledge the change. An fsync
 * that fails cuts the file back to what the last good fsync made durable, since what it held
 * after that cannot be trusted to be on the disk.
 */
export class Journal {
  private fd = -1;
  private dirty = false;
  private lastSeq: number;
  private bytes: number;
  /** What the last good fsync made durable (bytes, last sequence number). */
  private synced: { bytes: number; seq: number };
  /** A failed write whose partial line could not be cut off yet: cut before the next append. */
  private cutTo = -1;
  /**
   * Buffered (group commit): entries appended are kept here and written at the next sync(),
   * all in one write, so a batch costs one write and one fsync, not a write an entry. Their
   * sequence numbers and `bytes` count them already; the file holds `bytes - pendingBytes`.
   */
  private buffered = false;
  private pending: string[] = [];
  private pendingBytes = 0;

  /**
   * `scan` is what the file held when the session began (scanJournal); `imageSeq` the last
   * entry the image includes (new entries are numbered after both).
   */
  constructor(readonly path: string, readonly id: string, private scan: JournalScan, imageSeq: number, private readonly io: JournalIo = nodeJournalIo) {
    this.lastSeq = Math.max(imageSeq, scan.id === id ? scan.lastSeq : 0);
    this.bytes = scan.id === id ? scan.goodBytes : 0;
    this.synced = { bytes: this.bytes, seq: this.lastSeq };
  }

  /**
   * Buffer the entries appended from now on (on), to be written by the next sync(); off
   * writes (and syncs) what is buffered first, throwing as sync() does.
   */
  buffer(on: boolean): void {
    if (!on && this.pending.length > 0) this.sync();
    this.buffered = on;
  }

  /** The position to record in an image saved now (every entry so far included; sync() first when buffered). */
  get position(): JournalPosition {
    return { id: this.id, seq: this.lastSeq, offset: this.bytes };
  }

  /** Append one change (written at once; durable after sync()). Throws when it could not be written (nothing of it is left). */
  append(kind: ChangeKind, source: string, failed = false, unchanged = false): JournalEntry {
    const entry: JournalEntry = {
      seq: this.lastSeq + 1, time: new Date().toISOString(), kind, source,
      ...(failed && { failed: true as const }), ...(unchanged && { unchanged: true as const }),
    };
    this.write(JSON.stringify(entry));
    return entry;
  }

  /** Set entries from..to aside: they will not be offered again. */
  setAside(from: number, to: number): void {
    this.write(JSON.stringify({ seq: this.lastSeq + 1, time: new Date().toISOString(), kind: 'skip', from, to }));
  }

  /**
   * Flush what was appended to the disk (fsync). Every change is acknowledged after this.
   * Throws when it fails, after cutting the file back to what the last good fsync kept.
   */
  sync(): void {
    if (this.fd >= 0 && this.dirty) {
      try {
        this.flush();
        this.io.fsync(this.fd);
      } catch (e) {
        this.cutBack(this.synced.bytes);
        this.lastSeq = this.synced.seq;
        this.dirty = false;
        throw e;
      }
    }
    this.dirty = false;
    this.synced = { bytes: this.bytes, seq: this.lastSeq };
  }

  close(): void {
    try {
      this.sync();
    } finally {
      if (this.fd >= 0) this.io.close(this.fd);
      this.fd = -1;
    }
  }

  private write(line: string): void {
    if (this.fd < 0) this.openForAppend();
    if (this.cutTo >= 0) {
      // An earlier write failed and its partial line is still there: cut it off first.
      this.io.truncate(this.fd, this.cutTo);
      this.cutTo = -1;
    }
    if (this.buffered) {
      const text = line + '\n';
      const n = Buffer.byteLength(text, 'utf8');
      this.pending.push(text);
      this.pendingBytes += n;
      this.bytes += n;
    } else {
      const data = Buffer.from(line + '\n', 'utf8');
      this.writeAll(data, this.bytes);
      this.bytes += data.length;
    }
    this.lastSeq++;
    this.dirty = true;
  }

  /** Write what is buffered, in one write (the caller cuts back and throws when it fails). */
  private flush(): void {
    if (this.pending.length === 0) return;
    const data = Buffer.from(this.pending.join(''), 'utf8');
    const good = this.bytes - this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    this.writeAll(data, good);
  }

  /** Write all of `data` at the end (`good` bytes long before it), or cut back to `good` and throw. */
  private writeAll(data: Uint8Array, good: number): void {
    let done = 0;
    try {
      while (done < data.length) {
        const n = this.io.write(this.fd, data, done, data.length - done);
        if (n <= 0) throw new Error('the write made no progress');
        done += n;
      }
    } catch (e) {
      this.cutBack(good); // (when nothing went, the file is already that long)
      throw e;
    }
  }

  /** Cut the file back to `length` bytes (now, or before the next append when that fails). */
  private cutBack(length: number): void {
    this.bytes = length;
    try {
      this.io.truncate(this.fd, length);
      this.cutTo = -1;
    } catch {
      this.cutTo = length;
    }
  }

  /** Make the file ready for appending: ours, with no torn or damaged tail. */
  private openForAppend(): void {
    const s = this.scan;
    const fresh = !(s.id === this.id);
    if (s.unreadable !== undefined) {
      // Not a journal one can read (a FIFO, a device, a link to one, a giant): moved aside
      // (the link or node itself, never what it points to).
      renameSync(this.path, `${this.path}.unreadable-${stamp()}`);
    } else if (s.id !== null && s.id !== this.id) {
      renameSync(this.path, `${this.path}.orphan-${stamp()}`);
    } else if (s.id === null && s.fileBytes > 0) {
      renameSync(this.path, `${this.path}.damaged-${stamp()}`);
    } else if (s.id === this.id && s.damage !== null) {
      // Keep the damaged file whole, and go on from its good lines.
      const read = readRegular(this.path, MAX_JOURNAL_BYTES);
      if (!Buffer.isBuffer(read)) throw new Error(`${this.path} ${'error' in read ? read.error : 'is gone'}`);
      const good = read.subarray(0, s.goodBytes);
      const temp = `${this.path}.tmp-${process.pid}`;
      writeFileSync(temp, good);
      const fd = openSync(temp, 'r');
      fsyncSync(fd);
      closeSync(fd);
      renameSync(this.path, `${this.path}.damaged-${stamp()}`);
      renameSync(temp, this.path);
    } else if (s.id === this.id && s.torn) {
      truncateSync(this.path, s.goodBytes);
    }
    // Set right: a foreign or unreadable file is gone (kept aside), a damaged tail cut off.
    this.scan = fresh ? NO_FILE : { ...s, damage: null, torn: false };
    const fd = this.io.openAppend(this.path);
    try {
      const size = this.io.size(fd);
      if (fresh || size === 0) {
        if (size !== 0) this.io.truncate(fd, 0);
        const first = Buffer.from(JSON.stringify({ journal: 'bedrock', version: 1, id: this.id, created: new Date().toISOString() }) + '\n');
        this.fd = fd;
        // A header line cut short would leave a journal that is refused: all of it, durable,
        // or none.
        this.writeAll(first, 0);
        try {
          this.io.fsync(fd);
        } catch (e) {
          this.cutBack(0);
          throw e;
        }
        this.bytes = first.length;
      } else {
        this.fd = fd;
        this.bytes = size;
      }
    } catch (e) {
      this.fd = -1;
      try { this.io.close(fd); } catch { /* closing after a failure */ }
      this.bytes = 0;
      throw e;
    }
    this.synced = { bytes: this.bytes, seq: this.synced.seq };
    this.scan = { ...this.scan, id: this.id };
  }
}
