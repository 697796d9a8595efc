/*
 * A running Bedrock: a kernel made by genesis, a compiler, and the evaluation of source text,
 * item by item, as the REPL and the command line do it. A method definition is compiled and
 * installed; an expression is compiled and run, and its value described. Every problem comes
 * back as a value (a syntax error with its caret, a compile error with its position, a fault
 * with its instruction); the machine is unwound after a fault, so the next item runs.
 */
import { wideStringClass } from '../../kernel/objects/methods.ts';
import { readFileSync } from 'node:fs';
import { genesis, type GenesisOptions } from '../../bootstrap/genesis.ts';
import { FORMAT_POINTERS, TAG_NUM, TAG_PTR } from '../../kernel/machine/cells.ts';
import { describeFault, type Fault } from '../../kernel/machine/faults.ts';
import type { RunOptions } from '../../kernel/machine/machine.ts';
import type { Value } from '../../kernel/objects/globals.ts';
import type { Kernel } from '../../kernel/objects/kernel.ts';
import { classIndexOf, isObject, setSlot, setSlotPointer, slot, slotCount, slotPointer } from '../../kernel/objects/access.ts';
import { CLASS, ENTRY, METHOD, ROOTS, SERVICE } from '../../kernel/objects/layout.ts';
import { assignGlobal, findBinding } from '../../kernel/objects/globals.ts';
import { formatSyntaxError, placeText, type ClassDefinition, type DoIt, type Item } from '../lang/ast.ts';
import { classSteps } from './class-items.ts';
import { compileErrorText } from './compile-error.ts';
import { FileIns } from './filein-service.ts';
import { parseMethodText } from '../lang/filein.ts';
import { behaviourAt, behaviourIndex, behaviourName, classTable, methodsHead, walkGuard } from '../../kernel/objects/classes.ts';
import { parse } from '../lang/parser.ts';
import { Compiler, type Backend } from '../compiler/compiler.ts';
import { backtrace, isMachinery } from './backtrace.ts';
import { sealArithmetic } from '../../kernel/objects/arithmetic.ts';
import { sealIdentity } from '../../kernel/objects/identity.ts';
import { sealIndexing } from '../../kernel/objects/indexing.ts';
import { sealBooleans } from '../../kernel/objects/booleans.ts';
import { sealFloats } from '../../kernel/objects/float-arithmetic.ts';
import { systemService } from './system-service.ts';
import { interruptForTimer, leaveRegion, processService, switchingFaultHandler } from './process-service.ts';
import { Actors } from './actor-service.ts';
import { poisonNote } from './actor-copy.ts';
import { debugService, PAUSE_MESSAGE } from './debug-service.ts';
import { activationName, CodeIndex, machineStart, walkFrames } from './frames.ts';
import { stepWatch } from './stepping.ts';
import { aside } from './aside.ts';
import { DebugSession, restartAt, runEnsuresAbove } from './debug-session.ts';
import type { Insn } from '../../kernel/machine/insn.ts';
import { stackReport, type FrameReport } from './stack-report.ts';
import { projectFile } from '../../bootstrap/project-files.ts';
import { returnHome } from '../../kernel/memory/stack.ts';
import { BrokenStructure } from '../../kernel/machine/faults.ts';
import { Forth } from '../forth/forth.ts';
import { nowMs } from '../../kernel/machine/clock.ts';

/** What evaluating one item came to; `output` is what it wrote to the Transcript, if anything. */
export type Outcome =
  | { readonly kind: 'value'; readonly value: Value; readonly text: string; readonly source: string; readonly output?: string }
  | { readonly kind: 'defined'; readonly text: string; readonly source: string; readonly output?: string; readonly warnings?: readonly string[] }
  | { readonly kind: 'error'; readonly text: string; readonly source: string; readonly fault?: Fault; readonly backtrace?: readonly string[]; readonly output?: string;
      /** The frames of the user's code that were running, with their values (stack-report.ts). */
      readonly frames?: readonly FrameReport[];
      /**
       * Where in `output` the error went unhandled: what comes after was written on the way
       * out (ensure: blocks), and is shown after the error, as GNU Smalltalk and Pharo show it.
       */
      readonly errorAt?: number };

/** One item being evaluated in slices (Bedrock.startItem). */
export interface Evaluation {
  /** Run at most `steps` more instructions: the outcome once the item is done, else null. */
  step(steps: number): Outcome | null;
}

export interface BedrockOptions extends GenesisOptions {
  readonly backend?: Backend;
  /** Step limit for each evaluated expression (none unless given). */
  readonly steps?: number;
}

/** The most instructions one slice of an evaluation runs before it goes on with the next. */
const MAX_SLICE = 1_000_000_000;

/** Instructions an evaluation with a time limit runs between looks at the clock. */
const TIME_SLICE = 5_000_000;

/** Instructions the ensure blocks of an evaluation that stopped may run on its way out. */
const ENSURE_STEPS = 10_000_000;

/** The system file after which SmallInteger arithmetic is sealed for inlining (kernel/objects/arithmetic.ts). */
const SEAL_ARITHMETIC_AFTER = 'large';
/** The system file after which ==, isNil and notNil are inlined (kernel/objects/identity.ts). */
const SEAL_IDENTITY_AFTER = 'object';
/** The system file after which Array at: and at:put: are inlined (kernel/objects/indexing.ts). */
const SEAL_INDEXING_AFTER = 'collection';
/** The system file after which not is inlined for true and false (kernel/objects/booleans.ts). */
const SEAL_BOOLEANS_AFTER = 'boolean';
/** The system file after which Float arithmetic is inlined for two Floats (kernel/objects/float-arithmetic.ts). */
const SEAL_FLOATS_AFTER = 'float';

