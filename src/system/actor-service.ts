/*
 * The ACTOR host service (r11 = ACTOR at `syscall`): actors on worker threads, each with its
 * own machine and heap in its own WebAssembly.Memory (bootstrap/system/actor.bedrock is the
 * language's side). rcx picks the operation; rsi and rdx carry its arguments; the answer is
 * in rax.
 *
 *   op  name      arguments                          answer
 *   0   SPAWN     rsi = a block, rdx = an Array of   the new actor's number
 *                 its arguments
 *   1   SEND      rsi = an actor's number (nil: the   the object (now poisoned here)
 *                 actor that spawned this one),
 *                 rdx = any object
 *   2   POLL      rsi = an actor's number,           nil while it runs; when it has ended
 *                 rdx = ms (or nil)                  #(#done value) or #(#error text
 *                                                    backtrace), once; while it runs, it
 *                                                    first waits at most rdx ms (a few) for it
 *   3   WAIT      rsi = an actor's number or nil     nil, after waiting at most a few ms for
 *                 (its mailbox), rdx = ms            news from it (or for this one's mailbox)
 *   4   RUNNING   rsi = an actor's number            true or false
 *   5   TERMINATE rsi = an actor's number            nil (its worker is stopped)
 *   6   RECEIVE   rsi = an actor's number or nil     nil when the mailbox is empty, else a
 *                 (its mailbox), rdx = ms (or nil)   one-element Array holding the message;
 *                                                    when empty, it first waits at most rdx
 *                                                    ms (a few) for one
 *   7   REPLY     rax = the block's value            nil: the value goes to the spawner
 *   8   SESSION   -                                  this session's number (a SmallInteger): an
 *                                                    Actor made in another (saved in an image,
 *                                                    opened again) is ended
 *
 * SPAWN starts the actor from a snapshot of this image taken at once in memory
 * (image/snapshot.ts), into a SharedArrayBuffer kept for the purpose, which the worker copies
 * into its machine: the actor has every class and method the spawner has, and the block and
 * its arguments, which are put in the global ActorStart for the snapshot and taken out again.
 * The arguments are then poisoned here, as anything sent is (actor-copy.ts). Workers are
 * kept in a pool of this thread: a few are started ahead (each loads the code and prepares a
 * memory while it waits), and a worker whose actor ended takes the next spawn, so that a
 * spawn costs a copy of the heap each way, not a thread's start. Messages and the result
 * travel as graphs (actor-copy.ts) over a MessagePort of the actor's, read synchronously
 * (receiveMessageOnPort); a shared Int32Array per actor counts what was posted each way, so
 * a waiter sleeps on it with Atomics.wait instead of spinning. A waiter reads the count before
 * it looks at the port, and sleeps only while the count is still what it read: a message
 * posted in between wakes it at once. RECEIVE and POLL wait themselves (rdx ms), so that a
 * receive or a value that waits takes one operation a message, not a look, a WAIT and a look.
 *
 * Workers are unref'd (they never keep the process alive) and stopped when the process exits;
 * Bedrock stops the actors an evaluation started when it is interrupted (Ctrl-C).
 */
import type { MessagePort, Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FORMAT_POINTERS, TAG_NUM, TAG_PTR } from '../../kernel/machine/cells.ts';
import type { HostService } from '../../kernel/machine/machine.ts';
import { setSlot } from '../../kernel/objects/access.ts';
import { assignGlobal, findBinding } from '../../kernel/objects/globals.ts';
import type { Kernel } from '../../kernel/objects/kernel.ts';
import { CLASS, SERVICE } from '../../kernel/objects/layout.ts';
import { newString } from '../../kernel/objects/services.ts';
import { snapshotPlan, takeSnapshot, type Snapshot } from '../../image/snapshot.ts';
import { nowMs } from '../../kernel/machine/clock.ts';
import { knownRecords, rememberRecord, type TranslationRecord } from '../../kernel/machine/wasm/tier.ts';
import type { Backend } from '../compiler/compiler.ts';
import { decodeGraph, encodeGraph, poison, type Graph } from './actor-copy.ts';

/** worker_threads, loaded at the first actor: every start paid ~4 ms for it when it was imported. */
const threads = (): typeof import('node:worker_threads') => process.getBuiltinModule('node:worker_threads');

export const ACTOR_OP = Object.freeze({ SPAWN: 0, SEND: 1, POLL: 2, WAIT: 3, RUNNING: 4, TERMINATE: 5, RECEIVE: 6, REPLY: 7, SESSION: 8 });

