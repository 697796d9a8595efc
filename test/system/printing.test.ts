/*
 * Streams and the printing protocol (bootstrap/system/stream.bedrock): WriteStream and
 * ReadStream on Strings and Arrays; printOn: / printString / displayString / displayOn: for
 * every kind of value; and what the REPL shows, which is the printString of the result, so a
 * class that overrides printOn: changes it. Every case runs in both back ends.
 */
import { describe, expect, it } from 'vitest';
import { describeCases, boot, BACKENDS, type Case } from './cases.ts';
import { makeRandom, testSeed } from '../support/random.ts';

const CASES: readonly Case[] = [
  // ---- WriteStream
  ['WriteStream on a String', [
    "| w | w := WriteStream on: String new. w nextPutAll: 'Hello'; nextPut: $,; space; print: 42; nextPutAll: ' and '; print: 'q'. w contents",
    "| w | w := WriteStream on: (String new: 100). w nextPutAll: 'abc'. w contents",
    "| w | w := WriteStream on: String new. w contents",
    "| w | w := WriteStream on: String new. w tab; cr; lf; space. w contents asArray collect: [:c | c value]",
    "| w | w := WriteStream on: String new. w << 'x = ' << 42 << ', ' << #sym << ' ' << $c << ' ' << #(1 $a). w contents",
    "| w | w := WriteStream on: String new. w display: 'quoted?'; space; print: 'quoted'. w contents",
    "| w | w := WriteStream with: 'abc'. w nextPutAll: 'def'. w contents",
    "| w | w := WriteStream on: String new. w nextPutAll: 'abc'. w reset. w nextPutAll: 'x'. w contents",
    "| w | w := WriteStream on: String new. w nextPutAll: #symbol. w contents",
    "| w | w := WriteStream on: String new. w space: 3; nextPut: $|. w contents",
    "'hello' writeStream nextPutAll: 'bye'; contents",
  ].join('\n'), ["'Hello, 42 and ''q'''", "'abc'", "''", '#(9 13 10 32)', "'x = 42, sym c #(1 $a)'", "'quoted? ''quoted'''",
    "'abcdef'", "'x'", "'symbol'", "'   |'", "'bye'"]],
  ['WriteStream grows past its collection', [
    '| w | w := WriteStream on: (String new: 2). 1 to: 100 do: [:i | w print: i]. {w contents size. w contents last: 5}',
    "| w | w := WriteStream on: String new. 1 to: 50 do: [:i | w nextPutAll: 'abcdefghij']. w contents size",
    '| w | w := WriteStream on: (String new: 1). 1 to: 300 do: [:i | w nextPut: $x]. w contents size',
  ].join('\n'), ["#(192 '99100')", '500', '300']],
  ['WriteStream on an Array', [
    '| w | w := WriteStream on: (Array new: 0). w nextPut: 1; nextPut: 2; nextPutAll: #(3 4). w contents',
    '| w | w := WriteStream on: Array new. 1 to: 20 do: [:i | w nextPut: i * i]. w contents last',
    "| w | w := WriteStream on: Array new. w << 'ab' << 3. w contents",
  ].join('\n'), ['#(1 2 3 4)', '400', '#($a $b 3)']],
  ['streamContents:', [
    "String streamContents: [:s | s nextPutAll: 'ab'; print: 3]",
    'Array streamContents: [:s | s nextPut: 1; nextPut: 2]',
    "(String new: 5 streamContents: [:s | 10 timesRepeat: [s nextPut: $z]]) size",
  ].join('\n'), ["'ab3'", '#(1 2)', '10']],

  // ---- ReadStream
  ['ReadStream', [
    '| r | r := ReadStream on: #(1 2 3). {r next. r peek. r next. r atEnd. r next. r atEnd. r next. r peek}',
    "| r | r := ReadStream on: 'hello world'. {r upTo: $ . r upToEnd. r atEnd}",
    "| r | r := ReadStream on: 'hello world'. r skip: 6. r upToEnd",
    "| r | r := 'one two' readStream. (r next: 3) , '|' , r upToEnd",
    "| r | r := ReadStream on: 'abc'. r upTo: $z",
    "| r | r := ReadStream on: 'a,b,c'. {r upTo: $,. r upTo: $,. r upTo: $,. r upTo: $,}",
    "| r | r := ReadStream on: '   x'. r skipSeparators. r next",
    "| r | r := ReadStream on: 'abc'. {r peekFor: $a. r peekFor: $z. r next}",
    "| r n | r := ReadStream on: (1 to: 5). n := 0. r do: [:x | n := n + x]. n",
    "| r | r := ReadStream on: 'abc'. r next; next. r position",
    "| r | r := ReadStream on: 'abc'. r next; next. r reset. r next",
    "| r | r := ReadStream on: ''. {r atEnd. r next}",
    "| r | r := ReadStream on: 'abc'. r skip: 10. r atEnd",
  ].join('\n'), ['#(1 2 2 false 3 true nil nil)', "#('hello' 'world' true)", "'world'", "'one| two'", "'abc'",
    "#('a' 'b' 'c' '')", '$x', '#(true false $b)', '15', '2', '$a', '#(true nil)', 'true']],

  // ---- the printing protocol
  ['SmallIntegers print their digits', [
    '42 printString',
    '-42 printString',
    '0 printString',
    '-9223372036854775808',
    '-9223372036854775808 printString',
    '9223372036854775807 printString',
    '255 printString: 16',
    '-255 printString: 2',
    '255 printStringRadix: 16',
    '35 printString: 36',
    '5 printPaddedWith: $0 to: 3',
    '-5 printPaddedWith: $0 to: 4',
    '1234 printPaddedWith: $  to: 2',
    '42 displayString',
    '(2 raisedTo: 70) printString',
    '(2 raisedTo: 70) negated printString: 16',
    '7 printString: 1',
  ].join('\n'), ["'42'", "'-42'", "'0'", '-9223372036854775808', "'-9223372036854775808'", "'9223372036854775807'", "'FF'",
    "'-11111111'", "'16rFF'", "'Z'", "'005'", "'-005'", "'1234'", "'42'", "'1180591620717411303424'", "'-400000000000000000'",
    /Error: cannot print in base 1/]],
  ['every kind of value prints', [
    'true printString',
    'false printString',
    'nil printString',
    '$a printString',
    "'abc' printString",
    '#abc printString',
    'Object new printString',
    'Object printString',
    'Array class printString',
    '(3 -> 4) printString',
    '#(1 $a \'b\' #c nil true) printString',
    '(1 to: 3) printString',
    '(OrderedCollection with: 1 with: #(2)) printString',
    '[:x | x] printString',
    'Character space printString',
    '(Character value: 0) printString',
    '(Character value: 200) printString',
    "$' printString",
  ].join('\n'), ["'true'", "'false'", "'nil'", "'$a'", "'''abc'''", "'#abc'", "'an Object'", "'Object'", "'Array class'",
    "'3->4'", "'#(1 $a ''b'' #c nil true)'", "'(1 to: 3)'", "'an OrderedCollection(1 #(2))'", "'a BlockClosure'",
    "'Character space'", "'Character null'", "'Character value: 200'", "'$'''"]],
  ['displayString shows strings, symbols and characters without their quotes', [
    "'abc' displayString",
    '#abc displayString',
    '#abc displayString class',
    '$a displayString',
    '42 displayString',
    'nil displayString',
    'Object new displayString',
    '#(1 2) displayString',
  ].join('\n'), ["'abc'", "'abc'", 'String', "'a'", "'42'", "'nil'", "'an Object'", "'#(1 2)'"]],
  ['a class prints as a or an and its name, unless it says otherwise', [
    'Object subclass: #Plain',
    'Object subclass: #Apple',
    'Plain new',
    'Apple new',
    'Plain',
    'Plain class',
    '{Plain new. Apple new}',
  ].join('\n'), ['Plain', 'Apple', 'a Plain', 'an Apple', 'Plain', 'Plain class', 'an Array(a Plain an Apple)']],
  ['a class that overrides printOn: changes what the REPL shows, everywhere it is printed', [
    "Object subclass: #Point3 instanceVariableNames: 'x y'",
    'Point3 class x: ax y: ay -> ^self new setX: ax y: ay',
    'Point3 setX: ax y: ay -> x := ax. y := ay',
    'Point3 printOn: aStream -> aStream print: x; nextPutAll: \'@\'; print: y',
    'Point3 x: 3 y: 4',
    '(Point3 x: 3 y: 4) printString',
    '(Point3 x: 3 y: 4) displayString',
    '{Point3 x: 1 y: 2. Point3 x: -3 y: 4}',
    'OrderedCollection with: (Point3 x: 1 y: 2)',
    '((Point3 x: 1 y: 2) -> (Point3 x: 3 y: 4))',
    "| w | w := WriteStream on: String new. w print: (Point3 x: 5 y: 6); nextPutAll: ' and '; << (Point3 x: 7 y: 8). w contents",
    '| d | d := Dictionary new. d at: #p put: (Point3 x: 0 y: 0). d',
  ].join('\n'), ['Point3', 'Point3 class>>x:y:', 'Point3>>setX:y:', 'Point3>>printOn:', '3@4', "'3@4'", "'3@4'",
    'an Array(1@2 -3@4)', 'an OrderedCollection(1@2)', '1@2->3@4', "'5@6 and 7@8'", 'a Dictionary(#p->0@0 )']],
  ['displayOn: and printString can be overridden too', [
    "Object subclass: #Money instanceVariableNames: 'cents'",
    'Money setCents: n -> cents := n',
    'Money printOn: aStream -> aStream nextPutAll: \'Money(\'; print: cents; nextPut: $)',
    'Money displayOn: aStream -> aStream print: cents // 100; nextPut: $.; nextPutAll: (cents \\\\ 100 printPaddedWith: $0 to: 2)',
    '(Money new setCents: 1234)',
    '(Money new setCents: 1234) displayString',
    '| w | w := WriteStream on: String new. w << (Money new setCents: 5). w contents',
    'Object subclass: #Shouty',
    "Shouty printString -> ^'SHOUT'",
    'Shouty new',
  ].join('\n'), ['Money', 'Money>>setCents:', 'Money>>printOn:', 'Money>>displayOn:', 'Money(1234)', "'12.34'", "'0.05'",
    'Shouty', 'Shouty>>printString', 'SHOUT']],
  ['a printOn: that fails leaves the kernel\'s description', [
    'Object subclass: #Broken',
    "Broken printOn: aStream -> self error: 'cannot print'",
    'Broken new',
    '3 + 4',
  ].join('\n'), ['Broken', 'Broken>>printOn:', /^a Broken \(printString failed: .*cannot print/, '7']],
];

describeCases('printing', CASES);

// SmallIntegers print through the machine-code digit loop: random 64-bit values (edges
// included) in random bases, against JavaScript's BigInt, in both back ends.
describe.each(BACKENDS)('SmallInteger printString: base against BigInt (%s)', (backend) => {
  it('random values and bases', () => {
    const seed = testSeed();
    console.log(`printing (${backend}): seed ${seed} (replay with BEDROCK_SEED=${seed})`);
    const r = makeRandom(seed);
    const cases = Array.from({ length: 150 }, () => ({ n: r.int64(), base: r.chance(0.3) ? 10 : 2 + r.below(35) }));
    const b = boot(backend);
    const out = b.run(cases.map(({ n, base }) => (base === 10 ? `${n} printString` : `${n} printString: ${base}`)).join('\n'));
    expect(out, `seed ${seed}`).toEqual(cases.map(({ n, base }) => `'${n.toString(base).toUpperCase()}'`));
  });
});
