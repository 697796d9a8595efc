/*
 * The suite: every benchmark, in groups, at full size or quick size. Full size is what the
 * README's figures come from; quick size (`--quick`, and the smoke test) runs the same code
 * on tiny inputs in seconds. The image and start-up benchmarks belong to the images and REPL
 * engineers (bench/image.ts, bench/startup.ts) and have one size; the suite adds GNU
 * Smalltalk's snapshot as a baseline of image.save.
 */
import type { Benchmark } from './harness.ts';
import { makeActorBenchmarks } from './actors.ts';
import { FORTH_SIZES, makeForthBenchmarks, type ForthSizes } from './forth.ts';
import { makeImagePeerBenchmarks } from './image-peer.ts';
import { imageBenchmarks } from './image.ts';
import { makeMachineBenchmarks, MACHINE_SIZES, TIER_NOTE, type MachineSizes } from './machine.ts';
import { makeMemoryBenchmarks, MEMORY_SIZES, type MemorySizes } from './memory.ts';
import { makeSendBenchmarks, SEND_SIZES, type SendSizes } from './sends.ts';
import { startupBenchmarks } from './startup.ts';
import { makeTinyBenchmarks, TINY_SIZES, type TinySizes } from './tiny.ts';

export interface Sizes {
  readonly machine: MachineSizes;
  readonly sends: SendSizes;
  readonly tiny: TinySizes;
  readonly memory: MemorySizes;
  readonly forth: ForthSizes;
  /** Objects of GNU Smalltalk's snapshot (image.ts has its own million). */
  readonly imageObjects: number;
}

export const FULL: Sizes = { machine: MACHINE_SIZES, sends: SEND_SIZES, tiny: TINY_SIZES, memory: MEMORY_SIZES, forth: FORTH_SIZES, imageObjects: 1_000_000 };

export const QUICK: Sizes = {
  machine: { registerTurns: 20_000, memoryCells: 4096, memoryPasses: 2 },
  sends: { fib: 12, runLoopTurns: 1000 },
  tiny: { sievePasses: 1, peerSievePasses: 1, sendTurns: 100, peerSendTurns: 1000 },
  memory: { shortLived: 20_000, longLived: 20_000, bigHeapObjects: 50_000 },
  forth: { fib: 12, sievePasses: 1 },
  imageObjects: 10_000,
};

export interface Group {
  readonly name: string;
  /** A line said under the group's title, if any. */
  readonly note?: string;
  readonly benchmarks: readonly Benchmark[];
}

/** Baselines the suite adds to benchmarks of other files. */
const EXTRA_BASELINES: Record<string, readonly string[]> = { 'image.save': ['peer.gst.snapshot'] };

function withExtraBaselines(b: Benchmark): Benchmark {
  const extra = EXTRA_BASELINES[b.name];
  return extra ? { ...b, baselines: [...(b.baselines ?? []), ...extra] } : b;
}

export interface SuiteOptions {
  /** Leave out the groups of fixed, full size that belong to others (images, start-up). */
  readonly onlySized?: boolean;
}

export function makeSuite(sizes: Sizes = FULL, options: SuiteOptions = {}): Group[] {
  const groups: Group[] = [
    { name: 'machine', note: TIER_NOTE, benchmarks: makeMachineBenchmarks(sizes.machine) },
    { name: 'sends', benchmarks: makeSendBenchmarks(sizes.sends) },
    { name: 'tiny', note: "Squeak's tinyBenchmarks in spirit: a sieve (counted as 500,000 bytecodes a pass) and a loop of sends", benchmarks: makeTinyBenchmarks(sizes.tiny) },
    { name: 'memory', benchmarks: makeMemoryBenchmarks(sizes.memory) },
    { name: 'forth', note: 'the Forth front end beside gforth-fast, on the same source (bench/forth.ts)', benchmarks: makeForthBenchmarks(sizes.forth) },
  ];
  if (!options.onlySized) {
    groups.push(
      { name: 'image', note: 'save and open of a one-million-object image (bench/image.ts)', benchmarks: [...imageBenchmarks.map(withExtraBaselines), ...makeImagePeerBenchmarks(sizes.imageObjects)] },
      { name: 'startup', note: 'how long a person waits: child processes of bin/bedrock.js (bench/startup.ts)', benchmarks: startupBenchmarks },
      { name: 'actors', note: 'actors on worker threads: two cores against one, a spawn, a round trip beside Node\'s own (bench/actors.ts)', benchmarks: makeActorBenchmarks() },
    );
  }
  return groups;
}

/** Every benchmark of the groups, in order. */
export function allBenchmarks(groups: readonly Group[]): Benchmark[] {
  return groups.flatMap((g) => g.benchmarks);
}
