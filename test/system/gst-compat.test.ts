/*
 * What GNU Smalltalk's own regression tests (tests/*.st in its sources) showed Bedrock lacked,
 * each case the way those tests write it: `_` as assignment, `!Foo methodsFor: 'x'!` after
 * statements and after a comment, to:do: and timesRepeat: answering their receiver, the
 * category a class definition gives, Behavior, asByteArray and asBag on any collection,
 * raisedToInteger:. test/gst/compare.ts measures how many statements of those tests Bedrock
 * answers as gst -r does.
 */
import { describe, expect, it } from 'vitest';
import { describeCases, boot, BACKENDS, type Case } from './cases.ts';
import { readSourceFile } from '../../src/lang/filein.ts';

const CASES: readonly Case[] = [
  ['_ as assignment (Smalltalk-80, GNU Smalltalk), and _ still the last value', [
    '| n f | n _ 10. f _ n factorial. f // 3628800', '| a_b | a_b _ 3. a_b + 1', '[:x | | y | y _ x * 2. y] value: 21',
  ].join('\n'), ['1', '4', '42']],
  ['to:do: and timesRepeat: answer their receiver, as the messages do', [
    '1 to: 3 do: [:i | i]', '5 to: 1 do: [:i | i]', '3 timesRepeat: [nil]', '| b | b := [:i | i]. 1 to: 3 do: b',
    '| s | s := 0. (1 to: 4 do: [:i | s := s + i]) + s',
    '| n | n := 0. 2 timesRepeat: [n := n + 1]. 3 timesRepeat: [n := n + 10]. 1 to: 2 do: [:i | n := n + i]. 1 to: 2 do: [:i | n := n + i]. n',
  ].join('\n'), ['1', '5', '3', '1', '11', '38']],
  ['asByteArray and asBag of any collection; raisedToInteger:', [
    '(65 to: 70) asByteArray', '(65 to: 67) asByteArray asString', '#(1 2 2 3) asBag size', '(#(1 2 2 3) asBag occurrencesOf: 2)',
    "'hello' asBag occurrencesOf: $l", '(1000000000 raisedToInteger: 4) printString size', '#(1 256) asByteArray',
  ].join('\n'), ['#[65 66 67 68 69 70]', "'ABC'", '4', '2', '2', '37', /a ByteArray holds integers from 0 to 255, not 256/]],
  ['Behavior is Behaviour; a class keeps the category or package it was defined in', [
    'Behavior == Behaviour', "Object subclass: #GstCat instanceVariableNames: 'a' classVariableNames: '' package: 'Tests-Gst'",
    'GstCat category', "Object subclass: #GstCat2 instanceVariableNames: '' classVariableNames: '' poolDictionaries: '' category: 'Old style'",
    'GstCat2 category', '(Smalltalk allClasses select: [:c | c == Behaviour]) size',
  ].join('\n'), ['true', 'GstCat', "'Tests-Gst'", 'GstCat2', "'Old style'", '1']],
];

describeCases('GNU Smalltalk compatibility', CASES);

const MIXED = `Eval [ n _ 10. n printNl ]

Object subclass: #GstFoo
	instanceVariableNames: 'a'
	classVariableNames: ''
	package: 'Tests'!

!GstFoo methodsFor: 'x'!
a
    ^a ifNil: [7]! !

"a comment between the chunks"

!GstFoo class methodsFor: 'y'!
make
    ^self new! !

Eval [ GstFoo make a printNl ]

!Integer methodsFor: 'z'!
gstDouble
    ^self * 2! !
Eval [ 21 gstDouble printNl ]
`;

describe.each(BACKENDS)('a file mixing Eval [ ] and chunks, as GNU Smalltalk\'s tests are written (%s)', (backend) => {
  it('reads methodsFor: after a comment and after an Eval, and runs every statement', () => {
    const b = boot(backend);
    const read = readSourceFile(MIXED, 'mixed.st');
    expect(read.error).toBeUndefined();
    const outcomes = read.items.map((item) => b.evaluateItem(item));
    expect(outcomes.filter((o) => o.kind === 'error').map((o) => o.text)).toEqual([]);
    expect(outcomes.map((o) => o.output ?? '').join('')).toBe('10\n7\n42\n');
    expect(b.run('GstFoo category')).toEqual(["'Tests'"]);
  });
});
