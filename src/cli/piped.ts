/*
 * Piped mode: `bedrock [IMAGE]` when stdin or stdout is not a terminal. Source is read from
 * stdin and evaluated entry by entry as it arrives; each result is printed plainly (values and
 * definitions on stdout, errors on stderr); the exit status is 1 if anything failed. The REPL's
 * dot-commands work here too (.save, .mark NAME, .see ..., .quit), one to a line.
 *
 * Entries are cut as the language's layout rule cuts items: an entry ends where a line that is
 * not indented begins and nothing (a bracket, a string, a comment, a definition's body) is still
 * open. So a file that `bedrock run` accepts can be piped in unchanged.
 *
 * Group commit: with an image, the entries read together (one read of the input, or at most
 * GROUP_MS of work) are journaled with one fsync, and their results are printed after it: a
 * result printed is an acknowledgement, so what is printed is on disk, and a batch whose sync
 * fails is printed as not acknowledged. A dot-command or a line of Forth first commits what
 * came before it, and runs as the REPL runs it (synced on its own).
 */
import { itemStateAfter, lastItem, type ItemState } from '../lang/layout.ts';
import type { SourceOptions } from '../lang/source.ts';
import { isDotCommand, runDotCommand } from '../session/dot-commands.ts';
import { inspectValue } from '../session/inspection.ts';
import { outcomeLines, outputParts, type Line } from '../session/report.ts';
import type { Workspace } from '../session/workspace.ts';
import { evaluation, itemsOf } from '../session/items.ts';
import { notAcknowledged } from '../session/session.ts';
import type { Outcome } from '../system/bedrock.ts';
import type { Output } from './commands.ts';
import type { ForthOutcome } from '../forth/forth.ts';
import { nowMs } from '../../kernel/machine/clock.ts';

/** An entry and the line of the input it begins on (1-based). */
export interface Entry {
  readonly text: string;
  readonly line: number;
}

/**
 * Cuts a stream of lines into entries (source items, or dot-command lines), in time linear in
 * the input: an indented or blank line continues the entry without a look at it, and an
 * unindented one is looked at (is something still open?) from the start of the entry's last
 * item, never again from the start of a long entry.
 */
export class EntrySplitter {
  private buffer: string[] = [];
  private lines = 0;
  private bufferLine = 0;
  /** The first line in `buffer` of the entry's last item. */
  private lastItemLine = 0;
  /** Characters looked at for whether something is still open (for tests: the work is linear). */
  scanned = 0;

  /** Add a line; answers the entries it completes. */
  push(line: string): string[] {
    return this.pushLine(line).map((e) => e.text);
  }

  /** Add a line; answers the entries it completes, with their lines. */
  pushLine(line: string): Entry[] {
    const out: Entry[] = [];
    const at = ++this.lines;
    if (this.buffer.length > 0) {
      if (line.trim() === '' || /^\s/.test(line) || this.stillOpen()) { this.add(line); return out; }
      out.push({ text: trimEnd(this.buffer.join('\n')), line: this.bufferLine });
      this.buffer = [];
    }
    if (line.trim() === '') return out;
    if (isDotCommand(line)) out.push({ text: line, line: at });
    else { this.buffer.push(line); this.bufferLine = at; this.lastItemLine = 0; this.state = null; }
    return out;
  }

  /**
   * What keeps the entry's last item open (its brackets, a string or comment the line break
   * is in: lastItem), kept up to date line by line (itemStateAfter); null when not known.
   */
  private state: ItemState | null = null;

  /** A line that continues the entry. */
  private add(line: string): void {
    this.buffer.push(line);
    if (this.state === null) return;
    this.scanned += line.length;
    this.state = itemStateAfter(this.state, line);
  }

  /** Does the entry so far have something open (needsMoreInput), looked at from its last item? */
  private stillOpen(): boolean {
    if (this.state !== null) return true;
    const text = this.lastItemLine === 0 ? this.buffer.join('\n') : this.buffer.slice(this.lastItemLine).join('\n');
    this.scanned += text.length;
    const { more, start, state } = lastItem(text);
    // The last item begins at the start of a line: the lines before it are never looked at
    // again. Not when the text ends inside a comment or string: where the item begins is told
    // once it closes (`Foo bar ->` then a comment on lines of its own is one item, the
    // method's, but while the comment is open it looks like an item of its own).
    if (start > 0 && state?.quote === undefined) for (let i = 0; i < start; i++) if (text.charCodeAt(i) === 10) this.lastItemLine++;
    this.state = state ?? null;
    return more;
  }

