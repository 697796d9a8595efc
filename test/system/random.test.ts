/*
 * Random (bootstrap/system/random.bedrock): a seeded generator written in Bedrock. The same
 * seed gives the same numbers (the Park-Miller sequence, checked against the generator
 * computed here); next is a Float in [0, 1); nextInt: and between:and: stay in range and reach
 * every value; and tokenize: (GNU Smalltalk's, regex.bedrock) splits on a pattern. Both back ends.
 */
import { describeCases, type Case } from './cases.ts';

/** The first steps of the minimal standard generator from seed s (as setSeed: keeps it). */
function parkMiller(seed: number, n: number): number[] {
  let s = BigInt((Math.abs(seed) % 2147483646) + 1);
  const out: number[] = [];
  for (let i = 0; i < n; i++) { s = (s * 16807n) % 2147483647n; out.push(Number(s)); }
  return out;
}

const steps = parkMiller(42, 4);
const CASES: readonly Case[] = [
  ['the same seed gives the same numbers', [
    '| r | r := Random seed: 42. {r step. r step. r step. r step}',
    '(Random seed: 42) next = (Random seed: 42) next',
    '(Random seed: 42) next = (Random seed: 43) next',
    '| a b | a := Random new seed: 7. b := Random seed: 7. (a next: 5) = (b next: 5)',
  ].join('\n'), [`#(${steps.join(' ')})`, 'true', 'false', 'true']],
  ['next is a Float in [0, 1)', [
    '| r | r := Random seed: 1. ((1 to: 500) collect: [:i | r next]) allSatisfy: [:x | x isFloat and: [x >= 0 and: [x < 1]]]',
    '| r s | r := Random seed: 5. s := 0. 1000 timesRepeat: [s := s + r next]. (s / 1000) between: 0.45 and: 0.55',
    'Random new next < 1',
  ].join('\n'), ['true', 'true', 'true']],
  ['integers in a range, every value reached', [
    '| r xs | r := Random seed: 3. xs := (1 to: 600) collect: [:i | r between: 1 and: 6]. {xs min. xs max. xs asSet size}',
    '| r xs | r := Random seed: 9. xs := (1 to: 300) collect: [:i | r nextInt: 10]. {xs min. xs max}',
    '| r | r := Random seed: 11. ((1 to: 100) collect: [:i | r between: -3 and: -1]) asSet size',
    '(Random seed: 4) nextInt: 0',
    '#(1 2 3 4 5) shuffled asSortedCollection asArray',
    '10 atRandom between: 1 and: 10',
  ].join('\n'), ['#(1 6 6)', '#(1 10)', '3', /nextInt: takes a positive integer/, '#(1 2 3 4 5)', 'true']],
  ['tokenize:', [
    "'a, b, c' tokenize: ', '", "'hello  world' tokenize: ' '", "'abc' tokenize: ','", "'' tokenize: ','",
  ].join('\n'), ["#('a' 'b' 'c')", "#('hello' '' 'world')", "#('abc')", '#()']],
];

describeCases('Random', CASES);
