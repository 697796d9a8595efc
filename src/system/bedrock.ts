/*
 * A running Bedrock: a kernel made by genesis, a compiler, and the evaluation of source text,
 * item by item, as the REPL and the command line do it. A method definition is compiled and
 * installed; an expression is compiled and run, and its value described. Every problem comes
 * back as a value (a syntax error with its caret, a compile error with its position, a fault
 * with its instruction); the machine is unwound after a fault, so the next item runs.
 */
import { readFileSync } from 'node:fs';
import { genesis, type GenesisOptions } from '../../bootstrap/genesis.ts';
import { TAG_PTR } from '../../kernel/machine/cells.ts';
import { describeFault, type Fault } from '../../kernel/machine/faults.ts';
import type { RunOptions } from '../../kernel/machine/machine.ts';
import type { Value } from '../../kernel/objects/globals.ts';
import type { Kernel } from '../../kernel/objects/kernel.ts';
import { classIndexOf, isObject, setSlotPointer } from '../../kernel/objects/access.ts';
import { CLASS, ROOTS, SERVICE } from '../../kernel/objects/layout.ts';
import { assignGlobal, findBinding } from '../../kernel/objects/globals.ts';
import { formatSyntaxError, type Item, type Span } from '../lang/ast.ts';
import { parse } from '../lang/parser.ts';
import { Compiler, type Backend } from '../compiler/compiler.ts';
import { backtrace } from './backtrace.ts';
import { systemService } from './system-service.ts';

/** What evaluating one item came to; `output` is what it wrote to the Transcript, if anything. */
export type Outcome =
  | { readonly kind: 'value'; readonly value: Value; readonly text: string; readonly source: string; readonly output?: string }
  | { readonly kind: 'defined'; readonly text: string; readonly source: string; readonly output?: string }
  | { readonly kind: 'error'; readonly text: string; readonly source: string; readonly fault?: Fault; readonly backtrace?: readonly string[]; readonly output?: string };

export interface BedrockOptions extends GenesisOptions {
  readonly backend?: Backend;
  /** Step limit for each evaluated expression. */
  readonly steps?: number;
}

/** The system written in Bedrock, loaded after genesis in this order. */
export const SYSTEM_FILES: readonly string[] = Object.freeze(['object', 'behaviour', 'boolean', 'integer', 'large', 'collection', 'string', 'stream', 'exception', 'system', 'image']);

export class Bedrock {
  readonly compiler: Compiler;

  /** Transcript text not yet given to an outcome. */
  private output = '';

  private constructor(readonly kernel: Kernel, backend: Backend, private readonly steps: number) {
    this.compiler = new Compiler(kernel, backend);
    kernel.machine.services[SERVICE.SYSTEM] = systemService(this);
  }

  /** The SYSTEM service's Transcript: text is kept until the item that wrote it ends. */
  transcript(text: string): void { this.output += text; }

  /** Genesis, then the system's own source (bootstrap/system/), in order. */
  static boot(options: BedrockOptions = {}): Bedrock | string {
    const r = genesis(options);
    if (!r.ok) return r.error;
    const b = new Bedrock(r.kernel, options.backend ?? 'native', options.steps ?? 100_000_000);
    for (const file of SYSTEM_FILES) {
      const text = readFileSync(new URL(`../../bootstrap/system/${file}.bedrock`, import.meta.url), 'utf8');
      const failed = b.evaluate(text).find((o) => o.kind === 'error');
      if (failed) return `bootstrap/system/${file}.bedrock: ${failed.text}\n${failed.source}`;
    }
    return b;
  }

  /** A Bedrock over a kernel that already holds the whole system: an opened image (image/open.ts). */
  static resume(kernel: Kernel, options: { readonly backend?: Backend; readonly steps?: number } = {}): Bedrock {
    return new Bedrock(kernel, options.backend ?? 'native', options.steps ?? 100_000_000);
  }

  get backend(): Backend { return this.compiler.backend; }