/**
 * The longest sleep of one look for news from another actor (POLL, WAIT), in milliseconds: a
 * waiting evaluation wakes this often to notice Ctrl-C (and returns into the library, which
 * looks again). It sleeps less when the scheduler's next Delay is due sooner (ActorHost.wakeAt),
 * and not at all while another process is ready (Actor class>>waitSlice). At 5 ms the waking
 * took ~1% of a core, which two actors running on two cores lost.
 */
const WAIT_SLICE_MS = 50;

/** What a worker posts to its spawner. */
export type ToSpawner =
  | { readonly kind: 'done'; readonly graph: Graph; readonly output: string; readonly records?: readonly TranslationRecord[]; readonly baseInPlace?: boolean }
  | { readonly kind: 'error'; readonly text: string; readonly backtrace: readonly string[]; readonly output: string; readonly records?: readonly TranslationRecord[]; readonly baseInPlace?: boolean }
  | { readonly kind: 'message'; readonly graph: Graph };

/** What the spawner posts to a worker. */
export type ToActor = { readonly kind: 'message'; readonly graph: Graph };

/**
 * How this thread's actors' workers opened their snapshots (told with each outcome): over the
 * base their memory held in place, or copying it in (for tests and the benchmarks).
 */
export const actorOpens = { baseInPlace: 0, baseCopied: 0 };

/** Slots of the shared counters: messages posted to the actor, and from it. */
export const INBOX = 0, OUTBOX = 1;

/** What a pooled worker is started with. */
export interface PoolWorkerData {
  /** Its control port: StartActor messages come on it. */
  readonly control: MessagePort;
  /** The machine it should prepare a memory for, or null. */
  readonly geometry: Snapshot['machine'] | null;
  /**
   * READY: 1 while it waits with its memory prepared for the next actor (it sets it), 0 from
   * the spawn that hands it an actor (the spawner clears it) until then.
   */
  readonly state: Int32Array;
}

/** PoolWorkerData.state[READY]. */
export const READY = 0;

/** A snapshot as a worker is sent it: its symbols or its code list null when they are those it was sent last. */
export type SentSnapshot = Omit<Snapshot, 'symbols' | 'code'> & { readonly symbols: Snapshot['symbols'] | null; readonly code: Snapshot['code'] | null };

/** What a pooled worker is sent to run an actor. */
export interface StartActor {
  /**
   * The snapshot, but for its symbols and its list of code objects when they are those this
   * worker was sent last (null: take those again). Both are ~150 KB that postMessage copied
   * and the worker read anew, and they change only when symbols or code objects are made or
   * freed (Machine.codeChanges; the symbol table's packed() is kept likewise).
   */
  readonly snapshot: SentSnapshot;
  /** The shared buffers the snapshot's bytes are in (its own and its base's), held for the worker until it has copied them out (Held). */
  readonly held: Held;
  readonly backend: Backend;
  /** The spawner's compiled `Actor runStart`, in the snapshot (Bedrock.actorStarter), or null. */
  readonly starter: { readonly method: number; readonly entry: number } | null;
  /**
   * The spawner's compiled `Processor runUntilIdle` (Bedrock.idleDoIt), in the snapshot, or
   * null: the actor runs it as its block ends instead of compiling its own then.
   */
  readonly idle: { readonly method: number; readonly entry: number } | null;
  /** The spawner's DoIts running (methods, in the snapshot): the actor's backtrace names its block's frames by them. */
  readonly doIts: readonly number[];
  /** The actor's own port, and its counters (INBOX, OUTBOX). */
  readonly port: MessagePort;
  readonly counters: Int32Array;
  /**
   * Translations this thread knows and the worker was not sent before (kernel/machine/wasm/tier.ts
   * TranslationRecord): its machine takes them as they are where its code is the same, so code
   * hot here runs translated there without being planned, emitted or compiled again.
   */
  readonly records: readonly TranslationRecord[];
}

/** A worker of this thread's pool. */
interface PoolWorker {
  readonly worker: Worker;
  readonly control: MessagePort;
  /** The actor it runs, or null while it waits. */
  actor: ActorRecord | null;
  /** The staging buffers its last spawn's snapshot is in, while it may not have copied them out. */
  held: Held | null;
  dead: boolean;
  /** Its PoolWorkerData.state: READY says it has prepared its memory since its last actor. */
  readonly state: Int32Array;
  /** The keys of the translation records it has (sent to it, or made by its actors). */
  readonly records: Set<string>;
  /** The symbols and the list of code objects it was sent last (StartActor.snapshot). */
  sent: { symbols: Snapshot['symbols'] | null; code: Snapshot['code'] | null };
  /** Actors it has been handed. */
  ran: number;
}

