/*
 * Collections (bootstrap/system/collection.bedrock): the Collection protocol written in terms
 * of do:, SequenceableCollection, Array, OrderedCollection, Interval, Association, Dictionary,
 * Set, sorting, and the errors they give. Every case runs in both back ends.
 */
import { describeCases, type Case } from './cases.ts';
import { makeRandom, testSeed } from '../support/random.ts';

/** An error's report: its class (Error, or the collection error it is: IndexOutOfRange ...) and its text. */
const ERROR = (text: string, kind = 'Error'): RegExp => new RegExp(`${kind}: ${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);

const CASES: readonly Case[] = [
  // ---- the hierarchy
  ['Array and String sit under ArrayedCollection', [
    'Array superclass',
    'String superclass superclass superclass',
    'Symbol superclass',
    'Array class superclass',
    '(OrderedCollection inheritsFrom: Collection) & (Dictionary inheritsFrom: HashedCollection)',
    '#(1 2) isKindOf: SequenceableCollection',
  ].join('\n'), ['ArrayedCollection', 'Collection', 'String', 'ArrayedCollection class', 'true', 'true']],

  // ---- Array
  ['Array literals, construction and printing', [
    '#(1 2 3)',
    '#()',
    'Array with: 1 with: 2 with: 3 with: 4',
    'Array new: 3',
    'Array new: 2 withAll: 7',
    '{1 + 1. #two. $3. \'four\'}',
    '{1. Object new}',
    '#(1 #(2 #(3)) nil true #foo #+ $a \'s\')',
  ].join('\n'), ['#(1 2 3)', '#()', '#(1 2 3 4)', '#(nil nil nil)', '#(7 7)', "#(2 #two $3 'four')", 'an Array(1 an Object)',
    "#(1 #(2 #(3)) nil true #foo #+ $a 's')"]],
  ['Array at:, at:put:, size, first, last', [
    '| a | a := Array new: 3. a at: 2 put: #x. a',
    '#(5 6 7) at: 3',
    '#(5 6 7) size',
    '#(5 6 7) first',
    '#(5 6 7) last',
    '#(5 6 7) at: 9 ifAbsent: [0]',
    '#(1 2) isArray',
  ].join('\n'), ['#(nil #x nil)', '7', '3', '5', '7', '0', 'true']],
  ['enumeration: collect:, select:, reject:, detect:, inject:into:', [
    '#(1 2 3 4) collect: [:x | x * x]',
    '#(1 2 3 4) select: [:x | x even]',
    '#(1 2 3 4) reject: [:x | x even]',
    '#(1 2 3 4) detect: [:x | x > 2]',
    '#(1 2 3 4) detect: [:x | x > 9] ifNone: [#none]',
    '#(1 2 3 4) inject: 0 into: [:sum :x | sum + x]',
    '| r | r := OrderedCollection new. #(1 2 3) do: [:x | r add: x * 10]. r',
    '| s | s := WriteStream on: String new. #(1 2 3) do: [:x | s print: x] separatedBy: [s nextPutAll: \', \']. s contents',
  ].join('\n'), ['#(1 4 9 16)', '#(2 4)', '#(1 3)', '3', '#none', '10', 'an OrderedCollection(10 20 30)', "'1, 2, 3'"]],
  ['testing and counting', [
    '#(1 2 3) includes: 2',
    '#(1 2 3) includes: 5',
    '#() isEmpty',
    '#(1) notEmpty',
    '#(1 2 3) anySatisfy: [:x | x > 2]',
    '#(1 2 3) allSatisfy: [:x | x > 2]',
    '#(1 2 3 4 5) count: [:x | x odd]',
    '#(1 2 1 3 1) occurrencesOf: 1',
    'nil isEmptyOrNil',
    '#() isEmptyOrNil',
    '#(1) isEmptyOrNil',
  ].join('\n'), ['true', 'false', 'true', 'true', 'true', 'false', '3', '3', 'true', 'true', 'false']],
  ['max, min, sum, detectMax:', [
    '#(3 1 4 1 5 9 2 6) max',
    '#(3 1 4 1 5 9 2 6) min',
    '#(3 1 4 1 5 9 2 6) sum',
    '#() sum',
    "#('pear' 'fig' 'banana') detectMax: [:s | s size]",
    "#('pear' 'fig' 'banana') detectMin: [:s | s size]",
  ].join('\n'), ['9', '1', '31', '0', "'banana'", "'fig'"]],
  ['sequenceable protocol', [
    '#(1 2 3) reversed',
    '#(1 2 3) reverse',
    '#(1 2) , #(3 4)',
    '#(1 2 3 4 5) copyFrom: 2 to: 4',
    '#(1 2 3) copyFrom: 3 to: 2',
    '#(1 2 3) copyWith: 4',
    '#(1 2 3 2) copyWithout: 2',
    '#(5 6 7 6) indexOf: 6',
    '#(5 6 7) indexOf: 9',
    '#(1 2 3 2 1) allOccurrencesOf: 2',
    '#(1 2 3) with: #(10 20 30) collect: [:a :b | a + b]',
    '| r | r := OrderedCollection new. #(1 2) with: #(3 4) do: [:a :b | r add: a * b]. r',
    '| r | r := OrderedCollection new. #(a b) doWithIndex: [:e :i | r add: i -> e]. r',
    '| r | r := OrderedCollection new. #(a b) keysAndValuesDo: [:i :e | r add: i -> e]. r',
    '| r | r := OrderedCollection new. #(1 2 3) reverseDo: [:e | r add: e]. r',
    '#(1 2 3 4) first: 2',
    '#(1 2 3 4) last: 2',
    '#(1 2 3 4) allButFirst',
    '#(1 2 3 4 5) copyReplaceAll: #(2 3) with: #(9)',
    '#(1 2 3) isSequenceable',
    '#(1 2 3) beginsWith: #(1 2)',
  ].join('\n'), ['#(3 2 1)', '#(3 2 1)', '#(1 2 3 4)', '#(2 3 4)', '#()', '#(1 2 3 4)', '#(1 3)', '2', '0', '#(2 4)',
    '#(11 22 33)', 'an OrderedCollection(3 8)', 'an OrderedCollection(1->#a 2->#b)', 'an OrderedCollection(1->#a 2->#b)',
    'an OrderedCollection(3 2 1)', '#(1 2)', '#(3 4)', '#(2 3 4)', '#(1 9 4 5)', 'true', 'true']],
  ['= and hash compare contents', [
    '#(1 2 3) = #(1 2 3)',
    '#(1 2 3) == #(1 2 3) copy',
    '#(1 2 3) = #(1 2 4)',
    '#(1 2 3) = #(1 2)',
    '#(1 2 3) hash = #(1 2 3) copy hash',
    '(1 to: 3) = #(1 2 3)',
    '#(1 2 3) = (OrderedCollection withAll: #(1 2 3))',
    '(OrderedCollection withAll: #(1 2 3)) = (OrderedCollection withAll: #(1 2 3))',
    '#(#(1 2) #(3)) = #(#(1 2) #(3))',
  ].join('\n'), ['true', 'false', 'false', 'false', 'true', 'true', 'false', 'true', 'true']],
  ['copies are independent', [
    '| a b | a := #(1 2 3) copy. b := a copy. b at: 1 put: 99. a',
    '| a b | a := OrderedCollection withAll: #(1 2). b := a copy. b add: 3. a size * 10 + b size',
  ].join('\n'), ['#(1 2 3)', '23']],
  ['conversions', [
    '#(3 1 2) asOrderedCollection',
    '(1 to: 4) asArray',
    '#(1 2 2 3 3 3) asSet size',
    '(OrderedCollection with: 1 with: 2) asArray',
    '#(1 2) asArray class',
  ].join('\n'), ['an OrderedCollection(3 1 2)', '#(1 2 3 4)', '3', '#(1 2)', 'Array']],

  // ---- OrderedCollection
  ['OrderedCollection adds and removes at both ends', [
    '| o | o := OrderedCollection new. o add: 1; add: 2; addFirst: 0; addLast: 3. o',
    '| o | o := OrderedCollection new. o add: 1; add: 2; add: 3. {o removeFirst. o removeLast. o}',
    '| o | o := OrderedCollection new. o addAll: #(1 2 3); addAllFirst: #(8 9). o',
    '| o | o := OrderedCollection withAll: #(1 2 3 4). o remove: 3. o',
    '| o | o := OrderedCollection withAll: #(1 2 3). o remove: 7 ifAbsent: [#absent]',
    '| o | o := OrderedCollection withAll: #(1 2 3). o add: 9 beforeIndex: 2. o',
    '| o | o := OrderedCollection withAll: #(1 2 3 4 5). o removeFirst: 2',
    '| o | o := OrderedCollection withAll: #(1 2 3 4 5). o removeLast: 2',
    '| o | o := OrderedCollection withAll: #(1 2 3 4 5). o removeAll: #(2 4). o',
    '| o | o := OrderedCollection withAll: #(5 6 7). o at: 2 put: 60. {o at: 1. o at: 2. o first. o last. o size}',
    '(OrderedCollection new add: 5; yourself) add: 6',
  ].join('\n'), ['an OrderedCollection(0 1 2 3)', 'an Array(1 3 an OrderedCollection(2))', 'an OrderedCollection(8 9 1 2 3)',
    'an OrderedCollection(1 2 4)', '#absent', 'an OrderedCollection(1 9 2 3)', '#(1 2)', '#(4 5)', 'an OrderedCollection(1 3 5)',
    '#(5 60 5 7 3)', '6']],
  ['OrderedCollection grows past its capacity at either end', [
    '| o | o := OrderedCollection new: 2. 1 to: 100 do: [:i | o addLast: i]. {o size. o first. o last. o capacity >= 100}',
    '| o | o := OrderedCollection new: 2. 1 to: 100 do: [:i | o addFirst: i]. {o size. o first. o last}',
    '| o | o := OrderedCollection new. 1 to: 60 do: [:i | o addFirst: i negated. o addLast: i]. {o size. o first. o last. (o at: 60). (o at: 61)}',
    '| o | o := OrderedCollection new. 1 to: 200 do: [:i | o addLast: i]. (1 to: 200) allSatisfy: [:i | (o at: i) = i]',
  ].join('\n'), ['#(100 1 100 true)', '#(100 100 1)', '#(120 -60 60 -1 1)', 'true']],
  ['a queue keeps a small array: adding at one end and removing at the other is amortized O(1)', [
    '| o | o := OrderedCollection new. 1 to: 2000 do: [:i | o addLast: i. o removeFirst]. {o size. o capacity <= 16}',
    '| o | o := OrderedCollection new. 1 to: 5 do: [:i | o addLast: i]. 6 to: 500 do: [:i | o addLast: i. o removeFirst]. {o asArray. o capacity <= 32}',
  ].join('\n'), ['#(0 true)', '#(#(496 497 498 499 500) true)']],
  ['OrderedCollection enumerates in order and answers OrderedCollections', [
    '(OrderedCollection withAll: #(1 2 3)) collect: [:x | x * 2]',
    '(OrderedCollection withAll: #(1 2 3 4)) select: [:x | x > 2]',
    '(OrderedCollection withAll: #(1 2 3)) reversed',
    '(OrderedCollection withAll: #(1 2 3)) , #(4)',
    '(OrderedCollection withAll: #(1 2 3 4)) copyFrom: 2 to: 3',
    '(OrderedCollection withAll: #(3 1 2)) inject: 0 into: [:a :b | a * 10 + b]',
    '(OrderedCollection withAll: #(1 2 3)) indexOf: 3',
  ].join('\n'), ['an OrderedCollection(2 4 6)', 'an OrderedCollection(3 4)', 'an OrderedCollection(3 2 1)',
    'an OrderedCollection(1 2 3 4)', 'an OrderedCollection(2 3)', '312', '3']],
  ['nested collections print inside each other', [
    'OrderedCollection with: #(1 2) with: (OrderedCollection with: #x) with: (Set with: 3)',
    '(1 to: 3) collect: [:i | (1 to: i) asArray]',
    'Array with: (Array with: Object new)',
  ].join('\n'), ['an OrderedCollection(#(1 2) an OrderedCollection(#x) a Set(3))', '#(#(1) #(1 2) #(1 2 3))', 'an Array(an Array(an Object))']],

  // ---- Interval
  ['Intervals', [
    '1 to: 5',
    '(1 to: 10 by: 2)',
    '(1 to: 5) asArray',
    '(1 to: 10 by: 3) asArray',
    '(10 to: 1 by: -3) asArray',
    '(1 to: 0) asArray',
    '(1 to: 0) size',
    '(1 to: 10) size',
    '(0 to: 9 by: 2) size',
    '(1 to: 5) collect: [:i | i * i]',
    '(1 to: 10) select: [:i | i odd]',
    '(1 to: 10) inject: 0 into: [:a :b | a + b]',
    '(1 to: 10 by: 3) last',
    '(1 to: 10 by: 2) includes: 7',
    '(1 to: 10 by: 2) includes: 6',
    '(3 to: 1) isEmpty',
    '(1 to: 4) reversed',
    '(1 to: 3) at: 2',
  ].join('\n'), ['(1 to: 5)', '(1 to: 10 by: 2)', '#(1 2 3 4 5)', '#(1 4 7 10)', '#(10 7 4 1)', '#()', '0', '10', '5',
    '#(1 4 9 16 25)', '#(1 3 5 7 9)', '55', '10', 'true', 'false', 'true', '#(4 3 2 1)', '2']],
  ['to:do:, to:by:do: and timesRepeat: as real messages, with a block in a variable', [
    '| sum b | sum := 0. b := [:i | sum := sum + i]. 1 to: 10 do: b. sum',
    '| r b | r := OrderedCollection new. b := [:i | r add: i]. 10 to: 1 by: -4 do: b. r',
    '| r b | r := OrderedCollection new. b := [:i | r add: i]. 1 to: 10 by: 4 do: b. r',
    '| n b | n := 0. b := [n := n + 1]. 4 timesRepeat: b. n',
    '| r | r := OrderedCollection new. (1 to: 3) do: [:i | r addFirst: i]. r',
    '| r | r := OrderedCollection new. (1 to: 3) reverseDo: [:i | r add: i]. r',
  ].join('\n'), ['55', 'an OrderedCollection(10 6 2)', 'an OrderedCollection(1 5 9)', '4', 'an OrderedCollection(3 2 1)',
    'an OrderedCollection(3 2 1)']],

  // ---- Association and Dictionary
  ['Associations', [
    '(3 -> 4)',
    '(#a -> #(1 2)) value',
    '(#a -> 1) key',
    '(1 -> 2) = (1 -> 2)',
    '(1 -> 2) = (1 -> 3)',
    '((1 to: 2) collect: [:i | i -> i squared])',
  ].join('\n'), ['3->4', '#(1 2)', '#a', 'true', 'false', 'an Array(1->1 2->4)']],
  ['Dictionary basics and printing', [
    '| d | d := Dictionary new. d at: #a put: 1; at: #b put: 2. d',
    '| d | d := Dictionary new. d at: #a put: 1. d at: #a put: 10. {d size. d at: #a}',
    '| d | d := Dictionary new. d at: #a put: 1. {d at: #a ifAbsent: [0]. d at: #z ifAbsent: [0]}',
    '| d | d := Dictionary new. {d at: #k ifAbsentPut: [5]. d at: #k ifAbsentPut: [6]. d size}',
    '| d | d := Dictionary new. d at: 1 put: #one; at: 2 put: #two. {d includesKey: 1. d includesKey: 3. d includes: #two}',
    '| d | d := Dictionary new. d at: 1 put: #one; at: 2 put: #two. {d removeKey: 1. d size. d keys}',
    '| d | d := Dictionary new. d removeKey: #nope ifAbsent: [#none]',
    '| d | d := Dictionary new. d at: 1 put: 10; at: 2 put: 20; at: 3 put: 30. {d keys sort. d values sort. (d inject: 0 into: [:a :v | a + v])}',
    '| d r | d := Dictionary new. d at: 1 put: 10; at: 2 put: 20. r := 0. d keysAndValuesDo: [:k :v | r := r + (k * v)]. r',
    '| d r | d := Dictionary new. d at: 1 put: 10; at: 2 put: 20. r := OrderedCollection new. d associationsDo: [:a | r add: a key]. r asArray sort',
    '| d | d := Dictionary new. d at: 1 put: 10; at: 2 put: 20. d collect: [:v | v + 1]',
    '| d | d := Dictionary new. d at: 1 put: 10; at: 2 put: 20. d select: [:v | v > 15]',
    '| d | d := Dictionary new. d at: #x put: 3. d keyAtValue: 3',
    '| d | d := Dictionary new. d add: (#k -> #v). d associations',
    'Dictionary new',
    '| d | d := Dictionary new. d at: \'x\' put: #(1 2). d',
  ].join('\n'), ['a Dictionary(#a->1 #b->2 )', '#(1 10)', '#(1 0)', '#(5 5 1)', '#(true false true)', '#(#one 1 #(2))', '#none',
    '#(#(1 2 3) #(10 20 30) 60)', '50', '#(1 2)', 'a Dictionary(1->11 2->21 )', 'a Dictionary(2->20 )', '#x', 'an Array(#k->#v)',
    'a Dictionary()', "a Dictionary('x'->#(1 2) )"]],
  ['Dictionary keys are compared with = and hash', [
    "| d | d := Dictionary new. d at: 'apple' put: 1. d at: ('app' , 'le')",
    "| d | d := Dictionary new. d at: 'apple' put: 1. d at: ('app' , 'le') put: 2. {d size. d at: 'apple'}",
    '| d | d := Dictionary new. d at: #(1 2) put: #pair. d at: (Array with: 1 with: 2)',
    '| d | d := Dictionary new. d at: 3 put: #three. d at: 1 + 2',
    '| d | d := Dictionary new. d at: $a put: 1. d at: 97 asCharacter',
    "| d | d := Dictionary new. d at: #abc put: 1. d at: 'abc' ifAbsent: [#notTheSameKey]",
  ].join('\n'), ['1', '#(1 2)', '#pair', '#three', '1', '#notTheSameKey']],
  ['a Dictionary with many keys, colliding hashes and removals', [
    '| d | d := Dictionary new. 1 to: 1000 do: [:i | d at: i put: i * i]. {d size. d at: 777. d capacity >= 1334}',
    '| d | d := Dictionary new. 1 to: 300 do: [:i | d at: i printString put: i]. ((1 to: 300) allSatisfy: [:i | (d at: i printString) = i]) & (d size = 300)',
    '| d | d := Dictionary new. 1 to: 200 do: [:i | d at: i * 1024 put: i]. (1 to: 200) allSatisfy: [:i | (d at: i * 1024) = i]',
    '| d | d := Dictionary new. 1 to: 300 do: [:i | d at: i put: i]. 1 to: 300 by: 2 do: [:i | d removeKey: i]. {d size. (2 to: 300 by: 2) allSatisfy: [:i | (d at: i) = i]. (1 to: 300 by: 2) anySatisfy: [:i | d includesKey: i]}',
    '| d | d := Dictionary new. 1 to: 100 do: [:i | d at: i * 4096 put: i]. 1 to: 100 by: 3 do: [:i | d removeKey: i * 4096]. ((1 to: 100) select: [:i | d includesKey: i * 4096]) size',
    '| d | d := Dictionary new. 1 to: 50 do: [:i | d at: i put: i]. 1 to: 50 do: [:i | d removeKey: i]. 1 to: 50 do: [:i | d at: i + 50 put: i]. {d size. d at: 75}',
  ].join('\n'), ['#(1000 603729 true)', 'true', 'true', '#(150 true false)', '66', '#(50 25)']],

  // ---- Set
  ['Sets', [
    'Set new add: 3; add: 4; add: 3; yourself',
    '(Set withAll: #(1 2 3 2 1)) size',
    '| s | s := Set new. s add: 5. {s includes: 5. s includes: 6}',
    '| s | s := Set withAll: #(1 2 3). s remove: 2. {s size. s includes: 2}',
    '| s | s := Set withAll: #(1 2 3). s remove: 9 ifAbsent: [#none]',
    "| s | s := Set new. s add: 'abc'; add: 'ab' , 'c'; add: #abc. s size",
    '(Set withAll: #(1 2 3 4)) collect: [:x | x \\\\ 2]',
    '| s | s := Set new. 1 to: 500 do: [:i | s add: i \\\\ 100]. s size',
    '| s t | s := Set withAll: #(1 2 3). t := 0. s do: [:x | t := t + x]. t',
    '(Set withAll: #(1 2)) = (Set withAll: #(2 1))',
    'Set new',
  ].join('\n'), ['a Set(3 4)', '3', '#(true false)', '#(2 false)', '#none', '2', 'a Set(0 1)', '100', '6', 'true', 'a Set()']],

  // ---- sorting
  ['sorting', [
    '#(5 3 9 1 7) copy sort',
    '#(5 3 9 1 7) copy sort: [:a :b | a > b]',
    '#(5 3 9 1) sorted',
    '| a | a := #(3 1 2) copy. a sorted. a',
    "#('pear' 'apple' 'fig') sorted: [:a :b | a size <= b size]",
    "#('pear' 'apple' 'fig') asSortedCollection asArray",
    '(OrderedCollection withAll: #(3 1 2)) sort; yourself',
    '#(3 1 2) asSortedCollection',
    '#(3 1 2) asSortedCollection: [:a :b | a >= b]',
    '| s | s := #(10 30) asSortedCollection. s add: 20; add: 5; add: 40. {s asArray. s first. s last. s median}',
    '((1 to: 10) collect: [:i | i \\\\ 3 -> i]) asSortedCollection: [:a :b | a key <= b key]',
    '| a | a := (1 to: 100) asArray reversed. a sort. a = (1 to: 100) asArray',
    '#() sorted',
  ].join('\n'), ['#(1 3 5 7 9)', '#(9 7 5 3 1)', '#(1 3 5 9)', '#(3 1 2)', "#('fig' 'pear' 'apple')", "#('apple' 'fig' 'pear')",
    'an OrderedCollection(1 2 3)', 'a SortedCollection(1 2 3)', 'a SortedCollection(3 2 1)', '#(#(5 10 20 30 40) 5 40 20)',
    'a SortedCollection(0->3 0->6 0->9 1->1 1->4 1->7 1->10 2->2 2->5 2->8)', 'true', '#()']],

  // ---- a user collection
  ['a user class that defines only do: gets the Collection protocol', [
    'Collection subclass: #Countdown instanceVariableNames: \'from\'',
    'Countdown class from: n -> ^self new setFrom: n',
    'Countdown setFrom: n -> from := n',
    'Countdown do: aBlock -> from to: 1 by: -1 do: [:i | aBlock value: i]',
    '| c | c := Countdown from: 4. {c size. c includes: 2. c max. c asArray. c inject: 0 into: [:a :b | a + b]. c isEmpty}',
    'Countdown from: 3',
    '(Countdown from: 3) asOrderedCollection removeFirst',
    '(Countdown from: 5) detect: [:x | x even]',
    '(Countdown from: 0) isEmpty',
    '(Countdown from: 3) sorted',
  ].join('\n'), ['Countdown', 'Countdown class>>from:', 'Countdown>>setFrom:', 'Countdown>>do:', '#(4 true 4 #(4 3 2 1) 10 false)',
    'a Countdown(3 2 1)', '3', '4', 'true', '#(1 2 3)']],

  // ---- errors: clear messages, and the system goes on
  ['errors are clear and the next item still runs', [
    '#(1 2 3) at: 4',
    '#(1 2 3) at: 0 put: 1',
    "#(1 2 3) at: 'x'",
    'OrderedCollection new removeFirst',
    'OrderedCollection new removeLast',
    'OrderedCollection new first',
    '(OrderedCollection with: 1) at: 2',
    '(OrderedCollection with: 1) remove: 7',
    '| d | d := Dictionary new. d at: #missing',
    '| d | d := Dictionary new. d removeKey: #missing',
    'Set new remove: 3',
    'Set new add: nil',
    '#(1 2 3) detect: [:x | x > 5]',
    '#() max',
    '(1 to: 3) at: 4',
    '1 to: 5 by: 0',
    '#(1 2) add: 3',
    '#(1 2 3) copyFrom: 2 to: 7',
    '3 + 4',
  ].join('\n'), [
    ERROR('index 4 is out of bounds for an Array of size 3', 'IndexOutOfRange'),
    ERROR('index 0 is out of bounds for an Array of size 3', 'IndexOutOfRange'),
    ERROR("index 'x' is out of bounds for an Array of size 3", 'IndexOutOfRange'),
    ERROR('this OrderedCollection is empty', 'CollectionIsEmpty'),
    ERROR('this OrderedCollection is empty', 'CollectionIsEmpty'),
    ERROR('this OrderedCollection is empty', 'CollectionIsEmpty'),
    ERROR('index 2 is out of bounds for an OrderedCollection of size 1', 'IndexOutOfRange'),
    ERROR('7 is not in the OrderedCollection', 'NotFound'),
    ERROR('key #missing not found in a Dictionary', 'KeyNotFound'),
    ERROR('key #missing not found in a Dictionary', 'KeyNotFound'),
    ERROR('3 is not in the Set', 'NotFound'),
    ERROR('a Set cannot hold nil'),
    ERROR('no element of this Array satisfies the condition'),
    ERROR('this Array is empty', 'CollectionIsEmpty'),
    ERROR('index 4 is out of bounds for an Interval of size 3', 'IndexOutOfRange'),
    ERROR('the step of an Interval cannot be 0'),
    ERROR('Array does not implement this message'),
    ERROR('index 7 is out of bounds for an Array of size 3', 'IndexOutOfRange'),
    '7',
  ]],
  ['errors can be handled', [
    '[#(1 2 3) at: 10] on: Error do: [:e | e messageText]',
    '[Dictionary new at: #k] on: Error do: [:e | e return: #handled]',
    // By the names Pharo and GNU Smalltalk give them, so a handler written for either catches them.
    '[#(1 2 3) at: 10] on: SubscriptOutOfBounds do: [:e | e class name]',
    '[#(1 2 3) at: 10] on: SystemExceptions.IndexOutOfRange do: [:e | e class name]',
    '[#(1 2 3) at: 10] on: SystemExceptions.InvalidArgument do: [:e | e return: 1]',
    '[Dictionary new at: #k] on: KeyNotFound do: [:e | e class name]',
    '[Dictionary new at: #k] on: SystemExceptions.NotFound do: [:e | e messageText]',
    '[Set new remove: 3] on: NotFound do: [:e | e class name]',
    '[OrderedCollection new removeFirst] on: CollectionIsEmpty do: [:e | e class name]',
    '[#() first] on: SystemExceptions.EmptyCollection do: [:e | e class name]',
    '[SystemExceptions.WrongClass signalOn: 3 mustBe: String] on: SystemExceptions.InvalidValue do: [:e | e messageText]',
  ].join('\n'), ["'index 10 is out of bounds for an Array of size 3'", '#handled', '#IndexOutOfRange', '#IndexOutOfRange', '1', '#KeyNotFound',
    "'key #k not found in a Dictionary'", '#NotFound', '#CollectionIsEmpty', '#CollectionIsEmpty', "'Invalid value 3: must be a String'"]],
];

/**
 * An Array's own at: and at:put: skip its class's format (an Array has no fixed slots); a
 * subclass with instance variables goes the general way. Random sizes and indexes (inside, 0,
 * just past the end, negative, the SmallInteger edges, not a number), checked against a
 * JavaScript array; the seed is in the case's name.
 */
function arrayModelCase(seed: number): Case {
  const r = makeRandom(seed);
  const lines: string[] = ["Array subclass: #PaddedArray instanceVariableNames: 'a b'", 'Smalltalk at: #Probe put: nil'];
  const want: (string | RegExp)[] = ['PaddedArray', 'nil'];
  for (let n = 0; n < 8; n++) {
    const cls = n % 3 === 2 ? 'PaddedArray' : 'Array';
    const size = r.below(6);
    const model: number[] = Array.from({ length: size }, () => 0);
    lines.push(`Smalltalk at: #Probe put: (${cls} new: ${size} withAll: 0). Probe size`); want.push(String(size));
    for (let i = 0; i < 10; i++) {
      const index = r.below(4) === 0 ? r.pick(['0', '-1', String(size + 1), 'SmallInteger minVal', 'SmallInteger maxVal', 'nil', '1.0']) : String(1 + r.below(Math.max(size, 1)));
      const inside = /^\d+$/.test(index) && Number(index) >= 1 && Number(index) <= size;
      const shown = index === 'SmallInteger minVal' ? '-9223372036854775808' : index === 'SmallInteger maxVal' ? '9223372036854775807' : index.replace('.', '\\.');
      const bad = new RegExp(`index ${shown} is out of bounds for an? ${cls} of size ${size}`);
      if (r.chance(0.5)) {
        const v = r.below(1000);
        lines.push(`Probe at: ${index} put: ${v}`); want.push(inside ? String(v) : bad);
        if (inside) model[Number(index) - 1] = v;
      } else {
        lines.push(`Probe at: ${index}`); want.push(inside ? String(model[Number(index) - 1]) : bad);
      }
    }
    lines.push('Probe asArray'); want.push(`#(${model.join(' ')})`);
  }
  return [`Array at: and at:put: against a model (seed ${seed})`, lines.join('\n'), want];
}

