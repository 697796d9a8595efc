/*
 * The parser: the seed's examples verbatim, precedence and associativity, cascades, every
 * literal form, blocks, braces, temporaries, method definitions (instance and class side,
 * unary / binary / keyword, message or assembly bodies) and spans.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Cascade, DoIt, Expression, Item, MethodDefinition, Send, Statement } from '../../src/lang/ast.ts';
import { formatSyntaxError } from '../../src/lang/ast.ts';
import { parse } from '../../src/lang/parser.ts';
import { show, showItem, showLiteral } from './show.ts';

function items(source: string): readonly Item[] {
  const r = parse(source);
  if (!r.ok) throw new Error(formatSyntaxError(r.error));
  return r.items;
}

/** Each item in the compact form of show.ts. */
const shown = (source: string): string[] => items(source).map(showItem);

/** The one statement of a one-item source. */
function statement(source: string): Statement {
  const [item] = items(source);
  expect(item.kind).toBe('doit');
  const doit = item as DoIt;
  expect(doit.statements).toHaveLength(1);
  return doit.statements[0];
}

const expr = (source: string): string => show(statement(source));

function method(source: string): MethodDefinition {
  const list = items(source);
  expect(list).toHaveLength(1);
  expect(list[0].kind).toBe('method');
  return list[0] as MethodDefinition;
}

describe("the seed's examples, verbatim", () => {
  const examples: Array<[string, string]> = [
    ['Memory at: anAddress -> mov rdi, rax; mov rax, [rdi*8]; ret', 'Memory>>at:(anAddress) asm{mov rdi, rax; mov rax, [rdi*8]; ret}'],
    ['Memory put: aValue  -> mov [rdi*8], rax; add rdi, 1; ret', 'Memory>>put:(aValue) asm{mov [rdi*8], rax; add rdi, 1; ret}'],
    ['Memory at: 100; put: 16r2A; put: 43', '(Memory; at: 100; put: 42; put: 43)'],
    ['(Memory at: 100)', '(Memory at: 100)'],
    ['Memory at: 16rCAFEBABE', '(Memory at: 3405691582)'],
    ['ALU add: aValue -> add rax, aValue', 'ALU>>add:(aValue) asm{add rax, aValue}'],
    ['Boolean ifFalse: aBlock -> CPU eq: 0 do: aBlock', 'Boolean>>ifFalse:(aBlock) (CPU eq: 0 do: aBlock)'],
    ['Memory at: 16rCAFEBABE; put: 16rDEADBEEF; put: 16rFEEDFACE', '(Memory; at: 3405691582; put: 3735928559; put: 4277009102)'],
    ['Boolean ifTrue: aBlock ->\n    CPU eq: true do: aBlock', 'Boolean>>ifTrue:(aBlock) (CPU eq: true do: aBlock)'],
    ["Object subclass: #Point instanceVariableNames: 'x y'", "(Object subclass: #Point instanceVariableNames: 'x y')"],
    ['Integer fib -> self < 2 ifTrue: [^self]. ^(self - 1) fib + (self - 2) fib', 'Integer>>fib() ((self < 2) ifTrue: [^self]). ^(((self - 1) fib) + ((self - 2) fib))'],
  ];

  for (const [source, tree] of examples) {
    it(source.replace('\n', '⏎'), () => {
      expect(shown(source)).toEqual([tree]);
    });
  }

  it('all of them as one file, item by item', () => {
    expect(shown(examples.map(([s]) => s).join('\n'))).toEqual(examples.map(([, t]) => t));
  });

  it('the cascade on Memory sends all three messages to Memory', () => {
    const c = statement('Memory at: 100; put: 16r2A; put: 43') as Cascade;
    expect(c.kind).toBe('cascade');
    expect(c.receiver).toMatchObject({ kind: 'variable', name: 'Memory' });
    expect(c.messages.map((m) => m.selector)).toEqual(['at:', 'put:', 'put:']);
    expect(c.messages.map((m) => m.args.map((a) => (a.kind === 'literal' && a.value.type === 'integer' ? a.value.value : null)))).toEqual([[100n], [42n], [43n]]);
  });

  it('a definition whose body is on the next, indented line', () => {
    const m = method('Boolean ifTrue: aBlock ->\n    CPU eq: true do: aBlock');
    expect(m.body.kind).toBe('smalltalk');
    expect(m.body.span.start).toMatchObject({ line: 2, column: 5 });
    expect(m.source).toBe('Boolean ifTrue: aBlock ->\n    CPU eq: true do: aBlock');
  });

  it('fib: the two statements, the return in the block, and the precedence of the last line', () => {
    const m = method('Integer fib -> self < 2 ifTrue: [^self]. ^(self - 1) fib + (self - 2) fib');
    expect(m).toMatchObject({ target: { name: 'Integer' }, classSide: false, selector: 'fib', params: [] });
    if (m.body.kind !== 'smalltalk') throw new Error('expected a message body');
    const [first, second] = m.body.statements;
    expect(first).toMatchObject({ kind: 'send', message: { selector: 'ifTrue:' }, receiver: { kind: 'send', message: { selector: '<' } } });
    expect(second).toMatchObject({ kind: 'return', value: { kind: 'send', message: { selector: '+' } } });
  });
});