interface ActorRecord {
  readonly id: number;
  readonly pooled: PoolWorker;
  readonly port: MessagePort;
  readonly counters: Int32Array;
  /** The worker has ended (exit event, or terminated). */
  running: boolean;
  /** Its result, once it came (and until POLL hands it over). */
  result: ToSpawner | null;
  /** Messages it sent to its spawner (Actor receive in the spawner). */
  readonly inbox: Graph[];
  /** Its worker is done with it (returned to the pool, or stopped). */
  released: boolean;
}

/** The side of a Bedrock that actors need: its backend, its transcript. */
export interface ActorHost {
  readonly backend: Backend;
  transcript(text: string): void;
  /** `Actor runStart` compiled once in this heap, for every actor's worker to run as it is (or null: each compiles it). */
  actorStarter(): { readonly method: number; readonly entry: number } | null;
  /** `Processor runUntilIdle` compiled once in this heap (or null: there are no processes yet). */
  idleDoIt(): { readonly method: number; readonly entry: number } | null;
  /** The methods of the DoIts running (the actor names the frames of its block by them). */
  readonly doIts: readonly number[];
  /** When the scheduler's first Delay is due (kernel/machine/clock.ts nowMs), or null: a wait for an actor sleeps no longer. */
  readonly wakeAt: number | null;
}

/** Inside an actor: the way back to its spawner. */
export interface ActorParent {
  readonly port: MessagePort;
  readonly counters: Int32Array;
}

const all = new Set<ActorRecord>();
let exitHooked = false;

/** Workers waiting for an actor, the one that has waited longest first. */
const idle: PoolWorker[] = [];

/**
 * The idle worker a spawn takes: the one released last among those that have prepared their
 * memory (READY), else the one that has waited longest (the likeliest to be ready first). A
 * worker clears its last machine's memory after it has posted that actor's outcome (a fraction
 * of a millisecond), and a spawn handed to it meanwhile would wait for that before it started.
 * Last in, first out among the ready ones: the actors spawned together each time run on the
 * same workers, whose isolates V8 has compiled for the interpreter, the snapshot's opening and
 * the machine's services (each isolate compiles its JavaScript on its own, on threads every
 * isolate shares with the running actors: 3-4 ms of a core for each pair of actors spawned
 * while a third worker of the pool was still taking turns), and whose caches hold their memory.
 */
function takeIdle(): PoolWorker | undefined {
  let i = idle.length - 1;
  while (i >= 0 && Atomics.load(idle[i].state, READY) !== 1) i--;
  if (i < 0) i = idle.length > 0 ? 0 : -1;
  if (i < 0) return undefined;
  const [w] = idle.splice(i, 1);
  Atomics.store(w.state, READY, 0);
  return w;
}
/** Every worker of the pool, waiting or running. */
const workers = new Set<PoolWorker>();

/** The pool's workers, oldest first: how many actors each has been handed, and whether it waits ready (tests, the benchmarks). */
export function poolWorkers(): { readonly ran: number; readonly ready: boolean }[] {
  return [...workers].map((w) => ({ ran: w.ran, ready: w.actor === null && Atomics.load(w.state, READY) === 1 }));
}

/**
 * Workers kept waiting at most: a worker whose actor ended waits for the next spawn while
 * fewer than this many wait (else it stops). A spawn that leaves none waiting starts one. One
 * more than the cores, so that actors spawned together, one a core, find their workers again
 * the next time with one to spare, and none is stopped and started anew (a start costs a
 * core hundreds of milliseconds, which the running actors then lack).
 */
const POOL_SIZE = Math.max(3, Math.min(8, availableParallelism() + 1));

/**
 * A shared buffer snapshots are copied into, and how many hold it: the workers that have yet
 * to copy a snapshot out of it, and the spawner whose base snapshot it holds (Actors.base). It
 * is written again only when none does.
 */
interface Staging {
  readonly bytes: SharedArrayBuffer;
  readonly readers: Int32Array;
}

/**
 * The buffers of one spawn's snapshot, each with a reader counted for its worker: released once,
 * by whichever comes first of the worker (it has copied them out) and the spawner (the worker
 * ended before it did), as claimed in `claim` (0 until then).
 */
