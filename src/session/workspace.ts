/*
 * What the REPL and the batch commands run against: a running Bedrock and, when there is one,
 * the image it came from (its file, its changes journal, whether it has unsaved changes). The
 * REPL never reaches past this into the image's format or the journal's.
 *
 *   start(item)      evaluate one item in slices (Bedrock.startItem); journalled by the image
 *   evaluate(src)    every item at once (the batch commands), by the one item loop (items.ts)
 *   save / changes / recover / unsavedChanges / mark / forget      the image's side
 *
 * After each expression its value is kept in the global `_`.
 */
import { assignGlobal, defineGlobal, findBinding, type Value } from '../../kernel/objects/globals.ts';
import type { Kernel } from '../../kernel/objects/kernel.ts';
import type { Item } from '../lang/ast.ts';
import type { SourceOptions } from '../lang/source.ts';
import type { Bedrock, Outcome } from '../system/bedrock.ts';
import { Forth, type ForthOutcome } from '../forth/forth.ts';
import { evaluateAll, itemsOf, type Running } from './items.ts';

export type { Running };

/** The global that holds the last value the REPL printed. */
export const LAST_RESULT = '_';

/** Keep `v` as the last value, in the global `_`. */
export function keepLast(k: Kernel, v: Value): void {
  const b = findBinding(k, LAST_RESULT);
  if (b >= 0) assignGlobal(k, b, v);
  else defineGlobal(k, LAST_RESULT, v);
}

export interface Persistence {
  readonly path: string;
  /** Evaluate one item in slices, journaling it when it is accepted (before answering): its outcome, then any about journaling it. */
  start(item: Item): Running;
  /** Interpret Forth, journaled when it ran without an error. */
  forth?(text: string): ForthOutcome | string;
  /** The same, pausing between slices of the run (`pause`), so that Ctrl-C can stop it. */
  forthAsync?(text: string, pause: () => Promise<void>): Promise<ForthOutcome | string>;
  /** Group commit (session.ts): with it on, accepted items are synced together by commit(). */
  group?(on: boolean): string | null;
  /** Sync the grouped items: null when they are all on disk, else why not (none may be acknowledged). */
  commit?(): string | null;
  mark(name: string): string | null;
  forget(name: string): string | null;
  save(path?: string): string | null;
  unsavedChanges(): number;
  /** Sources of the changes made since the last save. */
  changes(): readonly string[];
  /** Replay the journal of changes made after the last save (after a crash). */
  recover(): { readonly lines: readonly string[]; readonly failed: boolean };
  close(): void;
}

/** What the REPL does at an error nothing handled (.debugger): ask to open the debugger, open it, or neither. */
export type DebuggerMode = 'ask' | 'open' | 'off';

/**
 * How a workspace without an image makes one when asked to save (piped mode with no image
 * named): an image at `path` (a default when undefined) of the running system, or why not.
 */
export type Adopt = (path: string | undefined) => Persistence | string;

export class Workspace {
  constructor(readonly bedrock: Bedrock, private image: Persistence | null = null, private readonly adopt: Adopt | null = null) {}

  /** The language entries are read in (.forth, .smalltalk). */
  language: 'smalltalk' | 'forth' = 'smalltalk';

  /**
   * Interpret an entry as Forth (src/forth): what it printed, its error, the data stack. A
   * Forth line reports its errors as gforth does (`Division by zero`); the Smalltalk debugger
   * does not stop it, whatever the debugger setting.
   */
  forth(text: string): ForthOutcome | string {
    return this.withoutPausing(() => {
      if (this.image?.forth) return this.image.forth(text);
      const f = Forth.of(this.bedrock);
      return typeof f === 'string' ? f : f.interpret(text);
    });
  }

  /** The same in slices, `pause` between them: Machine.requestInterrupt stops a line that does not end. */
  async forthAsync(text: string, pause: () => Promise<void>): Promise<ForthOutcome | string> {
    const pausing = this.bedrock.pauseOnError;
    this.bedrock.pauseOnError = false;
    try {
      if (this.image?.forthAsync) return await this.image.forthAsync(text, pause);
      if (this.image?.forth) return this.image.forth(text);
      const f = Forth.of(this.bedrock);
      return typeof f === 'string' ? f : await f.interpretAsync(text, pause);
    } finally {
      this.bedrock.pauseOnError = pausing;
    }
  }