describe('precedence and associativity', () => {
  const cases: Array<[string, string]> = [
    ['3 + 4 * 5', '((3 + 4) * 5)'],
    ['3 + (4 * 5)', '(3 + (4 * 5))'],
    ['a b c', '((a b) c)'],
    ['a b + c d', '((a b) + (c d))'],
    ['a + b c: d e + f', '((a + b) c: ((d e) + f))'],
    ['a k: b j: c', '(a k: b j: c)'],
    ['a k: (b j: c)', '(a k: (b j: c))'],
    ['x foo: 1 bar: 2 + 3 baz', '(x foo: 1 bar: (2 + (3 baz)))'],
    ['2 raisedTo: 3 + 1 factorial', '(2 raisedTo: (3 + (1 factorial)))'],
    ['a - b - c', '((a - b) - c)'],
    ['a >= b | c', '((a >= b) | c)'],
    ['a ==> b', '(a ==> b)'],
    ['x := y := 3 + 4', '(x := (y := (3 + 4)))'],
    ['x := a foo: b', '(x := (a foo: b))'],
    ['(1 -> 2) key', '((1 -> 2) key)'],
    ['[:k | k -> 2]', '[:k | (k -> 2)]'],
    ['1 @ 2 , 3', '((1 @ 2) , 3)'],
    ['a \\\\ b', '(a \\\\ b)'],
    ['a ~= b', '(a ~= b)'],
    ['a % b & c ? d ! e', '((((a % b) & c) ? d) ! e)'],
  ];
  for (const [source, tree] of cases) {
    it(source, () => expect(expr(source)).toBe(tree));
  }

  it('self, super and thisContext are variables; nil, true and false literals', () => {
    expect(shown('self foo. super bar. thisContext. nil. true. false')).toEqual(['(self foo). (super bar). thisContext. nil. true. false']);
    const doit = items('super bar. nil')[0] as DoIt;
    expect((doit.statements[0] as Send).receiver).toMatchObject({ kind: 'variable', name: 'super' });
    expect(doit.statements[1]).toMatchObject({ kind: 'literal', value: { type: 'nil' } });
  });

  it('negative literals: at an expression start and after a binary operator', () => {
    expect(expr('3 - -2')).toBe('(3 - -2)');
    expect(expr('3--2')).toBe('(3 - -2)');
    expect(expr('3-2')).toBe('(3 - 2)');
    expect(expr('3 -2')).toBe('(3 - 2)');
    expect(expr('x-1')).toBe('(x - 1)');
    expect(expr('-5')).toBe('-5');
    expect(expr('-5 abs')).toBe('(-5 abs)');
    expect(expr('x := -5')).toBe('(x := -5)');
    expect(expr('a foo: -1 bar: -16rFF')).toBe('(a foo: -1 bar: -255)');
    expect(expr('3 @ -4')).toBe('(3 @ -4)');
    expect(expr('3@-4')).toBe('(3 @ -4)');
    expect(expr('(-1)')).toBe('-1');
    expect(expr('{-1. -2}')).toBe('{-1. -2}');
    expect(expr('[-1]')).toBe('[-1]');
    expect(expr('#(1 -2 - 3)')).toBe('#(1 -2 #- 3)');
    expect(show(statement('^-1'))).toBe('^-1');
  });
});