export interface Held {
  readonly claim: Int32Array;
  readonly readers: readonly Int32Array[];
}

/** Let go of the buffers `h` holds, unless the other side did (1: the worker, 2: the spawner). */
export function releaseHeld(h: Held, by: 1 | 2): void {
  if (Atomics.compareExchange(h.claim, 0, 0, by) !== 0) return;
  for (const r of h.readers) Atomics.sub(r, 0, 1);
}

/** Shared buffers snapshots are copied into. */
const stagings: Staging[] = [];

/** Stop every actor of this thread (the process is leaving). */
export function stopAllActors(): void {
  for (const a of all) stopRecord(a);
  all.clear();
}

/** Stop every worker of this thread's pool too (for tests and the end of the process). */
export function stopAllWorkers(): void {
  stopAllActors();
  for (const w of workers) { w.dead = true; void w.worker.terminate(); }
  workers.clear();
  idle.length = 0;
}

function stopRecord(a: ActorRecord): void {
  if (!a.running) return;
  a.running = false;
  if (a.result === null) a.result = { kind: 'error', text: 'the actor was terminated', backtrace: [], output: '' };
  a.released = true;
  const w = a.pooled;
  w.dead = true;
  void w.worker.terminate();
  all.delete(a);
}

/** A new pooled worker, preparing a memory for a machine of `geometry`. */
function newWorker(geometry: Snapshot['machine'] | null): PoolWorker {
  const { port1, port2 } = new (threads().MessageChannel)();
  const state = new Int32Array(new SharedArrayBuffer(4));
  const worker = startWorker({ control: port2, geometry, state }, [port2]);
  worker.unref();
  port1.unref();
  const w: PoolWorker = { worker, control: port1, actor: null, held: null, dead: false, state, records: new Set(), sent: { symbols: null, code: null }, ran: 0 };
  workers.add(w);
  worker.on('error', (e) => {
    const a = w.actor;
    if (a && a.result === null) a.result = { kind: 'error', text: `the actor failed: ${e instanceof Error ? e.message : String(e)}`, backtrace: [], output: '' };
  });
  worker.on('exit', (code) => {
    w.dead = true;
    workers.delete(w);
    const i = idle.indexOf(w);
    if (i >= 0) idle.splice(i, 1);
    // A snapshot it had not copied out yet is nobody's now.
    if (w.held) releaseHeld(w.held, 2);
    const a = w.actor;
    if (a) {
      drainRecord(a);
      if (a.result === null) a.result = { kind: 'error', text: `the actor ended without an answer (exit ${code})`, backtrace: [], output: '' };
      a.running = false;
      all.delete(a);
    }
  });
  if (!exitHooked) { exitHooked = true; process.once('exit', stopAllWorkers); }
  return w;
}

/** Take what an actor's worker posted; when its outcome came, its worker goes back to the pool. */
function drainRecord(a: ActorRecord): void {
  for (;;) {
    const got = threads().receiveMessageOnPort(a.port);
    if (!got) return;
    const msg = got.message as ToSpawner;
    if (msg.kind === 'message') a.inbox.push(msg.graph);
    else if (a.result === null) {
      // The translations its actor made: this thread's, for the next actors (and for itself).
      for (const r of msg.records ?? []) { rememberRecord(r); a.pooled.records.add(r.key); }
      if (msg.baseInPlace !== undefined) actorOpens[msg.baseInPlace ? 'baseInPlace' : 'baseCopied']++;
      a.result = msg;
      a.running = false;
      all.delete(a);
      release(a);
    }
  }
}

/** The actor has ended: its worker waits for the next (or stops, when enough are waiting). */
function release(a: ActorRecord): void {
  if (a.released) return;
  a.released = true;
  const w = a.pooled;
  if (w.actor === a) { w.actor = null; w.held = null; }
  if (w.dead) return;
  if (idle.length < POOL_SIZE) idle.push(w);
  else { w.dead = true; workers.delete(w); void w.worker.terminate(); }
}

/**
 * The free shared buffer (no one holds it) of at least `bytes` bytes, the smallest such, now
 * held by one reader; or a new one.
 */
