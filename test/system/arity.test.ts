/*
 * Sends of any arity, in both back ends (at least the 15 arguments a Smalltalk allows): as
 * sends (ordinary, super, in a cascade, not understood), as primitives (assembly bodies
 * naming more parameters than there are parameter registers, called from code that inlines
 * or applies machine primitives), and as blocks (valueWithArguments:).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem } from '../support/system.ts';

const LETTERS = 'abcdefghijklmno'.split('');
/** `a: a b: b ...` for the first n letters, as a header. */
const header = (n: number): string => LETTERS.slice(0, n).map((l) => `${l}: ${l}`).join(' ');
/** `a: 1 b: 2 ...` for the first n letters, as a message. */
const message = (n: number, value = (i: number): number => i + 1): string => LETTERS.slice(0, n).map((l, i) => `${l}: ${value(i)}`).join(' ');

describe.each(['native', 'threaded'] as const)('sends of any arity, %s', (backend) => {
  let b: Bedrock;
  beforeAll(() => {
    const booted = bootSystem({ backend });
    if (typeof booted === 'string') throw new Error(booted);
    b = booted;
  });

  it('a method of 7 and of 15 arguments is sent to, and sees each argument in its place', () => {
    expect(b.run(`Object ${header(7)} -> ^{a. b. c. d. e. f. g}\nnil ${message(7)}`))
      .toEqual(['Object>>a:b:c:d:e:f:g:', '#(1 2 3 4 5 6 7)']);
    expect(b.run(`Object ${header(15)} -> ^{${LETTERS.join('. ')}}\nnil ${message(15)}`))
      .toEqual(['Object>>a:b:c:d:e:f:g:h:i:j:k:l:m:n:o:', '#(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15)']);
    // From a method (compiled by the back end under test), in a cascade, with a result used after.
    expect(b.run(`Object fifteen -> ^(self ${message(15, (i) => 100 - i)}) first + (self ${message(15)}; ${message(15, (i) => 2 * i)}) last\nnil fifteen`))
      .toEqual(['Object>>fifteen', String(100 + 28)]);
  });

  it('super sends of many arguments', () => {
    expect(b.run(`Object subclass: #Sup\nSup subclass: #Sub\nSup ${header(15)} -> ^a + o\nSub ${header(15)} -> ^(super ${header(15).replace(/(\w): \1/g, '$1: $1')}) * 10\nSub new ${message(15)}`))
      .toEqual(['Sup', 'Sub', 'Sup>>a:b:c:d:e:f:g:h:i:j:k:l:m:n:o:', 'Sub>>a:b:c:d:e:f:g:h:i:j:k:l:m:n:o:', '160']);
  });

  it('a message of 15 arguments nobody understands arrives whole at doesNotUnderstand:', () => {
    expect(b.run(`Object subclass: #Catcher\nCatcher doesNotUnderstand: aMessage -> ^aMessage arguments\nCatcher new ${message(15)}`))
      .toEqual(['Catcher', 'Catcher>>doesNotUnderstand:', '#(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15)']);
  });

  it('a block of 15 arguments, called with valueWithArguments:, and its count checked', () => {
    expect(b.run(`[:${LETTERS.join(' :')} | {${LETTERS.join('. ')}}] valueWithArguments: (1 to: 15) asArray`))
      .toEqual(['#(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15)']);
    expect(b.run('[:a :b :c :d :e :f :g | g - a] valueWithArguments: #(1 2 3 4 5 6 7)\n[3] valueWithArguments: #()')).toEqual(['6', '3']);
    expect(b.evaluate('[:a | a] valueWithArguments: #(1 2)')[0].text).toBe('WrongArgumentCount: this block takes 1 argument, not 2');
    // A ^ inside such a block returns from its home method.
    expect(b.run('Object early -> #(1 2 3 4 5 6) do: [:x | [:a :b :c :d :e :f | a > 0 ifTrue: [^f]] valueWithArguments: #(1 2 3 4 5 6)]. ^0\nnil early'))
      .toEqual(['Object>>early', '6']);
  });

  it('a primitive naming 7 and 15 parameters (those after the fifth on the stack), called from the top level and from a method', () => {
    expect(b.run(`ALU sum${header(7).slice(1)} -> mov rax, a; add rax, b; add rax, c; add rax, d; add rax, e; add rax, f; add rax, g\nALU sum${message(7, (i) => 10 ** i).slice(1)}`))
      .toEqual(['ALU>>sum:b:c:d:e:f:g:', '1111111']);
    expect(b.run(`Object useSum -> ^ALU sum${message(7, (i) => 7 - i).slice(1)}\nnil useSum`)).toEqual(['Object>>useSum', '28']);
    expect(b.run(`ALU pick${header(15).slice(1)} -> mov rax, o; sub rax, a; add rax, f; add rax, n\nALU pick${message(15, (i) => 2 ** i).slice(1)}`))
      .toEqual(['ALU>>pick:b:c:d:e:f:g:h:i:j:k:l:m:n:o:', String(2 ** 14 - 1 + 2 ** 5 + 2 ** 13)]);
    // Three arguments: more than threaded code applies in place.
    expect(b.run('ALU three: a b: b c: c -> mov rax, a; sub rax, c; imul rax, b\nObject useThree: x -> ^ALU three: x b: 10 c: 1\nnil useThree: 5'))
      .toEqual(['ALU>>three:b:c:', 'Object>>useThree:', '40']);
  });
});
