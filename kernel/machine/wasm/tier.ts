/*
 * The translating tier: which code objects run as WebAssembly, when they are translated, and
 * the host's side of every call between translated code, the interpreter and the host.
 *
 *   interpreter ──(a TRANSLATED instruction: an entry of a translated object)──► wasm function
 *   wasm ──call──► wasm (direct in its module; else the shared table at the cache index)
 *   wasm ──call──► the table's stub for an untranslated object ──► the interpreter, nested
 *   wasm ──syscall──► service() import ──► the host service, as the interpreter enters it
 *   wasm ──anything it does not do itself──► step() import, or STOP_AT for the interpreter
 *
 * Policy (auto): the interpreter counts the calls into each code object, and at each of its
 * checkpoints adds SAMPLE_HEAT to the object it is executing (so a long loop counts too). At
 * HOT_CALLS an object is queued; the queue is translated as one module, with the objects its
 * code calls or jumps to directly, when it holds BATCH objects, when one of them reaches
 * URGENT_CALLS, or at the next checkpoint.
 * One module for many functions, because a module has a fixed cost (measured on Node 20: a
 * lone small module 50 us to 0.8 ms, a function inside a shared one about 30 us).
 * `translate` translates every object at its first call (tests use it to run everything
 * translated); `interpret` never translates.
 *
 * Records: every module made is remembered for this thread as a TranslationRecord (its code
 * objects' bytes, addresses and slots, and the module); a hot object that a record covers is
 * adopted instead (the record's module instantiated as it is), when this machine would make
 * that module itself. An actor's machine is opened from a snapshot of its spawner's heap: the
 * same code at the same places, so the records of the spawner and of earlier actors, posted to
 * its worker (src/system/actor-service.ts), save it planning, emitting and compiling again.
 *
 * Invalidation: a store into decoded code drops every translation (its slot gets the stub back,
 * its labels run interpreted); a code object freed drops its own and those of the objects that
 * call or jump to it directly. The interpreter's decoded instructions may be dropped without
 * touching translations (Machine.flushDecoded): the labels of a translated object enter it
 * again when they are decoded again. Running translated frames find out at their next return
 * from the host (which then says STOP_AT) and leave.
 */
import { STATE } from '../cells.ts';
import type { Fault } from '../faults.ts';
import { type CodeCache, Insn, OP } from '../insn.ts';
import type { Machine } from '../machine.ts';
import { RAX, RSP } from '../x86/table.ts';
import { ModuleBuilder, I32, I64 } from './emit.ts';
import { inlinablePlan } from './inline.ts';
import { emitBitsHelper, emitFunction, FAULT, LINK_DEPTH, NEXT_AFTER, PACK_BUDGET, PACK_TAG, plan, RETURNED, type ModuleEnv, type Plan, STOP_AT, TARGET_ENTRY } from './translate.ts';
import { nowMs } from '../clock.ts';

export type TierMode = 'interpret' | 'translate' | 'auto';
export const TIER_MODES: readonly TierMode[] = ['interpret', 'translate', 'auto'];

/** The tier from the environment (BEDROCK_TIER), or auto. */
export function tierFromEnvironment(): TierMode {
  const v = typeof process !== 'undefined' ? process.env.BEDROCK_TIER : undefined;
  return v === 'interpret' || v === 'translate' || v === 'auto' ? v : 'auto';
}

/** Calls into a code object before it is queued for translation (auto). */
export const HOT_CALLS = 24;
/** Calls after which a queued code object is translated at once, with whatever else is queued. */
export const URGENT_CALLS = 4 * HOT_CALLS;
/** Heat added at each interpreter checkpoint to the object it is executing. */
export const SAMPLE_HEAT = 24;
/**
 * Backward jumps the interpreter takes in a code object before it is translated at once
 * (auto), so that a long loop in code run once (a DoIt) is not interpreted until the next
 * checkpoint (2^21 instructions, 0.1-0.3 s here): the next label it reaches enters the
 * translation. 2^10 iterations of a loop of 10-30 instructions interpret in about 1-3 ms
 * here, about what translating a small code object and its callees costs (0.05-1 ms a module).
 */
export const HOT_LOOPS = 1 << 10;
/** Objects queued before a module is made without waiting for a checkpoint. */
export const BATCH = 8;
/** Largest code object translated (bytes): a br_table per function, and V8's limits. */
const MAX_CODE_BYTES = 1 << 16;

/**
 * A translated function (translate.ts says its type: rax and the packed registers pass in
 * i64 parameters and results). The host enters one through Tier.enter, which takes those
 * from STATE and puts them back.
 */