function staging(bytes: number): Staging {
  let best: Staging | null = null;
  for (const s of stagings) {
    if (s.bytes.byteLength >= bytes && Atomics.load(s.readers, 0) === 0 && (!best || s.bytes.byteLength < best.bytes.byteLength)) best = s;
  }
  if (best && Atomics.compareExchange(best.readers, 0, 0, 1) === 0) return best;
  // Room to grow, and every page written once (a first write to a page is slow on some machines).
  const made: Staging = { bytes: new SharedArrayBuffer(Math.ceil((bytes * 1.25) / 65536) * 65536), readers: new Int32Array(new SharedArrayBuffer(4)) };
  const u8 = new Uint8Array(made.bytes);
  for (let i = 0; i < u8.length; i += 4096) u8[i] = 0;
  made.readers[0] = 1;
  // Keep a few (whole snapshots' and smaller ones of what changed); the smallest free go first.
  stagings.push(made);
  stagings.sort((x, y) => y.bytes.byteLength - x.bytes.byteLength);
  for (let i = stagings.length - 1; i >= 0 && stagings.length > MAX_STAGINGS; i--) {
    if (stagings[i] !== made && Atomics.load(stagings[i].readers, 0) === 0) stagings.splice(i, 1);
  }
  return made;
}

/** Shared buffers kept at most, when free. */
const MAX_STAGINGS = 6;

/** A spawner's hold on its base snapshot's buffer (Actors.base) ends when the spawner is dropped (tests make many systems). */
const baseHolds = new FinalizationRegistry<Int32Array>((readers) => { Atomics.sub(readers, 0, 1); });

export class Actors {
  private readonly actors = new Map<number, ActorRecord>();
  /**
   * The last whole snapshot of this heap and the buffer it is in, which this holds: a later
   * spawn's snapshot is taken as what changed since, where that holds (image/snapshot.ts).
   */
  private base: { readonly snapshot: Snapshot; readonly stage: Staging } | null = null;
  private next = 1;
  /** Actors spawned since the last call of started() (the evaluation running now). */
  private recent: ActorRecord[] = [];
  /** Messages this actor's spawner sent it, not yet received (inside an actor). */
  private readonly mailbox: Graph[] = [];
  /** This session's number (SESSION), from the clock and chance: no two sessions share one. */
  private readonly session = Math.floor(Math.random() * 2 ** 20) * 2 ** 30 + (Date.now() % 2 ** 30);

  constructor(private readonly k: Kernel, private readonly host: ActorHost, private readonly parent: ActorParent | null) {}

  /** Forget which actors the last evaluation started (a new one begins). */
  started(): void { this.recent = []; }

  /** Stop the actors the running evaluation started (it was interrupted). */
  stopRecent(): void {
    for (const a of this.recent) this.stop(a);
    this.recent = [];
  }

  /** Actors still running. */
  runningCount(): number {
    let n = 0;
    for (const a of this.actors.values()) { this.drain(a); if (a.running) n++; }
    return n;
  }

  private stop(a: ActorRecord): void { stopRecord(a); }

  /** Take what the worker posted. */
  private drain(a: ActorRecord): void { drainRecord(a); }

  private drainParent(): void {
    if (!this.parent) return;
    for (;;) {
      const got = threads().receiveMessageOnPort(this.parent.port);
      if (!got) return;
      this.mailbox.push((got.message as ToActor).graph);
    }
  }

