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

const EXCEPTIONS = `Object subclass: #Exc instanceVariableNames: ''
Exc warn -> | r | r := Warning signal: 'careful'. ^{r. 1}
Exc stop -> ^self halt + 1
Exc sig -> ^Error new signal: 'from sig'
Exc sigClass -> ^Error signal: 'from sigClass'`;

describe.each(BACKENDS)('resuming, signalerContext and outer, %s back end', (backend) => {
  let b: Bedrock;
  beforeAll(() => {
    b = bootSystem({ backend });
    for (const o of b.evaluate(EXCEPTIONS)) expect(o.kind, o.text).not.toBe('error');
  });

  it('an unhandled Warning stops for the debugger; proceed EXPR resumes it with that value', () => {
    const { outcome, stops } = debug(b, 'Exc new warn', (s) => {
      expect(s.message).toBe('Warning: careful');
      expect(s.resumable).toBe(true);
      expect(s.frames[0].name).toBe('Exc>>warn');
      expect(s.proceedWith('6 * 7', 0)).toBeNull();
    });
    expect(stops).toBe(1);
    expect(outcome.text).toBe('#(42 1)');
    // Proceeding with no value resumes it with nil; with no debugger it answers nil too.
    expect(debug(b, 'Exc new warn', (s) => s.proceed()).outcome.text).toBe('#(nil 1)');
    expect(value(b, 'Exc new warn')).toBe('#(nil 1)');
  });

  it('abandoning at a Warning ends the evaluation with it', () => {
    const { outcome } = debug(b, 'Exc new warn', (s) => s.abandon());
    expect(outcome.kind).toBe('error');
    expect(outcome.text).toContain('Warning: careful');
  });

  it('a halt resumed with a value answers it from the halt', () => {
    expect(debug(b, 'Exc new stop', (s) => { expect(s.proceedWith('41', 0)).toBeNull(); }).outcome.text).toBe('42');
    // An expression that fails is said, and the session waits for another decision.
    const { outcome, stops } = debug(b, 'Exc new stop', (s, n) => {
      if (n === 0) {
        expect(s.proceedWith('nil frobnicate', 0)).toContain('nil does not understand #frobnicate');
        expect(s.resolution).toBeNull();
        expect(s.proceedWith('1', 0)).toBeNull();
      }
    });
    expect(stops).toBe(1);
    expect(outcome.text).toBe('2');
  });

  it('signalerContext is the frame that signalled, for Error new signal: and Error signal: alike', () => {
    expect(value(b, '[Exc new sig] on: Error do: [:e | e signalerContext printString]')).toBe("'Exc>>sig'");
    expect(value(b, '[Exc new sigClass] on: Error do: [:e | e signalerContext printString]')).toBe("'Exc>>sigClass'");
    expect(value(b, '[Exc new sig] on: Error do: [:e | e signalerContext receiver class name]')).toBe('#Exc');
    expect(value(b, '[Error signal] on: Error do: [:e | e signalerContext printString]')).toBe("'[] in a DoIt'");
    expect(value(b, '[3 // 0] on: ZeroDivide do: [:e | e signalerContext printString]')).toBe("'Integer>>divideByZero'");
    // Once the handler has returned, the signal's frame is gone.
    expect(value(b, '([Exc new sig] on: Error do: [:e | e]) signalerContext')).toBe('nil');
  });

  it('return:, retry, resume:, pass and outer in a handler stopped at a halt behave after proceed as they do with no halt', () => {
    const cases: [string, string][] = [
      ["[1 // 0. 5] on: ZeroDivide do: [:e | self halt. e return: 7]", '7'],
      ["| n | n := 0. [n := n + 1. n < 3 ifTrue: [1 // 0]. n] on: ZeroDivide do: [:e | self halt. e retry]", '3'],
      ["[(Warning signal: 'w') + 1] on: Warning do: [:e | self halt. e resume: 41]", '42'],
      ["[[1 // 0. 5] on: ZeroDivide do: [:e | self halt. e pass]] on: ZeroDivide do: [:e | e return: 9]", '9'],
      ["[[(Warning signal: 'w') + 100] on: Warning do: [:e | self halt. e outer + 1]] on: Warning do: [:e | e resume: 10]", '11'],
    ];
    for (const [source, answer] of cases) {
      // Without the halt, the same answer.
      expect(value(b, source.replace('self halt. ', '')), source).toBe(answer);
      let stops = 0;
      const { outcome } = debug(b, source, (s) => {
        stops++;
        expect(s.message).toBe('Halt');
        // Evaluating in the handler's frame changes nothing the handler sees.
        expect(s.evaluate('e class name', frameNamed(s, s.frames[0].name)).ok).toBe(true);
        s.proceed();
      });
      expect(outcome.text, source).toBe(answer);
      expect(stops, source).toBeGreaterThan(0);
    }
  });

  it('outer answers the outer handler\'s resumption in the handler that sent it (ANSI); pass resumes the signal', () => {
    expect(value(b, "[[(Warning signal: 'a') + 100] on: Warning do: [:e | e outer + 1]] on: Warning do: [:e | e resume: 10]")).toBe('11');
    expect(value(b, "[[(Warning signal: 'a') + 100] on: Warning do: [:e | e pass + 1]] on: Warning do: [:e | e resume: 10]")).toBe('110');
    // Unhandled outside, outer answers the default action's nil.
    expect(value(b, "[(Warning signal: 'a') + 100] on: Warning do: [:e | e outer]")).toBe('nil');
    // Not resumable: outer is pass.
    expect(value(b, "[[Error signal: 'a'. 5] on: Error do: [:e | e outer. 7]] on: Error do: [:e | e return: 9]")).toBe('9');
    // After outer the handler is the inner one again: its return: returns from the inner on:do:.
    expect(value(b, "[[(Warning signal: 'a') + 100] on: Warning do: [:e | e outer. e return: 3]] on: Warning do: [:e | e resume: 10]")).toBe('3');
    expect(value(b, "| n | n := 0. [[n := n + 1. n < 3 ifTrue: [Error signal: 'again']. n] on: Error do: [:e | e retry]] value")).toBe('3');
  });
});
