/*
 * The debugger's screen state, as a pure reducer: the frames of the stopped evaluation (their
 * values as the stack report read them), the frame selected, the command being typed, and what
 * the commands said. Keys come in as actions (use-keys.ts); what the debugger must do to the
 * stopped evaluation goes out as effects (use-debugger.ts carries them out), so this module
 * never touches the system.
 *
 *   Up / Down        select a frame (innermost first)
 *   p EXPR           print EXPR evaluated in the selected frame (self, its arguments and
 *                    temporaries in scope)
 *   restart (r)      run the selected frame's method again from its start (looked up
 *                    again: a method redefined meanwhile runs in its new form)
 *   return EXPR      answer EXPR (evaluated in the frame) from the selected method's frame
 *   over (n, Right)  step over: go on to the selected frame's next expression (what it sends
 *                    runs through); into (s, Tab): to the next expression run anywhere (into
 *                    a method it sends to); out (f, Left): until the selected frame has
 *                    returned (src/system/stepping.ts); the debugger opens again there
 *   proceed (c)      go on as if the exception had been resumed (nil); proceed EXPR: with
 *                    the value of EXPR (evaluated in the selected frame)
 *   abandon (q, Esc) end the evaluation with its error
 *   N                select frame N
 */
import type { FrameReport } from '../session/debugging.ts';
import type { StepKind } from '../session/debugging.ts';

export interface DebuggerState {
  readonly title: string;
  readonly frames: readonly FrameReport[];
  readonly selected: number;
  readonly input: string;
  /** What the commands said, oldest first (the last few are shown). */
  readonly log: readonly { readonly text: string; readonly ok: boolean }[];
  readonly effects: readonly DebuggerEffect[];
  /** Set once proceed or abandon was chosen: the view is done. */
  readonly closed: boolean;
}

export type DebuggerEffect =
  | { readonly type: 'evaluate'; readonly source: string; readonly frame: number }
  | { readonly type: 'proceed'; readonly source?: string; readonly frame?: number }
  | { readonly type: 'abandon' }
  | { readonly type: 'restart'; readonly frame: number }
  | { readonly type: 'return'; readonly frame: number; readonly source: string }
  | { readonly type: 'step'; readonly kind: StepKind; readonly frame: number };

export type DebuggerAction =
  | { readonly type: 'open'; readonly title: string; readonly frames: readonly FrameReport[] }
  | { readonly type: 'up' }
  | { readonly type: 'down' }
  | { readonly type: 'type'; readonly text: string }
  | { readonly type: 'backspace' }
  | { readonly type: 'enter' }
  | { readonly type: 'step'; readonly kind: StepKind }
  | { readonly type: 'escape' }
  | { readonly type: 'said'; readonly text: string; readonly ok: boolean }
  | { readonly type: 'take'; readonly count: number };

export const HELP = 'Up/Down a frame · over (n, Right) · into (s, Tab) · out (f, Left) · p EXPR prints it in the frame · restart (r) · return EXPR · proceed (c) [EXPR] · abandon (q, Esc)';

export function initialDebugger(title = '', frames: readonly FrameReport[] = []): DebuggerState {
  return { title, frames, selected: 0, input: '', log: [], effects: [], closed: false };
}

export function debuggerReducer(s: DebuggerState, a: DebuggerAction): DebuggerState {
  switch (a.type) {
    case 'open': return initialDebugger(a.title, a.frames);
    case 'up': return { ...s, selected: Math.max(0, s.selected - 1) };
    case 'down': return { ...s, selected: Math.min(Math.max(0, s.frames.length - 1), s.selected + 1) };
    case 'type': return typed(s, a.text);
    case 'backspace': return { ...s, input: s.input.slice(0, -1) };
    case 'escape': return close(s, 'abandon');
    case 'said': return { ...s, log: [...s.log, { text: a.text, ok: a.ok }].slice(-20) };
    case 'take': return { ...s, effects: s.effects.slice(a.count) };
    case 'enter': return command({ ...s, input: '' }, s.input.trim());
    case 'step': return step(s, a.kind);
  }
}

/**
 * Typed text. Keys that arrive faster than the screen is drawn come as one chunk, as a paste
 * does (`q` and Enter from a quick typist, or a terminal driven by a script): each line break
 * in it is an Enter, so `q\r` abandons as `q` then Enter do.
 */
function typed(s: DebuggerState, text: string): DebuggerState {
  const lines = text.split(/\r\n|\r|\n/);
  let t = s;
  for (const [i, line] of lines.entries()) {
    if (t.closed) return t;
    if (i > 0) t = debuggerReducer(t, { type: 'enter' });
    if (!t.closed && line !== '') t = { ...t, input: t.input + line };
  }
  return t;
}

function close(s: DebuggerState, how: 'proceed' | 'abandon'): DebuggerState {
  if (s.closed) return s;
  return { ...s, closed: true, effects: [...s.effects, { type: how }] };
}

/** A step from the selected frame: the view is done (it opens again where the step ends). */
function step(s: DebuggerState, kind: StepKind): DebuggerState {
  if (s.closed) return s;
  return { ...s, effects: [...s.effects, { type: 'step', kind, frame: s.selected }] };
}

function command(s: DebuggerState, text: string): DebuggerState {
  if (text === '') return s;
  const say = (line: string, ok = true): DebuggerState => ({ ...s, log: [...s.log, { text: line, ok }].slice(-20) });
  const p = /^(p|print)\s+([\s\S]+)$/.exec(text);
  if (p) return { ...s, log: [...s.log, { text: `p ${p[2]}`, ok: true }].slice(-20), effects: [...s.effects, { type: 'evaluate', source: p[2], frame: s.selected }] };
  if (/^(proceed|c|continue|resume)$/.test(text)) return close(s, 'proceed');
  const resume = /^(?:proceed|c|continue|resume)\s+([\s\S]+)$/.exec(text);
  if (resume) return { ...s, effects: [...s.effects, { type: 'proceed', source: resume[1], frame: s.selected }] };
  if (/^(over|n|next)$/.test(text)) return step(s, 'over');
  if (/^(into|s|step)$/.test(text)) return step(s, 'into');
  if (/^(out|f|finish)$/.test(text)) return step(s, 'out');
  const ret = /^return\s+([\s\S]+)$/.exec(text);
  if (ret) return { ...s, effects: [...s.effects, { type: 'return', frame: s.selected, source: ret[1] }] };
  if (/^(restart|r)$/.test(text)) return { ...s, effects: [...s.effects, { type: 'restart', frame: s.selected }] };
  if (/^(abandon|q|quit|a)$/.test(text)) return close(s, 'abandon');
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n < s.frames.length ? { ...s, selected: n } : say(`there is no frame ${n}`, false);
  }
  if (/^(help|h|\?)$/.test(text)) return say(HELP);
  return say(`${text}: not a debugger command (${HELP})`, false);
}