export type TranslatedFn = (...args: unknown[]) => unknown;

/** The parameters and results of every translated function and of the stub (translate.ts). */
function functionType(mb: ModuleBuilder): number {
  return mb.type([I64, I64, I64, I64], [I64, I64]);
}

/** What a translation keeps of its plan: where its labels are, and which of them are entries. */
export type PlanInfo = Pick<Plan, 'offsets' | 'labelOf' | 'entries'>;

/** What the tier keeps for a translated code object. */
export interface Translation {
  readonly fn: TranslatedFn;
  readonly plan: PlanInfo;
  readonly module: number;
  /** Other code objects its code calls or jumps to directly (rel32, or on a guess: guessCallee). */
  readonly targets: ReadonlySet<CodeCache>;
}

export interface TierStats {
  modules: number;
  functions: number;
  /** Microseconds spent translating (planning, emitting, compiling, instantiating). */
  micros: number;
  flushes: number;
  /** Modules whose bytes this thread had compiled before (compiledModule): no compile, and V8's code as it has tiered up. */
  reused: number;
  /** Entries from the interpreter, and nested interpreter runs from translated code. */
  entries: number;
  stubs: number;
  /** Modules taken as they were from a record (adoptable): no plan, no emit, no compile. */
  adopted: number;
}

/**
 * A module of translations as another machine can take it again (adopt), without planning,
 * emitting or compiling anything: structured-clonable, so a spawner posts its records to an
 * actor's worker (a WebAssembly.Module crosses between threads of one process as it is).
 *
 * A translation is made from the bytes of its code objects, their addresses and table slots
 * (cache indexes), and the table slots of the other code objects their code calls or jumps to
 * directly (translate.ts reads nothing else of the machine: the memory's layout is read from
 * STATE when it runs). So a machine whose code objects at those addresses hold the same bytes
 * at the same slots, and whose other objects reached have the same slots, would make the same
 * module: it may take this one (Tier.adopt checks all of that first).
 */
export interface TranslationRecord {
  /** Its code objects' addresses and slots, and the module bytes' length and hash (a name for the record). */
  readonly key: string;
  readonly module: WebAssembly.Module;
  /** Its functions, export f<i> for codes[i]. */
  readonly codes: readonly RecordedCode[];
  /** [address, slot] pairs: the slots its code reached other code objects by (the table). */
  readonly slots: readonly number[];
  /** The callees its functions copied in place (inline.ts), with their bytes then: they must be the same. */
  readonly inlined: readonly { readonly addr: number; readonly bytes: Uint8Array }[];
}

export interface RecordedCode {
  readonly addr: number;
  readonly slot: number;
  readonly bytes: Uint8Array;
  readonly offsets: readonly number[];
  readonly entries: readonly number[];
  /** Addresses of the code objects its code calls or jumps to directly (dropped with them). */
  readonly targets: readonly number[];
  /**
   * The code objects its calls through send sites were guessed to reach (translate.ts
   * guessCallee: read from the sites' caches when it was made, checked when it runs, so a
   * machine whose sites hold others runs it correctly, only without the shortcut).
   */
  readonly guessed: readonly number[];
}

/**
 * The records this thread knows (its machines made them, or a spawner posted them), by key,
 * and by the address of each code object in them; newest last. Bounded by their count.
 */
const records = new Map<string, TranslationRecord>();
const recordsAt = new Map<number, TranslationRecord[]>();
/** When each was remembered (recordCount then). */
const recordSeq = new Map<string, number>();
let remembered = 0;
const MAX_RECORDS = 512;

/** Keep a record for machines of this thread to adopt (once: records are known by their key). */
export function rememberRecord(r: TranslationRecord): void {
  if (records.has(r.key)) return;
  records.set(r.key, r);
  recordSeq.set(r.key, ++remembered);
  for (const c of r.codes) {
    const at = recordsAt.get(c.addr);
    if (at) at.push(r); else recordsAt.set(c.addr, [r]);
  }
  for (const [key, old] of records) {
    if (records.size <= MAX_RECORDS) break;
    records.delete(key);
    recordSeq.delete(key);
    for (const c of old.codes) {
      const at = recordsAt.get(c.addr);
      if (!at) continue;
      const i = at.indexOf(old);
      if (i >= 0) at.splice(i, 1);
      if (at.length === 0) recordsAt.delete(c.addr);
    }
  }
}

/** Records remembered so far in this thread (knownRecords(since) answers those remembered after). */
export function recordCount(): number { return remembered; }

