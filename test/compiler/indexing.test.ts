/*
 * Array at: and at:put: inlined by the native back end (kernel/objects/indexing.ts): random
 * receivers (Arrays of several sizes, an Array subclass with an at: of its own, an
 * OrderedCollection, a String, nil, a number) and random indexes (inside, 0, -1, past the end,
 * a Float, nil, a LargeInteger) against the threaded back end, which sends every at:; answers,
 * errors and the elements left must be the same. And a definition that changes what Array's
 * lookup finds for them is obeyed by code compiled before it, until forget takes it back.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem } from '../support/system.ts';
import { codeOf, guardBytes } from '../support/guards.ts';
import { makeRandom, testSeed } from '../support/random.ts';
import { GUARD_GROUP } from '../../kernel/objects/guards.ts';

const DEFINITIONS = [
  'Array subclass: #Shifted',
  'Shifted at: i -> ^(super at: i) + 100',
  'Object subclass: #Indexer',
  'Indexer get: a at: i -> ^a at: i',
  'Indexer put: v in: a at: i -> ^a at: i put: v',
  'Indexer sum: a -> | s | s := 0. 1 to: a size do: [:i | s := s + (a at: i)]. ^s',
  'Indexer swap: a -> | t | t := a at: 1. a at: 1 put: (a at: a size). a at: a size put: t. ^a',
].join('\n');

const RECEIVERS = ['#(10 20 30)', '(Array new: 5)', '#()', '(Array with: nil with: #x)', '(Shifted new: 3)', '(OrderedCollection new add: 7; add: 8; yourself)', "'abc' copy", 'nil', '42'];
const INDEXES = ['1', '2', '3', '5', '0', '-1', '6', '1.5', 'nil', '(2 raisedTo: 70)', '(2 raisedTo: 32) + 1'];

function boot(backend: 'native' | 'threaded', tier: 'interpret' | 'translate' = 'interpret'): Bedrock {
  const b = bootSystem({ backend, machine: { tier } });
  if (typeof b === 'string') throw new Error(b);
  for (const o of b.run(DEFINITIONS)) expect(o).not.toMatch(/rror|not understand/);
  return b;
}

describe('inlined Array at: and at:put:', () => {
  let native: Bedrock, threaded: Bedrock;
  beforeAll(() => { native = boot('native'); threaded = boot('threaded'); });

  it('answers, fails and stores as the send does, on random receivers and indexes', () => {
    const seed = testSeed();
    console.log(`indexing seed: ${seed} (BEDROCK_SEED replays)`);
    const r = makeRandom(seed);
    const lines: string[] = [];
    for (let n = 0; n < 40; n++) {
      const a = r.pick(RECEIVERS), i = r.pick(INDEXES);
      if (r.chance(0.5)) lines.push(`Indexer new get: ${a} at: ${i}`);
      else lines.push(`| a | a := ${a}. {Indexer new put: #v in: a at: ${i}. a}`);
    }
    lines.push('Indexer new sum: #(1 2 3 4)', 'Indexer new swap: #(1 2 3) copy', '| s | s := Shifted new: 2. s at: 1 put: 0; at: 2 put: 0. Indexer new sum: s');
    const want = threaded.run(lines.join('\n'));
    const got = native.run(lines.join('\n'));
    got.forEach((o, n) => expect(o, `${lines[n]} (seed ${seed})`).toBe(want[n]));
    expect(got).toHaveLength(want.length);
    expect(got.slice(-3)).toEqual(['10', '#(3 2 1)', '200']);
  });

  it('inlines them behind a guard, with no send on the fast path', () => {
    const [text] = native.run('Indexer see: #get:at:');
    expect(text).toMatch(/cmp r8, \d+\n.*\{disp32\} jne /);
    expect(guardBytes(native, codeOf(native, 'Indexer', 'swap:'), GUARD_GROUP.INDEXING)).toEqual(['f 85', 'f 85', 'f 85', 'f 85']);
  });
});

describe.each(['interpret', 'translate'] as const)('a definition of Array at: reaches every inlined copy (tier %s)', (tier) => {
  let b: Bedrock;
  beforeAll(() => { b = boot('native', tier); });

  it('switches code compiled before it and back at forget; a subclass\'s definition switches nothing', () => {
    const get = codeOf(b, 'Indexer', 'get:at:');
    expect(b.run('Indexer new get: #(5 6) at: 2')).toEqual(['6']);
    expect(b.run('Smalltalk mark: #sub\nShifted at: i put: v -> ^#sub\nIndexer new put: 1 in: (Shifted new: 1) at: 1')).toEqual(['Smalltalk', 'Shifted>>at:put:', '#sub']);
    expect(guardBytes(b, get, GUARD_GROUP.INDEXING)).toEqual(['f 85']);
    expect(b.run(`Smalltalk forget: #sub\nSmalltalk mark: #mine\nArrayedCollection at: i -> ^#collection\nIndexer new get: #(5 6) at: 2`))
      .toEqual(['Smalltalk', 'Smalltalk', 'ArrayedCollection>>at:', '6']);
    expect(b.run('Array at: i -> ^#mine\nIndexer new get: #(5 6) at: 2\nIndexer new put: 3 in: (Array new: 1) at: 1')).toEqual(['Array>>at:', '#mine', '3']);
    expect(guardBytes(b, get, GUARD_GROUP.INDEXING)).toEqual(['90 e9']);
    expect(b.run('Smalltalk forget: #mine\nIndexer new get: #(5 6) at: 2')).toEqual(['Smalltalk', '6']);
    expect(guardBytes(b, get, GUARD_GROUP.INDEXING)).toEqual(['f 85']);
  });

  it('a method running when the definition is made answers the newest definition for the rest of its run', () => {
    b.run([
      'Object subclass: #Walker',
      "Walker run: k -> | n a | n := 0. a := #(1). 1 to: 100 do: [:i | i = k ifTrue: [Array compile: 'at: i ^1000']. n := n + (a at: 1)]. ^n",
    ].join('\n'));
    expect(b.run('(1 to: 40) inject: 0 into: [:s :j | s + (Walker new run: 0)]')).toEqual([String(40 * 100)]);
    if (tier === 'translate') expect(b.kernel.machine.cacheOf(codeOf(b, 'Walker', 'run:'))!.translation).not.toBeNull();
    expect(b.run('Smalltalk mark: #walking\nWalker new run: 51')).toEqual(['Smalltalk', String(50 + 50 * 1000)]);
    expect(b.run('Smalltalk forget: #walking\nWalker new run: 0')).toEqual(['Smalltalk', '100']);
  });
});
