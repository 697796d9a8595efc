/*
 * The REPL's runner: entries (source or dot-commands) evaluated one after another, each item
 * in slices of machine instructions with a turn of the event loop between them, so keys are
 * read and the screen drawn while a long evaluation runs. A slice is sized to take about
 * `sliceMs` (it grows or shrinks with the machine's measured speed).
 *
 * interrupt() (Ctrl-C) raises the machine's interrupt flag: the running slice stops with an
 * Interrupted fault, which is reported, and the entry's remaining items and any entries typed
 * ahead are dropped. The flag is lowered when the entry ends, so a stale interrupt never stops
 * the next one.
 *
 * What an entry says goes to `output` as lines; dot-commands that need the screen (quit,
 * load, inspect) go to `command`, which answers when the host is done with them.
 */
import type { Value } from '../../kernel/objects/globals.ts';
import type { Outcome } from '../system/bedrock.ts';
import { isDotCommand, runDotCommand, type CommandResult } from './dot-commands.ts';
import { line, lines, outcomeLines, type Line } from './report.ts';
import type { Workspace } from './workspace.ts';
import { evaluation, itemsOf } from './items.ts';
import { nowMs } from '../../kernel/machine/clock.ts';

export interface RunnerHost {
  /** The workspace now (`.load` may replace it). */
  workspace(): Workspace;
  output(lines: readonly Line[], failed: boolean): void;
  /** An entry begins (the screen echoes it then, so each entry's output follows it). */
  started?(entry: string): void;
  /** Busy or idle: the host shows it, and routes Ctrl-C to interrupt() while busy. */
  busy(busy: boolean): void;
  /** quit, load, and inspect (with its value): the runner waits until the host is done. */
  command(result: Exclude<CommandResult, { kind: 'lines' } | { kind: 'evaluate' }>, value?: Value): Promise<void>;
}

export interface RunnerOptions {
  /** Aim for slices of about this many milliseconds. */
  readonly sliceMs?: number;
  /** Yield to the event loop between slices. */
  readonly pause?: () => Promise<void>;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class Runner {
  private readonly queue: string[] = [];
  private running = false;
  private interrupted = false;
  private sliceSteps = 100_000;
  private readonly sliceMs: number;
  private readonly pause: () => Promise<void>;
  /** Settles when the queue is empty and nothing runs (tests and piped use wait for it). */
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly host: RunnerHost, options: RunnerOptions = {}) {
    this.sliceMs = options.sliceMs ?? 20;
    this.pause = options.pause ?? nextTurn;
  }

  get busy(): boolean { return this.running; }

  submit(entry: string): void {
    this.queue.push(entry);
    if (!this.running) void this.drain();
  }

  /** Ctrl-C: stop what runs now and drop what waits. False when nothing was running. */
  interrupt(): boolean {
    if (!this.running) return false;
    this.interrupted = true;
    this.queue.length = 0;
    this.host.workspace().bedrock.kernel.machine.requestInterrupt();
    return true;
  }

  whenIdle(): Promise<void> {
    return this.running ? new Promise((resolve) => this.idleWaiters.push(resolve)) : Promise.resolve();
  }

