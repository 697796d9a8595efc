/*
 * A message-syntax method answers self unless it returns something else, as in every
 * Smalltalk, also when its body only sends to Memory, CPU or ALU (a "machine method", compiled
 * to a primitive with their code inlined); only an assembly body answers rax. Both back ends.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { disassemble } from '../../kernel/machine/x86/disassembler.ts';
import { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem } from '../support/system.ts';

describe.each(['native', 'threaded'] as const)('what a method answers, %s', (backend) => {
  let b: Bedrock;
  beforeAll(() => {
    const booted = bootSystem({ backend });
    if (typeof booted === 'string') throw new Error(booted);
    b = booted;
  });

  it('a body of messages to Memory answers self, so the answer can be sent to again', () => {
    expect(b.run('Object subclass: #Logger\nLogger log: x -> Memory at: 500; put: x\n(Logger new log: 3) log: 4\nMemory at: 500'))
      .toEqual(['Logger', 'Logger>>log:', 'a Logger', '4']);
  });

  it('a body of a message to ALU answers self, not the accumulator (an address, for an object)', () => {
    expect(b.run('Object subclass: #Poker\nPoker baz -> ALU add: 5\nPoker new baz\nInteger baz -> ALU add: 5\n3 baz'))
      .toEqual(['Poker', 'Poker>>baz', 'a Poker', 'Integer>>baz', '3']);
  });

  it('one that returns the machine\'s answer says so with ^, and an assembly body answers rax', () => {
    expect(b.run('Integer plus5 -> ^ALU add: 5\n3 plus5\nInteger plus6 -> add rax, 6\n3 plus6'))
      .toEqual(['Integer>>plus5', '8', 'Integer>>plus6', '9']);
  });

  it('the answer-self method keeps the primitive inlined, between a push and a pop of the receiver', () => {
    b.run('Object subclass: #Poker2\nPoker2 baz -> ALU add: 5');
    const code = b.compiler.methodCode('Poker2', 'baz')!;
    expect(disassemble(b.kernel.machine.codeBytes(code)).map((l) => l.text)).toEqual(['push rax', 'add rax, 5', 'pop rax', 'ret']);
  });

  it('an ordinary method and a block answer as before', () => {
    expect(b.run('Object subclass: #Plain\nPlain m -> 3 + 4\nPlain new m\nPlain n -> ^3 + 4\nPlain new n\n[3 + 4] value'))
      .toEqual(['Plain', 'Plain>>m', 'a Plain', 'Plain>>n', '7', '7']);
  });
});
