/*
 * The one item loop. Source, whoever brings it (an entry typed at the REPL, piped mode, `eval`,
 * `run`, a Smalltalk file read by filein.ts), is read into items, and every item is run the
 * same way: started (Workspace.start: journaled by the image's session when there is one, its
 * value kept in `_`), stepped in slices, its outcomes answered; a syntax error takes its place
 * in the order as an error outcome, after the items before it.
 *
 * The loop is a generator, so the callers differ only in what they do between its steps:
 *
 *   evaluateAll(start, items)   nothing (eval, run, Workspace.evaluate, Session.evaluate); a
 *                               stop for a debugger is abandoned, as no one is there to decide
 *   piped mode (src/cli)        a turn of the event loop between slices, so SIGINT is heard
 *   the REPL's runner           that, and the debugger at a stop, and Ctrl-C between items
 *
 * A caller may stop at any step (return from the generator): the items not yet started do not
 * run. Nothing here prints.
 */
import { formatSyntaxError, type Item, type SyntaxError } from '../lang/ast.ts';
import type { FileRead } from '../lang/filein.ts';
import { parse } from '../lang/parser.ts';
import type { SourceOptions } from '../lang/source.ts';
import type { Bedrock, Outcome } from '../system/bedrock.ts';

/** One item in slices: step(n) runs at most n instructions; null while it runs, then its outcomes. */
export interface Running {
  step(steps: number): Outcome[] | null;
}

/** What is to run: items in order, and the syntax errors met, each before the item it came before. */
export interface Items {
  readonly items: readonly Item[];
  /** `before` is the index of the item the error comes before (items.length: after them all). */
  readonly errors: readonly { readonly before: number; readonly error: SyntaxError }[];
}

/** The items of `source` (`at` names its file and first line, for errors); a syntax error ends them. */
export function itemsOf(source: string, at?: SourceOptions): Items {
  const parsed = parse(source, at);
  return { items: parsed.items, errors: parsed.ok ? [] : [{ before: parsed.items.length, error: parsed.error }] };
}

/** The items of a file read in Smalltalk's form (filein.ts): chunks passed over, then the error that stopped it. */
export function itemsOfFile(read: FileRead): Items {
  return {
    items: read.items,
    errors: [...(read.skipped ?? []), ...(read.error ? [{ before: read.items.length, error: read.error }] : [])],
  };
}

/** A syntax error as the outcome that reports it. */
export function syntaxErrorOutcome(e: SyntaxError): Outcome {
  return { kind: 'error', text: formatSyntaxError(e), source: e.sourceLine };
}

/** A step of the loop. */
export type Step =
  /** An item is about to start; `left` items are still to run, this one included. */
  | { readonly kind: 'item'; readonly left: number }
  /** The item running paused after a slice (it goes on at the next step). */
  | { readonly kind: 'slice' }
  /** An item ended (`item` is it), or a syntax error is reported (no `item`). */
  | { readonly kind: 'outcomes'; readonly outcomes: readonly Outcome[]; readonly item?: Item };

/**
 * The loop: each item of `source` started by `start` and stepped in slices of `slice()`
 * instructions (asked before each slice, so a caller may tune it), with the syntax errors in
 * their places.
 */
export function* evaluation(start: (item: Item) => Running, source: Items, slice: () => number = () => Number.MAX_SAFE_INTEGER): Generator<Step, void, void> {
  function* errorsBefore(i: number): Generator<Step, void, void> {
    for (const e of source.errors) if (e.before === i) yield { kind: 'outcomes', outcomes: [syntaxErrorOutcome(e.error)] };
  }
  const n = source.items.length;
  for (let i = 0; i < n; i++) {
    const item = source.items[i];
    yield* errorsBefore(i);
    yield { kind: 'item', left: n - i };
    const running = start(item);
    let done: Outcome[] | null;
    while ((done = running.step(slice())) === null) yield { kind: 'slice' };
    yield { kind: 'outcomes', outcomes: done, item };
  }
  yield* errorsBefore(n);
}

/**
 * Every item at once, with no one between the slices: a stop for a debugger is abandoned (the
 * error then ends the item as usual). The outcomes in order.
 */
export function evaluateAll(bedrock: Bedrock, start: (item: Item) => Running, source: Items): Outcome[] {
  const outcomes: Outcome[] = [];
  for (const step of evaluation(start, source)) {
    if (step.kind === 'outcomes') outcomes.push(...step.outcomes);
    else if (step.kind === 'slice' && bedrock.paused && bedrock.paused.resolution === null) bedrock.paused.abandon();
  }
  return outcomes;
}
