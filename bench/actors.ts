/*
 * Actors (issue 14): what a spawn costs, what a message round trip costs, and whether two
 * actors on this machine's two cores do twice the work of one. Every figure comes from the
 * same run as its baseline:
 *
 *   actors.fib.two      fib N twice, one fib in each of two actors at once (spawns included)
 *   actors.fib.one      the same two fibs one after the other in one actor (its spawn included)
 *   actors.fib-long.*   the same with fib N + 2 (2.6 times the work an actor): what a pair
 *                       costs besides its work (two spawns, the later actor's start) counts
 *                       for less, and the ratio says more of how the two cores share the work
 *   actors.spawn        [3] spawn value: a snapshot of the image, a worker opening it, the answer
 *   actors.round-trip   a send: to an echoing actor and the receive of its reply (integers)
 *   node.round-trip     the same round trip between two Node threads, with the same means
 *                       (a MessagePort read with receiveMessageOnPort, Atomics.wait/notify on a
 *                       shared counter): the floor for a round trip between workers in Node
 *   actors.ceiling.two  the machine's own ceiling for two threads against one, measured in the
 *   actors.ceiling.one  same run: a JavaScript fib N twice, in two Node workers kept running
 *                       (one fib each) or both in one of them, the main thread waiting as the
 *                       spawner of two actors waits (Atomics.wait): what two cores give plain
 *                       Node when nothing is started, copied or translated; timed in pairs as
 *                       the actors' fib is
 *
 * The cores themselves: this machine is a virtual one, and the host does not always give its
 * two cores the same speed (one was seen running JavaScript 1.5 times slower than the other
 * for seconds at a time, nothing else running in the machine). Two equal halves finish when
 * the slower core does, and one actor runs at the speed of whichever core it is on, so two
 * against one can then be at most 2 × fast/slow. The details say how fast each core was just
 * before and just after the pairs (coreSpeeds: the same JavaScript on every core at once,
 * each pinned to its core with taskset), so that a figure below 2 can be told from a core
 * that was slow.
 *
 * actors.fib.two and actors.fib.one are timed in pairs (two, then one, again and again), warm:
 * after the pool's workers have run enough actors for V8 to have compiled their JavaScript
 * and fallen quiet, and the spawner's own code (spawn, value, the printing of the answer) is
 * translated (settle), so that neither is timed beside V8 still compiling on its threads. The
 * details give the first pairs' figure too, cold.
 *
 * N is 30: two fibs of ~35 ms each beside what two spawns cost (the later actor's block begins
 * some 4.3 ms into the evaluation, and one actor's some 3.2 ms; the answers come back ~1 ms
 * after the blocks end), the figure issue 14 asks about; actors.fib-long times fib 32 (~92 ms
 * an actor) in pairs of its own after those. BEDROCK_ACTORS_FIB=N sets N (20 to 40; the
 * JavaScript ceiling's fib is N + 4, about as long).
 *
 * The actors' workers run the build's dist/actor-worker.cjs when the build is fresh (a worker
 * from the sources compiles them through tsx first, which would be most of a spawn); the
 * details say which. Timings are reported, never asserted.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { built } from '../bin/fresh.cjs';
import { projectFile, projectRoot } from '../bootstrap/project-files.ts';
import { snapshotsTaken } from '../image/snapshot.ts';
import { actorOpens, poolWorkers } from '../src/system/actor-service.ts';
import type { Benchmark, Measurement } from './harness.ts';
import { fibCalls, fibOf, FIB_PROGRAM } from './sends.ts';
import { bedrockOf, define, ENGINES, timedEval } from './systems.ts';

export interface ActorSizes {
  /** fib N in each half of the parallel benchmark. */
  readonly fib: number;
  /** Spawns in one run of actors.spawn. */
  readonly spawns: number;
  /** Round trips in one run. */
  readonly roundTrips: number;
  /** fib N in JavaScript in each half of the Node ceiling (about the time of the actors' fib). */
  readonly nodeFib: number;
}

/** fib N of the parallel benchmark: 30, or BEDROCK_ACTORS_FIB (see the header). */
function fibSize(): number {
  const n = Number(process.env.BEDROCK_ACTORS_FIB ?? 30);
  return Number.isInteger(n) && n >= 20 && n <= 40 ? n : 30;
}

