/*
 * Image benchmarks: saving and opening an image that holds one million small objects, beside
 * building the same heap from scratch (genesis, the system's source, then the objects).
 *
 *   image.build   Bedrock.boot, then `Big := ImageBench buildList: 1000000`: a list of one
 *                 million 2-slot Arrays (element, next), each made by the ALLOCATE service
 *                 from a loop of machine code (3 cells each: 24 MB of cells, 3 MB of tags)
 *   image.save    saveImage of that heap to a file in a temporary directory (atomic: temp
 *                 file, fsync, rename, directory fsync; the previous file kept as .bak)
 *   image.open    openImage of that file: read, CRC-32, every check of validate.ts, the
 *                 kernel made over it (a running system: `Big size`-style sends work at once)
 *
 * Rates are objects per second (of the million); the details give milliseconds and bytes.
 * GNU Smalltalk's `ObjectMemory snapshot:` of the same million objects is beside image.save
 * in the suite (bench/image-peer.ts, peer.gst.snapshot), or reported missing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openImage } from '../image/open.ts';
import { saveImage } from '../image/save.ts';
import { Bedrock } from '../src/system/bedrock.ts';
import { timed, type Measurement } from './harness.ts';
import type { DetailedBenchmark } from './memory.ts';

const OBJECTS = 1_000_000;

/** A class whose one method builds the list in machine code (r14 the list, r15 the count). */
const BUILDER = `
Object subclass: #ImageBench
ImageBench class buildList: n ->
    push r14
    push r15
    mov r15, n
    mov r14, [rip+NIL]
    lp: mov rcx, 11
    mov rdx, 2
    xor r8, r8
    mov r11, ALLOCATE
    syscall
    mov [rax], r15
    mov [rax+8], r14
    mov r14, rax
    sub r15, 1
    jnz lp
    mov rax, r14
    pop r15
    pop r14
    ret
`;

let dir: string | null = null;
let built: Bedrock | null = null;
const times = { build: [] as number[], save: [] as number[], open: [] as number[] };
let fileBytes = 0;

function workDir(): string {
  if (!dir) {
    dir = mkdtempSync(join(tmpdir(), 'bedrock-bench-image-'));
    process.on('exit', () => { if (dir) rmSync(dir, { recursive: true, force: true }); });
  }
  return dir;
}

/** Boot and build; the Bedrock holding a million-object list. */
function build(): Bedrock {
  const b = Bedrock.boot();
  if (typeof b === 'string') throw new Error(`boot failed: ${b}`);
  const out = b.evaluate(`${BUILDER}\nBig := ImageBench buildList: ${OBJECTS}\n(Big at: 1)`);
  const bad = out.find((o) => o.kind === 'error');
  if (bad) throw new Error(`building the list failed: ${bad.text}`);
  if (out[out.length - 1].text !== '1') throw new Error(`the list's head holds ${out[out.length - 1].text}, not 1`);
  return b;
}

function imagePath(): string { return join(workDir(), 'million.image'); }

function sample(list: number[], fn: () => void): Measurement {
  const m = timed(() => { fn(); return OBJECTS; });
  list.push(m.seconds * 1000);
  return m;
}

function buildRun(): Measurement {
  return sample(times.build, () => { built = build(); });
}

function saveRun(): Measurement {
  const b = built ?? (built = build());
  return sample(times.save, () => {
    const r = saveImage(b.kernel, imagePath(), { backend: 'native', journal: { id: 'bench', seq: 0, offset: 0 } });
    if (!r.ok) throw new Error(r.error);
    fileBytes = r.bytes;
  });
}

function openRun(): Measurement {
  if (fileBytes === 0) saveRun();
  return sample(times.open, () => {
    const r = openImage(imagePath(), { checked: null }); // every check, each time (no record of an earlier one)
    if (!r.ok) throw new Error(`open failed: ${r.check}: ${r.message}`);
  });
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function details(): string[] {
  const ms = (xs: number[]): string => `${median(xs).toFixed(1)} ms`;
  const lines: string[] = [];
  if (times.build.length) lines.push(`image.build: boot and a million objects from scratch, median ${ms(times.build)}`);
  if (times.save.length) lines.push(`image.save: median ${ms(times.save)} (fastest ${Math.min(...times.save).toFixed(1)} ms), file ${(fileBytes / 1e6).toFixed(1)} MB (${fileBytes} bytes)`);
  if (times.open.length) lines.push(`image.open: median ${ms(times.open)} (fastest ${Math.min(...times.open).toFixed(1)} ms), every check included`);
  return lines;
}

export const imageBenchmarks: readonly DetailedBenchmark[] = [
  { name: 'image.build', unit: 'objects/s', run: buildRun, details },
  { name: 'image.save', unit: 'objects/s', baseline: 'image.build', run: saveRun, details },
  { name: 'image.open', unit: 'objects/s', baseline: 'image.build', run: openRun, details },
];