  private withoutPausing<T>(run: () => T): T {
    const pausing = this.bedrock.pauseOnError;
    this.bedrock.pauseOnError = false;
    try { return run(); } finally { this.bedrock.pauseOnError = pausing; }
  }

  private debugging: DebuggerMode = 'off';
  /** The debugger setting; anything but off stops an evaluation at an unhandled error for it. */
  get debugger(): DebuggerMode { return this.debugging; }
  set debugger(mode: DebuggerMode) {
    this.debugging = mode;
    this.bedrock.pauseOnError = mode !== 'off';
  }

  /** The image's file name, for the status line; 'no image' when there is none. */
  get label(): string {
    if (!this.image) return 'no image';
    const parts = this.image.path.split(/[\\/]/);
    return parts[parts.length - 1];
  }

  get path(): string | null { return this.image?.path ?? null; }

  get hasImage(): boolean { return this.image !== null; }

  /** Evaluate one item in slices; a change is journalled, a value kept in `_`. */
  start(item: Item): Running {
    const image = this.image;
    let inner: Running;
    if (image === null) {
      const e = this.bedrock.startItem(item);
      inner = { step: (steps) => { const o = e.step(steps); return o === null ? null : [o]; } };
    } else {
      inner = image.start(item);
    }
    return {
      step: (steps) => {
        const os = inner.step(steps);
        if (os !== null && os[0]?.kind === 'value') keepLast(this.bedrock.kernel, os[0].value);
        return os;
      },
    };
  }

  /**
   * Every item of `source`, at once (the batch commands), by the one item loop (items.ts):
   * journalled when there is an image; `at` names the file (and line) it comes from, for its errors.
   */
  evaluate(source: string, at?: SourceOptions): Outcome[] {
    return evaluateAll(this.bedrock, (item) => this.start(item), itemsOf(source, at));
  }

  /**
   * Group commit: with it on, the items evaluated are journaled but synced together by
   * commit(); nothing evaluated since the last commit may be acknowledged before it answers
   * null. Without an image there is no journal, and nothing to wait for.
   */
  group(on: boolean): string | null { this.groupOn = on; return this.image?.group?.(on) ?? null; }

  /** Sync what was journaled since the last commit: null, or why it is not on disk. */
  commit(): string | null { return this.image?.commit?.() ?? null; }

  /** Are items journaled but not synced until commit() (an image, grouping)? */
  get grouping(): boolean { return this.groupOn && this.image !== null; }
  private groupOn = false;

  /** The last value (`_`), or undefined. */
  lastValue(): Value | undefined { return this.bedrock.kernel.global(LAST_RESULT); }

  mark(name: string): string | null {
    if (this.image) return this.image.mark(name);
    const r = this.bedrock.kernel.mark(name);
    return typeof r === 'string' ? r : null;
  }

  forget(name: string): string | null {
    return this.image ? this.image.forget(name) : this.bedrock.kernel.forget(name);
  }

  save(path?: string): string | null {
    if (this.image) return this.image.save(path);
    if (!this.adopt) return 'there is no image to save (open one: bedrock FILE.image)';
    const made = this.adopt(path);
    if (typeof made === 'string') return made;
    this.image = made;
    if (this.groupOn) made.group?.(true);
    return null;
  }

  unsavedChanges(): number { return this.image?.unsavedChanges() ?? 0; }
  changes(): readonly string[] { return this.image?.changes() ?? []; }
  recover(): { readonly lines: readonly string[]; readonly failed: boolean } {
    return this.image ? this.image.recover() : { lines: ['there is no image, so no journal to recover from'], failed: true };
  }

  /** Heap in use and its size, in bytes. */
  heapUse(): { used: number; size: number } {
    const u = this.bedrock.kernel.heap.usage();
    return { used: (u.fixedUsed + u.oldUsed + u.nurseryUsed) * 8, size: u.memoryCells * 8 };
  }

  /** The marks, newest first: their number is the mark depth. */
  marks(): string[] { return this.bedrock.kernel.marks(); }

  close(): void { this.image?.close(); }
}
