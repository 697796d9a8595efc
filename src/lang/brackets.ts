/*
 * GNU Smalltalk's bracket syntax, which Bedrock reads as items of its own language (at the
 * REPL, in a file, and in the chunks of the chunk format):
 *
 *   Object subclass: Animal [                 a class (defined, or redefined when it exists)
 *       | name sound |                        instance variables (more bars add more)
 *       <comment: 'An animal'>                class pragmas: comment, category, shape ...
 *       Count := 0.                           a class variable and its first value
 *       Animal class [ | registry | ]         class-side instance variables
 *       Animal class >> named: aName [ ... ]  a class-side method
 *       speak [ ^'...' ]                      methods: unary, binary, keyword
 *       name: aName [ <category: 'accessing'> name := aName ]
 *   ]
 *   Animal extend [ ... ]                     more of an existing class (Animal class extend [ ]:
 *   Animal class [ ... ]                      its class side)
 *   Animal >> speak [ ^'...' ]                one method (Animal class >> new [ ] on the class side;
 *                                             inside another class's body too, as Object >> foo [ ])
 *   Eval [ | a | a := 3. a printNl ]          statements, run when read
 *
 * A method's source is always a whole definition that reads back as that method: inside a
 * class body, `speak [ ... ]` is kept as `Animal >> speak [ ... ]`. A method body whose first
 * word is an instruction mnemonic is x86-64, as after a Bedrock header's '->' (header.ts).
 */
import type { ClassDefinition, ClassVariable, DoIt, Item, MethodDefinition, Pragma, Variable } from './ast.ts';
import { startsInstruction } from './header.ts';
import type { SourceText } from './source.ts';
import { TokenParser } from './syntax.ts';
import type { Token } from './tokens.ts';

export type BracketConstruct = 'eval' | 'class' | 'extend' | 'method';

const is = (t: Token | undefined, kind: Token['kind'], text?: string): boolean => t !== undefined && t.kind === kind && (text === undefined || t.text === text);

/** The index after a method pattern starting at tokens[i], or -1. */
function patternEnd(tokens: readonly Token[], i: number): number {
  const t = tokens[i];
  if (is(t, 'identifier')) return i + 1;
  if (is(t, 'binary')) return is(tokens[i + 1], 'identifier') ? i + 2 : -1;
  let j = i;
  while (is(tokens[j], 'keyword') && is(tokens[j + 1], 'identifier')) j += 2;
  return j > i ? j : -1;
}

/** Which bracket construct the tokens from `at` begin, if any. */
export function bracketConstruct(tokens: readonly Token[], at = 0): BracketConstruct | null {
  const [t0, t1, t2, t3] = [tokens[at], tokens[at + 1], tokens[at + 2], tokens[at + 3]];
  if (!is(t0, 'identifier')) return null;
  if (t0!.text === 'Eval' && is(t1, 'leftBracket')) return 'eval';
  if (is(t1, 'keyword', 'subclass:') && (is(t2, 'identifier') || is(t2, 'symbol')) && is(t3, 'leftBracket')) return 'class';
  if (is(t1, 'identifier', 'extend') && is(t2, 'leftBracket')) return 'extend';
  const side = is(t1, 'identifier', 'class') ? at + 2 : at + 1;
  if (side === at + 2 && is(t2, 'identifier', 'extend') && is(t3, 'leftBracket')) return 'extend';
  if (side === at + 2 && is(t2, 'leftBracket')) return 'extend';
  if (is(tokens[side], 'binary', '>>')) {
    const end = patternEnd(tokens, side + 1);
    if (end > 0 && is(tokens[end], 'leftBracket')) return 'method';
  }
  return null;
}

/**
 * The bracket construct at the parser's position, as an item; the parser is left after its
 * closing ']'.
 */