describe('cascades', () => {
  it('the receiver is the receiver of the last message of the first part', () => {
    expect(expr("Transcript show: 'a'; show: 'b'")).toBe("(Transcript; show: 'a'; show: 'b')");
    expect(expr('3 + 4; * 10')).toBe('(3; + 4; * 10)');
    expect(expr('a b c; d')).toBe('((a b); c; d)');
    expect(expr('a b + c; d: 1; e; - 2')).toBe('((a b); + c; d: 1; e; - 2)');
    expect(expr('OrderedCollection new add: 1; add: 2 + 3 * 4; yourself')).toBe('((OrderedCollection new); add: 1; add: ((2 + 3) * 4); yourself)');
  });

  it('inside parentheses, blocks and as an argument', () => {
    expect(expr('(a foo; bar) baz')).toBe('((a; foo; bar) baz)');
    expect(expr('[a foo; bar]')).toBe('[(a; foo; bar)]');
    expect(expr('x := a foo; bar')).toBe('(x := (a; foo; bar))');
  });

  it('the cascade node', () => {
    const c = statement('a b + c; d') as Cascade;
    expect(c.receiver).toMatchObject({ kind: 'send', receiver: { name: 'a' }, message: { selector: 'b' } });
    expect(c.messages.map((m) => m.selector)).toEqual(['+', 'd']);
    expect(c.span.start.column).toBe(1);
    expect(c.span.end.column).toBe(11);
  });
});

