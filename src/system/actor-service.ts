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
 *   2   POLL      rsi = an actor's number            nil while it runs; when it has ended
 *                                                    #(#done value) or #(#error text
 *                                                    backtrace), once
 *   3   WAIT      rsi = an actor's number or nil     nil, after waiting at most a few ms for
 *                 (its mailbox), rdx = ms            news from it (or for this one's mailbox)
 *   4   RUNNING   rsi = an actor's number            true or false
 *   5   TERMINATE rsi = an actor's number            nil (its worker is stopped)
 *   6   RECEIVE   -                                  nil when the mailbox is empty, else a
 *                                                    one-element Array holding the message
 *   7   REPLY     rax = the block's value            nil: the value goes to the spawner
 *   8   SESSION   -                                  this session's number (a SmallInteger): an
 *                                                    Actor made in another (saved in an image,
 *                                                    opened again) is ended
 *
 * SPAWN starts the actor from a snapshot of this image, taken at once in memory (the image
 * layer's imageParts) and written to a temporary file the worker opens and deletes: the actor
 * has every class and method the spawner has, and the block and its arguments, which are put
 * in the global ActorStart for the snapshot and taken out again. The arguments are then
 * poisoned here, as anything sent is (actor-copy.ts). Messages and the result travel as
 * graphs (actor-copy.ts) over a MessagePort, read synchronously (receiveMessageOnPort); a
 * shared Int32Array per actor counts what was posted each way, so a waiter sleeps on it with
 * Atomics.wait instead of spinning.
 *
 * Workers are unref'd (they never keep the process alive) and stopped when the process exits;
 * Bedrock stops the actors an evaluation started when it is interrupted (Ctrl-C).
 */
import type { MessagePort, Worker } from 'node:worker_threads';
import { existsSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FORMAT_POINTERS, TAG_NUM, TAG_PTR } from '../../kernel/machine/cells.ts';
import type { HostService } from '../../kernel/machine/machine.ts';
import { setSlot } from '../../kernel/objects/access.ts';
import { assignGlobal, findBinding } from '../../kernel/objects/globals.ts';
import type { Kernel } from '../../kernel/objects/kernel.ts';
import { CLASS } from '../../kernel/objects/layout.ts';
import { newString } from '../../kernel/objects/services.ts';
import { imageParts } from '../../image/save.ts';
import type { Backend } from '../compiler/compiler.ts';
import { decodeGraph, encodeGraph, poison, type Graph } from './actor-copy.ts';

/** worker_threads, loaded at the first actor: every start paid ~4 ms for it when it was imported. */
const threads = (): typeof import('node:worker_threads') => process.getBuiltinModule('node:worker_threads');

export const ACTOR_OP = Object.freeze({ SPAWN: 0, SEND: 1, POLL: 2, WAIT: 3, RUNNING: 4, TERMINATE: 5, RECEIVE: 6, REPLY: 7, SESSION: 8 });

/** The longest sleep of one WAIT, in milliseconds (short, so Ctrl-C and other processes stay prompt). */
const WAIT_SLICE_MS = 5;

/** What a worker posts to its spawner. */
export type ToSpawner =
  | { readonly kind: 'done'; readonly graph: Graph; readonly output: string }
  | { readonly kind: 'error'; readonly text: string; readonly backtrace: readonly string[]; readonly output: string }
  | { readonly kind: 'message'; readonly graph: Graph };

/** What the spawner posts to a worker. */
export type ToActor = { readonly kind: 'message'; readonly graph: Graph };

/** Slots of the shared counters: messages posted to the actor, and from it. */
export const INBOX = 0, OUTBOX = 1;

export interface ActorWorkerData {
  readonly image: string;
  readonly backend: Backend;
  readonly port: MessagePort;
  readonly counters: Int32Array;
}

interface ActorRecord {
  readonly id: number;
  readonly worker: Worker;
  readonly port: MessagePort;
  readonly counters: Int32Array;
  /** The worker has ended (exit event, or terminated). */
  running: boolean;
  /** Its result, once it came (and until POLL hands it over). */
  result: ToSpawner | null;
  /** Messages it sent to its spawner (Actor receive in the spawner). */
  readonly inbox: Graph[];
  exitCode: number | null;
}

/** The side of a Bedrock that actors need: its backend, its transcript. */
export interface ActorHost {
  readonly backend: Backend;
  transcript(text: string): void;
}

/** Inside an actor: the way back to its spawner. */
export interface ActorParent {
  readonly port: MessagePort;
  readonly counters: Int32Array;
}

const all = new Set<ActorRecord>();
let exitHooked = false;

/** Stop every actor of this thread (the process is leaving). */
export function stopAllActors(): void {
  for (const a of all) { a.running = false; void a.worker.terminate(); }
  all.clear();
}

export class Actors {
  private readonly actors = new Map<number, ActorRecord>();
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

  private stop(a: ActorRecord): void {
    if (!a.running) return;
    a.running = false;
    if (a.result === null) a.result = { kind: 'error', text: 'the actor was terminated', backtrace: [], output: '' };
    void a.worker.terminate();
    all.delete(a);
  }

  /** Take what the worker posted. */
  private drain(a: ActorRecord): void {
    for (;;) {
      const got = threads().receiveMessageOnPort(a.port);
      if (!got) return;
      const msg = got.message as ToSpawner;
      if (msg.kind === 'message') a.inbox.push(msg.graph);
      else if (a.result === null) { a.result = msg; a.running = false; all.delete(a); }
    }
  }

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
          this.drain(a);
          const r = a.result;
          if (r === null) { m.setRegister(0, BigInt(k.nil), TAG_PTR); return null; }
          if (r.kind === 'done' || r.kind === 'error') {
            if (r.output) this.host.transcript(r.output);
          }
          a.result = { kind: 'error', text: 'the actor\'s result was taken already', backtrace: [], output: '' };
          return this.answerResult(r);
        }
        case ACTOR_OP.WAIT: {
          const ms = Math.max(0, Math.min(WAIT_SLICE_MS, Number(m.register(2))));
          if (rsiTag === TAG_PTR && Number(rsi) === k.nil) {
            if (!this.parent) return 'this is not an actor';
            this.drainParent();
            if (this.mailbox.length === 0) waitFor(this.parent.counters, INBOX, ms, m.interrupt);
          } else {
            const a = actorOf();
            if (typeof a === 'string') return a;
            this.drain(a);
            if (a.running && a.inbox.length === 0) waitFor(a.counters, OUTBOX, ms, m.interrupt);
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
          let g: Graph | undefined;
          if (rsiTag === TAG_PTR && Number(rsi) === k.nil) {
            this.drainParent();
            g = this.mailbox.shift();
          } else {
            const a = actorOf();
            if (typeof a === 'string') return a;
            this.drain(a);
            g = a.inbox.shift();
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
    const holder = k.heap.allocate(2, FORMAT_POINTERS, CLASS.Array, BigInt(k.nil), TAG_PTR);
    if (holder < 0) return 'out of memory';
    // (Nothing allocated since the registers were read moved anything the holder takes: read again.)
    setSlot(m, holder, 0, m.register(6), m.registerTag(6));
    setSlot(m, holder, 1, m.register(2), m.registerTag(2));
    void block; void args;
    assignGlobal(k, binding, { value: BigInt(holder), tag: TAG_PTR });
    const file = join(tmpdir(), `bedrock-actor-${process.pid}-${this.next}-${Math.random().toString(36).slice(2)}.image`);
    try {
      const { parts } = imageParts(k, this.host.backend, { id: `actor-${process.pid}`, seq: 0, offset: 0 });
      writeFileSync(file, Buffer.concat(parts));
    } catch (e) {
      return `the actor's image could not be written: ${e instanceof Error ? e.message : String(e)}`;
    } finally {
      assignGlobal(k, binding, { value: BigInt(k.nil), tag: TAG_PTR });
    }
    // The arguments are the actor's now (the sent list still names them: nothing allocated since encoding but the holder).
    const again: number[] = [];
    encodeGraph(k, m.register(2), m.registerTag(2), again);
    poison(k, again, `sent to actor ${this.next} (the arguments of spawnWith:)`);
    const { port1, port2 } = new (threads().MessageChannel)();
    const counters = new Int32Array(new SharedArrayBuffer(8));
    const data: ActorWorkerData = { image: file, backend: this.host.backend, port: port2, counters };
    let worker: Worker;
    try {
      worker = startWorker(data, [port2]);
    } catch (e) {
      try { unlinkSync(file); } catch { /* not there */ }
      return `the actor could not be started: ${e instanceof Error ? e.message : String(e)}`;
    }
    worker.unref();
    port1.unref();
    const id = this.next++;
    const a: ActorRecord = { id, worker, port: port1, counters, running: true, result: null, inbox: [], exitCode: null };
    worker.on('error', (e) => {
      if (a.result === null) a.result = { kind: 'error', text: `the actor failed: ${e instanceof Error ? e.message : String(e)}`, backtrace: [], output: '' };
    });
    worker.on('exit', (code) => {
      a.exitCode = code;
      this.drain(a);
      if (a.result === null) a.result = { kind: 'error', text: `the actor ended without an answer (exit ${code})`, backtrace: [], output: '' };
      a.running = false;
      all.delete(a);
      try { unlinkSync(file); } catch { /* the worker took it */ }
    });
    this.actors.set(id, a);
    this.recent.push(a);
    all.add(a);
    if (!exitHooked) { exitHooked = true; process.once('exit', stopAllActors); }
    m.setRegister(0, BigInt(id), TAG_NUM);
    return null;
  }
}

function waitFor(counters: Int32Array, slot: number, ms: number, interrupt: Int32Array): void {
  if (ms <= 0 || Atomics.load(interrupt, 0) !== 0) return;
  const seen = Atomics.load(counters, slot);
  Atomics.wait(counters, slot, seen, ms);
}

/**
 * A worker running actor-worker: from the sources (through tsx) when this module is a source
 * file, else the bundle's dist/actor-worker.cjs beside the running bundle; or the bundle
 * BEDROCK_ACTOR_WORKER names.
 */
function startWorker(data: ActorWorkerData, transfer: MessagePort[]): Worker {
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
