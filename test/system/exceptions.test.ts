/*
 * Exceptions as a Smalltalk user relies on them, in both back ends: on:do: catches by class
 * (and subclass), the handler's value is on:do:'s, ensure: blocks run on normal completion,
 * on a non-local return and when a handler unwinds through them; ifCurtailed: runs only when
 * the block does not complete; return:, retry, resume:, pass and nested handlers; errors the
 * system raises (error:, doesNotUnderstand:, division by zero, bounds) are exceptions; and an
 * exception nothing handles ends the evaluation with its own words and a backtrace naming the
 * user's methods, leaving the system usable.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Bedrock } from '../../src/system/bedrock.ts';
import { BACKENDS, boot, describeCases, type Case } from './cases.ts';
import { outcomeLines, outputParts } from '../../src/session/report.ts';

const CASES: readonly Case[] = [
  ['on:do: answers the protected block when nothing is signalled', '[3 + 4] on: Error do: [:e | 0]', ['7']],
  ['a handler answers for on:do:', "[Error signal: 'boom'. 5] on: Error do: [:e | e messageText]", ["'boom'"]],
  ['a handler catches subclasses', '[1 // 0] on: Error do: [:e | e class]\n[1 // 0] on: ZeroDivide do: [:e | e messageText]', ['ZeroDivide', "'division by zero'"]],
  ['a handler for another class lets it through to an outer one',
    '[[1 // 0] on: MessageNotUnderstood do: [:e | #inner]] on: ZeroDivide do: [:e | #outer]', ['#outer']],
  ['the innermost matching handler wins', '[[Error signal] on: Error do: [:e | #inner]] on: Error do: [:e | #outer]', ['#inner']],
  ['a handler block may take no argument', '[Error signal] on: Error do: [42]', ['42']],
  ['return: answers a value from on:do:', '[Error signal. 1] on: Error do: [:e | e return: 2]', ['2']],
  ['error: is an Error', "[nil error: 'bad'] on: Error do: [:e | e messageText]", ["'bad'"]],
  ['doesNotUnderstand: is a MessageNotUnderstood',
    '[3 frobnicate] on: MessageNotUnderstood do: [:e | e message selector]\n[nil foo: 1 bar: 2] on: MessageNotUnderstood do: [:e | e message arguments]\n[3 zork] on: MessageNotUnderstood do: [:e | e receiver]',
    ['#frobnicate', '#(1 2)', '3']],
  ['division by zero in every form is a ZeroDivide',
    '[7 // 0] on: ZeroDivide do: [:e | 1]\n[7 \\\\ 0] on: ZeroDivide do: [:e | 2]\n[7 quo: 0] on: ZeroDivide do: [:e | 3]\n[7 rem: 0] on: ZeroDivide do: [:e | 4]\n[7 / 0] on: ZeroDivide do: [:e | 5]',
    ['1', '2', '3', '4', '5']],
  ['an index out of bounds is an Error', '[#(1 2 3) at: 4] on: Error do: [:e | e messageText]', ["'index 4 is out of bounds for an Array of size 3'"]],
  ['ensure: runs its block after normal completion and answers the protected value',
    '| log | log := OrderedCollection new. {[log add: 1. 10] ensure: [log add: 2]. log asArray}', ['#(10 #(1 2))']],
  ['ensure: runs when a handler unwinds through it',
    '| log | log := OrderedCollection new. [[log add: 1. 1 // 0. log add: 99] ensure: [log add: 2]] on: ZeroDivide do: [:e | log add: 3]. log asArray',
    ['#(1 3 2)']],
  ['ensure: runs on a non-local return through it',
    'Object subclass: #Probe instanceVariableNames: \'log\'\nProbe log -> ^log\nProbe run -> log := OrderedCollection new. [log add: 1. ^#early] ensure: [log add: 2]. ^#late\n| p | p := Probe new. {p run. p log asArray}',
    ['Probe', 'Probe>>log', 'Probe>>run', '#(#early #(1 2))']],
  ['ifCurtailed: runs only when the block does not complete',
    '| log | log := OrderedCollection new. [log add: 1] ifCurtailed: [log add: 2]. log asArray\n| log | log := OrderedCollection new. [[log add: 1. Error signal] ifCurtailed: [log add: 2]] on: Error do: [:e | nil]. log asArray',
    ['#(1)', '#(1 2)']],
  ['retry runs the protected block again',
    '| n | n := 0. [n := n + 1. n < 3 ifTrue: [Error signal]. n] on: Error do: [:e | e retry]', ['3']],
  ['resume: answers a value from signal, for a resumable exception',
    '[(Warning signal: \'careful\') + 1] on: Warning do: [:e | e resume: 41]', ['42']],
  ['an Error cannot be resumed', '[Error signal] on: Error do: [:e | e resume: 1]', [/Error is not resumable/]],
  ['pass hands the exception to the next handler',
    '[[Error signal: \'x\'] on: Error do: [:e | e pass]] on: Error do: [:e | e messageText , \'!\']', ["'x!'"]],
  ['a handler that signals goes to the outer handlers, not itself',
    '[[Error signal: \'one\'] on: Error do: [:e | Error signal: \'two\']] on: Error do: [:e | e messageText]', ["'two'"]],
  ['a signal in a method is caught by a handler in its caller',
    'Probe fail -> ^self error: \'from a method\'\n[Probe new fail] on: Error do: [:e | e messageText]', ['Probe>>fail', "'from a method'"]],
  ['an unhandled Error ends the evaluation with its words; the next line runs',
    "Error signal: 'nobody catches this'\n3 + 4\n1 // 0\nnil foo\n5", ['Error: nobody catches this', '7', 'ZeroDivide: division by zero', 'nil does not understand #foo', '5']],
  ['handlers do not leak from one evaluation into the next',
    "[Error signal: 'one'] on: Error do: [:e | e messageText]\nError signal: 'two'", ["'one'", 'Error: two']],
  // What GNU Smalltalk 3.2.5 answers for each (gst's goodness: the nearest class wins, the first of equals)
  ['on:do:on:do: runs the block of the class nearest the exception',
    "[1/0] on: Error do: [:e | 1] on: ZeroDivide do: [:e | 2]\n[1/0] on: ZeroDivide do: [:e | 1] on: ZeroDivide do: [:e | 2]\n[self error: 'x'] on: Exception do: [:e | 1] on: Error do: [:e | e messageText]\n[nil foo] on: ZeroDivide do: [:e | 7] on: MessageNotUnderstood do: [:e | e return: 8] on: Error do: [:e | 9]\n[nil foo] on: ZeroDivide do: [:e | 7] on: ZeroDivide, MessageNotUnderstood do: [:e | 8] on: Error do: [:e | 9] on: Warning do: [:e | 10]\n[Warning signal: 'w'] on: ZeroDivide do: [:e | 7] on: Error do: [:e | 9] on: Warning do: [:e | 10] on: Exception do: [:e | 11] on: Warning do: [:e | 12]\n[[1/0] on: MessageNotUnderstood do: [:e | 1] on: Warning do: [:e | 2]] on: ZeroDivide do: [:e | 3]",
    ['2', '1', "'x'", '8', '8', '10', '3']],
  ['Warning unhandled answers nil', '(Warning signal: \'w\') isNil', ['true']],
  ['user subclasses of Error carry their own description',
    "Error subclass: #Overdrawn instanceVariableNames: ''\nOverdrawn messageText -> ^'not enough money'\n[Overdrawn new signal] on: Overdrawn do: [:e | e messageText]\nOverdrawn new signal",
    ['Overdrawn', 'Overdrawn>>messageText', "'not enough money'", 'Overdrawn: not enough money']],
  ['an unhandled exception with no text says its class; a text that is no String is displayed (as GNU Smalltalk does)',
    "Error new signal\nZeroDivide new signal\nError signal: 3\nError signal: #sym\n[Error signal: 3] on: Error do: [:e | e messageText]",
    ['Error', 'ZeroDivide', 'Error: 3', 'Error: sym', '3']],
];

describeCases('exceptions', CASES);

describe.each(BACKENDS)('an unhandled error names the methods it came through (%s)', (backend) => {
  let b: Bedrock;
  beforeAll(() => { b = boot(backend); });
  it('lists the user\'s methods innermost first, without the exception machinery', () => {
    b.run('Object subclass: #Teller\nTeller withdraw: n -> ^self check: n\nTeller check: n -> ^100 // n');
    const [o] = b.evaluate('Teller new withdraw: 0');
    expect(o.kind).toBe('error');
    if (o.kind !== 'error') return;
    expect(o.text).toBe('ZeroDivide: division by zero');
    // (SmallInteger>>// is machine code: named by its return address, it has no frame of its own)
    expect(o.backtrace).toEqual(['SmallInteger>>//', 'Teller>>check:', 'Teller>>withdraw:', 'a DoIt']);
  });
  it('folds a deep recursion into one line', () => {
    b.run('Teller down: n -> n = 0 ifTrue: [^nil foo]. ^self down: n - 1');
    const [o] = b.evaluate('Teller new down: 50');
    expect(o.kind === 'error' && o.backtrace).toEqual(['Teller>>down: (×51)', 'a DoIt']);
  });
});

describe.each(BACKENDS)('an unhandled error is told before the ensure: blocks it unwinds run (%s)', (backend) => {
  let b: Bedrock;
  beforeAll(() => { b = boot(backend); });
  it('cuts the Transcript where the error went unhandled, and the report puts the error there', () => {
    const [o] = b.evaluate("Transcript show: 'body '. [[1 // 0] ensure: [Transcript show: 'inner ']] ensure: [Transcript show: 'outer']");
    expect(o.kind).toBe('error');
    expect(outputParts(o)).toEqual({ before: 'body ', after: 'inner outer' });
    // GNU Smalltalk prints the error, then what the ensure blocks write (so does Pharo's debugger)
    const shown = outcomeLines(o).map((l) => l.text);
    expect(shown[0]).toBe('body ');
    expect(shown[1]).toBe('ZeroDivide: division by zero');
    expect(shown[shown.length - 1]).toBe('inner outer');
  });
  it('leaves a handled error and a quiet ensure: alone', () => {
    const [h] = b.evaluate("[[Transcript show: 'a'. 1 // 0] ensure: [Transcript show: 'b']] on: ZeroDivide do: [:e | 7]");
    expect(h.kind === 'value' && h.text).toBe('7');
    expect(outputParts(h)).toEqual({ before: 'ab', after: '' });
    const [e] = b.evaluate("Transcript show: 'x'. nil foo");
    expect(e.kind).toBe('error');
    expect(outputParts(e)).toEqual({ before: 'x', after: '' });
    // the mark of one item does not carry into the next
    const [v] = b.evaluate("Transcript show: 'y'. 3");
    expect(outputParts(v)).toEqual({ before: 'y', after: '' });
  });
});