  /** The end of input: whatever is left. */
  end(): string[] {
    return this.endLines().map((e) => e.text);
  }

  endLines(): Entry[] {
    const text = this.buffer.join('\n');
    this.buffer = [];
    return text.trim() === '' ? [] : [{ text: trimEnd(text), line: this.bufferLine }];
  }
}

/** Without the blank lines at its end. */
const trimEnd = (text: string): string => text.replace(/(\n[ \t]*)+$/, '');

export interface PipedHooks {
  /** `.load FILE`: the workspace to go on with, or why not. */
  readonly open?: (path: string) => Workspace | string;
  /** Print only what the program prints (its Transcript) and what went wrong, as `gst FILE` does. */
  readonly quiet?: boolean;
  /** The longest (ms) an outcome waits for the journal's sync before it is shown (GROUP_MS unless given). */
  readonly groupMs?: number;
}

/** Runs entries against a workspace, printing as it goes. */
export class PipedSession {
  failed = false;
  quit = false;

  constructor(private ws: Workspace, private readonly io: Output, private readonly hooks: PipedHooks = {}) {}

  private grouping = false;

  /** Group commit (pump): on, entries are journaled in batches, and their outcomes shown after each batch's sync. */
  group(on: boolean): void {
    if (!on) this.commit();
    this.grouping = on;
    this.ws.group(on);
  }

  /** Outcomes evaluated but not acknowledged yet: shown after the journal is synced (commit). */
  private held: { readonly o: Outcome; readonly show: (o: Outcome) => void }[] = [];
  /** When the first of them was held (nowMs()). */
  private heldSince = 0;

  /** Show an outcome now, or, with an image, once the journal holds it (commit). */
  private show(o: Outcome, show: (o: Outcome) => void): void {
    if (!this.ws.grouping) { show(o); return; }
    if (this.held.length === 0) this.heldSince = nowMs();
    this.held.push({ o, show });
  }

  /** Has the oldest outcome held waited GROUP_MS? */
  get due(): boolean {
    return this.held.length > 0 && nowMs() - this.heldSince >= (this.hooks.groupMs ?? GROUP_MS);
  }

  /**
   * Sync the journal (one fsync for everything evaluated since the last commit), then show the
   * outcomes held; when the sync failed, none of them was acknowledged: each change is shown
   * as not acknowledged.
   */
  commit(): void {
    const problem = this.ws.commit();
    const held = this.held;
    this.held = [];
    let told = false;
    const showAll = (): void => {
      for (const h of held) {
        let o = h.o;
        if (problem !== null && o.kind !== 'error') { o = notAcknowledged(o, problem); told = true; this.failed = true; }
        h.show(o);
      }
      if (problem !== null && !told) this.error(`bedrock: ${problem}`);
    };
    // Written together: a write a run of lines, not a write an outcome.
    if (this.io.batch !== undefined) this.io.batch(showAll);
    else showAll();
  }

  get workspace(): Workspace { return this.ws; }

  private print(lines: readonly Line[]): void {
    for (const l of lines) {
      if (l.tone === 'error' || l.tone === 'trace' || l.tone === 'warning') this.io.err(l.text);
      else this.io.out(l.text);
    }
  }

  /** Run one entry; `at` says which file and line it comes from, for its errors. */
  /** Set by SIGINT: the evaluation running was stopped (its ensure blocks ran); no more input is run. */
  interrupted = false;
  /** An evaluation is running (prepare). */
  running = false;
  private prepared: { source: string; outcomes: Outcome[] } | null = null;
  private preparedForth: { source: string; r: ForthOutcome | string } | null = null;

