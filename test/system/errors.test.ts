/*
 * Errors a user meets, in both back ends: a syntax error, a send to nil, a bounds fault inside
 * a primitive that native code inlined, an infinite loop stopped by the step limit. Each must
 * be one clear message with the methods that were running, and leave the system as usable as
 * before: the next item evaluates, definitions still work, and nothing of the failed item
 * stays behind.
 */
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/compiler/compiler.ts';
import { Bedrock, type Outcome } from '../../src/system/bedrock.ts';
import { bootSystem } from '../support/system.ts';

const BACKENDS: readonly Backend[] = ['native', 'threaded'];

function boot(backend: Backend): Bedrock {
  const b = bootSystem({ backend, steps: 2_000_000 });
  if (typeof b === 'string') throw new Error(b);
  return b;
}

function one(b: Bedrock, source: string): Outcome {
  const out = b.evaluate(source);
  expect(out, source).toHaveLength(1);
  return out[0];
}

/** The system still evaluates, defines and sends after whatever went before. */
function stillUsable(b: Bedrock): void {
  expect(one(b, '3 + 4').text).toBe('7');
  expect(one(b, 'Object afterError -> ^#fine').kind).toBe('defined');
  expect(one(b, 'Object new afterError').text).toBe('#fine');
}

describe.each(BACKENDS)('errors, %s back end', (backend) => {
  it('a syntax error names the line and column, shows a caret, and runs nothing of the item', () => {
    const b = boot(backend);
    one(b, 'Object subclass: #Counter instanceVariableNames: \'n\'');
    const e = one(b, 'Counter bump -> n := n + (1');
    expect(e.kind).toBe('error');
    expect(e.text).toBe("line 1, column 28: expected ')' to close the parenthesis opened at line 1, column 26\n  Counter bump -> n := n + (1\n                             ^");
    expect(one(b, 'Counter includesSelector: #bump').text).toBe('false');
    stillUsable(b);
  });

  it('a send to nil is nil does not understand, with the method that sent it', () => {
    const b = boot(backend);
    one(b, 'Object subclass: #Holder instanceVariableNames: \'thing\'');
    one(b, 'Holder describe -> ^thing describe');
    const e = one(b, 'Holder new describe');
    expect(e.kind).toBe('error');
    expect(e.text).toBe('nil does not understand #describe');
    expect(e.kind === 'error' && e.backtrace).toEqual(['Holder>>describe', 'a DoIt']);
    stillUsable(b);
  });

  it('a variable that is not defined is named, from the user\'s code: the lookup that found nothing is machinery', () => {
    const b = boot(backend);
    one(b, 'Object subclass: #Reader');
    one(b, 'Reader read -> ^NoSuchGlobal + 1');
    const e = one(b, 'Reader new read');
    expect(e.text).toBe('UndeclaredVariableRead: NoSuchGlobal is not defined');
    expect(e.kind === 'error' && e.backtrace).toEqual(['Reader>>read', 'a DoIt']);
    expect(e.kind === 'error' && (e.frames ?? []).map((f) => f.name)).toEqual(['Reader>>read', 'a DoIt']);
    stillUsable(b);
  });

  it('the backtrace names the frames of blocks too, in a method and in the DoIt', () => {
    const b = boot(backend);
    one(b, 'Object subclass: #Walker');
    one(b, 'Walker walk: aCollection -> ^aCollection collect: [:x | 10 // x]');
    const e = one(b, '#(#(1 0)) do: [:each | Walker new walk: each]');
    expect(e.kind === 'error' && e.backtrace).toEqual(['SmallInteger>>//', '[] in Walker>>walk:', 'SequenceableCollection>>collect:', 'Walker>>walk:', '[] in a DoIt', 'SequenceableCollection>>do:', 'a DoIt']);
    stillUsable(b);
  });

  it('a bounds fault inside Memory at:put:, inlined by native code, names the fault, the instruction and the primitive', () => {
    const b = boot(backend);
    one(b, 'Object subclass: #Poker');
    one(b, 'Poker poke -> Memory at: 16rCAFEBABE; put: 7');
    const e = one(b, 'Poker new poke');
    expect(e.kind).toBe('error');
    expect(e.text).toMatch(/^Bounds fault at \+0x[0-9a-f]+ \(mov .*\[rdi\*8\].*\): address 0x657f5d5f0 \(cell 3405691582\) is outside memory/);
    // A method of primitives alone is native code in either back end. The load of at: is dead
    // (put: overwrites rax), so the peephole optimizer removed it: put:'s store faults.
    expect(e.kind === 'error' && e.backtrace).toEqual(['Poker>>poke, in Memory>>put: (inlined)', 'a DoIt']);
    // Sent from a threaded method, the primitive is called, not inlined. (A method of that
    // message alone, ^Memory at: 16rCAFEBABE, would be a primitive itself, native either way.)
    one(b, 'Poker peek -> | a | a := Memory at: 16rCAFEBABE. ^a');
    one(b, 'Poker twice -> ^self peek + 1');
    const f = one(b, 'Poker new twice');
    expect(f.kind === 'error' && f.backtrace).toEqual(
      backend === 'native' ? ['Poker>>peek, in Memory>>at: (inlined)', 'Poker>>twice', 'a DoIt'] : ['Memory>>at:', 'Poker>>peek', 'Poker>>twice', 'a DoIt']);
    stillUsable(b);
  });

  it('an infinite loop stops at the step limit, and the next item has the whole budget again', () => {
    const b = boot(backend);
    const e = one(b, '| n | n := 0. [true] whileTrue: [n := n + 1]');
    expect(e.kind).toBe('error');
    expect(e.text).toMatch(/^StepLimit fault at \+0x[0-9a-f]+ \(.*\): stopped after 2000000 instructions \(the step limit\)$/);
    expect(e.kind === 'error' && e.backtrace).toEqual(['a DoIt']);
    expect(one(b, '| n | n := 0. 1 to: 1000 do: [:i | n := n + i]. n').text).toBe('500500');
    stillUsable(b);
  });

  it('a deep recursion that fails folds its frames, innermost first', () => {
    const b = boot(backend);
    one(b, 'Integer countdown -> self = 0 ifTrue: [^nil boom]. ^(self - 1) countdown');
    const e = one(b, '5 countdown');
    expect(e.text).toBe('nil does not understand #boom');
    expect(e.kind === 'error' && e.backtrace).toEqual(['Integer>>countdown (×6)', 'a DoIt']);
    // The next error's backtrace has nothing left over from this one.
    const f = one(b, '#(1 2 3) at: 10');
    expect(f.kind === 'error' && f.backtrace).toEqual(['Object>>errorSubscriptBounds:', 'Array>>at:', 'a DoIt']);
    stillUsable(b);
  });
});