  service(): HostService {
    const k = this.k;
    const m = k.machine;
    return () => {
      const op = Number(m.register(1));
      const rsi = m.register(6), rsiTag = m.registerTag(6);
      /** The milliseconds rdx asks an operation to wait for news (a SmallInteger, at most a slice), or 0. */
      const waitMs = (): number => {
        const asked = m.registerTag(2) === TAG_NUM ? Number(m.register(2)) : 0;
        const wake = this.host.wakeAt;
        return Math.max(0, Math.min(WAIT_SLICE_MS, asked, wake === null ? Infinity : Math.ceil(wake - nowMs())));
      };
      const actorOf = (): ActorRecord | string => {
        const a = rsiTag === TAG_NUM ? this.actors.get(Number(rsi)) : undefined;
        return a ?? 'no such actor';
      };
      switch (op) {
        case ACTOR_OP.SPAWN: return this.spawn();
        case ACTOR_OP.SEND: {
          const sent: number[] = [];
          const g = encodeGraph(k, m.register(2), m.registerTag(2), sent);
          if (typeof g === 'string') return g;
          if (rsiTag === TAG_PTR && Number(rsi) === k.nil) {
            if (!this.parent) return 'this is not an actor: it has no spawner to send to';
            this.parent.port.postMessage({ kind: 'message', graph: g } satisfies ToSpawner);
            Atomics.add(this.parent.counters, OUTBOX, 1);
            Atomics.notify(this.parent.counters, OUTBOX);
          } else {
            const a = actorOf();
            if (typeof a === 'string') return a;
            this.drain(a);
            if (!a.running) return 'the actor has ended: it takes no more messages';
            a.port.postMessage({ kind: 'message', graph: g } satisfies ToActor);
            Atomics.add(a.counters, INBOX, 1);
            Atomics.notify(a.counters, INBOX);
          }
          poison(k, sent, rsiTag === TAG_PTR ? 'sent to its spawner (Actor reply:)' : `sent to actor ${Number(rsi)} (send:)`);
          m.setRegister(0, m.register(2), m.registerTag(2));
          return null;
        }
        case ACTOR_OP.POLL: {
          const a = actorOf();
          if (typeof a === 'string') return a;
          const ms = waitMs();
          const seen = Atomics.load(a.counters, OUTBOX);
          this.drain(a);
          if (a.result === null && ms > 0 && a.running) {
            waitFor(a.counters, OUTBOX, seen, ms, m.interrupt);
            this.drain(a);
          }
          const r = a.result;
          if (r === null) { m.setRegister(0, BigInt(k.nil), TAG_PTR); return null; }
          if (r.kind === 'done' || r.kind === 'error') {
            if (r.output) this.host.transcript(r.output);
          }
          a.result = { kind: 'error', text: 'the actor\'s result was taken already', backtrace: [], output: '' };
          return this.answerResult(r);
        }
        case ACTOR_OP.WAIT: {
          const ms = waitMs();
          if (rsiTag === TAG_PTR && Number(rsi) === k.nil) {
            if (!this.parent) return 'this is not an actor';
            const seen = Atomics.load(this.parent.counters, INBOX);
            this.drainParent();
            if (this.mailbox.length === 0) waitFor(this.parent.counters, INBOX, seen, ms, m.interrupt);
          } else {
            const a = actorOf();
            if (typeof a === 'string') return a;
            const seen = Atomics.load(a.counters, OUTBOX);
            this.drain(a);
            if (a.running && a.inbox.length === 0 && a.result === null) waitFor(a.counters, OUTBOX, seen, ms, m.interrupt);
          }
          m.setRegister(0, BigInt(k.nil), TAG_PTR);
          return null;
        }
        case ACTOR_OP.RUNNING: {
          const a = actorOf();
          if (typeof a === 'string') return a;
          this.drain(a);
          m.setRegister(0, BigInt(a.running ? k.true : k.false), TAG_PTR);
          return null;
        }
        case ACTOR_OP.TERMINATE: {
          const a = actorOf();
          if (typeof a === 'string') return a;
          this.drain(a);
          this.stop(a);
          m.setRegister(0, BigInt(k.nil), TAG_PTR);
          return null;
        }
        case ACTOR_OP.RECEIVE: {
          // In an actor: what its spawner sent. In the spawner: what actor rsi sent it.
          const ms = waitMs();
          let g: Graph | undefined;
          if (rsiTag === TAG_PTR && Number(rsi) === k.nil) {
            const seen = this.parent ? Atomics.load(this.parent.counters, INBOX) : 0;
            this.drainParent();
            g = this.mailbox.shift();
            if (g === undefined && ms > 0 && this.parent) {
              waitFor(this.parent.counters, INBOX, seen, ms, m.interrupt);
              this.drainParent();
              g = this.mailbox.shift();
            }
          } else {
            const a = actorOf();
            if (typeof a === 'string') return a;
            const seen = Atomics.load(a.counters, OUTBOX);
            this.drain(a);
            g = a.inbox.shift();
            if (g === undefined && ms > 0 && a.running && a.result === null) {
              waitFor(a.counters, OUTBOX, seen, ms, m.interrupt);
              this.drain(a);
              g = a.inbox.shift();
            }
          }
          if (g === undefined) { m.setRegister(0, BigInt(k.nil), TAG_PTR); return null; }
          const v = decodeGraph(k, g);
          if (typeof v === 'string') return v;
          return this.answerArray([v]);
        }
        case ACTOR_OP.SESSION:
          m.setRegister(0, BigInt(this.session), TAG_NUM);
          return null;
        case ACTOR_OP.REPLY: {
          if (!this.parent) return 'this is not an actor';
          const g = encodeGraph(k, m.register(0), m.registerTag(0));
          if (typeof g === 'string') return `the actor's value cannot be sent back: ${g}`;
          this.reply = g;
          return null;
        }
        default:
          return `no actor operation ${op}`;
      }
    };
  }

