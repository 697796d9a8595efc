/*
 * What the REPL and the command line say, as lines with a tone: a value, a definition, an
 * error, a note. The Ink screen colours lines by tone; piped mode and the batch commands print
 * the same lines plainly. An error reads as its message, the source line with a caret, and a
 * short backtrace (the methods that were running, innermost first).
 */
import type { Outcome } from '../system/bedrock.ts';
import { frameLine, gstName, type FrameReport } from '../system/stack-report.ts';

export type Tone = 'input' | 'value' | 'defined' | 'error' | 'trace' | 'info' | 'warning' | 'listing';

export interface Line {
  readonly tone: Tone;
  readonly text: string;
}

export const line = (tone: Tone, text: string): Line => ({ tone, text });

/** Lines of one tone from a multi-line text. */
export function lines(tone: Tone, text: string): Line[] {
  return text.split('\n').map((t) => line(tone, t));
}

/**
 * What an outcome wrote on the Transcript, cut where an error went unhandled: `after` is what
 * ensure: blocks wrote on the way out, shown after the error (as GNU Smalltalk and Pharo do).
 */
export function outputParts(o: Outcome): { readonly before: string; readonly after: string } {
  const output = o.output ?? '';
  const at = o.kind === 'error' && o.errorAt !== undefined ? o.errorAt : output.length;
  return { before: output.slice(0, at), after: output.slice(at) };
}

/** The lines that report one outcome: what it wrote on the Transcript, then its value or error. */
export function outcomeLines(o: Outcome): Line[] {
  const listing = (text: string): Line[] => (text ? lines('listing', text.replace(/\n$/, '')) : []);
  const { before, after } = outputParts(o);
  const shown = listing(before);
  switch (o.kind) {
    case 'value': return [...shown, ...lines('value', o.text)];
    case 'defined': return [...shown, ...lines('defined', o.text), ...(o.warnings ?? []).map((w) => line('warning', `  warning: ${w}`))];
    case 'error': return [...shown, ...errorLines(o), ...listing(after)];
  }
}

function errorLines(o: Outcome & { kind: 'error' }): Line[] {
  const trace = o.backtrace;
  if (o.fault?.kind === 'Interrupted') {
    // Ctrl-C: where it stopped is the news, not the source.
    const out = [line('warning', 'Interrupted')];
    out.push(...traceLines(trace ?? [], o.frames));
    return out;
  }
  const [message, ...more] = o.text.split('\n');
  // An actor's error tells the actor's frames under its text (ActorError errorReport,
  // actor.bedrock): they are backtrace lines, innermost, before the spawner's.
  const actorFrames = more.filter((r) => ACTOR_FRAME.test(r));
  const rest = more.filter((r) => !ACTOR_FRAME.test(r));
  const out: Line[] = [line('error', message)];
  if (rest.length > 0) {
    // A syntax or compile error already shows its line with a caret under the spot.
    for (const r of rest) out.push(line('error', r));
  } else {
    // A run-time error: the line of the item that was running, marked as a whole.
    const first = o.source.split('\n').find((l) => l.trim() !== '') ?? '';
    if (first.trim() !== '') {
      const indent = /^\s*/.exec(first)![0].length;
      const width = first.trimEnd().length - indent;
      out.push(line('error', `  ${first.trimEnd()}`));
      out.push(line('error', `  ${' '.repeat(indent)}^${'~'.repeat(Math.max(0, width - 1))}`));
    }
  }
  out.push(...actorFrames.map((f) => line('trace', f)));
  if (trace && trace.length > 0) out.push(...traceLines(trace, o.frames));
  return out;
}

/** How a line of an actor's backtrace begins in its spawner's error text (in the actor's actor, ...: an actor it spawned). */
const ACTOR_FRAME = /^ {2}in the actor(?:'s actor)*, /;

/**
 * The backtrace, a line a frame, each with its receiver and its arguments' and temporaries'
 * values when the stack report has that frame ("in D>>b: (a D) y=11 u=11 w=nil"; an
 * inherited method's "in E(D)>>b: (an E) ...", as GNU Smalltalk names it).
 */
export function traceLines(trace: readonly string[], frames: readonly FrameReport[] | undefined): Line[] {
  let j = 0;
  return trace.map((entry) => {
    const name = entry.replace(/, in .*$/, '').replace(/ \(\u00d7\d+\)$/, '');
    const at = frames ? frames.findIndex((f, i) => i >= j && f.name === name) : -1;
    if (at < 0 || !frames) return line('trace', `  in ${entry}`);
    j = at + 1;
    const values = frameLine(frames[at]).slice(frames[at].name.length);
    // An inherited method's frame is named as GNU Smalltalk names it: Sub(Base)>>foo.
    return line('trace', `  in ${gstName(frames[at])}${entry.slice(name.length)}${values}`);
  });
}

/** Plain text of some lines, as piped mode prints them. */
export function plain(ls: readonly Line[]): string {
  return ls.map((l) => l.text).join('\n');
}

/** Did any of these outcomes fail? */
export function anyFailed(outcomes: readonly Outcome[]): boolean {
  return outcomes.some((o) => o.kind === 'error');
}