/** The records this thread knows, oldest first, or those remembered after recordCount() was `since`. */
export function knownRecords(since = 0): TranslationRecord[] {
  return [...records.values()].filter((r) => (recordSeq.get(r.key) ?? 0) > since);
}

/** The runtime module (stub and enter) of this thread, compiled once: its bytes never change. */
let runtimeModule: WebAssembly.Module | null = null;

/**
 * The modules this thread compiled, newest use last, kept by their bytes: a translation whose
 * bytes were compiled before (the same code objects at the same addresses and table slots,
 * as in every actor started from a snapshot of the same image, image/snapshot.ts) takes the
 * compiled module again. That skips the compile, and more: V8 compiles a module's functions
 * quickly first (Liftoff) and again optimized (TurboFan) only once they have run a while, so
 * a module compiled anew runs its first calls slowly; one kept has its optimized code. Kept
 * modules also keep their code alive for the whole process, where V8 shares it with another
 * thread that compiles the same bytes. Bounded by their bytes (oldest use dropped first).
 */
const kept = new Map<string, { readonly bytes: Uint8Array; readonly module: WebAssembly.Module }>();
let keptBytes = 0;
/** The most module bytes kept (the compiled code is a few times as large). */
const MAX_KEPT_BYTES = 8 << 20;

