/*
 * String = (bootstrap/system/string.bedrock): two instances of String itself are compared in
 * machine code without a send, anything else by equalsString:, the library's general case.
 * Random pairs of strings (empty, short, long, differing in one byte, bytes 0 and 255), their
 * copies, wide strings, Symbols, an instance of a subclass and non-strings, on both back ends,
 * checked against a model and against equalsString:.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem } from '../support/system.ts';
import { makeRandom, testSeed, type Random } from '../support/random.ts';

type Kind = 'string' | 'wide' | 'symbol' | 'sub' | 'other';
interface Value { readonly source: string; readonly kind: Kind; readonly text: string }

/** A Smalltalk expression for a String of these character codes. */
function stringOf(codes: readonly number[]): string {
  return codes.length === 0 ? "''" : `(String withAll: (#(${codes.join(' ')}) collect: [:c | Character value: c]))`;
}

function randomCodes(r: Random): number[] {
  const length = r.pick([0, 1, 2, 3, 7, 8, 9, 16, 40]);
  const alphabet = r.chance(0.5) ? [97, 98] : [0, 97, 98, 122, 255];
  return Array.from({ length }, () => r.pick(alphabet));
}

function randomValue(r: Random, like?: Value): Value {
  // often the same text as another value, or one byte off, so that equal and nearly equal pairs come up
  let codes = like && like.kind !== 'other' ? [...like.text].map((c) => c.charCodeAt(0)) : randomCodes(r);
  if (like && codes.length > 0 && r.chance(0.3)) codes[r.below(codes.length)] = r.pick([0, 97, 99, 255]);
  const text = String.fromCharCode(...codes);
  const plain = codes.every((c) => c >= 97 && c <= 122);
  switch (r.below(8)) {
    case 0: return { source: `${stringOf(codes)} asWideString`, kind: 'wide', text };
    case 1: return plain ? { source: `#${text || 'a'}`, kind: 'symbol', text: text || 'a' } : { source: stringOf(codes), kind: 'string', text };
    case 2: return { source: `(EqStr withAll: ${stringOf(codes)})`, kind: 'sub', text };
    case 3: return r.chance(0.5) ? { source: 'nil', kind: 'other', text: '' } : { source: String(codes.length), kind: 'other', text: '' };
    default: return { source: stringOf(codes), kind: 'string', text };
  }
}

/** What `a = b` answers, for a receiver that is a String (of any kind) or a Symbol. */
function model(a: Value, b: Value): boolean {
  if (a.kind === 'symbol') return b.kind === 'symbol' && a.text === b.text;
  if (b.kind === 'symbol' || b.kind === 'other') return false;
  return a.text === b.text;
}

describe.each(['native', 'threaded'] as const)('String = (%s)', (backend) => {
  let b: Bedrock;
  beforeAll(() => {
    const booted = bootSystem({ backend, machine: { tier: 'interpret' } });
    if (typeof booted === 'string') throw new Error(booted);
    b = booted;
    expect(b.run('String subclass: #EqStr')).toEqual(['EqStr']);
  });

  it('agrees with a model and with equalsString: on random pairs', () => {
    const seed = testSeed();
    console.log(`string equality seed: ${seed} (BEDROCK_SEED replays)`);
    const r = makeRandom(seed);
    const lines: string[] = [], expected: string[] = [];
    for (let n = 0; n < 80; n++) {
      let a = randomValue(r);
      while (a.kind === 'other') a = randomValue(r);
      const c = r.chance(0.6) ? randomValue(r, a) : randomValue(r);
      const want = String(model(a, c));
      lines.push(`${a.source} = ${c.source}`);
      expected.push(want);
      if (a.kind !== 'symbol') {
        lines.push(`${a.source} equalsString: ${c.source}`);
        expected.push(want);
      }
    }
    const out = b.run(lines.join('\n'));
    expect(out).toHaveLength(expected.length);
    out.forEach((o, n) => expect(o, `${lines[n]} (seed ${seed})`).toBe(expected[n]));
  });

  it('a String is equal to its copy and to itself, and not to a longer or shorter one', () => {
    expect(b.run([
      "| s | s := 'hello world, again'. {s = s. s = s copy. s = (s copyWith: $!). (s copyWith: $!) = s. s = (s copyFrom: 1 to: 5). '' = String new}",
    ].join('\n'))).toEqual(['#(true true false false false true)']);
  });
});