export const ACTOR_SIZES: ActorSizes = { fib: fibSize(), spawns: 5, roundTrips: 2000, nodeFib: fibSize() + 4 };

const ENGINE = ENGINES[0]; // native, tiers as a user gets them

const bundle = projectFile('dist/actor-worker.cjs');

/** The build's worker when it is there and fresh (bin/fresh.cjs, as bin/bedrock.js decides); else null (the sources, through tsx). */
function freshBundle(): string | null {
  return existsSync(bundle) && built(projectRoot() + '/') ? bundle : null;
}

let workerChosen: string | null | undefined;
function useBuiltWorkers(): void {
  if (workerChosen !== undefined) return;
  workerChosen = freshBundle();
  if (workerChosen) process.env.BEDROCK_ACTOR_WORKER = workerChosen;
}

function prepare(): void {
  useBuiltWorkers();
  define(ENGINE, 'fib', FIB_PROGRAM);
}

const fibExpression = (n: number, two: boolean): string => two
  ? `| a b | a := [${n} fib] spawn. b := [${n} fib] spawn. a value + b value`
  : `[${n} fib + ${n} fib] spawn value`;

function fibRun(n: number, two: boolean): Measurement {
  prepare();
  return timedEval(ENGINE, fibExpression(n, two), String(2 * fibOf(n)), 2 * fibCalls(n));
}

/**
 * How fast each core is now: a JavaScript fib 25 run again and again for 0.4 s in a process
 * pinned to each core (taskset), all at once; for each core, the median ms of one fib 25, and
 * the ms the probe waited for its core meanwhile (other work on it: its runqueue wait, from
 * /proc/thread-self/schedstat), which says whether the time is the core's speed or its load.
 * A string says why not (no taskset: not Linux, or not installed).
 */
function coreSpeeds(): { ms: number[]; waited: number[] } | string {
  const cores = Math.min(availableParallelism(), 8);
  const probe = `const q=()=>{try{return Number(require("fs").readFileSync("/proc/thread-self/schedstat","utf8").split(" ")[1])/1e6}catch{return 0}};` +
    `const f=(n)=>n<2?n:f(n-1)+f(n-2);f(20);const t=[];const w=q();const end=performance.now()+400;` +
    `while(performance.now()<end){const a=performance.now();f(25);t.push(performance.now()-a);}` +
    `t.sort((a,b)=>a-b);console.log(process.argv[1]+" "+t[t.length>>1]+" "+(q()-w));`;
  // (Quoted for sh: neither the probe nor a sane path to node holds a single quote.)
  if (process.execPath.includes("'")) return "the cores' speeds were not measured (the path to node holds a quote)";
  const script = Array.from({ length: cores }, (_, c) => `taskset -c ${c} '${process.execPath}' -e '${probe}' ${c} &`).join(' ') + ' wait';
  const r = spawnSync('sh', ['-c', script], { encoding: 'utf8', timeout: 20_000 });
  const ms: number[] = [], waited: number[] = [];
  for (const line of (r.stdout ?? '').split('\n')) {
    const [c, v, w] = line.split(' ');
    if (c !== undefined && v !== undefined) { ms[Number(c)] = Number(v); waited[Number(c)] = Number(w ?? 0); }
  }
  if (r.status !== 0 || ms.length !== cores || ms.some((v) => !(v > 0))) {
    return `the cores' speeds could not be measured (${r.error ? r.error.message : (r.stderr || 'taskset failed').trim().split('\n')[0]})`;
  }
  return { ms, waited };
}

/** coreSpeeds() just before the first timed pair of the actors' fib, and just after the last. */
const cores: { before: ReturnType<typeof coreSpeeds> | null; after: ReturnType<typeof coreSpeeds> | null } = { before: null, after: null };