/** The system written in Bedrock, loaded after genesis in this order. */
export const SYSTEM_FILES: readonly string[] = Object.freeze(['object', 'behaviour', 'boolean', 'integer', 'large', 'number', 'collection', 'string', 'stream', 'exception', 'fraction', 'float', 'floatmath', 'scaled', 'point', 'system', 'time', 'random', 'regex', 'image', 'dialects']);

/** Loaded after SYSTEM_FILES: frames as objects and the debugger's side of exceptions (debug.bedrock). */
const DEBUG_FILES: readonly string[] = Object.freeze(['debug']);

/** Loaded last: processes inside an actor (process.bedrock) and actors (actor.bedrock), issue 14. */
const CONCURRENCY_FILES: readonly string[] = Object.freeze(['process', 'actor']);

/** What an actor's worker evaluates: the block it was spawned with (bootstrap/system/actor.bedrock). */
const STARTER_SOURCE = 'Actor runStart';

/** STARTER_SOURCE parsed, once per thread (an actor's worker runs it for every actor). */
let starterParsed: DoIt | null | undefined;
function starterItem(): DoIt | null {
  if (starterParsed === undefined) {
    const item = parse(STARTER_SOURCE).items[0];
    starterParsed = item && item.kind === 'doit' ? item : null;
  }
  return starterParsed;
}

/** A DoIt compiled once (Bedrock.actorStarter): its method and entry. */
export interface CompiledStarter {
  readonly method: number;
  readonly entry: number;
}

export class Bedrock {
  readonly compiler: Compiler;

  /** Transcript text not yet given to an outcome. */
  private output = '';

  /** What `Smalltalk arguments` answers: a script's arguments (bedrock run FILE ARG ...). */
  arguments: readonly string[] = [];

  /** The files `Smalltalk fileIn:` is reading. */
  readonly fileIns: FileIns;

  /**
   * Each top-level evaluation's limits: instructions (the StepLimit fault) and milliseconds
   * (an Interrupted fault at the time limit). None by default: an evaluation runs until it
   * ends or is interrupted (Ctrl-C). `--steps N` and `--timeout SECONDS` set them.
   */
  steps: number;
  timeoutMs = Infinity;

  /**
   * The number of the top-level evaluation running now (process-service.ts): the process of
   * an evaluation that has ended can never run again. It starts from the clock, so an image
   * opened again never meets its old numbers.
   */
  epoch = Date.now();
  /** When the scheduler's first Delay is due, and the method that takes its interrupt (process-service.ts). */
  wakeAt: number | null = null;
  timerMethod = -1;

  /** The actors this system spawned (actor-service.ts); inside an actor, also the way to its spawner. */
  actors: Actors;

  private constructor(readonly kernel: Kernel, backend: Backend, steps: number) {
    this.steps = steps;
    this.compiler = new Compiler(kernel, backend);
    this.fileIns = new FileIns(kernel, () => this.compiler);
    kernel.machine.services[SERVICE.SYSTEM] = systemService(this);
    kernel.machine.services[SERVICE.PROCESS] = processService(kernel, this);
    kernel.machine.faultHandler = switchingFaultHandler(kernel, this, kernel.machine.faultHandler);
    // A Poisoned fault, signalled, says what the object was and where it went (actor-copy.ts).
    kernel.faultNote = (f) => (f.kind === 'Poisoned' ? poisonNote(kernel, f.message) : null);
    kernel.machine.services[SERVICE.DEBUG] = debugService({
      kernel, doIts: () => this.doIts, pauseOnError: () => this.pauseOnError,
      unhandled: () => { if (this.asideDepth === 0) this.errorAt = this.output.length; },
    });
    // Smalltalk may call Forth (Forth evaluate:) in an image that has it before anything
    // else used Forth in this session: the first call attaches the Forth system, whose own
    // service then takes the place of this one.
    kernel.machine.services[SERVICE.FORTH] = (m) => {
      const f = Forth.existing(this);
      if (typeof f === 'string') return f;
      const service = m.services[SERVICE.FORTH];
      return service ? service(m) : 'no FORTH service';
    };
    this.actors = new Actors(kernel, this, null);
    kernel.machine.services[SERVICE.ACTOR] = this.actors.service();
  }

  /** The methods of the DoIts being evaluated, outermost first (the debugger names their frames). */
  readonly doIts: number[] = [];

  /**
   * Is a statement's value printed (its printString run for the outcome's text)? Off while a
   * Smalltalk file runs (bedrock run FILE.st), which shows no values, as gst shows none: the
   * outcome's text is then empty, and printString (user code) does not run for nothing.
   */
  printValues = true;

  /**
   * `Actor runStart` compiled once as a DoIt (at the first spawn) and kept as a root, so that
   * it is in every snapshot: an actor's worker runs it (runStarter) instead of parsing and
   * compiling it each time (actor-worker.ts).
   */
  private starter: CompiledStarter | null = null;

  /** The compiled `Actor runStart` of this system (ActorHost): made once, kept. */
  actorStarter(): CompiledStarter | null {
    if (this.starter) return this.starter;
    const item = parse(STARTER_SOURCE).items[0];
    if (!item || item.kind !== 'doit') return null;
    const r = this.compiler.doIt(item);
    if (!r.ok) return null;
    this.kernel.heap.roots.add(BigInt(r.method), TAG_PTR);
    this.starter = { method: r.method, entry: r.entry };
    return this.starter;
  }

