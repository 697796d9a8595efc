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
  ['FloatD, FloatE and FloatQ name Float; 1.0e, 1.0d and 1.0q are Floats', [
    'FloatD == Float', 'FloatE infinity', 'FloatQ pi', '(1.0e raisedTo: 1) class', '1.0q + 1.0d', '(1/4) asFloatD',
    '3 asFloatE class', 'FloatD nan isNaN',
  ].join('\n'), ['true', 'Float infinity', '3.141592653589793', 'Float', '2.0', '0.25', 'Float', 'true']],
  ['the binary form of a Float: exponent, timesTwoPower:, successor, predecessor, fromBytes:', [
    '4523.234 exponent', '1.0 exponent', '0.75 exponent', '(1.0 timesTwoPower: 10)', '(3.0 timesTwoPower: -1)',
    '(1.0 timesTwoPower: 1024)', '(1.0 timesTwoPower: -1074) = (Float fromBits: 1)', '(1.0 timesTwoPower: -1076)',
    '(Float fmax timesTwoPower: -1023) timesTwoPower: 1023', '1.0 successor - 1.0 = Float epsilon', '0.0 successor = (Float fromBits: 1)',
    '-1.0 predecessor < -1.0', 'Float infinity successor', 'FloatD fromBytes: #[64 36 0 0 0 0 0 0]', '1.0 timesTwoPower: (1/2)',
  ].join('\n'), ['12', '0', '-1', '1024.0', '1.5', 'Float infinity', 'true', '0.0', '1.7976931348623157e308', 'true', 'true',
    'true', 'Float infinity', '10.0', /timesTwoPower: needs an integer/]],
  ['negative zero is negative, not positive, as GNU Smalltalk says', [
    '(0.0 * -1) positive', '(0.0 * -1) negative', '0.0 positive', '0.0 negative', '0.0 strictlyPositive', 'Float nan positive', 'Float nan negative',
  ].join('\n'), ['false', 'true', 'true', 'false', 'false', 'false', 'false']],
  ["'10.0e+1' asNumber: an exponent may have a + sign", [
    "'10.0e+1' asNumber", "'1e+1' asNumber", "'2.5e+0' asNumber", "'1e+' asNumber",
  ].join('\n'), ['100.0', '10', '2.5', /is not a number/]],
  ['Smalltalk removeKey: makes a global undefined again', [
    'Smalltalk at: #GstGone put: 3', 'GstGone + 1', 'Smalltalk removeKey: #GstGone', 'Smalltalk includesKey: #GstGone',
    'Smalltalk at: #GstGone ifAbsent: [0]', 'Smalltalk removeKey: #GstGone', 'Smalltalk removeKey: #GstGone ifAbsent: [#none]',
    'Smalltalk at: #GstGone put: 5', 'GstGone', 'Smalltalk at: #GstGone ifAbsentPut: [6]', 'Smalltalk at: #GstGone2 ifAbsentPut: [7]',
  ].join('\n'), ['3', '4', '3', 'false', '0', /there is no global named #GstGone/, '#none', '5', '5', '5', '7']],
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