function coreLine(): string[] {
  const { before, after } = cores;
  if (before === null || after === null) return [];
  if (typeof before === 'string') return [before];
  if (typeof after === 'string') return [after];
  const each = before.ms.map((b, c) => `cpu${c} ${b.toFixed(2)} / ${after.ms[c].toFixed(2)} ms (waited ${before.waited[c].toFixed(0)} / ${after.waited[c].toFixed(0)} ms of 400 for the core)`).join(', ');
  const all = [...before.ms, ...after.ms];
  const worst = Math.max(...all) / Math.min(...all);
  // A probe that waited for its core a tenth of the time measured other work, not the core.
  const busy = [...before.waited, ...after.waited].some((w) => w > 40);
  return [`cores: a JavaScript fib 25 on every core at once (each pinned to its core), before / after the timed pairs: ${each}; ` +
    (busy
      ? 'other work held a core meanwhile, so these times say little about the cores\' own speed'
      : `the slowest core took ${worst.toFixed(2)}x the fastest time, so two equal halves could gain at most ${(2 / worst).toFixed(2)}x over one actor on the fastest core`)];
}

/** What settle() found, or null (not run). */
let settled: {
  /** Pairs run before the timed ones, and whether V8's own threads had fallen quiet by then. */
  readonly pairs: number;
  readonly quiet: boolean;
  readonly seconds: number;
  /** The median two-actor and one-actor times of the first COLD_PAIRS pairs (ms): the figure before V8 is warm. */
  readonly cold: { readonly two: number; readonly one: number } | null;
} | null = null;

/** The pairs whose times make the cold figure; at least as many are run in any case. */
const COLD_PAIRS = 16;
/** Settled: V8's own threads used under QUIET_MS of CPU in half of the last QUIET_PAIRS pairs or more ... */
const QUIET_PAIRS = 8;
const QUIET_MS = 2;
/** ... or this many pairs, whichever comes first. */
const MAX_PAIRS = 160;

/**
 * CPU time (ms) of the threads of this process that were running before `settle` started,
 * the main thread left out: V8's own threads (its optimizing compiler and its collector's
 * helpers), which work for every isolate of the process, the actors' workers too. The pool's
 * workers start after (a first spawn), so they are not among them. Linux only (/proc); null
 * elsewhere.
 */
function backgroundCpu(): (() => number) | null {
  const cpuOf = (tid: string): number => {
    try { return Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e6; } catch { return 0; }
  };
  let tids: string[];
  try { tids = readdirSync('/proc/self/task').filter((t) => t !== String(process.pid)); } catch { return null; }
  if (tids.length === 0) return null;
  return () => tids.reduce((sum, t) => sum + cpuOf(t), 0);
}

/**
 * Before the first timed run of two actors against one: the pool's workers started and V8
 * warm. Every worker is an isolate of its own, and V8 compiles each one's JavaScript
 * (the interpreter's step loop, the decoder, opening a snapshot) optimized on threads it shares
 * with all of them, ~100 ms of CPU at a time, more than once as a function meets new types; an
 * isolate runs a function often enough for that only after some dozens of actors. Timed
 * beside that, two actors on two cores share the cores with V8's compiler and one actor does
 * not: the first pairs of a run read 1.3-1.5x where the warm ones read 1.8x and more.
 *
 * So pairs (two, then one) until V8's own threads have used less than QUIET_MS of CPU in at
 * least half of the last QUIET_PAIRS pairs (backgroundCpu; they never stop altogether: the
 * collector's helpers work for every isolate's young generation now and then), and until the
 * spawner's tier has translated nothing new for 4 pairs (what a spawn, a value and the
 * printing of its answer run gets hot after 8 to 12 pairs), at least COLD_PAIRS, at most MAX_PAIRS. The first COLD_PAIRS pairs'
 * medians are kept as the cold figure. Without /proc, COLD_PAIRS * 4 pairs.
 */
function settle(n: number): void {
  if (settled) return;
  const t0 = performance.now();
  const tier = bedrockOf(ENGINE).kernel.machine.tier;
  const background = backgroundCpu();
  let same = 0, pairs = 0;
  const twos: number[] = [], ones: number[] = [], backgrounds: number[] = [];
  const quiet = (): boolean => backgrounds.length >= QUIET_PAIRS && median(backgrounds.slice(-QUIET_PAIRS)) < QUIET_MS;
  const enough = (): boolean => pairs >= COLD_PAIRS && same >= 4 && (background ? quiet() : pairs >= COLD_PAIRS * 4);
  while (!enough() && pairs < MAX_PAIRS) {
    const modules = tier ? tier.stats.modules + tier.stats.adopted : 0;
    const b0 = background ? background() : 0;
    const two = fibRun(n, true), one = fibRun(n, false);
    if (pairs < COLD_PAIRS) { twos.push(two.seconds * 1000); ones.push(one.seconds * 1000); }
    pairs++;
    same = tier && tier.stats.modules + tier.stats.adopted === modules ? same + 1 : 0;
    if (background) backgrounds.push(background() - b0);
  }
  settled = {
    pairs, quiet: enough(), seconds: (performance.now() - t0) / 1000,
    cold: twos.length ? { two: median(twos), one: median(ones) } : null,
  };
}