/**
 * to:by:do: with a literal step and its block written in place is compiled inline (codegen.ts);
 * it must do what the message does (the same block in a variable): random bounds and steps
 * of both signs, a captured counter, and the answer (the receiver). The seed is in the name.
 */
function toByDoCase(seed: number): Case {
  const r = makeRandom(seed);
  const lines: string[] = [], want: string[] = [];
  for (let n = 0; n < 16; n++) {
    const start = r.below(21) - 10, stop = r.below(21) - 10;
    const step = (r.below(5) + 1) * (r.chance(0.5) ? -1 : 1);
    const values: number[] = [];
    for (let i = start; step > 0 ? i <= stop : i >= stop; i += step) values.push(i);
    const text = `an OrderedCollection(${values.join(' ')})`;
    lines.push(`| o a | o := OrderedCollection new. a := ${start} to: ${stop} by: ${step} do: [:i | o add: i]. {a. o printString}`);
    want.push(`#(${start} '${text}')`);
    lines.push(`| o b | o := OrderedCollection new. b := [:i | o add: i]. ${start} to: ${stop} by: ${step} do: b. o printString`);
    want.push(`'${text}'`);
  }
  return [`to:by:do: inlined agrees with the message (seed ${seed})`, lines.join('\n'), want];
}

describeCases('collections', [...CASES, arrayModelCase(testSeed()), toByDoCase(testSeed() + 1),
  ['to:by:do: by 0 is the message\'s error, inlined or not', [
    '| n | n := 0. 1 to: 3 by: 0 do: [:i | n := n + 1]. n',
    '| n | n := 0. 1 to: 3 by: 1 - 1 do: [:i | n := n + 1]. n',
  ].join('\n'), [/to:by:do: cannot step by 0/, /to:by:do: cannot step by 0/]]]);