describe('literals', () => {
  const lit = (source: string) => {
    const s = statement(source);
    if (s.kind !== 'literal') throw new Error(`not a literal: ${show(s)}`);
    return s.value;
  };

  it('integers: decimal, radix, 0x, negative, exponent, arbitrary size', () => {
    expect(lit('42')).toEqual({ type: 'integer', value: 42n });
    expect(lit('0')).toEqual({ type: 'integer', value: 0n });
    expect(lit('16r1F')).toEqual({ type: 'integer', value: 31n });
    expect(lit('16rFF')).toEqual({ type: 'integer', value: 255n });
    expect(lit('16rff')).toEqual({ type: 'integer', value: 255n });
    expect(lit('2r1010')).toEqual({ type: 'integer', value: 10n });
    expect(lit('8r777')).toEqual({ type: 'integer', value: 511n });
    expect(lit('36rZZ')).toEqual({ type: 'integer', value: 1295n });
    expect(lit('-16rFF')).toEqual({ type: 'integer', value: -255n });
    expect(lit('0xFF')).toEqual({ type: 'integer', value: 255n });
    expect(lit('0xcafe')).toEqual({ type: 'integer', value: 0xcafen });
    expect(lit('-0x10')).toEqual({ type: 'integer', value: -16n });
    expect(lit('-5')).toEqual({ type: 'integer', value: -5n });
    expect(lit('1e6')).toEqual({ type: 'integer', value: 1000000n });
    expect(lit('18446744073709551616')).toEqual({ type: 'integer', value: 2n ** 64n });
    expect(lit('-9223372036854775809')).toEqual({ type: 'integer', value: -(2n ** 63n) - 1n });
    const huge = '1234567890'.repeat(30);
    expect(lit(huge)).toEqual({ type: 'integer', value: BigInt(huge) });
    expect(lit('16r' + 'F'.repeat(40))).toEqual({ type: 'integer', value: 16n ** 40n - 1n });
  });

  it('characters', () => {
    expect(lit('$a')).toEqual({ type: 'character', value: 'a' });
    expect(lit('$ ')).toEqual({ type: 'character', value: ' ' });
    expect(lit("$'")).toEqual({ type: 'character', value: "'" });
    expect(lit('$"')).toEqual({ type: 'character', value: '"' });
    expect(lit('$$')).toEqual({ type: 'character', value: '$' });
    expect(lit('$😀')).toEqual({ type: 'character', value: '😀' });
    expect(expr('$a < $b')).toBe('($a < $b)');
    expect(expr('$  foo')).toBe('($  foo)');
  });

  it('strings', () => {
    expect(lit("'hello'")).toEqual({ type: 'string', value: 'hello' });
    expect(lit("'it''s'")).toEqual({ type: 'string', value: "it's" });
    expect(lit("''")).toEqual({ type: 'string', value: '' });
    expect(lit("''''")).toEqual({ type: 'string', value: "'" });
    expect(lit("'say \"hi\"'")).toEqual({ type: 'string', value: 'say "hi"' });
    expect(lit("'two\nlines'")).toEqual({ type: 'string', value: 'two\nlines' });
  });

  it('symbols', () => {
    expect(lit('#foo')).toEqual({ type: 'symbol', value: 'foo' });
    expect(lit('#Foo_bar2')).toEqual({ type: 'symbol', value: 'Foo_bar2' });
    expect(lit('#at:')).toEqual({ type: 'symbol', value: 'at:' });
    expect(lit('#at:put:')).toEqual({ type: 'symbol', value: 'at:put:' });
    expect(lit('#+')).toEqual({ type: 'symbol', value: '+' });
    expect(lit('#->')).toEqual({ type: 'symbol', value: '->' });
    expect(lit('#//')).toEqual({ type: 'symbol', value: '//' });
    expect(lit("#'hello world'")).toEqual({ type: 'symbol', value: 'hello world' });
    expect(lit("#'a b'")).toEqual({ type: 'symbol', value: 'a b' });
    expect(lit("#'it''s'")).toEqual({ type: 'symbol', value: "it's" });
    expect(lit('#true')).toEqual({ type: 'symbol', value: 'true' });
    expect(expr('x perform: #at:put: with: 1 with: 2')).toBe('(x perform: #at:put: with: 1 with: 2)');
  });

  it('literal arrays', () => {
    expect(showLiteral(lit("#(1 $a foo #bar 'str' (1 2) #(3) true false nil)"))).toBe("#(1 $a #foo #bar 'str' #(1 2) #(3) true false nil)");
    expect(lit('#(1 #(2) (3 4) foo: bar)')).toEqual({
      type: 'array',
      elements: [
        { type: 'integer', value: 1n },
        { type: 'array', elements: [{ type: 'integer', value: 2n }] },
        { type: 'array', elements: [{ type: 'integer', value: 3n }, { type: 'integer', value: 4n }] },
        { type: 'symbol', value: 'foo:' },
        { type: 'symbol', value: 'bar' },
      ],
    });
    expect(lit('#()')).toEqual({ type: 'array', elements: [] });
    expect(showLiteral(lit('#(at:put: + - -> #+ -1 16rFF #at:put:)'))).toBe('#(#at:put: #+ #- #-> #+ -1 255 #at:put:)');
    expect(showLiteral(lit("#(#'a b' $  $' '')"))).toBe("#(#'a b' $  $' '')");
    expect(showLiteral(lit('#(((())))'))).toBe('#(#(#(#())))');
    expect(showLiteral(lit('#(1\n  2 "two"\n3)'))).toBe('#(1 2 3)');
  });

  it('brace arrays', () => {
    expect(expr('{1. 2. 3}')).toBe('{1. 2. 3}');
    expect(expr('{1. 2. 3.}')).toBe('{1. 2. 3}');
    expect(expr('{}')).toBe('{}');
    expect(expr('{1 + 2. x foo; bar. {3}}')).toBe('{(1 + 2). (x; foo; bar). {3}}');
    expect(expr('{1. 2} size')).toBe('({1. 2} size)');
  });
});

