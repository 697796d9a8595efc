/*
 * The real interactive program in a real pseudo-terminal: tmux runs `bedrock work.image` in a
 * window of fixed size, the test types into it with send-keys and reads the screen with
 * capture-pane. Skipped, saying so, where tmux is not installed (under CI, a failure: test/support/oracles.ts).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { missingTools, oraclesPresent } from '../support/oracles.ts';

const hasTmux = oraclesPresent('the REPL in a terminal (tmux)', missingTools([['tmux', ['-V']]]));

const bin = fileURLToPath(new URL('../../bin/bedrock.js', import.meta.url));
const socket = `bedrock-test-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'bedrock-tty-'));
const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });

afterAll(() => {
  spawnSync('tmux', ['-L', socket, 'kill-server']);
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The session the test types into (each test starts its own; see below). */
let session = 'repl';
const screen = (): string => tmux('capture-pane', '-p', '-t', session);

async function until(test: (s: string) => boolean, ms = 60_000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const s = screen();
    if (test(s)) return s;
    if (Date.now() > end) throw new Error(`timed out; the screen was:\n${s}`);
    await sleep(50);
  }
}
const shows = (text: string | RegExp, ms?: number) => until((s) => (typeof text === 'string' ? s.includes(text) : text.test(s)), ms);
/** Keys one at a time, as a person types (a whole string at once would arrive as a paste). */
async function typeKeys(text: string): Promise<void> {
  for (const ch of text) { tmux('send-keys', '-t', session, '-l', ch); await sleep(5); }
}
const press = (...keys: string[]) => tmux('send-keys', '-t', session, ...keys);

