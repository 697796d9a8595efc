/*
 * The interactive REPL, rendered by ink-testing-library and driven through its stdin as a
 * terminal would drive it; every assertion is on the frames Ink draws. One system is booted
 * for the file; each test has its own App (and its own names, since definitions stay).
 */
import { render } from 'ink-testing-library';
import { createElement } from 'react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { App, type AppProps } from '../../src/repl/App.tsx';
import type { Outcome } from '../../src/system/bedrock.ts';
import type { Item } from '../../src/lang/ast.ts';
import { bootSystem } from '../support/system.ts';
import { Bedrock } from '../../src/system/bedrock.ts';
import { Workspace, type Persistence } from '../../src/session/workspace.ts';

let bedrock: Bedrock;
beforeAll(() => {
  const b = bootSystem();
  if (typeof b === 'string') throw new Error(b);
  bedrock = b;
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
const frame = (app: Instance): string => (app.lastFrame() ?? '').replace(/\x1b\[[0-9;]*m/g, '');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wait until the frame satisfies `test` (polling), or fail showing the last frame. */
async function until(app: Instance, test: (f: string) => boolean, ms = 10_000): Promise<string> {
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

/** The status line is drawn: the App is mounted and reading keys. */
const ready = (app: Instance) => shows(app, 'heap');

async function typeSlowly(app: Instance, text: string): Promise<void> {
  for (const ch of text) {
    app.stdin.write(ch === '\n' ? '\r' : ch);
    await sleep(2);
  }
}

describe('the REPL', () => {
  it('evaluates an expression typed character by character', async () => {
    const app = start();
    await ready(app);
    await typeSlowly(app, '3 + 4\n');
    const f = await shows(app, /› 3 \+ 4\n7\n/);
    expect(f).toContain('no image');
  });

  it('evaluates definitions and expressions pasted as one chunk, each output after its entry', async () => {
    const app = start();
    await ready(app);
    app.stdin.write("Object subclass: #Pasted instanceVariableNames: 'a'\rPasted a -> ^a\rPasted a: x -> a := x\r(Pasted new a: 5) a\r");
    const f = await shows(app, /› \(Pasted new a: 5\) a\n5\n/);
    expect(f).toMatch(/› Pasted a -> \^a\nPasted>>a\n› Pasted a: x -> a := x\nPasted>>a:\n/);
  });

  it('types a definition character by character the same as pasting it', async () => {
    const app = start();
    await ready(app);
    await typeSlowly(app, "Object subclass: #Typed\nTyped seven -> ^3 + 4\nTyped new seven\n");
    await shows(app, /› Typed new seven\n7\n/);
  });

  it('continues a multi-line definition until a blank line, with a continuation prompt', async () => {
    const app = start();
    await ready(app);
    await typeSlowly(app, 'Object subclass: #Multi\n');
    await shows(app, /\nMulti\n/);
    await typeSlowly(app, 'Multi sum: n ->\n');
    await shows(app, /› Multi sum: n ->\n…/);
    await typeSlowly(app, '| s |\ns := 0.\n1 to: n do: [:i |\ns := s + i].\n^s\n');
    // Still open: nothing evaluated yet.
    expect(frame(app)).not.toContain('Multi>>sum:');
    await typeSlowly(app, '\n');
    await shows(app, 'Multi>>sum:');
    await typeSlowly(app, 'Multi new sum: 10\n');
    await shows(app, /› Multi new sum: 10\n55\n/);
  });

  it('shows an error with its line, a caret and a backtrace, then goes on', async () => {
    const app = start();
    await ready(app);
    await typeSlowly(app, '3 frobnicate\n');
    const f = await shows(app, 'does not understand #frobnicate');
    expect(f).toMatch(/ {2}3 frobnicate\n {2}\^~+\n {2}in a DoIt/);
    await typeSlowly(app, '(3 + 4\n');
    await typeSlowly(app, ' ] \n');
    await shows(app, /expected/);
    await typeSlowly(app, '6 * 7\n');
    await shows(app, /› 6 \* 7\n42\n/);
  });

  it('keeps `_` as the last value', async () => {
    const app = start();
    await ready(app);
    await typeSlowly(app, '20 + 1\n');
    await shows(app, /\n21\n/);
    await typeSlowly(app, '_ * 2\n');
    await shows(app, /› _ \* 2\n42\n/);
  });

  it('recalls history with Up and searches it with Ctrl-R', async () => {
    const app = start();
    await ready(app);
    await typeSlowly(app, '100 + 1\n');
    await shows(app, /\n101\n/);
    await typeSlowly(app, '200 + 2\n');
    await shows(app, /\n202\n/);
    app.stdin.write(`${ESC}[A`); // Up
    await shows(app, /› 200 \+ 2\n[^\n]*heap/);
    app.stdin.write(`${ESC}[A`);
    await shows(app, /› 100 \+ 1\n[^\n]*heap/);
    app.stdin.write('\x15'); // Ctrl-U
    app.stdin.write('\x12'); // Ctrl-R
    await typeSlowly(app, '200');
    await shows(app, "(reverse-i-search)'200': 200 + 2");
    app.stdin.write('\r');
    await until(app, (f) => (f.match(/\n202\n/g) ?? []).length === 2);
  });

  it('completes with Tab, and lists the choices when it cannot choose', async () => {
    const app = start();
    await ready(app);
    await typeSlowly(app, '5 facto');
    app.stdin.write('\t');
    await shows(app, /› 5 factorial/);
    app.stdin.write('\r');
    await shows(app, /\n120\n/);
    await typeSlowly(app, 'Objec');
    app.stdin.write('\t');
    await shows(app, /› Object/);
    app.stdin.write('\x15');
    await typeSlowly(app, '.sa');
    app.stdin.write('\t');
    await shows(app, '› .save');
    app.stdin.write('\t');
    await shows(app, /\.save {2}\.saveas/);
  });

  it('Ctrl-C interrupts a long loop and returns to the prompt; keys work while it runs', async () => {
    const app = start();
    await ready(app);
    await typeSlowly(app, '[true] whileTrue: [3 + 4]\n');
    await shows(app, 'running… Ctrl-C interrupts');
    // Typing ahead while it runs.
    await typeSlowly(app, '1 + 1');
    await shows(app, /› 1 \+ 1\n.*running/);
    app.stdin.write('\x03');
    const f = await shows(app, 'Interrupted');
    expect(f).toContain('in a DoIt');
    await until(app, (s) => !s.includes('running…'));
    app.stdin.write('\r');
    await shows(app, /› 1 \+ 1\n2\n/);
  });

  it('Ctrl-C stops a Forth line that does not end, and the prompt goes on in Forth', async () => {
    const app = start();
    await ready(app);
    await typeSlowly(app, '.forth\n');
    await shows(app, 'forth›');
    await typeSlowly(app, ': SPIN BEGIN AGAIN ; 7 SPIN\n');
    await shows(app, 'running… Ctrl-C interrupts');
    app.stdin.write('\x03');
    await shows(app, 'User interrupt');
    await until(app, (s) => !s.includes('running…'));
    await typeSlowly(app, '1 2 + .\n');
    await shows(app, /forth› 1 2 \+ \.\n3\nok/);
  });

  it('Ctrl-C on a line clears it; again on an empty line says how to leave', async () => {
    const app = start();
    await ready(app);
    await typeSlowly(app, '3 +');
    await shows(app, '› 3 +');
    app.stdin.write('\x03');
    await until(app, (f) => !f.includes('› 3 +'));
    app.stdin.write('\x03');
    await shows(app, '(To leave, press Ctrl-D or type .quit)');
  });

  it('.see shows a method\'s source, threaded code and native code', async () => {
    const app = start();
    await ready(app);
    await typeSlowly(app, 'Object subclass: #Seen\nSeen double: x -> ^x + x\n.see Seen>>double:\n');
    const f = await shows(app, /native code \(\d+ bytes\):/);
    expect(f).toMatch(/Seen>>double: +\(a send; runs native code\)/);
    expect(f).toContain('Seen double: x -> ^x + x');
    expect(f).toMatch(/threaded code \(\d+ pairs\):/);
    expect(f).toMatch(/push rbp +; prologue/);
  });

  it('.mark, .marks and .forget', async () => {
    const app = start();
    await ready(app);
    await typeSlowly(app, '.mark app-test\nObject subclass: #Marked\nMarked new\n.marks\n');
    await shows(app, /app-test/);
    await shows(app, /› Marked new\na Marked\n/);
    await typeSlowly(app, '.forget app-test\nMarked new\n');
    await shows(app, /› Marked new\n'Marked' is not defined|Marked.*not defined/);
    await typeSlowly(app, '.forget nowhere\n');
    await shows(app, "there is no mark named 'nowhere'");
  });

  it('.inspect shows slots, goes into one and comes back', async () => {
    const app = start();
    await ready(app);
    await typeSlowly(app, '.inspect #(10 #(20 30) $c)\n');
    let f = await shows(app, '↑↓ select');
    expect(f).toMatch(/an Array {2}Array, 3 slots, indexed/);
    expect(f).toMatch(/› 1 +10/);
    app.stdin.write(`${ESC}[B`); // Down
    await shows(app, /› 2 +an Array/);
    app.stdin.write('\r');
    f = await shows(app, '(depth 2)');
    expect(f).toMatch(/1 +20/);
    app.stdin.write(ESC);
    await until(app, (s) => !s.includes('(depth 2)'));
    app.stdin.write('q');
    await until(app, (s) => !s.includes('↑↓ select'));
    await typeSlowly(app, '1 + 2\n');
    await shows(app, /\n3\n/);
  });

  it('.help lists the commands and keys', async () => {
    const app = start();
    await ready(app);
    await typeSlowly(app, '.help\n');
    const f = await shows(app, 'Ctrl-R');
    for (const c of ['.save', '.saveas', '.load', '.see', '.mark', '.forget', '.marks', '.inspect', '.changes', '.recover', '.quit']) expect(f).toContain(c);
  });

  it('Ctrl-D with unsaved changes asks first; cancel stays, yes saves and leaves', async () => {
    const image = fakeImage('/tmp/asked.image');
    const app = start({ workspace: new Workspace(bedrock, image) });
    await ready(app);
    expect(frame(app)).toContain('asked.image · saved');
    await typeSlowly(app, '7 * 6\n');
    await shows(app, '1 unsaved change');
    app.stdin.write('\x04'); // Ctrl-D
    await shows(app, 'asked.image has 1 unsaved change. Save before leaving? [y]es [n]o [c]ancel');
    app.stdin.write('c');
    await until(app, (f) => !f.includes('Save before leaving'));
    await typeSlowly(app, '.quit\n');
    await shows(app, 'Save before leaving?');
    app.stdin.write('y');
    await until(app, () => image.saves === 1);
  });

  it('.load opens another image in place of this one', async () => {
    const other = new Workspace(bedrock, fakeImage('/tmp/other.image'));
    const app = start({ open: (path) => (path === 'other.image' ? other : `${path}: no such image`) });
    await ready(app);
    await typeSlowly(app, '.load nowhere.image\n');
    await shows(app, 'nowhere.image: no such image');
    await typeSlowly(app, '.load other.image\n');
    await shows(app, 'opened other.image');
    await shows(app, 'other.image · saved');
  });
});

/** An image that keeps nothing: it counts changes and saves. */
function fakeImage(path: string): Persistence & { saves: number } {
  let unsaved = 0;
  return {
    path,
    saves: 0,
    start(item: Item) {
      const running = bedrock.startItem(item);
      return {
        step: (steps: number): Outcome[] | null => {
          const o = running.step(steps);
          if (o !== null && o.kind !== 'error') unsaved++;
          return o === null ? null : [o];
        },
      };
    },
    mark: () => null,
    forget: () => null,
    save() { this.saves++; unsaved = 0; return null; },
    unsavedChanges: () => unsaved,
    changes: () => [],
    recover: () => ({ lines: [], failed: false }),
    close: () => undefined,
  };
}
