/*
 * Memory benchmarks: objects allocated per second by machine code through the allocation
 * service, beside plain JavaScript allocating the same small objects; and the same with about
 * 100 MB of long-lived data in the heap, where what matters is the collector's pauses.
 *
 *   memory.alloc       a loop making objects of 2, 3 and 4 slots (one site each), each new
 *                      object pointing at the one before; every 64 turns the chain is dropped,
 *                      so nearly everything dies young:
 *                        lp: mov rdx, 2 / syscall / mov [rax], rbx / mov rbx, rax
 *                            (the same with 3 and 4) / add r12, 1 / test r12, 63 / jnz /
 *                            mov rbx, 0 / cmp r12, r13 / jne lp
 *   js.alloc           the same objects as JavaScript arrays, chained and dropped the same way
 *   memory.alloc-100mb memory.alloc on a heap first given a 2.5 M-object list (5 cells each:
 *                      12.5 M cells, 100 MB) built by machine code and kept live throughout
 *
 * The pauses (longest and total, minor and major) of the last run of each, and of the
 * 100 MB build, are printed after the table (details()).
 */
import { assemble } from '../bootstrap/assembler.ts';
import { Machine } from '../kernel/machine/machine.ts';
import { SERVICE_ALLOCATE } from '../kernel/memory/heap.ts';
import type { GcStats } from '../kernel/memory/heap.ts';
import { timed, type Benchmark } from './harness.ts';

const TURNS = 1_000_000;
const OBJECTS = TURNS * 3;
const BIG_OBJECTS = 2_500_000;

function code(m: Machine, source: string): number {
  const r = assemble(source);
  if (!r.ok) throw new Error(`benchmark source does not assemble: ${r.error.message}`);
  const c = m.loadCode(r.bytes);
  m.heap.roots.addPointer(c);
  return c;
}

const ALLOC_LOOP = `
  mov rcx, 5
  mov r8, 0
  mov r11, ${SERVICE_ALLOCATE}
  mov r12, 0
  mov rbx, 0
lp:
  mov rdx, 2
  syscall
  mov [rax], rbx
  mov rbx, rax
  mov rdx, 3
  syscall
  mov [rax], rbx
  mov rbx, rax
  mov rdx, 4
  syscall
  mov [rax], rbx
  mov rbx, rax
  add r12, 1
  test r12, 63
  jnz next
  mov rbx, 0
next:
  cmp r12, r13
  jne lp
  mov rax, 0
  mov rbx, 0
  ret`;

/** r13 nodes [next, i, 0, 0], the list in r14. */
const BUILD_LOOP = `
  mov rcx, 6
  mov r8, 0
  mov r11, ${SERVICE_ALLOCATE}
  mov r12, 0
  mov r14, 0
lp:
  mov rdx, 4
  syscall
  mov [rax], r14
  mov [rax+8], r12
  mov r14, rax
  add r12, 1
  cmp r12, r13
  jne lp
  mov rax, 0
  ret`;

interface PauseSummary {
  minor: number;
  major: number;
  longestMinorMs: number;
  longestMajorMs: number;
  totalMs: number;
}

/** Pause statistics over a stretch of time: collections and pauses between two snapshots. */
function pausesDuring(m: Machine, fn: () => void): PauseSummary {
  const heap = m.heap;
  const s: PauseSummary = { minor: 0, major: 0, longestMinorMs: 0, longestMajorMs: 0, totalMs: 0 };
  const previous = heap.hooks.onCollect;
  heap.hooks.onCollect = (r) => {
    if (r.kind === 'minor') { s.minor++; s.longestMinorMs = Math.max(s.longestMinorMs, r.ms); } else { s.major++; s.longestMajorMs = Math.max(s.longestMajorMs, r.ms); }
    s.totalMs += r.ms;
  };
  try { fn(); } finally { heap.hooks.onCollect = previous; }
  return s;
}

function describePauses(p: PauseSummary): string {
  const minor = `${p.minor} minor (longest ${p.longestMinorMs.toFixed(2)} ms)`;
  const major = p.major === 0 ? 'no major' : `${p.major} major (longest ${p.longestMajorMs.toFixed(1)} ms)`;
  return `${minor}, ${major}; total pause ${p.totalMs.toFixed(1)} ms`;
}

