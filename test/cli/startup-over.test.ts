/*
 * The command line ends the start (src/cli/startup.ts) once the image is open and before it
 * evaluates anything, so that V8's interrupt budget, which bin/code-cache.cjs raises for the
 * start, is back before a program runs (test/cli/code-cache.test.ts checks the budget itself).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { evalCommand } from '../../src/cli/session-commands.ts';
import type { Output } from '../../src/cli/commands.ts';

const OVER = Symbol.for('bedrock.startupOver');
// The built base image when there is one (opening it takes a second; booting the system, many).
const base = fileURLToPath(new URL('../../dist/base.image', import.meta.url));
const image = existsSync(base) ? ['--image', base] : [];
const hooks = globalThis as Record<symbol, unknown>;
afterEach(() => { delete hooks[OVER]; });

describe('the end of a start', () => {
  it('eval ends the start once, after opening the system and before what it evaluates prints', () => {
    const events: string[] = [];
    hooks[OVER] = () => { events.push('start over'); delete hooks[OVER]; };
    const io: Output = {
      out: (s) => events.push(`out ${s}`),
      err: (s) => events.push(`err ${s}`),
      write: (s) => events.push(`write ${s}`),
      batch: (f) => f(),
    };
    const status = evalCommand(['Transcript show: 6 printString. 3 + 4', ...image], io);
    expect(status).toBe(0);
    expect(events[0]).toBe('start over');
    expect(events.filter((e) => e === 'start over').length).toBe(1);
    expect(events.slice(1).join('|')).toContain('7');
  }, 120_000);
});