  /**
   * Inside an actor: run the spawner's compiled `Actor runStart` (actorStarter, at the same
   * address in this heap opened from its snapshot) as the evaluation of STARTER_SOURCE. Its
   * value is nil (the block's value went to the spawner by REPLY): it is not printed.
   */
  runStarter(starter: CompiledStarter): Outcome {
    const item = starterItem();
    if (!item) return { kind: 'error', text: 'the actor did not start', source: STARTER_SOURCE };
    this.kernel.heap.roots.add(BigInt(starter.method), TAG_PTR);
    return this.withOutput(this.runToEnd(this.startDoIt(item, {}, {}, starter)));
  }

  /** Stop an evaluation at an error nothing handles, for a debugger (debug-service.ts PAUSE), instead of ending it. */
  pauseOnError = false;

  /** The SYSTEM service's Transcript: text is kept until the item that wrote it ends. */
  transcript(text: string): void { this.output += text; }

  /** How much of `output` was written when an error last went unhandled in this item (debug-service.ts PAUSE), or -1. */
  private errorAt = -1;

  /**
   * The status `Smalltalk exit:` asked for, or null: the evaluation that asked was interrupted,
   * and a command running a program stops there and exits with it.
   */
  exitStatus: number | null = null;

  exit(status: number): void { this.exitStatus = status; }

  /** Called as each top-level evaluation begins (another language drops what one left unfinished). */
  readonly onAfresh: (() => void)[] = [];

  /** The Transcript text written since the item began (or since the last take), taken. */
  takeTranscript(): string {
    const t = this.output;
    this.output = '';
    this.errorAt = -1;
    return t;
  }

  /** `Foo compile: 'bar ^42'`: a method in the chunk format's form, defined in `behaviour` (COMPILE). */
  compileMethod(behaviour: number, source: string): { selector: string } | string {
    const k = this.kernel;
    const name = behaviourName(k, behaviour);
    const classSide = name.endsWith(' class');
    const def = parseMethodText(source, classSide ? name.slice(0, -' class'.length) : name, classSide);
    if ('message' in def) return formatSyntaxError(def);
    // A class with no name (Behavior new) is reached by itself, not by a name.
    const named = k.behaviourNamed(classSide ? name.slice(0, -' class'.length) : name) >= 0;
    const r = this.compiler.define(def, named ? undefined : behaviour);
    return r.ok ? { selector: r.selector } : compileErrorText(r.error.message, r.error.span, def.source, def.span, def.origin);
  }

  /** Genesis, then the system's own source (bootstrap/system/), in order. */
  static boot(options: BedrockOptions = {}): Bedrock | string {
    const r = genesis(options);
    if (!r.ok) return r.error;
    const b = new Bedrock(r.kernel, options.backend ?? 'native', options.steps ?? Infinity);
    // The library's methods send their accessors: copies of leaf methods (src/compiler/leaf-sends.ts)
    // are made in the code compiled after it, a program's (the base image stays as small).
    b.compiler.inlineLeaves = false;
    for (const file of [...SYSTEM_FILES, ...DEBUG_FILES, ...CONCURRENCY_FILES]) {
      const text = readFileSync(projectFile(`bootstrap/system/${file}.bedrock`), 'utf8');
      const outcomes = b.evaluate(text);
      const failed = outcomes.find((o) => o.kind === 'error');
      if (failed) return `bootstrap/system/${file}.bedrock: ${failed.text}\n${failed.source}`;
      // The system names nothing before it defines it: a late-bound name here is a mistake.
      const warned = outcomes.find((o) => o.kind === 'defined' && o.warnings);
      if (warned && warned.kind === 'defined') return `bootstrap/system/${file}.bedrock: ${warned.warnings![0]}\n${warned.source}`;
      // Once integer arithmetic is complete, compiled code inlines its SmallInteger case.
      if (file === SEAL_ARITHMETIC_AFTER) {
        const sealed = sealArithmetic(b.kernel);
        if (sealed) return `bootstrap/system/${file}.bedrock: ${sealed}`;
      }
      // Once VM and UndefinedObject answer ==, isNil and notNil, compiled code inlines them.
      if (file === SEAL_IDENTITY_AFTER) {
        const sealed = sealIdentity(b.kernel);
        if (sealed) return `bootstrap/system/${file}.bedrock: ${sealed}`;
      }
      // Once Array answers at: and at:put:, compiled code inlines them for Arrays.
      if (file === SEAL_INDEXING_AFTER) {
        const sealed = sealIndexing(b.kernel);
        if (sealed) return `bootstrap/system/${file}.bedrock: ${sealed}`;
      }
      // Once True and False answer not, compiled code inlines it for them.
      if (file === SEAL_BOOLEANS_AFTER) {
        const sealed = sealBooleans(b.kernel);
        if (sealed) return `bootstrap/system/${file}.bedrock: ${sealed}`;
      }
      // Once Float answers its arithmetic and comparisons, compiled code inlines them for two Floats.
      if (file === SEAL_FLOATS_AFTER) {
        const float = b.kernel.behaviourNamed('Float');
        const sealed = float < 0 ? 'there is no class Float' : sealFloats(b.kernel, behaviourIndex(b.kernel, float));
        if (sealed) return `bootstrap/system/${file}.bedrock: ${sealed}`;
        // Every seal is made (this is the last): the methods loaded before one was are made again with it.
        const remade = b.remadeWithSeals();
        if (remade) return `bootstrap/system/${file}.bedrock: ${remade}`;
      }
    }
    b.compiler.inlineLeaves = true;
    return b;
  }