describe('statements, temporaries, blocks', () => {
  it('statements separated by periods, a trailing period, returns', () => {
    expect(shown('a. b. c')).toEqual(['a. b. c']);
    expect(shown('a. b.')).toEqual(['a. b']);
    expect(shown('a.. b')).toEqual(['a. b']);
    expect(shown('^a foo')).toEqual(['^(a foo)']);
    expect(shown('x := 3. ^x')).toEqual(['(x := 3). ^x']);
  });

  it('temporaries at the start of a body', () => {
    expect(shown('| a b | a := 3. b := a * a')).toEqual(['|a b| (a := 3). (b := (a * a))']);
    expect(shown('|a| a')).toEqual(['|a| a']);
    expect(shown('| | 3')).toEqual(['3']);
    expect(shown('|| 3')).toEqual(['3']);
    const d = items('| a b | a')[0] as DoIt;
    expect(d.temps.map((t) => [t.name, t.span.start.column])).toEqual([['a', 3], ['b', 5]]);
  });

  it('blocks with parameters and temporaries', () => {
    expect(expr('[]')).toBe('[]');
    expect(expr('[:x | x]')).toBe('[:x | x]');
    expect(expr('[:x :y | | t | t := x + y. t]')).toBe('[:x :y | |t| (t := (x + y)). t]');
    expect(expr('[:x || t | t]')).toBe('[:x | |t| t]');
    expect(expr('[: x | x]')).toBe('[:x | x]');
    expect(expr('[:x:y | x]')).toBe('[:x :y | x]');
    expect(expr('[:x]')).toBe('[:x | ]');
    expect(expr('[:x|-1]')).toBe('[:x | -1]');
    expect(expr('[| t | t]')).toBe('[|t| t]');
    expect(expr('[^3]')).toBe('[^3]');
    expect(expr('[a. b.]')).toBe('[a. b]');
    expect(expr('[:a | [:b | a + b]]')).toBe('[:a | [:b | (a + b)]]');
    expect(expr('#(1 2) do: [:e | Transcript show: e printString; cr]')).toBe('(#(1 2) do: [:e | (Transcript; show: (e printString); cr)])');
    const b = statement('[:x :y | | t | t]');
    if (b.kind !== 'block') throw new Error('not a block');
    expect(b.params.map((p) => p.name)).toEqual(['x', 'y']);
    expect(b.temps.map((p) => p.name)).toEqual(['t']);
    expect(b.span).toMatchObject({ start: { column: 1 }, end: { column: 18 } });
  });

  it('comments anywhere', () => {
    expect(shown('3 "three" + "plus" 4 "four"')).toEqual(['(3 + 4)']);
    expect(shown('"a comment\nspanning lines" 3 + 4')).toEqual(['(3 + 4)']);
    expect(shown('x "comment":= 3')).toEqual(['(x := 3)']);
    expect(shown('"only a comment"')).toEqual([]);
    expect(shown('')).toEqual([]);
    expect(shown('  \n\n  ')).toEqual([]);
  });
});

describe('method definitions', () => {
  it('unary, binary and keyword headers', () => {
    expect(shown('Integer double -> self * 2')).toEqual(['Integer>>double() (self * 2)']);
    expect(shown('Integer + other -> ^self plus: other')).toEqual(['Integer>>+(other) ^(self plus: other)']);
    expect(shown('Integer - other -> ^self minus: other')).toEqual(['Integer>>-(other) ^(self minus: other)']);
    expect(shown('Integer | other -> ^self or: other')).toEqual(['Integer>>|(other) ^(self or: other)']);
    expect(shown('Object -> other -> ^Association key: self value: other')).toEqual(['Object>>->(other) ^(Association key: self value: other)']);
    expect(shown('Array at: i put: v -> ^self basicAt: i put: v')).toEqual(['Array>>at:put:(i v) ^(self basicAt: i put: v)']);
    expect(shown('Foo bar->3')).toEqual(['Foo>>bar() 3']);
    expect(shown('Foo bar ->-3')).toEqual(['Foo>>bar() -3']);
  });

  it("'->' is the binary message that makes an Association wherever it cannot begin a header", () => {
    expect(shown('x := 1 -> 2')).toEqual(['(x := (1 -> 2))']);
    expect(shown("#a -> 3. 'k' -> 'v'")).toEqual(["(#a -> 3). ('k' -> 'v')"]);
    expect(shown('Foo + 3 -> 1')).toEqual(['((Foo + 3) -> 1)']);
    expect(shown('a -> b')).toEqual(['(a -> b)']);
    expect(shown('Foo bar: 3 -> x')).toEqual(['(Foo bar: (3 -> x))']);
    expect(shown('Foo bar -> 1 -> 2')).toEqual(['Foo>>bar() (1 -> 2)']);
    expect(shown('Account deposit: amount ->\n    history add: #deposit -> amount.\n    ^history last -> amount')).toEqual(
      ['Account>>deposit:(amount) (history add: (#deposit -> amount)). ^((history last) -> amount)']);
  });

  it('class-side definitions', () => {
    const m = method('Point class x: ax y: ay -> ^self new setX: ax y: ay');
    expect(m).toMatchObject({ target: { name: 'Point' }, classSide: true, selector: 'x:y:', params: [{ name: 'ax' }, { name: 'ay' }] });
    expect(showItem(m)).toBe('Point class>>x:y:(ax ay) ^((self new) setX: ax y: ay)');
    expect(shown('Point class new -> ^self basicNew')).toEqual(['Point class>>new() ^(self basicNew)']);
    expect(shown('Point class + p -> p')).toEqual(['Point class>>+(p) p']);
    // `Point class -> ...` defines the unary selector `class` on the instance side.
    expect(shown('Point class -> ^Point')).toEqual(['Point>>class() ^Point']);
    expect(shown('Point class class -> 3')).toEqual(['Point class>>class() 3']);
  });

  it('temporaries and several statements in a message body', () => {
    expect(shown('Foo bar: x -> | t | t := x. ^t')).toEqual(['Foo>>bar:(x) |t| (t := x). ^t']);
    expect(shown('Foo bar ->\n    | t |\n    t := 3.\n\n    ^t')).toEqual(['Foo>>bar() |t| (t := 3). ^t']);
  });

  it('the spans and source of a definition', () => {
    const m = method('Foo at: i put: v -> v');
    expect(m.source).toBe('Foo at: i put: v -> v');
    expect(m.target.span).toMatchObject({ start: { line: 1, column: 1, offset: 0 }, end: { column: 4, offset: 3 } });
    expect(m.params.map((p) => p.span.start.column)).toEqual([9, 16]);
    expect(m.span).toMatchObject({ start: { offset: 0 }, end: { offset: 21 } });
    expect(m.body.span).toMatchObject({ start: { column: 21 }, end: { column: 22 } });
  });
});