export function parseBracket(p: TokenParser): Item {
  const kind = bracketConstruct(p.tokens, p.pos);
  const first = p.next();
  switch (kind) {
    case 'eval': return evalItem(p, first);
    case 'class': {
      p.pos++; // subclass:
      const nameToken = p.next();
      const name: Variable = { kind: 'variable', name: nameToken.kind === 'symbol' ? (nameToken.value as string) : nameToken.text, span: p.span(nameToken.start, nameToken.end) };
      return classBody(p, first, { name, superclass: p.variable(first), classSide: false });
    }
    case 'extend': {
      const classSide = is(p.peek(), 'identifier', 'class');
      if (classSide) p.pos++;
      if (is(p.peek(), 'identifier', 'extend')) p.pos++;
      return classBody(p, first, { name: p.variable(first), classSide });
    }
    case 'method': {
      const classSide = is(p.peek(), 'identifier', 'class');
      if (classSide) p.pos++;
      p.pos++; // >>
      return bracketMethod(p, first.text, classSide, first.start, '');
    }
    default: return p.failAt(first, 'expected a GNU Smalltalk bracket construct');
  }
}

/** A whole item that is a bracket construct (parser.ts): nothing but a '.' may follow it. */
export function parseBracketItem(source: SourceText, tokens: readonly Token[], _start: number, _end: number): Item {
  const p = new TokenParser(source, tokens);
  const item = parseBracket(p);
  while (is(p.peek(), 'period')) p.pos++;
  if (!p.atEnd) p.failAt(p.peek(), "expected the end of the item after the construct's closing ']'");
  return item;
}

function evalItem(p: TokenParser, first: Token): DoIt {
  const open = p.next();
  p.nesting++;
  const temps = p.temporaries();
  const statements = p.statements(open, 'the Eval');
  const close = p.next();
  p.nesting--;
  return { kind: 'doit', temps, statements, span: p.span(first.start, close.end), source: p.source.text.slice(first.start, close.end), origin: p.source };
}

/**
 * `pattern [ body ]` (the parser after `>>`, or at a method in a class body): a method of
 * `target`. Its source is `prefix` (the target and `>>`, when the text does not say them)
 * followed by the text from `start` to the closing ']'.
 */
function bracketMethod(p: TokenParser, target: string, classSide: boolean, start: number, prefix: string): MethodDefinition {
  const targetSpan = p.span(start, start);
  const pattern = p.pattern();
  const open = p.peek();
  if (!is(open, 'leftBracket')) p.failAt(open, `expected '[' to begin the body of ${target}${classSide ? ' class' : ''}>>${pattern.selector}`);
  p.pos++;
  p.nesting++;
  const text = p.source.text;
  let body: MethodDefinition['body'];
  let pragmas: Pragma[] = [];
  let close: Token;
  if (startsInstruction(p.tokens.slice(p.pos, p.pos + 6))) {
    const bodyStart = p.peek()!.start;
    const bodyEnd = assemblyEnd(text, bodyStart);
    if (bodyEnd < 0) p.fail(`expected ']' to close the body of ${target}>>${pattern.selector}`, p.end);
    while (!p.atEnd && p.peek()!.start < bodyEnd) p.pos++;
    close = p.next();
    if (!is(close, 'rightBracket')) p.fail(`expected ']' to close the body of ${target}>>${pattern.selector}`, bodyEnd);
    const trimmed = text.slice(bodyStart, bodyEnd).trimEnd();
    body = { kind: 'assembly', text: trimmed, span: p.span(bodyStart, bodyStart + trimmed.length) };
  } else {
    const first = p.peek();
    pragmas = p.pragmas();
    const temps = p.temporaries();
    pragmas = [...pragmas, ...p.pragmas()];
    const statements = p.statements(open, `the body of ${target}>>${pattern.selector}`);
    close = p.next();
    body = { kind: 'smalltalk', temps, statements, span: p.span(first?.start ?? close.start, close.start) };
  }
  p.nesting--;
  return {
    kind: 'method',
    target: { kind: 'variable', name: target, span: targetSpan },
    classSide,
    selector: pattern.selector,
    params: pattern.params,
    body,
    pragmas,
    brackets: { open: open!.start, close: close.start },
    source: prefix + text.slice(start, close.end),
    span: p.span(start, close.end),
    origin: p.source,
  };
}

/** The offset of the ']' that closes an assembly body starting at `from`, or -1. */
function assemblyEnd(text: string, from: number): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      const close = text.indexOf('"', i + 1);
      if (close < 0) return -1;
      i = close;
    } else if (ch === '[' || ch === '(' || ch === '{') depth++;
    else if (ch === ')' || ch === '}') depth--;
    else if (ch === ']') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