/**
 * Two actors against one, timed in pairs: each pair runs one after the other in this order,
 * so that whatever else the machine does in the meantime falls on both alike. fib.two makes
 * the pairs (warm-ups first) and keeps fib.one's half for it; fib.one run alone (its name
 * alone on the command line) times itself.
 */
const pairedOne = new Map<number, Measurement[]>();
/** The spawns' snapshots in the timed pairs: whole, and as what changed since the last whole one (image/snapshot.ts). */
let pairSnapshots: { whole: number; changed: number; inPlace: number; copied: number; ran: number[] } | null = null;

/** The benchmarks of fib n twice (two actors, or one) named `name`.two and `name`.one, warmed up (settle) with fib `warm`. */
function fibTwice(name: string, n: number, two: boolean, warm: number): Benchmark {
  return {
    name: `${name}.${two ? 'two' : 'one'}`, unit: 'calls/s', size: `${n} fib twice (${2 * fibCalls(n)} calls)`,
    about: two ? `fib ${n} in each of two actors at once (the spawns included)` : `fib ${n} twice in one actor (its spawn included)`,
    ...(two && { baseline: `${name}.one` }),
    runs: 7, warmups: 1, details,
    run: () => fibRun(n, two),
    runAll: (runs, warmups) => {
      prepare();
      settle(warm);
      if (!two) {
        const kept = pairedOne.get(n);
        pairedOne.delete(n);
        if (kept && kept.length === runs) return kept;
        for (let i = 0; i < warmups; i++) fibRun(n, false);
        return Array.from({ length: runs }, () => fibRun(n, false));
      }
      for (let i = 0; i < warmups; i++) { fibRun(n, true); fibRun(n, false); }
      const first = n === warm;
      if (first) cores.before = coreSpeeds();
      const twos: Measurement[] = [], ones: Measurement[] = [];
      const taken = { ...snapshotsTaken }, opens = { ...actorOpens }, pool = poolWorkers();
      for (let i = 0; i < runs; i++) { twos.push(fibRun(n, true)); ones.push(fibRun(n, false)); }
      if (first) {
        pairSnapshots = {
          whole: snapshotsTaken.whole - taken.whole, changed: snapshotsTaken.changed - taken.changed,
          inPlace: actorOpens.baseInPlace - opens.baseInPlace, copied: actorOpens.baseCopied - opens.baseCopied,
          ran: poolWorkers().map((w, i) => w.ran - (pool[i]?.ran ?? 0)),
        };
        cores.after = coreSpeeds();
      }
      pairedOne.set(n, ones);
      return twos;
    },
  };
}

const spawnTimes: number[] = [];
const tripTimes: { actor: number[]; node: number[] } = { actor: [], node: [] };

function spawnBenchmark(k: number): Benchmark {
  return {
    name: 'actors.spawn', unit: 'spawns/s', size: `${k} spawns`, about: '[3] spawn value: snapshot, worker, open, answer',
    runs: 5, warmups: 1, details,
    run: () => {
      prepare();
      const m = timedEval(ENGINE, `| n | n := 0. ${k} timesRepeat: [n := n + [3] spawn value]. n`, String(3 * k), k);
      spawnTimes.push((m.seconds / k) * 1e6);
      return m;
    },
  };
}

function roundTripBenchmark(k: number): Benchmark {
  return {
    name: 'actors.round-trip', unit: 'round trips/s', size: `${k} round trips`, about: 'send: to an echoing actor, receive its reply',
    baseline: 'node.round-trip', runs: 7, warmups: 2,
    run: () => {
      prepare();
      define(ENGINE, 'echo', 'Echo := [[true] whileTrue: [Actor reply: Actor receive]] spawn');
      const m = timedEval(ENGINE, `| s | s := 0. 1 to: ${k} do: [:i | Echo send: i. s := s + Echo receive]. s`, String((k * (k + 1)) / 2), k);
      tripTimes.actor.push((m.seconds / k) * 1e6);
      return m;
    },
    details,
  };
}

