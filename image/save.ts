/*
 * Saving an image: the kernel's heap, as format.ts lays it out, written so that the file at
 * PATH is at every moment either the previous image or the new one, complete:
 *
 *   1. write the new image to a temporary file beside it (.NAME.tmp-PID-RANDOM), fsync it;
 *   2. keep the previous image as NAME.bak: a hard link made under a temporary name and
 *      renamed over the old .bak (PATH itself is never absent);
 *   3. rename the temporary file over PATH (atomic), and fsync the directory so the rename
 *      itself is durable.
 *
 * A crash (even SIGKILL) at any point leaves PATH opening as before or as after, never a
 * mixture; at worst a temporary file is left behind, which the next save removes. The heap
 * goes from the machine's memory to the file without a copy (writev of views of it); the
 * payload's CRC-32 is computed over the same views.
 *
 * A save is made between top-level evaluations only (the Session defers `Image save` to the
 * end of the evaluation that asked for it): then no machine code is running, the stack is
 * empty and no register is live, so the heap is the whole state.
 */
import { closeSync, copyFileSync, existsSync, fsyncSync, linkSync, openSync, readdirSync, renameSync, unlinkSync, writevSync } from 'node:fs';
// node:crypto is loaded where it is used (process.getBuiltinModule): loaded with this module it cost every start ~5 ms.
import { basename, dirname, join } from 'node:path';
import type { Kernel } from '../kernel/objects/kernel.ts';
import { returnHome } from '../kernel/memory/stack.ts';
import {
  crc32Of, encodeHeader, FORMAT_VERSION, head, LAYOUT_FINGERPRINT, MAGIC, payloadBytes, WRITER, type ImageHeader, type SegmentEntry,
} from './format.ts';
import { expectedSegments, machineMadeCells } from './validate.ts';
import { notRegular, throughLinks } from './files.ts';
import { loadImage } from './open.ts';
import { nowMs } from '../kernel/machine/clock.ts';

/** Where in a save a test may stop the process (crash-safety tests kill it there). */
export type SavePoint = 'temp-created' | 'temp-half-written' | 'temp-written' | 'temp-synced' | 'backup-made' | 'renamed' | 'done';

/** The compiler's back end the image records (the compiler's own Backend, named here as the file format has it). */
type Backend = ImageHeader['kernel']['backend'];

export interface SaveOptions {
  readonly backend: Backend;
  /** The journal position the image includes (journal.ts). */
  readonly journal: ImageHeader['journal'];
  /** Called at each point of the save (tests). */
  readonly at?: (point: SavePoint) => void;
}

export type SaveResult =
  | { readonly ok: true; readonly header: ImageHeader; readonly bytes: number; readonly ms: number; readonly checkMs: number }
  | { readonly ok: false; readonly error: string };

/** The parts of an image file for `kernel`'s heap: the header and views of memory, in order. */
export function imageParts(kernel: Kernel, backend: Backend, journal: ImageHeader['journal']): { header: ImageHeader; parts: Uint8Array[] } {
  const m = kernel.machine, heap = kernel.heap, st = m.store;
  const stackCells = (m.stackHi - m.stackLo) / 8;
  const segments: SegmentEntry[] = expectedSegments(m.lowCells, heap.fixedTop, m.fixedHi, heap.oldTop, heap.nurseryLo, heap.nurseryTop, m.fixedBoot);
  if (m.fixedBoot !== machineMadeCells(m.lowCells, stackCells)) throw new Error(`the machine's own objects end at ${m.fixedBoot}, not where an image's fixed segment begins`);
  const payload: Uint8Array[] = [head(0xdd, 2 * segments.length)];
  for (const s of segments) {
    payload.push(head(0xc6, 8 * s.cells), st.bytes.subarray(8 * s.first, 8 * (s.first + s.cells)));
    payload.push(head(0xc6, s.cells), st.tags.subarray(s.first, s.first + s.cells));
  }
  let crc = 0;
  for (const p of payload) crc = crc32Of(p, crc);
  const header: ImageHeader = {
    format: FORMAT_VERSION,
    writer: WRITER,
    created: new Date().toISOString(),
    layout: LAYOUT_FINGERPRINT,
    machine: { cells: st.cellCount, lowCells: m.lowCells, fixedHi: m.fixedHi, stackCells },
    heap: {
      fixedTop: heap.fixedTop, oldTop: heap.oldTop, oldEnd: heap.oldEnd, nurseryLo: heap.nurseryLo, nurseryTop: heap.nurseryTop,
      nurseryCells: heap.nurseryCells, maxCells: heap.maxCells, largeObjectCells: heap.largeObjectCells, growthFactor: heap.growthFactor,
    },
    kernel: { roots: kernel.roots, backend },
    journal,
    segments,
    payload: { bytes: payloadBytes(segments), crc32: crc >>> 0 },
  };
  const headerBytes = encodeHeader(header);
  const parts = [MAGIC, head(0xce, headerBytes.length), headerBytes, head(0xce, crc32Of(headerBytes) >>> 0), ...payload];
  return { header, parts };
}

/** A save refused by the checks (not a failure of the file system). */
class SaveRefused extends Error {}