function run(m: Machine, c: number, r13: number): number {
  m.setRegister(13, BigInt(r13));
  const result = m.call(c, { steps: Number.MAX_SAFE_INTEGER });
  if (result.fault) throw new Error(`benchmark faulted: ${m.describe(result.fault)}`);
  return result.steps;
}

// ---- memory.alloc -----------------------------------------------------------------------

let small: { m: Machine; loop: number } | null = null;
let smallPauses: PauseSummary | null = null;

function allocRun(): number {
  if (!small) { const m = new Machine(); small = { m, loop: code(m, ALLOC_LOOP) }; }
  const { m, loop } = small;
  smallPauses = pausesDuring(m, () => run(m, loop, TURNS));
  return OBJECTS;
}

// ---- js.alloc -----------------------------------------------------------------------------

export let sink: unknown = null;

function jsAllocRun(): number {
  let chain: unknown[] | null = null;
  for (let i = 1; i <= TURNS; i++) {
    chain = [chain, 0];
    chain = [chain, 0, 0];
    chain = [chain, 0, 0, 0];
    if ((i & 63) === 0) { sink = chain; chain = null; }
  }
  sink = chain;
  return OBJECTS;
}

// ---- memory.alloc-100mb -------------------------------------------------------------------

let big: { m: Machine; loop: number; buildMs: number; build: PauseSummary; memoryCells: number } | null = null;
let bigPauses: PauseSummary | null = null;

function bigHeap(): NonNullable<typeof big> {
  if (big) return big;
  const m = new Machine();
  const build = code(m, BUILD_LOOP);
  const loop = code(m, ALLOC_LOOP);
  const t0 = performance.now();
  const pauses = pausesDuring(m, () => run(m, build, BIG_OBJECTS));
  big = { m, loop, buildMs: performance.now() - t0, build: pauses, memoryCells: m.store.cellCount };
  return big;
}

function bigRun(): number {
  const b = bigHeap();
  bigPauses = pausesDuring(b.m, () => run(b.m, b.loop, TURNS));
  if (b.m.registerTag(14) !== 1) throw new Error('the long-lived list is gone');
  return OBJECTS;
}

function details(): string[] {
  const lines: string[] = [];
  if (smallPauses && small) lines.push(`memory.alloc: last run ${describePauses(smallPauses)}; heap ${cellsText(small.m)}`);
  if (big) {
    lines.push(`memory.alloc-100mb build: ${BIG_OBJECTS / 1e6} M objects (${(BIG_OBJECTS * 5 * 8 / 1e6).toFixed(0)} MB live) in ${big.buildMs.toFixed(0)} ms; ${describePauses(big.build)}; memory grew to ${(big.memoryCells * 8 / 1e6).toFixed(0)} MB of cells`);
  }
  if (bigPauses && big) lines.push(`memory.alloc-100mb steady phase: last run ${describePauses(bigPauses)}; heap ${cellsText(big.m)}`);
  return lines;
}

function cellsText(m: Machine): string {
  const u = m.heap.usage();
  const mb = (cells: number): string => `${(cells * 8 / 1e6).toFixed(1)} MB`;
  return `${mb(u.memoryCells)} (old ${mb(u.oldUsed)} of ${mb(u.oldCells)}, nursery ${mb(u.nurseryCells)})`;
}

export interface DetailedBenchmark extends Benchmark {
  /** Lines to print after the table. */
  readonly details?: () => string[];
}

export const memoryBenchmarks: readonly DetailedBenchmark[] = [
  { name: 'memory.alloc', unit: 'objects/s', baseline: 'js.alloc', run: () => timed(allocRun), details },
  { name: 'js.alloc', unit: 'objects/s', run: () => timed(jsAllocRun) },
  { name: 'memory.alloc-100mb', unit: 'objects/s', baseline: 'js.alloc', run: () => timed(bigRun), details },
];

/** For tests and tools: the collector statistics of the 100 MB heap, if built. */
export function bigHeapStats(): GcStats | null { return big?.m.heap.stats ?? null; }