  private async drain(): Promise<void> {
    this.running = true;
    this.host.busy(true);
    try {
      while (this.queue.length > 0) {
        const entry = this.queue.shift()!;
        this.interrupted = false;
        this.host.started?.(entry);
        try {
          await this.runEntry(entry);
        } catch (e) {
          // A bug of ours: one line, and the REPL goes on.
          this.host.output([line('error', `internal error: ${e instanceof Error ? e.message : String(e)}`)], true);
        } finally {
          Atomics.store(this.host.workspace().bedrock.kernel.machine.interrupt, 0, 0);
        }
      }
    } finally {
      this.running = false;
      this.host.busy(false);
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private async runEntry(entry: string): Promise<void> {
    if (entry.trim() === '') return;
    if (!isDotCommand(entry)) {
      if (this.host.workspace().language === 'forth') await this.forth(entry);
      else await this.evaluate(entry);
      return;
    }
    const result = runDotCommand(entry, this.host.workspace());
    switch (result.kind) {
      case 'lines': this.host.output(result.lines, result.failed === true); return;
      case 'evaluate': await this.evaluate(result.source, { done: result.done }); return;
      case 'inspect': {
        const outcomes = await this.evaluate(result.source, { quiet: true });
        const value = this.host.workspace().lastValue();
        if (outcomes[outcomes.length - 1]?.kind === 'value' && value) await this.host.command(result, value);
        return;
      }
      default: await this.host.command(result);
    }
  }

  /**
   * Evaluate every item of `source` by the one item loop (items.ts), in slices with the event
   * loop turning between them; the debugger at a stop; Ctrl-C drops the items not yet run.
   * Each outcome is reported (errors always).
   */
  private async evaluate(source: string, options: { quiet?: boolean; done?: string } = {}): Promise<Outcome[]> {
    const ws = this.host.workspace();
    const outcomes: Outcome[] = [];
    let t0 = nowMs();
    for (const step of evaluation((item) => ws.start(item), itemsOf(source), () => { t0 = nowMs(); return this.sliceSteps; })) {
      if (step.kind === 'item') {
        if (!this.interrupted) continue;
        this.host.output([line('warning', `(${step.left} item${step.left === 1 ? '' : 's'} not run)`)], false);
        return outcomes;
      }
      if (step.kind === 'slice') {
        // Stopped at an error nothing handled: the debugger decides how it goes on.
        const paused = this.host.workspace().bedrock.paused;
        if (paused && paused.resolution === null) {
          await this.host.command({ kind: 'debug', session: paused });
          if (paused.resolution === null) paused.abandon();
          continue;
        }
        this.tune(nowMs() - t0);
        await this.pause();
        continue;
      }
      if (step.item === undefined && this.interrupted) return outcomes; // the syntax error after an interrupted item is not news
      for (const outcome of step.outcomes) {
        outcomes.push(outcome);
        if (outcome.kind === 'value' && options.done !== undefined) this.host.output([line('info', options.done)], false);
        else if (!options.quiet || outcome.kind === 'error') this.host.output(outcomeLines(outcome), outcome.kind === 'error');
      }
    }
    return outcomes;
  }

  /** An entry in Forth: what it printed, then its error (gforth's words), or ok. */
  private async forth(entry: string): Promise<void> {
    // In slices with the event loop between them, so that Ctrl-C reaches a line that does not end.
    const r = await this.host.workspace().forthAsync(entry, () => new Promise((done) => setImmediate(done)));
    if (typeof r === 'string') { this.host.output([line('error', r)], true); return; }
    const shown = r.output === '' ? [] : lines('listing', r.output.replace(/\n$/, ''));
    if (!r.ok) { this.host.output([...shown, ...lines('error', r.error ?? 'error')], true); return; }
    const stack = r.stack.length > 0 ? ` <${r.stack.length}> ${r.stack.join(' ')}` : '';
    if (r.bye) {
      // BYE leaves, as in gforth: as .quit does (asking first when there are unsaved changes).
      if (shown.length > 0) this.host.output(shown, false);
      await this.host.command({ kind: 'quit' });
      return;
    }
    this.host.output([...shown, line('value', `ok${stack}`)], false);
  }

  /** Resize the slice toward sliceMs from how long the last one took. */
  private tune(ms: number): void {
    if (ms <= 0) { this.sliceSteps = Math.min(this.sliceSteps * 2, 50_000_000); return; }
    const ideal = this.sliceSteps * (this.sliceMs / ms);
    this.sliceSteps = Math.max(10_000, Math.min(50_000_000, Math.round((this.sliceSteps + ideal) / 2)));
  }
}