  /** Evaluate every item of `source` in order; stops at a syntax error (items before it run). */
  evaluate(source: string, options: RunOptions = {}): Outcome[] {
    const parsed = parse(source);
    const outcomes = parsed.items.map((item) => this.withOutput(this.evaluateItem(item, options)));
    if (!parsed.ok) outcomes.push({ kind: 'error', text: formatSyntaxError(parsed.error), source: parsed.error.sourceLine });
    return outcomes;
  }

  evaluateItem(item: Item, options: RunOptions = {}): Outcome {
    const source = item.source;
    if (item.kind === 'method') {
      const r = this.compiler.define(item);
      if (!r.ok) return { kind: 'error', text: compileErrorText(r.error.message, r.error.span, source, item.span), source };
      return { kind: 'defined', text: `${item.target.name}${item.classSide ? ' class' : ''}>>${item.selector}`, source };
    }
    const r = this.compiler.doIt(item);
    if (!r.ok) return { kind: 'error', text: compileErrorText(r.error.message, r.error.span, source, item.span), source };
    const k = this.kernel;
    this.startAfresh();
    return k.withHolds((hold) => {
      hold(r.method);
      k.machine.setRegister(0, BigInt(k.nil), TAG_PTR);
      const run = k.machine.call(r.entry, { steps: options.steps ?? this.steps });
      if (run.fault) {
        const frames = backtrace(k, run.fault, r.method);
        k.machine.unwind();
        return { kind: 'error' as const, text: faultText(run.fault), source, fault: run.fault, backtrace: frames };
      }
      const value = { value: k.machine.register(0), tag: k.machine.registerTag(0) };
      return { kind: 'value' as const, value, text: this.printString(value), source };
    });
  }

  /**
   * What the image says a value looks like: the String its printString answers (user code may
   * override it). If printString fails or answers something else, the kernel's description.
   */
  printString(value: Value): string {
    const k = this.kernel;
    const root = k.heap.roots.add(value.value, value.tag);
    try {
      const r = k.sendMessage(value, 'printString', [], { steps: this.steps });
      if (r.fault || !r.value) {
        k.machine.unwind();
        return `${k.describe({ value: k.heap.roots.value(root), tag: k.heap.roots.tag(root) })} (printString failed: ${r.fault ? describeFault(r.fault) : 'no answer'})`;
      }
      const p = Number(r.value.value);
      if (r.value.tag === TAG_PTR && isObject(k.machine, p) && classIndexOf(k.machine, p) === CLASS.String) return k.textOf(p);
      return k.describe({ value: k.heap.roots.value(root), tag: k.heap.roots.tag(root) });
    } finally {
      k.heap.roots.release(root);
    }
  }

  /**
   * A top-level evaluation starts with no active contexts and no exception handlers: a machine
   * fault ends an evaluation without unwinding (its ensure blocks do not run), so what it left
   * on those chains is dropped here.
   */
  private startAfresh(): void {
    const k = this.kernel;
    setSlotPointer(k.machine, k.roots, ROOTS.ACTIVE, k.nil);
    const handlers = findBinding(k, 'ActiveHandler');
    if (handlers >= 0) assignGlobal(k, handlers, k.object(k.nil));
  }

  /** The outcome with the Transcript text written while it ran. */
  private withOutput(o: Outcome): Outcome {
    if (this.output === '') return o;
    const output = this.output;
    this.output = '';
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

/** "line 2, column 5: message" with the source line and a caret. */
function compileErrorText(message: string, span: Span, source: string, item: Span): string {
  const lines = source.split('\n');
  const lineIndex = span.start.line - item.start.line;
  const line = lines[lineIndex] ?? lines[0] ?? '';
  const column = lineIndex === 0 ? span.start.column - item.start.column + 1 : span.start.column;
  return `line ${span.start.line}, column ${span.start.column}: ${message}\n  ${line}\n  ${' '.repeat(Math.max(0, column - 1))}^`;
}