/** A Node worker that echoes what it is sent, read and woken as actor-service.ts does. */
const ECHO = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const { port, counters } = workerData;
for (;;) {
  const seen = Atomics.load(counters, 0);
  const got = receiveMessageOnPort(port);
  if (!got) { Atomics.wait(counters, 0, seen, 1000); continue; }
  if (got.message === null) break;
  port.postMessage(got.message);
  Atomics.add(counters, 1, 1);
  Atomics.notify(counters, 1);
}`;

let echo: { worker: Worker; port: import('node:worker_threads').MessagePort; counters: Int32Array } | null = null;

function nodeEcho(): NonNullable<typeof echo> {
  if (echo) return echo;
  const { port1, port2 } = new MessageChannel();
  const counters = new Int32Array(new SharedArrayBuffer(8));
  const worker = new Worker(ECHO, { eval: true, workerData: { port: port2, counters }, transferList: [port2] });
  worker.unref();
  port1.unref();
  echo = { worker, port: port1, counters };
  return echo;
}

function nodeTrips(k: number): Measurement {
  const e = nodeEcho();
  let sum = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 1; i <= k; i++) {
    e.port.postMessage(i);
    Atomics.add(e.counters, 0, 1);
    Atomics.notify(e.counters, 0);
    for (;;) {
      const seen = Atomics.load(e.counters, 1);
      const got = receiveMessageOnPort(e.port);
      if (got) { sum += got.message as number; break; }
      Atomics.wait(e.counters, 1, seen, 1000);
    }
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (sum !== (k * (k + 1)) / 2) throw new Error(`the Node echo answered ${sum}`);
  tripTimes.node.push((seconds / k) * 1e6);
  return { work: k, seconds };
}

/** A Node worker that adds up the JavaScript fib of each number it is sent, read and woken as ECHO is. */
const FIB_WORKER = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const { port, counters } = workerData;
const fib = (n) => (n < 2 ? n : fib(n - 1) + fib(n - 2));
for (;;) {
  const seen = Atomics.load(counters, 0);
  const got = receiveMessageOnPort(port);
  if (!got) { Atomics.wait(counters, 0, seen, 1000); continue; }
  let sum = 0;
  for (const n of got.message) sum += fib(n);
  port.postMessage(sum);
  Atomics.add(counters, 1, 1);
  Atomics.notify(counters, 1);
}`;

const fibWorkers: { port: import('node:worker_threads').MessagePort; counters: Int32Array }[] = [];

function fibWorker(i: number): (typeof fibWorkers)[number] {
  while (fibWorkers.length <= i) {
    const { port1, port2 } = new MessageChannel();
    const counters = new Int32Array(new SharedArrayBuffer(8));
    const worker = new Worker(FIB_WORKER, { eval: true, workerData: { port: port2, counters }, transferList: [port2] });
    worker.unref();
    port1.unref();
    fibWorkers.push({ port: port1, counters });
  }
  return fibWorkers[i];
}