  /**
   * The library's methods loaded before the compiler began inlining SmallInteger arithmetic,
   * identity, Array indexing, not and Float arithmetic (each sealed once its methods exist)
   * were compiled with sends for them: collection.bedrock's do: sent Array>>at: for every
   * element. Once every group is sealed each such method is compiled again in place
   * (Compiler.recompileInPlace), and the caches that may hold an old entry are emptied.
   * Null, or which method did not compile again and why.
   */
  private remadeWithSeals(): string | null {
    const k = this.kernel, m = k.machine;
    const seen = new Set<number>();
    const count = slotCount(m, classTable(k));
    for (let index = 1; index < count; index++) {
      const behaviour = behaviourAt(k, index);
      if (behaviour < 0) continue;
      const guard = walkGuard(k, 'a method chain');
      for (let e = methodsHead(k, behaviour); e >= 0 && e !== k.nil && guard(); e = slotPointer(m, e, ENTRY.NEXT)) {
        const method = slotPointer(m, e, ENTRY.METHOD);
        if (method < 0 || method === k.nil || seen.has(method)) continue;
        seen.add(method);
        const failed = this.compiler.recompileInPlace(method);
        if (failed) return `${behaviourName(k, behaviour)}>>${k.symbols.text(slotPointer(m, e, ENTRY.SELECTOR))} does not compile again: ${failed}`;
      }
    }
    k.cache.flush();
    return null;
  }

  /** A Bedrock over a kernel that already holds the whole system: an opened image (image/open.ts). */
  static resume(kernel: Kernel, options: { readonly backend?: Backend; readonly steps?: number } = {}): Bedrock {
    return new Bedrock(kernel, options.backend ?? 'native', options.steps ?? Infinity);
  }

  get backend(): Backend { return this.compiler.backend; }

  /** Evaluate every item of `source` in order; stops at a syntax error (items before it run). */
  evaluate(source: string, options: RunOptions = {}): Outcome[] {
    const parsed = parse(source);
    const outcomes = parsed.items.map((item) => this.withOutput(this.evaluateItem(item, options)));
    if (!parsed.ok) outcomes.push({ kind: 'error', text: formatSyntaxError(parsed.error), source: parsed.error.sourceLine });
    return outcomes;
  }

  /** Evaluate one item to its end (startItem, run without pausing). */
  evaluateItem(item: Item, options: RunOptions = {}): Outcome {
    return this.runToEnd(this.startItem(item, options));
  }

  /**
   * Start evaluating one item in slices, so that a REPL can keep its screen and keys alive:
   * each `step(n)` runs at most n more instructions and answers the outcome once the item is
   * done, or null when it paused (the machine keeps its place; Machine.resume goes on). The
   * whole item has the step budget evaluateItem gives it; an interrupt (Machine.requestInterrupt)
   * stops it with an Interrupted fault. A definition is made by the first step. A value is
   * answered as it is after its printString ran (a collection then may have moved it).
   */
  startItem(item: Item, options: RunOptions = {}): Evaluation {
    // A host walk that meets a structure written into a cycle (kernel/objects/classes.ts
    // walkGuard) ends the item with an error; the system goes on.
    const broken = (e: unknown): Outcome => {
      if (!(e instanceof BrokenStructure)) throw e;
      this.kernel.machine.unwind();
      return this.withOutput({ kind: 'error', text: `Error: ${e.message}`, source: item.source });
    };
    let e: Evaluation;
    try {
      e = this.startItemUnguarded(item, options);
    } catch (x) {
      const o = broken(x);
      return { step: () => o };
    }
    let done: Outcome | null = null;
    return {
      step: (steps) => {
        if (done) return done;
        try {
          return e.step(steps);
        } catch (x) {
          done = broken(x);
          return done;
        }
      },
    };
  }

  private startItemUnguarded(item: Item, options: RunOptions): Evaluation {
    const source = item.source;
    const once = (o: Outcome): Evaluation => ({ step: () => o });
    if (item.kind === 'method') {
      const r = this.compiler.define(item);
      if (!r.ok) return once(this.withOutput({ kind: 'error', text: compileErrorText(r.error.message, r.error.span, source, item.span, item.origin), source }));
      const name = `${item.target.name}${item.classSide ? ' class' : ''}>>${item.selector}`;
      // The methods that have the old definition in their code are compiled again.
      const warnings = [...r.warnings.map((w) => `${name}: ${w}`), ...this.compiler.dependents.settle()];
      return once(this.withOutput({ kind: 'defined', text: name, source, ...(warnings.length > 0 && { warnings }) }));
    }
    if (item.kind === 'class') return once(this.withOutput(this.defineClass(item, options)));
    return this.startDoIt(item, options);
  }

