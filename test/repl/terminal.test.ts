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
const screen = (): string => tmux('capture-pane', '-p', '-t', 'repl');

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
  for (const ch of text) { tmux('send-keys', '-t', 'repl', '-l', ch); await sleep(5); }
}
const press = (...keys: string[]) => tmux('send-keys', '-t', 'repl', ...keys);

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
    press('C-u');
    press('C-d');
    await shows(/Save before leaving\? \[y\]es \[n\]o \[c\]ancel/);
    press('y');
    await shows('[exited 0]');
    expect(screen()).not.toMatch(/Error|at .*\.js:\d+/);

    // The saved image has the definition; the history was kept beside it.
    const again = spawnSync(process.execPath, [bin, 'eval', 'Tty new answer', '--image', 'work.image'], { cwd: dir, encoding: 'utf8' });
    expect(again.stdout).toBe('42\n');
  });
});
