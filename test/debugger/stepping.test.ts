/*
 * Stepping (issue 16, item 3) at the language level, on both back ends: from a halt, step over
 * visits the expressions of the stepped method in order (the sends it makes run through),
 * step into goes into the method a send reaches, step out goes back to the sender, and the
 * evaluation then goes on to its own answer. The interpreter steps whichever tier ran the
 * code before (a method made hot first is stepped the same). Both back ends visit the same
 * expressions in the same order.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/compiler/compiler.ts';
import { parse } from '../../src/lang/parser.ts';
import type { Bedrock, Outcome } from '../../src/system/bedrock.ts';
import type { DebugSession } from '../../src/system/debug-session.ts';
import type { StepKind } from '../../src/system/stepping.ts';
import { bootSystem } from '../support/system.ts';

const BACKENDS: readonly Backend[] = ['native', 'threaded'];

const DEFINITIONS = `Object subclass: #Stp instanceVariableNames: 'log'
Stp run -> | a b | self halt. a := self twice: 3. b := a + 1. ^b * 10
Stp twice: n -> | r | r := n * 2. ^r
Stp loop -> | s | s := 0. self halt. s := [:i | s + i] value: 3. ^s
Stp fails -> | q | q := 7. q := q frobnicate. ^q + 1`;

/** Where a stop is: its innermost frame's name and the text of the expression it is at. */
function here(s: DebugSession): string {
  const f = s.frames[0];
  const src = f?.source;
  return `${f?.name ?? '?'} ${src && src.start >= 0 ? src.text.slice(src.start, src.end) : '?'}`;
}

/** Evaluate `source` with the debugger on; `act` decides each stop (it answers false to stop deciding: proceed). */
function debug(b: Bedrock, source: string, act: (s: DebugSession, stop: number) => void): { outcome: Outcome; stops: number } {
  const parsed = parse(source);
  expect(parsed.ok && parsed.items.length === 1, source).toBe(true);
  b.pauseOnError = true;
  let stops = 0;
  try {
    const e = b.startItem(parsed.items[0]);
    for (let i = 0; i < 10_000; i++) {
      const o = e.step(50_000_000);
      if (o !== null) return { outcome: o, stops };
      const s = b.paused;
      if (s && s.resolution === null) act(s, stops++);
    }
    throw new Error(`${source}: never ended`);
  } finally {
    b.pauseOnError = false;
  }
}

/** Step `kind` at every stop after the first (a halt), up to `max` stops; the places stopped at. */
function walk(b: Bedrock, source: string, kinds: readonly StepKind[], frame = ''): { places: string[]; outcome: Outcome } {
  const places: string[] = [];
  const { outcome } = debug(b, source, (s, n) => {
    const i = Math.max(0, s.frames.findIndex((f) => f.name === frame));
    places.push(i === 0 ? here(s) : `(${s.frames[0].name}) ${s.frames[i].name}`);
    if (n < kinds.length) expect(s.step(kinds[n], i), here(s)).toBeNull();
    else s.proceed();
  });
  return { places, outcome };
}

const visited: Record<string, Record<string, string[]>> = {};

describe.each(BACKENDS)('stepping, %s back end', (backend) => {
  let b: Bedrock;
  beforeAll(() => {
    b = bootSystem({ backend });
    for (const o of b.evaluate(DEFINITIONS)) expect(o.kind, o.text).not.toBe('error');
    visited[backend] = {};
  });

  it('over visits the stepped method\'s sends and assignments in order, then its sender, and the answer is right', () => {
    const { places, outcome } = walk(b, 'Stp new run', ['over', 'over', 'over', 'over', 'over', 'over', 'over']);
    expect(outcome.kind, outcome.text).toBe('value');
    expect(outcome.text).toBe('70');
    expect(places.slice(0, 6)).toEqual([
      'Stp>>run self halt',
      'Stp>>run self twice: 3',
      'Stp>>run a := self twice: 3',
      'Stp>>run a + 1',
      'Stp>>run b := a + 1',
      'Stp>>run b * 10',
    ]);
    visited[backend].over = places;
  });

  it('into goes into the method a send reaches; out goes back to the sender', () => {
    const { places, outcome } = walk(b, 'Stp new run', ['over', 'into', 'over', 'out', 'over']);
    expect(outcome.text).toBe('70');
    expect(places.slice(0, 6)).toEqual([
      'Stp>>run self halt',
      'Stp>>run self twice: 3',
      'Stp>>twice: n * 2',
      'Stp>>twice: r := n * 2',
      'Stp>>run a := self twice: 3',
      'Stp>>run a + 1',
    ]);
    visited[backend].into = places;
  });

  it('the frames at a stop show the values as they are now', () => {
    let seen = '';
    debug(b, 'Stp new run', (s, n) => {
      if (n === 3) {
        seen = s.frames[0].variables.map((v) => `${v.name}=${v.text}`).join(' ');
        s.proceed();
      } else s.step('over', 0);
    });
    expect(seen).toBe('a=6 b=nil');
  });

  it('into a block a loop runs, and over it from outside', () => {
    const into = walk(b, 'Stp new loop', ['over', 'into', 'over']);
    expect(into.outcome.text).toBe('3');
    expect(into.places.slice(0, 4)).toEqual([
      'Stp>>loop self halt',
      'Stp>>loop [:i | s + i] value: 3',
      '[] in Stp>>loop s + i',
      'Stp>>loop s := [:i | s + i] value: 3',
    ]);
    const over = walk(b, 'Stp new loop', ['over', 'over', 'over']);
    expect(over.outcome.text).toBe('3');
    expect(over.places.slice(0, 3)).toEqual(['Stp>>loop self halt', 'Stp>>loop [:i | s + i] value: 3', 'Stp>>loop s := [:i | s + i] value: 3']);
    visited[backend].loop = [...into.places, '|', ...over.places];
  });

  it('steps from an error: the error is resumed (nil), then the method goes on', () => {
    const { places, outcome } = walk(b, 'Stp new fails', ['over', 'over'], 'Stp>>fails');
    // The last stop is the error q + 1 makes (nil does not understand #+), proceeded: nil.
    expect(places).toEqual(['Stp>>fails q frobnicate', 'Stp>>fails q := q frobnicate', 'Stp>>fails q + 1', 'Stp>>fails q + 1']);
    expect(outcome.text).toBe('nil');
  });

  it('a method run hot (translated) before is stepped by the interpreter all the same', () => {
    expect(b.evaluate('1 to: 2000 do: [:i | Stp new twice: i]')[0].kind).toBe('value');
    const { places, outcome } = walk(b, 'Stp new run', ['over', 'into', 'over', 'over']);
    expect(outcome.text).toBe('70');
    expect(places.slice(0, 4)).toEqual(['Stp>>run self halt', 'Stp>>run self twice: 3', 'Stp>>twice: n * 2', 'Stp>>twice: r := n * 2']);
  });

  it('abandon after a step ends the evaluation, and the system goes on', () => {
    const { outcome } = debug(b, 'Stp new run', (s, n) => { if (n === 0) s.step('over', 0); else s.abandon(); });
    expect(outcome.kind).toBe('error');
    expect(outcome.text).toBe('abandoned in the debugger');
    const out = b.evaluate('3 + 4');
    expect(out[0].text).toBe('7');
  });
});

describe('both back ends', () => {
  it('visit the same places in the same order', () => {
    expect(visited.threaded).toEqual(visited.native);
  });
});
