/*
 * The inlined control messages (ifTrue:ifFalse:, and:, or:, whileTrue:) take true and false
 * only: anything else is "not a Boolean", a number whose 64 bits are true's or false's address
 * too (its tag says it is a number). Random values through every shape the compiler inlines, on
 * both back ends, checked against a model.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem } from '../support/system.ts';
import { makeRandom, testSeed } from '../support/random.ts';

/** The values: what each is as a Boolean (null: none). */
const VALUES: readonly [string, boolean | null][] = [
  ['true', true], ['false', false], ['nil', null], ['3', null], ['0', null],
  // numbers whose 64 bits are the addresses of true and false: not the objects
  ['true identityHash * 8', null], ['false identityHash * 8', null],
  ['Object new', null], ["'true'", null],
];

/** The methods under test, each with its answer for a Boolean (null: the value is no Boolean). */
const SHAPES: readonly [string, (v: boolean) => string][] = [
  ['branch: v -> ^v ifTrue: [1] ifFalse: [2]', (v) => (v ? '1' : '2')],
  ['negative: v -> ^v ifFalse: [1] ifTrue: [2]', (v) => (v ? '2' : '1')],
  // a value under the top when the branch is taken: the restoring jump
  ['under: v -> ^7 + (v ifTrue: [1] ifFalse: [2])', (v) => (v ? '8' : '9')],
  ['and: v -> ^v and: [#both]', (v) => (v ? '#both' : 'false')],
  ['or: v -> ^v or: [#other]', (v) => (v ? 'true' : '#other')],
  ['while: v -> | n | n := 0. [n < 3 and: [v]] whileTrue: [n := n + 1]. ^n', (v) => (v ? '3' : '0')],
  ['return: v -> v ifTrue: [^#yes]. ^#no', (v) => (v ? '#yes' : '#no')],
];

const selectorOf = (def: string): string => def.split(' ->')[0].split(' ')[0];

describe.each(['native', 'threaded'] as const)('inlined control messages take only true and false (%s)', (backend) => {
  let b: Bedrock;
  beforeAll(() => {
    const booted = bootSystem({ backend, machine: { tier: 'interpret' } });
    if (typeof booted === 'string') throw new Error(booted);
    b = booted;
    const out = b.run(['Object subclass: #Cond', ...SHAPES.map(([d]) => `Cond ${d}`),
      `Smalltalk at: #Values put: {${VALUES.map(([v]) => v).join('. ')}}`].join('\n'));
    expect(out.filter((o) => /error|not understand/i.test(o))).toEqual([]);
  });

  it('agrees with a model on random values', () => {
    const seed = testSeed();
    console.log(`booleans seed: ${seed} (BEDROCK_SEED replays)`);
    const r = makeRandom(seed);
    const lines: string[] = [], expected: (string | RegExp)[] = [];
    for (let n = 0; n < 60; n++) {
      const i = r.below(VALUES.length);
      const [def, want] = SHAPES[r.below(SHAPES.length)];
      lines.push(`Cond new ${selectorOf(def)} (Values at: ${i + 1})`);
      const v = VALUES[i][1];
      expected.push(v === null ? /is not a Boolean/ : want(v));
    }
    const out = b.run(lines.join('\n'));
    expect(out).toHaveLength(expected.length);
    out.forEach((o, n) => {
      const want = expected[n];
      if (typeof want === 'string') expect(o, `${lines[n]} (seed ${seed})`).toBe(want);
      else expect(o, `${lines[n]} (seed ${seed})`).toMatch(want);
    });
  });

  it('a number with the bits of true is not true, in every shape', () => {
    const out = b.run(SHAPES.map(([d]) => `Cond new ${selectorOf(d)} (Values at: 6)`).join('\n'));
    expect(out).toHaveLength(SHAPES.length);
    for (const o of out) expect(o).toMatch(/^\d+ is not a Boolean/);
  });
});