  /**
   * A class in GNU Smalltalk's bracket syntax: each step (class-items.ts) in order. The steps
   * after a failed one still run (a method that does not compile leaves the others defined),
   * and the outcome is the class, or every error with its place.
   */
  private defineClass(def: ClassDefinition, options: RunOptions): Outcome {
    const source = def.source;
    const steps = classSteps(def);
    const file = def.origin?.name;
    const here = placeText(def.span.start, file);
    if (typeof steps === 'string') return { kind: 'error', text: `${here}: ${steps}`, source };
    const errors: string[] = [];
    const warnings: string[] = [];
    let fault: Outcome & { kind: 'error' } | undefined;
    for (const step of steps) {
      let o: Outcome;
      if (step.kind === 'method') {
        o = this.evaluateItem(step.item, options);
      } else {
        let behaviour = -1;
        let receiver: Value | undefined;
        if (step.inClass !== undefined) {
          const cls = this.kernel.behaviourNamed(step.inClass);
          if (cls >= 0) { behaviour = this.kernel.behaviour(classIndexOf(this.kernel.machine, cls)); receiver = this.kernel.object(cls); }
        }
        o = this.runToEnd(this.startDoIt(step.item, options, { behaviour, receiver }));
        if (o.kind === 'error' && step.item.origin === undefined) {
          // A generated message: its text is ours, the place is the class's.
          o = { ...o, text: `${here} (${step.what}): ${o.text.split('\n')[0].replace(/^line \d+, column \d+: /, '')}` };
        }
      }
      this.output = o.output ?? '';
      if (o.kind === 'error') { errors.push(o.text); fault ??= o; }
      if (o.kind === 'defined' && o.warnings) warnings.push(...o.warnings);
    }
    if (errors.length > 0) return { ...fault!, text: errors.join('\n'), source };
    return { kind: 'defined', text: `${def.name.name}${def.classSide ? ' class' : ''}`, source, ...(warnings.length > 0 && { warnings }) };
  }

  /** Run to the end; with no one to decide, a stop for a debugger is abandoned (the error ends it as usual). */
  private runToEnd(e: Evaluation): Outcome {
    // Only a stop this evaluation made is abandoned: one it runs beside (evaluateAside, while
    // a debugger has an evaluation stopped) is the debugger's to decide.
    const outer = this.paused;
    for (;;) {
      const o = e.step(Number.MAX_SAFE_INTEGER);
      if (o !== null) return o;
      if (this.paused && this.paused !== outer && this.paused.resolution === null) this.paused.abandon();
    }
  }