/** Why the kernel cannot be saved now, or null. */
function notQuiet(kernel: Kernel): string | null {
  const m = kernel.machine;
  if (m.inService.length > 0 || m.resumeAt !== null) return 'code is running (a save is made between evaluations)';
  // Between evaluations nothing lives on the stack: what a program left there (a jump to the
  // exit stub with values pushed) is dropped, so that no program can make the image unsaveable.
  if (Number(m.register(4)) !== m.stackHi) m.unwind();
  // An image holds the machine's own stack: a grown one (kernel/memory/stack.ts) is left.
  returnHome(kernel.heap);
  return null;
}

/**
 * Clear the stack below rsp: it is dead (the collector clears it too), and an image should
 * not carry old frames' return addresses and stack addresses (each would be checked on open).
 */
function clearDeadStack(kernel: Kernel): void {
  const m = kernel.machine;
  const lo = m.stackLo >> 3, hi = Number(m.register(4)) >> 3;
  m.store.cells32.fill(0, 2 * lo, 2 * hi);
  m.store.tags.fill(0, lo, hi);
}

function writeAll(fd: number, parts: readonly Uint8Array[]): void {
  let queue = parts.filter((p) => p.length > 0);
  while (queue.length > 0) {
    let n = writevSync(fd, queue.slice(0, 1024));
    // A short write: drop what went out and go on with the rest.
    const rest: Uint8Array[] = [];
    for (const p of queue) {
      if (n >= p.length) { n -= p.length; continue; }
      rest.push(n > 0 ? p.subarray(n) : p);
      n = 0;
    }
    queue = rest;
  }
}

/** Temporary files of earlier saves of `path` whose process is gone. */
function removeStaleTemporaries(path: string): void {
  const dir = dirname(path), prefix = `.${basename(path)}.tmp-`;
  let names: string[];
  try { names = readdirSync(dir); } catch { return; }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length).split('-')[0]);
    if (pid === process.pid || (Number.isInteger(pid) && pid > 0 && alive(pid))) continue;
    try { unlinkSync(join(dir, name)); } catch { /* another saver's, or gone already */ }
  }
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

function syncDirectory(dir: string): void {
  let fd = -1;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some file systems cannot fsync a directory; the rename is still atomic.
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/** Save `kernel`'s heap as the image at `path`, atomically, keeping the previous one as PATH.bak. */
export function saveImage(kernel: Kernel, given: string, options: SaveOptions): SaveResult {
  const t0 = nowMs();
  // Through a link to an image, the image it points to is written (in its own directory).
  const path = throughLinks(given);
  const unfit = notRegular(path);
  if (unfit) return { ok: false, error: `cannot save ${given}: it ${unfit}` };
  const refused = notQuiet(kernel);
  if (refused) return { ok: false, error: `cannot save now: ${refused}` };
  clearDeadStack(kernel);
  const at = options.at ?? ((): void => {});
  const dir = dirname(path);
  removeStaleTemporaries(path);
  const temp = join(dir, `.${basename(path)}.tmp-${process.pid}-${process.getBuiltinModule('node:crypto').randomBytes(4).toString('hex')}`);
  let fd = -1;
  let checkMs = 0;
  try {
    const { header, parts } = imageParts(kernel, options.backend, options.journal);
    fd = openSync(temp, 'wx', 0o644);
    at('temp-created');
    const half = Math.ceil(parts.length / 2);
    writeAll(fd, parts.slice(0, half));
    at('temp-half-written');
    writeAll(fd, parts.slice(half));
    at('temp-written');
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    at('temp-synced');
    // The checks an open makes, on the file as written: a heap that would not open again (one
    // spoiled through Memory, say) is refused here, and the image on disk stays as it was.
    const check = loadImage(temp);
    if (!check.ok) throw new SaveRefused(`the image would not open again (${check.check} check failed: ${check.message}); the image on disk is unchanged, and the journal keeps the changes`);
    checkMs = check.timing.read + check.timing.check;
    if (existsSync(path)) {
      const bakTemp = `${temp}.bak`;
      try { linkSync(path, bakTemp); } catch { copyFileSync(path, bakTemp); }
      renameSync(bakTemp, `${path}.bak`);
      // When the .bak was already this same file (a save killed just after its backup),
      // rename does nothing and leaves the temporary link.
      if (existsSync(bakTemp)) unlinkSync(bakTemp);
      at('backup-made');
    }
    renameSync(temp, path);
    at('renamed');
    syncDirectory(dir);
    at('done');
    const bytes = parts.reduce((n, p) => n + p.length, 0);
    return { ok: true, header, bytes, ms: nowMs() - t0, checkMs };
  } catch (e) {
    if (fd >= 0) { try { closeSync(fd); } catch { /* closing after a failure */ } }
    for (const f of [temp, `${temp}.bak`]) { try { unlinkSync(f); } catch { /* not made */ } }
    if (e instanceof SaveRefused) return { ok: false, error: `refused to save ${path}: ${e.message}` };
    return { ok: false, error: `cannot save ${path}: ${e instanceof Error ? e.message : String(e)}` };
  }
}
