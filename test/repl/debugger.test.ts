/*
 * The debugger in the REPL (issue 16, item 2), rendered by ink-testing-library and driven
 * through stdin as a terminal would drive it; every assertion is on the frames Ink draws.
 * An error nothing handles stops the evaluation; the REPL asks (or, with .debugger open,
 * opens the debugger at once): the frames with their values, the source line with the
 * expression running marked, `p EXPR` evaluated in the selected frame, proceed (a halt goes
 * on) and abandon (the error ends the evaluation, as without a debugger, and the view closes).
 */
import { render } from 'ink-testing-library';
import { createElement } from 'react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { App, type AppProps } from '../../src/repl/App.tsx';
import { debuggerReducer, initialDebugger } from '../../src/repl/debugger-state.ts';
import { Workspace } from '../../src/session/workspace.ts';
import { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem } from '../support/system.ts';

let bedrock: Bedrock;
beforeAll(() => {
  const b = bootSystem();
  if (typeof b === 'string') throw new Error(b);
  bedrock = b;
  for (const o of b.evaluate(`Object subclass: #Dbg instanceVariableNames: 'v'
Dbg a: x -> | t | t := x * 2. ^self b: t + 1
Dbg b: y -> | u w | u := y. w := u / 0. ^w
Dbg h -> | r | r := self halt. ^{r. 42}
Dbg stp -> | a | self halt. a := self dbl: 3. ^a + 1
Dbg dbl: n -> ^n * 2`)) expect(o.kind, o.text).not.toBe('error');
});

type Instance = ReturnType<typeof render>;
const apps: Instance[] = [];
afterEach(() => { for (const a of apps.splice(0)) a.unmount(); });

function start(props: Partial<AppProps> = {}): Instance {
  const app = render(createElement(App, { workspace: new Workspace(bedrock), ...props }));
  apps.push(app);
  return app;
}

const ESC = '\x1b';
const DOWN = '\x1b[B';
const RIGHT = '\x1b[C';
const LEFT = '\x1b[D';
const TAB = '\t';
const frame = (app: Instance): string => (app.lastFrame() ?? '').replace(/\x1b\[[0-9;]*m/g, '');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(app: Instance, test: (f: string) => boolean, ms = 20_000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const f = frame(app);
    if (test(f)) return f;
    if (Date.now() > end) throw new Error(`timed out; the screen was:\n${f}`);
    await sleep(15);
  }
}
const shows = (app: Instance, text: string | RegExp, ms?: number) =>
  until(app, (f) => (typeof text === 'string' ? f.includes(text) : text.test(f)), ms);
const ready = (app: Instance) => shows(app, 'heap');

async function typeSlowly(app: Instance, text: string): Promise<void> {
  for (const ch of text) {
    app.stdin.write(ch === '\n' ? '\r' : ch);
    await sleep(2);
  }
}

