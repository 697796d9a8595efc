/*
 * Machine faults are exceptions (kernel/objects/faults.ts, bootstrap/system/exception.bedrock),
 * in both back ends: a Bounds, Tag, DivideError or InvalidOpcode fault, and a StackOverflow at
 * the stack's limit, signal a MachineFault subclass that on:do: catches, carrying the fault's
 * kind, code object, offset, instruction and registers; a handler's escape runs the pending
 * ensure: and ifCurtailed: blocks; a fault nothing handles runs them too and ends the
 * evaluation with the fault's own words and the methods that were running; an interrupt or
 * a step limit runs them on its way out; `self halt` signals a resumable Halt.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from '../../src/lang/parser.ts';
import { Bedrock, type Outcome } from '../../src/system/bedrock.ts';
import { bootSystem } from '../support/system.ts';

describe.each(['native', 'threaded'] as const)('machine faults as exceptions, %s', (backend) => {
  let b: Bedrock;
  beforeAll(() => {
    const booted = bootSystem({ backend, steps: 20_000_000 });
    if (typeof booted === 'string') throw new Error(booted);
    b = booted;
    b.run("Object subclass: #Poker\nPoker poke -> Memory at: 16rCAFEBABE; put: 7\nPoker peek -> ^Memory at: 16rFFFFFFFFF\nSmalltalk at: #Log put: nil");
  });
  const one = (source: string): Outcome => {
    const out = b.evaluate(source);
    expect(out, source).toHaveLength(1);
    return out[0];
  };
  const value = (source: string): string => {
    const o = one(source);
    expect(o.kind, `${source}: ${o.text}`).toBe('value');
    return o.text;
  };

  it('on: Error do: and on: BoundsFault do: catch a Bounds fault, which carries the fault', () => {
    expect(value('[Memory at: 16rFFFFFFFFF] on: Error do: [:e | 7]')).toBe('7');
    expect(value('[Poker new peek] on: BoundsFault do: [:e | {e kind. e class. e description. e instruction. e offset isInteger. e registers size}]'))
      .toBe("an Array(#Bounds BoundsFault 'BoundsFault' 'mov rax, [rdi*8]' true 16)");
    expect(value('[Poker new peek] on: MachineFault do: [:e | e messageText]'))
      .toMatch(/^'Bounds fault at \+0x[0-9a-f]+ \(mov rax, \[rdi\*8\]\): address 0x7ffffffff8 \(cell 68719476735\) is outside memory/);
    // The registers are as the fault found them: rdi holds the address that was out of bounds.
    expect(value('[Poker new peek] on: BoundsFault do: [:e | (e registers at: 8) = 16rFFFFFFFFF]')).toBe('true');
  });

  it('Tag, DivideError and InvalidOpcode faults are exceptions of their own classes', () => {
    b.run('Object jumpTo: n -> mov rax, n; jmp rax\nObject notAnInstruction -> .byte 0xf4');
    expect(value('[nil jumpTo: 5] on: TagFault do: [:e | e kind]')).toBe('#Tag');
    expect(value('[ALU div: 0] on: DivideError do: [:e | e kind]')).toBe('#DivideError');
    expect(value('[nil notAnInstruction] on: InvalidOpcode do: [:e | e kind]')).toBe('#InvalidOpcode');
    expect(value('[nil notAnInstruction] on: ZeroDivide, MachineFault do: [:e | e class]')).toBe('InvalidOpcode');
  });

  it('a handler escaping runs every ensure: and ifCurtailed: block between, innermost first', () => {
    // The handler runs first, above the fault (as in Pharo); its answer unwinds the rest.
    expect(value('Log := OrderedCollection new. [[[Poker new poke] ensure: [Log add: 1]] ifCurtailed: [Log add: 2]] on: Error do: [:e | Log add: 3]. Log'))
      .toBe('an OrderedCollection(3 1 2)');
    // retry and return: work as for any exception.
    expect(value('| n | n := 0. [n := n + 1. n < 3 ifTrue: [Poker new peek]. n] on: BoundsFault do: [:e | e retry]')).toBe('3');
    expect(value('[Poker new peek. 5] on: BoundsFault do: [:e | e return: 9]')).toBe('9');
    // An outer handler gets what an inner one passes, or what it does not handle.
    expect(value('[[Memory at: -1] on: ZeroDivide do: [:e | 1]] on: Error do: [:e | 2]')).toBe('2');
    expect(value('[[Memory at: -1] on: BoundsFault do: [:e | e pass]] on: Error do: [:e | 3]')).toBe('3');
    // Not resumable.
    expect(one('[Memory at: -1] on: BoundsFault do: [:e | e resume: 4]').text).toBe('BoundsFault is not resumable');
  });

  it('a fault nothing handles runs the ensure blocks, and is reported as the fault where it happened', () => {
    const e = one('Log := OrderedCollection new. [[Poker new poke] ensure: [Log add: #ran]] value');
    expect(e.kind).toBe('error');
    expect(e.text).toMatch(/^Bounds fault at \+0x[0-9a-f]+ \(mov \[rdi\*8\], rax\): address 0x657f5d5f0 \(cell 3405691582\) is outside memory/);
    expect(e.kind === 'error' && e.fault?.kind).toBe('Bounds');
    // (The blocks' frames are named as the stack report names them.)
    expect(e.kind === 'error' && e.backtrace).toEqual(['Poker>>poke, in Memory>>put: (inlined)', '[] in a DoIt', 'BlockClosure>>ensure:', '[] in a DoIt', 'a DoIt']);
    expect(value('Log')).toBe('an OrderedCollection(#ran)');
    // A fault inside a handler is a fault of its own.
    expect(one('[Memory at: -1] on: Error do: [:e | ALU div: 0]').text).toMatch(/^DivideError fault at /);
    expect(value('3 + 4')).toBe('7');
  });

  it('past the stack limit, a StackOverflow the program catches, again and again; one while handling one ends the evaluation', () => {
    b.run('Object down: n -> ^n = 0 ifTrue: [0] ifFalse: [1 + (self down: n - 1)]\nSmalltalk stackLimit: 100000');
    expect(value('[nil down: 1000000] on: StackOverflow do: [:e | e messageText]'))
      .toMatch(/^'StackOverflow fault at .*: the stack is at its limit of 100000 cells \(Smalltalk stackLimit: sets it\)'$/);
    expect(value('| n | n := 0. 1 to: 3 do: [:i | [nil down: 1000000] on: StackOverflow do: [:e | n := n + 1]]. n')).toBe('3');
    expect(value('[nil down: 1000] on: StackOverflow do: [:e | 0]')).toBe('1000');
    const e = one('[nil down: 1000000] on: StackOverflow do: [:e | nil down: 1000000]');
    expect(e.text).toMatch(/^StackOverflow fault/);
    expect(value('nil down: 10000')).toBe('10000');
    b.run('Smalltalk stackLimit: 16777216');
  });

  it('an interrupt and a step limit run the ensure blocks on their way out', () => {
    const stopped = one('Log := OrderedCollection new. [[true] whileTrue: [3 + 4]] ensure: [Log add: #limit]');
    expect(stopped.text).toMatch(/^StepLimit fault/);
    expect(value('Log')).toBe('an OrderedCollection(#limit)');
    const running = b.startItem(parse('[[true] whileTrue: [3 + 4]] ifCurtailed: [Log add: #interrupted]').items[0]);
    expect(running.step(10_000)).toBeNull();
    b.kernel.machine.requestInterrupt();
    let o: Outcome | null;
    while ((o = running.step(10_000)) === null) { /* the interrupt arrives at the next check */ }
    expect(o.text).toMatch(/^Interrupted fault/);
    expect(value('Log')).toBe('an OrderedCollection(#limit #interrupted)');
  });

  it('self halt signals a Halt, which a handler may resume; nothing handling it ends the evaluation', () => {
    expect(value('[self halt. 3] on: Halt do: [:e | e resume: 4]')).toBe('3');
    expect(value('[self halt. 3] on: Halt do: [:e | e return: 4]')).toBe('4');
    expect(value('[(self halt: \'why\') + 1] on: Halt do: [:e | e resume: 41]')).toBe('42');
    b.run('Object stopHere -> self halt. ^1');
    const e = one('nil stopHere');
    expect(e.text).toBe('Halt');
    expect(e.kind === 'error' && e.backtrace).toEqual(['Object>>stopHere', 'a DoIt']);
    expect(one('self halt: \'look\'').text).toBe('Halt: look');
  });
});
