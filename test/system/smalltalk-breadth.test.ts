/*
 * Issue 13 item by item, as a new user tries it: (1) Float literals, arithmetic mixed with the
 * other numbers, the functions and printing; (2) GNU Smalltalk's bracket syntax and the chunk
 * format read from files, errors with file, line and column, and fileOut read back; (3) the
 * classes and protocol Smalltalk code expects; (4) names bound late; (5) strings of characters.
 * Then what GNU Smalltalk's own tests (test/gst/compare.ts) showed missing: namespace paths
 * (`Smalltalk.Foo`), `#{Foo}` and `##( )`, negative radix integers, NaN and the infinities
 * printed as GNU Smalltalk prints them, become: and becomeForward:, Rectangle and more of Point,
 * a Process as GNU Smalltalk prints it. Each case runs in both back ends.
 */
import { describe, expect, it } from 'vitest';
import { describeCases, boot, BACKENDS, type Case } from './cases.ts';
import { readSourceFile } from '../../src/lang/filein.ts';
import { formatSyntaxError } from '../../src/lang/ast.ts';
import type { Bedrock } from '../../src/system/bedrock.ts';

const CASES: readonly Case[] = [
  ['1. Float literals, mixed arithmetic, functions and the shortest printing', [
    '3.14', '1.0e10', '2.5e-3', '-5.5', '1e100 class', '3 + 0.5', '(1/2) + 0.25', '((2 raisedTo: 70) + 0.5) class',
    '0.1 + 0.2', '(1/3) asFloat', '2 sqrt', '(0.5 sin * 1000) rounded', '(2.0 ln * 1000) rounded', '(100 log: 10)',
    '2.0 raisedTo: 10', '2.5 floor', '2.5 ceiling', '2.5 rounded', '-2.5 truncated', '2.75 fractionPart', '2.75 asInteger',
    "'10.0e1' asNumber", "(Number readFrom: '3.5')", 'Float pi', 'Float infinity', 'Float nan isNaN', '1.5 < 2', '2 = 2.0',
  ].join('\n'), ['3.14', '10000000000.0', '0.0025', '-5.5', 'LargePositiveInteger', '3.5', '0.75', 'Float',
    '0.30000000000000004', '0.3333333333333333', '1.4142135623730951', '479', '693', '2.0',
    '1024.0', '2', '3', '3', '-2', '0.75', '2',
    '100.0', '3.5', '3.141592653589793', 'Float infinity', 'true', 'true', 'true']],
  ['3. True, False, Metaclass, Number; perform:, ifNotNil:, and:/or: as messages, cull:, value, assert:', [
    'true class', 'false class', 'Object class class', '{Integer superclass. Fraction superclass. Float superclass}',
    '3 perform: #+ with: 4', '3 perform: #between:and: with: 1 with: 5', '3 perform: #between:and: withArguments: #(1 5)',
    '3 ifNotNil: [:x | x + 1]', 'nil ifNil: [0] ifNotNil: [:x | x]', '4 ifNotNil: [:x | x * 2] ifNil: [0]',
    'true perform: #and: with: [false]', 'false perform: #or: with: [true]', '[:a | a + 1] cull: 3', '[42] cull: 3',
    '[:a :b | a + b] cull: 1 cull: 2', '3 value', '[self assert: 1 = 2] on: AssertionFailure do: [:e | #caught]',
  ].join('\n'), ['True', 'False', 'Metaclass', 'an Array(Number Number Number)', '7', 'true', 'true', '4', '0', '8', 'false', 'true', '4', '42', '3', '3', '#caught']],
  ['3. asString, displayString, storeString, printString:, printPaddedWith:to:, %, bindWith:, copies', [
    '12 asString', "'abc' displayString", "'abc' storeString", '255 printString: 16', '5 printPaddedWith: $0 to: 3',
    "'%1 and %2' bindWith: 3 with: 4", "'%1 and %2' % {3. 4}", '| a b | a := #(1 #(2 3)). b := a deepCopy. (b at: 2) == (a at: 2)',
    '| a b | a := #(1 #(2 3)). b := a shallowCopy. (b at: 2) == (a at: 2)',
  ].join('\n'), ["'12'", "'abc'", "'''abc'''", "'FF'", "'005'", "'3 and 4'", "'3 and 4'", 'false', 'true']],
  ['3. Bag, IdentityDictionary, IdentitySet, LookupTable, LinkedList, ByteArray, WordArray, Interval, Symbol', [
    '(Bag new add: 3; add: 3; add: 4; yourself) occurrencesOf: 3', '(IdentityDictionary new at: #a put: 1; yourself) at: #a',
    '(IdentitySet new add: 3; add: 3; yourself) size', '(LookupTable new at: 1 put: 2; yourself) at: 1',
    '(LinkedList new add: Link new; add: Link new; yourself) size', '#[1 2 3]', '#[1 2 3] class', '(WordArray with: 1 with: 2) size',
    '(1 to: 10 by: 2) asArray', '(10 to: 1 by: -3) asArray', '(1 to: 5) inject: 0 into: [:a :b | a + b]', '#foo:bar: numArgs',
    '#with:with: keywords', "'foo' asSymbol == #foo", '#(1 2 3) collect: #negated', '#(1 2 3) inject: 0 into: #+',
  ].join('\n'), ['2', '1', '1', '2', '2', '#[1 2 3]', 'ByteArray', '2', '#(1 3 5 7 9)', '#(10 7 4 1)', '15', '2', "#('with:' 'with:')", 'true', '#(-1 -2 -3)', '6']],
  ['3. SmallInteger bounds, bit operations on LargeIntegers, downTo:do:, printString: base', [
    'SmallInteger maxVal = SmallInteger largest', 'SmallInteger minVal = SmallInteger smallest', 'SmallInteger maxVal + 1 > SmallInteger maxVal',
    '((2 raisedTo: 100) + 5) bitAnd: 7', '(2 raisedTo: 100) bitOr: 1', '(2 raisedTo: 100) bitXor: (2 raisedTo: 100)', '(2 raisedTo: 100) bitInvert',
    '(1 bitShift: 100) bitShift: -98', '| s | s := OrderedCollection new. 5 downTo: 1 do: [:i | s add: i]. s asArray', '-255 printString: 16',
  ].join('\n'), ['true', 'true', 'true', '5', '1267650600228229401496703205377', '0', '-1267650600228229401496703205377', '4', '#(5 4 3 2 1)', "'-FF'"]],
  ['3. Date, Time and a clock; resumable Notification, Warning and Exception', [
    '(Date newDay: 1 month: 2 year: 2020) monthIndex', '(Time fromSeconds: 3661) hours', 'Time millisecondClockValue isInteger',
    '(Time millisecondsToRun: [100 factorial]) >= 0', "Notification signal: 'x'", "[(Notification signal: 'x') + 1] on: Notification do: [:e | e resume: 7]",
    "[(Warning signal: 'x') + 1] on: Warning do: [:e | e resume: 7]", "[(Exception new signal: 'x') + 1] on: Exception do: [:e | e resume: 7]",
    "[Error new signal: 'x'. 1] on: Error do: [:e | e resume: 7]",
  ].join('\n'), ['2', '1', 'true', 'true', 'nil', '8', '8', '8', /Error is not resumable/]],
  ['3. compile:, removeSelector:, >>, instVarNames, instSize, subclasses, allClasses, allInstances, pragmas', [
    "Object subclass: #Br13 instanceVariableNames: 'a b' classVariableNames: '' package: 'x'",
    "Br13 subclass: #Br13b instanceVariableNames: 'c' classVariableNames: '' package: 'x'",
    "Br13 compile: 'sum ^a + b'", "Br13 compile: 'setA: x a := x. b := 2'", '(Br13 new setA: 3) sum', '(Br13 >> #sum) class',
    'Br13 removeSelector: #sum', 'Br13 includesSelector: #sum', 'Br13b instVarNames', 'Br13b allInstVarNames', 'Br13b instSize',
    'Br13 subclasses', 'Br13 allSubclasses', 'Smalltalk allClasses includes: Br13', '| keep | keep := Br13b new. Br13b allInstances size',
    "Br13 compile: 'prim <primitive: 60> ^3'", '(Br13 >> #prim) pragmas size', "Br13 compile: 'com <comment: ''hello''> ^3'", 'Br13 new com',
  ].join('\n'), ['Br13', 'Br13b', '#sum', '#setA:', '5', 'CompiledMethod', /Br13/, 'false', '#(#c)', '#(#a #b #c)', '3',
    'an Array(Br13b)', 'an Array(Br13b)', 'true', '1', '#prim', '1', '#com', '3']],
  ['4. names bound late: a method may name a class defined later, a statement one it has just made', [
    'Object subclass: #Ed13', 'Ed13 makeB -> ^Later13 new', '[Ed13 new makeB] on: UndeclaredVariableRead do: [:e | e name]',
    'Object subclass: #Later13', 'Ed13 new makeB class', '(Object subclass: #Tmp13) new class', "Object subclass: #Cv13 instanceVariableNames: '' classVariableNames: 'lower' package: 'x'",
    "Cv13 class compile: 'setL lower := 5. ^lower'", 'Cv13 setL',
  ].join('\n'), ['Ed13', 'Ed13>>makeB', '#Later13', 'Later13', 'Later13', 'Tmp13', 'Cv13', '#setL', '5']],
  ['5. strings hold characters: sizes, reversal, wide characters made into new strings', [
    "'héllo' size", "'héllo' reversed", 'Character value: 955', '(Character value: 955) asString', '(Character value: 955) asString class',
    '(String with: $a with: (Character value: 955)) size', "'abc' copyWith: (Character value: 955)", 'String new: 2 withAll: (Character value: 955)',
    "'abc' copyReplaceAll: 'b' with: 'λ'", "'日本語' size", "'héllo' asUppercase", "(String new: 2 withAll: $a) class",
  ].join('\n'), ['5', "'olléh'", '$λ', "'λ'", 'WideString', '2', "'abcλ'", "'λλ'", "'aλc'", '3', "'HÉLLO'", 'String']],
  ['GNU Smalltalk namespace paths name the one namespace, Smalltalk; #{Foo} is a binding, ##( ) an expression', [
    'Smalltalk.Object', 'SystemExceptions.NotYetImplemented superclass', 'Smalltalk.SystemExceptions.InvalidValue',
    "[SystemExceptions.InvalidArgument signal: 'bad'] on: Error do: [:e | e messageText]",
    'Smalltalk.Ns13 := 3', 'Ns13 + Smalltalk.Ns13', '#{Object} value', '#{Smalltalk.Object} key', '#{NoSuchGlobal13}', '##(3 + 4) * 2',
    '| a | a := 3.Object', "Object subclass: #Ns13b.Ns13b new class",
  ].join('\n'), ['Object', 'Error', 'InvalidValue', "'bad'", '3', '6', 'Object', '#Object', 'nil', '14', 'Object', 'Ns13b']],
  ['A.B is the class variable B of class A, as GNU Smalltalk reads it (Smalltalk.A.B too); a path naming none is the global', [
    'Object subclass: Cv13 [ B := 3. C := self. D := C name. Cv13 class >> b [ ^B ] ]', 'Cv13.B', 'Cv13.C', 'Cv13.D', 'Smalltalk.Cv13.B',
    'Cv13.B := 5', 'Cv13 b', 'Smalltalk.Cv13.Object', 'Cv13.Zork13',
  ].join('\n'), [/Cv13/, '3', 'Cv13', '#Cv13', '3', '5', '5', 'Object', /Zork13 is not defined/]],
  ['negative radix integers as GNU Smalltalk writes them; one minus sign only', [
    '16r-1F', '-16r1F', '16r33 + 16r-33', '2r-101', '#(16r-1 2)', '-16r-1F',
  ].join('\n'), ['-31', '-31', '0', '-5', '#(-1 2)', /a number has one '-'/]],
  ['NaN and the infinities: GNU Smalltalk printing for printNl, NaN wins min: and max:', [
    'Float infinity gnuPrintString', 'Float negativeInfinity gnuDisplayString', 'Float nan gnuPrintString', 'Float infinity printString',
    '5.0 min: Float nan', '5.0 max: Float nan', 'Float nan min: 5.0', '(3.0 max: 4)', '(3.0 min: 4)',
  ].join('\n'), ["'Inf'", "'-Inf'", "'NaN'", "'Float infinity'", 'Float nan', 'Float nan', 'Float nan', '4', '3.0']],
  ['become: trades identities and becomeForward: redirects every reference, on the object memory', [
    "| a b c | a := 'a' copy. b := 'b' copy. c := Array with: a with: b. a become: b. {a. b. c}",
    '| x | x := Object new. x becomeForward: 5. x', '| p arr | p := 3 @ 4. arr := {p. p}. p becomeForward: #(9) copy. arr',
    "Smalltalk at: #Gb13 put: 'glob' copy. Gb13 becomeForward: 'new' copy. Gb13",
    "Object subclass: #Holder13 instanceVariableNames: 'v' classVariableNames: '' package: 'x'", "Holder13 compile: 'v ^v'", "Holder13 compile: 'v: x v := x'",
    '| h o | o := Object new. h := Holder13 new v: o. o becomeForward: 42. h v',
    "| h a | h := Holder13 new v: (a := Object new). Holder13 allInstances. a becomeForward: ('young' , 'er'). 1 to: 100000 do: [:i | Array new: 8]. h v",
    '| s d | s := String new: 2. d := Dictionary new. d at: 1 put: s. s becomeForward: (s asWideString copyWith: (Character value: 955)). (d at: 1) size',
    '[Object become: String] on: Error do: [:e | e messageText]', '[#foo becomeForward: 3] on: Error do: [:e | e messageText]',
    '[nil becomeForward: 3] on: Error do: [:e | e messageText]', "[3 become: 'x' copy] on: Error do: [:e | e messageText]",
  ].join('\n'), ["#('b' 'a' #('b' 'a'))", '5', '#(#(9) #(9))', "'new'", 'Holder13', '#v', '#v:', '42', "'younger'", '3',
    "'become: a class cannot become another object'", "'becomeForward: a Symbol is interned: it cannot become another object'",
    "'becomeForward: nil is the system''s own'", /^'become: a SmallInteger cannot trade identities/]],
  ['Point and Rectangle as the Blue Book and GNU Smalltalk\'s geometry test use them', [
    '| p | p := 123 @ 456. p x: 321; y: 654. p', '(45 @ 230) dist: (141 @ 270)', '(160 @ 240) grid: 50 @ 50', '(160 @ 240) truncatedGrid: 50 @ 50',
    '((3 @ 4) normal * 5) rounded', '(120.5 @ 220.7) rounded', '(175 @ 300) transpose',
    '(Rectangle left: 100 right: 200 top: 100 bottom: 200) = ((100 @ 100) extent: 100 @ 100)', '(100 @ 100 corner: 250 @ 250) gnuPrintString',
    '(Rectangle origin: 100 @ 100 extent: 150 @ 150) rightCenter', '(Rectangle origin: 100 @ 100 extent: 150 @ 150) area',
    '(50 @ 50 corner: 200 @ 200) amountToTranslateWithin: (100 @ 300 corner: 300 @ 400)', '((50 @ 50 corner: 200 @ 200) intersect: (120 @ 120 corner: 260 @ 240)) gnuPrintString',
    '((20 @ 20 corner: 400 @ 400) areasOutside: (120 @ 120 corner: 260 @ 240)) size', '((20 @ 20 corner: 400 @ 400) areasOutside: (120 @ 120 corner: 260 @ 240)) inject: 0 into: [:a :r | a + r area]',
    '((120 @ 120 corner: 260 @ 240) merge: (100 @ 300 corner: 300 @ 400)) gnuPrintString', '(100 @ 300 corner: 300 @ 400) containsPoint: 200 @ 320',
    '(50 @ 50 corner: 200 @ 200) contains: (120 @ 120 corner: 260 @ 240)', '| a | a := 50 @ 50 corner: 200 @ 200. a moveBy: 50 @ 50. a moveTo: 200 @ 300. (a scaleBy: 2) gnuPrintString',
  ].join('\n'), ['(321@654)', '104.0', '(150@250)', '(150@200)', '(-4@3)', '(121@221)', '(300@175)', 'true', "'100@100 corner: 250@250'",
    '(250@175)', '22500', '(50@250)', "'120@120 corner: 200@200'", '4', String(380 * 380 - 140 * 120), "'100@120 corner: 300@400'", 'true', 'false', "'400@600 corner: 700@900'"]],
  ['a Process prints as GNU Smalltalk prints it, for printNl', [
    "| p | p := [3] newProcess. p name: 'worker'. p gnuPrintString", "| p | p := [3] newProcess. p name: 'w'; priority: Processor userBackgroundPriority. p resume. p gnuPrintString",
    "| p | p := [3] newProcess. p name: 'w'. p resume. Processor yield. p gnuPrintString", "Processor activeProcess gnuPrintString",
  ].join('\n'), ["'Process(''worker'' at userSchedulingPriority, suspended)'", "'Process(''w'' at userBackgroundPriority, ready to run)'",
    "'Process(''w'' at userSchedulingPriority, terminated)'", "'Process(''main'' at userSchedulingPriority, active)'"]],
  ['GNU Smalltalk\'s number forms (digit separators, 100d), ValueHolder, and the indexable class definitions with class variables', [
    '1_000_000', '16r3FFF_FFFF', '100d', '2d3', '0.5d-9', '| a_b | a_b := 3. a_b',
    '(ValueHolder with: 3) value', '| v | v := ValueHolder new. v value: 4. v value',
    "Object variableSubclass: #Vs13 instanceVariableNames: 'a' classVariableNames: 'Foo' poolDictionaries: '' category: 'foo'", '(Vs13 new: 3) size',
    "Object variableWordSubclass: #Vw13 instanceVariableNames: '' classVariableNames: '' category: 'foo'", '(Vw13 new: 2) at: 1 put: 16rFFFFFFFF; at: 1',
    "Object variableByteSubclass: #Vb13 instanceVariableNames: '' classVariableNames: 'X' package: 'bar'", 'Vb13 category',
  ].join('\n'), ['1000000', '1073741823', '100.0', '2000.0', '5.0e-10', '3', '3', '4', 'Vs13', '3', 'Vw13', '4294967295', 'Vb13', "'bar'"]],
  ['Generator: a stream whose elements a block yields, one step at a time in a process of its own', [
    '| g | g := Generator on: [:gen | 1 to: 3 do: [:i | gen yield: i * i]]. {g next. g peek. g next. g atEnd. g next. g atEnd. g next}',
    '(Generator on: #(1 2 3) do: [:gen :x | gen yield: x * 10]) upToEnd',
    '| h | h := Generator inject: 1 into: [:x | x * 2]. (1 to: 5) collect: [:i | h next]',
    '| a b | a := Generator inject: 1 into: [:x | x + 1]. b := Generator on: [:gen | [gen yield: a next * a next] repeat]. {b next. b next}',
  ].join('\n'), ['#(1 4 4 false 9 true nil)', '#(10 20 30)', '#(1 2 4 8 16)', '#(2 12)']],
  ['a block given the wrong number of arguments signals a WrongArgumentCount, an Error a handler catches', [
    '[[:x | x] value] on: Error do: [:e | e class]', '[[:x | x] value: 1 value: 2] on: WrongArgumentCount do: [:e | e messageText]',
    '[[:x | x] valueWithArguments: #()] on: SystemExceptions.WrongArgumentCount do: [:e | e return: 7]',
    '[[:a :b :c :d | a] value: 1 value: 2 value: 3] on: ArgumentsCountMismatch do: [:e | e messageText]',
  ].join('\n'), ['WrongArgumentCount', "'this block takes 1 argument, not 2'", '7', "'this block takes 4 arguments, not 3'"]],
  ['a LargeInteger\'s size counts the bytes of its magnitude, as GNU Smalltalk and Pharo count them; Date daysInMonthIndex:forYear:', [
    '(2 raisedTo: 100) size', '(2 raisedTo: 64) size', '(2 raisedTo: 64) negated size', '((2 raisedTo: 72) - 1) size', '((2 raisedTo: 64) + 16r1FF) byteAt: 2',
    '(2 raisedTo: 64) byteAt: 9', '(2 raisedTo: 64) byteAt: 10', '(3 to: 40) allSatisfy: [:n | (2 raisedTo: 60 + n) size = (61 + n + 7 // 8)]',
    'Date daysInMonthIndex: 2 forYear: 2000', 'Date daysInMonthIndex: 2 forYear: 1900', 'Date daysInMonthIndex: 12 forYear: 2024',
  ].join('\n'), ['13', '9', '9', '9', '1', '1', /index 10 is out of bounds/, 'true', '29', '28', '31']],
  ['streams one after another: stream , stream is a ConcatenatedStream, as GNU Smalltalk\'s', [
    "| c | c := '123' readStream , '456' readStream. {c next. c next. c next. c copyFrom: 0 to: 2. c next. c upToEnd. c atEnd. c copyFrom: 3 to: 5. c stream}",
    "| c | c := ConcatenatedStream with: '1' readStream with: #(2) readStream. {c species. c next. c species. c next. c atEnd. c next}",
    'ConcatenatedStream new species', "ConcatenatedStream new atEnd", "('ab' readStream , #(1 2) readStream , 'c' readStream) upToEnd",
    "| c | c := '12345' readStream , 'xyz' readStream. {c next: 3. c upTo: $x. c upToEnd}", "| c | c := '12' readStream , '34' readStream. c skip: 3. c next",
    "| s | s := OrderedCollection new. ('ab' readStream , 'cd' readStream) do: [:e | s add: e]. s size", "('ab' readStream , 'λ' readStream) upToEnd",
  ].join('\n'), ["#($1 $2 $3 '123' $4 '56' true '456' nil)", 'an Array(String $1 Array 2 true nil)', 'Array', 'true', '#($a $b 1 2 $c)',
    "#('123' '45' 'yz')", '$4', '4', "'abλ'"]],
  ['WeakArray: what only a WeakArray holds is nil after a major collection (Smalltalk garbageCollect, ObjectMemory compact)', [
    '| a b keep | keep := Object new. a := WeakArray new: 5. a at: 1 put: #sym13; at: 2 put: Object new; at: 3 put: keep; at: 5 put: 1. b := a copy. Smalltalk garbageCollect. {a. b. (a at: 3) == keep. b class}',
    '| a | a := WeakArray new: 1. a at: 1 put: (Array new: 3). Smalltalk garbageCollectMost. a at: 1',
    '| a | a := WeakArray new: 1. a at: 1 put: (Array new: 3). ObjectMemory compact. a at: 1',
    "| a | a := WeakArray with: 3 with: 'x' copy with: 'y'. ObjectMemory globalGarbageCollect. a",
    '| a | a := WeakArray new: 2. a at: 1 put: a. Smalltalk garbageCollect. (a at: 1) == a', '(WeakArray new: 2) printString', 'WeakArray superclass',
  ].join('\n'), ["an Array(a WeakArray(#sym13 nil an Object nil 1) a WeakArray(#sym13 nil an Object nil 1) true WeakArray)", '#(nil nil nil)', 'nil',
    "a WeakArray(3 nil 'y')", 'true', "'a WeakArray(nil nil)'", 'Array']],
  ['classes with no name (Behavior new, superclass:), a method\'s category from methodsFor:, classPool and sharedPools', [
    "| a t | a := Behavior new. a superclass: Object. a compile: 'new [ ^super new ]'. a compile: 'hello [ ^''hi'' ]'. t := a new. {t hello. t printString. a name. a superclass}",
    "| a | a := Behavior new superclass: OrderedCollection. a compile: 'total [ ^self inject: 0 into: [:x :y | x + y] ]'. (a new add: 3; add: 4; yourself) total",
    "(Behavior new superclass: Behavior new) printString", "| a | a := Behavior new. [a superclass: a] on: Error do: [:e | e messageText]",
    "Smalltalk includesKey: #'{Object}'", "| a | a := Behavior new. a class compile: 'make [ ^self new ]'. a make class == a",
    "Object subclass: #Sup13. Sup13 compile: 'who ^#sup'. Object subclass: #Sub13. Sub13 superclass: Sup13. Sub13 new who",
    "Object subclass: #Cp13 instanceVariableNames: '' classVariableNames: 'Foo Bar' package: 'x'", "Cp13 classPool keys asSortedCollection asArray", 'Cp13 sharedPools',
  ].join('\n'), ["an Array('hi' 'an {Object}' '{Object}' Object)", '7', "'{{Object}}'", /cannot be a subclass of itself/, 'false', 'true', '#sup',
    'Cp13', '#(#Bar #Foo)', '#()']],
  ['a message not understood knows where its lookup started (lookupClass, startingClass), a super send\'s too; signalingContext', [
    "Object subclass: #Dnu13 instanceVariableNames: '' classVariableNames: '' package: 'x'", "Dnu13 compile: 'doesNotUnderstand: aMessage ^aMessage startingClass'",
    "Dnu13 subclass: #Dnu13b instanceVariableNames: '' classVariableNames: '' package: 'x'", "Dnu13b compile: 'viaSuper ^super zork'",
    'Dnu13b new zork', 'Dnu13b new viaSuper', '[3 zork] on: MessageNotUnderstood do: [:e | e message lookupClass]',
    '(Message selector: #foo arguments: #()) lookupClass', '| error | [1 doSomething] on: Error do: [:e | error := e]. error signalingContext',
  ].join('\n'), ['Dnu13', '#doesNotUnderstand:', 'Dnu13b', '#viaSuper', 'Dnu13b', 'Dnu13', 'SmallInteger', 'nil', 'nil']],
  ['a newcomer\'s first classes: Pharo\'s Object << #Foo slots: ...; install, instVarNamed:, Foo >> #missing an error as in Pharo and GNU Smalltalk', [
    "(Object << #Fluid13 slots: {#x. #y}; sharedVariables: {#Count}; tag: 'Basic'; package: 'Demo13') printString",
    "(Object << #Fluid13 slots: {#x. #y}; sharedVariables: {#Count}; tag: 'Basic'; package: 'Demo13'; install) name",
    'Fluid13 instVarNames', 'Fluid13 category', "(Fluid13 << #Fluid13b slots: {#z => InstanceVariableSlot}; install) allInstVarNames",
    "Fluid13 compile: 'x ^x'", "(Fluid13 new instVarNamed: 'x' put: 5; yourself) x", "Fluid13 new instVarNamed: 'q'",
    'Fluid13 >> #x', 'Fluid13 >> #zork', '[Fluid13 >> #zork] on: NotFound do: [:e | e class]', 'Fluid13 compiledMethodAt: #zork ifAbsent: [0]',
    '(Object << 3) install', '(Object << #Fluid13c slots: 3) install',
  ].join('\n'), ["'Object << #Fluid13 (install makes the class)'", '#Fluid13', '#(#x #y)', "'Demo13-Basic'", '#(#x #y #z)', /./, '5',
    /Fluid13 has no instance variable named 'q'/, 'Fluid13>>x', /KeyNotFound: key #zork not found/, 'KeyNotFound', '0',
    /a class is named by a Symbol/, /slots: and sharedVariables: take an Array of names/]],
  ['source as text: Compiler evaluate: (Pharo\'s; Smalltalk compiler, Behavior evaluate:) answers the last value; aStream fileIn (GNU Smalltalk\'s) reads on after an error', [
    "Compiler evaluate: '3 + 4'", "Smalltalk compiler evaluate: '| x | x := 6. x * 7'", "Object evaluate: '1. 2. 3'",
    "('Object subclass: Ev13 [ foo [ ^5 ] ]' readStream fileIn) class", "Compiler evaluate: 'Ev13 new foo'",
    "Compiler evaluate: '3 +'", "Compiler evaluate: '1/0'", "[Compiler evaluate: '1/0'] on: ZeroDivide do: [:e | e class]",
    "Compiler evaluate: 3", "Compiler evaluate: ''", "('Ev13b := 1/0', (String with: Character lf), 'Ev13c := 8') readStream fileIn. Ev13c",
  ].join('\n'), ['7', '42', '3', 'ReadStream', '5', /expected an argument after '\+'/, /ZeroDivide: division by zero/, 'ZeroDivide',
    /evaluate: takes source as a String, not 3/, 'nil', '8']],
  ['what a Pharo newcomer tries next: splitOn:, copyReplacing:with:, average, Transcript flush and clear', [
    "('a:b::c' splitOn: $:) asArray", "('a--b--' splitOn: '--') asArray", "('a1b22c' splitOn: [:ch | ch isDigit]) asArray",
    '(#(1 0 2 0 3) splitOn: 0) asArray', "('' splitOn: $:) asArray", "'abc' splitOn: ''", "'hello world' copyReplacing: $o with: $0",
    '#(1 2 3) average', '#(1 2) average', '#() average', 'Transcript flush; clear; endEntry',
  ].join('\n'), ["#('a' 'b' '' 'c')", "#('a' 'b' '')", "#('a' 'b' '' 'c')", '#(#(1) #(2) #(3))', "#('')",
    /splitOn: needs a separator that is not empty/, "'hell0 w0rld'", '2', '(3/2)', /CollectionIsEmpty/, /TextCollector|Transcript/]],
];

describeCases('issue 13, item by item', CASES);

const BRACKETS = `Object subclass: Animal13 [
  | name |
  <comment: 'An animal'>
  Animal13 class >> named: aName [ ^self new setName: aName ]
  setName: aName [ name := aName ]
  speak [ ^'...' ]
]
Animal13 subclass: Dog13 [ speak [ ^'Woof, ', name ] ]
Integer extend [ double13 [ ^self * 2 ] ]
Eval [ (Dog13 named: 'rex') speak printNl. 4 double13 printNl. Animal13 comment printNl ]
Eval [ SystemExceptions.NotYetImplemented printNl. 1 foo ]
Eval [ 'still read' printNl ]
`;

const CHUNKS = `Object subclass: #Counter13
	instanceVariableNames: 'count'
	classVariableNames: ''
	package: 'Demo'!

!Counter13 methodsFor: 'accessing'!
increment
	count := (count ifNil: [0]) + 1.
	^count
!
label
	^'λ', count printString
! !

!Counter13 class methodsFor: 'instance creation'!
startingAt: n
	^self new setCount: n
! !

!Counter13 methodsFor: 'private'!
setCount: n
	count := n
! !

| c | c := Counter13 startingAt: 5. c increment. c label printNl!
!Counter13 methodsFor: 'broken'!
broken
	^count +
! !
`;

function fileIn(b: Bedrock, text: string, name: string): { out: string; errors: string[] } {
  const read = readSourceFile(text, name);
  const outcomes = read.items.map((item) => b.evaluateItem(item));
  const errors = outcomes.filter((o) => o.kind === 'error').map((o) => o.text.split('\n')[0]);
  for (const s of read.skipped ?? []) errors.push(formatSyntaxError(s.error).split('\n')[0]);
  if (read.error) errors.push(formatSyntaxError(read.error).split('\n')[0]);
  return { out: outcomes.map((o) => o.output ?? '').join(''), errors };
}

describe.each(BACKENDS)('2. both file formats, errors with their place, and fileOut read back (%s)', (backend) => {
  it('reads the bracket syntax and the chunk format, goes on after an error, and files out a class that reads back', () => {
    const b = boot(backend);
    const brackets = fileIn(b, BRACKETS, 'zoo.st');
    expect(brackets.out).toBe("'Woof, rex'\n8\n'An animal'\nNotYetImplemented\n'still read'\n");
    expect(brackets.errors).toHaveLength(1);
    expect(brackets.errors[0]).toMatch(/^zoo\.st:11:\d+: 1 does not understand #foo/);
    const chunks = fileIn(b, CHUNKS, 'counter.st');
    expect(chunks.out).toBe("'λ6'\n");
    expect(chunks.errors.join('\n')).toMatch(/counter\.st:28:\d+: expected an argument after '\+'/);
    const source = b.run('Counter13 fileOutString')[0].replace(/^'|'$/g, '').replace(/''/g, "'");
    expect(source).toContain('!Counter13 class methodsFor:');
    const again = boot(backend);
    const read = fileIn(again, source, 'Counter13.st');
    expect(read.errors).toEqual([]);
    expect(again.run('(Counter13 startingAt: 1) increment; label')).toEqual(["'λ2'"]);
    expect(again.run('Counter13 fileOutString')[0]).toBe(b.run('Counter13 fileOutString')[0]);
  });
});

describe.each(BACKENDS)('a method\'s category comes from its methodsFor: chunk and goes back out in fileOut (%s)', (backend) => {
  it('keeps each method\'s category, a <category:> pragma first', () => {
    const b = boot(backend);
    const source = [
      "Object subclass: #Cat13 instanceVariableNames: '' classVariableNames: '' package: 'x'!",
      "!Cat13 methodsFor: 'testing'!", 'isCat\n  ^true!', "other <category: 'misc'> ^1! !",
      "!Cat13 class methodsFor: 'instance creation'!", 'make ^self new! !',
    ].join('\n');
    expect(fileIn(b, source, 'cat.st').errors).toEqual([]);
    expect(b.run('(Cat13 >> #isCat) methodCategory\n(Cat13 >> #other) methodCategory\n(Cat13 class >> #make) methodCategory'))
      .toEqual(["'testing'", "'misc'", "'instance creation'"]);
    const out = b.run('Cat13 fileOutString')[0];
    expect(out).toContain("!Cat13 methodsFor: ''testing''!");
    expect(out).toContain("!Cat13 class methodsFor: ''instance creation''!");
  });
});