describe('the debugger in the REPL', () => {
  it('asks on an error, then p in a frame, then abandon closes it and the error is reported', async () => {
    const app = start({ debugger: 'ask' });
    await ready(app);
    await typeSlowly(app, 'Dbg new a: 5\n');
    await shows(app, /ZeroDivide: division by zero\. Open the debugger\? \[d\]ebug \[a\]bandon/);
    app.stdin.write('d');
    let f = await shows(app, 'Debugger · ZeroDivide: division by zero');
    expect(f).toContain('Dbg>>b: (a Dbg) y=11 u=11 w=nil');
    expect(f).toContain('Dbg>>a: (a Dbg) x=5 t=10');
    // The innermost frame is selected; Down goes to its sender, whose source line is marked.
    app.stdin.write(DOWN);
    f = await shows(app, '── Dbg>>b: ──');
    // The line of source, and under it carets under the expression running (u / 0).
    const lines = f.split('\n');
    const at = lines.findIndex((l) => l.includes('Dbg b: y -> | u w | u := y. w := u / 0. ^w'));
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1].indexOf('^^^^^ ')).toBe(lines[at].indexOf('u / 0'));
    await typeSlowly(app, 'p u + y * 2\n');
    await shows(app, /│\s+p u \+ y \* 2\s+│\n│\s+44\s+│/);
    await typeSlowly(app, 'abandon\n');
    f = await until(app, (s) => !s.includes('Debugger ·') && s.includes('in Dbg>>b:'));
    expect(f).toContain('ZeroDivide: division by zero');
    expect(f).toContain('in Dbg>>a: (a Dbg) x=5 t=10');
    await typeSlowly(app, '3 + 4\n');
    await shows(app, /› 3 \+ 4\n7\n/);
  });

  it('typing the next line at the question abandons, and what was typed is not lost', async () => {
    const app = start({ debugger: 'ask' });
    await ready(app);
    await typeSlowly(app, 'Dbg new a: 5\n');
    await shows(app, /Open the debugger\? \[d\]ebug \[a\]bandon/);
    // Typed ahead as one chunk (a paste, or fast typing): the question is abandoned, the text goes to the editor.
    app.stdin.write('3 + 4\r');
    let f = await shows(app, /› 3 \+ 4\n7\n/);
    expect(f).toContain('in Dbg>>a: (a Dbg) x=5 t=10');
    expect(f).not.toContain('Open the debugger?');
    // One key that is not an answer: abandoned, and the key begins the next line.
    await typeSlowly(app, 'Dbg new a: 6\n');
    await shows(app, /a: 6\nZeroDivide: division by zero\. Open the debugger\?/);
    await typeSlowly(app, '9 * 9\n');
    f = await shows(app, /› 9 \* 9\n81\n/);
    expect(f).toContain('in Dbg>>a: (a Dbg) x=6 t=12');
  });

  it('Ctrl-D at the question is the end of input, not [d]ebug: the error is reported and the REPL leaves', async () => {
    const app = start({ debugger: 'ask' });
    await ready(app);
    await typeSlowly(app, 'Dbg new a: 5\n');
    await shows(app, /Open the debugger\? \[d\]ebug \[a\]bandon/);
    const before = app.frames.length;
    app.stdin.write('\x04');
    // The REPL leaves after drawing the report, so its last frame may already be gone: look
    // through every frame drawn since the key.
    const drawn = () => app.frames.slice(before).map((f) => f.replace(/\x1b\[[0-9;]*m/g, ''));
    const end = Date.now() + 20_000;
    while (!drawn().some((s) => !s.includes('Open the debugger?') && s.includes('in Dbg>>a: (a Dbg) x=5 t=10'))) {
      if (Date.now() > end) throw new Error(`timed out; the frames were:\n${drawn().join('\n----\n')}`);
      await sleep(15);
    }
    await sleep(300);
    expect(drawn().join('\n')).not.toContain('Debugger ·');
  });

  it('opens at once with .debugger open; a halt proceeds and the evaluation goes on', async () => {
    const app = start();
    await ready(app);
    await typeSlowly(app, '.debugger open\n');
    await shows(app, 'debugger: open');
    await typeSlowly(app, 'Dbg new h\n');
    const f = await shows(app, 'Debugger · Halt');
    expect(f).toContain('Dbg>>h (a Dbg) r=nil');
    await typeSlowly(app, 'p self class name , \'!\'\n');
    await shows(app, "'Dbg!'");
    await typeSlowly(app, 'proceed\n');
    await shows(app, /› Dbg new h\n#\(nil 42\)\n/);
    expect(frame(app)).not.toContain('Debugger ·');
    await typeSlowly(app, '.debugger off\n');
    await shows(app, 'debugger: off');
  });

  it('Esc abandons, and an error in p is said without ending the session', async () => {
    const app = start({ debugger: 'open' });
    await ready(app);
    await typeSlowly(app, 'Dbg new a: 1\n');
    await shows(app, 'Debugger · ZeroDivide');
    await typeSlowly(app, 'p nil frobnicate\n');
    await shows(app, 'nil does not understand #frobnicate');
    await typeSlowly(app, 'p 6 * 7\n');
    await shows(app, /│\s+p 6 \* 7\s+│\n│\s+42\s+│/);
    app.stdin.write(ESC);
    await until(app, (s) => !s.includes('Debugger ·') && s.includes('ZeroDivide: division by zero'));
  });
});

/** Does the screen show `line` of source with carets right under `expr` in it? */
function marks(f: string, line: string, expr: string): boolean {
  const lines = f.split('\n');
  const at = lines.findIndex((l) => l.includes(line));
  if (at < 0 || at + 1 >= lines.length) return false;
  const col = lines[at].indexOf(line) + line.indexOf(expr);
  return lines[at + 1].slice(col, col + expr.length + 1) === `${'^'.repeat(expr.length)} `;
}

