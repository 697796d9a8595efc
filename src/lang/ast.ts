/*
 * The syntax tree of Bedrock's language: what the parser produces and the compilers consume.
 *
 * A source text is a sequence of top-level items. An item ends at the end of its line unless
 * a bracket is still open or the following lines are indented (DESIGN.md section 6):
 *
 *   3 + 4                                          an expression (print-it)
 *   | a | a := 3. a * a                            temporaries and statements
 *   Integer double -> self * 2                     a method, body in message syntax
 *   Memory at: anAddress -> mov rdi, rax; ret      a method, body in x86-64 assembly
 *   Boolean ifTrue: aBlock ->                      a method whose body is on indented lines
 *       CPU eq: true do: aBlock
 *   Point class x: ax y: ay -> ^self new setX: ax y: ay     a class-side method
 *   Object subclass: #Point instanceVariableNames: 'x y'    (an ordinary expression)
 *
 * Every node has a span: where it starts and ends in the source (offsets and 1-based line
 * and column), so errors and listings can point at it.
 */

import type { SourceText } from './source.ts';

export interface Position {
  /** Offset in the source text (0-based). */
  readonly offset: number;
  /** 1-based line and column. */
  readonly line: number;
  readonly column: number;
}

export interface Span {
  readonly start: Position;
  readonly end: Position;
}

/** The value of a literal. Integers are bigint (arbitrary size: LargeIntegers start here). */
export type LiteralValue =
  | { readonly type: 'integer'; readonly value: bigint }
  /** A Float: its IEEE 754 bits, as a signed 64-bit bigint. */
  | { readonly type: 'float'; readonly value: bigint }
  | { readonly type: 'bytes'; readonly value: readonly number[] }
  | { readonly type: 'character'; readonly value: string }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'symbol'; readonly value: string }
  | { readonly type: 'array'; readonly elements: readonly LiteralValue[] }
  | { readonly type: 'nil' }
  | { readonly type: 'true' }
  | { readonly type: 'false' };

export interface Literal { readonly kind: 'literal'; readonly value: LiteralValue; readonly span: Span }

/** A name: a temporary, an argument, an instance variable, a global, or self / super / thisContext. */
/**
 * A variable: its name, and for a dotted path (`Smalltalk.Foo`, `A.B`) the path as written,
 * which names a class variable when it is one (`A.B`, B of class A), else the global `name`.
 */
export interface Variable { readonly kind: 'variable'; readonly name: string; readonly span: Span; readonly path?: string }

export interface Assignment { readonly kind: 'assign'; readonly target: Variable; readonly value: Expression; readonly span: Span }

/** One message: selector and arguments (none for unary, one for binary, one per keyword part). */
export interface Message {
  readonly selector: string;
  readonly args: readonly Expression[];
  /** Where the selector is written (for a keyword message, its first keyword). */
  readonly selectorSpan: Span;
  readonly span: Span;
}

export interface Send {
  readonly kind: 'send';
  readonly receiver: Expression;
  readonly message: Message;
  readonly span: Span;
}

/** receiver m1; m2; m3 — every message goes to the same receiver; the value is the last one's. */
export interface Cascade {
  readonly kind: 'cascade';
  readonly receiver: Expression;
  readonly messages: readonly Message[];
  readonly span: Span;
}

export interface Block {
  readonly kind: 'block';
  readonly params: readonly Variable[];
  readonly temps: readonly Variable[];
  readonly statements: readonly Statement[];
  readonly span: Span;
}

/** {a. b. c} — an Array of the values of the expressions. */
export interface BraceArray { readonly kind: 'brace'; readonly elements: readonly Expression[]; readonly span: Span }

export type Expression = Literal | Variable | Assignment | Send | Cascade | Block | BraceArray;

/** ^expression: a return from the enclosing method (a non-local return when inside a block). */
export interface Return { readonly kind: 'return'; readonly value: Expression; readonly span: Span }

export type Statement = Expression | Return;

/** Temporaries and statements: a method's body, a block's, or a top-level expression's. */
export interface Body {
  readonly temps: readonly Variable[];
  readonly statements: readonly Statement[];
  readonly span: Span;
}

export interface AssemblyBody {
  readonly kind: 'assembly';
  /** The assembly text as written (instructions separated by ';' or newlines). */
  readonly text: string;
  readonly span: Span;
}

export interface SmalltalkBody extends Body {
  readonly kind: 'smalltalk';
}

/**
 * `<primitive: 60>`, `<comment: 'text'>`, `<category: 'accessing'>`: a pragma at the start of a
 * method's body (or in a class body), a keyword (or unary) message with literal arguments; a
 * bare name as an argument (GNU's `<primitive: VMpr_Object_basicAt>`) is read as a Symbol.
 */
