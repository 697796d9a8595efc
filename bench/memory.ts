/*
 * Memory benchmarks: objects allocated per second by machine code through the ALLOCATE
 * service, with the collector's pauses (count, total, longest), beside plain JavaScript
 * allocating the same objects (V8's pauses from v8.GCProfiler).
 *
 *   memory.short-lived   ten million small objects that die young: a loop making a 2-slot and
 *                        a 4-slot object a turn, each pointing at the one before; every 64
 *                        turns the chain is dropped:
 *                          lp: mov rdx, 2 / syscall / mov [rax], rbx / mov rbx, rax /
 *                              (the same with 4) / add r12, 1 / test r12, 63 / jnz next /
 *                              mov rbx, 0 / next: cmp r12, r13 / jne lp
 *   js.short-lived       the same objects as JavaScript arrays, chained and dropped the same way
 *   memory.long-lived    one million 2-slot objects (value, next) in a list that stays live to
 *                        the end of the run, on a fresh machine each run: every object
 *                        survives, so the collector copies (promotes) them all
 *   js.long-lived        the same list of JavaScript arrays
 *   memory.short-lived-100mb   memory.short-lived on a heap first given 2.5 M 4-slot objects
 *                        (12.5 M cells, 100 MB) built by machine code and live throughout:
 *                        what matters is that the pauses stay short with a big old space
 */
import { assemble } from '../kernel/machine/x86/assembler.ts';
import { Machine } from '../kernel/machine/machine.ts';
import { Heap, heapOf, SERVICE_ALLOCATE } from '../kernel/memory/heap.ts';
import type { GcStats } from '../kernel/memory/heap.ts';
import { timed, type Benchmark, type Measurement, type Pauses } from './harness.ts';
import { describePauses, heapPausesDuring, v8PausesDuring } from './pauses.ts';

export interface MemorySizes {
  /** Short-lived objects a run (two a turn). */
  readonly shortLived: number;
  /** Long-lived objects a run. */
  readonly longLived: number;
  /** Objects of the 100 MB heap (5 cells each), built once. */
  readonly bigHeapObjects: number;
}

export const MEMORY_SIZES: MemorySizes = { shortLived: 10_000_000, longLived: 1_000_000, bigHeapObjects: 2_500_000 };

/** Benchmarks of other files written before these took a details function (kept for them). */
export type DetailedBenchmark = Benchmark;

/** A machine with a heap of the default sizes. */
function newMachine(): Machine {
  const m = new Machine();
  new Heap(m);
  return m;
}

function code(m: Machine, source: string): number {
  const r = assemble(source);
  if (!r.ok) throw new Error(`benchmark source does not assemble: ${r.error.message}`);
  const c = m.loadCode(r.bytes);
  heapOf(m).roots.addPointer(c);
  return c;
}

/** r13 turns, two objects a turn. */
const SHORT_LIVED_LOOP = `
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

/** r13 nodes [value, next] (SLOTS slots), the list in r14. */
const listLoop = (slots: number): string => `
  mov rcx, 6
  mov r8, 0
  mov r11, ${SERVICE_ALLOCATE}
  mov r12, 0
  mov r14, 0