describe('resuming with a value', () => {
  it('proceed EXPR resumes a halt with the value of EXPR, evaluated in the selected frame', async () => {
    const app = start({ debugger: 'open' });
    await ready(app);
    await typeSlowly(app, 'Dbg new h\n');
    await shows(app, 'Debugger · Halt');
    await typeSlowly(app, 'proceed self class name size\n');
    await shows(app, /› Dbg new h\n#\(3 42\)\n/);
    expect(frame(app)).not.toContain('Debugger ·');
  });
});

describe('stepping in the debugger', () => {
  it('Right steps over, Tab into, Left out, and the mark moves along the source; the commands do the same', async () => {
    const app = start({ debugger: 'open' });
    await ready(app);
    await typeSlowly(app, 'Dbg new stp\n');
    const STP = 'Dbg stp -> | a | self halt. a := self dbl: 3. ^a + 1';
    await until(app, (f) => f.includes('Debugger · Halt') && marks(f, STP, 'self halt'));
    app.stdin.write(RIGHT);
    await until(app, (f) => f.includes('Debugger · over: Dbg>>stp') && marks(f, STP, 'self dbl: 3'));
    app.stdin.write(TAB);
    let f = await until(app, (s) => s.includes('Debugger · into: Dbg>>dbl:') && marks(s, 'Dbg dbl: n -> ^n * 2', 'n * 2'));
    // The frames: the method stepped into, above its sender.
    expect(f).toMatch(/› 0 {2}Dbg>>dbl: \(a Dbg\) n=3[\s│]+1 {2}Dbg>>stp \(a Dbg\) a=nil/);
    app.stdin.write(LEFT);
    await until(app, (s) => s.includes('Debugger · out: Dbg>>stp') && marks(s, STP, 'a := self dbl: 3'));
    await typeSlowly(app, 'over\n');
    f = await until(app, (s) => s.includes('Debugger · over: Dbg>>stp') && marks(s, STP, 'a + 1'));
    expect(f).toContain('Dbg>>stp (a Dbg) a=6');
    await typeSlowly(app, 'c\n');
    await shows(app, /› Dbg new stp\n7\n/);
    expect(frame(app)).not.toContain('Debugger ·');
  });
});

describe('restarting a frame', () => {
  it('a method fixed while the debugger is open, then its frame restarted, answers right', async () => {
    expect(bedrock.evaluate('Dbg twice: n -> ^(self half: n) * 2\nDbg half: n -> ^n / 0').every((o) => o.kind === 'defined')).toBe(true);
    const app = start({ debugger: 'open' });
    await ready(app);
    await typeSlowly(app, 'Dbg new twice: 21\n');
    await shows(app, 'Debugger · ZeroDivide');
    await typeSlowly(app, '1\n');
    await shows(app, '── Dbg>>half: ──');
    await typeSlowly(app, "p Dbg compile: 'half: n ^n // 2'\n");
    await shows(app, '#half:');
    await typeSlowly(app, 'restart\n');
    await shows(app, /› Dbg new twice: 21\n20\n/);
    expect(frame(app)).not.toContain('Debugger ·');
  });

  it('return EXPR answers a value from the selected method\'s frame, and its sender goes on', async () => {
    const app = start({ debugger: 'open' });
    await ready(app);
    await typeSlowly(app, 'Dbg new a: 5\n');
    await shows(app, 'Debugger · ZeroDivide');
    await typeSlowly(app, '1\n');
    await shows(app, '── Dbg>>b: ──');
    await typeSlowly(app, 'return u * 3\n');
    await shows(app, /› Dbg new a: 5\n33\n/);
    expect(frame(app)).not.toContain('Debugger ·');
  });

  it('a block\'s frame is not restarted: the debugger says so and stays', async () => {
    const app = start({ debugger: 'open' });
    await ready(app);
    await typeSlowly(app, '[:x | x / 0] value: 3\n');
    await shows(app, 'Debugger · ZeroDivide');
    await typeSlowly(app, '1\n');
    await typeSlowly(app, 'r\n');
    await shows(app, "only a method's frame can be restarted");
    await typeSlowly(app, 'return 3\n');
    await shows(app, "only a method's frame can return a value");
    await typeSlowly(app, 'q\n');
    await until(app, (f) => !f.includes('Debugger ·'));
  });
});

describe('the debugger\'s state', () => {
  const frames = [
    { name: 'Foo>>bar', receiver: 'a Foo', variables: [{ name: 'x', kind: 'argument', text: '1' }] },
    { name: 'a DoIt', receiver: 'nil', variables: [] },
  ];
  it('selects frames, prints in the selected one, and closes once on proceed or abandon', () => {
    let s = debuggerReducer(initialDebugger(), { type: 'open', title: 'Error', frames });
    s = debuggerReducer(s, { type: 'down' });
    s = debuggerReducer(s, { type: 'down' });
    expect(s.selected).toBe(1);
    for (const ch of 'p x + 1') s = debuggerReducer(s, { type: 'type', text: ch });
    s = debuggerReducer(s, { type: 'enter' });
    expect(s.effects).toEqual([{ type: 'evaluate', source: 'x + 1', frame: 1 }]);
    expect(s.input).toBe('');
    s = debuggerReducer(s, { type: 'take', count: 1 });
    for (const ch of 'bogus') s = debuggerReducer(s, { type: 'type', text: ch });
    s = debuggerReducer(s, { type: 'enter' });
    expect(s.log[s.log.length - 1].ok).toBe(false);
    s = debuggerReducer(s, { type: 'escape' });
    s = debuggerReducer(s, { type: 'escape' });
    expect(s.closed).toBe(true);
    expect(s.effects).toEqual([{ type: 'abandon' }]);
  });

  it('a line break in typed text is an Enter (q and Enter in one chunk abandon; a pasted p line evaluates)', () => {
    let s = debuggerReducer(initialDebugger(), { type: 'open', title: 'Error', frames });
    s = debuggerReducer(s, { type: 'type', text: 'p x\r' });
    expect(s.effects).toEqual([{ type: 'evaluate', source: 'x', frame: 0 }]);
    expect(s.input).toBe('');
    s = debuggerReducer(s, { type: 'take', count: 1 });
    s = debuggerReducer(s, { type: 'type', text: 'q\rignored' });
    expect(s.closed).toBe(true);
    expect(s.effects).toEqual([{ type: 'abandon' }]);
  });
});
