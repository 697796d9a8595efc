/*
 * Acting on a stopped evaluation at the language level (issue 16, item 3), on both back ends,
 * without a screen: an error nothing handles stops for the debugger (pauseOnError), and the
 * test decides as a user would in the REPL's debugger. Restarting a frame and returning a
 * value from one unwind the frames above it: their ensure: and ifCurtailed: blocks run first,
 * innermost first, as Pharo's debugger does, and the blocks of the frames below do not.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/compiler/compiler.ts';
import { parse } from '../../src/lang/parser.ts';
import type { Bedrock, Outcome } from '../../src/system/bedrock.ts';
import type { DebugSession } from '../../src/system/debug-session.ts';
import { bootSystem } from '../support/system.ts';

const BACKENDS: readonly Backend[] = ['native', 'threaded'];

const DEFINITIONS = `Object subclass: #Act instanceVariableNames: ''
Trail := OrderedCollection new
Act guarded: n -> ^[self inner: n] ensure: [Trail add: #ensure]
Act inner: n -> ^[n // 0] ifCurtailed: [Trail add: #curtailed]
Act outer: n -> | r | r := [self guarded: n] ensure: [Trail add: #outer]. ^r + 1`;

/** Evaluate `source` with the debugger on; `act` decides each stop (it is called once a stop). */
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

function value(b: Bedrock, source: string): string {
  const out = b.evaluate(source);
  expect(out).toHaveLength(1);
  expect(out[0].kind, out[0].text).toBe('value');
  return out[0].text;
}

const frameNamed = (s: DebugSession, name: string): number => {
  const i = s.frames.findIndex((f) => f.name === name);
  expect(i, `${name} in ${s.frames.map((f) => f.name).join(', ')}`).toBeGreaterThanOrEqual(0);
  return i;
};

describe.each(BACKENDS)('restart and return unwind with ensure blocks, %s back end', (backend) => {
  let b: Bedrock;
  beforeAll(() => {
    b = bootSystem({ backend });
    for (const o of b.evaluate(DEFINITIONS)) expect(o.kind, o.text).not.toBe('error');
  });
  afterEach(() => {
    // Each test starts with the methods as DEFINITIONS has them and an empty trail.
    for (const o of b.evaluate('Act inner: n -> ^[n // 0] ifCurtailed: [Trail add: #curtailed]\nTrail := OrderedCollection new')) expect(o.kind, o.text).not.toBe('error');
  });

  it('restarting a frame runs the ifCurtailed: and ensure: blocks above it, innermost first, then the method again', () => {
    const { outcome, stops } = debug(b, 'Act new outer: 6', (s) => {
      expect(s.message).toBe('ZeroDivide: division by zero');
      expect(s.evaluate('Trail size', 0)).toEqual({ ok: true, text: '0' });
      // Fixed while stopped (as `p Act compile: ...` does in the REPL), then restarted.
      expect(s.evaluate("Act compile: 'inner: n ^[n * 10] ifCurtailed: [Trail add: #curtailed]'", 0).ok).toBe(true);
      expect(s.restart(frameNamed(s, 'Act>>guarded:'))).toBeNull();
    });
    expect(stops).toBe(1);
    expect(outcome.kind, outcome.text).toBe('value');
    expect(outcome.text).toBe('61');
    // The unwound frames' blocks (curtailed, then guarded:'s ensure), then the run again:
    // guarded:'s ensure on its way out, then outer:'s.
    expect(value(b, 'Trail asArray')).toBe('#(#curtailed #ensure #ensure #outer)');
  });

  it('returning from a frame runs the blocks of the frames it drops, not those below', () => {
    const { outcome } = debug(b, 'Act new outer: 6', (s) => {
      expect(s.returnFrom(frameNamed(s, 'Act>>inner:'), 'n + 1')).toBeNull();
    });
    expect(outcome.text).toBe('8');
    expect(value(b, 'Trail asArray')).toBe('#(#curtailed #ensure #outer)');
  });

  it('returning from the method whose ensure: is running its receiver runs that ensure block', () => {
    const { outcome } = debug(b, 'Act new outer: 6', (s) => {
      expect(s.returnFrom(frameNamed(s, 'Act>>guarded:'), '100')).toBeNull();
    });
    expect(outcome.text).toBe('101');
    expect(value(b, 'Trail asArray')).toBe('#(#curtailed #ensure #outer)');
  });

  it('an error in an ensure block run by a restart ends only that block; the restart goes on', () => {
    const { outcome } = debug(b, 'Act new outer: 6', (s) => {
      expect(s.evaluate("Act compile: 'inner: n ^[n * 10] ifCurtailed: [nil frobnicate. Trail add: #never]'", 0).ok).toBe(true);
      expect(s.evaluate("Trail add: #before", 0).ok).toBe(true);
      expect(s.restart(frameNamed(s, 'Act>>outer:'))).toBeNull();
    });
    expect(outcome.text).toBe('61');
    // The running ifCurtailed: block is the old one (its frame was made before the fix).
    expect(value(b, 'Trail asArray')).toBe('#(#before #curtailed #ensure #outer #ensure #outer)');
  });

  it('abandoning still runs every pending block once, and the system goes on', () => {
    const { outcome } = debug(b, 'Act new outer: 6', (s) => s.abandon());
    expect(outcome.kind).toBe('error');
    expect(outcome.text).toContain('ZeroDivide: division by zero');
    expect(value(b, 'Trail asArray')).toBe('#(#curtailed #ensure #outer)');
    expect(value(b, '3 + 4')).toBe('7');
  });
});
