/*
 * The translating tier in a live system: translated code under the stress collector (every
 * allocation collects), a redefinition and a forget while translated code runs and calls the
 * method changed, code patched while its translation is live, and Ctrl-C (the interrupt word,
 * raised from another thread) stopping a translated infinite loop. Each answer must be the
 * interpreter's.
 */
import { describe, expect, it } from 'vitest';
import { TAG_NUM } from '../../kernel/machine/cells.ts';
import { verifyHeap } from '../../kernel/memory/verify.ts';
import { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem } from '../support/system.ts';
import { bytesOf, newMachine } from '../support/machine.ts';

function boot(tier: 'interpret' | 'translate'): Bedrock {
  const saved = process.env.BEDROCK_TIER;
  process.env.BEDROCK_TIER = tier;
  try {
    const b = bootSystem({ backend: 'native' });
    if (typeof b === 'string') throw new Error(b);
    return b;
  } finally {
    if (saved === undefined) delete process.env.BEDROCK_TIER; else process.env.BEDROCK_TIER = saved;
  }
}

const PROGRAM = [
  'Object subclass: #Tree instanceVariableNames: \'left right\'',
  'Tree class depth: n -> ^n = 0 ifTrue: [nil] ifFalse: [self new left: (self depth: n - 1) right: (self depth: n - 1)]',
  'Tree left: l right: r -> left := l. right := r',
  'Tree count -> ^1 + (left isNil ifTrue: [0] ifFalse: [left count]) + (right isNil ifTrue: [0] ifFalse: [right count])',
  'Tree firstOver: k -> self count > k ifTrue: [^self]. ^nil',
  '(Tree depth: 4) count',
  '((1 to: 40) inject: 0 into: [:s :i | s + (i * i) + (i // 7)]) printString',
  '((1 to: 20) collect: [:i | (i / 3) + (1 / (i + 1))]) last',
  '(1 to: 50) detect: [:i | i * i > 999] ifNone: [0]',
  '[:x | [x / 0] on: ZeroDivide do: [:e | e return: x negated]] value: 17',
  '(1 to: 40) inject: 0 into: [:s :i | s + ([:k | k > 20 ifTrue: [^s]. k] value: i)]',
].join('\n');

describe('the translating tier in a live system', () => {
  it('gives the interpreter\'s answers under the stress collector, and the heap verifies', () => {
    const expected = boot('interpret').run(PROGRAM);
    const b = boot('translate');
    b.kernel.heap.stress = true;
    b.kernel.heap.stressMajorEvery = 64;
    let got: string[];
    try {
      got = b.run(PROGRAM);
    } finally {
      b.kernel.heap.stress = false;
    }
    expect(got).toEqual(expected);
    expect(b.kernel.machine.tier!.stats.functions).toBeGreaterThan(20);
    expect(verifyHeap(b.kernel.heap)).toEqual([]);
  });

  it('a redefinition, a mark and a forget reach translated callers, also while they run', () => {
    const b = boot('translate');
    const run = (source: string): string[] => b.run(source);
    run('Integer foo -> ^1\nObject subclass: #T\nT run -> | s | s := 0. 1 to: 1000 do: [:i | s := s + i foo]. ^s');
    expect(run('T new run')).toEqual(['1000']);
    run('Integer foo -> ^2');
    expect(run('T new run')).toEqual(['2000']);
    run('Smalltalk mark: #before');
    run('Integer foo -> ^3');
    expect(run('T new run')).toEqual(['3000']);
    run('Smalltalk forget: #before');
    expect(run('T new run')).toEqual(['2000']);
    // Redefined from inside the loop, halfway: the rest of the calls get the new method.
    run("T change -> | s | s := 0. 1 to: 1000 do: [:i | i = 501 ifTrue: [Integer compile: 'foo ^5']. s := s + i foo]. ^s");
    expect(run('T new change')).toEqual([String(500 * 2 + 500 * 5)]);
    const code = b.kernel.machine.codeCaches().filter(({ cache }) => cache.translation !== null);
    expect(code.length).toBeGreaterThan(0);
  });

  it('a store into code drops its translation, and the new bytes run', () => {
    const m = newMachine({ tier: 'translate' });
    const code = m.loadCode(bytesOf('add rax, 1; ret'));
    m.setRegister(0, 41n, TAG_NUM);
    expect(m.call(code).fault).toBeNull();
    expect(m.register(0)).toBe(42n);
    expect(m.cacheOf(code)!.translation).not.toBeNull();
    m.patchCode(code, 3, 5); // add rax, 5
    m.setRegister(0, 41n, TAG_NUM);
    expect(m.call(code).fault).toBeNull();
    expect(m.register(0)).toBe(46n);
  });

  it('Ctrl-C stops a translated infinite loop within moments', async () => {
    const { Worker } = await import('node:worker_threads');
    const word = new Int32Array(new SharedArrayBuffer(4));
    const m = newMachine({ interrupt: word, tier: 'translate' });
    const code = m.loadCode(bytesOf('xor rax, rax\nlp: add rax, 1\njmp lp'));
    const worker = new Worker('const { workerData } = require("node:worker_threads"); setTimeout(() => Atomics.store(workerData, 0, 1), 200);', { eval: true, workerData: word });
    const started = Date.now();
    const r = m.call(code, { steps: Number.MAX_SAFE_INTEGER });
    await worker.terminate();
    expect(r.fault?.kind).toBe('Interrupted');
    expect(m.tier!.stats.entries).toBeGreaterThan(0);
    expect(m.register(0)).toBeGreaterThan(1_000_000n);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
