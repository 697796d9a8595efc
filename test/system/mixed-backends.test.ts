/*
 * Code of both back ends in one system, as `bedrock --backend threaded` on an image the native
 * back end made (and the other way round): an exception's handler escapes, a non-local return
 * and a machine fault caught by on:do: go back to threaded code through native methods (and
 * native code through threaded ones), with the frame, pair index and return address the
 * caller had (Kernel>>unwind restores them for a native home: layout.ts HOME_SAVED).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/compiler/compiler.ts';
import { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem } from '../support/system.ts';

const CASES: readonly [string, string][] = [
  ["[Error signal: 'x'] on: Error do: [:e | e messageText]", "'x'"],
  ["[Error signal: 'x'. 5] on: Error do: [:e | e return: 7]", '7'],
  ["| log | log := OrderedCollection new. [[Error signal: 'y'] ensure: [log add: 1]] on: Error do: [:e | log add: 2]. log", 'an OrderedCollection(2 1)'],
  ['[#() first] on: Error do: [:e | e class name]', '#CollectionIsEmpty'],
  ['[1/0] on: ZeroDivide do: [:e | e class name]', '#ZeroDivide'],
  ['| log | log := OrderedCollection new. [[Memory at: 16rFFFFFFFFF] ensure: [log add: 1]] on: Error do: [:e | log add: e class name]. log', 'an OrderedCollection(#BoundsFault 1)'],
  ['[Mixed new peek] on: BoundsFault do: [:e | e kind]', '#Bounds'],
  ['Mixed new find', '20'],
  ['(1 to: 3) inject: 0 into: [:a :x | [x = 2 ifTrue: [Error signal]. a + x] on: Error do: [:e | a + 10]]', '14'],
];

describe.each([['native', 'threaded'], ['threaded', 'native']] as const)('the library compiled %s, code compiled %s', (library: Backend, code: Backend) => {
  let b: Bedrock;
  beforeAll(() => {
    const booted = bootSystem({ backend: library });
    if (typeof booted === 'string') throw new Error(booted);
    b = Bedrock.resume(booted.kernel, { backend: code });
    b.run('Object subclass: #Mixed\nMixed peek -> ^Memory at: 16rFFFFFFFFF\nMixed find -> #(1 2 3) do: [:x | x = 2 ifTrue: [^x * 10]]. ^0');
  });

  it.each(CASES)('%s', (source, answer) => {
    expect(b.run(source)).toEqual([answer]);
    // And the system goes on.
    expect(b.run('3 + 4')).toEqual(['7']);
  });
});
