/*
 * `bedrock image info FILE`: what an image file holds and whether it is sound, as text. The
 * file goes through every check an open makes (open.ts, validate.ts), so "all checks pass"
 * means the image will open; nothing runs and nothing is written.
 */
import { statSync } from 'node:fs';
import { describeImageError, WRITER } from './format.ts';
import { scanJournal } from './journal.ts';
import { loadImage } from './open.ts';
import { nowMs } from '../kernel/machine/clock.ts';

export interface ImageInfo {
  /** Every check passed. */
  readonly ok: boolean;
  /** Lines to print. */
  readonly lines: readonly string[];
}

const mb = (cells: number): string => `${(cells * 8 / 1e6).toFixed(1)} MB`;
const count = (n: number): string => n.toLocaleString('en-US');

/** The facts of the image at `path`, and whether it passes every check. */
export function imageInfo(path: string): ImageInfo {
  const lines: string[] = [`image     ${path}`];
  let size = -1;
  try { size = statSync(path).size; } catch { /* loadImage says why */ }
  if (size >= 0) lines.push(`size      ${(size / 1e6).toFixed(1)} MB (${size} bytes)`);
  const t0 = nowMs();
  // Every check, whatever records of earlier ones there are (checked.ts): this is the command
  // that says whether the file passes them.
  const r = loadImage(path, { checked: null });
  const ms = nowMs() - t0;
  if (!r.ok) {
    lines.push(`checks    FAILED: ${describeImageError(path, r)}`);
    return { ok: false, lines };
  }
  const h = r.header, k = r.kernelFacts, f = r.heapFacts;
  const m = r.machine, heap = r.heap;
  lines.push(`format    version ${h.format}, written by ${h.writer} at ${h.created}${h.writer === WRITER ? '' : ` (this is ${WRITER})`}`);
  lines.push(`objects   ${count(f.objects)}: ${count(k.behaviours)} behaviours, ${count(k.methods)} methods in their chains, ${count(k.globals)} globals, ${count(k.symbols.length)} symbols, ${count(k.logEntries)} definitions in the log`);
  lines.push(`heap      ${mb(f.usedCells)} in use of ${mb(m.store.cellCount)} of memory: fixed ${mb(heap.fixedTop - m.fixedLo)} of ${mb(m.fixedHi - m.fixedLo)}, old ${mb(heap.oldTop - heap.oldLo)} of ${mb(heap.oldEnd - heap.oldLo)}, nursery ${mb(heap.nurseryTop - heap.nurseryLo)} of ${mb(heap.nurseryEnd - heap.nurseryLo)}`);
  lines.push(`marks     ${k.marks.length === 0 ? 'none' : `${k.marks.length}, newest first: ${k.marks.join(', ')}`}`);
  lines.push(`back end  ${h.kernel.backend}`);
  const changes = `${path}.changes`;
  const scan = scanJournal(changes, h.journal);
  if (scan.id === null && scan.fileBytes === 0) {
    lines.push('journal   no changes since this image was saved (no journal file)');
  } else if (scan.id !== h.journal.id) {
    lines.push(`journal   ${changes} belongs to another image (its changes do not apply to this one)`);
  } else {
    const n = scan.entries.length;
    const damage = scan.damage ? `; damaged at ${scan.damage}` : scan.torn ? '; its last line is cut short (ignored)' : '';
    lines.push(`journal   ${n === 0 ? 'no changes' : `${n} change${n === 1 ? '' : 's'}`} since this image was saved${n > 0 ? `, from ${scan.entries[0].time} to ${scan.entries[n - 1].time}` : ''}${damage}`);
  }
  lines.push(`checks    all pass (magic, header, version, layout, size, checksums, geometry, heap walk, pointers, kernel objects, chains, globals, marks, log, symbols) in ${ms.toFixed(0)} ms`);
  return { ok: true, lines };
}