  /** The value an actor's block answered, for its worker to post (REPLY). */
  reply: Graph | null = null;

  /** rax := a new Array of these values (all numbers or pointers made just now). */
  private answerArray(values: readonly { value: bigint; tag: number }[]): string | null {
    const k = this.k;
    const m = k.machine;
    // The values are held in registers while the Array is made (the collector updates them).
    const regs = [8, 9, 10];
    values.forEach((v, i) => m.setRegister(regs[i], v.value, v.tag));
    const p = k.heap.allocate(values.length, FORMAT_POINTERS, CLASS.Array, BigInt(k.nil), TAG_PTR);
    if (p < 0) return 'out of memory';
    values.forEach((_, i) => setSlot(m, p, i, m.register(regs[i]), m.registerTag(regs[i])));
    for (const r of regs) m.setRegister(r, 0n, TAG_NUM);
    m.setRegister(0, BigInt(p), TAG_PTR);
    return null;
  }

  private answerResult(r: ToSpawner): string | null {
    const k = this.k;
    if (r.kind === 'done') {
      const v = decodeGraph(k, r.graph);
      if (typeof v === 'string') return v;
      const m = k.machine;
      m.setRegister(8, v.value, v.tag);
      const done = k.symbols.intern('done');
      if (done < 0) return 'out of memory';
      return this.answerArray([{ value: BigInt(done), tag: TAG_PTR }, { value: m.register(8), tag: m.registerTag(8) }]);
    }
    if (r.kind !== 'error') return 'no result';
    const sym = k.symbols.intern('error');
    if (sym < 0) return 'out of memory';
    const m = k.machine;
    m.setRegister(13, BigInt(sym), TAG_PTR);
    const text = newString(k, r.text);
    if (text < 0) return 'out of memory';
    m.setRegister(14, BigInt(text), TAG_PTR);
    // The backtrace: one String, a line a frame.
    const trace = newString(k, r.backtrace.join('\n'));
    if (trace < 0) return 'out of memory';
    const out = this.answerArray([
      { value: m.register(13), tag: m.registerTag(13) },
      { value: m.register(14), tag: m.registerTag(14) },
      { value: BigInt(trace), tag: TAG_PTR },
    ]);
    m.setRegister(13, 0n, TAG_NUM);
    m.setRegister(14, 0n, TAG_NUM);
    return out;
  }