interface ClassHead {
  readonly name: Variable;
  readonly superclass?: Variable;
  readonly classSide: boolean;
}

/** `[ ... ]` of a class definition or extension, from its '['. */
function classBody(p: TokenParser, first: Token, head: ClassHead): ClassDefinition {
  const open = p.peek();
  if (!is(open, 'leftBracket')) p.failAt(open, `expected '[' to begin the body of ${head.name.name}`);
  p.pos++;
  p.nesting++;
  const instanceVariables: Variable[] = [];
  const classInstanceVariables: Variable[] = [];
  const classVariables: ClassVariable[] = [];
  const pragmas: Pragma[] = [];
  const methods: MethodDefinition[] = [];
  const className = head.name.name;
  const closing = `expected ']' to close the body of ${className} started at ${p.where(open!.start)}`;
  const members = (classSide: boolean, until: Token): void => {
    for (;;) {
      const t = p.peek();
      if (t === undefined) p.fail(closing, p.end);
      if (is(t, 'rightBracket')) return;
      if (is(t, 'period')) { p.pos++; continue; }
      if (p.isBar(t)) {
        for (const v of p.temporaries()) {
          const list = classSide ? classInstanceVariables : instanceVariables;
          if (!list.some((x) => x.name === v.name)) list.push(v);
        }
        continue;
      }
      if (p.isPragmaStart(t)) { pragmas.push(...p.pragmas()); continue; }
      if (is(t, 'identifier') && is(p.peek(1), 'assign') && !classSide) {
        p.pos += 2;
        const value = p.expression(`expected the value of the class variable ${t.text}`);
        const doit: DoIt = {
          kind: 'doit', temps: [], statements: [value.node], span: p.span(value.start, value.end),
          source: p.source.text.slice(value.start, value.end), origin: p.source,
        };
        classVariables.push({ name: p.variable(t), value: doit });
        continue;
      }
      if (is(t, 'identifier') && t.text === className && is(p.peek(1), 'identifier', 'class')) {
        if (is(p.peek(2), 'binary', '>>')) {
          p.pos += 3;
          methods.push(bracketMethod(p, className, true, t.start, ''));
          continue;
        }
        if (is(p.peek(2), 'leftBracket')) {
          p.pos += 2;
          const inner = p.next();
          members(true, inner);
          p.pos++;
          continue;
        }
      }
      if (is(t, 'identifier') && t.text === className && is(p.peek(1), 'binary', '>>')) {
        p.pos += 2;
        methods.push(bracketMethod(p, className, classSide, t.start, classSide ? `${className} class >> ` : ''));
        continue;
      }
      // GNU Smalltalk lets a class's body define a method of another class: Object >> foo [ ],
      // Object class >> bar [ ] (its own tests do, in True extend [ ... ]).
      if (is(t, 'identifier') && t.text !== className && /^\p{Lu}/u.test(t.text)) {
        const other = is(p.peek(1), 'identifier', 'class') && is(p.peek(2), 'binary', '>>');
        if (other || is(p.peek(1), 'binary', '>>')) {
          p.pos += other ? 3 : 2;
          methods.push(bracketMethod(p, t.text, other, t.start, ''));
          continue;
        }
      }
      if (patternEnd(p.tokens, p.pos) < 0) {
        p.failAt(t, `expected a method, '| variables |', a pragma, a class variable (Name := value.) or ']' in the body of ${className}`);
      }
      methods.push(bracketMethod(p, className, classSide, t.start, `${className}${classSide ? ' class' : ''} >> `));
    }
    void until;
  };
  members(head.classSide, open!);
  const close = p.next();
  p.nesting--;
  return {
    kind: 'class',
    name: head.name,
    ...(head.superclass && { superclass: head.superclass }),
    classSide: head.classSide,
    instanceVariables: head.classSide ? [] : instanceVariables,
    classInstanceVariables: head.classSide ? [...instanceVariables, ...classInstanceVariables] : classInstanceVariables,
    classVariables,
    pragmas,
    methods,
    source: p.source.text.slice(first.start, close.end),
    span: p.span(first.start, close.end),
    origin: p.source,
  };
}