  /**
   * Evaluate a source entry in slices, letting the event loop run between them, so that SIGINT
   * reaches the machine's interrupt word while it runs; run() then prints what it answered.
   */
  async prepare(entry: string, at?: SourceOptions): Promise<void> {
    if (this.quit || isDotCommand(entry)) return;
    if (this.ws.language === 'forth') {
      // In slices with the event loop between them, so that SIGINT reaches a line that does not end.
      this.running = true;
      try {
        this.preparedForth = { source: entry, r: await this.ws.forthAsync(entry, () => new Promise((done) => setImmediate(done))) };
      } finally {
        this.running = false;
      }
      return;
    }
    const ws = this.ws;
    const outcomes: Outcome[] = [];
    this.running = true;
    try {
      // The one item loop (src/session/items.ts), with a turn of the event loop between slices.
      for (const step of evaluation((item) => ws.start(item), itemsOf(entry, at), () => SLICE)) {
        if (step.kind === 'outcomes') outcomes.push(...step.outcomes);
        else if (step.kind === 'slice') {
          // No one is here to debug: a stop for a debugger is abandoned (the error ends it as usual).
          if (ws.bedrock.paused && ws.bedrock.paused.resolution === null) ws.bedrock.paused.abandon();
          // A long evaluation: what came before it is acknowledged now, not when it ends.
          if (this.due) this.commit();
          await new Promise((done) => setImmediate(done));
        }
      }
    } finally {
      this.running = false;
    }
    this.prepared = { source: entry, outcomes };
  }

  /** SIGINT: stop the evaluation running (at the machine's next check), and read no more. */
  interrupt(): void {
    this.interrupted = true;
    this.ws.bedrock.kernel.machine.requestInterrupt();
  }

  run(entry: string, at?: SourceOptions): void {
    if (this.quit) return;
    if (!isDotCommand(entry) && this.ws.language !== 'forth') { this.evaluate(entry, false, undefined, at); return; }
    // A dot-command or Forth: what came before is acknowledged first; it runs ungrouped (synced
    // on its own, printed at once), as the REPL runs it.
    if (!this.grouping) { this.runAlone(entry); return; }
    this.commit();
    this.ws.group(false);
    try {
      this.runAlone(entry);
    } finally {
      this.ws.group(true); // (after .load, the workspace it opened)
    }
  }

  private runAlone(entry: string): void {
    if (!isDotCommand(entry)) { this.forth(entry); return; }
    const r = runDotCommand(entry, this.ws);
    switch (r.kind) {
      case 'lines':
        this.print(r.lines);
        if (r.failed) this.failed = true;
        return;
      case 'evaluate': this.evaluate(r.source, false, r.done); return;
      case 'inspect': {
        if (!this.evaluate(r.source, true)) return;
        const v = this.ws.lastValue();
        if (!v) return;
        const view = inspectValue(this.ws.bedrock.kernel, v);
        this.io.out(`${view.title}  (${view.detail})`);
        for (const s of view.slots) this.io.out(`  ${s.label}: ${s.text}`);
        if (view.more > 0) this.io.out(`  … ${view.more} more`);
        return;
      }
      case 'load': {
        const n = this.ws.unsavedChanges();
        if (n > 0) { this.error(`.load: ${this.ws.label} has ${n} unsaved change${n === 1 ? '' : 's'}: .save first`); return; }
        const opened = this.hooks.open ? this.hooks.open(r.path) : '.load is not available here';
        if (typeof opened === 'string') { this.error(opened); return; }
        this.ws.close();
        this.ws = opened;
        return; // (run() groups it)
      }
      case 'quit': this.quit = true; return;
    }
  }

  /** Evaluate; answers whether everything succeeded. */
  private evaluate(source: string, quietValues = false, done?: string, at?: SourceOptions): boolean {
    let ok = true;
    const outcomes = this.prepared?.source === source ? this.prepared.outcomes : this.ws.evaluate(source, at);
    this.prepared = null;
    const exit = this.ws.bedrock.exitStatus;
    if (exit !== null) {
      // Smalltalk exit: N: what ran before it was printed; the rest of the input is not run.
      this.commit();
      for (const o of outcomes) if (o.output) this.io.write ? this.io.write(o.output) : this.io.out(o.output.replace(/\n$/, ''));
      this.quit = true;
      if (exit !== 0) this.failed = true;
      return exit === 0;
    }
    for (const o of outcomes) {
      if (o.kind === 'error') { ok = false; this.failed = true; }
      this.show(o, (x) => {
        if (x.kind === 'value' && done !== undefined) this.io.out(done);
        else if (this.hooks.quiet) this.printQuietly(x);
        else if (!quietValues || x.kind === 'error') this.print(outcomeLines(x));
      });
    }
    return ok;
  }