  /** A doit in slices; in a class's scope, with the class as its receiver, when `scope` says so. */
  private startDoIt(item: DoIt, options: RunOptions, scope: { behaviour?: number; receiver?: Value } = {}, compiled?: CompiledStarter): Evaluation {
    const source = item.source;
    const once = (o: Outcome): Evaluation => ({ step: () => o });
    const r = compiled ? { ok: true as const, ...compiled } : this.compiler.doIt(item, scope.behaviour ?? -1, true);
    if (!r.ok) return once(this.withOutput({ kind: 'error', text: compileErrorText(r.error.message, r.error.span, source, item.span, item.origin), source }));
    const k = this.kernel;
    const m = k.machine;
    const held = k.heap.roots.add(BigInt(r.method), TAG_PTR);
    const budget = options.steps ?? this.steps;
    let left = budget;
    const timeoutMs = this.timeoutMs;
    let deadline = Infinity;
    let started = false;
    let done: Outcome | null = null;
    // The statement's answer while the processes it left ready run, and their entry.
    let answer = -1;
    let idle: number | null = null;
    let idleNext = false;
    let session: DebugSession | null = null;
    let pausedAt: Fault | null = null;
    /** The watch of a step being taken (stepping.ts), or null. */
    let stepping: ((next: Insn) => boolean) | null = null;
    let stepName = '';
    this.doIts.push(r.method);
    const finish = (o: Outcome): Outcome => {
      k.heap.roots.release(held);
      if (answer >= 0) { k.heap.roots.release(answer); answer = -1; }
      const at = this.doIts.lastIndexOf(r.method);
      if (at >= 0) this.doIts.splice(at, 1);
      // What the statement defined or forgot (Smalltalk forget:, compile:) reaches every method.
      this.compiler.dependents.settle();
      // Nothing lives on the stack between top-level evaluations: code that returned to the
      // host with values left on it (a jump to the exit stub) must not make the session unsaveable.
      // (Beside a stopped evaluation, its stack is still in use.)
      if (this.asideDepth === 0) {
        if (m.inService.length === 0) m.unwind();
        returnHome(k.heap); // a stack grown by a deep recursion is given back
        if (m.onHomeStack) k.stackReserved = false;
      }
      done = this.withOutput(o);
      return done;
    };
    return {
      step: (steps: number): Outcome | null => {
        if (done !== null) return done;
        // Stopped for a debugger (debug-session.ts): it goes on as the debugger decided.
        let resumeAt: Insn | null = null;
        if (session !== null) {
          // Stepped again with no decision: no one is debugging it (a batch loop), so the
          // error goes on to its end as if there were no debugger.
          if (session.resolution === null) session.abandon();
          const s: DebugSession = session;
          session = null;
          this.paused = null;
          if (s.stepped && s.resolution === 'abandon') {
            // Abandoned after a step: the evaluation ends here, its ensure blocks run.
            this.runEnsureBlocks();
            m.unwind();
            return finish({ kind: 'error', text: 'abandoned in the debugger', source });
          }
          resumeAt = this.afterPause(s, pausedAt!);
          // A step: the interpreter runs on, asking the watch before each instruction.
          const a = s.resolution === 'step' ? s.activations[s.stepFrame] : undefined;
          const sender = a ? s.all.slice(s.all.indexOf(a) + 1).find((x) => !isMachinery(k, x.code.method)) : undefined;
          stepping = a ? stepWatch(k, new CodeIndex(k, this.doIts), s.stepKind, a, sender) : null;
          if (a) stepName = `${s.stepKind}: `;
        }
        // A slice is never longer than MAX_SLICE (the machine's budget stays a 32-bit count:
        // an unbounded one made translated code leave at every check, eight times slower).
        // Short slices too while a Delay is pending, so that its time is seen (preemption).
        const slice = Math.max(1, Math.min(steps, left, MAX_SLICE, deadline === Infinity && timeoutMs === Infinity && this.wakeAt === null ? Infinity : TIME_SLICE));
        let run;
        if (idleNext) {
          // The statement has answered: the processes it left ready run (process.bedrock).
          idleNext = false;
          m.setRegister(0, BigInt(k.nil), TAG_PTR);
          m.setRegister(5, 0n, TAG_NUM);
          run = m.call(idle!, { steps: slice });
        } else if (!started) {
          started = true;
          if (timeoutMs !== Infinity) deadline = nowMs() + timeoutMs;
          this.startAfresh();
          const receiver = scope.receiver ?? k.object(k.nil);
          m.setRegister(0, receiver.value, receiver.tag);
          // The host's frame has no threaded vector: rbp left over from an earlier run would
          // read as the caller of the outermost run: loop in a backtrace.
          m.setRegister(5, 0n, TAG_NUM);
          // Threaded code entered through the shared entry: its vector in rsi (where it is now).
          if ('vectorInRsi' in r && r.vectorInRsi) m.setRegister(6, slot(m, r.method, METHOD.THREADED), TAG_PTR);
          run = m.call(r.entry, { steps: slice });
        } else {
          if (resumeAt) m.resumeAt = resumeAt;
          m.watch = stepping;
          m.watchStopped = false;
          try {
            run = m.resume({ steps: slice });
          } finally {
            m.watch = null;
          }
        }
        left -= run.steps;
        if (run.fault?.kind === 'StepLimit' && m.watchStopped) {
          // The step is done: a stop for the debugger where the evaluation is now.
          m.watchStopped = false;
          stepping = null;
          pausedAt = run.fault;
          session = this.pauseHere(run.fault, stepName);
          if (session) return null;
          return null; // (no session could be made: it runs on)
        }
        // A step ends with the run (or at an error, or an interrupt): what runs after is not stepped.
        if (run.fault === null || run.fault.kind !== 'StepLimit') stepping = null;
        if (run.fault?.kind === 'Breakpoint' && run.fault.message === PAUSE_MESSAGE) {
          // An error nothing handled, stopped for a debugger before any ensure block ran.
          pausedAt = run.fault;
          session = this.pauseHere(run.fault);
          if (session) return null;
          // No session could be made: go on as if there were no debugger.
          m.resumeAt = this.afterPause(null, run.fault);
          return null;
        }
        const late = run.fault?.kind === 'StepLimit' && left > 0 && nowMs() >= deadline;
        if (run.fault?.kind === 'StepLimit' && left > 0 && !late) {
          // A Delay's time has come while a process runs: the scheduler takes its turn there,
          // between two instructions (not beside a debugger, nor in an aside's evaluation).
          if (this.wakeAt !== null && stepping === null && this.asideDepth === 0 && nowMs() >= this.wakeAt) interruptForTimer(k, this);
          return null;
        }
        if (run.fault) {
          // A machine fault signalled as an exception that nothing handled is reported as the
          // fault, with the methods that were running when it happened (kernel/objects/faults.ts).
          const origin = run.fault.kind === 'Service' ? k.faultOrigin : null;
          k.faultOrigin = null;
          // The last slice's count is not the news: the whole item's is.
          const fault = origin ? origin.fault
            : late ? { ...run.fault, kind: 'Interrupted' as const, message: `stopped at the time limit of ${timeoutMs / 1000} s, after ${budget - left} instructions` }
            : run.fault.kind === 'StepLimit' ? { ...run.fault, message: `stopped after ${budget - left} instructions (the step limit)` } : run.fault;
          // The program asked to exit (`Smalltalk exit: n` stops the run with an interrupt): the
          // caller ends with its status and shows no error, so no backtrace is made for it (that
          // indexes every method: ~0.5 s after an AWFY benchmark).
          const exiting = fault.kind === 'Interrupted' && this.exitStatus !== null;
          const frames = exiting ? [] : backtrace(k, fault, r.method, 8, origin ?? undefined);
          // Ctrl-C (or the time limit) stops the actors this evaluation started.
          if (fault.kind === 'Interrupted') this.actors.stopRecent();
          const report = exiting ? undefined : this.reportStack(run.fault);
          this.runEnsureBlocks();
          m.unwind();
          // From a file, the error says where in it the statement that failed began.
          const where = item.origin?.name !== undefined ? `${placeText(item.span.start, item.origin.name)}: ` : '';
          // A Poisoned fault says what the object was and where it went (actor-copy.ts).
          const note = fault.kind === 'Poisoned' && !fault.message.includes(' (it was ') ? poisonNote(k, fault.message) : null;
          const text = faultText(fault) + (note ? ` (it was ${note})` : '');
          return finish({ kind: 'error', text: where + text, source, fault, backtrace: frames, ...(report && { frames: report }) });
        }
        // (Beside a stopped evaluation, nothing else runs: the processes wait for it.)
        if (answer < 0 && this.asideDepth === 0) {
          const idleEntry = this.idleEntry();
          if (idleEntry !== null) {
            answer = k.heap.roots.add(m.register(0), m.registerTag(0));
            idle = idleEntry;
            idleNext = true;
            return null;
          }
        }
        const root = answer >= 0 ? answer : k.heap.roots.add(m.register(0), m.registerTag(0));
        answer = -1;
        if (compiled) {
          // (The actor's starter: its value, nil, is not printed.)
          const value = { value: k.heap.roots.value(root), tag: k.heap.roots.tag(root) };
          k.heap.roots.release(root);
          return finish({ kind: 'value', value, text: '', source });
        }
        try {
          const text = this.printValues ? this.printString({ value: k.heap.roots.value(root), tag: k.heap.roots.tag(root) }) : '';
          return finish({ kind: 'value', value: { value: k.heap.roots.value(root), tag: k.heap.roots.tag(root) }, text, source });
        } finally {
          k.heap.roots.release(root);
        }
      },
    };
  }