describe.skipIf(!hasTmux)('the REPL in a terminal', () => {
  it('starts, evaluates, completes, interrupts, and asks before leaving with unsaved changes', async () => {
    // CI=true as CI machines set it: Ink would then draw nothing until exit, and bedrock must
    // not let it when a person is at the terminal.
    const command = `CI=true ${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} work.image; echo "[exited $?]"; sleep 60`;
    tmux('new-session', '-d', '-s', 'repl', '-x', '100', '-y', '30', '-c', dir, command);
    await shows(/work\.image · .*heap/);
    expect(screen()).toMatch(/Bedrock · work\.image/);

    await typeKeys('3 + 4');
    press('Enter');
    await shows(/› 3 \+ 4\n7\n/);

    // An emoji reaches string-width's emoji expression, which the build makes at its first test.
    await typeKeys("'a😀b' size");
    press('Enter');
    await shows(/› 'a😀b' size\n3\n/);

    await typeKeys('Object subclass: #Tty');
    press('Enter');
    await typeKeys('Tty answer ->');
    press('Enter');
    await typeKeys('^6 * 7');
    press('Enter');
    press('Enter');
    await shows('Tty>>answer');
    await typeKeys('Tty new ans');
    // The typed keys must be on the screen before Tab: keys that arrive in one read (a loaded
    // machine) are a paste, in which a Tab is only a character.
    await shows('› Tty new ans');
    press('Tab');
    await shows('› Tty new answer');
    press('Enter');
    await shows(/› Tty new answer\n42\n/);

    await typeKeys('[true] whileTrue: [1]');
    press('Enter');
    await shows('running… Ctrl-C interrupts');
    press('C-c');
    await shows('Interrupted');
    await until((s) => !s.includes('running…'));

    press('Up');
    await shows(/› \[true\] whileTrue: \[1\]\s*\n[^\n]*unsaved/);
    // Each key waits for the screen to show the last one: keys that arrive in one read are a paste.
    press('C-u');
    await shows(/› *\n[^\n]*unsaved/);
    press('C-d');
    await shows(/Save before leaving\? \[y\]es \[n\]o \[c\]ancel/);
    press('y');
    await shows('[exited 0]');
    expect(screen()).not.toMatch(/Error|at .*\.js:\d+/);

    // The saved image has the definition; the history was kept beside it.
    const again = spawnSync(process.execPath, [bin, 'eval', 'Tty new answer', '--image', 'work.image'], { cwd: dir, encoding: 'utf8' });
    expect(again.stdout).toBe('42\n');
  });

  it('the debugger, typed into in a terminal: frames with values, p, a fixed method restarted, a halt resumed, steps, and the image consistent after', async () => {
    const command = `CI=true ${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} dbg.image; echo "[exited $?]"; sleep 60`;
    // A new session before the last one is killed: killing the only session ends the tmux
    // server, and a new-session racing its exit fails ("server exited unexpectedly").
    tmux('new-session', '-d', '-s', 'dbg', '-x', '110', '-y', '40', '-c', dir, command);
    tmux('kill-session', '-t', session);
    session = 'dbg';
    await shows(/dbg\.image · .*heap/);
    const line = async (text: string, expected: string | RegExp): Promise<string> => {
      await typeKeys(text);
      await shows(text);
      press('Enter');
      return shows(expected);
    };
    await line('Object subclass: #TtyDbg', 'TtyDbg');
    await line('TtyDbg a: x -> | t | t := x * 2. ^self b: t + 1', 'TtyDbg>>a:');
    await line('TtyDbg b: y -> | u | u := y. ^u / 0', 'TtyDbg>>b:');
    await line('TtyDbg h -> | r | self halt. r := self dbl: 3. ^r + 1', 'TtyDbg>>h');
    await line('TtyDbg dbl: n -> ^n * 2', 'TtyDbg>>dbl:');

    // An error asks; d opens the debugger on the user's frames with their values.
    await line('TtyDbg new a: 5', /Open the debugger\? \[d\]ebug \[a\]bandon/);
    press('d');
    let s = await shows('Debugger · ZeroDivide: division by zero');
    expect(s).toContain('TtyDbg>>b: (a TtyDbg) y=11 u=11');
    expect(s).toContain('TtyDbg>>a: (a TtyDbg) x=5 t=10');
    await line('1', '── TtyDbg>>b: ──');
    await line('p u * 4', /\b44\b/);
    // The method fixed, its frame restarted: the new definition answers.
    await line("p TtyDbg compile: 'b: y ^y + 100'", '#b:');
    await line('restart', /› TtyDbg new a: 5\s*\n111\n/);
    await until((t) => !t.includes('Debugger ·'));

    // A halt resumed goes on; stepping over, into and out visits the sends in order.
    await line('TtyDbg new h', /Halt\. Open the debugger\? \[d\]ebug \[a\]bandon/);
    press('d');
    await shows('Debugger · Halt');
    press('Right');
    await shows('Debugger · over: TtyDbg>>h');
    press('Tab');
    await shows('Debugger · into: TtyDbg>>dbl:');
    press('Left');
    await shows('Debugger · out: TtyDbg>>h');
    await line('proceed', /› TtyDbg new h\s*\n7\n/);

    // Abandon: the error is reported as without a debugger, and the session goes on.
    await line('TtyDbg new a: nil', /Open the debugger\? \[d\]ebug \[a\]bandon/);
    press('a');
    await until((t) => !t.includes('Open the debugger?') && /nil does not understand #\*/.test(t));
    await line('3 + 4', /› 3 \+ 4\s*\n7\n/);
    press('C-d');
    await shows(/Save before leaving\? \[y\]es \[n\]o \[c\]ancel/);
    press('y');
    await shows('[exited 0]');
    expect(screen()).not.toMatch(/at .*\.js:\d+/);
    // The saved image holds the method as it was fixed in the debugger.
    const again = spawnSync(process.execPath, [bin, 'eval', 'TtyDbg new a: 5', '--image', 'dbg.image'], { cwd: dir, encoding: 'utf8' });
    expect(again.stdout).toBe('111\n');
  });
});