  /** Forth (after .forth): what it printed, then its error as gforth words it. */
  private forth(entry: string): void {
    const ready = this.preparedForth;
    this.preparedForth = null;
    const r = ready && ready.source === entry ? ready.r : this.ws.forth(entry);
    if (typeof r === 'string') { this.error(r); return; }
    if (r.output !== '') this.io.out(r.output.replace(/\n$/, ''));
    if (!r.ok) { for (const l of (r.error ?? 'error').split('\n')) this.io.err(l); this.failed = true; }
    if (r.bye) this.quit = true; // BYE leaves, as in gforth: the rest of the input is not read
  }

  /** The Transcript's text as it was written, and errors and warnings; no values, no definitions. */
  private printQuietly(o: Outcome): void {
    const raw = (text: string): void => {
      if (!text) return;
      if (this.io.write) this.io.write(text);
      else this.io.out(text.replace(/\n$/, ''));
    };
    const { before, after } = outputParts(o);
    raw(before);
    for (const l of outcomeLines({ ...o, output: '' })) {
      if (l.tone === 'error' || l.tone === 'trace' || l.tone === 'warning') this.io.err(l.text);
    }
    raw(after);
  }

  private error(text: string): void {
    this.io.err(text);
    this.failed = true;
  }

  /** At the end of input: a reminder of changes not saved (they are in the journal). */
  finish(): void {
    this.commit();
    const n = this.ws.unsavedChanges();
    if (n > 0) this.io.err(`bedrock: ${n} change${n === 1 ? '' : 's'} not saved in ${this.ws.label} (kept in its journal: .recover replays them; .save keeps them)`);
    this.ws.close();
  }
}

/** Read `input` to its end, running each entry as it completes (until .quit); `name` is the file's, for errors. */
export async function pump(session: PipedSession, input: AsyncIterable<string | Buffer>, name?: string): Promise<void> {
  const splitter = new EntrySplitter();
  const at = (e: Entry): SourceOptions | undefined => (name === undefined ? undefined : { name, firstLine: e.line });
  let pending = '';
  session.group(true);
  try {
    for await (const chunk of input) {
      pending += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl).replace(/\r$/, '');
        pending = pending.slice(nl + 1);
        for (const entry of splitter.pushLine(line)) {
          if (session.interrupted) return;
          await session.prepare(entry.text, at(entry));
          session.run(entry.text, at(entry));
          if (session.quit || session.interrupted) return;
          if (session.due) session.commit();
        }
      }
      // The entries read together are one batch: on disk, then acknowledged, before waiting for more.
      session.commit();
    }
    const rest = pending === '' ? [] : splitter.pushLine(pending.replace(/\r$/, ''));
    for (const entry of [...rest, ...splitter.endLines()]) {
      if (session.interrupted || session.quit) return;
      await session.prepare(entry.text, at(entry));
      session.run(entry.text, at(entry));
      if (session.due) session.commit();
    }
  } finally {
    session.group(false);
  }
}

/**
 * The longest an outcome waits for the journal's sync before it is shown (ms): the entries of
 * one read of the input are one batch, and a long batch is cut into batches of about this much work.
 */
const GROUP_MS = 200;

/** Instructions an evaluation runs between two looks at the event loop (for SIGINT). */
const SLICE = 20_000_000;

/**
 * While `session` runs, SIGINT stops the evaluation running (its ensure blocks run, as for
 * Ctrl-C in the REPL) and ends the run with a message and status 130.
 */
async function withInterrupt(session: PipedSession, io: Output, run: () => Promise<void>): Promise<void> {
  const onSigint = (): void => {
    if (session.running) { session.interrupt(); return; }
    // Waiting for input: nothing to stop; end here.
    session.interrupted = true;
    io.err('bedrock: interrupted (SIGINT) while waiting for input');
    session.finish();
    process.exit(130);
  };
  process.on('SIGINT', onSigint);
  try {
    await run();
  } finally {
    process.off('SIGINT', onSigint);
  }
  if (session.interrupted) io.err('bedrock: interrupted (SIGINT): the evaluation running was stopped and its ensure blocks ran; the rest of the input was not run');
}

/** Piped mode: read `input` to its end, evaluating as entries complete. Answers the exit status. */
export async function runPiped(ws: Workspace, input: AsyncIterable<string | Buffer>, io: Output, hooks: PipedHooks = {}, name?: string): Promise<number> {
  const session = new PipedSession(ws, io, hooks);
  await withInterrupt(session, io, () => pump(session, input, name));
  session.finish();
  if (session.interrupted) return 130;
  return session.workspace.bedrock.exitStatus ?? (session.failed ? 1 : 0);
}