/** FNV-1a over the bytes: the key of the kept modules (the bytes themselves are compared on a hit). */
function hashBytes(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h >>> 0;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The module of these bytes: the one this thread compiled before, or compiled now (and kept). */
export function compiledModule(bytes: Uint8Array): { readonly module: WebAssembly.Module; readonly reused: boolean } {
  const key = `${bytes.length}:${hashBytes(bytes)}`;
  const old = kept.get(key);
  if (old && sameBytes(old.bytes, bytes)) {
    kept.delete(key);
    kept.set(key, old);
    return { module: old.module, reused: true };
  }
  const module = new WebAssembly.Module(bytes);
  if (old) { kept.delete(key); keptBytes -= old.bytes.length; }
  if (bytes.length <= MAX_KEPT_BYTES) {
    kept.set(key, { bytes, module });
    keptBytes += bytes.length;
    for (const [k, v] of kept) {
      if (keptBytes <= MAX_KEPT_BYTES) break;
      kept.delete(k);
      keptBytes -= v.bytes.length;
    }
  }
  return { module, reused: false };
}

/**
 * The runtime module: the stub (STATE takes the registers passed, the interpreter runs,
 * and everything is in STATE after: results (status, -1)), and enter (the registers
 * passed from STATE, and put back there after a return).
 */
function runtimeBytes(): Uint8Array {
  const runtime = new ModuleBuilder();
  const fnType = functionType(runtime);
  runtime.importMemory('env', 'memory', 0);
  runtime.importTable('env', 'table', 0);
  const interp = runtime.importFunction('host', 'interpret', runtime.type([I32, I32, I32, I32], [I32]));
  const stub = runtime.define(fnType);
  {
    const b = stub.body;
    b.i32(0).get(2).mem('i64_store', 3, 8 * RAX);
    b.i32(0).get(3).i64(BigInt(PACK_TAG)).op('i64_shr_u').op('i32_wrap_i64').mem('i32_store8', 0, STATE.REG_TAGS + RAX);
    b.i32(0).get(3).op('i32_wrap_i64').op('i64_extend_i32_u').mem('i64_store', 3, 8 * RSP);
    b.i32(0).get(3).i64(BigInt(PACK_BUDGET)).op('i64_shr_u').op('i32_wrap_i64').mem('i32_store', 2, 4 * STATE.BUDGET);
    // (link: the return address and the depth; target: the code object and the entry label)
    b.get(0).op('i32_wrap_i64').get(1).op('i32_wrap_i64');
    b.get(1).i64(BigInt(TARGET_ENTRY)).op('i64_shr_u').op('i32_wrap_i64');
    b.get(0).i64(BigInt(LINK_DEPTH)).op('i64_shr_u').op('i32_wrap_i64');
    b.call(interp).op('i64_extend_i32_u').i64(-1n);
  }
  runtime.export('stub', stub.index);
  const enter = runtime.define(runtime.type([I32, I32, I32, I32, I32], [I32]));
  {
    const b = enter.body;
    const rv = b.local(I64), pk = b.local(I64);
    // (enter's parameters: slot, ret, callee, entry, depth)
    b.get(1).op('i64_extend_i32_u').get(4).op('i64_extend_i32_u').i64(BigInt(LINK_DEPTH)).op('i64_shl').op('i64_or');
    b.get(2).op('i64_extend_i32_u').get(3).op('i64_extend_i32_u').i64(BigInt(TARGET_ENTRY)).op('i64_shl').op('i64_or');
    b.i32(0).mem('i64_load', 3, 8 * RAX);
    b.i32(0).mem('i32_load', 2, 4 * STATE.BUDGET).op('i64_extend_i32_u').i64(BigInt(PACK_BUDGET)).op('i64_shl');
    b.i32(0).mem('i32_load8_u', 0, STATE.REG_TAGS + RAX).op('i64_extend_i32_u').i64(BigInt(PACK_TAG)).op('i64_shl').op('i64_or');
    b.i32(0).mem('i32_load', 2, 8 * RSP).op('i64_extend_i32_u').op('i64_or');
    b.get(0).callIndirect(fnType);
    b.set(pk).set(rv);
    b.get(pk).i64(0n).op('i64_lt_s');
    b.if(); b.get(rv).op('i32_wrap_i64').ret(); b.end();
    b.i32(0).get(rv).mem('i64_store', 3, 8 * RAX);
    b.i32(0).get(pk).i64(BigInt(PACK_TAG)).op('i64_shr_u').op('i32_wrap_i64').mem('i32_store8', 0, STATE.REG_TAGS + RAX);
    b.i32(0).get(pk).op('i32_wrap_i64').op('i64_extend_i32_u').mem('i64_store', 3, 8 * RSP);
    b.i32(0).get(pk).i64(BigInt(PACK_BUDGET)).op('i64_shr_u').op('i32_wrap_i64').mem('i32_store', 2, 4 * STATE.BUDGET);
    b.i32(RETURNED);
  }
  runtime.export('enter', enter.index);
  return runtime.bytes();
}

/** The code objects other than its own that a plan's code calls or jumps to directly (rel32). */
function directTargets(m: Machine, p: Plan): Set<CodeCache> {
  const targets = new Set<CodeCache>();
  for (const block of p.blocks) {
    for (const ins of block) {
      if (!ins.row || ins.row.operands[0] !== 'rel32' || (ins.row.control !== 'call' && ins.row.control !== 'jump')) continue;
      const target = m.codeContaining(p.code.addr + ins.target);
      if (target && target !== p.code) targets.add(target);
    }
  }
  return targets;
}

/** What a tier needs of WebAssembly before its first translation (Tier.wasm). */
interface TierWasm {
  readonly table: WebAssembly.Table;
  /** The stub every untranslated table slot holds: it runs the interpreter. */
  readonly stub: TranslatedFn;
  /** enter(slot, ret, callee, entry, depth) -> status: the host's way into a translated function. */
  readonly enterSlot: (slot: number, ret: number, callee: number, entry: number, depth: number) => number;
  readonly imports: WebAssembly.Imports;
}

/**
 * The host's side of the translating tier of one machine. Its WebAssembly side (the function
 * table, the runtime module and its stub) is made at the first translation, adoption or entry:
 * compiling and instantiating the runtime module cost every start (`bedrock eval '3+4'`, which
 * translates nothing) ~5 ms of CPU and ~60 pages of memory (issue 12, item 4). Until then no
 * slot can hold a translation, so there is nothing to put back in one.
 */
export class Tier {
  readonly stats: TierStats = { modules: 0, functions: 0, micros: 0, flushes: 0, reused: 0, entries: 0, stubs: 0, adopted: 0 };
  private readonly queue: CodeCache[] = [];
  private readonly translated = new Set<CodeCache>();
  /** For each code object, the translated ones that call or jump to it directly. */
  private readonly referrers = new Map<CodeCache, Set<CodeCache>>();
  /** Code objects that could not be translated (too large, or failed): never tried again until a flush. */
  private readonly refused = new Set<CodeCache>();
  private moduleCount = 0;
  /** Code objects no record known here could be adopted for (looked at once, until a flush). */
  private readonly unadoptable = new Set<CodeCache>();
  /** The WebAssembly side, once made (wasm). */
  private made: TierWasm | null = null;
  /** Slots registered before the WebAssembly side was made: its table has at least this many. */
  private slotsWanted = 0;

  constructor(readonly m: Machine, readonly mode: TierMode) {}

  /** Has the WebAssembly side been made (a translation, adoption or entry needed it)? */
  get started(): boolean { return this.made !== null; }

  /** The function table: slot i holds the translation of the code object of cache index i, or the stub. */
  get table(): WebAssembly.Table { return this.wasm.table; }

  /** The WebAssembly side, made now if it was not. */
  private get wasm(): TierWasm {
    if (this.made) return this.made;
    const m = this.m;
    const table = new WebAssembly.Table({ element: 'anyfunc', initial: 64 });
    // The runtime module (runtimeBytes), compiled once a thread.
    runtimeModule ??= new WebAssembly.Module(runtimeBytes());
    const instance = new WebAssembly.Instance(runtimeModule, {
      env: { memory: m.store.memory, table },
      host: { interpret: (ret: number, callee: number, entry: number, depth: number) => this.interpret(ret, callee, entry, depth) },
    });
    const stub = instance.exports.stub as TranslatedFn;
    for (let i = 0; i < table.length; i++) table.set(i, stub);
    if (this.slotsWanted > table.length) table.grow(this.slotsWanted - table.length, stub);
    const imports: WebAssembly.Imports = {
      env: { memory: m.store.memory, table },
      host: {
        service: (code: number, off: number, depth: number) => this.service(code, off, depth),
        step: (code: number, off: number) => this.step(code, off),
        codeWritten: (cell: number) => this.codeWritten(cell),
      },
    };
    return this.made = { table, stub, enterSlot: instance.exports.enter as TierWasm['enterSlot'], imports };
  }

  /** Heat a code object's calls reach before it is queued (the interpreter compares with it). */
  get hotCalls(): number { return this.mode === 'translate' ? 1 : this.mode === 'auto' ? HOT_CALLS : Infinity; }

  /** Backward jumps after which a code object is translated at once (the interpreter compares with it). */
  get hotLoops(): number { return this.mode === 'translate' ? 1 : this.mode === 'auto' ? HOT_LOOPS : Infinity; }

  /** A code object's loop ran hotLoops times in the interpreter: translate it (and what is queued) now. */
  loopHot(code: CodeCache): void {
    if (code.translation || this.refused.has(code) || this.mode === 'interpret') return;
    if (this.adopt(code)) return;
    if (!code.queued) {
      code.queued = true;
      this.queue.push(code);
    }
    this.compile();
  }

  /** Is anything queued for translation? */
  get pending(): boolean { return this.queue.length > 0; }

  /** A code object's table slot exists (the machine registered it at cache index `i`). */
  registered(i: number): void {
    // A slot that holds no translation holds the stub (drop and forgotten put it back), so only
    // new slots need it: given to grow, which fills them at once (a table.set a slot took
    // about 10 us, most of the open of an actor's snapshot of 5,500 code objects).
    if (!this.made) {
      this.slotsWanted = Math.max(this.slotsWanted, i + 1);
      return;
    }
    const { table, stub } = this.made;
    if (i >= table.length) table.grow(Math.max(i + 1 - table.length, table.length), stub);
  }

  /** Calls after which a queued code object is translated at once (the interpreter compares with it). */
  get urgentCalls(): number { return this.mode === 'translate' ? 1 : this.mode === 'auto' ? URGENT_CALLS : Infinity; }

  /**
   * A code object's calls reached hotCalls (or it was sampled hot): queue it; translate the
   * queue now when it is full, or when this one is called so often it should wait no longer.
   */
  hot(code: CodeCache): void {
    if (code.translation || this.refused.has(code) || this.mode === 'interpret') return;
    if (this.adopt(code)) return;
    if (!code.queued) {
      code.queued = true;
      this.queue.push(code);
    }
    if (this.mode === 'translate' || this.queue.length >= BATCH || code.heat >= this.urgentCalls) this.compile();
  }

  /** Translate what is queued, with the code objects its code calls or jumps to directly. */
  compile(): void {
    const batch = this.queue.splice(0);
    for (const c of batch) c.queued = false;
    const wanted = new Set<CodeCache>();
    const add = (c: CodeCache): void => {
      if (c.translation || wanted.has(c) || this.refused.has(c) || c.addr === this.m.exitStub) return;
      if (c.byteLength > MAX_CODE_BYTES || this.m.cacheIndexOfCode(c.addr) < 0) { this.refused.add(c); return; }
      wanted.add(c);
    };
    for (const c of batch) add(c);
    // Direct callees and jump targets come along (a call from one to the other is then a direct call).
    for (const c of [...wanted]) {
      for (const ins of c.insns) {
        if (!ins || ins.op === OP.FAULT || !ins.row || ins.row.operands[0] !== 'rel32') continue;
        if (ins.row.control !== 'call' && ins.row.control !== 'jump') continue;
        const target = this.m.codeContaining(c.addr + ins.target);
        if (target && target !== c && wanted.size < 4 * BATCH) add(target);
      }
    }
    if (wanted.size > 0) this.translate([...wanted]);
  }

  /**
   * The module that translates `codes` (planned and emitted, not compiled): its bytes, the
   * plans, and the [address, slot] pairs of the table slots its code reaches other code
   * objects by (what a record is checked against before another machine adopts it).
   */
  build(codes: readonly CodeCache[]): { readonly bytes: Uint8Array; readonly plans: readonly Plan[]; readonly slots: readonly number[]; readonly guessed: ReadonlyMap<number, ReadonlySet<number>>; readonly inlined: TranslationRecord['inlined'] } {
    const m = this.m;
    const plans = codes.map((c) => plan(m, c));
    const mb = new ModuleBuilder();
    const fnType = functionType(mb);
    mb.importMemory('env', 'memory', 0);
    mb.importTable('env', 'table', 0);
    const service = mb.importFunction('host', 'service', mb.type([I32, I32, I32], [I32]));
    const step = mb.importFunction('host', 'step', mb.type([I32, I32], [I32]));
    const codeWritten = mb.importFunction('host', 'codeWritten', mb.type([I32], [I32]));
    const bitsType = mb.type([I32, 0x7e, 0x7e, 0x7e, I32, I32, I32], [I32]);
    const bitsFn = mb.define(bitsType);
    emitBitsHelper(bitsFn.body);
    const functionOf = new Map<number, number>();
    const labelsOf = new Map<number, ReadonlyMap<number, number>>();
    const defined = plans.map((p) => {
      const d = mb.define(fnType);
      functionOf.set(p.code.addr, d.index);
      labelsOf.set(p.code.addr, p.labelOf);
      return d;
    });
    const slots = new Map<number, number>();
    const env: ModuleEnv = {
      mb, fnType, service, step, codeWritten, bits: bitsFn.index, functionOf, labelsOf,
      tableIndexOf: (address) => {
        const slot = m.cacheIndexOfCode(address);
        slots.set(address, slot);
        return slot;
      },
      guessed: new Map(),
      inlinable: (address) => inlinablePlan(m, address),
      inlined: new Map(),
    };
    plans.forEach((p, i) => {
      emitFunction(m, p, env, defined[i].index, defined[i].body);
      mb.export(`f${i}`, defined[i].index);
    });
    return { bytes: mb.bytes(), plans, slots: [...slots].flat(), guessed: env.guessed, inlined: [...env.inlined].map(([addr, bytes]) => ({ addr, bytes })) };
  }

  /** Translate `codes` as one module and install their functions. */
  translate(codes: readonly CodeCache[]): void {
    const t0 = nowMs();
    const m = this.m;
    const { bytes, plans, slots, guessed, inlined } = this.build(codes);
    let instance: WebAssembly.Instance;
    let module: WebAssembly.Module;
    try {
      const compiled = compiledModule(bytes);
      if (compiled.reused) this.stats.reused++;
      module = compiled.module;
      instance = new WebAssembly.Instance(module, this.wasm.imports);
    } catch (e) {
      // A translation the engine refuses is a translator bug: those objects stay interpreted.
      for (const c of codes) this.refused.add(c);
      this.lastError = e instanceof Error ? e.message : String(e);
      return;
    }
    const number = ++this.moduleCount;
    const recorded: RecordedCode[] = [];
    plans.forEach((p, i) => {
      const fn = instance.exports[`f${i}`] as TranslatedFn;
      // (and the code objects it calls directly on a guess: see guessCallee)
      const direct = directTargets(m, p);
      for (const address of guessed.get(p.code.addr) ?? []) {
        const target = m.codeContaining(address);
        if (target && target !== p.code) direct.add(target);
      }
      const targets = this.install(p, direct, fn, number);
      recorded.push({
        addr: p.code.addr, slot: m.cacheIndexOfCode(p.code.addr), bytes: m.store.bytes.slice(p.code.addr, p.code.addr + p.code.byteLength),
        offsets: p.offsets, entries: [...p.entries], targets: [...targets].map((c) => c.addr), guessed: [...(guessed.get(p.code.addr) ?? [])],
      });
    });
    const record: TranslationRecord = { key: `${recorded.map((c) => `${c.addr}@${c.slot}`).join(',')}:${bytes.length}:${hashBytes(bytes)}`, module, codes: recorded, slots, inlined };
    rememberRecord(record);
    this.stats.modules++;
    this.stats.functions += plans.length;
    this.stats.micros += Math.round((nowMs() - t0) * 1000);
  }

  /**
   * Take a module this thread knows a record of (rememberRecord) for `code` and the other code
   * objects in it, when this machine would make the same module (TranslationRecord says when):
   * true when `code` is translated now.
   */
  adopt(code: CodeCache): boolean {
    const known = recordsAt.get(code.addr);
    if (!known || this.unadoptable.has(code)) return false;
    this.unadoptable.add(code);
    const m = this.m;
    for (let k = known.length - 1; k >= 0; k--) {
      const r = known[k];
      const caches = this.matching(r);
      if (!caches) continue;
      const t0 = nowMs();
      let instance: WebAssembly.Instance;
      try {
        instance = new WebAssembly.Instance(r.module, this.wasm.imports);
      } catch {
        continue;
      }
      const number = ++this.moduleCount;
      r.codes.forEach((c, i) => {
        // (one translated here already keeps its function: the record's calls it only from inside the module)
        if (caches[i].translation) return;
        const targets = new Set<CodeCache>();
        for (const a of c.targets) { const t = m.cacheOf(a); if (t) targets.add(t); }
        const labelOf = new Map(c.offsets.map((o, l) => [o, l]));
        this.install({ code: caches[i], offsets: c.offsets, labelOf, entries: new Set(c.entries) }, targets, instance.exports[`f${i}`] as TranslatedFn, number);
      });
      for (const c of caches) {
        if (!c.queued) continue;
        c.queued = false;
        const q = this.queue.indexOf(c);
        if (q >= 0) this.queue.splice(q, 1);
      }
      this.stats.adopted++;
      this.stats.functions += caches.filter((c) => c.translation?.module === number).length;
      this.stats.micros += Math.round((nowMs() - t0) * 1000);
      return true;
    }
    return false;
  }

  /**
   * The code objects of this machine a record translates, when this machine would make the
   * record's module itself (the same bytes at the same addresses and slots, none refused
   * here, and the same slots for the other code objects it reaches); else null. (Some may be
   * translated here already, by another module: adopt leaves those as they are.)
   */
  matching(r: TranslationRecord): CodeCache[] | null {
    const m = this.m;
    const caches: CodeCache[] = [];
    for (const c of r.codes) {
      const cache = m.cacheOf(c.addr);
      if (!cache || this.refused.has(cache) || cache.byteLength !== c.bytes.length || m.cacheIndexOfCode(c.addr) !== c.slot) return null;
      if (!sameBytes(m.store.bytes.subarray(c.addr, c.addr + c.bytes.length), c.bytes)) return null;
      caches.push(cache);
    }
    for (let i = 0; i < r.slots.length; i += 2) if (m.cacheIndexOfCode(r.slots[i]) !== r.slots[i + 1]) return null;
    for (const c of r.inlined) {
      if (m.cacheOf(c.addr)?.byteLength !== c.bytes.length || !sameBytes(m.store.bytes.subarray(c.addr, c.addr + c.bytes.length), c.bytes)) return null;
    }
    return caches;
  }

  /**
   * For tests: would this machine make the record's module for these code objects? 'same'
   * (its bytes' length and hash), 'other guesses' (its send sites guess other callees now, so
   * the bytes differ there), or 'different'.
   */
  makesRecord(r: TranslationRecord, caches: readonly CodeCache[]): 'same' | 'other guesses' | 'different' {
    const { bytes, guessed } = this.build(caches);
    if (r.key.endsWith(`:${bytes.length}:${hashBytes(bytes)}`)) return 'same';
    const same = r.codes.every((c) => {
      const now = [...(guessed.get(c.addr) ?? [])].sort((a, b) => a - b);
      const then = [...c.guessed].sort((a, b) => a - b);
      return now.length === then.length && now.every((x, i) => x === then[i]);
    });
    return same ? 'different' : 'other guesses';
  }

  /** The message of the last module the engine refused (tests look at it). */
  lastError: string | null = null;

  /** Install a translated function for `p.code`; answers the code objects it reaches directly (`targets`). */
  private install(p: PlanInfo & { readonly code: CodeCache }, targets: ReadonlySet<CodeCache>, fn: TranslatedFn, module: number): ReadonlySet<CodeCache> {
    const code = p.code;
    const slot = this.m.cacheIndexOfCode(code.addr);
    if (slot < 0) return targets;
    // The code objects its code calls or jumps to directly: dropped with them (see forgotten).
    code.translation = { fn, plan: p, module, targets };
    for (const t of targets) {
      let r = this.referrers.get(t);
      if (!r) this.referrers.set(t, r = new Set());
      r.add(code);
    }
    this.translated.add(code);
    this.wasm.table.set(slot, fn);
    // (only the entries: elsewhere the interpreter runs on to one, or out of the object)
    p.offsets.forEach((off, label) => {
      if (!p.entries.has(label)) return;
      const ins = this.m.fetch(code, off);
      if (ins.op === OP.FAULT || ins.op === OP.EXIT || ins.op === OP.TRANSLATED) return;
      ins.baseOp = ins.op;
      ins.op = OP.TRANSLATED;
      ins.txLabel = label;
    });
    return targets;
  }

  /** Drop one code object's translation: its slot holds the stub again, its labels run interpreted. */
  private drop(code: CodeCache): void {
    const t = code.translation;
    if (!t) return;
    code.translation = null;
    code.loops = 0;
    this.translated.delete(code);
    for (const target of t.targets) this.referrers.get(target)?.delete(code);
    const slot = this.m.cacheIndexOfCode(code.addr);
    if (slot >= 0) this.wasm.table.set(slot, this.wasm.stub);
  }

  /**
   * Drop every translation (the bytes of decoded code changed: any translation may have
   * copied what it read there).
   */
  flush(): void {
    for (const code of [...this.translated]) this.drop(code);
    this.referrers.clear();
    this.refused.clear();
    this.unadoptable.clear();
    this.stats.flushes++;
  }

  /**
   * A code object is gone (the collector or a forget freed it): its slot holds the stub again,
   * and the translations that call or jump to it directly go too, since their functions reach
   * its function without looking in the table.
   */
  forgotten(code: CodeCache, slot: number): void {
    this.drop(code);
    for (const r of [...(this.referrers.get(code) ?? [])]) this.drop(r);
    this.referrers.delete(code);
    this.refused.delete(code);
    if (this.made && slot >= 0 && slot < this.made.table.length) this.made.table.set(slot, this.made.stub);
  }

  /**
   * Run a translated code object from the host, at label `entry` (STATE holds its registers):
   * the status it ended with (translate.ts), STATE holding the registers after.
   */
  enter(code: CodeCache, ret: number, entry: number, depth: number): number {
    return this.wasm.enterSlot(this.m.cacheIndexOfCode(code.addr), ret, code.addr, entry, depth);
  }

  /** Translations alive now (for `.see` and tests). */
  isTranslated(code: CodeCache): boolean { return code.translation !== null; }

  // ---- imports: the host's side of translated code -------------------------------------------

  /** A syscall from translated code: the host service, as the interpreter enters it. */
  private service(codeAddr: number, off: number, depth: number): number {
    const m = this.m;
    const ins = m.fetchAt(codeAddr, off);
    const saved = m.depth;
    m.depth = depth;
    try {
      if (!m.enterServiceFor(ins)) return this.fault(m.pending);
    } finally {
      m.depth = saved;
    }
    return this.afterHost(codeAddr, off);
  }

  /** One straight-line instruction the translator leaves to the interpreter's routine. */
  private step(codeAddr: number, off: number): number {
    const m = this.m;
    const ins = m.fetchAt(codeAddr, off);
    if (!m.stepOne(ins)) return this.fault(m.pending);
    return this.afterHost(codeAddr, off);
  }

  /** A store hit a code object: 1 if decoded code was there (everything translated is gone). */
  private codeWritten(cell: number): number {
    this.m.codeWritten(cell);
    return this.m.resync ? 1 : 0;
  }

  /** After the host ran an instruction for translated code: go on, or (decoded code changed) stop after it. */
  private afterHost(codeAddr: number, off: number): number {
    const m = this.m;
    if (!m.resync) return 0;
    const s = m.store.state32;
    s[STATE.NEXT_CODE] = codeAddr;
    s[STATE.NEXT_OFF] = off;
    s[STATE.NEXT_MODE] = NEXT_AFTER;
    s[STATE.BUDGET] -= 1; // it ran: the function refunds it with the rest of its block
    return STOP_AT;
  }

  private fault(f: Fault | null): number {
    this.m.pending = null;
    this.m.nestedFault = f;
    return FAULT;
  }

  /** The stub: an untranslated code object called from translated code runs in the interpreter. */
  private interpret(ret: number, callee: number, entry: number, depth: number): number {
    const m = this.m;
    const code = m.cacheOf(callee);
    if (!code) return this.fault({ kind: 'Tag', message: `call target 0x${callee.toString(16)} is not a code object`, code: callee, offset: 0, instruction: '' });
    this.stats.stubs++;
    if (++code.heat >= this.hotCalls) {
      this.hot(code);
      const t = code.translation;
      if (t && entry === 0) return this.enter(code, ret, 0, depth);
    }
    return m.runNested(m.fetch(code, entry === 0 ? 0 : code.translation?.plan.offsets[entry] ?? 0), ret, depth);
  }
}

/** Give the interpreter's records what the tier needs (kept here, beside its only user). */
export type { Insn };