describe('assembly or message syntax', () => {
  const body = (source: string) => method(source).body;

  it('a mnemonic first is assembly, kept as written', () => {
    expect(body('ALU not -> not rax; ret')).toMatchObject({ kind: 'assembly', text: 'not rax; ret' });
    expect(body('ALU div: aValue -> cqo; idiv aValue; ret')).toMatchObject({ kind: 'assembly', text: 'cqo; idiv aValue; ret' });
    expect(body('VM yourself -> ret')).toMatchObject({ kind: 'assembly', text: 'ret' });
    expect(body('VM loud -> MOV RAX, 1; RET')).toMatchObject({ kind: 'assembly', text: 'MOV RAX, 1; RET' });
    expect(body('Foo bar -> jz done; ret')).toMatchObject({ kind: 'assembly' });
    expect(body('Foo bar -> cmovne rax, rbx; ret')).toMatchObject({ kind: 'assembly' });
  });

  it('a label first is assembly', () => {
    expect(body('Foo loop -> lp: dec rcx; jnz lp; ret')).toMatchObject({ kind: 'assembly', text: 'lp: dec rcx; jnz lp; ret' });
    expect(body('Foo loop -> a: b: nop')).toMatchObject({ kind: 'assembly' });
  });

  it('a directive or a pseudo-prefix first is assembly', () => {
    expect(body('Foo raw -> .byte 0x48, 0x89, 0xc7')).toMatchObject({ kind: 'assembly', text: '.byte 0x48, 0x89, 0xc7' });
    expect(body('Foo far -> {disp32} jmp lp; lp: ret')).toMatchObject({ kind: 'assembly' });
  });

  it('anything else is message syntax', () => {
    expect(body('Foo bar -> self mov')).toMatchObject({ kind: 'smalltalk' });
    expect(body('Foo bar -> Mov rax')).toMatchObject({ kind: 'smalltalk' });
    expect(body('Foo bar -> ^3')).toMatchObject({ kind: 'smalltalk' });
    expect(body('Foo bar -> movement')).toMatchObject({ kind: 'smalltalk' });
    expect(body('Foo bar -> [:x | x]')).toMatchObject({ kind: 'smalltalk' });
    expect(body('Foo bar -> {1. 2}')).toMatchObject({ kind: 'smalltalk' });
    expect(showItem(method('Counter bump -> inc := inc + 1'))).toBe('Counter>>bump() (inc := (inc + 1))');
  });

  it('multi-line assembly: text, span and comments (kept)', () => {
    const src = 'VM run: aVector ->\n    push rbp "save it"\n    mov rbp, aVector\n\n    next:\n    call [rbp+rbx*8] "the pair"\n    jmp next  "forever"\nFoo bar';
    const [m, after] = items(src);
    if (m.kind !== 'method' || m.body.kind !== 'assembly') throw new Error('expected assembly');
    expect(m.body.text).toBe('push rbp "save it"\n    mov rbp, aVector\n\n    next:\n    call [rbp+rbx*8] "the pair"\n    jmp next');
    expect(m.body.span).toMatchObject({ start: { line: 2, column: 5 }, end: { line: 7, column: 13 } });
    expect(m.source).toBe(src.slice(0, src.indexOf('  "forever"')));
    expect(showItem(after)).toBe('(Foo bar)');
  });

  it('assembly is not lexed as message syntax', () => {
    expect(body('Kernel x -> mov r10, #doesNotUnderstand:; ret')).toMatchObject({ text: 'mov r10, #doesNotUnderstand:; ret' });
    expect(body("Foo bar -> mov rax, 0xZZ; ret # don't")).toMatchObject({ text: "mov rax, 0xZZ; ret # don't" });
    expect(body('Foo bar -> jmp CPU>>eq:do:')).toMatchObject({ text: 'jmp CPU>>eq:do:' });
    expect(shown('Foo bar -> mov rax, [rdi\n+ 8]; ret\nFoo baz')).toEqual(['Foo>>bar() asm{mov rax, [rdi\n+ 8]; ret}', '(Foo baz)']);
  });

  it('a comment before the first instruction is not part of the text', () => {
    expect(body('Foo bar -> "the answer" mov rax, 42; ret')).toMatchObject({ text: 'mov rax, 42; ret', span: { start: { column: 25 } } });
  });

  const kernel = new URL('../../bootstrap/kernel.bedrock', import.meta.url);
  it.skipIf(!existsSync(kernel))('bootstrap/kernel.bedrock parses, its primitives with assembly bodies', () => {
    const text = readFileSync(kernel, 'utf8');
    const list = items(text);
    const headers = text.split('\n').filter((line) => /^[A-Z]\w* .*->/.test(line));
    expect(list.filter((i) => i.kind === 'method')).toHaveLength(headers.length);
    const asm = new Set(list.flatMap((i) => (i.kind === 'method' && i.body.kind === 'assembly' ? [`${i.target.name}>>${i.selector}`] : [])));
    for (const name of ['Memory>>at:', 'Memory>>put:', 'ALU>>add:']) expect(asm.has(name)).toBe(true);
  });
});