  /** The compiled `Processor runUntilIdle` (process.bedrock), once the system has processes; else null. */
  private idleEntry(): number | null {
    return this.idleDoIt()?.entry ?? null;
  }

  /**
   * `Processor runUntilIdle` compiled as a DoIt (made once, kept as a root), once the system
   * has processes; else null. Every evaluation ends by running it. A spawn sends it with the
   * snapshot (actor-service.ts), so that an actor runs its spawner's (adoptIdle) instead of
   * parsing and compiling its own as its block ends, before its value can go back.
   */
  idleDoIt(): CompiledStarter | null {
    const k = this.kernel;
    if (this.idleMethod === undefined) {
      const p = k.global('Processor');
      if (!p || p.tag !== TAG_PTR || p.value === BigInt(k.nil)) return null;
      const item = parse('Processor runUntilIdle').items[0];
      const r = item && item.kind === 'doit' ? this.compiler.doIt(item, -1) : null;
      if (!r || !r.ok) { this.idleMethod = null; return null; }
      k.heap.roots.add(BigInt(r.method), TAG_PTR);
      this.idleMethod = { method: r.method, entry: r.entry };
    }
    return this.idleMethod;
  }

  /** Inside an actor: take the spawner's compiled idleDoIt (at the same address in this heap, opened from its snapshot). */
  adoptIdle(idle: CompiledStarter): void {
    this.kernel.heap.roots.add(BigInt(idle.method), TAG_PTR);
    this.idleMethod = idle;
  }

  private idleMethod: CompiledStarter | null | undefined = undefined;
  /** The evaluation stopped for a debugger (pauseOnError), while it waits for a decision; else null. */
  paused: DebugSession | null = null;

  /** Evaluations run beside a stopped one (DebugSession.evaluate), now. */
  private asideDepth = 0;

  /** A session for the evaluation stopped at `fault` (the PAUSE), or null when none can be made. */
  private pauseHere(fault: Fault, stepped?: string): DebugSession | null {
    const k = this.kernel;
    try {
      const exception = { value: k.machine.register(0), tag: k.machine.registerTag(0) };
      const frames = walkFrames(k, new CodeIndex(k, this.doIts), machineStart(k, fault.code + fault.offset), 400);
      const session = stepped !== undefined
        ? new DebugSession(this, frames, null, false, `${stepped}${frames.length > 0 ? activationName(k, frames[0]) : 'stepped'}`)
        : new DebugSession(this, frames, exception, this.isMachineFault(exception));
      this.paused = session;
      return session;
    } catch {
      return null;
    }
  }

  private isMachineFault(v: Value): boolean {
    const k = this.kernel;
    const mf = k.global('MachineFault');
    if (!mf || mf.tag !== TAG_PTR) return false;
    const r = aside(k, () => k.sendMessage(v, 'isKindOf:', [mf], { steps: 100_000 }));
    return r.value !== null && r.value.tag === TAG_PTR && Number(r.value.value) === k.true;
  }

  /** Where the evaluation goes on after the pause at `fault`: after the syscall, rax saying proceed (true) or not. */
  private afterPause(session: DebugSession | null, fault: Fault): Insn {
    const m = this.kernel.machine;
    const code = m.cacheOf(fault.code)!;
    const at = m.fetch(code, fault.offset);
    if (session?.resolution === 'restart' || session?.resolution === 'return') {
      const k = this.kernel;
      const returning = session.resolution === 'return';
      let at: Insn | string = 'no frame';
      try {
        const before = session.activations[session.restartFrame];
        if (before) {
          // The ensure: and ifCurtailed: blocks of the frames unwound run first (they may
          // collect garbage: the frames are read again after).
          const pause = this.pauseOnError;
          this.pauseOnError = false;
          this.asideDepth++;
          try {
            runEnsuresAbove(k, session.all, before, returning, ENSURE_STEPS);
          } finally {
            this.asideDepth--;
            this.pauseOnError = pause;
          }
          const all = walkFrames(k, new CodeIndex(k, this.doIts), machineStart(k, fault.code + fault.offset), 400);
          const a = all.find((x) => x.frame === before.frame && x.code.key === before.code.key);
          const value = session.returned >= 0 ? { value: k.heap.roots.value(session.returned), tag: k.heap.roots.tag(session.returned) } : null;
          if (a) at = restartAt(k, all, a, returning ? value : null);
        }
      } finally {
        if (session.returned >= 0) k.heap.roots.release(session.returned);
        session.returned = -1;
      }
      if (typeof at !== 'string') return at;
      // It could not be restarted after all: the error goes on to its end.
    }
    const k = this.kernel;
    const returned = session && session.returned >= 0 ? session.returned : -1;
    if (session) session.returned = -1;
    try {
      // After a step the evaluation goes on from the instruction it stopped before.
      if (session?.stepped) return at;
      // The PAUSE answers an Array of the value the signal answers (proceed), or false (abandon).
      if (session?.resolution === 'proceed' || session?.resolution === 'step') {
        const box = k.heap.allocateFixed(1, FORMAT_POINTERS, CLASS.Array, BigInt(k.nil), TAG_PTR);
        if (box >= 0) {
          if (returned >= 0) setSlot(m, box, 0, k.heap.roots.value(returned), k.heap.roots.tag(returned));
          m.setRegister(0, BigInt(box), TAG_PTR);
        } else m.setRegister(0, BigInt(k.false), TAG_PTR);
      } else if (session?.resolution === 'abandon') m.setRegister(0, BigInt(k.false), TAG_PTR);
      return m.fetch(code, fault.offset + at.len);
    } finally {
      if (returned >= 0) k.heap.roots.release(returned);
    }
  }