  private spawn(): string | null {
    const k = this.k;
    const m = k.machine;
    const block = { value: m.register(6), tag: m.registerTag(6) };
    const args = { value: m.register(2), tag: m.registerTag(2) };
    // The arguments must be able to cross before anything happens.
    const sent: number[] = [];
    const g = encodeGraph(k, args.value, args.tag, sent);
    if (typeof g === 'string') return g;
    const binding = findBinding(k, 'ActorStart');
    if (binding < 0) return 'ActorStart is not defined (bootstrap/system/actor.bedrock)';
    // (Compiled at the first spawn: they may allocate, so before the registers are read again below.)
    const starter = this.host.actorStarter();
    const idleDoIt = this.host.idleDoIt();
    const holder = k.heap.allocate(2, FORMAT_POINTERS, CLASS.Array, BigInt(k.nil), TAG_PTR);
    if (holder < 0) return 'out of memory';
    // (Nothing allocated since the registers were read moved anything the holder takes: read again.)
    setSlot(m, holder, 0, m.register(6), m.registerTag(6));
    setSlot(m, holder, 1, m.register(2), m.registerTag(2));
    void block; void args;
    assignGlobal(k, binding, { value: BigInt(holder), tag: TAG_PTR });
    let snapshot: Snapshot;
    let stage: Staging;
    try {
      // What changed since the last whole snapshot, where that holds; else whole.
      const plan = snapshotPlan(k, this.base?.snapshot ?? null);
      stage = staging(plan.bytes);
      try {
        snapshot = takeSnapshot(k, stage.bytes, plan);
      } catch (e) {
        Atomics.sub(stage.readers, 0, 1);
        throw e;
      }
    } catch (e) {
      return `the actor's snapshot could not be taken: ${e instanceof Error ? e.message : String(e)}`;
    } finally {
      assignGlobal(k, binding, { value: BigInt(k.nil), tag: TAG_PTR });
    }
    // The worker reads this snapshot's buffer, and its base's; a whole one is the next base.
    const readers = [stage.readers];
    if (snapshot.base) {
      Atomics.add(this.base!.stage.readers, 0, 1);
      readers.push(this.base!.stage.readers);
    } else {
      if (this.base) { Atomics.sub(this.base.stage.readers, 0, 1); baseHolds.unregister(this); }
      Atomics.add(stage.readers, 0, 1);
      baseHolds.register(this, stage.readers, this);
      this.base = { snapshot, stage };
    }
    const held: Held = { claim: new Int32Array(new SharedArrayBuffer(4)), readers };
    // The arguments are the actor's now (the sent list still names them: nothing allocated since encoding but the holder).
    const again: number[] = [];
    encodeGraph(k, m.register(2), m.registerTag(2), again);
    poison(k, again, `sent to actor ${this.next} (the arguments of spawnWith:)`);
    const { port1, port2 } = new (threads().MessageChannel)();
    const counters = new Int32Array(new SharedArrayBuffer(8));
    let w: PoolWorker;
    try {
      w = takeIdle() ?? newWorker(snapshot.machine);
      const records = knownRecords().filter((r) => !w.records.has(r.key));
      const sent: SentSnapshot = { ...snapshot, symbols: snapshot.symbols === w.sent.symbols ? null : snapshot.symbols, code: snapshot.code === w.sent.code ? null : snapshot.code };
      w.control.postMessage({ snapshot: sent, held, backend: this.host.backend, starter, idle: idleDoIt, doIts: [...this.host.doIts], port: port2, counters, records } satisfies StartActor, [port2]);
      for (const r of records) w.records.add(r.key);
      w.sent = { symbols: snapshot.symbols, code: snapshot.code };
    } catch (e) {
      releaseHeld(held, 2);
      return `the actor could not be started: ${e instanceof Error ? e.message : String(e)}`;
    }
    port1.unref();
    const id = this.next++;
    const a: ActorRecord = { id, pooled: w, port: port1, counters, running: true, result: null, inbox: [], released: false };
    w.actor = a;
    w.held = held;
    w.ran++;
    this.actors.set(id, a);
    this.recent.push(a);
    all.add(a);
    // A worker for the next spawn starts now, while this one runs.
    try {
      if (idle.length === 0) idle.push(newWorker(snapshot.machine));
    } catch { /* the next spawn starts its own */ }
    m.setRegister(0, BigInt(id), TAG_NUM);
    return null;
  }
}

/** Sleep at most `ms` while counters[slot] is still `seen` (read before the port was looked at). */
function waitFor(counters: Int32Array, slot: number, seen: number, ms: number, interrupt: Int32Array): void {
  if (ms <= 0 || Atomics.load(interrupt, 0) !== 0) return;
  Atomics.wait(counters, slot, seen, ms);
}

/**
 * A worker running actor-worker: from the sources (through tsx) when this module is a source
 * file, else the bundle's dist/actor-worker.cjs beside the running bundle; or the bundle
 * BEDROCK_ACTOR_WORKER names.
 */
function startWorker(data: PoolWorkerData, transfer: MessagePort[]): Worker {
  // A bundle named by the environment (the benchmarks run from the sources but time the build's workers).
  const forced = process.env.BEDROCK_ACTOR_WORKER;
  if (forced) return new (threads().Worker)(forced, { workerData: data, transferList: transfer });
  const here = moduleFile();
  if (here.endsWith('.ts')) {
    const tsx = pathToFileURL(createRequire(here).resolve('tsx/esm/api')).href.replace(/index\.cjs$/, 'index.mjs');
    const entry = pathToFileURL(join(dirname(here), 'actor-worker.ts')).href;
    return new (threads().Worker)(join(dirname(here), 'actor-worker-entry.mjs'), { workerData: { ...data, tsx, entry }, transferList: transfer });
  }
  for (let dir = dirname(here); ; dir = dirname(dir)) {
    const candidate = join(dir, 'actor-worker.cjs');
    if (existsSync(candidate)) return new (threads().Worker)(candidate, { workerData: data, transferList: transfer });
    if (dirname(dir) === dir) break;
  }
  throw new Error('dist/actor-worker.cjs is missing (npm run build makes it)');
}

function moduleFile(): string {
  if (typeof __filename === 'string' && __filename !== '') return __filename;
  return fileURLToPath(import.meta.url);
}