/** fib n twice in Node workers: one in each of two, or both in one; the main thread waits for the answers. */
function nodeFibTwice(n: number, two: boolean): Measurement {
  const jobs = two ? [[n], [n]] : [[n, n]];
  const workers = jobs.map((_, i) => fibWorker(i));
  const t0 = process.hrtime.bigint();
  const seen = workers.map((w) => Atomics.load(w.counters, 1));
  jobs.forEach((job, i) => {
    workers[i].port.postMessage(job);
    Atomics.add(workers[i].counters, 0, 1);
    Atomics.notify(workers[i].counters, 0);
  });
  let sum = 0;
  workers.forEach((w, i) => {
    for (;;) {
      const got = receiveMessageOnPort(w.port);
      if (got) { sum += got.message as number; break; }
      Atomics.wait(w.counters, 1, seen[i], 1000);
      seen[i] = Atomics.load(w.counters, 1);
    }
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (sum !== 2 * fibOf(n)) throw new Error(`the Node workers answered ${sum}, not ${2 * fibOf(n)}`);
  return { work: 2 * fibCalls(n), seconds };
}

/** ceiling.two makes pairs as fib.two does (two, then one, again and again) and keeps ceiling.one's half for it. */
let pairedCeilingOne: Measurement[] | null = null;

function ceilingTwice(n: number, two: boolean): Benchmark {
  return {
    name: two ? 'actors.ceiling.two' : 'actors.ceiling.one', unit: 'calls/s', size: `JavaScript fib ${n} twice`,
    about: two ? 'the ceiling: one fib in each of two running Node workers' : 'both fibs in one Node worker',
    ...(two && { baseline: 'actors.ceiling.one' }),
    runs: 7, warmups: 2,
    run: () => nodeFibTwice(n, two),
    runAll: (runs, warmups) => {
      if (!two) {
        const kept = pairedCeilingOne;
        pairedCeilingOne = null;
        if (kept && kept.length === runs) return kept;
        for (let i = 0; i < warmups; i++) nodeFibTwice(n, false);
        return Array.from({ length: runs }, () => nodeFibTwice(n, false));
      }
      for (let i = 0; i < warmups; i++) { nodeFibTwice(n, true); nodeFibTwice(n, false); }
      const twos: Measurement[] = [], ones: Measurement[] = [];
      for (let i = 0; i < runs; i++) { twos.push(nodeFibTwice(n, true)); ones.push(nodeFibTwice(n, false)); }
      pairedCeilingOne = ones;
      return twos;
    },
  };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function details(): string[] {
  const us = (xs: readonly number[]): string => (xs.length ? `${median(xs).toFixed(xs === spawnTimes ? 0 : 1)} us` : 'not run');
  return [
    ...coreLine(),
    ...(settled ? [`actors.fib: timed after ${settled.pairs} pairs (${settled.seconds.toFixed(1)} s), ` +
      (settled.quiet ? `by when V8's own threads (its compiler, its collector's helpers) had used under ${QUIET_MS} ms of CPU in half of the last ${QUIET_PAIRS} pairs or more, and the spawner's tier had translated nothing new for 4`
        : `still not warm (V8's own threads still compiling, or the spawner's tier translating), ${MAX_PAIRS} pairs being the most run`) +
      (settled.cold ? `; the first ${COLD_PAIRS} pairs, cold (V8 compiling the workers' JavaScript beside them): two ${settled.cold.two.toFixed(1)} ms, one ${settled.cold.one.toFixed(1)} ms, ${(settled.cold.one / settled.cold.two).toFixed(2)}x` : '') +
      '; two actors and one timed in pairs, one after the other' +
      (pairSnapshots ? `; the spawns' snapshots in the pairs: ${pairSnapshots.whole} whole, ${pairSnapshots.changed} as what changed since the last whole one, of which the workers opened ${pairSnapshots.inPlace} over the base their memory held and ${pairSnapshots.copied} copying the base in; the pool's workers ran ${pairSnapshots.ran.join(', ')} of their actors` : '')] : []),
    `actors (workers ${workerChosen ? 'from the build, dist/actor-worker.cjs' : 'from the sources through tsx: no fresh build'}): ` +
      `a spawn ${us(spawnTimes)} (Erlang: about 1 us); a message round trip ${us(tripTimes.actor)}, ` +
      `Node's own worker round trip ${us(tripTimes.node)} (Erlang: under 1 us a message)`,
  ];
}

export function makeActorBenchmarks(s: ActorSizes = ACTOR_SIZES): Benchmark[] {
  return [
    fibTwice('actors.fib', s.fib, true, s.fib),
    fibTwice('actors.fib', s.fib, false, s.fib),
    fibTwice('actors.fib-long', s.fib + 2, true, s.fib),
    fibTwice('actors.fib-long', s.fib + 2, false, s.fib),
    spawnBenchmark(s.spawns),
    roundTripBenchmark(s.roundTrips),
    { name: 'node.round-trip', unit: 'round trips/s', size: `${s.roundTrips} round trips`, about: 'the same echo between two Node threads', runs: 7, warmups: 2, details, run: () => nodeTrips(s.roundTrips) },
    ceilingTwice(s.nodeFib, true),
    ceilingTwice(s.nodeFib, false),
  ];
}