export interface Pragma {
  readonly selector: string;
  readonly args: readonly LiteralValue[];
  readonly span: Span;
}

/**
 * Target selector: param ... -> body, or in GNU Smalltalk's syntax `Target >> selector: param
 * [ body ]` (also inside a class body, and from a chunk of the chunk format). Its source is
 * always a whole definition that reads back as this method.
 */
export interface MethodDefinition {
  readonly kind: 'method';
  /** The name of the behaviour the method is defined in. */
  readonly target: Variable;
  /** `Target class selector -> ...` defines on the class side. */
  readonly classSide: boolean;
  readonly selector: string;
  readonly params: readonly Variable[];
  readonly body: SmalltalkBody | AssemblyBody;
  /** Pragmas at the start of the body. */
  readonly pragmas: readonly Pragma[];
  /** In Bedrock's syntax, the offset of the '->' before the body. */
  readonly arrow?: number;
  /** In GNU Smalltalk's syntax, the offsets of the '[' and ']' around the body. */
  readonly brackets?: { readonly open: number; readonly close: number };
  /** The definition's whole text: as written, or (from a class body or a chunk) with its target put in front. */
  readonly source: string;
  readonly span: Span;
  /** The text the spans point into (for an error's line), when the parser knows it. */
  readonly origin?: SourceText;
}

/** A top-level expression (statements with optional temporaries), evaluated when read. */
export interface DoIt extends Body {
  readonly kind: 'doit';
  readonly source: string;
  readonly origin?: SourceText;
  /**
   * The doit as Bedrock source that reads back as this one item, when its source alone would
   * not (a statement of a Smalltalk file whose lines are not indented): what a journal keeps.
   */
  readonly replay?: string;
}

/** `Count := 0.` in a GNU Smalltalk class body: a class variable and its first value. */
export interface ClassVariable {
  readonly name: Variable;
  /** The expression that gives its value (evaluated when the class is defined), if any. */
  readonly value?: DoIt;
}

/**
 * A class in GNU Smalltalk's bracket syntax: `Object subclass: Animal [ ... ]` defines (or
 * redefines) a class, `Animal extend [ ... ]` and `Animal class extend [ ... ]` add to one.
 * The body declares instance variables (`| name sound |`), class-side instance variables
 * (`Animal class [ | count | ]`), class variables (`Count := 0.`), pragmas such as
 * `<comment: 'An animal'>`, and methods (`speak [ ^'...' ]`, `Animal class >> new [ ... ]`).
 */
export interface ClassDefinition {
  readonly kind: 'class';
  /** The class defined or extended. */
  readonly name: Variable;
  /** `Super subclass: Name [`: the superclass; absent for `extend`. */
  readonly superclass?: Variable;
  /** `Name class extend [`: methods go to the class side. */
  readonly classSide: boolean;
  readonly instanceVariables: readonly Variable[];
  readonly classInstanceVariables: readonly Variable[];
  readonly classVariables: readonly ClassVariable[];
  /** Class pragmas: `<comment: 'text'>`, `<category: 'x'>`, `<shape: #byte>` ... */
  readonly pragmas: readonly Pragma[];
  readonly methods: readonly MethodDefinition[];
  readonly source: string;
  readonly span: Span;
  readonly origin?: SourceText;
}

export type Item = MethodDefinition | DoIt | ClassDefinition;

/** A syntax error: where, what was expected, and the source line with a caret under the spot. */
export interface SyntaxError {
  readonly message: string;
  readonly position: Position;
  /** The line of source the error is on. */
  readonly sourceLine: string;
  /** The file it is in, when the source came from one. */
  readonly file?: string;
}

export type ParseResult =
  | { readonly ok: true; readonly items: readonly Item[] }
  | { readonly ok: false; readonly error: SyntaxError; readonly items: readonly Item[] };

/** "line 3, column 7: expected ']' to close the block\n  [:x | x + \n            ^" */
export function formatSyntaxError(e: SyntaxError): string {
  const caret = ' '.repeat(Math.max(0, e.position.column - 1)) + '^';
  return `${placeText(e.position, e.file)}: ${e.message}\n  ${e.sourceLine}\n  ${caret}`;
}

/** "line 3, column 7", or "animals.st:3:7" when the place is in a file. */
export function placeText(p: { readonly line: number; readonly column: number }, file?: string): string {
  return file === undefined ? `line ${p.line}, column ${p.column}` : `${file}:${p.line}:${p.column}`;
}