  /** A DoIt run beside a stopped evaluation (DebugSession.evaluate): `source` with `receiver` as self, in `behaviour`'s scope. */
  evaluateAside(source: string, receiver: Value, behaviour: number): { value: Value; text: string } | { error: string } {
    const parsed = parse(source);
    const item = parsed.items[0];
    if (!parsed.ok || !item || item.kind !== 'doit' || parsed.items.length !== 1) {
      return { error: parsed.ok ? 'one expression, please' : formatSyntaxError(parsed.error) };
    }
    const pause = this.pauseOnError;
    this.pauseOnError = false;
    this.asideDepth++;
    try {
      const o = aside(this.kernel, () => this.runToEnd(this.startDoIt(item, { steps: 10_000_000 }, { behaviour, receiver })));
      if (o.kind === 'value') return { value: o.value, text: o.text };
      return { error: o.text.split('\n')[0] };
    } finally {
      this.asideDepth--;
      this.pauseOnError = pause;
    }
  }

  /** The frames of the evaluation stopped by `fault`, with their values (stack-report.ts); undefined if they cannot be read. */
  private reportStack(fault: Fault): FrameReport[] | undefined {
    const k = this.kernel;
    if (fault.code < 0 || !k.machine.cacheOf(fault.code)) return undefined;
    try {
      const index = new CodeIndex(k, this.doIts);
      const frames = walkFrames(k, index, machineStart(k, fault.code + fault.offset), 400);
      return stackReport(k, frames);
    } catch {
      return undefined; // a report is a help, never a reason to fail
    }
  }

  /**
   * What the image says a value looks like: the String its printString answers (user code may
   * override it). If printString fails or answers something else, the kernel's description.
   */
  printString(value: Value): string {
    const k = this.kernel;
    const root = k.heap.roots.add(value.value, value.tag);
    try {
      const r = k.sendMessage(value, 'printString', [], { steps: Math.min(this.steps, MAX_SLICE) });
      if (r.fault || !r.value) {
        k.machine.unwind();
        return `${k.describe({ value: k.heap.roots.value(root), tag: k.heap.roots.tag(root) })} (printString failed: ${r.fault ? describeFault(r.fault) : 'no answer'})`;
      }
      const p = Number(r.value.value);
      if (r.value.tag === TAG_PTR && isObject(k.machine, p) && (classIndexOf(k.machine, p) === CLASS.String || classIndexOf(k.machine, p) === wideStringClass(k))) return k.textOf(p);
      return k.describe({ value: k.heap.roots.value(root), tag: k.heap.roots.tag(root) });
    } finally {
      k.heap.roots.release(root);
    }
  }

  /**
   * An evaluation that ends without unwinding (interrupted, stopped at its limit, a fault
   * that is not an exception) runs its pending ensure: and ifCurtailed: blocks on its way out,
   * innermost first, as an exception nothing handles does (`Exception unwindAll`). They run
   * on top of the stopped computation, with a budget of their own.
   */
  private runEnsureBlocks(): void {
    const k = this.kernel;
    const m = k.machine;
    if (slotPointer(m, k.roots, ROOTS.ACTIVE) === k.nil) return;
    const exception = k.global('Exception');
    if (!exception || exception.tag !== TAG_PTR) return;
    k.sendMessage(exception, 'unwindAll', [], { steps: ENSURE_STEPS });
    k.faultOrigin = null;
  }

  /**
   * A top-level evaluation starts with no active contexts and no exception handlers: what an
   * evaluation that ended left on those chains is dropped here.
   */
  startAfresh(): void {
    const k = this.kernel;
    for (const hook of this.onAfresh) hook();
    this.fileIns.clear();
    // Beside an evaluation stopped for a debugger, that evaluation (and its processes and
    // actors) is still the one running.
    if (this.asideDepth === 0 && this.paused === null) {
      this.epoch++;
      leaveRegion(k);
      this.actors.started();
    }
    k.faultOrigin = null;
    setSlotPointer(k.machine, k.roots, ROOTS.ACTIVE, k.nil);
    const handlers = findBinding(k, 'ActiveHandler');
    if (handlers >= 0) assignGlobal(k, handlers, k.object(k.nil));
    const reporting = findBinding(k, 'UnhandledSignal');
    if (reporting >= 0) assignGlobal(k, reporting, k.object(k.nil));
  }

  /** The outcome with the Transcript text written while it ran. */
  private withOutput(o: Outcome): Outcome {
    const at = this.errorAt;
    this.errorAt = -1;
    if (this.output === '') return o;
    const output = this.output;
    this.output = '';
    if (o.kind === 'error' && at >= 0 && at < output.length) return { ...o, output, errorAt: at };
    return { ...o, output };
  }

  /** The text of each outcome, as the command line prints them. */
  run(source: string): string[] {
    return this.evaluate(source).map((o) => o.text);
  }
}

/**
 * What a user is told of a fault. An exception nothing handled, or a message not understood,
 * reaches the kernel's FAIL service with its own words ("ZeroDivide: division by zero"): those
 * words are the whole message. A fault of the machine itself says which instruction failed.
 */
export function faultText(f: Fault): string {
  return f.kind === 'Service' ? f.message : describeFault(f);
}