lp:
  mov rdx, ${slots}
  syscall
  mov [rax], r12
  mov [rax+8], r14
  mov r14, rax
  add r12, 1
  cmp r12, r13
  jne lp
  mov rax, 0
  ret`;

function run(m: Machine, c: number, r13: number): number {
  m.setRegister(13, BigInt(r13));
  const result = m.call(c, { steps: Number.MAX_SAFE_INTEGER });
  if (result.fault) throw new Error(`benchmark faulted: ${m.describe(result.fault)}`);
  return result.steps;
}

/** A timed run of machine code, with its instructions and the collector's pauses. */
function watched(m: Machine, c: number, r13: number, work: number): Measurement {
  let steps = 0;
  let pauses: Pauses | undefined;
  const t = timed(() => {
    const w = heapPausesDuring(m, () => run(m, c, r13));
    steps = w.value;
    pauses = w.pauses;
    return work;
  });
  return { ...t, instructions: steps, pauses };
}

function jsWatched(fn: () => number): Measurement {
  let pauses: Pauses | undefined;
  const t = timed(() => {
    const w = v8PausesDuring(fn);
    pauses = w.pauses;
    return w.value;
  });
  return { ...t, pauses };
}

/** Keep results alive so the JIT cannot drop the work. */
export let sink: unknown = null;

function jsShortLived(turns: number): number {
  let chain: unknown[] | null = null;
  for (let i = 1; i <= turns; i++) {
    chain = [chain, 0];
    chain = [chain, 0, 0, 0];
    if ((i & 63) === 0) { sink = chain; chain = null; }
  }
  sink = chain;
  return turns * 2;
}

function jsLongLived(n: number): number {
  let list: unknown[] | null = null;
  for (let i = 0; i < n; i++) list = [i, list];
  sink = list;
  let length = 0;
  for (let p = list; p !== null; p = p[1] as unknown[] | null) length++;
  sink = null;
  return length;
}

interface BigHeap { m: Machine; loop: number; buildMs: number; build: Pauses; memoryCells: number }

function cellsText(m: Machine): string {
  const u = heapOf(m).usage();
  const mb = (cells: number): string => `${(cells * 8 / 1e6).toFixed(1)} MB`;
  return `${mb(u.memoryCells)} (old ${mb(u.oldUsed)} of ${mb(u.oldCells)}, nursery ${mb(u.nurseryCells)})`;
}

let lastBig: BigHeap | null = null;

export function makeMemoryBenchmarks(s: MemorySizes = MEMORY_SIZES): Benchmark[] {
  const turns = Math.ceil(s.shortLived / 2);
  let small: { m: Machine; loop: number } | null = null;
  let big: BigHeap | null = null;
  const bigHeap = (): BigHeap => {
    if (big) return big;
    const m = newMachine();
    const build = code(m, listLoop(4));
    const loop = code(m, SHORT_LIVED_LOOP);
    const t0 = performance.now();
    const w = heapPausesDuring(m, () => run(m, build, s.bigHeapObjects));
    big = lastBig = { m, loop, buildMs: performance.now() - t0, build: w.pauses, memoryCells: m.store.cellCount };
    return big;
  };
  const bigMb = (s.bigHeapObjects * 5 * 8 / 1e6).toFixed(0);
  return [
    {
      name: 'memory.short-lived', unit: 'objects/s', size: `${turns * 2} objects`, baseline: 'js.short-lived',
      about: 'small objects that die young, made by machine code through ALLOCATE',
      run: () => {
        if (!small) { const m = newMachine(); small = { m, loop: code(m, SHORT_LIVED_LOOP) }; }
        return watched(small.m, small.loop, turns, turns * 2);
      },
      details: () => (small ? [`memory.short-lived: heap after the runs ${cellsText(small.m)}`] : []),
    },
    { name: 'js.short-lived', unit: 'objects/s', size: `${turns * 2} arrays`, about: 'the same objects as JavaScript arrays', run: () => jsWatched(() => jsShortLived(turns)) },
    {
      name: 'memory.long-lived', unit: 'objects/s', size: `${s.longLived} objects`, baseline: 'js.long-lived',
      about: 'a list of 2-slot objects kept live to the end of the run (a fresh machine each run)',
      run: () => {
        const m = newMachine();
        const c = code(m, listLoop(2));
        const r = watched(m, c, s.longLived, s.longLived);
        if (m.registerTag(14) !== 1) throw new Error('the long-lived list is gone');
        return r;
      },
    },
    { name: 'js.long-lived', unit: 'objects/s', size: `${s.longLived} arrays`, about: 'the same list of JavaScript arrays', run: () => jsWatched(() => jsLongLived(s.longLived)) },
    {
      name: 'memory.short-lived-100mb', unit: 'objects/s', size: `${turns * 2} objects beside ${bigMb} MB live`, baseline: 'js.short-lived',
      about: `memory.short-lived with ${s.bigHeapObjects} long-lived objects (${bigMb} MB) in the heap`,
      run: () => {
        const b = bigHeap();
        const r = watched(b.m, b.loop, turns, turns * 2);
        if (b.m.registerTag(14) !== 1) throw new Error('the long-lived list is gone');
        return r;
      },
      details: () => (big ? [
        `memory.short-lived-100mb: built ${s.bigHeapObjects} objects (${bigMb} MB live) in ${big.buildMs.toFixed(0)} ms, ${describePauses(big.build)}; heap after the runs ${cellsText(big.m)}`,
      ] : []),
    },
  ];
}

/** For tests and tools: the collector statistics of the last 100 MB heap built, if any. */
export function bigHeapStats(): GcStats | null { return lastBig ? heapOf(lastBig.m).stats : null; }

/** The benchmarks at their full sizes. */
export const memoryBenchmarks: readonly Benchmark[] = makeMemoryBenchmarks();
