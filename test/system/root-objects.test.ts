/*
 * The root objects behave as objects, in both back ends: VM, Memory, CPU and ALU print,
 * compare, answer their class and superclass (bootstrap/system/object.bedrock defines that
 * protocol on VM, the root, as Pharo does on ProtoObject), and the usual walk up the
 * superclass chain ends at nil from any class. What they inherit is sent to them like any
 * method; only their own primitives work on the accumulator.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem } from '../support/system.ts';

describe.each(['native', 'threaded'] as const)('VM, Memory, CPU and ALU as objects, %s', (backend) => {
  let b: Bedrock;
  beforeAll(() => {
    const booted = bootSystem({ backend });
    if (typeof booted === 'string') throw new Error(booted);
    b = booted;
  });
  const run = (source: string): string[] => b.run(source);

  it('print themselves, alone and in collections', () => {
    expect(run('Memory\nCPU\nALU\nVM\nMemory printString\n{Memory. CPU. ALU. VM}\nMemory displayString\nALU name'))
      .toEqual(['Memory', 'CPU', 'ALU', 'VM', "'Memory'", 'an Array(Memory CPU ALU VM)', "'Memory'", '#ALU']);
  });

  it('compare with ==, =, ~=, ~~ and isNil, and hash as they compare', () => {
    expect(run('Memory == Memory\nMemory == CPU\nMemory = Memory\nALU = CPU\nALU ~= CPU\nVM ~~ VM\nALU isNil\nCPU notNil\nMemory hash = Memory hash'))
      .toEqual(['true', 'false', 'true', 'false', 'true', 'false', 'false', 'true', 'true']);
    expect(run('(Set new add: Memory; add: CPU; add: Memory; yourself) size')).toEqual(['2']);
    expect(run('Memory yourself == Memory')).toEqual(['true']);
  });

  it('answer their class (each is its own) and superclass (VM, and nil above VM)', () => {
    expect(run('Memory class\nVM class\nMemory superclass\nCPU superclass\nALU superclass\nVM superclass\nObject superclass'))
      .toEqual(['Memory', 'VM', 'VM', 'VM', 'VM', 'nil', 'VM']);
  });

  it('the walk up the superclass chain ends at nil from any class', () => {
    const walk = (start: string): string =>
      run(`| c names | c := ${start}. names := OrderedCollection new. [c isNil] whileFalse: [names add: c name. c := c superclass]. names asArray`)[0];
    expect(walk('3 class')).toBe('#(#SmallInteger #Integer #Number #Magnitude #Object #VM)');
    expect(walk('Memory')).toBe('#(#Memory #VM)');
    expect(walk('ALU class')).toBe('#(#ALU #VM)');
    expect(walk('OrderedCollection')).toMatch(/^#\(#OrderedCollection .*#Object #VM\)$/);
    expect(walk('3 class class')).toMatch(/^#\(#'SmallInteger class' .*#Object #VM\)$/);
  });

  it('an ordinary object still does not understand what only behaviours answer', () => {
    expect(b.evaluate('Object new superclass')[0].text).toBe('an Object does not understand #superclass');
    expect(b.evaluate('3 name')[0].text).toBe('3 does not understand #name');
  });
});
