/*
 * Blocks as values: closures made at run time, their arguments, the variables they capture
 * (read and written, from any depth), non-local return (^ from a block returns from its home
 * method, even through other methods), and the clear error when the home has returned.
 * Every case runs in both back ends, and again under the stress collector.
 */
import { describe, expect, it } from 'vitest';
import { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem } from '../support/system.ts';
import type { Backend } from '../../src/compiler/compiler.ts';

function run(backend: Backend, source: string): string[] {
  const b = bootSystem({ backend });
  if (typeof b === 'string') throw new Error(b);
  return b.run(source);
}

const CASES: readonly [string, string, readonly (string | RegExp)[]][] = [
  ['a block answers its last statement', '[3 + 4] value\n[] value\n[:x | ] value: 3', ['7', 'nil', 'nil']],
  ['arguments', '[:x | x * 2] value: 21\n[:a :b | a - b] value: 50 value: 8\n[:a :b :c | a + b + c] value: 1 value: 2 value: 3', ['42', '42', '6']],
  ['a captured variable is shared by the method and its blocks', '| n inc | n := 0. inc := [n := n + 1]. inc value. inc value. n', ['2']],
  ['a block outlives its method and keeps its variables',
    'Integer adder -> ^[:x | x + self]\n| add5 | add5 := 5 adder. (add5 value: 10) + (add5 value: 20)', ['Integer>>adder', '40']],
  ['counters made by one method are independent',
    'Integer counter -> | n | n := self. ^[n := n + 1]\n| a b | a := 10 counter. b := 100 counter. a value. a value. b value. (a value * 1000) + b value',
    ['Integer>>counter', '13102']],
  ['blocks nested three deep reach every level',
    '| a | a := 1. [:b | [:c | [:d | a + b + c + d] value: 4] value: 3] value: 2', ['10']],
  ['an inner block writes a variable two levels out',
    '| total | total := 0. [:x | [:y | total := total + (x * y)] value: 3] value: 5. total', ['15']],
  ['an argument captured by a block', 'Integer times: k -> ^[self * k] value\n6 times: 7', ['Integer>>times:', '42']],
  ['^ from a block returns from its home method',
    'Integer check -> [:x | x > 10 ifTrue: [^#big]] value: self. ^#small\n20 check\n5 check', ['Integer>>check', '#big', '#small']],
  ['^ from a nested block, through another method',
    'Integer apply: aBlock -> ^aBlock value: self\nInteger find -> self apply: [:x | [:y | ^y * 2] value: x]. ^0\n21 find',
    ['Integer>>apply:', 'Integer>>find', '42']],
  ['a block whose home has returned cannot ^',
    'Integer escaper -> ^[:x | ^x]\n(3 escaper) value: 4\n5',
    ['Integer>>escaper', /4 cannot be returned: the method \^ would return from has already returned/, '5']],
  ['the wrong number of arguments is a clear error, and a WrongArgumentCount a handler catches', '[:x | x] value\n[3] value: 4\n[[:x | x] value] on: Error do: [:e | e class]\n[[:a :b | a] value: 1] on: WrongArgumentCount do: [:e | e messageText]\n[[:a :b :c :d | a] value: 1 value: 2 value: 3] on: ArgumentsCountMismatch do: [:e | e return: 5]\n#(1 2) collect: [:a :b | a]',
    [/^WrongArgumentCount: this block takes 1 argument, not 0/, /^WrongArgumentCount: this block takes 0 arguments, not 1/, 'WrongArgumentCount', "'this block takes 2 arguments, not 1'", '5',
      /^WrongArgumentCount: this block takes 2 arguments, not 1/]],
  ['blocks in loops see the loop variable', '| sum | sum := 0. 1 to: 4 do: [:i | [sum := sum + i] value]. sum', ['10']],
  ['whileTrue: with a block in a variable is a real send', '| n b | n := 0. b := [n < 3]. [b value] whileTrue: [n := n + 1]. n', ['3']],
];

describe.each(['native', 'threaded'] as const)('blocks (%s)', (backend) => {
  for (const [name, source, expected] of CASES) {
    it(name, () => {
      const out = run(backend, source);
      expect(out.length).toBe(expected.length);
      expected.forEach((e, i) => {
        if (typeof e === 'string') expect(out[i], source).toBe(e); else expect(out[i], source).toMatch(e);
      });
    });
  }
});

describe('blocks under the stress collector', () => {
  it('give the same answers when every allocation collects', () => {
    const source = [
      'Integer adder -> ^[:x | x + self]',
      '| add5 | add5 := 5 adder. (add5 value: 10) + (add5 value: 20)',
      '| a | a := 1. [:b | [:c | [:d | a + b + c + d] value: 4] value: 3] value: 2',
      'Integer apply: aBlock -> ^aBlock value: self',
      'Integer find -> self apply: [:x | [:y | ^y * 2] value: x]. ^0',
      '21 find',
    ].join('\n');
    // The system boots normally; stress starts with the cases (a booted heap is large, so
    // majors are spaced out; every allocation still moves every young object).
    for (const backend of ['native', 'threaded'] as const) {
      const b = bootSystem({ backend });
      if (typeof b === 'string') throw new Error(b);
      b.kernel.heap.stress = true;
      b.kernel.heap.stressMajorEvery = 16;
      const majors = b.kernel.heap.stats.majorCollections;
      expect(b.run(source), backend).toEqual(['Integer>>adder', '40', '10', 'Integer>>apply:', 'Integer>>find', '42']);
      expect(b.kernel.heap.stats.majorCollections - majors).toBeGreaterThan(2);
    }
  });
});