describe('spans', () => {
  it('every node of a send has a span, 1-based lines and columns, end exclusive', () => {
    const s = statement('x foo: 1 + 2 bar: y') as Send;
    expect(s.span).toMatchObject({ start: { line: 1, column: 1, offset: 0 }, end: { column: 20, offset: 19 } });
    expect(s.message.selectorSpan).toMatchObject({ start: { column: 3 }, end: { column: 7 } });
    expect(s.message.span).toMatchObject({ start: { column: 3 }, end: { column: 20 } });
    const arg = s.message.args[0] as Send;
    expect(arg.span).toMatchObject({ start: { column: 8 }, end: { column: 13 } });
    expect(arg.message.args[0].span).toMatchObject({ start: { column: 12 }, end: { column: 13 } });
  });

  it('a parenthesized receiver counts its parentheses in the send span', () => {
    const s = statement('(3 + 4) foo') as Send;
    expect(s.span).toMatchObject({ start: { column: 1 }, end: { column: 12 } });
    expect(s.receiver.span).toMatchObject({ start: { column: 2 }, end: { column: 7 } });
  });

  it('lines and columns across lines', () => {
    const [, second] = items('a\nb foo: [:x |\n    x + 1]');
    const s = (second as DoIt).statements[0] as Send;
    const block = s.message.args[0] as Expression;
    expect(block.span).toMatchObject({ start: { line: 2, column: 8 }, end: { line: 3, column: 11 } });
    expect((second as DoIt).span).toMatchObject({ start: { line: 2, column: 1, offset: 2 }, end: { line: 3, column: 11 } });
    expect((second as DoIt).source).toBe('b foo: [:x |\n    x + 1]');
  });

  it('negative literals span their minus sign; returns their caret', () => {
    const r = statement('^ -16rFF');
    expect(r.span).toMatchObject({ start: { column: 1 }, end: { column: 9 } });
    if (r.kind !== 'return') throw new Error('not a return');
    expect(r.value.span).toMatchObject({ start: { column: 3 }, end: { column: 9 } });
  });
});
