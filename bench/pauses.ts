/*
 * Collector pauses during a stretch of work, for Bedrock's heap (its onCollect hook) and for
 * V8's (v8.GCProfiler, which reports each collection's cost synchronously), so memory
 * benchmarks can give the same figures for both: collections, total and longest pause.
 */
import v8 from 'node:v8';
import type { Machine } from '../kernel/machine/machine.ts';
import { heapOf } from '../kernel/memory/heap.ts';
import type { Pauses } from './harness.ts';

/** Run fn, watching the collections of m's heap; what it returned and the pauses. */
export function heapPausesDuring<T>(m: Machine, fn: () => T): { value: T; pauses: Pauses } {
  const heap = heapOf(m);
  let minor = 0, major = 0, totalMs = 0, longestMs = 0;
  const previous = heap.hooks.onCollect;
  heap.hooks.onCollect = (r) => {
    if (r.kind === 'minor') minor++; else major++;
    totalMs += r.ms;
    longestMs = Math.max(longestMs, r.ms);
    previous?.(r);
  };
  try {
    const value = fn();
    return { value, pauses: { minor, major, totalMs, longestMs } };
  } finally {
    heap.hooks.onCollect = previous;
  }
}

/** Run fn, watching V8's collections (scavenges count as minor, the rest as major). */
export function v8PausesDuring<T>(fn: () => T): { value: T; pauses: Pauses } {
  const profiler = new v8.GCProfiler();
  profiler.start();
  let value: T;
  let data: ReturnType<typeof profiler.stop>;
  try {
    value = fn();
  } finally {
    data = profiler.stop();
  }
  let minor = 0, major = 0, totalMs = 0, longestMs = 0;
  for (const s of data?.statistics ?? []) {
    if (s.gcType === 'Scavenge' || s.gcType === 'MinorMarkSweep') minor++; else major++;
    const ms = s.cost / 1000;
    totalMs += ms;
    longestMs = Math.max(longestMs, ms);
  }
  return { value, pauses: { minor, major, totalMs, longestMs } };
}

export function describePauses(p: Pauses): string {
  const minor = `${p.minor} minor`;
  const major = p.major === 0 ? 'no major' : `${p.major} major`;
  return `${minor}, ${major}; total ${p.totalMs.toFixed(1)} ms, longest ${p.longestMs.toFixed(2)} ms`;
}
