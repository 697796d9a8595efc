/*
 * Regular expressions on Strings (bootstrap/system/regex.bedrock), GNU Smalltalk's protocol:
 * the cases answer what a local gst 3.2.5 answers for them (=~, ~, matchRegex:, the
 * replacements with %1, allOccurrencesOfRegex: and tokenize: with empty matches, as
 * GNU Smalltalk's tests/strings.st has them). Then differential: random patterns (characters,
 * . [ab] [^a] \w, groups, alternation, greedy and lazy repetitions) on random subjects must
 * find the match JavaScript's RegExp finds (same start, same end), seeded, the seed printed.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { describeCases, boot, type Case } from './cases.ts';
import type { Bedrock } from '../../src/system/bedrock.ts';
import { makeRandom, testSeed, type Random } from '../support/random.ts';

const CASES: readonly Case[] = [
  ['searching: =~, ~, matchRegex:, the results', [
    "('hello world' =~ 'w(or)ld') printString", "('hello world' =~ 'w(or)ld') at: 1", "('hello world' =~ 'xyz') printString",
    "('hello world' =~ 'o') from", "('hello world' =~ 'o') to", "('hello world' =~ 'o') match", "'hello world' ~ 'wor'",
    "'hello' matchRegex: 'h.*o'", "'hello' matchRegex: 'h.*l'", "('key: value' =~ '(\\w+): (\\w+)') asArray",
    "('key: value' =~ '(\\w+): (\\w+)') size", "('hello' =~ 'x') ifMatched: [:m | m match] ifNotMatched: ['none']",
    "('hello' =~ 'l') ifMatched: [:m | m match] ifNotMatched: ['none']", "('foo bar' =~ 'o{2}') match", "('foo bar' =~ '^bar') matched",
    "('foo bar' =~ 'bar$') matched", "('foo bar' =~ '\\bbar') matched", "('FOO bar' =~ '[[:upper:]]+') match",
    "('abcabc' =~ '(?:abc)+') match", "('aaa' =~ 'a*?') match", "'hello' indexOfRegex: 'l+'", "'abc' asRegex",
  ].join('\n'), ["'MatchingRegexResults:''world''(''or'')'", "'or'", "'a FailedMatchRegexResults'", '5', '5', "'o'", 'true', 'true',
    'false', "#('key' 'value')", '2', "'none'", "'l'", "'oo'", 'false', 'true', 'true', "'FOO'", "'abcabc'", "''", '(3 to: 4)', "'abc'"]],
  ['replacing, counting, tokenizing, with empty matches as GNU Smalltalk takes them', [
    "'hello world' copyReplacingRegex: 'o' with: '0'", "'hello world' replacingAllRegex: 'o' with: '0'",
    "'hello world' copyReplacingAllRegex: '(l+)' with: '<%1>'", "'hello world' occurrencesOfRegex: 'l'",
    "'abc' copyReplacingAllRegex: 'x*' with: 'x'", "'bac' copyReplacingAllRegex: 'a*' with: 'x'", "'foo' copyReplacingAllRegex: 'o*$' with: 'x'",
    "('axbc' allOccurrencesOfRegex: 'x*') size", "('xaxbxxcx' allOccurrencesOfRegex: 'x*') size", "('fo' allOccurrencesOfRegex: 'o*\\Z') size",
    "' abc def ' tokenize: ' '", "'abc' tokenize: 'x*'", "'axxx' tokenize: 'x*'", "'a,b;c' tokenize: '[,;]'", "'aaa' copyReplacingAllRegex: 'a' with: 'bb'",
    "| s | s := OrderedCollection new. 'hello' allOccurrencesOfRegex: 'l' do: [:m | s add: m from]. s asArray",
  ].join('\n'), ["'hell0 world'", "'hell0 w0rld'", "'he<ll>o wor<l>d'", '3', "'xaxbxcx'", "'xbxcx'", "'fx'", '4', '4', '1',
    "#('' 'abc' 'def')", "#('a' 'b' 'c')", "#('a')", "#('a' 'b' 'c')", "'bbbbbb'", '#(3 4)']],
  ['a pattern that is not one is a clear error', [
    "'a(b' =~ 'a(b'", "'ab' =~ '*a'", "'ab' =~ '[ab'",
  ].join('\n'), [/bad regular expression 'a\(b': missing \)/, /nothing to repeat before \*/, /missing \]/]],
];

describeCases('Regular expressions', CASES);

/** A random pattern of the subset both engines read alike. */
function pattern(r: Random, depth = 0): string {
  const atom = (): string => {
    const k = r.below(depth < 2 ? 9 : 7);
    if (k < 3) return r.pick(['a', 'b', 'c']);
    if (k === 3) return '.';
    if (k === 4) return r.pick(['[ab]', '[^a]', '[a-b]', '\\w']);
    if (k === 5) return r.pick(['a', 'b']);
    if (k === 6) return r.pick(['\\b', 'c']);
    return `(${r.chance(0.5) ? '?:' : ''}${pattern(r, depth + 1)})`;
  };
  const piece = (): string => {
    const a = atom();
    if (a === '\\b' || !r.chance(0.5)) return a;
    return a + r.pick(['*', '+', '?', '{1,2}', '{2}']) + (r.chance(0.3) ? '?' : '');
  };
  const seq = (): string => Array.from({ length: 1 + r.below(3) }, piece).join('');
  return r.chance(0.25) ? `${seq()}|${seq()}` : seq();
}

describe('regular expressions against JavaScript\'s RegExp (native)', () => {
  let b: Bedrock;
  beforeAll(() => { b = boot('native'); });

  it('random patterns on random subjects find the match RegExp finds', () => {
    const seed = testSeed();
    console.log(`regex: seed ${seed} (replay with BEDROCK_SEED=${seed})`);
    const r = makeRandom(seed);
    const cases: [string, string][] = [];
    for (let i = 0; i < 300; i++) cases.push([pattern(r), Array.from({ length: r.below(9) }, () => r.pick(['a', 'b', 'c', ' '])).join('')]);
    const out = b.run(`({${cases.map(([p, s]) => `{'${p}'. '${s}'}`).join('. ')}} collect: [:p | | m | m := p last =~ p first. m matched ifTrue: [{m from. m to}] ifFalse: [0]]) printString`);
    const got = out[0].slice(3, -2).split(/ (?![^(]*\))/).map((x) => x.replace(/^#/, ''));
    const want = cases.map(([p, s]) => { const m = new RegExp(p).exec(s); return m === null ? '0' : `(${m.index + 1} ${m.index + m[0].length})`; });
    const bad = cases.map(([p, s], i) => ({ p, s, got: got[i], want: want[i] })).filter((c) => c.got !== c.want);
    expect(bad, `seed ${seed}`).toEqual([]);
  }, 120_000);
});
